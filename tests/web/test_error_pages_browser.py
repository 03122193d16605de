"""The error pages in Debian's Chromium: the demo's style and navigation, nothing of Django's debug pages.

Screenshots go to ``var/screenshots/`` (``docs/screenshots/`` with ``ARA_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    REPO / "docs" / "screenshots"
    if os.environ.get("ARA_UPDATE_SCREENSHOTS") == "1"
    else Path(os.environ.get("ARA_VAR_DIR", REPO / "var")) / "screenshots"
)


def _open(page, url: str, name: str) -> tuple[int, str]:
    console = []
    page.on("console", lambda m: console.append(m) if m.type == "error" else None)
    response = page.goto(url)
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    # The page's own status is reported on the console; anything else would be a fault of the page.
    faults = [m.text for m in console if "the server responded with a status of" not in m.text]
    assert not faults, faults
    return response.status, page.inner_text("body")


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_error_pages_in_chromium(lab_server, page, settings, monkeypatch, debug):
    settings.DEBUG = debug
    port = settings.ARA_PORT
    suffix = "-debug-on" if debug else ""

    status, text = _open(page, f"http://news.localhost:{port}/no/such/article", f"error-404-news{suffix}")
    assert status == 404 and "Page not found" in text and "The Daily Byte" in text
    assert page.locator("nav.lab-nav a").count() == 6
    assert "URLconf" not in text

    import adtech.urls  # noqa: F401  (its API module reads campaigns once, at import)
    from adtech import views

    def broken(*args, **kwargs):
        raise RuntimeError("forced failure for the screenshot")

    monkeypatch.setattr(views.selectors, "campaigns", broken)
    status, text = _open(page, f"http://adtech.localhost:{port}/campaigns/", f"error-500-adtech{suffix}")
    assert status == 500 and "Something went wrong" in text
    assert "forced failure" not in text and "Traceback" not in text

    status, text = _open(page, f"http://unknown.localhost:{port}/", f"error-400-unknown-host{suffix}")
    assert status == 400 and "Unknown host: unknown.localhost" in text
    assert page.locator("nav.lab-nav a").count() == 6
