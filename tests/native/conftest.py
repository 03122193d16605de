"""Native mode: Chrome 149 against the live server, every party, Celery tasks in-process.

What is asserted is what the ad tech's server received (Playwright cannot see the
Attribution-Reporting-Eligible header: Chrome's network service adds it), read from the ad
tech's records after a bounded wait: Chrome sends reports by itself, in debug mode within seconds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.core.management import call_command

from native.workshop import Lab

T = TypeVar("T")
WAIT_S = 20.0


@pytest.fixture
def native_lab(lab_server, settings, eager_celery) -> Lab:
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return Lab.on(port=settings.ARA_PORT)


@pytest.fixture
def chrome(chrome149, native_lab):
    """A fresh browser context of Chrome 149: its own cookies and its own attribution storage."""
    context = chrome149.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_S * 1000)
    yield context
    context.close()


def wait_for(
    probe: Callable[[], T], what: str, timeout_s: float = WAIT_S, detail: Callable[[], object] | None = None
) -> T:
    """Polls ``probe`` until it returns something truthy; fails saying what was awaited and what was seen."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = detail() if detail else value
            pytest.fail(f"after {timeout_s:g}s still waiting for {what}; seen: {seen!r}")
        time.sleep(0.2)


def native_page(context, url: str):
    """Opens ``url`` and checks that the shim stepped aside: Chrome's own ARA does the work."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => window.attributionLab && window.attributionLab.loaded")
    assert page.evaluate("() => window.attributionLab.native") is True, "the shim did not step aside"
    return page
