"""Room mode: signed profile tokens, per-profile isolation, the join chain, limits, the instructor."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from attribution_reporting.reports import EVENT_LEVEL, PENDING
from browser import clock, models, profiles, selectors, services
from browser.network import register
from browser.registration import Context
from browser.storage import DatabaseStorage
from room import tokens
from room.models import Attendee
from tests.room.conftest import ad_tech_stub

pytestmark = pytest.mark.django_db

GUIDE = "localhost:8000"
BROWSER = "browser.localhost:8000"
NEWS_HOST = "news.localhost:8000"
NEWS = "http://news.localhost:8000"
SHOP = "http://shop.localhost:8000"
ADTECH = "http://adtech.localhost:8000"
HOUR = 3_600_000


@pytest.fixture
def room(settings):
    settings.ARA_ROOM = True
    settings.ARA_ROOM_INSTRUCTOR_KEY = "instructor-test-key"
    return settings


def _join(client) -> dict:
    response = client.post("/room/api/join", HTTP_HOST=GUIDE)
    assert response.status_code == 201, response.content
    return response.json()


# --- Tokens ---------------------------------------------------------------------------------


def test_token_round_trip_and_forgeries_are_refused():
    profile = tokens.new_profile_id()
    assert len(profile) == 12
    token = tokens.sign(profile)
    assert tokens.unsign(token) == profile
    forged = [
        profile,  # a bare id
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # altered signature
        tokens.sign(profile).replace(profile, tokens.new_profile_id()),  # another id, same signature
        "default:" + token.split(":", 1)[1],
        "",
    ]
    for bad in forged:
        with pytest.raises(tokens.BadToken):
            tokens.unsign(bad)


def test_a_token_signed_for_something_else_is_refused():
    from django.core import signing

    other = signing.Signer(salt="another.purpose").sign("abcdefghijkl")
    with pytest.raises(tokens.BadToken):
        tokens.unsign(other)


# --- Isolation of the browser's state -----------------------------------------------------------


def test_sources_reports_and_clocks_are_per_profile():
    with profiles.using("alice"):
        register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
        clock.advance(5 * HOUR)
    with profiles.using("bob"):
        # Bob's trigger finds no source: Alice's is not in his browser.
        register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=ad_tech_stub())
        assert selectors.summary()["sources"]["event"] == 0
        assert selectors.summary()["reports_total"] == 0
        assert clock.offset_ms() == 0
    with profiles.using("alice"):
        assert selectors.summary()["sources"]["event"] == 1
        assert clock.offset_ms() == 5 * HOUR
        register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=ad_tech_stub())
        assert selectors.summary()["reports"][EVENT_LEVEL]["pending"] == 1
    # The default profile (the one-person lab) saw none of it.
    assert selectors.summary()["registrations"] == 0
    assert DatabaseStorage().find_sources() == []


def test_resetting_one_profile_leaves_the_others():
    for name in ("alice", "bob"):
        with profiles.using(name):
            register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
            services.set_debug_mode(True)
            services.set_third_party_cookies(False)
    services.clear_profile_data("alice")
    with profiles.using("alice"):
        assert selectors.summary()["registrations"] == 0
        assert selectors.state()["debug_mode"] is False
        assert selectors.state()["third_party_cookies"] is True
    with profiles.using("bob"):
        assert selectors.summary()["sources"]["event"] == 1
        assert selectors.state()["debug_mode"] is True
        assert selectors.state()["third_party_cookies"] is False


def test_delivery_uses_the_reports_profile_and_sends_nothing_of_it(queued):
    from browser import delivery

    with profiles.using("alice7profile"):
        register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
        register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=ad_tech_stub())
        report_id = selectors.reports(kind=EVENT_LEVEL)[0]["report_id"]
    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    # Not due on Alice's clock, so only a forced send goes; the task needs no profile given.
    assert delivery.send_report(report_id, transport=httpx.MockTransport(receive)).startswith("skipped")
    assert delivery.send_report(report_id, force=True, transport=httpx.MockTransport(receive)) == "sent"
    sent = seen[0]
    assert "alice7profile" not in str(sent.url) + sent.content.decode() + json.dumps(dict(sent.headers))
    assert models.Report.objects.get(report_id=report_id).profile == "alice7profile"


# --- The browser host: tokens required in room mode ------------------------------------------------


def test_browser_host_without_room_mode_is_the_default_profile(client):
    assert client.get("/api/summary", HTTP_HOST=BROWSER).status_code == 200
    assert client.get("/room/join", HTTP_HOST=GUIDE).status_code == 404
    response = client.post("/room/api/join", HTTP_HOST=GUIDE)
    assert response.status_code == 404 and "Room mode is off" in response.json()["error"]


def test_browser_host_refuses_missing_and_forged_tokens(client, room):
    missing = client.get("/api/summary", HTTP_HOST=BROWSER)
    assert missing.status_code == 403 and "join the room" in missing.json()["error"]
    joined = _join(client)
    forged = tokens.sign(joined["profile"])[:-2] + "xx"
    response = client.get(f"/api/summary?profile={forged}", HTTP_HOST=BROWSER)
    assert response.status_code == 403 and "forged or altered" in response.json()["error"]
    page = client.get("/", HTTP_HOST=BROWSER, HTTP_COOKIE=f"{tokens.COOKIE}=nope")
    assert page.status_code == 403 and b"forged or altered" in page.content
    # Scripts and report receivers hold no attendee's state.
    assert client.get("/shim.js", HTTP_HOST=BROWSER).status_code == 200


def test_each_attendee_sees_only_their_own_browser(client, room):
    alice, bob = _join(client), _join(client)
    with profiles.using(alice["profile"]):
        register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
    mine = client.get(f"/api/internals?profile={alice['token']}", HTTP_HOST=BROWSER).json()
    theirs = client.get(f"/api/internals?profile={bob['token']}", HTTP_HOST=BROWSER).json()
    assert len(mine["sources"]) == 1 and theirs["sources"] == []
    # Bob's "clear" clears only Bob.
    client.cookies[tokens.COOKIE] = bob["token"]
    page = client.get("/", HTTP_HOST=BROWSER)
    client.post("/actions/clear", {"csrfmiddlewaretoken": page.cookies["csrftoken"].value}, HTTP_HOST=BROWSER)
    with profiles.using(alice["profile"]):
        assert selectors.summary()["sources"]["event"] == 1


def test_limits_answer_429(client, room):
    room.ARA_ROOM_REGISTRATIONS_PER_MINUTE = 2
    joined = _join(client)
    body = json.dumps({"url": f"{ADTECH}/register/source", "mechanism": "img", "context_origin": NEWS})
    for _ in range(2):
        models.Registration.objects.create(
            time_ms=0, mechanism="img", url="x", context_origin=NEWS, profile=joined["profile"]
        )
    response = client.post(
        f"/api/registrations?profile={joined['token']}", body, content_type="text/plain", HTTP_HOST=BROWSER
    )
    assert response.status_code == 429
    assert "per minute" in response.json()["error"] and response["Retry-After"] == "60"
    room.ARA_ROOM_REGISTRATIONS_PER_MINUTE = 100
    room.ARA_ROOM_MAX_SOURCES = 1
    with profiles.using(joined["profile"]):
        register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
    nav = client.get(f"/navigate?profile={joined['token']}&mechanism=anchor&href={SHOP}/", HTTP_HOST=BROWSER)
    assert nav.status_code == 429 and b"ARA_ROOM_MAX_SOURCES" in nav.content
    # Another attendee is not slowed by the first one's limits.
    other = _join(client)
    fine = client.post(
        f"/api/registrations?profile={other['token']}", body, content_type="text/plain", HTTP_HOST=BROWSER
    )
    assert fine.status_code != 429


# --- Joining ------------------------------------------------------------------------------------


def test_join_chain_stores_the_token_first_party_on_every_host(client, room):
    response = client.get("/room/join", HTTP_HOST=GUIDE)
    assert response.status_code == 302
    token = response.cookies[tokens.COOKIE].value
    profile = tokens.unsign(token)
    assert Attendee.objects.filter(profile=profile).exists()
    visited = []
    url = response["Location"]
    while "/.well-known/attributionlab/profile" in url:
        parts = urlsplit(url)
        assert parse_qs(parts.query)["token"] == [token]
        hop = client.get(f"{parts.path}?{parts.query}", HTTP_HOST=parts.netloc)
        assert hop.status_code == 302
        cookie = hop.cookies[tokens.COOKIE]
        assert cookie.value == token and cookie["samesite"] == "None" and cookie["secure"]
        visited.append(parts.netloc.split(":")[0])
        url = hop["Location"]
    assert set(visited) == {
        "news.localhost",
        "shop.localhost",
        "adtech.localhost",
        "measure.localhost",
        "browser.localhost",
        "aggregation.localhost",
    }
    assert url == "http://localhost:8000/"
    home = client.get("/", HTTP_HOST=GUIDE, HTTP_COOKIE=f"{tokens.COOKIE}={token}")
    assert f'data-room-profile="{profile}"'.encode() in home.content


def test_profile_hop_refuses_forged_tokens_and_foreign_redirects(client, room):
    forged = client.get(
        "/.well-known/attributionlab/profile?token=abc:def&next=http://localhost:8000/", HTTP_HOST=NEWS_HOST
    )
    assert forged.status_code == 403 and tokens.COOKIE not in forged.cookies
    token = _join(client)["token"]
    away = client.get(
        f"/.well-known/attributionlab/profile?token={token}&next=https://evil.example/", HTTP_HOST=NEWS_HOST
    )
    assert away.status_code == 302 and away["Location"] == "http://localhost:8000/"


def test_api_join_returns_profile_token_and_cookies(client, room):
    joined = _join(client)
    assert tokens.unsign(joined["token"]) == joined["profile"]
    assert joined["cookies"]["browser.localhost"] == joined["token"]
    assert set(joined["cookies"]) >= {"localhost", "news.localhost", "shop.localhost", "adtech.localhost"}


def test_party_pages_pass_the_token_to_the_shim_and_the_ad_slot(client, room):
    token = _join(client)["token"]
    page = client.get("/", HTTP_HOST=NEWS_HOST, HTTP_COOKIE=f"{tokens.COOKIE}={token}").content.decode()
    from urllib.parse import quote

    assert f'data-profile="{token}"' in page
    assert f"&amp;profile={quote(token, safe='')}" in page  # the ad slot's iframe
    plain = client.get("/", HTTP_HOST=NEWS_HOST, HTTP_COOKIE=f"{tokens.COOKIE}=forged:x").content.decode()
    assert "profile=" not in plain and "data-profile" not in plain


def test_the_first_visit_installs_a_service_worker_that_names_the_profile(client, room):
    from urllib.parse import quote

    token = _join(client)["token"]
    bootstrap = client.get(
        "/",
        HTTP_HOST=NEWS_HOST,
        HTTP_SEC_FETCH_MODE="navigate",
        HTTP_SEC_FETCH_DEST="document",
        HTTP_COOKIE=f"{tokens.COOKIE}={token}",
    ).content.decode()
    assert (
        f'/attributionlab-sw.js?browser=http%3A%2F%2Fbrowser.localhost%3A8000&profile={quote(token, safe="")}"'
        in (bootstrap)
    )


def test_guide_without_joining_shows_the_join_page(client, room):
    home = client.get("/", HTTP_HOST=GUIDE)
    assert home.status_code == 200 and b"Join the room" in home.content
    assert client.get("/steps.json", HTTP_HOST=GUIDE).status_code == 403


def test_guide_reset_clears_only_the_attendees_browser(client, room, monkeypatch):
    import adtech.services

    monkeypatch.setattr(adtech.services, "clear_all_data", lambda: pytest.fail("the ad tech is shared"))
    alice, bob = _join(client), _join(client)
    for who in (alice, bob):
        with profiles.using(who["profile"]):
            register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
    client.cookies[tokens.COOKIE] = alice["token"]
    steps = client.get("/steps.json", HTTP_HOST=GUIDE).json()
    assert steps["steps"][0]["done"]
    client.post("/reset", HTTP_HOST=GUIDE)
    assert not client.get("/steps.json", HTTP_HOST=GUIDE).json()["steps"][0]["done"]
    with profiles.using(bob["profile"]):
        assert selectors.summary()["sources"]["event"] == 1


# --- The instructor -------------------------------------------------------------------------------


def test_instructor_page_needs_the_key(client, room):
    assert client.get("/room/instructor", HTTP_HOST=GUIDE).status_code == 403
    assert client.get("/room/instructor?key=wrong", HTTP_HOST=GUIDE).status_code == 403
    assert client.get("/room/instructor/progress.json", HTTP_HOST=GUIDE).status_code == 403
    assert client.post("/room/instructor/reset", HTTP_HOST=GUIDE).status_code == 403
    # An attendee's token is no key.
    token = _join(client)["token"]
    assert client.get(f"/room/instructor?key={token}", HTTP_HOST=GUIDE).status_code == 403
    entered = client.get("/room/instructor?key=instructor-test-key", HTTP_HOST=GUIDE)
    assert entered.status_code == 302  # the key leaves the address bar
    page = client.get("/room/instructor", HTTP_HOST=GUIDE)
    assert page.status_code == 200 and b"<svg" in page.content and b"/room/join" in page.content
    progress = client.get("/room/instructor/progress.json", HTTP_HOST=GUIDE).json()
    assert progress["joined"] == 1 and progress["attendees"][0]["step_reached"] == 1


def test_instructor_progress_and_room_reset(client, room):
    alice = _join(client)
    with profiles.using(alice["profile"]):
        register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
    headers = {"HTTP_AUTHORIZATION": "Bearer instructor-test-key", "HTTP_HOST": GUIDE}
    row = client.get("/room/instructor/progress.json", **headers).json()["attendees"][0]
    assert row["profile"] == alice["profile"] and row["sources"] == 1 and row["step_reached"] == 2
    reset = client.post("/room/instructor/reset", HTTP_ACCEPT="application/json", **headers)
    assert reset.status_code == 200 and reset.json()["results"]["browser"]["cleared"]
    with profiles.using(alice["profile"]):
        assert selectors.summary()["registrations"] == 0
    assert Attendee.objects.filter(profile=alice["profile"]).exists()


def test_room_reset_from_a_page_needs_the_csrf_token(room):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.get("/room/instructor?key=instructor-test-key", HTTP_HOST=GUIDE)
    assert browser.post("/room/instructor/reset", HTTP_HOST=GUIDE).status_code == 403  # no CSRF token
    page = browser.get("/room/instructor", HTTP_HOST=GUIDE)
    token = page.cookies["csrftoken"].value
    done = browser.post("/room/instructor/reset", {"csrfmiddlewaretoken": token}, HTTP_HOST=GUIDE)
    assert done.status_code == 302
    # A script with the key needs none; without the key, nothing.
    script = Client(enforce_csrf_checks=True)
    assert script.post("/room/instructor/reset", HTTP_HOST=GUIDE).status_code == 403
    ok = script.post(
        "/room/instructor/reset", HTTP_HOST=GUIDE, HTTP_AUTHORIZATION="Bearer instructor-test-key"
    )
    assert ok.status_code == 302


def test_generated_instructor_key_is_kept_in_the_var_dir(room):
    from room import services as room_services

    room.ARA_ROOM_INSTRUCTOR_KEY = ""
    first = room_services.instructor_key()
    assert len(first) >= 20 and room_services.instructor_key() == first
    assert room_services.instructor_key_matches(first) and not room_services.instructor_key_matches("")


# --- Joining: per address and per room ------------------------------------------------------------


def test_joins_per_address_per_minute_answer_429(client, room):
    room.ARA_ROOM_JOINS_PER_MINUTE = 2
    for _ in range(2):
        assert client.post("/room/api/join", HTTP_HOST=GUIDE, REMOTE_ADDR="10.0.0.7").status_code == 201
    refused = client.post("/room/api/join", HTTP_HOST=GUIDE, REMOTE_ADDR="10.0.0.7")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert "ARA_ROOM_JOINS_PER_MINUTE" in refused.json()["error"]
    page = client.get("/room/join", HTTP_HOST=GUIDE, REMOTE_ADDR="10.0.0.7")
    assert page.status_code == 429 and b"Too many requests" in page.content
    assert b"per minute per address" in page.content and tokens.COOKIE not in page.cookies
    assert Attendee.objects.count() == 2
    # Another address joins; a minute later the first one may join again.
    assert client.post("/room/api/join", HTTP_HOST=GUIDE, REMOTE_ADDR="10.0.0.8").status_code == 201
    from datetime import timedelta

    from django.utils import timezone

    Attendee.objects.update(joined_at=timezone.now() - timedelta(seconds=61))
    assert client.post("/room/api/join", HTTP_HOST=GUIDE, REMOTE_ADDR="10.0.0.7").status_code == 201
    # The address itself is not kept, only a keyed hash of it.
    assert not Attendee.objects.filter(client__contains="10.0.0").exists()


def test_the_room_cap_answers_429_for_everyone(client, room):
    room.ARA_ROOM_MAX_ATTENDEES = 2
    _join(client), _join(client)
    full = client.post("/room/api/join", HTTP_HOST=GUIDE, REMOTE_ADDR="10.9.9.9")
    assert full.status_code == 429 and "the room is full" in full.json()["error"]
    assert "ARA_ROOM_MAX_ATTENDEES=2" in full.json()["error"]
    assert Attendee.objects.count() == 2


def test_behind_a_trusted_proxy_the_proxys_own_entry_is_the_address(client, room):
    room.ARA_ROOM_JOINS_PER_MINUTE = 1
    room.ARA_TRUST_X_FORWARDED_FOR = True
    proxy = {"HTTP_HOST": GUIDE, "REMOTE_ADDR": "127.0.0.1"}
    assert client.post("/room/api/join", HTTP_X_FORWARDED_FOR="10.1.1.1", **proxy).status_code == 201
    assert client.post("/room/api/join", HTTP_X_FORWARDED_FOR="10.1.1.2", **proxy).status_code == 201
    # A made-up first entry does not make a new address: the proxy appended the real one last.
    spoofed = client.post("/room/api/join", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.1.1.1", **proxy)
    assert spoofed.status_code == 429
    # Untrusted, the header is ignored: every join is the peer's.
    room.ARA_TRUST_X_FORWARDED_FOR = False
    assert client.post("/room/api/join", HTTP_X_FORWARDED_FOR="10.1.1.3", **proxy).status_code == 201
    assert client.post("/room/api/join", HTTP_X_FORWARDED_FOR="10.1.1.4", **proxy).status_code == 429


# --- No attendee reaches another's data by an id in the URL ---------------------------------------


def _bobs_data(bob: str) -> dict[str, str]:
    """Bob's report, navigation token and page request id, each answered to Bob himself."""
    with profiles.using(bob):
        register(Context("img", NEWS), f"{ADTECH}/register/source", transport=ad_tech_stub())
        register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=ad_tech_stub())
        report_id = selectors.reports(kind=EVENT_LEVEL)[0]["report_id"]
        models.Registration.objects.create(
            time_ms=0, mechanism="anchor", url=f"{ADTECH}/register/source", context_origin=NEWS,
            navigation_token="bobs-navigation", profile=bob,
        )  # fmt: skip
        page = services.PageRequest(url=f"{ADTECH}/register/trigger", context=Context("fetch", SHOP))
        services.fetch_for_page(page, rid="bobs-request", transport=ad_tech_stub())
    return {"report_id": report_id, "token": "bobs-navigation", "rid": "bobs-request"}


def test_an_attendees_token_reaches_no_other_attendees_data_by_id(client, room):
    """Every browser-host route with an id in its path, asked with Alice's token and Bob's ids."""
    from django.urls import URLPattern, get_resolver

    alice, bob = _join(client), _join(client)
    ids = _bobs_data(bob["profile"])

    def ask(token: str, path: str):
        joiner = "&" if "?" in path else "?"
        return client.get(f"{path}{joiner}profile={token}", HTTP_HOST=BROWSER)

    routes = {
        "api/reports/<str:report_id>": "/api/reports/{report_id}",
        "api/navigations/<str:token>": "/api/navigations/{token}",
        "network/outcome/<str:rid>": "/network/outcome/{rid}",
    }
    with_ids = {
        str(p.pattern)
        for p in get_resolver("browser.urls").url_patterns
        if isinstance(p, URLPattern) and p.pattern.converters and not str(p.pattern).startswith("test/")
    }
    # Actions (<slug:name>) are names, not ids; they are walked below with Bob's report id.
    with_ids -= {"actions/<slug:name>", "api/actions/<slug:action>"}
    assert with_ids == set(routes), (
        f"a route with an id that this test does not walk: {with_ids - set(routes)}"
    )
    for template in routes.values():
        path = template.format(**ids)
        unknown = template.format(report_id="no-such-report", token="no-such-nav", rid="no-such-rid")
        mine, theirs, nobodys = (
            ask(bob["token"], path),
            ask(alice["token"], path),
            ask(alice["token"], unknown),
        )
        assert mine.status_code == 200 and _carries(mine, ids), (path, mine.content)
        # Alice gets what an unknown id gets: nothing of Bob's, not even whether it exists.
        assert theirs.status_code == nobodys.status_code, path
        assert not _carries(theirs, ids) and _strip(theirs, path) == _strip(nobodys, unknown), path
    assert ask(alice["token"], f"/api/reports/{ids['report_id']}").status_code == 404

    # The lists and the internals show Alice nothing of Bob's.
    for path in (
        "/api/reports",
        "/api/sources",
        "/api/registrations",
        "/api/registration-hops",
        "/api/internals",
    ):
        listed = ask(alice["token"], path)
        assert listed.status_code == 200 and ids["report_id"] not in listed.content.decode(), path
        assert "bobs-navigation" not in listed.content.decode(), path
    # Sending Bob's report by its id, from Alice's internals: refused, and the report still waits.
    for url in ("/api/actions/send-report", "/actions/send-report"):
        client.post(f"{url}?profile={alice['token']}", {"report_id": ids["report_id"]}, HTTP_HOST=BROWSER)
        assert models.Report.objects.get(report_id=ids["report_id"]).status == PENDING


def _carries(response, ids: dict[str, str]) -> bool:
    """Whether the answer holds any of Bob's records (his report, his navigation's or request's outcome)."""
    body = response.json()
    return bool(body.get("report_id") == ids["report_id"] or body.get("registrations") or body.get("outcome"))


def _strip(response, path: str) -> str:
    """The answer with the asked id taken out, to compare with an unknown id's."""
    text = response.content.decode()
    for part in path.strip("/").split("/"):
        text = text.replace(part, "")
    return text
