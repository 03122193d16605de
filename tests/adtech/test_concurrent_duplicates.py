"""The same report posted by many connections at once, to the live server: stored every time, counted once.

Processing runs in the server's threads as each report arrives (eager Celery), so copies of a
report are processed concurrently: the case that counted a report twice on PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
import pytest

from adtech import selectors
from adtech.models import ReceivedReport

from .test_reports import EVENT_BODY

REPORTS = 12
COPIES = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_are_counted_once(lab_server, eager_celery):
    from adtech import demo_data

    demo_data.load()
    port = lab_server.url.rsplit(":", 1)[1]
    ids = [str(uuid.uuid4()) for _ in range(REPORTS)]
    barrier = Barrier(COPIES)

    def post(report_id: str) -> int:
        body = json.dumps({**EVENT_BODY, "report_id": report_id})
        with httpx.Client(base_url=lab_server.url, timeout=60) as http:
            barrier.wait()  # every copy of this report leaves at the same moment
            response = http.post(
                "/.well-known/attribution-reporting/report-event-attribution",
                content=body,
                headers={"Host": f"adtech.localhost:{port}", "Content-Type": "application/json"},
            )
            return response.status_code

    with ThreadPoolExecutor(COPIES) as pool:
        statuses = [s for report_id in ids for s in pool.map(post, [report_id] * COPIES)]
    assert statuses == [200] * REPORTS * COPIES
    assert ReceivedReport.objects.count() == REPORTS * COPIES  # nothing answered 200 is dropped
    for report_id in ids:
        rows = list(ReceivedReport.objects.filter(report_id=report_id).order_by("pk"))
        counted = [r for r in rows if r.status == "processed"]
        assert len(counted) == 1, [(r.pk, r.status) for r in rows]
        assert {r.duplicate_of_id for r in rows if r.pk != counted[0].pk} == {counted[0].pk}
        assert {r.status for r in rows if r.pk != counted[0].pk} == {"duplicate"}
    summary = selectors.dashboard_summary()
    assert summary["reports_by_kind"]["event-level"] == REPORTS
    assert summary["reports_by_status"]["event-level"] == {
        "processed": REPORTS,
        "duplicate": REPORTS * (COPIES - 1),
    }
    assert sum(row["event_level_reports"] for row in summary["conversions"]) == REPORTS
