"""The API's limits and vendor values in one object.

Defaults are Chromium's production values (``params/chromium-params.md`` and the header
validator's ``vsv.Chromium``). ``Config.from_interop`` builds the configuration Chromium's
interop suite runs under (its ``default_config.json`` plus a case's ``api_config``), so
the same engine is checked against the vectors and run in the demo.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_COORDINATOR_ORIGINS = (
    "https://publickeyservice.msmt.aws.privacysandboxservices.com",
    "https://publickeyservice.msmt.gcp.privacysandboxservices.com",
)


@dataclass(frozen=True)
class Config:
    # Header validation (vendor-specific values).
    aggregation_coordinator_origins: tuple[str, ...] = DEFAULT_COORDINATOR_ORIGINS
    max_event_level_channel_capacity_navigation: float = 11.5
    max_event_level_channel_capacity_event: float = 6.5
    max_event_level_channel_capacity_scopes_navigation: float = 11.55
    max_event_level_channel_capacity_scopes_event: float = 6.5
    max_settable_event_level_epsilon: float = 14.0
    max_trigger_state_cardinality: int = 4294967295

    # Source storage and destination limits.
    max_sources_per_origin: int = 4096
    max_destinations_per_source_site_reporting_site: int = 100
    max_destinations_per_rate_limit_window: int = 200
    max_destinations_per_rate_limit_window_reporting_site: int = 50
    destination_rate_limit_window_in_minutes: int = 1
    max_destinations_per_reporting_site_per_day: int = 100

    # Rate limits.
    rate_limit_time_window_in_days: int = 30
    rate_limit_max_source_registration_reporting_origins: int = 100
    rate_limit_max_attribution_reporting_origins: int = 10
    rate_limit_max_attributions: int = 100
    rate_limit_max_reporting_origins_per_source_reporting_site: int = 1
    rate_limit_origins_per_site_window_in_days: int = 1

    # Report storage limits.
    max_event_level_reports_per_destination: int = 1024
    max_aggregatable_reports_per_destination: int = 1024
    max_aggregatable_reports_per_source: int = 20

    # Aggregatable report delay, in minutes: report time = trigger time + min_delay + r * span.
    aggregatable_report_min_delay: int = 0
    aggregatable_report_delay_span: int = 10

    # Null reports.
    null_report_rate_include_source_registration_time: float = 0.008
    null_report_rate_exclude_source_registration_time: float = 0.05

    # Aggregatable debug reports.
    max_aggregatable_debug_budget_per_context_site: int = 1048576
    max_aggregatable_debug_budget_per_context_reporting_site: int = 65536
    max_aggregatable_debug_reports_per_source: int = 5
    aggregatable_debug_rate_limit_window_in_days: int = 1

    # Max unique attribution scope sets per navigation, per reporting origin.
    max_attribution_scope_sets_per_navigation: int = 1
    # Whether a source without attribution scopes counts as a scope set of its own towards that
    # limit (current Chromium). False is the older rule some stored interop files were written
    # for: an unscoped source in a navigation never counts and always passes this check.
    navigation_scope_limit_counts_unscoped: bool = True

    # Feature switches the interop cases name (all on in current Chromium).
    features: Mapping[str, bool] = field(default_factory=dict)

    # Navigation-based delivery retry (a Chromium experiment, off by default): when set to
    # 1, 2 or 3, that retry of a failed report is the last one and waits for a navigation.
    navigation_retry_attempt: int = 0

    def channel_capacity_limit(self, source_type: str) -> float:
        if source_type == "event":
            return self.max_event_level_channel_capacity_event
        return self.max_event_level_channel_capacity_navigation

    def scopes_channel_capacity_limit(self, source_type: str) -> float:
        if source_type == "event":
            return self.max_event_level_channel_capacity_scopes_event
        return self.max_event_level_channel_capacity_scopes_navigation

    @property
    def default_coordinator_origin(self) -> str:
        return self.aggregation_coordinator_origins[0]

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_interop(cls, api_config: Mapping[str, Any] | None = None) -> Config:
        """Chromium's interop ``default_config.json`` overlaid with a case's ``api_config``."""
        merged: dict[str, Any] = dict(INTEROP_DEFAULTS)
        merged.update(api_config or {})
        return cls.from_mapping(merged)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Config:
        """Builds a config from string-or-number values, as interop files write them."""
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}
        features: dict[str, bool] = {}
        for key, raw in values.items():
            if key.startswith("needs_"):
                features[key] = bool(raw)
                continue
            if key not in kinds:
                continue
            kind = kinds[key]
            if key == "aggregation_coordinator_origins":
                changes[key] = tuple(raw)
            elif "float" in str(kind):
                changes[key] = float(raw)
            else:
                changes[key] = int(raw)
        return cls(**changes, features=features)


# Chromium's content/test/data/attribution_reporting/interop/default_config.json.
INTEROP_DEFAULTS: Mapping[str, Any] = {
    "max_sources_per_origin": "1024",
    "max_destinations_per_source_site_reporting_site": "100",
    "max_destinations_per_rate_limit_window": "200",
    "max_destinations_per_rate_limit_window_reporting_site": "50",
    "destination_rate_limit_window_in_minutes": "1",
    "max_destinations_per_reporting_site_per_day": "100",
    "rate_limit_time_window_in_days": "30",
    "rate_limit_max_source_registration_reporting_origins": "100",
    "rate_limit_max_attribution_reporting_origins": "10",
    "rate_limit_max_attributions": "100",
    "rate_limit_max_reporting_origins_per_source_reporting_site": "1",
    "rate_limit_origins_per_site_window_in_days": "1",
    "max_settable_event_level_epsilon": "14",
    "max_event_level_reports_per_destination": "1024",
    "max_event_level_channel_capacity_navigation": "11.46173",
    "max_event_level_channel_capacity_event": "6.5",
    "max_event_level_channel_capacity_scopes_navigation": "11.55",
    "max_event_level_channel_capacity_scopes_event": "6.5",
    "max_trigger_state_cardinality": "4294967295",
    "max_aggregatable_reports_per_destination": "1024",
    "aggregatable_report_min_delay": "10",
    "aggregatable_report_delay_span": "50",
    "max_aggregatable_debug_budget_per_context_site": "1048576",
    "max_aggregatable_debug_reports_per_source": "5",
    "max_aggregatable_reports_per_source": "20",
    "aggregation_coordinator_origins": ["https://coordinator.test"],
}

CHROMIUM = Config()
INFINITY = math.inf
