"""The differential suite: each scenario in Chrome 149 and in Chromium + the simulated browser.

Both runs must look the same to the ad tech's server (see ``fidelity/compare.py`` for what is
compared and what is masked). A scenario listed in ``fidelity_known_differences.json`` is a
strict expected failure with its reason there: it fails the build when it starts to match, or
differs otherwise than ``docs/fidelity.json`` says (update both with ``python manage.py fidelity
--update-known``), and any other scenario that starts to differ fails it too. ``python manage.py fidelity`` runs this module and prints the table.

One browser of each kind serves every scenario; each scenario gets fresh contexts. The
scenarios run once, in a module fixture, for the selected tests only.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from fidelity import runner
from fidelity.scenarios import BY_NAME, SCENARIOS

KNOWN_PATH = Path(__file__).with_name("fidelity_known_differences.json")
KNOWN: dict[str, str] = json.loads(KNOWN_PATH.read_text())
OUT_ENV = "ARA_FIDELITY_OUT"  # where `manage.py fidelity` asks the results to be written

pytestmark = pytest.mark.browser


def _selected(request) -> tuple:
    names = {
        item.callspec.params["name"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec") and "name" in item.callspec.params
    }
    return tuple(s for s in SCENARIOS if s.name in names)


def _reset_simulated() -> None:
    from browser import services

    services.clear_all_data()
    services.set_debug_mode(True)


@pytest.fixture(scope="module")
def fidelity_results(
    request, chrome149, chromium, live_server, django_db_setup, django_db_blocker, tmp_path_factory
):
    """Runs the selected scenarios once on both sides; ``{name: runner.Result}``."""
    from django.core.management import call_command
    from django.test import override_settings

    from aggregation import keys
    from config.celery import app

    port = int(live_server.url.rsplit(":", 1)[1])
    origins = [f"http://{sub}.localhost:{port}" for sub in ("news", "shop", "adtech")]
    overrides = override_settings(
        ARA_PORT=port,
        ARA_FIDELITY_PAGES=True,
        CORS_ALLOWED_ORIGINS=origins,
        CSRF_TRUSTED_ORIGINS=origins,
        VAR_DIR=tmp_path_factory.mktemp("fidelity-var"),
    )
    eager = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    with django_db_blocker.unblock(), overrides:
        app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
        try:
            keys.ensure_active_key()
            started = time.monotonic()
            results = runner.run(
                native=chrome149,
                simulated=chromium,
                reset_simulated=_reset_simulated,
                keys=keys.decryption_keys,
                scenarios=_selected(request),
            )
            seconds = time.monotonic() - started
            out = os.environ.get(OUT_ENV)
            if out:
                Path(out).write_text(
                    json.dumps(
                        {
                            "seconds": seconds,
                            "results": [
                                {**r.as_json(KNOWN.get(r.scenario.name)), "observed": r.observed}
                                for r in results
                            ],
                        },
                        indent=2,
                    )
                )
            yield {r.scenario.name: r for r in results}
        finally:
            app.conf.task_always_eager, app.conf.task_eager_propagates = eager
            from celery._state import _set_task_join_will_block

            _set_task_join_will_block(False)
            call_command("flush", interactive=False, verbosity=0)


def _params() -> list:
    return [
        pytest.param(
            s.name,
            id=s.name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN[s.name])] if s.name in KNOWN else [],
        )
        for s in SCENARIOS
    ]


@pytest.mark.parametrize("name", _params())
def test_the_ad_tech_sees_the_same_as_from_chrome149(name, fidelity_results):
    result = fidelity_results[name]
    assert not result.differences, "\n".join(result.differences)


def test_known_differences_have_not_drifted(fidelity_results):
    """Each scenario known to differ still differs exactly as published in docs/fidelity.json."""
    from fidelity import report

    published = {r["scenario"]: r["differences"] for r in json.loads(report.DOCS_JSON.read_text())}
    drifted = [
        name
        for name in KNOWN
        if name in fidelity_results and fidelity_results[name].differences != published.get(name)
    ]
    assert not drifted, (
        f"{drifted} differ otherwise than docs/fidelity.json says: run `python manage.py fidelity "
        "--update-known` and check the reasons"
    )


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_chrome149_took_part(name, fidelity_results):
    """Guards the comparison: a scenario where Chrome 149 made no request at all compares nothing."""
    seen = fidelity_results[name].observed[runner.NATIVE]
    assert seen["registration requests"], "Chrome 149 made no registration request in this scenario"


def test_known_differences_name_real_scenarios_with_reasons():
    assert set(KNOWN) <= set(BY_NAME), set(KNOWN) - set(BY_NAME)
    assert all(isinstance(r, str) and r.strip() for r in KNOWN.values())
