"""The service's HTTP API: the coordinator's public keys and createJob / getJob.

createJob and getJob are for the ad tech's server, as on the real service: they require its
API key (``Authorization: Bearer <key>``, as a Google Cloud deployment requires an identity
token) and createJob takes ``application/json`` only, so no web page can create a job (a
cross-site form or a no-cors ``fetch`` can send neither). There is no cookie, hence no CSRF
token. Every error is a JSON body in the service's shape, never a 500.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from aggregation_api.jobs import JOB_REQUEST_ID_RULE, is_valid_job_request_id
from config.errors import aggregation_error
from config.jsonbody import JSONBodyError, loads

from . import selectors, services
from .keys import PUBLIC_KEYS_MAX_AGE, ensure_active_key, public_key_set

MAX_CREATE_JOB_BYTES = 64 * 1024


def _error(status: int, code: str, message: str) -> JsonResponse:
    return aggregation_error(status, message, code)


def _authenticated(request: HttpRequest) -> JsonResponse | None:
    """None when the request carries the API key; else the service's 401 or 403."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = _error(
            401,
            "UNAUTHENTICATED",
            "this API needs the ad tech's API key: send 'Authorization: Bearer <ARA_AGGREGATION_API_KEY>'",
        )
        response["WWW-Authenticate"] = 'Bearer realm="aggregation-service"'
        return response
    expected = settings.ARA_AGGREGATION_API_KEY.encode()
    if not hmac.compare_digest(token.strip().encode("utf-8", "replace"), expected):
        return _error(403, "PERMISSION_DENIED", "the API key is not this service's key")
    return None


def _api(method: str) -> Callable:
    """One method, authenticated; anything else is answered in the service's JSON shape."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != method:
                response = _error(405, "INVALID_ARGUMENT", f"use {method}, not {request.method[:20]}")
                response["Allow"] = method
                return response
            return _authenticated(request) or view(request, *args, **kwargs)

        return csrf_exempt(wrapper)

    return decorate


@require_GET
def public_keys(request: HttpRequest) -> JsonResponse:
    """``{"keys": [{"id", "key"}]}`` with caching headers, as the coordinator serves it."""
    ensure_active_key()
    response = JsonResponse(public_key_set())
    response["Cache-Control"] = f"public, max-age={PUBLIC_KEYS_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@_api("POST")
def create_job(request: HttpRequest) -> JsonResponse:
    if request.content_type != "application/json":
        kind = (request.content_type or "none")[:100]
        return _error(415, "INVALID_ARGUMENT", f"createJob takes application/json, not {kind}")
    raw = request.read(MAX_CREATE_JOB_BYTES + 1)
    if len(raw) > MAX_CREATE_JOB_BYTES:
        return _error(413, "INVALID_ARGUMENT", f"the request body is over {MAX_CREATE_JOB_BYTES} bytes")
    try:
        body = loads(raw or b"null")
    except JSONBodyError as exc:
        return _error(400, "INVALID_ARGUMENT", f"the request body is not JSON the service accepts: {exc}")
    try:
        job = services.create_job(body)
    except services.JobRequestError as exc:
        reason = "DUPLICATE" if exc.status == 409 else "INVALID_ARGUMENT"
        return _error(exc.status, reason, exc.message)
    services.enqueue_job(job)
    return JsonResponse({}, status=202)


@_api("GET")
def get_job(request: HttpRequest) -> JsonResponse:
    job_id = request.GET.get("job_request_id", "")
    if not job_id:
        return _error(400, "INVALID_ARGUMENT", "job_request_id is required")
    if not is_valid_job_request_id(job_id):
        return _error(400, "INVALID_ARGUMENT", f"job_request_id must be {JOB_REQUEST_ID_RULE}")
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
