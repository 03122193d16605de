from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "browser/home.html")


@require_GET
def shim(request: HttpRequest) -> HttpResponse:
    """The page-side script that hands attributionsrc work to the simulated browser."""
    return render(request, "browser/shim.js", content_type="text/javascript")
