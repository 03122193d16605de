"""The debug data types: what a debug report says happened to a registration (spec digest §10.4).

One list serves three readers: verbose debug reports (the ``type`` of each item), aggregatable
debug reports (which ``debug_data`` entry a registration's outcome matches, and what an
``unspecified`` entry stands for) and the header parser (which types a registration may
name without a warning). ``source-destination-limit-replaced`` exists only for aggregatable
debug reports: a verbose report states the replacement inside ``source-success`` instead.
"""

from __future__ import annotations

SOURCE_SUCCESS = "source-success"
SOURCE_NOISED = "source-noised"
SOURCE_DESTINATION_LIMIT_REPLACED = "source-destination-limit-replaced"
UNSPECIFIED = "unspecified"

# Source outcomes a verbose debug report may carry.
SOURCE_TYPES = (
    "source-channel-capacity-limit",
    "source-destination-global-rate-limit",
    "source-destination-limit",
    "source-destination-per-day-rate-limit",
    "source-destination-rate-limit",
    "source-max-event-states-limit",
    SOURCE_NOISED,
    "source-reporting-origin-limit",
    "source-reporting-origin-per-site-limit",
    "source-scopes-channel-capacity-limit",
    "source-storage-limit",
    SOURCE_SUCCESS,
    "source-trigger-state-cardinality-limit",
    "source-unknown-error",
)

# Source outcomes an aggregatable debug report may match.
AGGREGATABLE_SOURCE_TYPES = tuple(sorted((*SOURCE_TYPES, SOURCE_DESTINATION_LIMIT_REPLACED)))

TRIGGER_TYPES = (
    "trigger-aggregate-attributions-per-source-destination-limit",
    "trigger-aggregate-deduplicated",
    "trigger-aggregate-excessive-reports",
    "trigger-aggregate-insufficient-budget",
    "trigger-aggregate-insufficient-named-budget",
    "trigger-aggregate-no-contributions",
    "trigger-aggregate-report-window-passed",
    "trigger-aggregate-storage-limit",
    "trigger-event-attributions-per-source-destination-limit",
    "trigger-event-deduplicated",
    "trigger-event-excessive-reports",
    "trigger-event-low-priority",
    "trigger-event-no-matching-configurations",
    "trigger-event-no-matching-trigger-data",
    "trigger-event-noise",
    "trigger-event-report-window-not-started",
    "trigger-event-report-window-passed",
    "trigger-event-storage-limit",
    "trigger-no-matching-filter-data",
    "trigger-no-matching-source",
    "trigger-reporting-origin-limit",
    "trigger-unknown-error",
)
