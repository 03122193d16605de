"""The one ``*.localhost`` rewrite every HTTP client of the project uses."""

from __future__ import annotations

import httpx

from config.loopback import LoopbackTransport, connect_host, is_loopback_origin, loopback_target


def test_localhost_names_connect_to_loopback():
    assert connect_host("adtech.localhost") == "127.0.0.1"
    assert connect_host("LOCALHOST.") == "127.0.0.1"
    assert connect_host("localhost.example") == "localhost.example"
    assert loopback_target("http://localhost/x") == ("http://127.0.0.1/x", "localhost")


def test_transport_keeps_the_host_header():
    seen = {}

    class Inner(httpx.BaseTransport):
        def handle_request(self, request):
            seen["url"], seen["host"] = str(request.url), request.headers["Host"]
            return httpx.Response(204)

    with httpx.Client(transport=LoopbackTransport(Inner())) as client:
        client.get("http://shop.localhost:8000/p")
        assert seen == {"url": "http://127.0.0.1:8000/p", "host": "shop.localhost:8000"}
        client.get("https://example.test/p")
        assert seen["url"] == "https://example.test/p"


def test_loopback_origins():
    assert is_loopback_origin("http://news.localhost:8000")
    assert is_loopback_origin("https://127.0.0.9")
    assert not is_loopback_origin("http://localhost.example")


def test_transports_share_one_tls_context():
    """Every request builds a transport; the CA bundle is loaded once per process, not for each."""
    first, second = LoopbackTransport(), LoopbackTransport()
    try:
        assert first.inner is not second.inner
        assert first.inner._pool._ssl_context is second.inner._pool._ssl_context
    finally:
        first.close()
        second.close()
