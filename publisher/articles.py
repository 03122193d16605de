"""The Daily Byte's articles: static content, so the news site needs no database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    slug: str
    section: str
    title: str
    standfirst: str
    byline: str
    paragraphs: tuple[str, ...]
    # The ad tech picks the creative for this slot; None lets it choose among active campaigns.
    ad_creative: str | None = None


ARTICLES: tuple[Article, ...] = (
    Article(
        slug="measurement-moves-into-the-browser",
        section="Web platform",
        title="Third-party cookies fade; ad measurement moves into the browser",
        standfirst="The Attribution Reporting API lets a browser connect an ad on one site with a sale on "
        "another, and report it without either site learning who you are.",
        byline="By the Web Desk",
        paragraphs=(
            "For two decades, advertisers learned whether an ad worked by following people from site to site "
            "with third-party cookies. Browsers are closing that door.",
            "The Attribution Reporting API proposes a different bargain: the browser itself remembers that you "
            "saw or clicked an ad (a source), notices when you later buy something on the advertiser's site "
            "(a trigger), and sends the ad tech a delayed, noisy report that says an ad led to a sale.",
            "Event-level reports carry a few bits about the conversion and arrive days later. Aggregatable "
            "reports are encrypted; only an aggregation service can sum them into summary reports, with noise "
            "that hides any one person.",
            "Chrome shipped the API in 2023 and has since deprecated it, but its design remains the clearest "
            "worked example of privacy-preserving measurement on the web.",
        ),
        ad_creative="tent-leaderboard",
    ),
    Article(
        slug="trail-season-opens",
        section="Outdoors",
        title="Trail season opens early as the snow line retreats",
        standfirst="Rangers expect record numbers on the high routes; outfitters report brisk sales of tents.",
        byline="By Mara Lind, Outdoors correspondent",
        paragraphs=(
            "The first hikers reached the upper lakes a full three weeks before last year, and campsites along "
            "the ridge are already booked for most weekends.",
            "Outfitters say lightweight two-person tents are the season's best sellers, followed by waterproof "
            "mid-height boots for the still-muddy lower trails.",
            "Rangers remind visitors to carry a map, pack out what they pack in, and check the forecast: "
            "afternoon storms build quickly above the tree line.",
        ),
        ad_creative="tent-leaderboard",
    ),
    Article(
        slug="winter-boots-tested",
        section="Reviews",
        title="We walked 200 km in six winter boots. One kept our feet dry",
        standfirst="A wet autumn made for a hard test. Here is what we learned about membranes, lacing and grip.",
        byline="By Tom Ekberg",
        paragraphs=(
            "Waterproof membranes work until the water comes in over the top: a higher cuff matters more than "
            "the brand of the liner.",
            "Lugged soles with a softer rubber compound gripped wet rock best; the stiffest soles were the "
            "most tiring on long road sections.",
            "Our pick for most people is a mid-height boot with a gusseted tongue and a heel that locks in "
            "without a break-in period.",
        ),
        ad_creative="boots-square",
    ),
    Article(
        slug="privacy-budgets-explained",
        section="Explainer",
        title="What is a privacy budget, and who spends it?",
        standfirst="Noise, contribution limits and budgets keep reports useful in aggregate and useless for "
        "tracking one person.",
        byline="By the Web Desk",
        paragraphs=(
            "Every source can contribute at most 65,536 to the sums of its aggregatable reports. An ad tech "
            "chooses how to split that budget between, say, purchase counts and purchase values.",
            "The aggregation service adds noise drawn from a discrete Laplace distribution to every sum it "
            "returns. The noise does not depend on how many reports went in, so larger sums are relatively "
            "more accurate.",
            "And each batch of reports can be aggregated only once: a second query over the same reports would "
            "let someone subtract the noise away.",
        ),
    ),
)

BY_SLUG: dict[str, Article] = {a.slug: a for a in ARTICLES}
