"""Runs each scenario in Chrome 149 (native) and in Chromium + the simulated browser, and compares.

The runner lives in the live server's process (it reads the in-memory recorder): the pytest
fixture in ``tests/native/test_fidelity.py`` gives it both browsers and the server. Each scenario
starts from a fresh browser context on either side, and the simulated browser from a clean
store with debug mode on; Chrome 149 runs with ``--attribution-reporting-debug-mode``. After each
step the runner waits until the ad tech has seen nothing new for a short while; after the last,
for longer, so that reports sent right away (both browsers send them at once in debug mode) are in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import compare, recorder
from .scenarios import SCENARIOS, Scenario, Step
from .views import page_url

NATIVE = "chrome149"
SIMULATED = "simulated"
STEP_QUIET_S = 0.5  # nothing new for this long after a step: its registrations are done
# Nothing new for this long after the last step: the reports are in. Measured here, both browsers'
# reports arrive within the last step's own quiet period (debug mode sends at once).
REPORT_QUIET_S = 1.5
MAX_WAIT_S = 15.0
RETRY_PATIENCE = (1.0, 3.0)  # the quiet periods' scale on the first and the second try


@dataclass
class Result:
    scenario: Scenario
    observed: dict[str, dict[str, list]] = field(default_factory=dict)  # browser kind -> observation
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0
    attempts: int = 1

    @property
    def status(self) -> str:
        return "same" if not self.differences else "differs"

    def as_json(self, reason: str | None = None) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "status": self.status,
            "differences": self.differences,
            "reason": reason if self.differences else None,
        }


def _settle(quiet_s: float, *, since: float) -> None:
    """Waits until the recorder has seen nothing for ``quiet_s`` (at most :data:`MAX_WAIT_S`)."""
    deadline = since + MAX_WAIT_S
    while time.monotonic() < deadline:
        last = max(recorder.last_seen(), since)
        if time.monotonic() - last >= quiet_s:
            return
        time.sleep(0.05)


def _do(page: Any, context: Any, scenario: Scenario, step: Step) -> Any:
    """Performs one step; returns the page later steps act on (a popup replaces the opener)."""
    if step.action == "open":
        page.goto(page_url(scenario, step.target), wait_until="load")
    elif step.action == "click":
        target = (
            page.frame_locator(step.frame).locator(step.target) if step.frame else page.locator(step.target)
        )
        if step.lands:
            with page.expect_navigation(url=page_url(scenario, step.lands), wait_until="load"):
                target.click()
        else:
            target.click()
    elif step.action == "popup":
        with context.expect_page() as popup:
            page.click(step.target)
        page = popup.value
        page.wait_for_load_state("load")
    elif step.action == "await":
        page.wait_for_url(page_url(scenario, step.target), wait_until="load")
    else:
        raise ValueError(f"unknown step {step.action!r}")
    return page


def run_in(
    browser: Any, scenario: Scenario, keys: Mapping[str, bytes], *, patience: float = 1.0
) -> dict[str, list]:
    """One run of ``scenario`` in a fresh context of ``browser``; what the ad tech saw, normalized.

    ``patience`` stretches the quiet periods (a second try on a loaded machine waits longer)."""
    recorder.clear()
    context = browser.new_context()
    try:
        page = context.new_page()
        for step in scenario.steps:
            page = _do(page, context, scenario, step)
            _settle(STEP_QUIET_S * patience, since=time.monotonic())
        _settle(REPORT_QUIET_S * patience, since=time.monotonic())
    finally:
        context.close()
    prefix = f"{recorder.REGISTRATION_PREFIX}{scenario.name}/"
    entries = [
        e
        for e in recorder.entries()
        if e["path"].startswith(prefix) or e["path"].startswith(recorder.REPORT_PREFIX)
    ]
    return compare.observe(entries, keys)


def run(
    *,
    native: Any,
    simulated: Any,
    reset_simulated: Callable[[], None],
    keys: Callable[[], Mapping[str, bytes]],
    scenarios: tuple[Scenario, ...] = SCENARIOS,
    log: Callable[[str], None] = lambda _: None,
) -> list[Result]:
    """Runs every scenario on both sides (native first) and returns the comparisons."""
    results = []
    with recorder.recording():
        for scenario in scenarios:
            started = time.monotonic()
            result = Result(scenario)
            # A difference is tried once more with longer quiet periods: a real one is seen again,
            # a report that came late on a loaded machine is not.
            for attempt, patience in enumerate(RETRY_PATIENCE):
                result.observed[NATIVE] = run_in(native, scenario, keys(), patience=patience)
                reset_simulated()
                result.observed[SIMULATED] = run_in(simulated, scenario, keys(), patience=patience)
                result.differences = compare.differences(result.observed[NATIVE], result.observed[SIMULATED])
                result.attempts = attempt + 1
                if not result.differences:
                    break
                reset_simulated()
            result.seconds = time.monotonic() - started
            tries = f", {result.attempts} tries" if result.attempts > 1 else ""
            log(f"{scenario.name}: {result.status} ({result.seconds:.1f} s{tries})")
            results.append(result)
    return results
