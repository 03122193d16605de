"""Every registration mechanism in Debian's Chromium (no native ARA), through the shim.

The pages are the browser app's test pages, served by Playwright under the publisher's and
the shop's host names so that their origins are real party origins; registration endpoints
and the report receiver are the test-only ones on the browser host. Delivery runs eagerly
in the server process (the queue itself is tested with a real worker elsewhere).
"""

from __future__ import annotations

import re

import pytest

from browser import models, testing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MECHANISMS = ("img", "script", "fetch", "xhr", "window-open")


@pytest.fixture
def queued():
    """Overrides the recording queue: here reports really go through (eager) Celery."""
    return None


@pytest.fixture
def site(lab_server, settings, eager_celery):
    settings.ARA_BROWSER_TEST_PAGES = True
    testing.clear_received()
    port = settings.ARA_PORT
    hosts = {name: f"http://{name}.localhost:{port}" for name in ("news", "shop", "browser")}
    return hosts


def _serve(page, url: str, source_url: str) -> None:
    """Answers ``url`` in Chromium with what the browser app serves at ``source_url``.

    The request is re-targeted rather than fulfilled from the test, so the document still comes
    from the loopback server, as Chromium's local-network-access checks expect of a page that
    loads scripts from other ``*.localhost`` hosts.
    """
    page.route(url, lambda route: route.continue_(url=source_url))


def test_each_mechanism_registers_and_a_conversion_is_reported(site, page):
    news, browser = site["news"], site["browser"]
    # The landing page is the browser host's own test page (so the destination is that site): a
    # click's navigation now passes through the simulated browser's /navigate and is redirected
    # there, and Playwright's routes do not re-target redirected requests.
    landing = f"{browser}/test/conversion"
    _serve(page, f"{news}/ads", f"{browser}/test/mechanisms?destination={browser}&landing={landing}")

    # Sources are registered truthfully (no randomized response) so the check below is exact;
    # debug mode is off again before the conversion, so its report waits for its window.
    page.goto(f"{browser}/")
    page.uncheck("#live-updates")  # the test server shares one SQLite connection between threads
    page.click("#debug-toggle")
    page.wait_for_function("document.getElementById('debug-mode').textContent === 'On'")

    page.goto(f"{news}/ads")
    assert page.evaluate("window.attributionLab.native") is False
    page.click("#fetch")
    page.click("#xhr")
    page.click("#later")
    with page.expect_popup():
        page.click("#open")
    for mechanism in MECHANISMS:
        page.wait_for_selector(f'#events li[data-mechanism="{mechanism}"]', timeout=15000)
    page.wait_for_function("document.querySelectorAll('#events li').length >= 6", timeout=15000)
    assert page.locator("#events li").count() == 6  # img twice: the page's pixel and the one added later
    assert "source success" in page.locator('#events li[data-mechanism="img"]').first.inner_text()
    assert page.locator("details[data-attributionlab-panel] .al-item").count() == 6

    types = dict(models.Source.objects.values_list("source_id", "source_type"))
    assert sorted(types.values()) == ["event"] * 5 + ["navigation"]
    hop = models.RegistrationHop.objects.filter(registration__mechanism="fetch").get()
    assert '"Attribution-Reporting-Eligible": "event-source"' in hop.request_headers

    page.goto(f"{browser}/")
    page.uncheck("#live-updates")
    page.wait_for_selector("#sources-table tbody tr")
    assert page.locator("#sources-table tbody tr").count() == 6
    page.click("#debug-toggle")
    page.wait_for_function("document.getElementById('debug-mode').textContent === 'Off'")

    # A click on the ad: a navigation source, then the navigation to the shop's conversion page.
    page.goto(f"{news}/ads")
    # The page's own view registration (the parser-blocking script) first: the click's source is then
    # the latest. The img pixel does not register on this visit, and that is this test page's doing, not a
    # cache: its registration URL is on the simulated browser's own host, which the worker (now in
    # control) never routes, while the first visit's shim fallback did register it. Chrome 149 requests
    # a revisited page's <img attributionsrc> again, and so does the simulated browser for an ad tech on
    # a host of its own (the img-revisit fidelity scenario).
    page.wait_for_selector('#events li[data-mechanism="script"]', timeout=15000)
    page.click("#anchor")
    page.wait_for_url(landing)
    page.wait_for_selector('#events li[data-kind="trigger"]', timeout=15000)
    assert models.Source.objects.filter(source_type="navigation").count() == 2
    trigger = models.RegistrationHop.objects.get(kind="trigger")
    assert trigger.status.startswith("event-level: success")

    # Both debug keys are set: the debug copy is sent at once.
    received = {r["path"] for r in testing.received()}
    assert "debug/report-event-attribution" in received
    assert "report-event-attribution" not in received

    # The event-level report waits for the end of the first report window (2 days).
    page.goto(f"{browser}/#event-reports")
    page.uncheck("#live-updates")
    page.wait_for_selector('#event-reports-table tr[data-status="pending"]')
    for _ in range(4):
        if any(r["path"] == "report-event-attribution" for r in testing.received()):
            break
        page.click("#advance-next")
        page.wait_for_timeout(500)
    reports = [r for r in testing.received() if r["path"] == "report-event-attribution"]
    assert len(reports) == 1
    body = reports[0]["body"]
    assert body["source_event_id"] == "1" and body["trigger_data"] == "3"
    assert body["attribution_destination"] == "http://browser.localhost"
    assert reports[0]["content_type"] == "application/json" and reports[0]["cookie"] is None
    page.wait_for_selector('#event-reports-table tr[data-status="sent"]')
    assert re.search(r"Ahead of real time by [12] d", page.locator("#clock-offset").inner_text())


def test_a_trigger_in_a_new_tab_waits_for_the_clicks_slow_source(site, page):
    """The ad tech answers the click's registration slowly; the landing page in the new tab converts meanwhile."""
    news, browser = site["news"], site["browser"]
    landing = f"{browser}/test/conversion"
    _serve(page, f"{news}/clicks", f"{browser}/test/clicks?destination={browser}&landing={landing}&delay=1.5")
    page.goto(f"{news}/clicks")
    with page.expect_popup() as opened:
        page.click("#newtab")
    tab = opened.value
    tab.wait_for_selector('#events li[data-kind="trigger"]', timeout=15000)
    trigger = models.RegistrationHop.objects.get(kind="trigger")
    assert "waited" in trigger.explanation, trigger.explanation
    assert trigger.status.startswith("event-level: success"), trigger.status
    click = models.Registration.objects.get(mechanism="anchor")
    assert click.navigation_url == landing and not click.pending
    # The page that stayed open learns how its click's registration went.
    page.wait_for_function(
        "() => window.attributionLab.outcomes.some((o) => o.mechanism === 'anchor' && o.hops.length)",
        timeout=15000,
    )
