"""Structured-field (RFC 8941) plumbing shared by the Eligible, Support, Info and OS headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from http_sfv import Dictionary, InnerList, List, Token

from .issues import Context, ValidationResult
from .parsing import INVALID

PARSE_ERROR = "Parse error: the value is not a valid structured-header {kind} (RFC 8941)"


def parse_dictionary(text: str) -> dict[str, Any] | None:
    """Members of a dictionary header (``{}`` for an empty header); None when unparsable."""
    if not text.strip(" "):
        return {}
    d = Dictionary()
    try:
        d.parse(text.encode("ascii"))
    except (ValueError, UnicodeError):
        return None
    return dict(d.items())


def parse_list(text: str) -> list[Any] | None:
    if not text.strip(" "):
        return []
    lst = List()
    try:
        lst.parse(text.encode("ascii"))
    except (ValueError, UnicodeError):
        return None
    return list(lst)


def bare_value(member: Any) -> Any:
    """The bare item of a member (None for an inner list)."""
    return None if isinstance(member, InnerList) else member.value


def params(member: Any) -> dict[str, Any]:
    return dict(member.params)


def is_string(v: Any) -> bool:
    return isinstance(v, str) and not isinstance(v, Token) and type(v) is str


def is_token(v: Any) -> bool:
    return isinstance(v, Token)


def validate_dictionary(
    text: str,
    fields: list[tuple[str, str, Callable[[Any, Context], Any]]],
    check: Callable[[dict[str, Any], Context], bool] | None = None,
) -> ValidationResult:
    """Parses a dictionary header whose known keys are ``fields`` (key, name, parser).

    Each parser gets the member (or None when absent); unknown keys warn.
    """
    ctx = Context()
    members = parse_dictionary(text)
    if members is None:
        return ctx.finish(None, PARSE_ERROR.format(kind="dictionary"))
    out: dict[str, Any] = {}
    ok = True
    for key, name, parse in fields:
        with ctx.at(key):
            v = parse(members.pop(key, None), ctx)
        if v is INVALID:
            ok = False
        else:
            out[name] = v
    for key in members:
        with ctx.at(key):
            ctx.warning("unknown dictionary key")
    if ok and check is not None and not check(out, ctx):
        ok = False
    return ctx.finish(out if ok else None)
