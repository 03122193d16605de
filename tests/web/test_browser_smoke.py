"""Every host opened by its *.localhost name in Debian's Chromium, as a person would."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED = {
    "": "Attribution Lab",
    "news.": "The Daily Byte",
    "shop.": "Trailhead Outfitters",
    "adtech.": "Adtech",
    "browser.": "Simulated browser",
    "aggregation.": "Aggregation service",
}


def test_every_party_opens_in_chromium(lab_server, page, settings):
    port = settings.ARA_PORT
    for prefix, heading in EXPECTED.items():
        page.goto(f"http://{prefix}localhost:{port}/")
        # A first visit to a party page installs the simulated browser's service worker, then reloads.
        page.locator("nav.lab-nav").wait_for()
        assert heading in page.content()
        nav = page.locator("nav.lab-nav a")
        assert nav.count() == 6
        current = page.locator("nav.lab-nav a.current")
        assert current.count() == 1


def test_guide_says_whether_a_worker_is_up(lab_server, page, settings):
    page.goto(f"http://localhost:{settings.ARA_PORT}/")
    state = page.locator("[data-worker-state]")
    assert state.inner_text() in {"Celery worker is up", "No Celery worker seen"}
