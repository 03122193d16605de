"""Plain-language explanations of registration outcomes, for the attribution-internals pages."""

from __future__ import annotations

SOURCE_EXPLANATIONS = {
    "success": "The source was stored and can be attributed to matching triggers.",
    "successNoised": "The source was stored, but its event-level reports were replaced by a random response "
    "(differential privacy noise), so real triggers will produce no event-level reports.",
    "exceedsMaxTriggerStateCardinality": "The source was rejected: its trigger data, windows and report count "
    "give more possible outputs than the browser allows.",
    "exceedsMaxChannelCapacity": "The source was rejected: its event-level configuration would leak more "
    "information (channel capacity) than the browser allows for this source type.",
    "exceedsMaxEventStatesLimit": "The source was rejected: an event source has more trigger states than its "
    "attribution scopes' max_event_states.",
    "exceedsMaxScopesChannelCapacity": "The source was rejected: its attribution scopes would leak more "
    "information than the browser allows.",
    "insufficientSourceCapacity": "The source was rejected: this site already has the maximum number of "
    "pending sources.",
    "excessiveReportingOrigins": "The source was rejected: another origin of the same reporting site already "
    "registered sources on this site today.",
    "destinationReportingLimitReached": "The source was rejected: this reporting site registered too many "
    "distinct destinations from this site within the last minute.",
    "destinationPerDayReportingLimitReached": "The source was rejected: this reporting site registered too "
    "many distinct destinations from this site today.",
    "insufficientUniqueDestinationCapacity": "The source was rejected: its destinations would exceed the "
    "number of distinct destinations pending sources may cover, and it has the lowest priority.",
    "destinationGlobalLimitReached": "The source was dropped silently: too many distinct destinations were "
    "registered from this site within the last minute.",
    "excessiveSourceReportingOrigins": "The source was dropped silently: too many reporting origins registered "
    "sources for this site and destination.",
}

EVENT_LEVEL = {
    "success": "an event-level report was scheduled for the end of the source's report window",
    "successDroppedLowerPriority": "an event-level report was scheduled, replacing a lower-priority one",
    "noMatchingSources": "no source of this reporting origin has this site as a destination",
    "noMatchingSourceFilterData": "the source's filter data did not match the trigger's filters",
    "noised": "the source is noised (randomized response), so no real event-level report is sent",
    "noMatchingConfigurations": "no event_trigger_data entry matched the source's filter data",
    "deduplicated": "the deduplication key was already used for this source",
    "noMatchingTriggerData": "the trigger data is not one of the source's trigger_data values",
    "reportWindowNotStarted": "the source's event report window has not started yet",
    "reportWindowPassed": "the source's event report window has passed",
    "excessiveReports": "the source already has its maximum number of event-level reports",
    "priorityTooLow": "the source's reports are full and this trigger's priority is not higher",
    "excessiveAttributions": "too many attributions for this source site and destination in 30 days",
    "excessiveReportingOrigins": "too many reporting origins attributed for this source site and destination",
    "noCapacityForConversionDestination": "the destination has too many pending event-level reports",
    "notRegistered": "the trigger has no event-level data",
}

AGGREGATABLE = {
    "success": "an aggregatable report was scheduled",
    "noMatchingSources": "no source of this reporting origin has this site as a destination",
    "noMatchingSourceFilterData": "the source's filter data did not match the trigger's filters",
    "reportWindowPassed": "the source's aggregatable report window has passed",
    "deduplicated": "the aggregatable deduplication key was already used for this source",
    "noHistograms": "no aggregation key of the source got a value from the trigger",
    "noCapacityForConversionDestination": "the destination has too many pending aggregatable reports",
    "excessiveAttributions": "too many attributions for this source site and destination in 30 days",
    "excessiveReportingOrigins": "too many reporting origins attributed for this source site and destination",
    "excessiveReports": "the source already has its maximum number of aggregatable reports",
    "insufficientBudget": "the values exceed the source's remaining aggregatable budget (65536 in total)",
    "insufficientNamedBudget": "the values exceed the remaining named budget",
    "notRegistered": "the trigger has no aggregatable data",
}


def source_explanation(status: str) -> str:
    return SOURCE_EXPLANATIONS.get(status, status)


def trigger_explanation(event_status: str, aggregatable_status: str) -> str:
    event = EVENT_LEVEL.get(event_status, event_status)
    aggregatable = AGGREGATABLE.get(aggregatable_status, aggregatable_status)
    return f"Event-level: {event}. Aggregatable: {aggregatable}."
