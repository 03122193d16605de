"""The workshop in a real Chrome 149, no shim: from the news site's ads to a summary report of Chrome's reports.

The walk is the one ``make native`` runs (``native/workshop.py``); what is asserted is what the ad
tech received from Chrome, what the guide and the dashboard show, and that the local aggregation
service decrypted Chrome's encrypted payloads to exactly the sums Chrome's debug cleartext gives.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from adtech import storage_bucket
from adtech.models import ReceivedReport, Registration
from aggregation.models import AggregationJob
from aggregation_api.avro_io import read_summary
from native.workshop import Walk

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("ARA_VAR_DIR", REPO / "var")) / "screenshots"


def _eligible(reg: Registration) -> set[str]:
    return set(reg.eligibility)


def test_the_workshop_in_chrome_149_ends_in_a_summary_of_chromes_own_reports(native_lab, chrome):
    lines: list[str] = []
    walk = Walk(chrome, native_lab, log=lines.append, timeout_s=20)
    walk.see_the_ads()
    walk.click_the_tent_ad()
    walk.buy_the_tent()
    reports = walk.wait_for_reports()

    # Every registration came from Chrome itself, with Chrome's own Eligible header (greased).
    regs = list(Registration.objects.order_by("pk"))
    assert {r.browser for r in regs} == {"chrome"}
    assert all(r.status == "answered" and r.eligible_present for r in regs), [(r.url, r.reason) for r in regs]
    sources = [r for r in regs if r.kind == "source"]
    views = [r for r in sources if "type=view" in r.url]
    clicks = [r for r in sources if "type=click" in r.url]
    assert len(views) == 2 and len(clicks) == 1  # both front-page ads were seen; the tent ad was clicked
    assert all(_eligible(r) == {"event-source", "trigger"} for r in views)
    assert _eligible(clicks[0]) == {"navigation-source"}
    triggers = {r.event: r for r in regs if r.kind == "trigger"}
    assert set(triggers) == {"product-view", "add-to-cart", "purchase"}
    assert _eligible(triggers["product-view"]) == {"event-source", "trigger"}  # <img attributionsrc>
    assert _eligible(triggers["add-to-cart"]) == {"trigger"}  # fetch(..., {attributionReporting})
    assert _eligible(triggers["purchase"]) == {"event-source", "trigger"}  # <script attributionsrc>
    assert f"order={walk.result.order_id}" in triggers["purchase"].url

    # Chrome sent, by itself: one event-level and one aggregatable report per conversion, their
    # debug copies (both debug keys are set), and a verbose source-success report per source.
    received = ReceivedReport.objects.filter(browser="chrome")
    assert {r.status for r in received} == {"processed"}
    kinds = sorted(received.values_list("kind", flat=True))
    assert kinds == sorted(
        ["event-level"] * 3
        + ["event-level-debug"] * 3
        + ["aggregatable"] * 3
        + ["aggregatable-debug-copy"] * 3
        + ["verbose-debug"] * 3
    ), kinds
    event_level = {r.event: r.decoded for r in received.filter(kind="event-level")}
    assert {e: d["trigger_data"] for e, d in event_level.items()} == {
        "product-view": "1",
        "add-to-cart": "2",
        "purchase": "3",
    }
    assert all(
        d["source_type"] == "navigation" and d["campaign"] == "trail-tents" for d in event_level.values()
    )
    verbose = [json.loads(r.body)[0] for r in received.filter(kind="verbose-debug")]
    assert {v["type"] for v in verbose} == {"source-success"}
    assert walk.result.click_to_first_event_report_s is not None
    assert walk.result.click_to_first_event_report_s < 20
    assert len(reports) == received.count()

    aggregatable = list(received.filter(kind="aggregatable"))
    for report in aggregatable:
        body = json.loads(report.body)
        # Encrypted to the local coordinator, whose key Chrome fetched from the aggregation service.
        assert body["aggregation_coordinator_origin"] == native_lab.aggregation
        assert json.loads(body["shared_info"])["debug_mode"] == "enabled"
        assert report.debug_contributions, "Chrome's debug cleartext was not decoded"

    # A debug run first: the service's unnoised sums of the decrypted payloads must equal the sums
    # of Chrome's debug cleartext, bucket by bucket.
    debug = walk.summary_report(debug_run=True)
    assert debug is not None
    manifest = storage_bucket.read_manifest(debug["job_request_id"])
    assert manifest["report_count"] == 3 and manifest["reports_with_debug"] == 3
    assert manifest["senders"] == {"chrome": 3}
    exact = {int(b): v for b, v in manifest["exact_sums"].items()}
    assert sum(exact.values()) == sum(c["value"] for r in aggregatable for c in r.debug_contributions)
    job = AggregationJob.objects.get(job_request_id=debug["job_request_id"])
    assert job.return_code == "SUCCESS", job.return_message
    unnoised = {
        row["bucket"]: row["unnoised_metric"]
        for row in read_summary(Path(job.debug_output_path))
        if row["unnoised_metric"]
    }
    assert unnoised == exact
    page = chrome.new_page()
    page.goto(debug["url"])
    assert (
        "equal the exact sums of the debug cleartext" in page.locator("[data-debug-check=equal]").inner_text()
    )
    page.close()

    # Then the summary report proper (noised), whose page shows the exact sums beside it.
    summary = walk.summary_report()
    assert summary is not None and len(summary["rows"]) == len(exact)
    for label, noised, shown_exact, noise, *_ in summary["rows"]:
        assert int(shown_exact) in exact.values(), label
        assert int(noised) - int(shown_exact) == int(noise)
    assert sorted(int(row[2]) for row in summary["rows"]) == sorted(exact.values())

    # The summary page, the dashboard and the guide say these came from a real Chrome 149.
    page = chrome.new_page()
    page.goto(summary["url"])
    assert page.locator("[data-batch-sender=chrome]").inner_text() == "a real Chrome: 3"
    page.goto(native_lab.adtech + "/")
    page.locator("#reports [data-sender=chrome]").first.wait_for()
    assert "real Chrome 149" in page.locator("#reports").inner_text()
    assert (
        "registrations answered, 15 reports received"
        in page.locator("[data-sender-summary=chrome]").inner_text()
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "native-adtech-dashboard.png"), full_page=True)
    page.goto(native_lab.guide + "/")
    done = [page.locator(f'[data-step="{n}"]').get_attribute("class") for n in range(1, 8)]
    assert ["done" in c for c in done] == [True, True, True, False, True, True, True]  # 4: Chrome's internals
    row = page.locator('[data-sender-row="chrome"]').inner_text().split()
    assert row[-5:] == ["3", "3", "3", "3", "9"]
    page.screenshot(path=str(SCREENSHOTS / "native-guide.png"), full_page=True)
