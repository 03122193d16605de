"""Navigation sources: only from a navigation the person started, seen passing through here.

Chrome registers a navigation source only for a click on an ``<a attributionsrc>`` (or
``<area>``) that starts a navigation, or a ``window.open(..., "attributionsrc=...")`` that
opens one, with transient user activation. A cancelled click starts no navigation; a script's
``a.click()`` has no activation unless the person has just interacted with the page.

A page script shares everything the shim has (its code, its requests), so nothing the shim
*says* proves a click. What the page cannot fake are the headers the browser itself puts on a
navigation request. So the shim sends the navigation itself through the simulated browser:
just before the browser follows the link (after every page handler ran and none cancelled the
click), it points the link at ``/navigate`` here, which answers with a redirect to the real
destination. The browser then adds:

- ``Sec-Fetch-Mode: navigate`` and ``Sec-Fetch-Dest: document`` (or ``iframe``): a real
  navigation, not a ``fetch``; a cancelled click never gets here at all;
- ``Sec-Fetch-User: ?1``: the navigation was started with user activation (a trusted click,
  or a script within the activation window, which Chrome's rule also allows);
- ``Referer``: the page's own URL (the page may drop it with a referrer policy, never forge it).

What a page script can still fake: which attributionsrc URLs and context it names (it could
also put any ``attributionsrc`` on a link or call ``window.open`` in Chrome), and, during a
genuine user activation, a navigation of its choosing, exactly as a page could in Chrome.
What it cannot do is register a navigation source without a navigation the person started.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from django.db import close_old_connections, connection, transaction

from attribution_reporting.sites import InvalidURL, is_suitable_origin, origin_of, parse_url, site_of
from config.database import wait_for_connection

from . import clock, models, profiles
from .network import navigate, register
from .registration import NAVIGATION_MECHANISMS, Context, RegistrationError, check_context

log = logging.getLogger("browser.navigation")

MAX_SOURCES = 10


@dataclass(frozen=True)
class Navigation:
    """What the shim says about a navigation it sends through ``/navigate``."""

    mechanism: str
    href: str  # where the navigation goes
    srcs: tuple[str, ...]  # the attributionsrc URLs (the href itself when the attribute is empty)
    context_origin: str
    frame_origin: str
    token: str = ""  # the shim's name for this navigation, to ask how its registrations went
    # An empty attributionsrc: the navigation request itself registers (``srcs`` is the href).
    in_navigation: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str], srcs: list[str]) -> Navigation:
        href = query.get("href") or ""
        try:
            parsed = parse_url(href)
        except InvalidURL:
            raise RegistrationError(f"{href!r} is not an absolute URL to navigate to") from None
        if parsed.scheme not in ("http", "https"):
            raise RegistrationError(f"{href!r} is not an http(s) URL")
        mechanism = query.get("mechanism") or ""
        if mechanism not in NAVIGATION_MECHANISMS:
            raise RegistrationError(f"mechanism is one of {', '.join(NAVIGATION_MECHANISMS)}")
        listed = tuple(s for s in srcs if s)[:MAX_SOURCES]
        return cls(
            mechanism=mechanism,
            href=parsed.href,
            srcs=listed or (parsed.href,),
            in_navigation=not listed,
            context_origin=query.get("context_origin") or "",
            frame_origin=query.get("frame_origin") or "",
            token=(query.get("token") or "")[:64],
        )


def navigate_url(browser_origin: str, nav: Navigation) -> str:
    """The ``/navigate`` URL the shim points a link at (the tests build it the same way)."""
    query = [
        ("mechanism", nav.mechanism),
        ("href", nav.href),
        ("context_origin", nav.context_origin),
        ("frame_origin", nav.frame_origin),
        ("token", nav.token),
    ] + [("src", s) for s in (() if nav.in_navigation else nav.srcs)]
    return f"{browser_origin}/navigate?{urlencode(query)}"


def activation_problem(headers: Mapping[str, str], nav: Navigation) -> str | None:
    """Why this request is not a user-activated navigation from the page, or None when it is."""
    mode = headers.get("Sec-Fetch-Mode")
    dest = headers.get("Sec-Fetch-Dest")
    user = headers.get("Sec-Fetch-User")
    if mode is None:
        return (
            "the browser sent no Sec-Fetch-Mode header, so the simulated browser cannot tell a navigation "
            "the person started from a script's request"
        )
    if mode != "navigate" or dest not in ("document", "iframe", "frame"):
        return f"this was not a navigation (Sec-Fetch-Mode: {mode}, Sec-Fetch-Dest: {dest})"
    if user != "?1":
        return (
            "the navigation had no user activation (no Sec-Fetch-User: ?1): a script clicked the link or "
            "opened the window without the person having just interacted with the page"
        )
    referer = headers.get("Referer")
    if referer:
        try:
            came_from = origin_of(referer)
        except InvalidURL:
            came_from = ""
        if came_from and nav.frame_origin and came_from != nav.frame_origin:
            return f"the navigation came from {came_from}, not from {nav.frame_origin} as the page said"
    return None


def start(nav: Navigation, headers: Mapping[str, str], *, profile: str | None = None) -> list[int]:
    """Records the navigation's registrations; returns the ids to run (none when refused).

    Refused navigations are recorded too (with the reason and no request made), so attribution
    internals shows why a click registered nothing. The navigation itself goes on either way.
    """
    profile = profile or profiles.current()
    problem = activation_problem(headers, nav)
    frame_origin = nav.frame_origin or nav.context_origin
    try:
        ctx = Context(nav.mechanism, nav.context_origin, frame_origin, profile=profile)
        check_context(ctx)
    except RegistrationError as exc:
        problem = problem or str(exc)
    destination = _destination_site(nav.href)
    ids = []
    with transaction.atomic():
        for src in nav.srcs:
            row = models.Registration.objects.create(
                time_ms=clock.now_ms(),
                mechanism=nav.mechanism,
                url=src,
                context_origin=nav.context_origin,
                frame_origin=frame_origin,
                eligible="navigation-source",
                navigation_url=nav.href,
                navigation_token=nav.token,
                destination_site=destination,
                pending=problem is None,
                profile=profile,
            )
            if problem is None:
                ids.append(row.pk)
            else:
                row.error = f"Not registered: {problem}."
                row.summary = (
                    f"No request was made and no navigation source stored: {problem}. Chrome registers "
                    "a navigation source only for a navigation started with user activation."
                )
                row.save(update_fields=["error", "summary"])
    return ids


def register_activated(
    ctx: Context, url: str, *, navigation_url: str = "", transport: httpx.BaseTransport | None = None
) -> models.Registration:
    """One registration of a navigation whose activation was already checked, made right away.

    The path :func:`run` takes for each row :func:`start` created; tests use it directly.
    """
    check_context(ctx)
    row = models.Registration.objects.create(
        time_ms=clock.now_ms(),
        mechanism=ctx.mechanism,
        url=url,
        context_origin=ctx.context_origin,
        frame_origin=ctx.frame_origin,
        eligible=ctx.eligible(),
        navigation_url=navigation_url,
        destination_site=_destination_site(navigation_url),
        pending=True,
        profile=ctx.profile,
    )
    return register(ctx, url, transport=transport, registration=row)


def navigate_through(
    registration_id: int,
    *,
    referrer: str = "",
    user_agent: str = "",
    transport: httpx.BaseTransport | None = None,
) -> str:
    """The navigation request itself registers (an empty attributionsrc): where the tab goes next.

    Chrome sent ``Attribution-Reporting-Eligible: navigation-source`` on the navigation request
    and on each of its redirects, so the ad tech saw its URL once. A page cannot add a header to
    a navigation, so the simulated browser makes the navigation's request chain itself, hop by
    hop with that header, and the tab is sent to where the chain ends. That last URL (the landing
    page) is then requested once more, by the browser, without the header; the ad tech's hops
    that redirect are requested only once. If the chain fails, the tab goes to the link's URL.
    """
    row = models.Registration.objects.get(pk=registration_id)
    transport = transport or TRANSPORT
    ctx = Context(row.mechanism, row.context_origin, row.frame_origin, profile=row.profile)
    try:
        result = navigate(
            ctx, row.url, referrer=referrer, user_agent=user_agent, transport=transport, registration=row
        )
    except Exception:  # a bug must not leave the navigation pending (triggers would wait), nor strand the tab
        log.exception("navigation registration %s failed", registration_id)
        models.Registration.objects.filter(pk=registration_id).update(
            pending=False, error="The simulated browser failed while registering; see its log."
        )
        return row.url
    return result.url if result.ok else row.url


def _destination_site(href: str) -> str:
    try:
        return site_of(href) if is_suitable_origin(origin_of(href)) else ""
    except InvalidURL:
        return ""


def outcome(token: str) -> dict:
    """How a navigation's registrations went, for the page that started it (the shim polls)."""
    from .registration import outcome_json

    rows = list(
        models.Registration.objects.filter(
            navigation_token=token, profile=profiles.current()
        ).prefetch_related("hops")
    )
    return {
        "token": token,
        "pending": any(r.pending for r in rows),
        "registrations": [] if any(r.pending for r in rows) else [outcome_json(r) for r in rows],
    }


def run(registration_ids: list[int], *, transport: httpx.BaseTransport | None = None) -> None:
    """Makes the registration requests of a started navigation (in the background)."""
    for pk in registration_ids:
        row = models.Registration.objects.filter(pk=pk, pending=True).first()
        if row is None:
            continue
        ctx = Context(row.mechanism, row.context_origin, row.frame_origin, profile=row.profile)
        try:
            with profiles.using(row.profile):
                register(ctx, row.url, registration=row, transport=transport)
        except Exception:  # a bug must not leave the navigation pending (triggers would wait)
            log.exception("navigation registration %s failed", pk)
            models.Registration.objects.filter(pk=pk).update(
                pending=False, error="The simulated browser failed while registering; see its log."
            )


def _in_thread(registration_ids: list[int]) -> None:
    def work() -> None:
        close_old_connections()
        try:
            # A refused connection must not lose the click's sources (nor leave them pending).
            if wait_for_connection():
                run(registration_ids)
        finally:
            connection.close()

    threading.Thread(target=work, name="navigation-registrations", daemon=True).start()


# The transport navigate_through uses (None: the network); tests put a stub network here.
TRANSPORT: httpx.BaseTransport | None = None

# How the registrations run: in a background thread, as Chrome runs them in parallel with the
# navigation. Tests that need them done before they look replace it with ``run``.
RUNNER: Callable[[list[int]], None] = _in_thread


def launch(registration_ids: list[int]) -> None:
    """Runs the registrations once the rows are committed (the thread reads them)."""
    if registration_ids:
        transaction.on_commit(lambda: RUNNER(registration_ids))
