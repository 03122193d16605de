"""Chrome 149 is found, says 149, and the shim steps aside in it (native support detected)."""

from __future__ import annotations

import pytest

from native import chrome


def test_flags_enroll_reporting_origins_and_allowlist_the_coordinator():
    origins = chrome.NativeOrigins(
        reporting_origins=("http://adtech.localhost:8000", "http://measure.localhost:8000"),
        aggregation_origin="http://aggregation.localhost:8000",
    )
    flags = chrome.ara_flags(origins)
    assert flags[0] == "--attribution-reporting-debug-mode"
    assert (
        "--privacy-sandbox-enrollment-overrides=http://adtech.localhost:8000,http://measure.localhost:8000"
        in flags
    )
    assert (
        "--enable-features=PrivacySandboxAdsAPIsOverride,"
        "AggregationServiceMultipleCloudProviders:allowlist/http%3A%2F%2Faggregation.localhost%3A8000"
    ) in flags
    assert "--attribution-reporting-debug-mode" not in chrome.ara_flags(origins, debug_mode=False)


def test_missing_executable_says_how_to_get_it(tmp_path):
    env = {"ARA_CHROME149_DIR": str(tmp_path)}
    assert chrome.executable(env) is None
    assert "make real-chrome" in chrome.missing_reason(env)
    env = {"ARA_CHROME149": str(tmp_path / "nothing")}
    assert "not an executable" in chrome.missing_reason(env)
    with pytest.raises(chrome.ChromeUnavailable):
        chrome.install(env, log=lambda _: None)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chrome149_is_149_and_the_shim_steps_aside(chrome149, lab_server, settings):
    assert chrome149.version.startswith("149.")
    context = chrome149.new_context()
    page = context.new_page()
    try:
        page.goto(f"http://news.localhost:{settings.ARA_PORT}/")
        page.wait_for_function("() => window.attributionLab && window.attributionLab.loaded")
        assert page.evaluate("() => window.attributionLab.native") is True
    finally:
        context.close()
