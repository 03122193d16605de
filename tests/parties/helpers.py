"""Small HTML helpers for the party page tests."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(body: str, tag: str | None = None, attr: str | None = None) -> list[dict[str, str | None]]:
    """Attributes of every element (optionally of one tag, or having one attribute), entities decoded."""
    collector = _Collector()
    collector.feed(body)
    return [a for t, a in collector.elements if (tag is None or t == tag) and (attr is None or attr in a)]


def shown_markups(body: str) -> list[str]:
    """The markup strings a page displays in its ``<pre data-markup>`` blocks, unescaped."""
    return [
        html.unescape(m)
        for m in re.findall(r"<pre[^>]*data-markup[^>]*><code>(.*?)</code></pre>", body, re.S)
    ]


def split_url(url: str) -> tuple[str, str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.netloc, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
