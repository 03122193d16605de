"""The simulated browser's JSON API (Django REST framework), under ``/api/``.

``POST /api/registrations`` is the shim's entry point: it is called cross-origin by the
party pages, so it is CSRF-exempt (no cookies are involved) and checks the ``Origin`` header
against the party origins instead. The other POST actions keep Django's CSRF protection and
accept only the browser's own origin (the internals page).
"""

from __future__ import annotations

from django.db import DatabaseError
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attribution_reporting.reports import FAILED, KINDS, PENDING, SENT
from attribution_reporting.time_units import DAY_MS, HOUR_MS
from config.jsonbody import BoundedJSONParser, BoundedPlainTextJSONParser

from . import origins, selectors, services
from .registration import NAVIGATION_MECHANISMS, NAVIGATION_ONLY, RegistrationError


class RegistrationJSONParser(BoundedJSONParser):
    max_bytes = 64 * 1024


class PlainTextJSONParser(BoundedPlainTextJSONParser):
    """The shim posts JSON as text/plain, which keeps the request CORS-simple (no preflight).

    Bounded like every JSON body here: at most 64 KiB (a registration request is a few hundred
    bytes), 32 levels deep, no lone surrogates.
    """

    max_bytes = 64 * 1024


def browser_origin() -> str:
    from config.hosts import party

    return party("browser").origin


def _origin_refused(request: Request, allowed: list[str] | None = None) -> Response | None:
    """A 403 for a page origin that may not use this endpoint (None: every page origin may)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if allowed is None:
        if origins.is_allowed_page_origin(origin):
            return None
        allowed = [*origins.listed_origins(), "any loopback origin"]
    elif origin in allowed:
        return None
    return Response(
        {"error": f"requests from {origin} are not accepted here; allowed origins: {', '.join(allowed)}"},
        status=status.HTTP_403_FORBIDDEN,
    )


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"1", "true", "yes", "on"})


class RegistrationsView(APIView):
    parser_classes = [RegistrationJSONParser, PlainTextJSONParser]

    def get(self, request: Request) -> Response:
        return Response(selectors.registrations(limit=_limit(request)))

    def post(self, request: Request) -> Response:
        refused = _origin_refused(request)
        if refused:
            return refused
        data = request.data if isinstance(request.data, dict) else {}
        url = data.get("url")
        if not isinstance(url, str) or not url:
            return Response(
                {"error": 'give the registration URL as "url"'}, status=status.HTTP_400_BAD_REQUEST
            )
        mechanism = str(data.get("mechanism") or "")
        if mechanism in NAVIGATION_MECHANISMS:
            return Response(
                {
                    "error": NAVIGATION_ONLY,
                    "summary": f"Not registered: {NAVIGATION_ONLY}.",
                    "hops": [],
                    "url": url,
                    "mechanism": mechanism,
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        ctx = services.Context(
            mechanism=mechanism,
            context_origin=str(data.get("context_origin") or request.headers.get("Origin") or ""),
            frame_origin=str(data.get("frame_origin") or ""),
            event_source_eligible=_flag(data.get("event_source_eligible")),
            trigger_eligible=_flag(data.get("trigger_eligible")),
        )
        try:
            registration = services.register(
                ctx,
                url,
                referrer=str(data.get("referrer") or ""),
                user_agent=str(data.get("user_agent") or ""),
            )
        except RegistrationError as exc:
            return Response(
                {"error": str(exc), "summary": f"Not registered: {exc}.", "hops": [], "url": url},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except DatabaseError as exc:
            return Response(
                {
                    "error": str(exc),
                    "summary": f"Not registered: the browser's storage is busy ({exc}).",
                    "url": url,
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(services.outcome_json(registration), status=status.HTTP_201_CREATED)


def _limit(request: Request, default: int = 200) -> int:
    try:
        return max(1, min(1000, int(request.query_params.get("limit", default))))
    except ValueError:
        return default


ENDPOINTS = {
    "registrations": "GET the latest registrations with their hops; POST {mechanism, url, context_origin, "
    "frame_origin, referrer, user_agent, event_source_eligible, trigger_eligible} to make a background "
    "registration request (the shim does, for listed attributionsrc URLs); navigation sources only come "
    "from a user-activated navigation through /navigate, never from this endpoint",
    "navigations/<token>": "GET how the source registrations of one navigation through /navigate went "
    "(the shim asks, for the page that stays open)",
    "registration-hops": "GET every request/response of every registration; ?kind=source|trigger|none|error",
    "sources": "GET stored sources with all their attributes; ?active=1 for unexpired active ones",
    "reports": "GET reports; ?kind=event-level|aggregatable|event-level-debug|aggregatable-debug|"
    "verbose-debug|aggregatable-debug-report|debug and ?status=pending|sent|failed",
    "reports/<report_id>": "GET one report",
    "state": "GET the clock, debug mode, next report time, coordinator and counts",
    "clock": "GET the clock (the same as state)",
    "summary": "GET counts of sources by type, registrations, reports by kind and status",
    "internals": "GET everything the internals page shows, in one request",
    "actions/<name>": "POST advance-hour, advance-day, advance-next-report, advance {ms}, reset-clock, "
    "debug-mode {enabled}, third-party-cookies {allowed}, send-report {report_id}, send-all, clear",
}


class NavigationView(APIView):
    """How the registrations of one navigation (named by the shim's token) went."""

    def get(self, request: Request, token: str) -> Response:
        from . import navigation

        if not token.strip() or len(token) > 64:
            return Response({"error": "a navigation token is 1 to 64 characters"}, status=400)
        return Response(navigation.outcome(token))


class RootView(APIView):
    """What the API offers, for people exploring it."""

    def get(self, request: Request) -> Response:
        base = request.build_absolute_uri("/api/")
        return Response({base + path: what for path, what in ENDPOINTS.items()})


class StateView(APIView):
    def get(self, request: Request) -> Response:
        return Response(selectors.state())


class SummaryView(APIView):
    def get(self, request: Request) -> Response:
        return Response(selectors.summary())


class SourcesView(APIView):
    def get(self, request: Request) -> Response:
        active = request.query_params.get("active")
        return Response(
            selectors.sources(include_inactive=active not in ("1", "true"), limit=_limit(request))
        )


class RegistrationHopsView(APIView):
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        return Response(selectors.registration_hops(kind=kind, limit=_limit(request)))


class ReportsView(APIView):
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        state = request.query_params.get("status") or None
        if kind and kind not in (*KINDS, "debug"):
            return Response(
                {"error": f"unknown kind {kind!r}; one of {', '.join(KINDS)} or debug"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if state and state not in (PENDING, SENT, FAILED):
            return Response(
                {"error": "status is pending, sent or failed"}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(selectors.reports(kind=kind, status=state, limit=_limit(request, 500)))


class ReportView(APIView):
    def get(self, request: Request, report_id: str) -> Response:
        found = selectors.report(report_id)
        if found is None:
            return Response({"error": "no such report"}, status=status.HTTP_404_NOT_FOUND)
        return Response(found)


class InternalsView(APIView):
    """Everything the internals page shows, in one poll."""

    def get(self, request: Request) -> Response:
        return Response(selectors.internals())


@method_decorator(csrf_protect, name="dispatch")
class ActionView(APIView):
    """POST actions: clock, debug mode, send now / all, clear.

    Unlike the shim's endpoint these change the browser's state on behalf of a person, so
    they keep Django's CSRF protection (the internals page sends its token).
    """

    parser_classes = [RegistrationJSONParser, PlainTextJSONParser]

    def post(self, request: Request, action: str) -> Response:
        refused = _origin_refused(request, [browser_origin()])
        if refused:
            return refused
        data = request.data if isinstance(request.data, dict) else {}
        try:
            result = run_action(action, data)
        except (ValueError, KeyError) as exc:
            return Response({"error": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if result is None:
            return Response({"error": f"unknown action {action!r}"}, status=status.HTTP_404_NOT_FOUND)
        return Response(result)


def run_action(action: str, data: dict) -> dict | None:
    """One internals action by name; None for an unknown name. Shared by the API and the page."""
    if action == "advance-hour":
        move = services.advance_clock(by_ms=HOUR_MS)
    elif action == "advance-day":
        move = services.advance_clock(by_ms=DAY_MS)
    elif action == "advance-next-report":
        move = services.advance_clock(to_next_report=True)
    elif action == "advance":
        move = services.advance_clock(by_ms=int(data["ms"]))
    elif action == "reset-clock":
        move = services.reset_clock()
    elif action == "debug-mode":
        services.set_debug_mode(_flag(data.get("enabled")))
        on = selectors.state()["debug_mode"]
        return {"debug_mode": on, "explanation": f"Debug mode is {'on' if on else 'off'}."}
    elif action == "third-party-cookies":
        allowed = _flag(data.get("allowed"))
        services.set_third_party_cookies(allowed)
        word = "allowed" if allowed else "blocked"
        return {
            "third_party_cookies": allowed,
            "explanation": f"Third-party cookies are {word}: "
            + (
                "reporting origins get their cookies on cross-site registrations, and debug keys and verbose "
                "debug reports are allowed."
                if allowed
                else "cross-site registrations carry no cookies, and debug keys and verbose debug reports are "
                "dropped unless the reporting origin is on the page's own site."
            ),
        }
    elif action == "send-report":
        result = services.send_now(str(data["report_id"]))
        return {"report_id": data["report_id"], "result": result, "explanation": result}
    elif action == "send-all":
        results = services.send_all_pending()
        sent = sum(1 for r in results.values() if r == "sent")
        return {"results": results, "explanation": f"{sent} of {len(results)} pending reports sent."}
    elif action == "clear":
        services.clear_data()
        return {
            "explanation": "All sources, registrations and reports are gone; the clock is back to real time."
        }
    else:
        return None
    return {
        "now_ms": move.now_ms,
        "moved_by_ms": move.moved_by_ms,
        "due_report_ids": move.due_report_ids,
        "explanation": move.explanation,
    }
