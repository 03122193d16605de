"""``Attribution-Reporting-Info``: the registrant's preferred platform and error reporting."""

from __future__ import annotations

from typing import Any

from .issues import Context, ValidationResult
from .parsing import INVALID
from .structured_headers import bare_value, is_token, params, validate_dictionary

PREFERRED_PLATFORMS = ("os", "web")


def _preferred_platform(member: Any, ctx: Context) -> Any:
    if member is None:
        return None
    v = bare_value(member)
    if not is_token(v):
        ctx.error("must be a token")
        return INVALID
    if str(v) not in PREFERRED_PLATFORMS:
        ctx.error(f"must be one of the following (case-sensitive): {', '.join(PREFERRED_PLATFORMS)}")
        return INVALID
    if params(member):
        ctx.warning("ignoring parameters")
    return str(v)


def _report_header_errors(member: Any, ctx: Context) -> Any:
    if member is None:
        return False
    v = bare_value(member)
    if not isinstance(v, bool):
        ctx.error("must be a boolean")
        return INVALID
    if params(member):
        ctx.warning("ignoring parameters")
    return v


def validate_info(text: str) -> ValidationResult:
    """Value: ``{"preferred_platform": "os"|"web"|None, "report_header_errors": bool}``."""
    return validate_dictionary(
        text,
        [
            ("preferred-platform", "preferred_platform", _preferred_platform),
            ("report-header-errors", "report_header_errors", _report_header_errors),
        ],
    )
