"""Routes each request to its party's urlconf by host name."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .hosts import PARTIES, party_for_host


def _hostname(request: HttpRequest) -> str:
    raw = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    if raw.startswith("["):  # IPv6 literal
        return raw.split("]")[0] + "]"
    return raw.rsplit(":", 1)[0] if ":" in raw else raw


class HostRoutingMiddleware:
    """Sets ``request.urlconf`` and ``request.party``; unknown hosts get a clear 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hostname = _hostname(request)
        found = party_for_host(hostname)
        if found is None:
            body = render_to_string("unknown_host.html", {"hostname": hostname, "parties": PARTIES})
            return HttpResponse(body, status=400)
        request.party = found
        request.urlconf = found.urlconf
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """A URL with a NUL byte is never a real request; PostgreSQL would refuse it in a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or "%00" in request.META.get("QUERY_STRING", "")
            or "\x00" in request.META.get("QUERY_STRING", "")
        ):
            return HttpResponse(
                "Bad request: the URL contains a NUL byte (%00), which no page here accepts.\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
