"""The workshop's seven steps: what to do, what goes over the wire and why, and when each is done.

``evaluate`` turns the parties' state into a live check per step; the words are here so the page and the
JSON endpoint say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.hosts import party_url
from config.statuses import Category

from .selectors import PartyState, number, number_map, sum_counts

INTERNALS_VISITED = "guide_visited_internals"
# The reports a conversion is for; debug reports and debug copies are counted apart.
ATTRIBUTION_KINDS = ("event-level", "aggregatable")


@dataclass(frozen=True)
class StepCheck:
    done: bool
    status: str
    partial: bool = False


def _links(step: int) -> list[dict[str, str]]:
    news, adtech = party_url("publisher"), party_url("adtech")
    links = {
        1: [
            ("The Daily Byte's front page (its ads are seen as the page loads)", news),
            (
                "<img attributionsrc>: a view source, step by step",
                party_url("publisher", "/ways/image-view/"),
            ),
            ("Every way to register a source", party_url("publisher", "/ways/")),
        ],
        2: [
            ("Click the tent ad on the front page", news),
            (
                "<a attributionsrc>: a click source, step by step",
                party_url("publisher", "/ways/anchor-click/"),
            ),
            ("A redirect chain to a second ad tech", party_url("publisher", "/ways/redirect-chain/")),
        ],
        3: [
            (
                "The Ridgeline 2-Person Tent at Trailhead Outfitters",
                party_url("advertiser", "/products/tent-2p"),
            ),
            ("Your cart", party_url("advertiser", "/cart/")),
        ],
        4: [("Open attribution internals", "/go/internals")],
        5: [("Attribution internals: clock and send now", party_url("browser"))],
        6: [("The ad tech's dashboard", adtech)],
        7: [
            ("Summary reports at the ad tech", party_url("adtech", "/summaries/")),
            ("The aggregation service", party_url("aggregation")),
        ],
    }[step]
    return [{"label": label, "url": url} for label, url in links]


STEPS: tuple[dict[str, str], ...] = (
    {
        "key": "view",
        "title": "See an ad (a view source)",
        "todo": "Open The Daily Byte. The ads on its pages come from the ad tech in cross-site frames; as a frame "
        "loads, its <code>&lt;img attributionsrc&gt;</code> registers a <em>view</em>.",
        "wire": "The browser requests <code>adtech.localhost/register/source?…&amp;type=view</code> with "
        "<code>Attribution-Reporting-Eligible: event-source, trigger</code> and "
        "<code>Attribution-Reporting-Support: web</code>. The ad tech answers "
        '<code>Attribution-Reporting-Register-Source: {"destination": "http://shop.localhost", '
        '"source_event_id": …, "filter_data": {"product_category": ["tents"]}, "aggregation_keys": '
        "{…}}</code>.",
        "why": "The source is stored in the browser, not at the ad tech: nothing leaves the device. An image "
        "could be an ad or a conversion pixel, so the browser offers both and the server's header decides. A "
        "view (event source) can later make one event-level report with one bit of trigger data.",
    },
    {
        "key": "click",
        "title": "Click an ad (a navigation source)",
        "todo": "Click the tent ad. Its link has <code>attributionsrc</code>, so while the browser navigates to "
        "the shop it asks the ad tech to register a <em>click</em>.",
        "wire": "A background request to <code>…/register/source?…&amp;type=click</code> carries "
        "<code>Attribution-Reporting-Eligible: navigation-source</code>; the answer's "
        "<code>Attribution-Reporting-Register-Source</code> becomes a navigation source.",
        "why": "Navigation sources need a navigation the person started (transient user activation): a click the "
        "page cancels, or a script clicking the link by itself, registers nothing. "
        "They are worth more: up to 3 event-level reports, 3 bits of trigger data each, sent at the end of "
        "report windows at 2 days, 7 days and 30 days.",
    },
    {
        "key": "convert",
        "title": "Convert at the shop (triggers)",
        "todo": "At Trailhead Outfitters, view the tent (a conversion pixel), add it to the cart "
        "(<code>fetch</code>) and buy it: the thank-you page registers the purchase with "
        "<code>&lt;script attributionsrc&gt;</code>.",
        "wire": "Each request carries <code>Attribution-Reporting-Eligible: trigger</code> (or "
        "<code>event-source, trigger</code> for the pixel and the script); the ad tech answers "
        "<code>Attribution-Reporting-Register-Trigger</code> with <code>event_trigger_data</code>, "
        "<code>filters</code> (<code>product_category</code>), <code>aggregatable_trigger_data</code>, "
        "<code>aggregatable_values</code> (the order value, scaled) and a <code>deduplication_key</code> made "
        "from the order id.",
        "why": "The browser looks for a source whose destination is the shop's site and whose "
        "<code>filter_data</code> matches the trigger's filters, picks the one with the highest priority (then "
        "the most recent), and schedules an event-level and an aggregatable report. Every product event carries "
        "the product's category as a filter, so viewing, adding or buying boots after a tent ad makes no report: "
        "the filters do not match.",
    },
    {
        "key": "internals",
        "title": "Look at attribution internals",
        "todo": "Open the simulated browser's attribution internals: the sources, the trigger registrations "
        "with their outcome, and the reports waiting to be sent. (A real Chrome keeps its own at "
        "<code>chrome://attribution-internals</code>.)",
        "wire": "Nothing: this is the browser's own state. Event-level reports wait for the end of their report "
        "window; aggregatable reports wait a random delay of up to 10 minutes.",
        "why": "The delays and the noise (randomized response on event-level reports, encryption of "
        "aggregatable ones) are what stop a report from being tied to one visit.",
    },
    {
        "key": "deliver",
        "title": "Advance the clock, or send now",
        "todo": "On the internals page, move the virtual clock to the next report time (or a day on), or press "
        "“send now” on a report, so you need not wait days.",
        "wire": "The browser POSTs JSON, without cookies, to the reporting origin's <code>/.well-known/"
        "attribution-reporting/report-event-attribution</code> (<code>attribution_destination</code>, "
        "<code>source_event_id</code>, <code>trigger_data</code>, <code>randomized_trigger_rate</code>, …) and "
        "<code>/report-aggregate-attribution</code> (<code>shared_info</code> and an HPKE-encrypted "
        "<code>payload</code> per aggregation service).",
        "why": "Reports go to the ad tech that registered the source (the reporting origin), never to the "
        "publisher or the advertiser.",
    },
    {
        "key": "reports",
        "title": "See the reports at the ad tech",
        "todo": "Open the ad tech's dashboard: an event-level report and an aggregatable report, decoded, with "
        "the campaign they belong to.",
        "wire": "The ad tech stored each body before answering 200, then a Celery worker validated it, dropped "
        "duplicates by <code>report_id</code>, decoded <code>source_event_id</code> back to the campaign and "
        "kept the encrypted aggregatable payloads for batching.",
        "why": "The event-level report tells the ad tech <em>which ad</em> led to a conversion, with a few noisy "
        "bits about it; the aggregatable report can only be read in aggregate, by the aggregation service.",
    },
    {
        "key": "summary",
        "title": "Get a summary report",
        "todo": "At the ad tech, create a summary report: it batches the aggregatable reports and asks the "
        "aggregation service to aggregate them.",
        "wire": "The ad tech writes the reports as an Avro batch with an output domain (the buckets it wants) "
        "and calls <code>createJob</code>; the aggregation service decrypts each payload with the coordinator's "
        "private key, sums the values per bucket and adds discrete Laplace noise.",
        "why": "Noise of the same size is added to every bucket, so large sums are accurate and one person's "
        "contribution is hidden; a batch can be aggregated only once, so the noise cannot be averaged away. The "
        "demo's sources and triggers carry debug keys, so the page shows the exact sums (from the debug "
        "cleartext) beside the noised ones; in production, without third-party cookies, only the noised ones "
        "exist.",
    },
)


# In room mode the ad tech and the aggregation service are the room's: the steps that read them say
# which part is the attendee's own.
ROOM_TODO = {
    6: " The ad tech is the room's: its dashboard lists every attendee's reports; this step counts the ones "
    "<em>your</em> browser delivered (the ad tech knows them only by <code>report_id</code>).",
    7: " The ad tech is the room's, so one summary report covers the room: when the instructor (or you) "
    "creates it, the batch holds every attendee's aggregatable reports, yours among them. This step is done "
    "once a summary report took the reports <em>your</em> browser sent.",
}


def _check(
    index: int, browser: PartyState, adtech: PartyState, aggregation: PartyState, flags: dict, room: bool
) -> StepCheck:
    b, a, g = browser.data, adtech.data, aggregation.data
    the = "your" if room else "the"
    # A real Chrome keeps its sources to itself: what the ad tech answered and received for it counts.
    chrome = number_map(a, "by_browser", "chrome")
    chrome_reports = sum(number(chrome, "reports", kind) for kind in ATTRIBUTION_KINDS)
    if index in (1, 2):
        source_type, noun = ("event", "view") if index == 1 else ("navigation", "click")
        n = number(b, "sources", source_type)
        native = number(chrome, "registrations", f"source:{source_type}")
        return StepCheck(
            n > 0 or native > 0,
            f"{n} {noun} source{'s' if n != 1 else ''} in {the} simulated browser"
            + _chrome_note(native, f"{noun} source registration{{s}} answered for a real Chrome"),
        )
    if index == 3:
        triggers = number(b, "trigger_registrations")
        reports = sum(sum_counts(number_map(b, "reports", kind)) for kind in ATTRIBUTION_KINDS)
        native = number(chrome, "registrations", "trigger")
        return StepCheck(
            (triggers > 0 and reports > 0) or (native > 0 and chrome_reports > 0),
            f"{triggers} trigger registration{'s' if triggers != 1 else ''}, {reports} attribution report"
            f"{'s' if reports != 1 else ''} made in {the} simulated browser"
            + _chrome_note(native, "trigger registration{s} answered for a real Chrome")
            + _chrome_note(chrome_reports, "attribution report{s} received from it"),
            partial=(triggers > 0 and reports == 0) or (native > 0 and chrome_reports == 0),
        )
    if index == 4:
        return StepCheck(
            bool(flags.get(INTERNALS_VISITED)), "opened" if flags.get(INTERNALS_VISITED) else "not yet"
        )
    if index == 5:
        # Debug reports go out at once; the step is about the attribution reports that wait for their time.
        sent = sum(number(b, "reports", kind, "sent") for kind in ATTRIBUTION_KINDS)
        pending = sum(number(b, "reports", kind, "pending") for kind in ATTRIBUTION_KINDS)
        return StepCheck(
            sent > 0 or chrome_reports > 0,
            f"{sent} attribution report{'s' if sent != 1 else ''} sent by {the} simulated browser, {pending} pending"
            + _chrome_note(chrome_reports, "attribution report{s} sent by a real Chrome on its own"),
        )
    if index == 6:
        event = number(a, "reports_by_kind", "event-level")
        agg = number(a, "reports_by_kind", "aggregatable")
        return StepCheck(
            event > 0 and agg > 0,
            f"{event} event-level and {agg} aggregatable report{'s' if agg != 1 else ''} received"
            + (" from your browser" if room else "")
            + (f" ({chrome_reports} from a real Chrome)" if chrome_reports else ""),
            partial=(event > 0) != (agg > 0),
        )
    if room:
        return _room_summary_check(g)
    succeeded = number(g, "succeeded")
    return StepCheck(succeeded > 0, f"{succeeded} summary report{'s' if succeeded != 1 else ''} made")


def _room_summary_check(g: dict[str, Any]) -> StepCheck:
    covering, mine, room = (
        number(g, "covering"),
        number(g, "my_reports_summarized"),
        number(g, "room_succeeded"),
    )
    if covering:
        return StepCheck(
            True,
            f"{covering} summary report{'s' if covering != 1 else ''} of the room took your {mine} aggregatable "
            f"report{'s' if mine != 1 else ''}",
        )
    if room:
        return StepCheck(
            False,
            f"the room has {room} summary report{'s' if room != 1 else ''}, none with your reports yet: "
            "the next one takes the aggregatable reports your browser sent",
        )
    return StepCheck(False, "no summary report in the room yet")


def _chrome_note(n: int, what: str) -> str:
    """`` · 3 view source registrations answered for a real Chrome`` when one took part, else nothing.

    ``what`` is singular and says where the noun goes with ``{s}``.
    """
    return f" · {n} {what.format(s='' if n == 1 else 's')}" if n else ""


_DEPENDS = {1: "browser", 2: "browser", 3: "browser", 4: None, 5: "browser", 6: "adtech", 7: "aggregation"}


def _category(check: StepCheck, error: str | None) -> Category | None:
    """Done is ok, a party that cannot be asked an error, half done a warning; to do has none."""
    if check.done:
        return Category.OK
    if error:
        return Category.ERROR
    return Category.WARNING if check.partial else None


def evaluate(
    browser: PartyState,
    adtech: PartyState,
    aggregation: PartyState,
    flags: dict[str, Any],
    *,
    room: bool = False,
) -> list[dict[str, Any]]:
    """Every step with its live check, its links and its explanation (``room``: one attendee's)."""
    states = {"browser": browser, "adtech": adtech, "aggregation": aggregation}
    result = []
    for index, step in enumerate(STEPS, start=1):
        check = _check(index, browser, adtech, aggregation, flags, room)
        depends = _DEPENDS[index]
        error = states[depends].error if depends else None
        result.append(
            {
                "number": index,
                **step,
                "todo": step["todo"] + (ROOM_TODO.get(index, "") if room else ""),
                "done": check.done,
                "partial": check.partial,
                "status": check.status if not error else f"cannot check yet: {error}",
                "error": error,
                "category": _category(check, error),
                "links": _links(index),
            }
        )
    return result


SENDER_NAMES = {
    "chrome": "real Chrome",
    "simulated": "simulated browser",
    "other": "other clients",
    "unknown": "no User-Agent",
}


def senders(adtech: PartyState) -> dict[str, Any]:
    """What each browser sent to the ad tech (registrations answered, reports by kind) and the latest reports."""
    rows = []
    for key, entry in number_map(adtech.data, "by_browser").items():
        regs, reports = number_map(entry, "registrations"), number_map(entry, "reports")
        rows.append(
            {
                "key": key,
                "name": SENDER_NAMES.get(key, key),
                "sources": number(regs, "source"),
                "triggers": number(regs, "trigger"),
                "event_level": number(reports, "event-level"),
                "aggregatable": number(reports, "aggregatable"),
                "debug": sum_counts(reports)
                - number(reports, "event-level")
                - number(reports, "aggregatable"),
            }
        )
    order = list(SENDER_NAMES)
    rows.sort(key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
    latest = adtech.data.get("latest_reports") if isinstance(adtech.data.get("latest_reports"), list) else []
    return {"rows": rows, "latest": latest}
