"""Test-only scenario pages and the ad tech's scenario endpoints (404 unless enabled).

Pages live on the news site and the shop (so registrations are cross-site to the ad tech) and
load the shim, which steps aside in a browser with the API. Endpoints answer each request with
the scenario's answer for that step, whatever the request's headers: the browser decides.
"""

from __future__ import annotations

import json
from functools import wraps
from string import Template

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt

from config.hosts import partner_origin, party_url

from .scenarios import BY_NAME, Scenario

GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def enabled() -> bool:
    return bool(getattr(settings, "ARA_FIDELITY_PAGES", settings.DEBUG))


def test_only(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not enabled():
            raise Http404("fidelity pages are off (set DEBUG or ARA_FIDELITY_PAGES)")
        return view(request, *args, **kwargs)

    return wrapper


def _scenario(name: str) -> Scenario:
    found = BY_NAME.get(name)
    if found is None:
        raise Http404(f"no fidelity scenario {name!r}")
    return found


def endpoint_url(scenario: str, step: str, *, partner: bool = False) -> str:
    base = partner_origin() if partner else party_url("adtech").rstrip("/")
    return f"{base}/test/fidelity/r/{scenario}/{step}"


def page_url(scenario: Scenario, page: str) -> str:
    return party_url(scenario.page_party(page), f"/test/fidelity/page/{scenario.name}/{page}")


def _expand(scenario: Scenario, page: str, html: str) -> str:
    own = party_url(scenario.page_party(page)).rstrip("/")
    values = {
        "R": endpoint_url(scenario.name, "").rstrip("/"),
        "M": endpoint_url(scenario.name, "", partner=True).rstrip("/"),
        "GIF": f"{own}/test/fidelity/pixel.gif",
        "JS": f"{own}/test/fidelity/empty.js",
        **{name.upper(): page_url(scenario, name) for name in scenario.pages},
    }
    return Template(html).safe_substitute(values)


@xframe_options_exempt
@test_only
def page(request: HttpRequest, scenario: str, name: str) -> HttpResponse:
    found = _scenario(scenario)
    if name not in found.pages or found.page_party(name) != request.party.key:
        raise Http404(f"scenario {scenario!r} has no page {name!r} on this host")
    context = {"scenario": found, "page": name, "body": _expand(found, name, found.pages[name])}
    response = render(request, "fidelity/page.html", context)
    response["Cache-Control"] = "no-store"
    return response


@test_only
def pixel(request: HttpRequest) -> HttpResponse:
    return HttpResponse(GIF, content_type="image/gif")


@test_only
def empty_script(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"", content_type="text/javascript")


# Answer bodies a scenario can ask for instead of what the request's destination wants, as
# (Content-Type or None, body, nosniff): what opaque-response blocking decides on. Django's security
# middleware sends X-Content-Type-Options: nosniff on every answer, so an answer without nosniff
# sends the header empty (not "nosniff": the browser sniffs).
BODIES: dict[str, tuple[str | None, bytes, bool]] = {
    "html": ("text/html; charset=utf-8", b"<!doctype html><p>registered</p>", True),
    "html-sniffed": ("text/html; charset=utf-8", b"\n  <!-- an ad -->\n<p>registered</p>", False),
    "html-prose": ("text/html; charset=utf-8", b"registered", False),
    "gif-as-html": ("text/html", GIF, False),
    "json": ("application/json", b'{"registered": true}', False),
    "json-array": ("application/json", b"[1]", False),
    "text": ("text/plain; charset=utf-8", b"registered", False),
    "text-nosniff": ("text/plain; charset=utf-8", b"registered", True),
    "pdf": ("application/pdf", b"%PDF-1.4\n", False),
    "css-nosniff": ("text/css", b"<!doctype html><p>registered</p>", True),
    "no-type": (None, b"<!doctype html><p>registered</p>", True),
}


def _body(request: HttpRequest, kind: str = "") -> HttpResponse:
    """A GIF for images, an empty script for scripts, else 204 with no Content-Type.

    The 204 must not say ``text/html`` (Django's default), or Chrome's opaque-response blocking
    might drop a cross-origin no-cors answer, registration headers and all, before the API sees
    it; the ``orb-*`` scenarios do that on purpose (``kind``, one of :data:`BODIES`).
    """
    if kind:
        content_type, body, nosniff = BODIES[kind]
        response = HttpResponse(body)
        if content_type:
            response["Content-Type"] = content_type
        else:
            del response["Content-Type"]
        response["X-Content-Type-Options"] = "nosniff" if nosniff else ""
        return response
    dest = request.headers.get("Sec-Fetch-Dest", "")
    if dest == "image":
        return HttpResponse(GIF, content_type="image/gif")
    if dest == "script":
        return HttpResponse(b"", content_type="text/javascript")
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response


@test_only
def register(request: HttpRequest, scenario: str, step: str) -> HttpResponse:
    """The scenario's answer for ``step``: registration headers and perhaps a redirect."""
    found = _scenario(scenario)
    if request.party.key != "adtech":
        raise Http404("scenario endpoints are on the ad tech's hosts")
    answer = found.answers.get(step)
    if answer is None:
        raise Http404(f"scenario {scenario!r} has no step {step!r}")
    response = _body(request, answer.body)
    if answer.redirect:
        where, _, target = answer.redirect.partition(":")
        if where == "page":
            location = page_url(found, target)
        else:
            location = endpoint_url(found.name, target, partner=where == "measure")
        response = HttpResponse(status=302)
        response["Location"] = location
    for header, value in (
        ("Attribution-Reporting-Register-Source", answer.source),
        ("Attribution-Reporting-Register-Trigger", answer.trigger),
    ):
        if value is not None:
            response[header] = value if isinstance(value, str) else json.dumps(value)
    if answer.info:
        response["Attribution-Reporting-Info"] = answer.info
    response["Cache-Control"] = "no-store"
    origin = request.headers.get("Origin")
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    return response
