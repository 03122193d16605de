from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.shortcuts import found_or_404

from . import selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    articles = selectors.article_list()
    return render(
        request,
        "publisher/home.html",
        {
            "lead": articles[0],
            "articles": articles[1:],
            "leaderboard_url": selectors.ad_slot_url("front-leaderboard", "tent-leaderboard"),
            "sidebar_url": selectors.ad_slot_url("front-sidebar", "boots-square"),
            "mechanisms": selectors.mechanism_list(),
        },
    )


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = found_or_404(selectors.get_article(slug), "No such article")
    return render(
        request,
        "publisher/article.html",
        {
            "article": found,
            "ad_url": selectors.ad_slot_url(f"article-{found.slug}", found.ad_creative),
            "more": [a for a in selectors.article_list() if a.slug != slug],
        },
    )


@require_GET
def ways(request: HttpRequest) -> HttpResponse:
    return render(request, "publisher/ways/index.html", {"mechanisms": selectors.mechanism_list()})


@require_GET
def way(request: HttpRequest, slug: str) -> HttpResponse:
    mechanisms = selectors.mechanism_list()
    found = found_or_404(next((m for m in mechanisms if m.slug == slug), None), "No such registration page")
    index = mechanisms.index(found)
    return render(
        request,
        "publisher/ways/detail.html",
        {
            "mechanism": found,
            "previous": mechanisms[index - 1] if index > 0 else None,
            "next": mechanisms[index + 1] if index + 1 < len(mechanisms) else None,
            "shop_url": selectors.product_url(),
        },
    )
