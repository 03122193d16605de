"""``Attribution-Reporting-Register-Source``: parsing, defaults and the privacy checks.

The normalized value is the JSON the browser would store (snake_case keys, every default
filled in, 64-bit integers as decimal strings, aggregation keys as ``0x`` hex strings).
The channel-capacity and trigger-state checks run on the parsed value: their errors have
the path ``[]`` and the normalized value is still returned, so a person can see what was
computed. Chromium applies these limits when it stores the source, not when it parses the
header, so those issues carry a ``code``: the verbose debug report type the browser sends.
"""

from __future__ import annotations

from typing import Any

from . import aggregatable_debug_reporting, event_report_windows
from .attribution_scopes import source_scopes
from .config import Config
from .containers import (
    exclusive,
    field,
    key_values,
    required,
    set_of,
    struct,
    with_default,
    with_error_as_warning,
)
from .filters import parse_filter_data
from .issues import Context
from .named_budgets import source_named_budgets
from .parsing import (
    INVALID,
    MISSING,
    boolean,
    enumerated,
    hex128,
    hex_str,
    int64,
    js_len,
    js_num,
    number,
    obj,
    string,
    type_switch,
    uint64,
)
from .privacy import PerTriggerDataConfig, compute_config_data
from .sites import suitable_site

MAX_AGGREGATION_KEYS_PER_SOURCE = 20
MAX_LENGTH_PER_AGGREGATION_KEY_IDENTIFIER = 25
TRIGGER_DATA_MATCHING = ("exact", "modulus")


def aggregation_key_identifier_ok(s: str, ctx: Context, prefix: str = "") -> bool:
    n = js_len(s)
    if n > MAX_LENGTH_PER_AGGREGATION_KEY_IDENTIFIER:
        ctx.error(
            f"{prefix}exceeds max length per aggregation key identifier "
            f"({n} > {MAX_LENGTH_PER_AGGREGATION_KEY_IDENTIFIER})"
        )
        return False
    return True


def _aggregation_key(kv: tuple[str, Any], ctx: Context) -> Any:
    key, j = kv
    if not aggregation_key_identifier_ok(key, ctx, "key "):
        return INVALID
    n = hex128(j, ctx)
    return INVALID if n is INVALID else hex_str(n)


def _aggregation_keys(j: Any, ctx: Context) -> Any:
    return key_values(j, ctx, _aggregation_key, MAX_AGGREGATION_KEYS_PER_SOURCE)


def _site(j: Any, ctx: Context) -> Any:
    s = string(j, ctx)
    return INVALID if s is INVALID else suitable_site(s, ctx)


def _destination(j: Any, ctx: Context) -> Any:
    def one(s: str, ctx: Context) -> Any:
        site = suitable_site(s, ctx)
        return INVALID if site is INVALID else [site]

    return type_switch(j, ctx, string=one, list=lambda v, ctx: set_of(v, ctx, _site, 1, 3))


def _to_str(f: Any) -> Any:
    def parse(j: Any, ctx: Context) -> Any:
        v = f(j, ctx)
        return INVALID if v is INVALID else str(v)

    return parse


def _plain_number(n: float | int) -> float | int:
    return int(n) if isinstance(n, float) and n.is_integer() else n


def fixed(x: float, digits: int) -> str:
    """``Number.prototype.toFixed`` (infinities print as words)."""
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    return f"{x:.{digits}f}"


def _check_channel_capacity(
    s: dict[str, Any], ctx: Context, source_type: str, config: Config, note: bool
) -> None:
    words = "number of possible output states"
    windows = len(s["event_report_windows"]["end_times"])
    configs = [PerTriggerDataConfig(windows, s["max_event_level_reports"])] * len(s["trigger_data"])
    max_info_gain = config.channel_capacity_limit(source_type)
    scopes = s.get("attribution_scopes")
    out = compute_config_data(
        s["max_event_level_reports"], configs, s["event_level_epsilon"], max_info_gain, scopes
    )

    states = js_num(out["num_states"] if out["num_states"] <= 2**53 else float(out["num_states"]))
    if out["num_states"] > config.max_trigger_state_cardinality:
        ctx.error(
            f"{words} ({states}) exceeds max cardinality ({js_num(config.max_trigger_state_cardinality)})",
            "source-trigger-state-cardinality-limit",
        )
    if scopes is not None and source_type == "event" and out["num_states"] > scopes["max_event_states"]:
        ctx.error(
            f"{words} ({states}) exceeds max event states ({scopes['max_event_states']})",
            "source-max-event-states-limit",
        )

    info_gain_msg = f"information gain: {fixed(out['info_gain'], 2)}"
    if out["info_gain"] > max_info_gain:
        ctx.error(
            f"{info_gain_msg} exceeds max event-level channel capacity per {source_type} source "
            f"({fixed(max_info_gain, 2)})",
            "source-channel-capacity-limit",
        )
    elif note:
        ctx.note(info_gain_msg)

    if "attribution_scopes_info_gain" in out:
        scopes_msg = (
            f"information gain for attribution scope: {fixed(out['attribution_scopes_info_gain'], 2)}"
        )
        max_scopes = config.scopes_channel_capacity_limit(source_type)
        if out["attribution_scopes_info_gain"] > max_scopes:
            ctx.error(
                f"{scopes_msg} exceeds max event-level attribution scope information gain per {source_type} "
                f"source ({fixed(max_scopes, 2)})",
                "source-scopes-channel-capacity-limit",
            )
        elif note:
            ctx.note(scopes_msg)

    if note:
        ctx.note(f"{words}: {states}")
        ctx.note(f"randomized trigger rate: {fixed(out['flip_prob'], 7)}")


def _warn_inconsistent_reports(s: dict[str, Any], ctx: Context) -> None:
    allows_reports = s["max_event_level_reports"] > 0
    has_specs = bool(s["trigger_data"])
    if allows_reports and not has_specs:
        ctx.warning(
            "max_event_level_reports > 0 but event-level attribution will always fail because "
            "trigger_specs is empty"
        )
    elif has_specs and not allows_reports:
        ctx.warning(
            "trigger_specs non-empty but event-level attribution will always fail because "
            "max_event_level_reports = 0"
        )


def parse_source(
    j: Any,
    ctx: Context,
    source_type: str = "navigation",
    config: Config | None = None,
    note_info_gain: bool = False,
) -> Any:
    """Parses a decoded source header; returns its normalized JSON or ``INVALID``."""
    config = config or Config()
    d = obj(j, ctx)
    if d is INVALID:
        return INVALID

    expiry = field("expiry", event_report_windows.expiry, source_type)(d, ctx)
    windows = exclusive(
        {
            "event_report_window": lambda v, ctx: event_report_windows.event_report_window(
                v, ctx, expiry, source_type
            ),
            "event_report_windows": lambda v, ctx: event_report_windows.event_report_windows(v, ctx, expiry),
        },
        INVALID if expiry is INVALID else event_report_windows.default_windows(expiry, source_type),
    )(d, ctx)
    max_reports = field("max_event_level_reports", event_report_windows.max_event_level_reports, source_type)(
        d, ctx
    )
    trigger_data = exclusive(
        {"trigger_data": event_report_windows.trigger_data},
        event_report_windows.default_trigger_data(source_type),
    )(d, ctx)

    def aggregatable_report_window(v: Any, ctx: Context) -> Any:
        return expiry if v is MISSING else event_report_windows.single_report_window(v, ctx, expiry)

    def epsilon(v: Any, ctx: Context) -> Any:
        n = number(v, ctx)
        if n is INVALID or not 0 <= n <= config.max_settable_event_level_epsilon:
            if n is not INVALID:
                ctx.error(
                    f"must be in the range [0, {_plain_number(config.max_settable_event_level_epsilon)}]"
                )
            return INVALID
        return _plain_number(n)

    s = struct(
        d,
        ctx,
        [
            ("aggregatable_report_window", field("aggregatable_report_window", aggregatable_report_window)),
            ("aggregation_keys", field("aggregation_keys", with_default(_aggregation_keys, dict))),
            ("destination", field("destination", required(_destination))),
            (
                "event_level_epsilon",
                field(
                    "event_level_epsilon",
                    with_default(epsilon, _plain_number(config.max_settable_event_level_epsilon)),
                ),
            ),
            ("expiry", lambda d, ctx: expiry),
            ("filter_data", field("filter_data", with_default(parse_filter_data, dict))),
            ("max_event_level_reports", lambda d, ctx: max_reports),
            ("source_event_id", field("source_event_id", with_default(_to_str(uint64), "0"))),
            ("event_report_windows", lambda d, ctx: windows),
            ("trigger_data", lambda d, ctx: trigger_data),
            (
                "aggregatable_debug_reporting",
                field("aggregatable_debug_reporting", aggregatable_debug_reporting.source_config, config),
            ),
            (
                "trigger_data_matching",
                field("trigger_data_matching", with_default(enumerated, "modulus"), TRIGGER_DATA_MATCHING),
            ),
            (
                "destination_limit_priority",
                field("destination_limit_priority", with_default(_to_str(int64), "0")),
            ),
            ("attribution_scopes", field("attribution_scopes", with_default(source_scopes, None), config)),
            ("named_budgets", field("named_budgets", with_default(source_named_budgets, dict))),
            # A bad debug key or flag only costs debugging, so it warns and falls back.
            (
                "debug_key",
                field("debug_key", with_default(with_error_as_warning(_to_str(uint64), None), None)),
            ),
            (
                "debug_reporting",
                field("debug_reporting", with_default(with_error_as_warning(boolean, False), False)),
            ),
            ("priority", field("priority", with_default(_to_str(int64), "0"))),
        ],
    )
    if s is INVALID:
        return INVALID

    if s["trigger_data_matching"] == "modulus" and not event_report_windows.is_contiguous_from_zero(
        s["trigger_data"]
    ):
        with ctx.at("trigger_data_matching"):
            ctx.error("trigger_data must form a contiguous sequence of integers starting at 0 for modulus")
        return INVALID

    _check_channel_capacity(s, ctx, source_type, config, note_info_gain)
    _warn_inconsistent_reports(s, ctx)

    for optional in ("debug_key", "aggregatable_debug_reporting", "attribution_scopes"):
        if s[optional] is None:
            del s[optional]
    return s
