"""Navigation sources only from a user-activated navigation; triggers wait for them.

The navigation passes through ``/navigate`` on the simulated browser; what it checks are the
``Sec-Fetch-*`` headers a browser puts on a navigation request (the Django client sends them
here as Chromium would), and the page API never registers a navigation source.
"""

from __future__ import annotations

import json

import pytest

from browser import models, navigation, navigation_wait
from browser.network import register
from browser.registration import Context
from tests.browser.conftest import source_response, trigger_response

pytestmark = pytest.mark.django_db

BROWSER_HOST = "browser.localhost:8000"
NEWS = "http://news.localhost:8000"
SHOP = "http://shop.localhost:8000"
ADTECH = "http://adtech.localhost:8000"
ACTIVATED = {
    "HTTP_SEC_FETCH_MODE": "navigate",
    "HTTP_SEC_FETCH_DEST": "document",
    "HTTP_SEC_FETCH_SITE": "cross-site",
    "HTTP_SEC_FETCH_USER": "?1",
    "HTTP_REFERER": NEWS + "/ways/anchor-click/",
}


@pytest.fixture
def inline(monkeypatch, network):
    """Runs a navigation's registrations at once, against the stub network."""
    monkeypatch.setattr(navigation, "RUNNER", lambda ids: navigation.run(ids, transport=network.transport))


def _navigate(client, *, srcs=(f"{ADTECH}/click",), href=f"{SHOP}/products/tent-2p", **headers):
    nav = navigation.Navigation("anchor", href, tuple(srcs), NEWS, NEWS, token="t-1")
    url = navigation.navigate_url("", nav)
    return client.get(url, HTTP_HOST=BROWSER_HOST, **headers)


def test_an_activated_navigation_registers_and_redirects(
    client, network, inline, django_capture_on_commit_callbacks
):
    network.add(f"{ADTECH}/click", source_response(SHOP, source_event_id="7"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _navigate(client, **ACTIVATED)
    assert response.status_code == 302
    assert response["Location"] == f"{SHOP}/products/tent-2p"
    assert network.requests[0].headers["Attribution-Reporting-Eligible"] == "navigation-source"
    source = models.Source.objects.get()
    assert source.source_type == "navigation"
    row = models.Registration.objects.get()
    assert (row.pending, row.destination_site, row.navigation_token) == (
        False,
        "http://shop.localhost",
        "t-1",
    )
    answer = client.get("/api/navigations/t-1", HTTP_HOST=BROWSER_HOST).json()
    assert answer["pending"] is False
    assert answer["registrations"][0]["hops"][0]["kind"] == "source"


def test_an_empty_attributionsrc_makes_the_navigation_itself_eligible_once(client, network, monkeypatch):
    """Chrome's one navigation request carries the header: the ad tech sees its URL once, the tab lands."""
    monkeypatch.setattr(navigation, "TRANSPORT", network.transport)
    click = source_response(SHOP, source_event_id="8")
    click.status_code, click.headers["Location"] = 302, f"{SHOP}/products/tent-2p"
    network.add(f"{ADTECH}/click", click)
    network.add(f"{SHOP}/products/tent-2p", source_response(SHOP, source_event_id="9"))
    nav = navigation.Navigation("anchor", f"{ADTECH}/click", (f"{ADTECH}/click",), NEWS, NEWS, "t-2", True)
    response = client.get(navigation.navigate_url("", nav), HTTP_HOST=BROWSER_HOST, **ACTIVATED)
    assert response.status_code == 302 and response["Location"] == f"{SHOP}/products/tent-2p"
    assert [str(r.url) for r in network.requests] == [f"{ADTECH}/click", f"{SHOP}/products/tent-2p"]
    assert all(r.headers["Attribution-Reporting-Eligible"] == "navigation-source" for r in network.requests)
    assert network.requests[0].headers["Referer"] == NEWS + "/"
    row = models.Registration.objects.get()
    assert (row.pending, row.url, [h.kind for h in row.hops.all()]) == (
        False,
        f"{ADTECH}/click",
        ["source", "source"],
    )
    assert list(models.Source.objects.values_list("source_type", flat=True)) == ["navigation"] * 2


def test_a_navigation_that_cannot_be_made_lands_on_the_links_url(client, network, monkeypatch):
    monkeypatch.setattr(navigation, "TRANSPORT", network.transport)  # no route: unreachable
    nav = navigation.Navigation("anchor", f"{ADTECH}/gone", (f"{ADTECH}/gone",), NEWS, NEWS, "t-3", True)
    response = client.get(navigation.navigate_url("", nav), HTTP_HOST=BROWSER_HOST, **ACTIVATED)
    assert response.status_code == 302 and response["Location"] == f"{ADTECH}/gone"
    assert models.Registration.objects.get().error


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({k: v for k, v in ACTIVATED.items() if k != "HTTP_SEC_FETCH_USER"}, "no user activation"),
        ({**ACTIVATED, "HTTP_SEC_FETCH_MODE": "cors", "HTTP_SEC_FETCH_DEST": "empty"}, "not a navigation"),
        ({}, "no Sec-Fetch-Mode"),
        ({**ACTIVATED, "HTTP_REFERER": "http://evil.localhost:8000/"}, "not from"),
    ],
)
def test_without_proof_of_activation_nothing_is_requested(
    client, network, inline, headers, words, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _navigate(client, **headers)
    assert response.status_code == 302  # the navigation itself goes on, as in Chrome
    assert network.requests == []
    assert models.Source.objects.count() == 0
    row = models.Registration.objects.get()
    assert not row.pending and words in row.error
    assert "No request was made" in row.summary
    shown = client.get("/api/internals", HTTP_HOST=BROWSER_HOST).json()["navigations"][0]
    assert shown["state"] == "not registered" and words in shown["summary"]


def test_a_navigate_request_without_a_destination_is_a_clear_400(client):
    response = client.get("/navigate?mechanism=anchor&href=javascript:alert(1)", HTTP_HOST=BROWSER_HOST)
    assert response.status_code == 400
    assert b"is not an http(s) URL" in response.content
    assert models.Registration.objects.count() == 0


@pytest.mark.parametrize("mechanism", ["anchor", "window-open"])
def test_the_page_api_never_registers_a_navigation_source(client, network, mechanism):
    body = {"mechanism": mechanism, "url": f"{ADTECH}/click", "context_origin": NEWS}
    response = client.post(
        "/api/registrations",
        data=json.dumps(body),
        content_type="text/plain",
        HTTP_HOST=BROWSER_HOST,
        HTTP_ORIGIN=NEWS,
    )
    assert response.status_code == 403
    assert (
        "navigation source is only registered by a navigation the person started" in response.json()["error"]
    )
    assert network.requests == [] and models.Registration.objects.count() == 0


def test_a_trigger_waits_for_the_pending_navigation_to_its_site(client, network, monkeypatch):
    """The trigger arrives while the click's source is still being registered: it waits, then matches."""
    network.add(f"{ADTECH}/click", source_response(SHOP, source_event_id="5"))
    network.add(f"{ADTECH}/convert", trigger_response())
    nav = navigation.Navigation("anchor", f"{SHOP}/products/tent-2p", (f"{ADTECH}/click",), NEWS, NEWS)
    monkeypatch.setattr(navigation, "RUNNER", lambda ids: None)  # still pending when the trigger comes
    ids = navigation.start(nav, {k[5:].replace("_", "-").title(): v for k, v in ACTIVATED.items()})
    assert models.Registration.objects.get().pending
    slept = []

    def sleep(seconds: float) -> None:  # the navigation's registration finishes during the wait
        slept.append(seconds)
        navigation.run(ids, transport=network.transport)

    monkeypatch.setattr(navigation_wait.time, "sleep", sleep)
    trigger = register(Context("img", SHOP), f"{ADTECH}/convert", transport=network.transport)
    hop = trigger.hops.get()
    assert slept, "the trigger did not wait"
    assert "waited" in hop.explanation
    assert hop.status.startswith("event-level: success")


def test_a_trigger_does_not_wait_for_navigations_elsewhere_and_gives_up_after_the_timeout(monkeypatch):
    models.Registration.objects.create(
        time_ms=0,
        mechanism="anchor",
        url=f"{ADTECH}/click",
        context_origin=NEWS,
        destination_site="http://shop.localhost",
        pending=True,
    )
    assert navigation_wait.wait_for_navigations("http://other.localhost", profile="default") == ""
    monkeypatch.setattr(navigation_wait.time, "sleep", lambda s: None)
    clock = iter(range(0, 100))
    monkeypatch.setattr(navigation_wait.time, "monotonic", lambda: next(clock))
    said = navigation_wait.wait_for_navigations("http://shop.localhost", profile="default", timeout_s=5)
    assert "still registering" in said
