"""Shared JSON parsing helpers for the registration headers.

Each parser takes ``(value, ctx, *args)`` and returns the parsed value or ``INVALID`` after
reporting an issue on ``ctx``. ``MISSING`` stands for an absent field (JSON ``null`` is a
value, not an absence). The helpers reproduce the browser's (and the reference validator's)
order of checks, so issues come out in the same order with the same paths.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from .issues import Context


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __bool__(self) -> bool:
        return False


INVALID: Any = _Sentinel("INVALID")
MISSING: Any = _Sentinel("MISSING")

UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_MAX_SAFE = 2**53

_UINT_RE = re.compile(r"[0-9]+")
_INT_RE = re.compile(r"-?[0-9]+")
_HEX128_RE = re.compile(r"0[xX][0-9A-Fa-f]{1,32}")

Parser = Callable[..., Any]


# --- JSON text -----------------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_int(text: str) -> int | float:
    # JSON numbers are doubles in the browser: integers beyond 2^53 lose precision.
    n = int(text)
    return n if -_MAX_SAFE <= n <= _MAX_SAFE else float(text)


def loads(text: str) -> Any:
    """Parses JSON as a browser does (no NaN/Infinity literals, numbers are doubles)."""
    return json.loads(text, parse_constant=_no_constants, parse_int=_parse_int)


def json_error_message(exc: ValueError) -> str:
    """A parse failure for a person: what is wrong and where."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    return f"invalid JSON: {exc}"


# --- numbers and strings as the browser sees them ------------------------------------------


def js_len(s: str) -> int:
    """Length in UTF-16 code units, the unit of the API's string limits."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def js_num(n: float | int) -> str:
    """Formats a number the way JavaScript's ``String(n)`` does, for messages."""
    if isinstance(n, float):
        if math.isinf(n):
            return "Infinity" if n > 0 else "-Infinity"
        if math.isnan(n):
            return "NaN"
        if n.is_integer() and abs(n) < 1e21:
            return str(int(n))
    return str(n)


def _is_array_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < UINT32_MAX


def js_entries(d: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``d`` in JavaScript property order: integer-like keys first, ascending."""
    indexes = [k for k in d if _is_array_index(k)]
    if not indexes:
        return dict(d)
    out = {k: d[k] for k in sorted(indexes, key=int)}
    out.update((k, v) for k, v in d.items() if k not in out)
    return out


# --- type checks -----------------------------------------------------------------------------

_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "boolean": lambda j: isinstance(j, bool),
    "number": lambda j: isinstance(j, int | float) and not isinstance(j, bool),
    "string": lambda j: isinstance(j, str),
    "list": lambda j: isinstance(j, list),
    "object": lambda j: isinstance(j, dict),
}


def type_switch(j: Any, ctx: Context, **handlers: Parser) -> Any:
    """Dispatches on the JSON type; the error names the allowed types in order."""
    for kind, handler in handlers.items():
        if _TYPE_CHECKS[kind](j):
            if kind == "number":
                j = _as_number(j)
            elif kind == "object":
                j = js_entries(j)
            return handler(j, ctx)
    allowed = " or ".join(f"{'an' if k == 'object' else 'a'} {k}" for k in handlers)
    ctx.error(f"must be {allowed}")
    return INVALID


def _as_number(j: int | float) -> int | float:
    if isinstance(j, int) and not -_MAX_SAFE <= j <= _MAX_SAFE:
        try:
            return float(j)
        except OverflowError:
            return math.inf if j > 0 else -math.inf
    return j


def _same(j: Any, ctx: Context) -> Any:
    return j


def string(j: Any, ctx: Context) -> Any:
    return type_switch(j, ctx, string=_same)


def boolean(j: Any, ctx: Context) -> Any:
    return type_switch(j, ctx, boolean=_same)


def number(j: Any, ctx: Context) -> Any:
    return type_switch(j, ctx, number=_same)


def obj(j: Any, ctx: Context) -> Any:
    return type_switch(j, ctx, object=_same)


def lst(j: Any, ctx: Context) -> Any:
    return type_switch(j, ctx, list=_same)


def is_integer(n: float | int, ctx: Context) -> bool:
    if isinstance(n, float) and not n.is_integer():  # also rejects inf and nan
        ctx.error("must be an integer")
        return False
    return True


def in_range(n: Any, ctx: Context, lo: Any, hi: Any, msg: str | None = None) -> bool:
    if n < lo or n > hi:
        ctx.error(msg if msg is not None else f"must be in the range [{js_num(lo)}, {js_num(hi)}]")
        return False
    return True


def clamp(n: Any, ctx: Context, lo: Any, hi: Any, max_suffix: str = "") -> Any:
    if n < lo:
        ctx.warning(f"will be clamped to min of {js_num(lo)}")
        return lo
    if n > hi:
        ctx.warning(f"will be clamped to max of {js_num(hi)}{max_suffix}")
        return hi
    return n


def integer(j: Any, ctx: Context, lo: float = -math.inf, hi: float = math.inf, msg: str | None = None) -> Any:
    """A JSON number that is an integer within [lo, hi], returned as an ``int``."""
    n = number(j, ctx)
    if n is INVALID or not is_integer(n, ctx) or not in_range(n, ctx, lo, hi, msg):
        return INVALID
    return int(n)


def non_negative_integer(j: Any, ctx: Context) -> Any:
    return integer(j, ctx, 0, math.inf, "must be non-negative")


def positive_integer(j: Any, ctx: Context) -> Any:
    return integer(j, ctx, 1, math.inf, "must be positive")


def positive_uint32(j: Any, ctx: Context) -> Any:
    return integer(j, ctx, 1, UINT32_MAX)


def _pattern(s: Any, ctx: Context, pattern: re.Pattern[str], prefix: str) -> bool:
    if pattern.fullmatch(s) is None:
        ctx.error(f"{prefix} (must match /^{pattern.pattern}$/)")
        return False
    return True


# Type errors for number-in-a-string values say what the string must hold; the text starts
# with the reference validator's message ("must be a string").
_UINT_HINT = ' holding a non-negative integer, like "7"'
_UINT64_HINT = ' holding a non-negative 64-bit integer, like "123"'
_INT64_HINT = ' holding a signed 64-bit integer, like "-12"'
_HEX128_HINT = ' holding a hexadecimal number of up to 128 bits, like "0x1f"'


def _string_holding(j: Any, ctx: Context, hint: str) -> Any:
    if isinstance(j, str):
        return j
    ctx.error(f"must be a string{hint}")
    return INVALID


def uint(j: Any, ctx: Context, hint: str = _UINT_HINT) -> Any:
    """A string holding a non-negative integer of any size."""
    s = _string_holding(j, ctx, hint)
    if s is INVALID or not _pattern(s, ctx, _UINT_RE, "string must represent a non-negative integer"):
        return INVALID
    return int(s)


def uint64(j: Any, ctx: Context) -> Any:
    n = uint(j, ctx, _UINT64_HINT)
    if n is INVALID or not in_range(n, ctx, 0, UINT64_MAX, "must fit in an unsigned 64-bit integer"):
        return INVALID
    return n


def int64(j: Any, ctx: Context) -> Any:
    s = _string_holding(j, ctx, _INT64_HINT)
    if s is INVALID or not _pattern(s, ctx, _INT_RE, "string must represent an integer"):
        return INVALID
    n = int(s)
    if not in_range(n, ctx, INT64_MIN, INT64_MAX, "must fit in a signed 64-bit integer"):
        return INVALID
    return n


def hex128(j: Any, ctx: Context) -> Any:
    s = _string_holding(j, ctx, _HEX128_HINT)
    if s is INVALID or not _pattern(s, ctx, _HEX128_RE, "must be a hex128"):
        return INVALID
    return int(s, 16)


def hex_str(n: int) -> str:
    return f"0x{n:x}"


def enumerated(j: Any, ctx: Context, allowed: tuple[str, ...]) -> Any:
    s = string(j, ctx)
    if s is INVALID:
        return INVALID
    if s not in allowed:
        ctx.error(f"must be one of the following (case-sensitive): {', '.join(allowed)}")
        return INVALID
    return s
