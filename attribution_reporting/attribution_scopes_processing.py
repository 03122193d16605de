"""Attribution scopes on source registration (spec "process attribution scopes").

A new source from a reporting origin reshapes the scopes of that origin's sources for the
same destinations: without scopes it clears theirs; with scopes it removes sources whose
scope settings are incompatible (no scopes, other ``max_event_states``, smaller ``limit``)
and then keeps only the newest ``limit`` distinct scope values per destination: a source
with a value that no longer fits is removed.
"""

from __future__ import annotations

from .context import EngineContext, Registration
from .storage import StoredSource


def same_origin_sources(ctx: EngineContext, reg: Registration, source: StoredSource) -> list[StoredSource]:
    """Unexpired active sources of this reporting origin sharing a destination with ``source``."""
    found: dict[str, StoredSource] = {}
    for destination in source.destination_sites:
        for other in ctx.storage.find_sources(
            destination_site=destination,
            reporting_origin=reg.reporting_origin,
            unexpired_at=reg.time_ms,
            active_only=True,
        ):
            found.setdefault(other.source_id, other)
    return list(found.values())


def apply(ctx: EngineContext, reg: Registration, source: StoredSource) -> set[str]:
    """Updates or removes existing sources; returns the ids of the sources to remove."""
    others = same_origin_sources(ctx, reg, source)
    removed: set[str] = set()
    scopes = source.attribution_scopes
    if scopes is None:
        for other in others:
            if other.attribution_scopes is not None:
                other.attribution_scopes = None
                ctx.storage.update_source(other)
        return removed
    kept: list[StoredSource] = []
    for other in others:
        theirs = other.attribution_scopes
        if (
            theirs is None
            or theirs["max_event_states"] != scopes["max_event_states"]
            or theirs["limit"] < scopes["limit"]
        ):
            removed.add(other.source_id)
        else:
            kept.append(other)
    limit = scopes["limit"]
    for destination in source.destination_sites:
        candidates = [o for o in kept if destination in o.destination_sites and o.source_id not in removed]
        pairs = [
            (o.source_time_ms, value, o.source_id)
            for o in candidates
            for value in o.attribution_scopes["values"]
        ]
        # Newest first; within one source, larger scope strings first.
        pairs.sort(key=lambda p: (p[0], p[1]), reverse=True)
        chosen = set(scopes["values"])
        for _time, value, source_id in pairs:
            if value in chosen:
                continue
            if len(chosen) < limit:
                chosen.add(value)
            else:
                removed.add(source_id)
    return removed
