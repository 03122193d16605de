"""Error answers for every host: friendly pages for people, each API's own JSON for programs.

Nothing here ever shows settings, the environment, URL patterns or a traceback, whether
``DEBUG`` is on or off: the handlers below are every urlconf's ``handler400/403/404/500``,
:class:`ErrorPagesMiddleware` answers exceptions from views (and unknown URLs) before Django's
debug pages could, and :class:`QuietExceptionReporter` replaces the debug page's content for
the few errors raised outside views (a body too large for a middleware to read, say).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core import signals
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import Resolver404, get_resolver
from django.views.debug import ExceptionReporter

log = logging.getLogger("django.request")

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "Request too large",
    414: "Address too long",
    415: "Unsupported content type",
    429: "Too many requests",
    431: "Request headers too large",
    500: "Something went wrong",
}
REASONS = {  # Google's canonical error reasons, for the aggregation service's answers
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    409: "ALREADY_EXISTS",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    431: "INVALID_ARGUMENT",
    500: "INTERNAL",
}
DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    403: "This request is not allowed here.",
    404: "There is nothing at this address.",
    500: "The server failed to answer this request.",
}


def error_style(request: HttpRequest) -> str:
    """How the endpoint at ``request.path`` answers errors: ``aggregation``, ``api``, ``receiver`` or ``html``."""
    party = getattr(request, "party", None)
    key = party.key if party else ""
    path = request.path_info
    if key == "aggregation" and (
        path.startswith(("/v1alpha/", "/.well-known/")) or path.endswith("/progress.json")
    ):
        return "aggregation"
    if path.startswith("/.well-known/attribution-reporting/"):
        return "receiver"
    if path.startswith("/api/") or path.endswith(".json") or (key == "guide" and path.startswith("/worker/")):
        return "api"
    if "application/json" in request.META.get("HTTP_ACCEPT", "")[:1000]:
        return "api"
    return "html"


def aggregation_error(status: int, message: str, reason: str | None = None) -> JsonResponse:
    """The aggregation service's error body: ``{"code", "message", "details": [{"reason"}]}``."""
    body = {
        "code": status,
        "message": message,
        "details": [{"reason": reason or REASONS.get(status, "UNKNOWN")}],
    }
    return JsonResponse(body, status=status)


def error_response(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The answer for ``status`` in the style of the endpoint that was asked."""
    message = message or DEFAULT_MESSAGES.get(status, TITLES.get(status, "Error"))
    style = error_style(request)
    if style == "aggregation":
        response: HttpResponse = aggregation_error(status, message)
    elif style == "api":
        response = JsonResponse({"detail": message}, status=status)
    elif style == "receiver":
        response = JsonResponse({"error": message}, status=status)
    else:
        response = HttpResponse(_page(request, status, message), status=status)
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, status: int, message: str) -> str:
    from .context_processors import parties

    context = {
        **parties(request),
        "status": status,
        "title": TITLES.get(status, "Error"),
        "message": message,
        "path": request.path[:200],
        "method": request.method,
    }
    return render_to_string("error.html", context)


def _message(exception: BaseException | None, fallback: int) -> str:
    """The exception's own words when they are meant for the client (Http404 and friends)."""
    text = str(exception.args[0]) if exception is not None and exception.args else ""
    if not text or not isinstance(exception.args[0], str) or len(text) > 300:
        return DEFAULT_MESSAGES[fallback]
    return text


# Handlers every party's urlconf installs (see config/urls_common.py).
def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    status, message = status_for(exception) if exception is not None else (400, "")
    return error_response(request, status, message)


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return error_response(request, 403, _message(exception, 403))


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return error_response(request, 404, _message(exception, 404) if isinstance(exception, Http404) else "")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(
        request,
        403,
        "This form was not sent by this site's own page (CSRF check failed). Reload the page and try again.",
    )


def status_for(exception: BaseException) -> tuple[int, str]:
    """The status and message for an exception a request caused, ``(500, "")`` if unexpected."""
    if isinstance(exception, Http404 | Resolver404):
        return 404, _message(exception, 404) if isinstance(exception, Http404) else ""
    if isinstance(exception, PermissionDenied):
        return 403, _message(exception, 403)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, f"The request body is larger than this server reads ({limit} bytes)."
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return 400, f"Too many fields or parameters (at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})."
    if isinstance(exception, MultiPartParserError | UnreadablePostError):
        return 400, "The request body could not be read as the form it claims to be."
    if isinstance(exception, SuspiciousOperation | BadRequest):
        return 400, "The request was refused as malformed."
    if isinstance(exception, RecursionError):
        return 400, "The request nests values too deeply."
    return 500, ""


class ErrorPagesMiddleware:
    """Answers exceptions from views, and URLs no pattern matches, with :func:`error_response`.

    With ``DEBUG`` off Django would call the urlconf's handlers anyway; with it on it would show
    its debug pages, which list settings and URL patterns. This answers first, either way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG and not _resolves(request):
            return error_response(request, 404)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        status, message = status_for(exception)
        if status == 500:
            # As Django's own handler does: tell listeners (the test client re-raises) and log it.
            signals.got_request_exception.send(sender=None, request=request)
            log.error("Internal Server Error: %s", request.path, exc_info=sys.exc_info())
        elif status == 400:
            logging.getLogger("django.security").warning("%s: %s", type(exception).__name__, request.path)
        return error_response(request, status, message)


def _resolves(request: HttpRequest) -> bool:
    """True when the path, or the path with a slash appended (CommonMiddleware redirects), resolves."""
    resolver = get_resolver(getattr(request, "urlconf", None))
    for candidate in (request.path_info, request.path_info + "/"):
        try:
            resolver.resolve(candidate)
        except Resolver404:
            continue
        return True
    return False


class QuietExceptionReporter(ExceptionReporter):
    """Stands in for Django's debug page where DEBUG is on and an error escapes the views.

    Django renders it for errors raised by middleware (a body over the upload limit, say);
    the friendly page is shown instead and the traceback goes only to the log.
    """

    def get_traceback_html(self) -> str:
        status, message = status_for(self.exc_value) if self.exc_value else (500, "")
        if self.request is None:
            return f"{status} {TITLES.get(status, 'Error')}: {message}"
        return _page(self.request, status, message or DEFAULT_MESSAGES.get(status, ""))

    def get_traceback_text(self) -> str:
        status, message = status_for(self.exc_value) if self.exc_value else (500, "")
        return f"{TITLES.get(status, 'Error')}: {message or DEFAULT_MESSAGES.get(status, '')}\n"
