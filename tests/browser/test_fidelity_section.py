"""The internals page's "How the simulated browser differs from Chrome 149" comes from the published table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browser import selectors

pytestmark = pytest.mark.django_db

TABLE = Path(__file__).resolve().parents[2] / "docs" / "fidelity.json"


def test_the_section_lists_every_scenario_that_differs(client):
    rows = json.loads(TABLE.read_text(encoding="utf-8"))
    differs = [r for r in rows if r["status"] == "differs"]
    page = client.get("/", HTTP_HOST="browser.localhost:8000").content.decode()
    assert "How the simulated browser differs from Chrome 149" in page
    assert f"In {len(rows) - len(differs)} of {len(rows)} scenarios" in page
    for row in differs:
        assert f'data-scenario="{row["scenario"]}"' in page
    same = next(r for r in rows if r["status"] == "same")
    assert f'data-scenario="{same["scenario"]}"' not in page


def test_without_a_published_table_the_page_says_so(client, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    assert selectors.fidelity() == {"available": False, "total": 0, "same": 0, "differences": []}
    page = client.get("/", HTTP_HOST="browser.localhost:8000").content.decode()
    assert "No differential run has been published here yet" in page
