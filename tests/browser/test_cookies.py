"""The profile's cookie jar: Chrome's SameSite and third-party rules, and cookie-based debugging."""

from __future__ import annotations

import json

import httpx
import pytest

from browser import clock, cookies, delivery, models, services
from browser.navigation import register_activated
from browser.network import register
from browser.registration import Context
from tests.browser.conftest import source_response

pytestmark = pytest.mark.django_db

NEWS_SITE = "http://news.localhost"
NEWS = "http://news.localhost:8000"
SHOP = "http://shop.localhost:8000"
ADTECH = "http://adtech.localhost:8000"
CROSS = "SameSite=None; Secure"


def _store(url: str, *values: str, top: str = NEWS_SITE) -> list[cookies.SetCookieOutcome]:
    return cookies.ProfileJar().store(url, list(values), top)


def _header(url: str, top: str = NEWS_SITE) -> str | None:
    return cookies.ProfileJar().cookie_header(url, top)


def test_cross_site_only_samesite_none_secure_cookies_are_stored_and_sent():
    outcomes = _store(
        f"{ADTECH}/r",
        f"uid=1; Path=/; {CROSS}",
        "lax=1; SameSite=Lax",
        "plain=1",
        "insecure=1; SameSite=None",
    )
    assert [(o.name, o.stored) for o in outcomes] == [
        ("uid", True),
        ("lax", False),
        ("plain", False),
        ("insecure", False),
    ]
    assert "cross-site" in outcomes[1].reason and "Lax" in outcomes[2].reason
    assert "needs Secure" in outcomes[3].reason
    assert _header(f"{ADTECH}/register/source") == "uid=1"
    assert _header("http://measure.localhost:8000/x") is None  # another host


def test_same_site_requests_use_lax_cookies_too():
    _store(f"{ADTECH}/r", "first=1; SameSite=Lax", top="http://adtech.localhost")
    assert _header(f"{ADTECH}/r", top="http://adtech.localhost") == "first=1"
    assert _header(f"{ADTECH}/r", top=NEWS_SITE) is None  # not sent cross-site


def test_secure_cookies_work_on_http_localhost_but_not_on_plain_http():
    assert _store(f"{ADTECH}/r", f"a=1; {CROSS}")[0].stored
    refused = cookies.parse_set_cookie("a=1; Secure", "http://adtech.example/r", 0)
    assert isinstance(refused, str) and "secure origin" in refused


def test_blocked_third_party_cookies_block_cross_site_but_not_first_party():
    _store(f"{ADTECH}/r", f"uid=1; {CROSS}")
    services.set_third_party_cookies(False)
    assert _header(f"{ADTECH}/r") is None
    assert not _store(f"{ADTECH}/r", f"other=1; {CROSS}")[0].stored
    assert _store(f"{ADTECH}/r", "mine=1", top="http://adtech.localhost")[0].stored
    assert _header(f"{ADTECH}/r", top="http://adtech.localhost") == "uid=1; mine=1"
    assert not cookies.debug_allowed(ADTECH, NEWS_SITE)
    assert cookies.debug_allowed(ADTECH, "http://adtech.localhost")
    services.set_third_party_cookies(True)
    assert cookies.debug_allowed(ADTECH, NEWS_SITE)


def test_expiry_follows_the_virtual_clock_and_deletion():
    _store(f"{ADTECH}/r", f"short=1; Max-Age=3600; {CROSS}", f"long=1; Max-Age=86400; {CROSS}")
    assert _header(f"{ADTECH}/r") == "short=1; long=1"
    clock.advance(2 * 3_600_000)
    assert _header(f"{ADTECH}/r") == "long=1"
    _store(f"{ADTECH}/r", f"long=; Max-Age=0; {CROSS}")
    assert _header(f"{ADTECH}/r") is None
    assert models.Cookie.objects.filter(name="long").count() == 0


def test_domain_path_and_prefixes():
    assert _store(f"{ADTECH}/r", f"d=1; Domain=adtech.localhost; {CROSS}")[0].stored
    assert _header("http://partner.adtech.localhost:8000/x") == "d=1"
    assert not _store(f"{ADTECH}/r", f"x=1; Domain=other.localhost; {CROSS}")[0].stored
    assert not _store(f"{ADTECH}/r", f"__Host-x=1; Path=/p; {CROSS}")[0].stored
    assert _store(f"{ADTECH}/r", f"p=1; Path=/only; {CROSS}")[0].stored
    assert _header(f"{ADTECH}/only/here") == "p=1; d=1"
    assert _header(f"{ADTECH}/onlyx") == "d=1"


def test_registration_requests_carry_and_keep_the_reporting_origins_cookies(network):
    first = source_response(SHOP)
    first.headers["Set-Cookie"] = f"uid=abc; Path=/; {CROSS}"
    network.add(f"{ADTECH}/view", first)
    network.add(f"{ADTECH}/click", source_response(SHOP))
    reg = register(Context("img", NEWS), f"{ADTECH}/view", transport=network.transport)
    assert "cookie" not in network.requests[0].headers
    hop = reg.hops.get()
    assert json.loads(hop.detail)["set_cookies"] == [{"name": "uid", "stored": True, "reason": "stored"}]
    assert "uid=abc" in json.loads(hop.response_headers)["set-cookie"]
    register_activated(Context("anchor", NEWS), f"{ADTECH}/click", transport=network.transport)
    assert network.requests[1].headers["cookie"] == "uid=abc"
    assert json.loads(models.RegistrationHop.objects.last().request_headers)["Cookie"] == "uid=abc"


def test_blocked_third_party_cookies_drop_debug_keys_and_verbose_reports(network):
    services.set_third_party_cookies(False)
    network.add(f"{ADTECH}/view", source_response(SHOP, debug_key="77", debug_reporting=True))
    reg = register(Context("img", NEWS), f"{ADTECH}/view", transport=network.transport)
    detail = json.loads(reg.hops.get().detail)
    assert detail["cookie_based_debugging"] is False
    stored = json.loads(models.Source.objects.get().data)
    assert stored.get("debug_key") is None
    assert not models.Report.objects.filter(kind="verbose-debug").exists()

    services.set_third_party_cookies(True)
    register(Context("img", NEWS), f"{ADTECH}/view", transport=network.transport)
    assert json.loads(models.Source.objects.order_by("-id").first().data)["debug_key"] == "77"
    assert models.Report.objects.filter(kind="verbose-debug").exists()


def test_reports_go_out_without_cookies_and_their_set_cookie_is_ignored(network):
    _store(f"{ADTECH}/r", f"uid=1; {CROSS}")
    from attribution_reporting.reports import VERBOSE_DEBUG, Report, report_url
    from browser.storage import DatabaseStorage

    report = Report(
        report_id="r1",
        kind=VERBOSE_DEBUG,
        url=report_url(ADTECH, VERBOSE_DEBUG),
        reporting_origin=ADTECH,
        report_time_ms=clock.now_ms(),
        body=[{"type": "source-success", "body": {}}],
    )
    DatabaseStorage().add_report(report)
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Set-Cookie": f"fromreport=1; {CROSS}"})

    assert delivery.send_report("r1", force=True, transport=httpx.MockTransport(answer)) == "sent"
    assert "cookie" not in seen[0].headers
    assert not models.Cookie.objects.filter(name="fromreport").exists()


def test_the_setting_through_the_actions_api_and_internals(client):
    from browser.api import run_action

    said = run_action("third-party-cookies", {"allowed": "0"})
    assert said["third_party_cookies"] is False and "blocked" in said["explanation"]
    _store(f"{ADTECH}/r", "first=1", top="http://adtech.localhost")
    data = client.get("/api/internals", HTTP_HOST="browser.localhost:8000").json()
    assert data["state"]["third_party_cookies"] is False
    assert [c["name"] for c in data["cookies"]] == ["first"]
    services.clear_all_data()
    assert cookies.third_party_cookies_allowed() and not models.Cookie.objects.exists()
