"""The workshop guide: steps that check themselves, and the reset for the next attendee."""

from __future__ import annotations

import pytest

from advertiser.models import Order

pytestmark = pytest.mark.django_db
HOST = "localhost:8000"

EMPTY_BROWSER = {"sources": {"navigation": 0, "event": 0}, "trigger_registrations": 0, "reports": {}}


@pytest.fixture
def parties(monkeypatch):
    """Stands in for the other parties' selectors, so each test sets exactly the state it checks."""
    state = {
        "browser": dict(EMPTY_BROWSER),
        "adtech": {"reports_by_kind": {"event-level": 0, "aggregatable": 0}},
        "aggregation": {"jobs": 0, "finished": 0, "succeeded": 0},
    }
    import adtech.selectors
    import aggregation.selectors
    import browser.selectors

    monkeypatch.setattr(browser.selectors, "summary", lambda: state["browser"])
    monkeypatch.setattr(adtech.selectors, "sender_summary", lambda: state["adtech"])
    monkeypatch.setattr(aggregation.selectors, "summary", lambda: state["aggregation"])
    return state


def steps(client) -> dict:
    response = client.get("/steps.json", HTTP_HOST=HOST)
    assert response.status_code == 200
    return response.json()


def done(client) -> list[bool]:
    return [s["done"] for s in steps(client)["steps"]]


def test_guide_page_keeps_parties_and_worker_and_shows_seven_steps(client, parties):
    body = client.get("/", HTTP_HOST=HOST).content.decode()
    assert 'id="worker-status"' in body and "Background worker" in body
    for host in ("news.localhost", "shop.localhost", "adtech.localhost", "browser.localhost"):
        assert f"<code>{host}</code>" in body
    assert body.count('<li class="step') == 7
    assert 'action="/reset"' in body
    assert "http://news.localhost:8000/ways/image-view/" in body


def test_steps_start_undone_and_follow_the_parties_state(client, parties):
    assert done(client) == [False] * 7
    parties["browser"] = {
        "sources": {"navigation": 1, "event": 2},
        "trigger_registrations": 3,
        # Debug reports are sent at once: they do not make step 5 done.
        "reports": {
            "event-level": {"pending": 1},
            "aggregatable": {"pending": 1},
            "verbose-debug": {"sent": 4},
        },
    }
    data = steps(client)
    assert [s["done"] for s in data["steps"]] == [True, True, True, False, False, False, False]
    assert data["steps"][0]["status"] == "2 view sources in the simulated browser"
    assert (
        data["steps"][2]["status"]
        == "3 trigger registrations, 2 attribution reports made in the simulated browser"
    )
    assert data["done"] == 3
    parties["browser"]["reports"]["aggregatable"] = {"sent": 1}
    assert (
        steps(client)["steps"][4]["status"] == "1 attribution report sent by the simulated browser, 1 pending"
    )
    parties["adtech"] = {"reports_by_kind": {"event-level": 1, "aggregatable": 0}}
    data = steps(client)
    assert data["steps"][4]["done"] is True
    assert data["steps"][5]["done"] is False and data["steps"][5]["partial"] is True
    parties["adtech"]["reports_by_kind"]["aggregatable"] = 1
    parties["aggregation"]["succeeded"] = 1
    assert done(client)[5:] == [True, True]


def test_a_real_chromes_registrations_and_reports_at_the_ad_tech_tick_steps_off(client, parties):
    """A real Chrome keeps its sources to itself: the ad tech's answers and reports for it count."""
    parties["adtech"] = {
        "reports_by_kind": {"event-level": 2, "aggregatable": 2},
        "by_browser": {
            "chrome": {
                "registrations": {"source": 3, "source:event": 2, "source:navigation": 1, "trigger": 3},
                "reports": {"event-level": 2, "aggregatable": 2, "verbose-debug": 3},
            }
        },
        "latest_reports": [
            {
                "id": 9,
                "kind": "event-level",
                "kind_label": "event-level report",
                "event": "purchase",
                "browser": {"key": "chrome", "label": "Chrome 149", "explanation": "A real Chrome 149 ..."},
            }
        ],
    }
    data = steps(client)
    assert [s["done"] for s in data["steps"]] == [True, True, True, False, True, True, False]
    assert data["steps"][0]["status"] == (
        "0 view sources in the simulated browser · 2 view source registrations answered for a real Chrome"
    )
    assert "4 attribution reports sent by a real Chrome on its own" in data["steps"][4]["status"]
    assert data["senders"]["rows"] == [
        {
            "key": "chrome",
            "name": "real Chrome",
            "sources": 3,
            "triggers": 3,
            "event_level": 2,
            "aggregatable": 2,
            "debug": 3,
        }
    ]
    page = client.get("/", HTTP_HOST=HOST).content.decode()
    assert (
        'data-sender-row="chrome"' in page and "real Chrome 149</span> event-level report (purchase)" in page
    )


def test_a_trigger_without_a_report_is_only_partial(client, parties):
    parties["browser"] = {
        **EMPTY_BROWSER,
        "trigger_registrations": 1,
        "reports": {"verbose-debug": {"sent": 1}},
    }
    step = steps(client)["steps"][2]
    assert step["done"] is False and step["partial"] is True


def test_internals_step_is_done_once_opened_from_the_guide(client, parties):
    response = client.get("/go/internals", HTTP_HOST=HOST)
    assert response.status_code == 302
    assert response["Location"] == "http://browser.localhost:8000/"
    assert done(client)[3] is True


def test_a_failing_party_is_explained_not_a_500(client, monkeypatch):
    import adtech.selectors
    import browser.selectors

    def broken():
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(browser.selectors, "summary", lambda: 1 / 0)
    monkeypatch.setattr(adtech.selectors, "sender_summary", broken)
    data = steps(client)
    assert data["parties"]["browser"]["ok"] is False
    assert "browser.selectors.summary() failed: division by zero" in data["parties"]["browser"]["error"]
    assert "database is on fire" in data["parties"]["adtech"]["error"]
    assert data["steps"][0]["status"].startswith("cannot check yet")
    assert client.get("/", HTTP_HOST=HOST).status_code == 200


def test_the_aggregation_services_summary_counts_its_jobs(client):
    from guide.selectors import aggregation_summary

    state = aggregation_summary()
    assert state.ok, state.error
    assert state.data["succeeded"] == 0


def test_reset_calls_every_party_and_forgets_progress(client, parties, monkeypatch):
    import adtech.services
    import aggregation.services
    import browser.services

    called = []
    for module, name in (
        (browser.services, "browser"),
        (adtech.services, "adtech"),
        (aggregation.services, "aggregation"),
    ):
        monkeypatch.setattr(module, "clear_all_data", lambda name=name: called.append(name) or {"n": 1})
    Order.objects.create(
        order_id="TH-1",
        name="A",
        email="a@example.com",
        total_cents=1,
        primary_category="tents",
        primary_sku="tent-2p",
    )
    client.get("/go/internals", HTTP_HOST=HOST)
    response = client.post("/reset", HTTP_HOST=HOST, HTTP_ACCEPT="application/json")
    results = response.json()["results"]
    assert called == ["browser", "adtech", "aggregation"]
    assert all(r["cleared"] for r in results.values())
    assert results["advertiser"]["detail"] == {"orders": 1, "newsletter_signups": 0}
    assert not Order.objects.exists()
    assert done(client)[3] is False


def test_reset_reports_a_failing_party_and_still_clears_the_others(client, parties, monkeypatch):
    import adtech.services

    def broken():
        raise RuntimeError("nope")

    monkeypatch.setattr(adtech.services, "clear_all_data", broken)
    response = client.post("/reset", HTTP_HOST=HOST)
    assert response.status_code == 302
    body = client.get("/", HTTP_HOST=HOST).content.decode()
    assert "Reset done." in body
    assert "adtech could not be cleared: nope" in body
    assert "browser: cleared" in body


def test_reset_needs_post(client):
    assert client.get("/reset", HTTP_HOST=HOST).status_code == 405


def test_the_real_parties_answer_the_guide(client):
    """No stand-ins: the browser, ad tech and aggregation selectors the guide calls exist and answer."""
    data = steps(client)
    assert {k: p["ok"] for k, p in data["parties"].items()} == {
        "browser": True,
        "adtech": True,
        "aggregation": True,
    }
    assert [s["status"] for s in data["steps"]][:3] == [
        "0 view sources in the simulated browser",
        "0 click sources in the simulated browser",
        "0 trigger registrations, 0 attribution reports made in the simulated browser",
    ]
