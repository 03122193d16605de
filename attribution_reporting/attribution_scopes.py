"""``attribution_scopes`` on sources (limit, values, max event states) and triggers (a set)."""

from __future__ import annotations

from typing import Any

from .config import Config
from .containers import field, required, set_of, struct_of, with_default
from .issues import Context
from .parsing import INVALID, integer, js_len, positive_uint32, string, type_switch

MAX_ATTRIBUTION_SCOPES_PER_SOURCE = 20
MAX_LENGTH_PER_ATTRIBUTION_SCOPE = 50
DEFAULT_MAX_EVENT_STATES = 3


def _scope_string(j: Any, ctx: Context) -> Any:
    s = string(j, ctx)
    if s is INVALID:
        return INVALID
    n = js_len(s)
    if n > MAX_LENGTH_PER_ATTRIBUTION_SCOPE:
        ctx.error(f"exceeds max length per attribution scope ({n} > {MAX_LENGTH_PER_ATTRIBUTION_SCOPE})")
        return INVALID
    return s


def _values(j: Any, ctx: Context, limit: Any) -> Any:
    scopes = set_of(j, ctx, _scope_string)
    if scopes is INVALID:
        return INVALID
    if limit is INVALID:
        ctx.error("cannot be fully validated without a valid limit")
        return INVALID
    if not scopes:
        ctx.error("must be non-empty if limit is set")
        return INVALID
    max_len = min(limit, MAX_ATTRIBUTION_SCOPES_PER_SOURCE)
    which = "limit" if limit < MAX_ATTRIBUTION_SCOPES_PER_SOURCE else "max number of attribution scopes"
    if len(scopes) > max_len:
        ctx.error(f"size must be less than or equal to {which} ({max_len}) if limit is set")
        return INVALID
    return scopes


def source_scopes(j: Any, ctx: Context, config: Config) -> Any:
    """A source's ``attribution_scopes``: ``{"limit", "values", "max_event_states"}``."""

    def parse(d: dict[str, Any], ctx: Context) -> Any:
        limit = field("limit", required(positive_uint32))(d, ctx)

        def max_event_states(v: Any, ctx: Context) -> Any:
            return integer(v, ctx, 1, config.max_trigger_state_cardinality)

        return struct_of(
            d,
            ctx,
            [
                ("limit", lambda d, ctx: limit),
                ("values", field("values", required(_values), limit)),
                (
                    "max_event_states",
                    field("max_event_states", with_default(max_event_states, DEFAULT_MAX_EVENT_STATES)),
                ),
            ],
        )

    return type_switch(j, ctx, object=parse)


def trigger_scopes(j: Any, ctx: Context) -> Any:
    """A trigger's ``attribution_scopes``: a set of strings."""
    return set_of(j, ctx, string)
