"""The Daily Byte: every page renders, and each registration page uses exactly the markup it shows."""

from __future__ import annotations

import html
import re

import pytest

from publisher import selectors
from publisher.articles import ARTICLES

from .helpers import elements, shown_markups, split_url

pytestmark = pytest.mark.django_db
HOST = "news.localhost:8000"
ADTECH = "adtech.localhost:8000"
PARTNER = "measure.localhost:8000"


def get(client, path: str, status: int = 200) -> str:
    response = client.get(path, HTTP_HOST=HOST)
    assert response.status_code == status, path
    return response.content.decode()


def test_front_page_lists_articles_and_ways(client):
    body = get(client, "/")
    for article in ARTICLES:
        assert article.title in body
    for m in selectors.mechanism_list():
        assert f'href="/ways/{m.slug}/"' in body


def test_front_page_serves_ads_in_cross_site_frames(client):
    frames = elements(get(client, "/"), "iframe")
    assert len(frames) == 2
    for frame in frames:
        netloc, path, params = split_url(frame["src"])
        assert (netloc, path) == (ADTECH, "/ads/serve")
        assert params["slot"].startswith("front-")
    assert {split_url(f["src"])[2].get("creative") for f in frames} == {"tent-leaderboard", "boots-square"}


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_every_article_renders_with_an_ad(client, article):
    body = get(client, f"/articles/{article.slug}/")
    assert article.title in body
    for paragraph in article.paragraphs:
        assert html.escape(paragraph) in body
    (frame,) = elements(body, "iframe")
    netloc, path, params = split_url(frame["src"])
    assert (netloc, path, params["slot"]) == (ADTECH, "/ads/serve", f"article-{article.slug}")
    assert params.get("creative") == article.ad_creative


def test_unknown_article_and_way_are_404(client):
    get(client, "/articles/no-such-story/", status=404)
    get(client, "/ways/no-such-way/", status=404)


def test_ways_index_names_each_mechanism_and_its_eligibility(client):
    body = get(client, "/ways/")
    mechanisms = selectors.mechanism_list()
    assert len(mechanisms) == 8
    for m in mechanisms:
        assert f'href="/ways/{m.slug}/"' in body
        assert m.eligible in body


@pytest.mark.parametrize("slug", [m.slug for m in selectors.mechanism_list()])
def test_each_way_uses_the_markup_it_shows(client, slug):
    body = get(client, f"/ways/{slug}/")
    mechanism = selectors.get_mechanism(slug)
    assert shown_markups(body) == [mechanism.markup]
    demo = re.search(r'<div class="demo-box" data-demo="[^"]+">\n(.*?)\n', body, re.S).group(1)
    assert mechanism.markup.startswith(demo)
    assert mechanism.markup in body  # live, unescaped
    assert f"Attribution-Reporting-Eligible: {mechanism.eligible}" in body
    assert "data-ara-panel" in body
    assert "/static/common/ara-panel.js" in body
    assert 'src="http://browser.localhost:8000/shim.js"' in body


def _registration_urls(body: str) -> list[tuple[str, str]]:
    """(element, url) for each attributionsrc URL (or src when empty) and each URL in inline scripts."""
    found = []
    for tag in ("a", "img", "script"):
        for attrs in elements(body, tag, "attributionsrc"):
            value = attrs["attributionsrc"] or ""
            urls = value.split() or [attrs.get("src")]
            found += [(tag, u) for u in urls]
    demo = body.split('class="demo-box"', 1)[1].split("</div>", 1)[0]
    for script in re.findall(r"<script>(.*?)</script>", demo, re.S):
        found += [("js", u) for u in re.findall(r'"(http://[^"]+/register/source\?[^"]+)"', script)]
    return found


EXPECTED_TYPE = {"navigation": "click", "event": "view"}


@pytest.mark.parametrize("slug", [m.slug for m in selectors.mechanism_list()])
def test_registration_urls_point_at_the_ad_tech(client, slug):
    mechanism = selectors.get_mechanism(slug)
    found = _registration_urls(get(client, f"/ways/{slug}/"))
    assert [u for _, u in found] == list(mechanism.registers)
    for tag, url in found:
        netloc, path, params = split_url(url)
        assert netloc in (ADTECH, PARTNER)
        assert path == "/register/source"
        assert params["campaign"] == "trail-tents"
        assert params["creative"] == "tent-leaderboard"
        assert params["type"] == EXPECTED_TYPE[mechanism.source_type]
        if tag == "a":
            assert mechanism.source_type == "navigation"


def test_two_urls_go_to_two_reporting_origins(client):
    found = _registration_urls(get(client, "/ways/image-two-urls/"))
    assert [split_url(u)[0] for _, u in found] == [ADTECH, PARTNER]
    (img,) = elements(get(client, "/ways/image-two-urls/"), "img", "attributionsrc")
    assert img["src"].startswith("/static/publisher/")  # the banner itself does not register


def test_empty_attributionsrc_registers_the_src(client):
    for slug, tag in (("image-view", "img"), ("script", "script")):
        (el,) = elements(get(client, f"/ways/{slug}/"), tag, "attributionsrc")
        assert el["attributionsrc"] in (None, "")
        assert split_url(el["src"])[1] == "/register/source"


def test_redirect_chain_asks_for_the_partner(client):
    (link,) = elements(get(client, "/ways/redirect-chain/"), "a", "attributionsrc")
    assert split_url(link["attributionsrc"])[2]["chain"] == "partner"
    assert split_url(link["href"])[:2] == ("shop.localhost:8000", "/products/tent-2p")


def test_script_mechanisms_set_the_eligibility_they_claim(client):
    assert "attributionReporting: {eventSourceEligible: true, triggerEligible: false}" in get(
        client, "/ways/fetch/"
    )
    assert "setAttributionReporting({eventSourceEligible: true, triggerEligible: false})" in get(
        client, "/ways/xhr/"
    )
    body = get(client, "/ways/window-open/")
    assert '"_blank"' in body and '"attributionsrc=" + encodeURIComponent(' in body


def test_urls_follow_the_configured_host_names(client, settings):
    settings.ARA_DOMAIN = "lab.example"
    settings.ARA_PORT = 443
    settings.ARA_SCHEME = "https"
    response = client.get("/ways/anchor-click/", HTTP_HOST="news.lab.example")
    (link,) = elements(response.content.decode(), "a", "attributionsrc")
    assert link["attributionsrc"].startswith("https://adtech.lab.example/register/source?")
