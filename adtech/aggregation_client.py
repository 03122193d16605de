"""The ad tech's client of the aggregation service: its HTTP API, nothing else.

The ad tech knows the service the way a real ad tech knows Google's: by its address, its API
key and its API (``POST /v1alpha/createJob``, ``GET /v1alpha/getJob``). The files a job reads
and writes go through the shared storage buckets (``config.storage``), in the formats of
``aggregation_api``. Every failure, a refusal (4xx), a broken service (5xx) or no answer, is an
:class:`AggregationServiceError` that says which, so the pages can show it.

Requests go over httpx; ``*.localhost`` is sent to 127.0.0.1 with the right ``Host``
(``config.loopback``: Python's resolver does not know it, browsers do). The transport is injectable: tests hand in an
``httpx.MockTransport`` or one that routes to the service's Django app.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from aggregation_api.jobs import CREATE_JOB_PATH, GET_JOB_PATH
from config.hosts import party_url
from config.loopback import LoopbackTransport

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# None: the network (through :class:`LoopbackTransport`). Tests set another transport here.
TRANSPORT: httpx.BaseTransport | None = None


class AggregationServiceError(RuntimeError):
    """The service refused a request, failed, or did not answer; ``status`` is None for no answer.

    ``maybe_done`` says whether the service may have acted on the request all the same (a 5xx,
    or no answer after the request was sent): a createJob then needs a getJob to know.
    """

    def __init__(self, message: str, status: int | None = None, *, maybe_done: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.maybe_done = maybe_done or (status or 0) >= 500

    @property
    def unreachable(self) -> bool:
        return self.status is None


def _headers(host: str) -> dict[str, str]:
    """The Host to reach, and the API key the service requires of its clients (when one is set)."""
    headers = {"Host": host}
    if settings.ARA_AGGREGATION_API_KEY:
        headers["Authorization"] = f"Bearer {settings.ARA_AGGREGATION_API_KEY}"
    return headers


def _message(response: httpx.Response) -> str:
    """The service's error message (its JSON error shape), or the start of whatever it sent."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:300]
    return str(body)[:300]


class AggregationClient:
    """createJob and getJob of one aggregation service."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = TIMEOUT,
    ):
        self.base_url = (base_url or party_url("aggregation", "")).rstrip("/")
        self.transport = transport or TRANSPORT or LoopbackTransport()
        self.timeout = timeout

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = self.base_url + path
        with httpx.Client(transport=self.transport, timeout=self.timeout) as http:
            try:
                return http.request(method, url, headers=_headers(urlsplit(url).netloc), **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise AggregationServiceError(
                    f"the aggregation service could not be reached at {self.base_url}: {exc}"
                ) from None
            except httpx.TimeoutException:
                raise AggregationServiceError(
                    f"the aggregation service did not answer in time ({method} {path})", maybe_done=True
                ) from None
            except httpx.HTTPError as exc:
                raise AggregationServiceError(
                    f"the aggregation service's answer was lost ({method} {path}): {exc}", maybe_done=True
                ) from None

    def create_job(self, request: dict[str, Any]) -> None:
        """Submit a job; returns once the service accepted it (202), else raises."""
        response = self._request("POST", CREATE_JOB_PATH, json=request)
        if response.status_code != 202:
            raise AggregationServiceError(
                f"{request.get('job_request_id', '?')}: {response.status_code} {_message(response)}",
                response.status_code,
            )

    def get_job(self, job_request_id: str) -> dict[str, Any] | None:
        """getJob's answer; None when the service does not know the job (404); raises otherwise."""
        response = self._request("GET", GET_JOB_PATH, params={"job_request_id": job_request_id})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise AggregationServiceError(
                f"getJob answered {response.status_code}: {_message(response)}", response.status_code
            )
        try:
            body = response.json()
        except ValueError:
            raise AggregationServiceError("getJob answered something that is not JSON", 200) from None
        if not isinstance(body, dict) or "job_status" not in body:
            raise AggregationServiceError("getJob answered JSON without a job_status", 200)
        return body


def client() -> AggregationClient:
    """The client of the service this ad tech is configured to use."""
    return AggregationClient()
