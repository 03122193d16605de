"""Sites, origins and suitable origins."""

from __future__ import annotations

import pytest

from attribution_reporting.issues import Context
from attribution_reporting.sites import InvalidURL, is_suitable_origin, origin_of, site_of, suitable_site


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.shop.example/cart?x=1", "https://shop.example"),
        ("https://a.b.example.co.uk", "https://example.co.uk"),
        ("https://1.2.3.4:8443/x", "https://1.2.3.4"),
        ("http://news.localhost:8000", "http://news.localhost"),
        ("http://localhost:8000", "http://localhost"),
        ("HTTPS://X.Example.COM", "https://example.com"),
    ],
)
def test_site_of(url: str, site: str) -> None:
    assert site_of(url) == site


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://a.test/x?y#z", "https://a.test"),
        ("https://a.test:443/", "https://a.test"),
        ("http://shop.localhost:8000/cart", "http://shop.localhost:8000"),
        ("https://user:pw@a.test:8443", "https://a.test:8443"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url", ["a.test", "/relative", "https://", "https://a.test:99999", "https://a b.test"]
)
def test_invalid_urls(url: str) -> None:
    with pytest.raises(InvalidURL):
        origin_of(url)


@pytest.mark.parametrize(
    ("origin", "suitable"),
    [
        ("https://a.test", True),
        ("http://localhost:8000", True),
        ("http://shop.localhost:8000", True),
        ("http://127.0.0.1", True),
        ("http://[::1]:8000", True),
        ("http://a.test", False),
        ("ftp://a.test", False),
        ("not a url", False),
    ],
)
def test_is_suitable_origin(origin: str, suitable: bool) -> None:
    assert is_suitable_origin(origin) is suitable


def test_public_suffix_destination_warns() -> None:
    ctx = Context()
    assert suitable_site("https://co.uk", ctx) == "https://co.uk"
    assert [w.msg for w in ctx.warnings] == [
        "co.uk is a public suffix: only triggers from https://co.uk itself will match, not e.g. https://example.co.uk"
    ]
