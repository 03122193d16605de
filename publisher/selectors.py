"""Read-only look-ups for the news site: articles, ad slots and the source registration pages."""

from __future__ import annotations

from urllib.parse import urlencode

from config.hosts import party_url

from .articles import ARTICLES, BY_SLUG, Article
from .mechanisms import BUILDERS, Mechanism, product_url


def article_list() -> tuple[Article, ...]:
    return ARTICLES


def get_article(slug: str) -> Article | None:
    return BY_SLUG.get(slug)


def ad_slot_url(slot: str, creative: str | None = None) -> str:
    """The ad tech's ad server for one slot: the page embeds it in a cross-site iframe."""
    params = {"slot": slot}
    if creative:
        params["creative"] = creative
    return party_url("adtech", "/ads/serve?" + urlencode(params))


__all__ = ["ad_slot_url", "article_list", "get_article", "get_mechanism", "mechanism_list", "product_url"]


def mechanism_list() -> list[Mechanism]:
    return [build() for build in BUILDERS]


def get_mechanism(slug: str) -> Mechanism | None:
    return next((m for m in mechanism_list() if m.slug == slug), None)
