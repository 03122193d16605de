"""Malformed requests at every URL pattern of every host: never a 5xx, never a debug page.

The patterns are read from each host's urlconf (config/hosts.py), so a new endpoint is walked
as soon as it exists. Hypothesis draws the method, the path's variable parts, the query string,
the headers and the body; the answer must be below 500 and show nothing of Django's debug pages.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from config.hosts import PARTIES

pytestmark = pytest.mark.django_db

PORT = 8000
# What only Django's debug pages (or a traceback) would show.
LEAKS = [
    "Traceback (most recent call last)",
    "DJANGO_SETTINGS_MODULE",
    "Using the URLconf defined in",
    "seeing this error because you have",
    "django.core.handlers",
    "SECRET_KEY",
    "CELERY_BROKER_URL",
    "DATABASE_URL",
]


def _routes(patterns, prefix: str = "") -> list[str]:
    """Every pattern as a template: ``jobs/{}/output``, ``static/{}``, ``.well-known/.../{}``."""
    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _routes(p.url_patterns, prefix + _template(str(p.pattern)))
        elif isinstance(p, URLPattern):
            out.append(prefix + _template(str(p.pattern)))
    return out


def _template(pattern: str) -> str:
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", pattern)  # re_path(r"^static/(?P<path>.*)$")
    text = re.sub(r"<(?:\w+:)?\w+>", "{}", text)  # path("jobs/<str:id>/")
    return text.removeprefix("^").removesuffix("$").removesuffix(r"\Z").replace("\\", "")


def _hosts() -> list[str]:
    hosts = []
    for p in PARTIES:
        hosts.append(p.host)
        hosts += [f"{alias}.localhost" for alias in p.aliases]
    return hosts


def _cases() -> list[tuple[str, str]]:
    from config.hosts import party_for_host

    cases = []
    for host in _hosts():
        urlconf = party_for_host(host).urlconf
        cases += [(host, route) for route in sorted(set(_routes(get_resolver(urlconf).url_patterns)))]
    return cases


CASES = _cases()

SEGMENTS = st.sampled_from(
    [
        "x",
        "nope",
        "..",
        "../../config/settings.py",
        "..%2F..%2Fconfig%2Fsettings.py",
        "%2e%2e/%2e%2e/etc/passwd",
        "a%2Fb",
        "%ED%A0%80",  # a lone surrogate, UTF-8-encoded
        "%FF%FE",
        "a" * 300,
        "report-event-attribution",
        "debug/verbose",
        "common/lab.css",
        "%0D%0AX-Injected:%201",
        "%E2%9C%93",
    ]
) | st.text(min_size=1, max_size=20).map(lambda s: quote(s, safe=""))

QUERY = st.one_of(
    st.just(""),
    st.dictionaries(
        st.sampled_from(["id", "type", "kind", "raw", "redirect", "limit", "value", "header", "slot", "x"]),
        st.text(max_size=30) | st.sampled_from(["\r\nX-Injected: 1", "\ud800", "-1", "9" * 40, "%"]),
        max_size=4,
    ).map(
        lambda d: "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in d.items())
    ),
    st.sampled_from(
        [
            "&" * 1500,
            "a=1&" * 1200,
            "%ff%fe=%ed%a0%80",
            "job_request_id=../x",
            "job_request_id=a%2Fb%20c%7C",
            "value=" + "[" * 3000,
            "debug=1",
            ";;;;",
        ]
    ),
)

DEEP = "[" * 5000 + "]" * 5000
BODIES = st.one_of(
    st.just(b""),
    st.binary(max_size=64),
    st.sampled_from(
        [
            DEEP.encode(),
            b'{"a":' * 3000 + b"1" + b"}" * 3000,
            b'{"url": "\\ud800", "mechanism": "img"}',
            b'{"report_id": "\\udfff", "job_request_id": "\\ud800"}',
            b'{"job_request_id": "a/b c|\\u00e9"}',
            b"NaN",
            b'{"x": 1e999}',
            b"x" * 70_000,
            json.dumps({"k": "v" * 300}).encode(),
        ]
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/json; " + "x" * 300,
        "",
    ]
)
ODD_HEADERS = {
    "HTTP_ORIGIN": [
        "http://news.localhost:8000",
        "https://evil.example",
        "null",
        "http://" + "o" * 300 + ".example",
    ],
    "HTTP_ACCEPT": ["application/json", "text/html", "*/*", "image/*"],
    "CONTENT_LENGTH": ["abc", "-1", "1e3", " 5", "\uff10"],
    "HTTP_ATTRIBUTION_REPORTING_ELIGIBLE": ["event-source, trigger", "navigation-source", "\x7f", "a" * 400],
    "HTTP_SEC_FETCH_DEST": ["image", "script", "document", "empty"],
    "HTTP_REFERER": ["http://" + "r" * 300],
    "HTTP_X_LONG": ["h" * 17_000],
    "HTTP_X_NUL": ["a\x00b", "a\r\nX-Injected: 1"],
    "HTTP_AUTHORIZATION": ["Bearer nope", "Bearer ", "Basic Zm9vOmJhcg=="],
}
# Mostly ordinary headers, so that the odd bodies and queries reach the views; sometimes one odd header.
HEADERS = st.one_of(
    st.just({}),
    st.just({}),
    st.sampled_from([(k, v) for k, vs in ODD_HEADERS.items() for v in vs]).map(lambda kv: {kv[0]: kv[1]}),
)
METHODS = st.sampled_from(["GET", "POST", "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PROPFIND"])

WALK = settings(
    max_examples=int(os.environ.get("ARA_WALK_EXAMPLES", "25")),  # more for a deeper local run
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _good_segment(route: str) -> str:
    """A value that reaches the view behind ``route`` (a real report path, a real file)."""
    if route.startswith(".well-known/attribution-reporting/"):
        return "report-event-attribution"
    if route.startswith("static/"):
        return "common/lab.css"
    return "x"


def _request(client, host: str, route: str, method, segments, query, body, content_type, headers):
    segments = segments or [_good_segment(route)] * 3
    path = "/" + route.format(*segments[: route.count("{}")])
    if query:
        path += "?" + query
    extra = {"HTTP_HOST": f"{host}:{PORT}", **headers}
    if body and method in ("GET", "HEAD"):
        body = b""
    if "CONTENT_LENGTH" in extra and not body:
        extra.pop("CONTENT_LENGTH")  # the test client reads what it is told is there
    return client.generic(method, path, body, content_type=content_type, **extra)


KEY = {"HTTP_AUTHORIZATION": "Bearer attribution-lab-demo-aggregation-key"}
NEWS = {"HTTP_ORIGIN": "http://news.localhost:8000"}
REPORT = json.dumps({"report_id": "r-1", "source_event_id": "1", "trigger_data": "1"}).encode()
SURROGATE = b'{"url": "http://adtech.localhost:8000/\\ud800", "report_id": "\\udfff", "value": "\\ud800"}'
# Every field name an endpoint here reads, each too long for any column that stores it.
LONG_FIELDS = json.dumps(
    {
        name: "http://" + "o" * 300 + ".localhost"
        for name in (
            "mechanism",
            "context_origin",
            "frame_origin",
            "header",
            "source_type",
            "value",
            "report_id",
            "source_event_id",
            "trigger_data",
            "job_request_id",
            "kind",
            "action",
            "name",
            "email",
            "sku",
        )
    }
).encode()
LONG_ORIGIN_IN_A_REGISTRATION = json.dumps(
    {"url": "http://adtech.localhost:8000/x", "mechanism": "img", "frame_origin": "http://" + "o" * 300}
).encode()
# Each attack the walk must survive at every URL, tried first (segments None: a value that
# reaches the view); then Hypothesis mixes methods, paths, queries, headers and bodies freely.
PROBES = [
    ("POST", "", DEEP.encode(), "application/json", {**KEY, **NEWS}),
    ("POST", "", DEEP.encode(), "text/plain", NEWS),
    ("PUT", "", DEEP.encode(), "application/json", KEY),
    ("POST", "", SURROGATE, "application/json", {**KEY, **NEWS}),
    ("POST", "", SURROGATE, "text/plain", NEWS),
    ("POST", "", b"x" * 3_000_000, "application/json", KEY),
    ("POST", "", b"{" + b" " * 100_000 + b"}", "text/plain", NEWS),
    ("GET", "a=1&" * 1500, b"", "", KEY),
    ("POST", "", b"a=1&" * 1500, "application/x-www-form-urlencoded", {}),
    ("POST", "", b"--x\r\nbroken", "multipart/form-data", {}),  # no boundary
    ("POST", "", b"--x\r\nbroken", "multipart/form-data; boundary=x", {}),
    ("POST", "", REPORT, "application/json", {"CONTENT_LENGTH": "abc"}),
    (
        "POST",
        "",
        REPORT,
        "application/json; charset=utf-8; x=" + "y" * 300,
        {"HTTP_ORIGIN": "http://" + "o" * 300},
    ),
    ("GET", "", b"", "", {"HTTP_ORIGIN": "http://" + "o" * 300, "HTTP_REFERER": "http://" + "r" * 300}),
    ("POST", "", REPORT, "application/json\x00", {"HTTP_ORIGIN": "http://a\x00b"}),
    ("GET", "raw=a%0D%0Ab&redirect=x%0D%0Ay&destination=%0D%0A&id=%0D%0A&as=img", b"", "", {}),
    ("POST", "", b'{"job_request_id": "a/b c|\\u00e9"}', "application/json", KEY),
    ("POST", "", b"NaN", "application/json", KEY),
    ("POST", "", LONG_FIELDS, "application/json", {**KEY, **NEWS}),
    ("POST", "", LONG_FIELDS, "text/plain", NEWS),
    ("POST", "", LONG_ORIGIN_IN_A_REGISTRATION, "text/plain", NEWS),
]


def _assert_clean(response, where: str) -> None:
    from django.conf import settings as django_settings

    assert response.status_code < 500, (where, response.status_code, response.content[:300])
    if response.streaming:
        content = b"".join(response.streaming_content)
        response.close()
    else:
        content = response.content
    text = content.decode("utf-8", "replace")
    assert django_settings.SECRET_KEY not in text, where
    if response.status_code >= 400:  # pages may name variables; errors show none of this
        leaked = [marker for marker in LEAKS if marker in text]
        assert not leaked, (where, leaked, text[:300])


def _with_probes(test):
    for method, query, body, content_type, headers in reversed(PROBES):
        test = example(
            method=method, segments=None, query=query, body=body, content_type=content_type, headers=headers
        )(test)
    return test


@pytest.fixture
def walk_settings(settings):
    settings.ARA_BROWSER_TEST_PAGES = True  # walk the test pages too


@pytest.mark.parametrize("host,route", CASES, ids=[f"{h}/{r}" for h, r in CASES])
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_every_url_answers_malformed_requests_without_5xx(
    client, walk_settings, settings, debug, host, route
):
    settings.DEBUG = debug  # Django's debug pages must not appear either way

    @WALK
    @_with_probes
    @given(
        method=METHODS,
        segments=st.lists(SEGMENTS, min_size=3, max_size=3),
        query=QUERY,
        body=BODIES,
        content_type=CONTENT_TYPES,
        headers=HEADERS,
    )
    def walk(method, segments, query, body, content_type, headers):
        response = _request(client, host, route, method, segments, query, body, content_type, headers)
        _assert_clean(response, f"{method} {host}/{route} {segments} ?{query[:80]}")

    walk()


def test_walk_covers_every_host_and_the_known_endpoints():
    hosts = {h for h, _ in CASES}
    assert hosts == set(_hosts()) and len(hosts) == 7
    routes = {(h.split(".")[0], r) for h, r in CASES}
    for expected in [
        ("aggregation", "v1alpha/createJob"),
        ("aggregation", "jobs/{}/"),
        ("adtech", ".well-known/attribution-reporting/{}"),
        ("browser", "api/registrations"),
        ("localhost", "worker/ping"),
        ("news", "static/{}"),
    ]:
        assert expected in routes, expected
    assert len(CASES) >= 70
