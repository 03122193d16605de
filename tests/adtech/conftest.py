"""Fixtures of the ad tech tests: demo campaigns and a client on the ad tech's host."""

from __future__ import annotations

import pytest

HOST = "adtech.localhost:8000"
PARTNER = "measure.localhost:8000"


@pytest.fixture
def demo(db):
    from adtech import demo_data

    demo_data.load()


@pytest.fixture
def adtech(client):
    """A test client whose requests go to the ad tech's host."""
    client.defaults["HTTP_HOST"] = HOST
    return client
