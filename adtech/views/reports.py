"""Report receivers: every ``/.well-known/attribution-reporting/...`` endpoint."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config import jsonbody

from .. import intake, services
from .responses import json_error, own_origin

MAX_REPORT_BYTES = 64 * 1024


@csrf_exempt
def receive_report(request: HttpRequest, sub: str) -> HttpResponse:
    """Store a report durably, then answer 200; what is not a report gets a clear 4xx."""
    kind = services.REPORT_PATHS.get(sub.strip("/"))
    if kind is None:
        return json_error(
            404, f"no report endpoint at {request.path}", endpoints=sorted(services.REPORT_PATHS)
        )
    if request.method != "POST":
        response = json_error(405, "reports are sent with POST")
        response["Allow"] = "POST"
        return response
    if request.content_type != "application/json":
        return json_error(415, f"reports are application/json, not {request.content_type or 'unspecified'!r}")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return json_error(400, "Content-Length is not a number")
    if declared > MAX_REPORT_BYTES:
        return json_error(413, f"a report is at most {MAX_REPORT_BYTES} bytes")
    raw = request.read(MAX_REPORT_BYTES + 1)
    if len(raw) > MAX_REPORT_BYTES:
        return json_error(413, f"a report is at most {MAX_REPORT_BYTES} bytes")
    try:
        jsonbody.loads(raw)  # bounded: depth, size, lone surrogates
    except jsonbody.JSONBodyError as exc:
        return json_error(400, str(exc))
    text = raw.decode("utf-8")
    try:
        admitted = intake.admit(kind, text)
    except intake.Refused as exc:
        return json_error(400, str(exc))
    report = services.store_report(
        kind=kind,
        body=text,
        content_type=request.META.get("CONTENT_TYPE", "")[:200],
        reporting_origin=own_origin(request),
        path=request.path,
        report_id=admitted.report_id,
        user_agent=request.headers.get("User-Agent", ""),
    )
    answer = {"stored": report.pk, "kind": kind}
    if report.duplicate_of_id:
        answer["duplicate_of"] = report.duplicate_of_id
    return JsonResponse(answer, status=200)
