"""Named aggregatable budgets: a source's ``named_budgets`` map and a trigger's list."""

from __future__ import annotations

from typing import Any

from .aggregatable_contributions import ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE
from .containers import array, field, key_values, struct_of, with_default
from .filters import FILTER_FIELDS
from .issues import Context
from .parsing import INVALID, integer, js_len, string

MAX_NAMED_BUDGETS_PER_SOURCE = 25
MAX_LENGTH_PER_BUDGET_NAME = 25


def _budget(kv: tuple[str, Any], ctx: Context) -> Any:
    name, j = kv
    n = js_len(name)
    if n > MAX_LENGTH_PER_BUDGET_NAME:
        ctx.error(f"name exceeds max length per budget name ({n} > {MAX_LENGTH_PER_BUDGET_NAME})")
        return INVALID
    return integer(j, ctx, 0, ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE)


def source_named_budgets(j: Any, ctx: Context) -> Any:
    """``{"name": budget, ...}``: at most 25 names, budgets in [0, 65536]."""
    return key_values(j, ctx, _budget, MAX_NAMED_BUDGETS_PER_SOURCE)


def _trigger_budget(j: Any, ctx: Context) -> Any:
    parsed = struct_of(j, ctx, [("name", field("name", with_default(string, None))), *FILTER_FIELDS])
    if parsed is INVALID:
        return INVALID
    out = {"filters": parsed["filters"], "not_filters": parsed["not_filters"]}
    if parsed["name"] is not None:
        out["name"] = parsed["name"]
    return out


def trigger_named_budgets(j: Any, ctx: Context) -> Any:
    """``[{"name"?, "filters", "not_filters"}, ...]``: the first matching entry names the budget."""
    return array(j, ctx, _trigger_budget)
