"""The simulated browser's status vocabularies and their categories.

Reports, sources and navigations have small fixed vocabularies. A registration hop's status is
Chrome's attribution-internals outcome (``success``, ``noMatchingSources``, ``parseError`` ...,
for a trigger both of its parts): :func:`hop_category` classifies it, so the internals page,
the pages' panels and the shim's badge all colour the same outcome the same way.
"""

from __future__ import annotations

from attribution_reporting import reports
from config.statuses import Category, Status


class ReportStatus(Status):
    PENDING = reports.PENDING, Category.WARNING
    SENT = reports.SENT, Category.OK
    FAILED = reports.FAILED, Category.ERROR


class SourceStatus(Status):
    ACTIVE = "active", Category.OK
    NOISED = "noised (no real event-level reports)", Category.WARNING
    REPORT_LIMIT = "event-level report limit reached", Category.WARNING
    EXPIRED = "expired", Category.ERROR
    DEACTIVATED = "deactivated", Category.ERROR


class NavigationState(Status):
    RUNNING = "running", Category.WARNING
    DONE = "done", Category.OK
    NOT_REGISTERED = "not registered", Category.ERROR


# Chrome's outcomes that stored what was registered (a noised source is stored too).
SUCCESS = frozenset({"success", "successNoised", "successDroppedLowerPriority", "delegatedToOs"})
# The request or the response was broken: nothing could be considered.
FAILURE = frozenset({"parseError", "internalError", "requestFailed", "requestNotMade"})


def _part_category(status: str) -> Category:
    if status in SUCCESS:
        return Category.OK
    if status in FAILURE:
        return Category.ERROR
    # Everything else was understood and not stored: no matching source, deduplicated, a limit,
    # a window passed, not registered... the request was fine, the outcome is worth a look.
    return Category.WARNING


def hop_category(kind: str, status: str) -> Category:
    """The category of one registration hop's outcome (a trigger's is the better of its parts)."""
    if kind == "error":
        return Category.ERROR
    parts = [p.split(":", 1)[-1].strip() for p in status.split(";") if p.strip()]
    if not parts:
        return Category.WARNING
    categories = {_part_category(p) for p in parts}
    if Category.OK in categories:
        return Category.OK
    return Category.ERROR if Category.ERROR in categories else Category.WARNING
