"""What a page's request chain leaves in attribution internals: its registration and every hop.

An eligible request is always recorded, as Chrome's internals list it; a plain one only once a
hop carries a registration header (it may still register a trigger). A chain that stops early
is recorded with why, as a hop of kind "error", so the page and internals can explain it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from . import clock, models
from .http_client import Exchange
from .registration import REGISTRATION_HEADERS, Context, finish_registration, record_hop, save_hop
from .request_envelope import PageResponse


def carries_registration(response: httpx.Response) -> bool:
    """Whether the response has any ``Attribution-Reporting-Register-*`` header."""
    return any(name in response.headers for name in REGISTRATION_HEADERS)


@dataclass
class ChainRecord:
    """The registration row of one request chain, made on first need.

    ``registration`` is given for a navigation (the row :mod:`browser.navigation` created when
    it saw the user activation); otherwise it is made by :meth:`record`.
    """

    ctx: Context
    url: str
    eligible: str | None
    registration: models.Registration | None = None

    def record(self) -> models.Registration:
        """The chain's registration row, made now if there is none yet."""
        if self.registration is None:
            self.registration = models.Registration.objects.create(
                time_ms=clock.now_ms(),
                mechanism=self.ctx.mechanism,
                url=self.url,
                context_origin=self.ctx.context_origin,
                frame_origin=self.ctx.frame_origin,
                eligible=self.eligible if self.eligible is not None else "",
                profile=self.ctx.profile,
            )
        return self.registration

    def hop(self, index: int, url: str, exchange: Exchange) -> None:
        """Feeds a hop's response to the engine and stores it, when the chain is shown or it registers."""
        if self.eligible is not None or carries_registration(exchange.response):
            record_hop(self.record(), index, url, exchange, self.ctx, self.eligible)

    def request_failed(self, index: int, url: str, headers: dict[str, str], explanation: str) -> bool:
        """Stores a hop whose request failed, if the chain is recorded; whether it was."""
        if self.registration is None:
            return False
        save_hop(
            self.registration,
            index,
            url,
            headers,
            None,
            kind="error",
            status="requestFailed",
            explanation=explanation,
        )
        return True

    def blocked(self, index: int, url: str, exchange: Exchange, explanation: str) -> None:
        """Stores a hop whose response opaque-response blocking dropped (nothing registered from it)."""
        if self.eligible is not None or carries_registration(exchange.response):
            save_hop(
                self.record(),
                index,
                url,
                exchange.request_headers,
                exchange.response,
                kind="none",
                status="blockedByOrb",
                explanation=explanation,
            )

    def fail(
        self, result: PageResponse, message: str, *, url: str = "", recorded: bool = False
    ) -> PageResponse:
        """The request chain stops; internals list why (as a hop of kind "error")."""
        result.error = message
        if self.eligible is not None or self.registration is not None:
            found = self.record()
            if not recorded:
                save_hop(
                    found,
                    found.hops.count(),
                    url or self.url,
                    {},
                    None,
                    kind="error",
                    status="requestNotMade",
                    explanation=message,
                )
            result.registration = finish_registration(found, error=message)
        return result

    def finish(self, result: PageResponse) -> PageResponse:
        """The chain is done: its registration, if recorded, gets its summary and goes with ``result``."""
        if self.registration is not None:
            result.registration = finish_registration(self.registration)
        return result
