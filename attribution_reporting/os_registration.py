"""``Attribution-Reporting-Register-OS-Source`` / ``-OS-Trigger``: URLs for the OS to fetch.

A structured-header list of URL strings, each with an optional ``debug-reporting`` boolean
parameter. Bad members are ignored with a warning rather than failing the whole header,
as the browser does.
"""

from __future__ import annotations

from typing import Any

from .issues import Context, ValidationResult
from .sites import InvalidURL, parse_url
from .structured_headers import PARSE_ERROR, bare_value, is_string, params, parse_list


def _item(member: Any, ctx: Context) -> dict[str, Any] | None:
    v = bare_value(member)
    if not is_string(v):
        ctx.warning("ignored, must be a string")
        return None
    try:
        url = parse_url(v)
    except InvalidURL:
        ctx.warning("ignored, must contain a valid URL")
        return None
    member_params = params(member)
    debug_reporting = member_params.pop("debug-reporting", False)
    if not isinstance(debug_reporting, bool):
        with ctx.at("debug-reporting"):
            ctx.warning("ignored, must be a boolean")
        debug_reporting = False
    for key in member_params:
        with ctx.at(key):
            ctx.warning("unknown parameter")
    return {"url": url.href, "debug_reporting": debug_reporting}


def validate_os(text: str) -> ValidationResult:
    """Value: ``[{"url": str, "debug_reporting": bool}, ...]`` (bad members left out)."""
    ctx = Context()
    members = parse_list(text)
    if members is None:
        return ctx.finish(None, PARSE_ERROR.format(kind="list"))
    items = []
    for i, member in enumerate(members):
        with ctx.at(i):
            item = _item(member, ctx)
        if item is not None:
            items.append(item)
    return ctx.finish(items)
