"""Combinators for JSON objects, lists, sets and maps, on top of ``parsing``'s scalars.

``struct`` reads every field (so all issues are reported, not just the first) and then warns
about unknown keys; ``field`` consumes the key it reads; ``array``/``set_of``/``key_values``
scope each item's issues under its index or key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from .issues import Context
from .parsing import INVALID, MISSING, Parser, js_num, lst, obj


def required(f: Parser) -> Parser:
    def parse(j: Any, ctx: Context, *args: Any) -> Any:
        if j is MISSING:
            ctx.error("required")
            return INVALID
        return f(j, ctx, *args)

    return parse


def with_default(f: Parser, default: Any) -> Parser:
    def parse(j: Any, ctx: Context, *args: Any) -> Any:
        if j is MISSING:
            return default() if callable(default) else default
        return f(j, ctx, *args)

    return parse


def with_error_as_warning(f: Parser, value_if_error: Any) -> Parser:
    def parse(j: Any, ctx: Context, *args: Any) -> Any:
        prev = ctx.error_as_warning
        ctx.error_as_warning = True
        try:
            v = f(j, ctx, *args)
        finally:
            ctx.error_as_warning = prev
        return value_if_error if v is INVALID else v

    return parse


def field(name: str, f: Parser, *args: Any) -> Callable[[dict[str, Any], Context], Any]:
    """Reads (and consumes, for the unknown-field warning) ``name`` from a dict."""

    def get(d: dict[str, Any], ctx: Context) -> Any:
        with ctx.at(name):
            return f(d.pop(name, MISSING), ctx, *args)

    return get


def exclusive(alternatives: dict[str, Parser], value_if_absent: Any) -> Callable[[dict, Context], Any]:
    def get(d: dict[str, Any], ctx: Context) -> Any:
        found: list[str] = []
        v: Any = INVALID
        for key, f in alternatives.items():
            j = d.pop(key, MISSING)
            if j is not MISSING:
                found.append(key)
                with ctx.at(key):
                    v = f(j, ctx)
        if len(found) == 1:
            return v
        if found:
            ctx.error(f"mutually exclusive fields: {', '.join(found)}")
            return INVALID
        return value_if_absent

    return get


def struct(
    d: dict[str, Any],
    ctx: Context,
    fields: Iterable[tuple[str, Callable[[dict[str, Any], Context], Any]]],
    warn_unknown: bool = True,
    unknown_msg: str = "unknown field",
) -> Any:
    """Parses every field (reporting all issues), then warns about the keys left over."""
    out: dict[str, Any] = {}
    ok = True
    for prop, get in fields:
        v = get(d, ctx)
        if v is INVALID:
            ok = False
        else:
            out[prop] = v
    if warn_unknown:
        for key in d:
            with ctx.at(key):
                ctx.warning(unknown_msg)
    return out if ok else INVALID


def struct_of(j: Any, ctx: Context, fields: Iterable[tuple[str, Callable]], warn_unknown: bool = True) -> Any:
    d = obj(j, ctx)
    return INVALID if d is INVALID else struct(d, ctx, fields, warn_unknown)


def length_ok(
    n: int, ctx: Context, min_length: int = 0, max_length: float = math.inf, suffix: str = ""
) -> bool:
    if n > max_length or n < min_length:
        ctx.error(f"length must be in the range [{min_length}, {js_num(max_length)}{suffix}]")
        return False
    return True


EARLY_EXIT = "early-exit"
IGNORE = "ignore"


def array(
    j: Any,
    ctx: Context,
    f: Parser,
    min_length: int = 0,
    max_length: float = math.inf,
    suffix: str = "",
    on_item_error: str = "keep-going",
) -> Any:
    items = lst(j, ctx)
    if items is INVALID or not length_ok(len(items), ctx, min_length, max_length, suffix):
        return INVALID
    out: list[Any] = []
    ok = True
    for i, item in enumerate(items):
        with ctx.at(i):
            v = f(item, ctx)
        if v is INVALID:
            if on_item_error == EARLY_EXIT:
                return INVALID
            if on_item_error != IGNORE:
                ok = False
        else:
            out.append(v)
    return out if ok else INVALID


def set_of(
    j: Any,
    ctx: Context,
    f: Parser,
    min_length: int = 0,
    max_length: float = math.inf,
    require_distinct: bool = False,
) -> Any:
    """A list of distinct values (duplicates warn, or fail with ``require_distinct``)."""
    items = lst(j, ctx)
    if items is INVALID:
        return INVALID
    out: dict[Any, None] = {}
    ok = True
    for i, item in enumerate(items):
        with ctx.at(i):
            v = f(item, ctx)
            if v is not INVALID and v in out:
                msg = f"duplicate value {js_num(v) if not isinstance(v, str) else v}"
                if require_distinct:
                    ctx.error(msg)
                    v = INVALID
                else:
                    ctx.warning(msg)
        if v is INVALID:
            ok = False
        else:
            out.setdefault(v)
    if not ok or not length_ok(len(out), ctx, min_length, max_length):
        return INVALID
    return list(out)


def key_values(j: Any, ctx: Context, f: Parser, max_keys: float = math.inf) -> Any:
    """A JSON object whose values ``f((key, value), ctx)`` parses; at most ``max_keys``."""
    d = obj(j, ctx)
    if d is INVALID:
        return INVALID
    if len(d) > max_keys:
        ctx.error(f"exceeds the maximum number of keys ({js_num(max_keys)})")
        return INVALID
    out: dict[str, Any] = {}
    ok = True
    for key, value in d.items():
        with ctx.at(key):
            v = f((key, value), ctx)
        if v is INVALID:
            ok = False
        else:
            out[key] = v
    return out if ok else INVALID
