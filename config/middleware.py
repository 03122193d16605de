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
            context = {"hostname": hostname[:200], "parties": PARTIES}
            return HttpResponse(render_to_string("unknown_host.html", context, request=request), status=400)
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


# Bounds every request meets before any view (and before Django parses the query string).
MAX_URL_BYTES = 64 * 1024
# Browsers send every cookie of `localhost` to each port: leave room for other local apps' cookies.
MAX_HEADER_BYTES = 16 * 1024


class RequestLimitsMiddleware:
    """Refuses, cheaply and first, what no endpoint here can use: a clear 4xx, never a slow 500.

    Too many query parameters (Django would parse them all, then refuse), an URL or a header
    over its size, a header value with control characters (NUL, CR, LF: PostgreSQL stores no
    NUL), a ``Content-Length`` that is not a number, or a body larger than the server reads.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = request_problem(request.META)
        if problem:
            from .errors import error_response

            return error_response(request, *problem)
        return self.get_response(request)


def request_problem(meta: dict) -> tuple[int, str] | None:
    """``(status, reason)`` for a request refused on its URL, headers or declared size."""
    from django.conf import settings

    query = meta.get("QUERY_STRING", "")
    if len(query) + len(meta.get("PATH_INFO", "")) > MAX_URL_BYTES:
        return 414, f"The URL is longer than {MAX_URL_BYTES} bytes."
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if limit is not None and query.count("&") >= limit:
        return 400, f"Too many query parameters (at most {limit})."
    for name, value in meta.items():
        if not (name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")):
            continue
        if not isinstance(value, str):
            continue
        if len(value) > MAX_HEADER_BYTES:
            return 431, f"The {_header_name(name)} header is longer than {MAX_HEADER_BYTES} bytes."
        if "\x00" in value or "\r" in value or "\n" in value:
            return 400, f"The {_header_name(name)} header holds a control character (NUL, CR or LF)."
    declared = meta.get("CONTENT_LENGTH")
    if declared:
        if not declared.isascii() or not declared.strip().isdigit():
            return 400, f"Content-Length must be a number of bytes, not {declared[:40]!r}."
        if int(declared) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return (
                413,
                f"The request body is larger than this server reads ({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).",
            )
    return None


def _header_name(meta_key: str) -> str:
    name = meta_key[5:] if meta_key.startswith("HTTP_") else meta_key
    return "-".join(part.capitalize() for part in name.split("_"))
