"""Opaque-response blocking: Chrome 149's decision, and a blocked response registers nothing."""

from __future__ import annotations

import pytest

from browser import network, orb
from browser.registration import Context
from browser.request_envelope import PageRequest

from .conftest import source_response


@pytest.fixture
def stub(request):
    return request.getfixturevalue("network")


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
NEWS = "http://news.localhost:8000"
AD = "http://adtech.localhost:8000"


def _h(content_type: str | None, nosniff: bool = False, **extra: str) -> list[tuple[str, str]]:
    headers = [("Content-Type", content_type)] if content_type else []
    if nosniff:
        headers.append(("X-Content-Type-Options", "nosniff"))
    return headers + [(k.replace("_", "-"), v) for k, v in extra.items()]


@pytest.mark.parametrize(
    "status, headers, body, words",
    [
        (200, _h("text/html; charset=utf-8"), b"<!doctype html><p>hi</p>", "like HTML"),
        (200, _h("text/html"), b"\n  <!-- an ad -->\n<P>hi", "like HTML"),
        (404, _h("text/html"), b"<html><body>Not found", "like HTML"),
        (200, _h("text/plain"), b"  <?xml version='1.0'?><a/>", "like XML"),
        (200, _h("application/json"), b' { "a" : 1 }', "like JSON"),
        (200, _h("text/javascript"), b")]}'\n[1]", "like JSON"),
        (200, _h("text/html", nosniff=True), b"", "nosniff"),
        (200, _h("text/plain", nosniff=True), b"registered", "nosniff"),
        (200, _h("application/ld+json", nosniff=True), b"", "nosniff"),
        (200, _h("application/pdf"), b"%PDF-1.4", "never an image"),
        (200, _h("Text/CSV"), b"a,b", "never an image"),
        (206, _h("image/png", Content_Range="bytes 100-199/1000"), b"x", "range"),
    ],
)
def test_what_chrome_blocks(status, headers, body, words):
    assert words in (orb.blocked(status, headers, body) or "")


@pytest.mark.parametrize(
    "status, headers, body",
    [
        (204, _h(None, nosniff=True), b""),  # an empty answer with no type
        (200, _h(None, nosniff=True), b"<!doctype html>"),  # no Content-Type: let through
        (200, _h("text/html"), b""),  # empty body
        (200, _h("text/html"), b"registered"),  # labelled HTML, but not HTML
        (200, _h("text/html"), GIF),  # an image, whatever the label
        (200, _h("application/json"), b"[1, 2]"),  # the sniffer only knows objects
        (200, _h("application/json"), b'{"a" "b"}'),  # not an object's first member
        (200, _h("text/plain"), b"registered"),
        (200, _h("text/css", nosniff=True), b"<html>"),  # safelisted
        (200, _h("image/svg+xml", nosniff=True), b"<svg/>"),
        (200, _h("video/mp4", nosniff=True), b"<html>"),
        (200, _h("application/octet-stream"), b"\x00\x01"),
        (
            200,
            _h("text/html", nosniff=True) + [("X-Content-Type-Options", "nosniff")],
            GIF,
        ),  # two: not "nosniff"
        (500, _h("text/javascript"), b"throw 1;"),  # a status alone does not block
        (200, _h("text/html"), b"<!-- a comment, then no line end -->"),
    ],
)
def test_what_chrome_lets_through(status, headers, body):
    assert orb.blocked(status, headers, body) is None


def test_only_no_cors_requests_to_another_origin_are_subject_to_it():
    assert orb.applies("no-cors", NEWS, AD + "/view")
    assert not orb.applies("no-cors", AD, AD + "/view")  # an ad frame on the reporting origin
    assert not orb.applies("cors", NEWS, AD + "/view")
    assert not orb.applies("navigate", NEWS, AD + "/view")
    assert orb.applies("no-cors", "null", AD + "/view")  # an opaque initiator


@pytest.mark.django_db
def test_a_blocked_answer_registers_nothing_and_a_redirect_hop_still_does(stub):
    first = source_response("http://shop.localhost")
    first.status_code, first.headers["Location"] = 302, "http://measure.localhost:8000/s"
    stub.add(f"{AD}/s", first)
    last = source_response("http://shop.localhost", source_event_id="2")
    last.headers["Content-Type"] = "text/html"
    last._content = b"<!doctype html><p>registered</p>"  # noqa: SLF001 (a stub response's body)
    stub.add("http://measure.localhost:8000/s", last)
    ctx = Context(mechanism="img", context_origin=NEWS, frame_origin=NEWS)
    image = network.fetch(
        PageRequest(url=f"{AD}/s", context=ctx, destination="image"), transport=stub.transport
    )
    assert not image.ok and "Opaque-response blocking" in image.error  # the element gets a network error
    hops = list(image.registration.hops.all())
    assert [(h.kind, h.status) for h in hops] == [("source", "success"), ("none", "blockedByOrb")]

    background = network_register(ctx, stub)
    assert [(h.kind, h.status) for h in background.hops.all()] == [
        ("source", "success"),
        ("none", "blockedByOrb"),
    ]


def network_register(ctx, stub):
    return network.register(ctx, f"{AD}/s", transport=stub.transport)


@pytest.mark.django_db
def test_a_cors_fetch_and_a_same_origin_frame_register_from_an_html_answer(stub):
    answer = source_response("http://shop.localhost")
    answer.headers["Content-Type"] = "text/html"
    answer._content = b"<!doctype html>"  # noqa: SLF001
    stub.add(f"{AD}/s", answer)
    fetch_ctx = Context(mechanism="fetch", context_origin=NEWS, frame_origin=NEWS, event_source_eligible=True)
    fetched = network.fetch(
        PageRequest(url=f"{AD}/s", context=fetch_ctx, mode="cors"), transport=stub.transport
    )
    assert fetched.ok and fetched.body == b"<!doctype html>"
    assert [h.kind for h in fetched.registration.hops.all()] == ["source"]
    frame = Context(mechanism="img", context_origin=NEWS, frame_origin=AD)
    assert [h.kind for h in network_register(frame, stub).hops.all()] == ["source"]
