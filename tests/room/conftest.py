"""Room tests record what would be queued for delivery instead of talking to a broker, and
register against a stub ad tech."""

import httpx

from tests.browser.conftest import (
    queued,  # noqa: F401  (autouse fixture)
    source_response,
    trigger_response,
)

SHOP = "http://shop.localhost:8000"


def ad_tech_stub() -> httpx.MockTransport:
    """An ad tech that answers every source registration (destination: the shop, a debug key)
    and every trigger registration."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/register/source":
            return source_response(SHOP, debug_key="1")
        return trigger_response()

    return httpx.MockTransport(answer)
