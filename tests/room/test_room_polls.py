"""A room's polls stay cheap: room-wide answers shared for a moment, a fixed number of queries per poll."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adtech.models import ReceivedReport
from aggregation.models import AggregationJob
from attribution_reporting.reports import AGGREGATABLE, EVENT_LEVEL, SENT
from browser import clock, models, profiles, selectors
from browser.network import register
from browser.registration import Context
from config.room_cache import ROOM_WIDE, TTLCache
from room import tokens
from tests.room.conftest import ad_tech_stub

pytestmark = pytest.mark.django_db

GUIDE = "localhost:8000"
NEWS = "http://news.localhost:8000"
SHOP = "http://shop.localhost:8000"
ADTECH = "http://adtech.localhost:8000"
ADTECH_HOST = "adtech.localhost:8000"
INSTRUCTOR = {"HTTP_AUTHORIZATION": "Bearer instructor-test-key", "HTTP_HOST": GUIDE}
DAY = 86_400_000


@pytest.fixture
def room(settings):
    settings.ARA_ROOM = True
    settings.ARA_ROOM_INSTRUCTOR_KEY = "instructor-test-key"
    settings.ARA_ROOM_SHARED_TTL = 2
    return settings


@pytest.fixture
def now(monkeypatch) -> list[float]:
    """The room-wide cache's clock, moved by hand: ``now[0] += 2``."""
    moment = [1000.0]
    monkeypatch.setattr(ROOM_WIDE, "clock", lambda: moment[0])
    return moment


def _join(client) -> dict:
    response = client.post("/room/api/join", HTTP_HOST=GUIDE)
    assert response.status_code == 201, response.content
    return response.json()


def _walk(client, *, job: str | None = None) -> dict:
    """An attendee who registered a source and a trigger, and whose browser delivered an event-level
    and an aggregatable report to the ad tech; ``job``: a summary report of the room took the latter."""
    joined = _join(client)
    with profiles.using(joined["profile"]):
        register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
        register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=ad_tech_stub())
    for kind in (EVENT_LEVEL, AGGREGATABLE):
        report_id = str(uuid.uuid4())
        models.Report.objects.create(
            profile=joined["profile"],
            report_id=report_id,
            kind=kind,
            status=SENT,
            report_time_ms=0,
            reporting_origin=ADTECH,
            data="{}",
        )
        ReceivedReport.objects.create(
            kind=kind,
            reporting_origin=ADTECH,
            path="/",
            body="{}",
            browser="simulated",
            status=ReceivedReport.PROCESSED,
            report_id=report_id,
            batch_job_id=job if kind == AGGREGATABLE else None,
        )
    if job and not AggregationJob.objects.filter(job_request_id=job).exists():
        AggregationJob.objects.create(
            job_request_id=job, request={}, status=AggregationJob.FINISHED, return_code="SUCCESS"
        )
    return joined


def _steps(client, joined: dict) -> dict:
    client.cookies[tokens.COOKIE] = joined["token"]
    response = client.get("/steps.json", HTTP_HOST=GUIDE)
    assert response.status_code == 200
    return response.json()


def _counting(monkeypatch, module, name: str) -> list:
    calls: list = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a: calls.append(a) or real(*a))
    return calls


# --- The cache itself ---------------------------------------------------------------------------


def test_a_value_is_shared_until_its_ttl_has_passed_and_a_clear_forgets_it():
    moment, computed = [0.0], []
    cache = TTLCache(lambda: 2.0, clock=lambda: moment[0])

    def compute():
        computed.append(moment[0])
        return len(computed)

    assert [cache.get("k", compute) for _ in range(3)] == [1, 1, 1]
    moment[0] = 1.9
    assert cache.get("k", compute) == 1
    assert cache.get("other", compute) == 2  # keys are apart
    moment[0] = 2.0  # two seconds after the first computation started
    assert cache.get("k", compute) == 3
    cache.clear()
    assert cache.get("k", compute) == 4
    assert computed == [0.0, 1.9, 2.0, 2.0]


def test_a_ttl_of_zero_keeps_nothing():
    cache, computed = TTLCache(lambda: 0.0, clock=lambda: 0.0), []
    for _ in range(3):
        cache.get("k", lambda: computed.append(1))
    assert len(computed) == 3


def test_threads_asking_at_once_share_one_computation():
    cache, computed, release = TTLCache(lambda: 2.0, clock=lambda: 0.0), [], threading.Event()

    def compute():
        computed.append(1)
        release.wait(5)
        return "answer"

    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get("k", compute))) for _ in range(8)]
    for thread in threads:
        thread.start()
    release.wait(0.2)  # every thread is inside get(), waiting on the first one's computation
    release.set()
    for thread in threads:
        thread.join(5)
    assert answers == ["answer"] * 8 and computed == [1]


def test_a_value_computed_across_a_clear_is_not_kept():
    cache, values = TTLCache(lambda: 2.0, clock=lambda: 0.0), iter(["before the reset", "after"])

    def compute():
        value = next(values)
        if value == "before the reset":
            cache.clear()  # a reset while this computation ran
        return value

    assert cache.get("k", compute) == "before the reset"
    assert cache.get("k", compute) == "after"


# --- The guide in a room ------------------------------------------------------------------------------


def test_attendees_polls_share_the_room_wide_parts_and_expire_them(client, room, now, monkeypatch):
    import adtech.selectors
    import aggregation.selectors

    senders = _counting(monkeypatch, adtech.selectors, "sender_summary")
    jobs = _counting(monkeypatch, aggregation.selectors, "summary")
    alice, bob = _walk(client, job="job-1"), _join(client)
    assert [s["done"] for s in _steps(client, alice)["steps"]][5:] == [True, True]
    assert [s["done"] for s in _steps(client, bob)["steps"]][5:] == [False, False]  # each their own
    assert len(senders) == len(jobs) == 1
    now[0] += 1.9
    _steps(client, alice)
    assert len(senders) == len(jobs) == 1
    now[0] += 0.1
    _steps(client, bob)
    assert len(senders) == len(jobs) == 2


def test_room_wide_counts_refresh_after_the_ttl_and_at_once_after_a_room_reset(client, room, now):
    alice = _walk(client)
    assert _steps(client, alice)["senders"]["rows"][0]["event_level"] == 1
    _walk(client)  # another attendee's reports reach the ad tech
    assert _steps(client, alice)["senders"]["rows"][0]["event_level"] == 1  # the room's, a moment ago
    now[0] += 2
    assert _steps(client, alice)["senders"]["rows"][0]["event_level"] == 2
    assert (
        client.post("/room/instructor/reset", HTTP_ACCEPT="application/json", **INSTRUCTOR).status_code == 200
    )
    assert _steps(client, alice)["senders"]["rows"] == []


def test_the_page_says_how_often_the_rooms_counts_refresh(client, room):
    alice = _join(client)
    client.cookies[tokens.COOKIE] = alice["token"]
    assert "refresh every 2 seconds" in client.get("/", HTTP_HOST=GUIDE).content.decode()
    room.ARA_ROOM_SHARED_TTL = 0
    assert "refresh every" not in client.get("/", HTTP_HOST=GUIDE).content.decode()


def test_without_room_mode_every_poll_reads_the_parties(client, settings, monkeypatch):
    import adtech.selectors

    settings.ARA_ROOM_SHARED_TTL = 2
    senders = _counting(monkeypatch, adtech.selectors, "sender_summary")
    for _ in range(3):
        assert client.get("/steps.json", HTTP_HOST=GUIDE).status_code == 200
    assert len(senders) == 3


# --- Queries per poll ---------------------------------------------------------------------------------
# Counted inside the test's transaction, so each party's call adds a savepoint pair (a request in
# autocommit has none). An attendee's own part, 6 queries in 3 calls: the browser's counts (sources,
# registrations with their hops, reports); its sent report ids and what the ad tech received of them;
# which of the jobs that took them made a summary report. The room-wide part, 4 queries in 2 calls:
# the ad tech's senders (registrations, reports, the latest reports) and the aggregation jobs.


def test_a_poll_asks_a_fixed_handful_of_queries(client, room, now, django_assert_max_num_queries):
    alice, bob = _walk(client, job="job-1"), _walk(client, job="job-1")
    with django_assert_max_num_queries(6 + 4 + 2 * 5):  # the first poll works out the room-wide part
        _steps(client, alice)
    with django_assert_max_num_queries(6 + 2 * 3):  # the next one shares it
        data = _steps(client, bob)
    assert [s["done"] for s in data["steps"]] == [True, False, True, False, True, True, True]


def test_a_poll_before_any_report_was_sent_asks_only_the_browser(
    client, room, now, django_assert_max_num_queries
):
    alice = _join(client)
    _steps(client, alice)
    with django_assert_max_num_queries(3 + 2 * 1):
        _steps(client, alice)


def test_the_instructors_progress_asks_once_for_the_whole_room(client, room, now):
    def queries() -> int:
        ROOM_WIDE.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/room/instructor/progress.json", **INSTRUCTOR)
        assert response.status_code == 200
        return len(captured)

    _walk(client, job="job-1")
    one = queries()
    for _ in range(4):
        _walk(client, job="job-1")
    assert queries() == one
    rows = client.get("/room/instructor/progress.json", **INSTRUCTOR).json()["attendees"]
    assert [(r["done"], r["reports_sent"], r["sources"]) for r in rows] == [(5, 2, 1)] * 5


def test_the_browsers_counts_of_many_profiles_are_each_ones_own():
    """``summaries`` reads every profile at once and says what ``summary`` says for each, each by its own clock."""
    for name in ("alice", "bob", "carol"):
        with profiles.using(name):
            if name != "carol":
                register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
            if name == "bob":
                register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=ad_tech_stub())
                clock.advance(40 * DAY)  # past the source's expiry: no longer active
    many = selectors.summaries(["alice", "bob", "carol"])
    for name in ("alice", "bob", "carol"):
        with profiles.using(name):
            assert many[name] == selectors.summary()
    assert [many[n]["active_sources"] for n in ("alice", "bob", "carol")] == [1, 0, 0]
    assert many["bob"]["trigger_registrations"] == 1 and many["bob"]["reports"][EVENT_LEVEL] == {"pending": 1}
    assert many["carol"] == {
        "sources": {"navigation": 0, "event": 0},
        "active_sources": 0,
        "source_registrations": 0,
        "trigger_registrations": 0,
        "registrations": 0,
        "reports": {},
        "reports_total": 0,
        "reports_pending": 0,
        "reports_sent": 0,
        "reports_failed": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_failing_party_still_leaves_the_others_answering(client, monkeypatch):
    """Without the savepoint a request in autocommit needs none: a failed query spoils nothing after it."""
    import browser.selectors

    def broken():
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM no_such_table")

    monkeypatch.setattr(browser.selectors, "summary", broken)
    assert not connection.in_atomic_block
    data = client.get("/steps.json", HTTP_HOST=GUIDE).json()
    assert data["parties"]["browser"]["ok"] is False and "no_such" in data["parties"]["browser"]["error"]
    assert data["parties"]["adtech"]["ok"] is True and data["parties"]["aggregation"]["ok"] is True


def test_the_ad_techs_dashboard_is_shared_a_moment_in_a_room_and_emptied_at_once(client, room, now):
    def reports() -> int:
        return sum(
            client.get("/api/dashboard", HTTP_HOST=ADTECH_HOST).json()["summary"]["reports_by_kind"].values()
        )

    _walk(client)
    assert reports() == 2
    _walk(client)
    assert reports() == 2  # the room's dashboard, a moment ago
    now[0] += 2
    assert reports() == 4
    assert client.post("/dashboard/clear", HTTP_HOST=ADTECH_HOST).status_code == 302
    assert reports() == 0
    room.ARA_ROOM = False  # one person's lab: every poll reads the ad tech
    _walk_without_joining()
    assert reports() == 2


def _walk_without_joining() -> None:
    ReceivedReport.objects.create(
        kind=EVENT_LEVEL, reporting_origin=ADTECH, path="/", body="{}", status=ReceivedReport.PROCESSED
    )
    ReceivedReport.objects.create(
        kind=AGGREGATABLE, reporting_origin=ADTECH, path="/", body="{}", status=ReceivedReport.PROCESSED
    )
