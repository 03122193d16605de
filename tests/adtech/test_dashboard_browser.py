"""The dashboard as a person sees it: it updates by itself when a report arrives."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_shows_a_new_report_without_reload(lab_server, page, settings, eager_celery):
    from adtech import demo_data

    demo_data.load()
    port = settings.ARA_PORT
    page.goto(f"http://adtech.localhost:{port}/")
    page.wait_for_selector("#live-status.ok", timeout=10000)
    body = [
        {
            "type": "trigger-event-low-priority",
            "body": {"attribution_destination": "http://shop.localhost", "source_event_id": "1001000005"},
        }
    ]
    response = httpx.post(
        f"http://127.0.0.1:{port}/.well-known/attribution-reporting/debug/verbose",
        content=json.dumps(body),
        headers={"Host": f"adtech.localhost:{port}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    # Eager Celery: the task runs in the server thread once the report's row is committed.
    page.wait_for_selector("text=What to change: Give important conversions", timeout=10000)
    assert "trigger-event-low-priority" in page.inner_text("#reports")
