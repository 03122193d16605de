"""Fixtures for the simulated browser's tests: stub networks and a queue that records."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest


class StubNetwork:
    """An httpx transport answering by URL, recording every request it sees."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[httpx.Request], httpx.Response] | httpx.Response] = {}
        self.requests: list[httpx.Request] = []

    def add(self, url: str, response: httpx.Response | Callable[[httpx.Request], httpx.Response]) -> None:
        self.routes[url] = response

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        route = self.routes.get(url) or self.routes.get(url.split("?")[0])
        if route is None:
            raise httpx.ConnectError(f"no route to {url}", request=request)
        return route(request) if callable(route) else route

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def source_response(destination: str, **fields) -> httpx.Response:
    header = {"destination": destination, "source_event_id": "1", **fields}
    return httpx.Response(200, headers={"Attribution-Reporting-Register-Source": json.dumps(header)})


def trigger_response(**fields) -> httpx.Response:
    header = {"event_trigger_data": [{"trigger_data": "1"}], **fields}
    return httpx.Response(200, headers={"Attribution-Reporting-Register-Trigger": json.dumps(header)})


@pytest.fixture
def network() -> StubNetwork:
    return StubNetwork()


@pytest.fixture(autouse=True)
def queued(monkeypatch) -> list:
    """Records what would be queued for delivery instead of talking to a broker."""
    calls: list = []
    monkeypatch.setattr(
        "browser.delivery.enqueue", lambda report_id, eta_real_ms=None: calls.append((report_id, eta_real_ms))
    )
    # Reports due together go as one task; recorded one by one, as due now (no ETA).
    monkeypatch.setattr("browser.delivery.enqueue_due", lambda ids: calls.extend((rid, None) for rid in ids))
    return calls
