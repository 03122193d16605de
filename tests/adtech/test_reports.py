"""Report receivers (every path, both origins) and their processing, with realistic bodies."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from adtech import budget_units, selectors, services, storage_bucket
from adtech.models import ReceivedReport
from tests.vectors import load_jsonc, vector_files, vectors

from .conftest import HOST, PARTNER

pytestmark = pytest.mark.django_db

WELL_KNOWN = "/.well-known/attribution-reporting/"
PATHS = {
    "report-event-attribution": "event-level",
    "report-aggregate-attribution": "aggregatable",
    "debug/report-event-attribution": "event-level-debug",
    "debug/report-aggregate-attribution": "aggregatable-debug-copy",
    "debug/verbose": "verbose-debug",
    "debug/report-aggregate-debug": "aggregate-debug",
}
EVENT_BODY = {
    "attribution_destination": "http://shop.localhost",
    "randomized_trigger_rate": 0.0024263,
    "report_id": "6d1b3b52-4f6e-4b0e-9d4e-1b2c3d4e5f60",
    "scheduled_report_time": "172800",
    "source_event_id": "1001000042",
    "source_type": "navigation",
    "trigger_data": "3",
}
VERBOSE_BODY = [
    {"type": "trigger-no-matching-source", "body": {"attribution_destination": "http://shop.localhost"}}
]


def _golden(sub: str, name: str = "report_1.json") -> dict:
    return json.loads((vectors(sub) / name).read_text())


def _body_for(kind: str) -> object:
    if kind in ("event-level", "event-level-debug"):
        return EVENT_BODY
    if kind == "verbose-debug":
        return VERBOSE_BODY
    if kind == "aggregate-debug":
        return _golden("goldens/debug-latest")
    return _golden("goldens/latest")


def post(client, path: str, body, host: str = HOST, content_type: str = "application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(WELL_KNOWN + path, data=data, content_type=content_type, HTTP_HOST=host)


@pytest.mark.parametrize("host", [HOST, PARTNER])
@pytest.mark.parametrize("path,kind", PATHS.items())
def test_every_endpoint_stores_the_raw_body_before_answering(client, host, path, kind):
    body = json.dumps(_body_for(kind), indent=1)
    response = post(client, path, body, host=host)
    assert response.status_code == 200
    stored = ReceivedReport.objects.get(pk=response.json()["stored"])
    assert stored.body == body  # exactly as received
    assert stored.kind == kind and stored.status == "pending"
    assert stored.reporting_origin == f"http://{host}"


def test_report_is_committed_and_enqueued_after_commit(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    from adtech import tasks

    queued = []
    monkeypatch.setattr(tasks.process_report_task, "delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, "report-event-attribution", EVENT_BODY)
    assert len(callbacks) == 1
    assert queued == [response.json()["stored"]]


def test_broker_down_report_still_stored_and_swept(
    client, demo, django_capture_on_commit_callbacks, monkeypatch
):
    from adtech import tasks

    def broker_down(pk):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.process_report_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "report-event-attribution", EVENT_BODY)
    assert response.status_code == 200
    report = ReceivedReport.objects.get()
    assert report.status == "pending"
    assert services.process_pending(older_than=timedelta(hours=1)) == 0  # too recent for the sweep
    monkeypatch.setattr(services, "SWEEP_GRACE", timedelta(0))
    assert tasks.sweep_reports() == 1  # the periodic task
    report.refresh_from_db()
    assert report.status == "processed"


def test_eager_pipeline_processes_on_arrival(client, demo, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "report-event-attribution", EVENT_BODY)
    report = ReceivedReport.objects.get()
    assert report.status == "processed"
    assert report.campaign.slug == "trail-tents" and report.event == "purchase"


@pytest.mark.parametrize(
    "method,path,body,content_type,status,message",
    [
        ("get", "report-event-attribution", None, None, 405, "POST"),
        ("put", "debug/verbose", "[]", "application/json", 405, "POST"),
        (
            "post",
            "report-event-attribution",
            "a=b",
            "application/x-www-form-urlencoded",
            415,
            "application/json",
        ),
        ("post", "report-event-attribution", "{}", "text/plain", 415, "application/json"),
        ("post", "report-event-attribution", "{not json", "application/json", 400, "not JSON"),
        ("post", "report-event-attribution", b"\xff\xfe", "application/json", 400, "not JSON"),
        ("post", "report-event-attribution", "[1, 2]", "application/json", 400, "JSON object"),
        ("post", "report-event-attribution", '{"hello": 1}', "application/json", 400, "missing report_id"),
        ("post", "report-aggregate-attribution", '{"shared_info": "{}"}', "application/json", 400, "missing"),
        ("post", "debug/verbose", '{"type": "x"}', "application/json", 400, "JSON list"),
        ("post", "report-something-else", "{}", "application/json", 404, "no report endpoint"),
    ],
)
def test_what_is_not_a_report_gets_a_clear_4xx(client, method, path, body, content_type, status, message):
    kwargs = {"HTTP_HOST": HOST}
    if body is not None:
        kwargs.update(data=body, content_type=content_type)
    response = getattr(client, method)(WELL_KNOWN + path, **kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not ReceivedReport.objects.exists()


def test_body_too_large_is_413(client):
    big = json.dumps({**EVENT_BODY, "padding": "x" * (64 * 1024)})
    response = post(client, "report-event-attribution", big)
    assert response.status_code == 413
    assert not ReceivedReport.objects.exists()


def test_json_with_charset_is_accepted(client):
    response = post(client, "debug/verbose", VERBOSE_BODY, content_type="application/json; charset=utf-8")
    assert response.status_code == 200


def test_receivers_are_csrf_exempt():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert post(client, "debug/verbose", VERBOSE_BODY).status_code == 200


def _store(client, path: str, body) -> ReceivedReport:
    response = post(client, path, body)
    assert response.status_code == 200, response.content
    return services.process_report(response.json()["stored"])


def test_duplicate_report_id_is_deduplicated(client, demo):
    first = _store(client, "report-event-attribution", EVENT_BODY)
    second = _store(client, "report-event-attribution", EVENT_BODY)
    copy = _store(client, "debug/report-event-attribution", EVENT_BODY)  # a debug copy is its own kind
    assert (first.status, second.status, copy.status) == ("processed", "duplicate", "processed")
    # processing twice changes nothing
    assert services.process_report(second.pk).status == "duplicate"
    assert selectors.dashboard_summary()["reports_by_status"]["event-level"] == {
        "duplicate": 1,
        "processed": 1,
    }


def test_invalid_report_does_not_shadow_a_later_valid_copy(client, demo):
    bad = _store(client, "report-event-attribution", {**EVENT_BODY, "trigger_data": 3})
    good = _store(client, "report-event-attribution", EVENT_BODY)
    assert bad.status == "invalid" and "trigger_data" in bad.error
    assert good.status == "processed"


@pytest.mark.parametrize(
    "change,error",
    [
        ({"source_type": "banner"}, "source_type"),
        ({"source_event_id": "-1"}, "uint64"),
        ({"randomized_trigger_rate": "high"}, "randomized_trigger_rate"),
        ({"scheduled_report_time": None}, "scheduled_report_time"),
    ],
)
def test_event_level_report_validation(client, change, error):
    report = _store(client, "report-event-attribution", {**EVENT_BODY, **change})
    assert report.status == "invalid" and error in report.error


def _interop_reports(path, suffix: str) -> list:
    return [
        r["payload"]
        for r in load_jsonc(path).get("output", {}).get("reports", [])
        if r["report_url"].endswith(suffix)
    ]


def _cases_with_bodies() -> list:
    """Interop cases whose outputs include event-level or verbose debug reports."""
    return [
        p
        for p in vector_files("interop")
        if _interop_reports(p, "/report-event-attribution") or _interop_reports(p, "/debug/verbose")
    ]


@pytest.mark.parametrize("path", _cases_with_bodies(), ids=lambda p: p.stem)
def test_interop_event_level_and_verbose_bodies_process(client, path):
    event_level = _interop_reports(path, "/report-event-attribution")
    verbose = _interop_reports(path, "/debug/verbose")
    for body in event_level:
        # The runner leaves out report_id (it is random); Chrome always sends one.
        report = _store(client, "report-event-attribution", {"report_id": str(uuid.uuid4()), **body})
        assert report.status == "processed", report.error
        assert report.decoded["trigger_data"] == body["trigger_data"]
    for body in verbose:
        report = _store(client, "debug/verbose", body)
        assert report.status == "processed", report.error
        for item, explained in zip(body, report.decoded["items"], strict=True):
            assert explained["type"] == item["type"]
            assert not explained["what"].startswith("Unknown"), item["type"]


def _golden_reports(sub: str) -> list[str]:
    """The report files of a goldens folder (not their decoded or cleartext companions)."""
    return [
        p.name
        for p in vector_files(sub, "report_*.json")
        if not p.stem.endswith(("_decoded", "_cleartext_payloads"))
    ]


@pytest.mark.parametrize("name", _golden_reports("goldens/latest"))
def test_golden_aggregatable_reports_are_prepared_for_aggregation(client, name):
    body = _golden("goldens/latest", name)
    report = _store(client, "report-aggregate-attribution", body)
    assert report.status == "processed", report.error
    assert report.shared_info == body["shared_info"]  # the exact string: it is the HPKE info
    assert report.payload == body["aggregation_service_payloads"][0]["payload"]
    assert report.key_id == body["aggregation_service_payloads"][0]["key_id"]
    assert report.report_id == json.loads(body["shared_info"])["report_id"]
    assert report.batch_job_id is None
    decoded = json.loads((vectors("goldens/latest") / name.replace(".json", "_decoded.json")).read_text())
    if "debug_cleartext_payload" in body["aggregation_service_payloads"][0]:
        got = sorted((c["bucket"], c["value"], c["id"]) for c in report.debug_contributions)
        want = sorted((c["bucket"], c["value"], c["id"]) for c in decoded[0]["data"])
        assert got == want
    else:
        assert report.debug_contributions is None and report.decoded["encrypted_only"]
    assert report in selectors.unbatched_aggregatable_reports()


@pytest.mark.parametrize("name", _golden_reports("goldens/debug-latest"))
def test_golden_aggregatable_debug_reports_process(client, name):
    body = _golden("goldens/debug-latest", name)
    report = _store(client, "debug/report-aggregate-debug", body)
    assert report.status == "processed", report.error
    assert report.decoded["shared_info"]["api"] == "attribution-reporting-debug"
    assert report not in selectors.unbatched_aggregatable_reports()


def test_aggregatable_report_on_the_wrong_endpoint_is_invalid(client):
    report = _store(client, "debug/report-aggregate-debug", _golden("goldens/latest"))
    assert report.status == "invalid" and "shared_info.api" in report.error


def test_aggregatable_report_attaches_to_campaign_via_key_scheme(client, demo):
    from adtech.headers import ValueScaling, source_header, trigger_header
    from adtech.keyscheme import current_scheme
    from adtech.models import Campaign, ConversionEvent
    from attribution_reporting.aggregatable_payload import cleartext_payload

    campaign = Campaign.objects.get(slug="winter-boots")
    scheme = current_scheme()
    source = source_header(
        campaign, creative_code=2, source_type="event", destination="x", serial=1, scheme=scheme, geo="US"
    )
    trigger = trigger_header(
        ConversionEvent.objects.get(event="purchase"),
        scheme=scheme,
        scaling=ValueScaling(),
        value_minor=18900,
        category="boots",
    )
    piece = int(trigger["aggregatable_trigger_data"][0]["key_piece"], 16)
    contributions = [
        (int(source["aggregation_keys"][k], 16) | piece, v, 0)
        for k, v in trigger["aggregatable_values"].items()
    ]
    body = dict(_golden("goldens/latest"))
    body["aggregation_service_payloads"] = [
        {
            **body["aggregation_service_payloads"][0],
            "debug_cleartext_payload": cleartext_payload(contributions),
        }
    ]
    body["shared_info"] = body["shared_info"].replace("https://report.test", "http://adtech.localhost:8000")
    report = _store(client, "report-aggregate-attribution", body)
    assert report.campaign == campaign and report.event == "purchase"
    labels = [c["label"] for c in report.decoded["contributions"]]
    assert "winter-boots · US · boots · purchase · purchase value" in labels
    assert report.decoded["warnings"] == []
    row = next(r for r in selectors.conversions_by_campaign() if r["campaign"] == "winter-boots")
    assert row["debug_value_sum"] == trigger["aggregatable_values"]["value"]
    assert row["debug_count_sum"] == trigger["aggregatable_values"]["count"]


def test_mark_batched_and_unbatched_selector(client):
    golden = _golden("goldens/latest")
    old_id = json.loads(golden["shared_info"])["report_id"]
    # The goldens all share one report_id; give each copy its own, as distinct reports have.
    bodies = [
        {**golden, "shared_info": golden["shared_info"].replace(old_id, str(uuid.uuid4()))} for _ in range(3)
    ]
    reports = [_store(client, "report-aggregate-attribution", body) for body in bodies]
    assert _store(client, "report-aggregate-attribution", bodies[0]).status == "duplicate"
    assert selectors.unbatched_aggregatable_reports().count() == 3
    assert services.mark_batched([reports[0].pk, reports[1].report_id], "job-1") == 2
    assert list(selectors.unbatched_aggregatable_reports()) == [reports[2]]
    # a batched report is never re-batched
    assert services.mark_batched([reports[0].pk], "job-2") == 0
    reports[0].refresh_from_db()
    assert reports[0].batch_job_id == "job-1"


def test_verbose_report_attaches_to_campaign_and_explains(client, demo):
    body = [
        {
            "type": "trigger-event-low-priority",
            "body": {**EVENT_BODY, "source_event_id": "2002000001"},
        }
    ]
    report = _store(client, "debug/verbose", body)
    assert report.campaign.slug == "winter-boots"
    item = report.decoded["items"][0]
    assert "priority" in item["what"] and "priority" in item["fix"]


def test_clear_all_data_keeps_campaigns(client, demo, adtech):
    _store(client, "debug/verbose", VERBOSE_BODY)
    adtech.get("/register/trigger?event=purchase", HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="trigger")
    manifest = storage_bucket.storage_root() / "batches" / "job-1" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps({"job_request_id": "job-1", "shared_id": "s", "hour": 0, "reporting_origin": "o"})
    )
    assert budget_units.spent_units() == {("s", 0, "o"): "job-1"}
    counts = services.clear_all_data()
    assert counts == {"reports": 1, "registrations": 1, "submitted_jobs": 1}
    # The aggregation service forgets its budget on reset, so the ad tech forgets the hours it queried.
    assert budget_units.spent_units() == {} and storage_bucket.read_manifests() == []
    from adtech.models import Campaign, Registration

    assert not ReceivedReport.objects.exists() and not Registration.objects.exists()
    assert Campaign.objects.count() == 2


def test_a_report_records_its_sender_and_the_api_filters_by_it(client):
    chrome = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/149.0.7827.0"
    )
    simulated = "Mozilla/5.0 Chrome/131.0.0.0 Safari/537.36 AttributionLabSimulatedBrowser/1.0"
    for agent, report_id in ((chrome, "a"), (simulated, "b")):
        body = dict(EVENT_BODY, report_id=str(uuid.uuid5(uuid.NAMESPACE_URL, report_id)))
        response = client.post(
            WELL_KNOWN + "report-event-attribution",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_HOST=HOST,
            HTTP_USER_AGENT=agent,
        )
        assert response.status_code == 200
    assert dict(ReceivedReport.objects.values_list("browser", "user_agent")) == {
        "chrome": chrome,
        "simulated": simulated,
    }
    only = client.get("/api/reports/?browser=chrome", HTTP_HOST=HOST).json()
    rows = only["results"] if isinstance(only, dict) else only
    assert [r["sent_by"]["label"] for r in rows] == ["Chrome 149"]
    bad = client.get("/api/reports/?browser=firefox", HTTP_HOST=HOST)
    assert bad.status_code == 400 and "unknown browser" in bad.json()["browser"]
    summary = selectors.dashboard_summary()["by_browser"]
    assert summary["chrome"]["reports"] == {"event-level": 1}
    assert summary["simulated"]["reports"] == {"event-level": 1}
    # The guide's lighter summary says the same of the senders as the dashboard.
    dashboard, senders = selectors.dashboard_summary(), selectors.sender_summary()
    assert senders["reports_by_kind"]["event-level"] == 2
    for key in ("by_browser", "latest_reports", "reports_by_kind"):
        assert senders[key] == dashboard[key]


def test_aggregatable_report_without_cleartext_names_its_campaign_by_source_debug_key(client, demo):
    """No debug cleartext, but each campaign's source debug key is its own: the report still names it."""
    body = dict(_golden("goldens/latest"))
    body["aggregation_service_payloads"] = [
        {k: v for k, v in body["aggregation_service_payloads"][0].items() if k != "debug_cleartext_payload"}
    ]
    body["shared_info"] = body["shared_info"].replace("https://report.test", "http://adtech.localhost:8000")
    body["source_debug_key"] = "1002"
    report = _store(client, "report-aggregate-attribution", body)
    assert report.campaign.slug == "winter-boots"
    assert report.decoded["campaign_from"] == "source_debug_key" and report.decoded["encrypted_only"]
    body["source_debug_key"] = "4242"
    body["shared_info"] = body["shared_info"].replace('"report_id":"', '"report_id":"0')
    unknown = _store(client, "report-aggregate-attribution", body)
    assert unknown.campaign is None
    row = next(r for r in selectors.conversions_by_campaign() if r["campaign"] is None)
    assert "encrypted" in row["campaign_note"]
