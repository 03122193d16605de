"""Report delivery: POST each report as Chrome did, at its time, retrying as Chromium does.

The database is the truth: a report is ``pending`` until a POST succeeds, so a worker or web
server that dies loses nothing. A sender first *claims* the report with a conditional update
(pending, due, and no live lease), so two workers (an ETA task and the sweep, or a task
redelivered after a crash) do not both send it; a worker killed mid-send leaves a lease that
expires, and the report is sent again: at least once, as the API promises.

Celery ETAs are only used for reports due soon (:data:`ETA_HORIZON`): a Redis broker
redelivers unacknowledged messages after its visibility timeout (an hour), so far-future ETAs
would be duplicated. The periodic sweep sends everything else when it comes due.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable
from datetime import timedelta

import httpx
from django.db.models import Q
from django.utils import timezone

from attribution_reporting.aggregatable_payload import PayloadError
from attribution_reporting.aggregatable_report import report_body
from attribution_reporting.reports import (
    AGGREGATABLE,
    AGGREGATABLE_DEBUG,
    AGGREGATABLE_DEBUG_REPORT,
    EVENT_LEVEL,
    PENDING,
    Report,
)
from attribution_reporting.time_units import MINUTE_MS
from config.loopback import LoopbackTransport

from . import attribution, clock, coordinator, models, profiles
from .http_client import describe_error, send

log = logging.getLogger("browser.delivery")

LEASE = timedelta(seconds=60)
ETA_HORIZON_MS = 30 * MINUTE_MS
_rng = random.SystemRandom()

AGGREGATABLE_KINDS = (AGGREGATABLE, AGGREGATABLE_DEBUG, AGGREGATABLE_DEBUG_REPORT)


def enqueue(report_id: str, eta_real_ms: int | None = None) -> None:
    """Queues a send (at ``eta_real_ms``, or now); in eager mode sends due reports in-process.

    Eager mode (tests, a demo without a worker) sends directly rather than through Celery's
    eager path, whose process-wide "join will block" flag is not safe when several server
    threads run tasks at once; an ETA is then left to the sweep or the clock.
    """
    from . import tasks

    try:
        if tasks.send_report.app.conf.task_always_eager:
            if eta_real_ms is None:
                send_report(report_id)
        elif eta_real_ms is None:
            tasks.send_report.delay(report_id)
        else:
            eta = clock.as_datetime(eta_real_ms)
            tasks.send_report.apply_async(args=[report_id], eta=eta)
    except Exception as exc:  # the broker being down must not fail a page; the sweep catches up
        log.warning("could not queue report %s for delivery (%s); the sweep will send it", report_id, exc)


def enqueue_due(report_ids: list[str]) -> None:
    """Queues reports that are due now together: one task sends them all (a trigger's debug
    reports, the reports a clock jump made due), reading their profile once."""
    from . import tasks

    if len(report_ids) <= 1:
        for report_id in report_ids:
            enqueue(report_id)
        return
    try:
        if tasks.send_reports.app.conf.task_always_eager:
            send_reports(report_ids)
        else:
            tasks.send_reports.delay(list(report_ids))
    except Exception as exc:  # the broker being down must not fail a page; the sweep catches up
        log.warning(
            "could not queue %d reports for delivery (%s); the sweep will send them", len(report_ids), exc
        )


def schedule(reports: Iterable[Report]) -> None:
    """Queues newly created reports: due ones at once, soon-due ones with an ETA."""
    now = clock.now_ms()
    due = []
    for report in reports:
        if report.status != PENDING:
            continue
        if report.report_time_ms <= now:
            due.append(report.report_id)
        elif report.report_time_ms - now <= ETA_HORIZON_MS:
            enqueue(report.report_id, clock.to_real_ms(report.report_time_ms))
    enqueue_due(due)


def due_report_ids(now_ms: int | None = None) -> list[str]:
    """The current profile's pending reports whose time has come and that nobody is sending."""
    now = clock.now_ms() if now_ms is None else now_ms
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())
    qs = models.Report.objects.filter(
        free, profile=profiles.current(), status=PENDING, report_time_ms__lte=now
    ).order_by("report_time_ms")
    return list(qs.values_list("report_id", flat=True))


def _pending_profiles() -> list[str]:
    return list(
        models.Report.objects.filter(status=PENDING).order_by().values_list("profile", flat=True).distinct()
    )


def sweep() -> list[str]:
    """Queues every due report of every profile (each on its own clock) and re-arms ETAs for
    those due soon (after a restart, say)."""
    due: list[str] = []
    for profile in _pending_profiles():
        with profiles.using(profile):
            due += _sweep_profile()
    return due


def _sweep_profile() -> list[str]:
    now = clock.now_ms()
    due = due_report_ids(now)
    enqueue_due(due)
    soon = models.Report.objects.filter(
        profile=profiles.current(),
        status=PENDING,
        report_time_ms__gt=now,
        report_time_ms__lte=now + ETA_HORIZON_MS,
    ).values_list("report_id", "report_time_ms")
    for report_id, report_time in soon:
        enqueue(report_id, clock.to_real_ms(report_time))
    return due


def _claim(report_id: str, *, force: bool) -> bool:
    qs = models.Report.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()),
        report_id=report_id,
        profile=profiles.current(),
        status=PENDING,
    )
    if not force:
        qs = qs.filter(report_time_ms__lte=clock.now_ms())
    return qs.update(lease_until=timezone.now() + LEASE) == 1


def _body(report: Report, transport: httpx.BaseTransport | None) -> tuple[object, str]:
    """The JSON body to POST and a note about how it was made."""
    if report.kind not in AGGREGATABLE_KINDS or report.aggregatable is None:
        return report.body, ""
    keys = profiles.setting("coordinator_key_set", lambda: coordinator.key_set(transport=transport))
    body = report_body(report, keys, _rng, default_coordinator_origin=attribution.local_coordinator_origin())
    origin = report.aggregatable.aggregation_coordinator_origin
    note = ""
    if coordinator.is_google_origin(origin):
        note = (
            f"Addressed to Google's coordinator {origin}; encrypted with the local coordinator's keys "
            "so the local aggregation service can decrypt it."
        )
    return body, note


def send_report(report_id: str, *, force: bool = False, transport: httpx.BaseTransport | None = None) -> str:
    """Sends one report if it is due on its profile's clock (or ``force``); returns what happened.

    The report carries its profile (whose clock and storage apply), never in what is sent: the
    reporting origin sees exactly Chrome's body.
    """
    return send_reports([report_id], force=force, transport=transport)[report_id]


def send_reports(
    report_ids: list[str], *, force: bool = False, transport: httpx.BaseTransport | None = None
) -> dict[str, str]:
    """Sends each of ``report_ids`` that is due on its profile's clock (or ``force``); returns what
    happened to each."""
    owners = dict(models.Report.objects.filter(report_id__in=report_ids).values_list("report_id", "profile"))
    outcome = {rid: "skipped: the report was deleted" for rid in report_ids if rid not in owners}
    for profile in dict.fromkeys(owners.values()):
        with profiles.using(profile):
            mine = [rid for rid in report_ids if owners.get(rid) == profile]
            outcome.update(send_reports_of_current_profile(mine, force=force, transport=transport))
    return outcome


def send_reports_of_current_profile(
    report_ids: Iterable[str], *, force: bool = False, transport: httpx.BaseTransport | None = None
) -> dict[str, str]:
    """Sends the current profile's ``report_ids`` one after another, as :func:`send_report` does.

    One piece of work reads the profile's clock, debug switch and the coordinator's keys once
    for all of them; a report of another profile is skipped.
    """
    return {rid: _send_report(rid, force=force, transport=transport) for rid in report_ids}


def _send_report(report_id: str, *, force: bool, transport: httpx.BaseTransport | None) -> str:
    if not _claim(report_id, force=force):
        return "skipped: not pending, not due yet, or being sent by another worker"
    eng = attribution.engine()
    report = eng.storage.get_report(report_id)
    if report is None:
        return "skipped: the report was deleted"
    try:
        body, note = _body(report, transport)
    except (coordinator.KeyFetchError, PayloadError) as exc:
        return _failed(eng, report, str(exc), status=None, sent_body="")
    text = json.dumps(body, separators=(",", ":"))
    try:
        # Credentials "omit": no cookie jar, so no cookies sent and none stored from the answer.
        response = send(
            transport or LoopbackTransport(),
            "POST",
            report.url,
            eligible=None,
            jar=None,
            top_level_site="",
            headers={"Content-Type": "application/json"},
            content=text.encode(),
        ).response
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return _failed(
            eng,
            report,
            describe_error(exc, report.url, consequence="The report was not delivered."),
            status=None,
            sent_body=text,
            note=note,
        )
    if 200 <= response.status_code < 300:
        now = clock.now_ms()
        eng.report_sent(report_id, now)
        models.Report.objects.filter(report_id=report_id).update(
            lease_until=None,
            sent_at_ms=now,
            response_status=response.status_code,
            sent_body=text,
            delivery_note=note or f"Delivered: {report.url} answered HTTP {response.status_code}.",
        )
        return "sent"
    reason = f"{report.url} answered HTTP {response.status_code}; Chrome counts that as a failed delivery."
    return _failed(eng, report, reason, status=response.status_code, sent_body=text, note=note)


def _failed(eng, report: Report, reason: str, *, status: int | None, sent_body: str, note: str = "") -> str:
    now = clock.now_ms()
    updated = eng.report_failed(report.report_id, now, reason)
    if updated is not None and updated.status == PENDING:
        minutes = max(0, (updated.report_time_ms - now) // MINUTE_MS)
        outcome = f"{reason} It will be tried again in {minutes} minutes (attempt {updated.attempts + 1})."
    elif report.kind in (EVENT_LEVEL, AGGREGATABLE):
        outcome = f"{reason} Given up after {updated.attempts if updated else '?'} attempts, as Chrome does."
    else:
        outcome = f"{reason} Debug reports are sent once and never retried."
    models.Report.objects.filter(report_id=report.report_id).update(
        lease_until=None,
        response_status=status,
        sent_body=sent_body,
        delivery_note=" ".join(p for p in (note, outcome) if p),
    )
    if updated is not None and updated.status == PENDING:
        schedule([updated])
    return "failed: " + outcome


def send_due(now_ms: int | None = None, *, transport: httpx.BaseTransport | None = None) -> dict[str, str]:
    """Sends the current profile's due reports in this process (tests, and the clock when no
    worker runs)."""
    return {rid: send_report(rid, transport=transport) for rid in due_report_ids(now_ms)}
