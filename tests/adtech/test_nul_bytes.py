"""NUL characters in a report: turned away or marked invalid, never a 500 (PostgreSQL stores no NUL)."""

import json

import pytest

from adtech import services
from adtech.models import ReceivedReport

pytestmark = pytest.mark.django_db

PATH = "/.well-known/attribution-reporting/report-event-attribution"
HOST = "adtech.localhost:8000"


def test_escaped_nul_in_the_report_id_is_refused_at_the_door(client):
    body = {
        "attribution_destination": "http://shop.localhost",
        "randomized_trigger_rate": 0.0024263,
        "report_id": "a\u0000b",
        "scheduled_report_time": "1",
        "source_event_id": "1",
        "source_type": "navigation",
        "trigger_data": "1",
    }
    response = client.post(PATH, data=json.dumps(body), content_type="application/json", HTTP_HOST=HOST)
    assert response.status_code == 400
    assert "report_id" in response.json()["error"]
    assert not ReceivedReport.objects.exists()


def test_escaped_nul_in_a_field_makes_the_report_invalid(client):
    body = {
        "attribution_destination": "http://shop.local\u0000host",
        "randomized_trigger_rate": 0.0024263,
        "report_id": "6d1b3b52-4f6e-4b0e-9d4e-1b2c3d4e5f60",
        "scheduled_report_time": "1",
        "source_event_id": "1",
        "source_type": "navigation",
        "trigger_data": "1",
    }
    response = client.post(PATH, data=json.dumps(body), content_type="application/json", HTTP_HOST=HOST)
    assert response.status_code == 200
    report = ReceivedReport.objects.get()
    services.process_report(report.pk)
    report.refresh_from_db()
    assert report.status == "invalid"
    assert "NUL" in report.error


def test_raw_nul_byte_in_the_body_is_a_4xx(client):
    response = client.post(
        PATH, data=b'{"report_id": "a\x00b"}', content_type="application/json", HTTP_HOST=HOST
    )
    assert 400 <= response.status_code < 500
