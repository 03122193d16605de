"""Verbose debug reports in plain words: what happened, and what to change."""

from __future__ import annotations

from typing import Any

# type → (what happened, what to change)
EXPLANATIONS: dict[str, tuple[str, str]] = {
    "source-success": (
        "The source was stored.",
        "Nothing: a conversion on the destination can now be attributed.",
    ),
    "source-noised": (
        "The source was stored, but randomized response chose fake reports for it.",
        "Nothing to fix: this is the noise that protects privacy; real conversions of this source will not be reported.",
    ),
    "source-storage-limit": (
        "The browser already stores the maximum number of pending sources for this publisher origin.",
        "Register fewer sources (for example skip views that are unlikely to convert) or shorten expiry.",
    ),
    "source-destination-limit": (
        "Too many distinct destinations have unexpired sources from this publisher and ad tech.",
        "Use fewer destinations per source, shorter expiry, or destination_limit_priority.",
    ),
    "source-destination-rate-limit": (
        "Too many new destinations were registered from this publisher in the last minute.",
        "Spread registrations over time or use fewer destinations.",
    ),
    "source-destination-per-day-rate-limit": (
        "Too many new destinations were registered from this publisher today.",
        "Use fewer distinct destinations per day.",
    ),
    "source-reporting-origin-per-site-limit": (
        "Another origin of this ad tech already registered sources on this publisher today.",
        "Register all sources from one reporting origin per site.",
    ),
    "source-channel-capacity-limit": (
        "The source's event-level configuration could reveal more information than the browser allows.",
        "Use fewer trigger data values, report windows or max_event_level_reports, or lower event_level_epsilon.",
    ),
    "source-scopes-channel-capacity-limit": (
        "With its attribution scopes the source could reveal too much information.",
        "Lower attribution_scopes.limit or max_event_states.",
    ),
    "source-trigger-state-cardinality-limit": (
        "The source has too many possible event-level outputs.",
        "Use fewer trigger data values, windows or reports per source.",
    ),
    "source-max-event-states-limit": (
        "The event source has more trigger states than its attribution_scopes.max_event_states.",
        "Raise max_event_states or simplify the event-level configuration.",
    ),
    "source-unknown-error": (
        "The browser failed to store the source for an internal reason.",
        "Retry later.",
    ),
    "trigger-no-matching-source": (
        "No stored source of this ad tech matches this conversion's site.",
        "Check that the ad registered a source (eligibility, destination) and that it has not expired.",
    ),
    "trigger-no-matching-filter-data": (
        "A source matched, but the trigger's top-level filters excluded it (e.g. a different product category).",
        "Check the trigger's filters against the source's filter_data.",
    ),
    "trigger-event-noise": (
        "The event-level report was suppressed by randomized response (or the source was noised).",
        "Nothing to fix: noise is part of the privacy design; aggregate reports still count the conversion.",
    ),
    "trigger-event-no-matching-configurations": (
        "None of the trigger's event_trigger_data entries matched the source's filter data.",
        "Add an entry whose filters match (for example one per source_type).",
    ),
    "trigger-event-no-matching-trigger-data": (
        "The trigger data is not one of the source's trigger_data values (exact matching).",
        "Send a trigger_data value the source declares, or use modulus matching.",
    ),
    "trigger-event-deduplicated": (
        "A conversion with the same deduplication_key was already attributed to this source.",
        "Nothing if it was a reload of the same order; otherwise give each order its own key.",
    ),
    "trigger-event-excessive-reports": (
        "The source already produced its max_event_level_reports event-level reports.",
        "Raise max_event_level_reports (costs privacy budget) or use trigger priorities.",
    ),
    "trigger-event-low-priority": (
        "The source's reports are used up and this conversion's priority is lower than theirs.",
        "Give important conversions (purchases) a higher priority.",
    ),
    "trigger-event-report-window-not-started": (
        "The conversion happened before the source's first event report window began.",
        "Lower event_report_windows.start_time.",
    ),
    "trigger-event-report-window-passed": (
        "The conversion happened after the source's last event report window ended.",
        "Use longer report windows (they cannot exceed expiry).",
    ),
    "trigger-event-storage-limit": (
        "The browser stores the maximum number of pending event-level reports for this destination.",
        "Wait for reports to be sent.",
    ),
    "trigger-event-attributions-per-source-destination-limit": (
        "Too many event-level attributions for this publisher and advertiser in 30 days.",
        "Register fewer triggers, or only important ones.",
    ),
    "trigger-reporting-origin-limit": (
        "Too many ad tech origins attributed conversions for this publisher and advertiser in 30 days.",
        "Use fewer reporting origins.",
    ),
    "trigger-aggregate-no-contributions": (
        "The trigger's aggregatable values named no key the source has.",
        "Make aggregatable_values keys match the source's aggregation_keys.",
    ),
    "trigger-aggregate-deduplicated": (
        "An aggregatable contribution with the same deduplication key was already made for this source.",
        "Nothing if it was a reload of the same order.",
    ),
    "trigger-aggregate-insufficient-budget": (
        "The contribution would exceed the source's 65536 budget.",
        "Scale values down, or plan for fewer conversions per source (see value scaling).",
    ),
    "trigger-aggregate-insufficient-named-budget": (
        "The contribution would exceed the named budget it draws on.",
        "Raise that named budget on the source or scale values down.",
    ),
    "trigger-aggregate-excessive-reports": (
        "The source already produced its maximum number of aggregatable reports.",
        "Register fewer aggregatable triggers per source.",
    ),
    "trigger-aggregate-report-window-passed": (
        "The conversion happened after the source's aggregatable_report_window.",
        "Use a longer aggregatable_report_window.",
    ),
    "trigger-aggregate-storage-limit": (
        "The browser stores the maximum number of pending aggregatable reports for this destination.",
        "Wait for reports to be sent.",
    ),
    "trigger-aggregate-attributions-per-source-destination-limit": (
        "Too many aggregatable attributions for this publisher and advertiser in 30 days.",
        "Register fewer aggregatable triggers.",
    ),
    "trigger-unknown-error": (
        "The browser failed to attribute the trigger for an internal reason.",
        "Retry later.",
    ),
    "header-parsing-error": (
        "The browser could not parse a registration header this ad tech sent.",
        "Validate the header on the validator page and fix the field named in 'error'.",
    ),
    "os-source-delegated": ("A source was handed to the operating system's API.", "Nothing."),
    "os-trigger-delegated": ("A trigger was handed to the operating system's API.", "Nothing."),
}


def explain(item: dict[str, Any]) -> dict[str, str]:
    """``{"type", "what", "fix"}`` for one item of a verbose debug report."""
    kind = str(item.get("type", ""))
    what, fix = EXPLANATIONS.get(kind, (f"Unknown verbose debug type {kind!r}.", "Check the specification."))
    body = item.get("body") if isinstance(item.get("body"), dict) else {}
    if "limit" in body:
        what += f" (limit: {body['limit']})"
    if kind == "header-parsing-error" and body.get("error"):
        what += f" The browser said: {body['error']}"
    return {"type": kind, "what": what, "fix": fix}
