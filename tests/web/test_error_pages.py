"""Error answers: the demo's own pages for people, each API's own JSON, never Django's debug pages.

Each check runs with DEBUG off (the default) and on: the debug pages list settings, the
environment and every URL pattern, and must not appear either way.
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DEBUG_PAGE_MARKERS = [
    "Traceback",
    "DJANGO_SETTINGS_MODULE",
    "Using the URLconf",
    "seeing this error because",
    "SECRET_KEY",
    "django.core.handlers",
]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def _text(response) -> str:
    return response.content.decode("utf-8", "replace")


def _no_debug_page(response) -> None:
    text = _text(response)
    assert not [m for m in DEBUG_PAGE_MARKERS if m in text], text[:500]


def test_404_is_the_party_page_with_the_navigation(client, debug):
    response = client.get("/no/such/page", HTTP_HOST="news.localhost:8000")
    assert response.status_code == 404
    text = _text(response)
    assert "Page not found" in text and 'class="lab-nav"' in text and "/static/common/lab.css" in text
    assert "The Daily Byte" in text  # the nav marks the current party
    _no_debug_page(response)


def test_404_raised_by_a_view_keeps_its_reason(client, debug):
    response = client.get("/articles/nope/", HTTP_HOST="news.localhost:8000")
    assert response.status_code == 404
    _no_debug_page(response)


def test_500_is_a_friendly_page_and_the_traceback_goes_to_the_log(debug, monkeypatch, caplog):
    import adtech.urls  # noqa: F401  (its API module reads campaigns once, at import)
    from adtech import views

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded with DATABASE_URL=postgres://secret")

    monkeypatch.setattr(views.selectors, "campaigns", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/campaigns/", HTTP_HOST="adtech.localhost:8000")
    assert response.status_code == 500
    text = _text(response)
    assert "Something went wrong" in text and 'class="lab-nav"' in text
    assert "exploded" not in text and "postgres://" not in text
    _no_debug_page(response)
    assert any("exploded" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_500_in_an_api_is_json(debug, monkeypatch):
    from adtech import views

    monkeypatch.setattr(views.selectors, "dashboard_data", lambda: 1 / 0)
    client = Client(raise_request_exception=False)
    response = client.get("/api/dashboard", HTTP_HOST="adtech.localhost:8000")
    assert response.status_code == 500 and set(response.json()) == {"detail"}


def test_unknown_host_is_a_friendly_400(client, debug):
    response = client.get("/", HTTP_HOST="evil.example:8000")
    assert response.status_code == 400
    text = _text(response)
    assert "Unknown host: evil.example" in text and 'class="lab-nav"' in text
    _no_debug_page(response)


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "news.localhost",
        "shop.localhost",
        "adtech.localhost",
        "measure.localhost",
        "browser.localhost",
        "aggregation.localhost",
    ],
)
@pytest.mark.parametrize(
    "path",
    ["/static/../../config/settings.py", "/static/..%2F..%2Fconfig%2Fsettings.py", "/static//etc/passwd"],
)
def test_static_path_traversal_is_not_found_on_every_host(client, debug, host, path):
    response = client.get(path, HTTP_HOST=f"{host}:8000")
    assert response.status_code == 404
    _no_debug_page(response)
    assert b"SECRET_KEY" not in response.content


def test_aggregation_api_errors_are_in_the_service_format(client, debug):
    response = client.get("/v1alpha/nope", HTTP_HOST="aggregation.localhost:8000")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == 404 and body["message"] and body["details"][0]["reason"] == "NOT_FOUND"
    wrong_method = client.put("/v1alpha/createJob", HTTP_HOST="aggregation.localhost:8000")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == 405


def test_drf_api_errors_are_detail(client, debug):
    response = client.post(
        "/api/registrations",
        "[" * 5000,
        content_type="application/json",
        HTTP_HOST="browser.localhost:8000",
        HTTP_ORIGIN="http://news.localhost:8000",
    )
    assert response.status_code == 400 and "nests" in response.json()["detail"]
    missing = client.get("/api/nope", HTTP_HOST="browser.localhost:8000")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_report_receivers_answer_a_short_reason(client, debug):
    response = client.post(
        "/.well-known/attribution-reporting/report-event-attribution",
        "[" * 20000 + "]" * 20000,
        content_type="application/json",
        HTTP_HOST="adtech.localhost:8000",
    )
    assert response.status_code == 400
    assert response.json() == {"error": "the JSON nests more than 32 levels deep"}


def test_csrf_failure_is_friendly_and_cross_site_worker_ping_is_refused(debug):
    client = Client(enforce_csrf_checks=True)
    # A no-cors text/plain POST from another site, as a page elsewhere could send.
    ping = client.post(
        "/worker/ping",
        "x",
        content_type="text/plain",
        HTTP_HOST="localhost:8000",
        HTTP_ORIGIN="https://evil.example",
    )
    assert ping.status_code == 403 and "CSRF" in ping.json()["detail"]
    form = client.post("/reset", HTTP_HOST="localhost:8000")
    assert form.status_code == 403 and 'class="lab-nav"' in _text(form)
    _no_debug_page(form)


def test_worker_ping_from_the_guide_page_still_works(eager_celery):
    client = Client(enforce_csrf_checks=True)
    client.get("/", HTTP_HOST="localhost:8000")  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = client.post("/worker/ping", HTTP_HOST="localhost:8000", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["queued"] is True


def test_runserver_address_from_the_bind_setting():
    from guide.management.commands import rundemo

    assert rundemo.addrport("127.0.0.1", 8000) == "127.0.0.1:8000"
    assert rundemo.addrport("::1", 8000) == "[::1]:8000"


def test_debug_is_off_and_the_demo_binds_to_loopback_by_default():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "ARA_BIND")}
    script = "from config import settings as s; print(s.DEBUG, s.ARA_BIND)"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "127.0.0.1"], out.stderr


def test_errors_outside_views_never_render_the_debug_page(rf, settings):
    """With DEBUG on, Django renders errors raised by middleware through the exception reporter."""
    import sys

    from django.core.exceptions import RequestDataTooBig
    from django.views.debug import technical_500_response

    from config.hosts import party

    settings.DEBUG = True
    request = rf.get("/anything", HTTP_HOST="adtech.localhost:8000", HTTP_ACCEPT="text/html")
    request.party = party("adtech")
    for exc in (RequestDataTooBig("too big"), RuntimeError("DATABASE_URL=postgres://secret")):
        try:
            raise exc
        except Exception:
            response = technical_500_response(request, *sys.exc_info(), status_code=500)
        text = _text(response)
        assert 'class="lab-nav"' in text and "secret" not in text
        _no_debug_page(response)
