"""Which browser sent a registration request or a report: a real Chrome with ARA, or the simulated one.

The ad tech cannot see inside the browser; it has the ``User-Agent`` header, which it stores with
each request and reads here. The simulated browser says so in its User-Agent (a product token
after Chrome's usual string, as embedders do); a Chrome of a version that shipped the
Attribution Reporting API (up to 151) is taken for the real thing. Anything else (a browser
without ARA, curl, a test client) is "other".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The product token the simulated browser appends to its User-Agent (browser/http_client.py).
SIMULATED_TOKEN = "AttributionLabSimulatedBrowser"
# Chrome shipped ARA from version 115 (general availability) to 151 (removed in 152).
FIRST_ARA_MAJOR, LAST_ARA_MAJOR = 115, 151

CHROME = "chrome"
SIMULATED = "simulated"
OTHER = "other"
UNKNOWN = ""

_CHROME_VERSION = re.compile(r"\b(?:Headless)?Chrome/(\d+)(?:\.[\d.]+)?")


@dataclass(frozen=True)
class Sender:
    key: str  # chrome, simulated, other or "" (no User-Agent)
    label: str  # e.g. "Chrome 149", "simulated browser"
    explanation: str


def identify(user_agent: str) -> Sender:
    """What the ``User-Agent`` says about the sender, with a sentence a workshop can read."""
    ua = (user_agent or "").strip()
    if not ua:
        return Sender(
            UNKNOWN, "unknown", "The request had no User-Agent header, so the sender cannot be told."
        )
    if SIMULATED_TOKEN in ua:
        return Sender(
            SIMULATED,
            "simulated browser",
            f"The User-Agent carries {SIMULATED_TOKEN}: the suite's simulated browser made this request "
            "for a page whose browser has no ARA of its own.",
        )
    match = _CHROME_VERSION.search(ua)
    if match:
        major = int(match.group(1))
        headless = "HeadlessChrome/" in ua
        if FIRST_ARA_MAJOR <= major <= LAST_ARA_MAJOR:
            return Sender(
                CHROME,
                f"Chrome {major}",
                f"A real {'headless ' if headless else ''}Chrome {major} made this request itself: its own "
                "Attribution Reporting API, no simulation.",
            )
        return Sender(
            OTHER,
            f"Chrome {major}",
            f"Chrome {major} has no Attribution Reporting API (it shipped in {FIRST_ARA_MAJOR}–{LAST_ARA_MAJOR}), "
            "so this request did not come from its ARA: a page or a tool asked directly.",
        )
    return Sender(OTHER, "other client", f"Neither Chrome with ARA nor the simulated browser: {ua[:120]}")
