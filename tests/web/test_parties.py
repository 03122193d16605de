"""The party table: every host name and origin the suite uses comes from it."""

from __future__ import annotations

from config import hosts
from config.parties import PARTIES, Site
from native.chrome import NativeOrigins
from native.workshop import Lab


def test_labels_and_aliases_are_distinct_hosts():
    labels = [p.label for p in PARTIES] + [a for p in PARTIES for a in p.aliases]
    assert len(labels) == len(set(labels))


def test_origins_leave_out_the_default_port_only():
    assert Site("https", "lab.example", 443).party_origin("publisher") == "https://news.lab.example"
    assert Site("http", "lab.example", 443).party_origin("publisher") == "http://news.lab.example:443"
    assert Site().party_origin("guide") == "http://localhost:8000"
    assert Site().partner_origin() == "http://measure.localhost:8000"


def test_a_partys_site_has_no_port():
    assert Site("https", "lab.example", 8443).party_site("advertiser") == "https://shop.lab.example"
    assert Site().party_site("advertiser") == "http://shop.localhost"


def test_settings_trust_the_page_parties_of_the_table(settings):
    site = Site(settings.ARA_SCHEME, settings.ARA_DOMAIN, settings.ARA_PORT)
    assert site.page_origins() == settings.CSRF_TRUSTED_ORIGINS
    assert set(site.page_origins()) <= set(settings.CORS_ALLOWED_ORIGINS)


def test_routing_follows_the_configured_site(settings):
    settings.ARA_DOMAIN, settings.ARA_PORT, settings.ARA_SCHEME = "lab.example", 8443, "https"
    assert hosts.party_for_host("measure.lab.example").key == "adtech"
    assert hosts.party_for_host("news.localhost") is None
    assert hosts.party_url("aggregation", "/x") == "https://aggregation.lab.example:8443/x"
    assert hosts.party("browser").origin == "https://browser.lab.example:8443"


def test_native_mode_and_the_walk_use_the_same_origins():
    site = Site(port=8613)
    lab = Lab.on(port=8613)
    assert lab.native_origins() == NativeOrigins.of(site)
    assert NativeOrigins.of(site).reporting_origins == (
        "http://adtech.localhost:8613",
        "http://measure.localhost:8613",
    )
    assert lab.shop == site.party_origin("advertiser")
