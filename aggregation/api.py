"""The service's HTTP API: the coordinator's public keys and createJob / getJob.

Plain JSON views: the ad tech's server calls them, no browser does, so there is no CSRF
token to check. Bad input is answered with a JSON error in the service's shape, never a 500.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .keys import PUBLIC_KEYS_MAX_AGE, ensure_active_key, public_key_set


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": status, "message": message, "details": [{"reason": code}]}, status=status)


@require_GET
def public_keys(request: HttpRequest) -> JsonResponse:
    """``{"keys": [{"id", "key"}]}`` with caching headers, as the coordinator serves it."""
    ensure_active_key()
    response = JsonResponse(public_key_set())
    response["Cache-Control"] = f"public, max-age={PUBLIC_KEYS_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt
@require_POST
def create_job(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _error(400, "INVALID_ARGUMENT", "the request body is not JSON")
    try:
        job = services.create_job(body)
    except services.JobRequestError as exc:
        reason = "DUPLICATE" if exc.status == 409 else "INVALID_ARGUMENT"
        return _error(exc.status, reason, exc.message)
    services.enqueue_job(job)
    return JsonResponse({}, status=202)


@require_GET
def get_job(request: HttpRequest) -> JsonResponse:
    job_id = request.GET.get("job_request_id", "")
    if not job_id:
        return _error(400, "INVALID_ARGUMENT", "job_request_id is required")
    job = selectors.get_job(job_id)
    if job is None:
        return _error(404, "NOT_FOUND", f"no job with job_request_id {job_id!r}")
    return JsonResponse(selectors.job_response(job))


@require_GET
def job_progress(request: HttpRequest, job_request_id: str) -> JsonResponse:
    job = selectors.get_job(job_request_id)
    if job is None:
        return _error(404, "NOT_FOUND", f"no job with job_request_id {job_request_id!r}")
    return JsonResponse(selectors.job_progress(job))
