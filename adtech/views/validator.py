"""The header validator page: every input in the URL, so a result can be shared by link."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..forms import ValidatorForm
from ..validation import ValidationRequestError, check


@require_GET
def validator(request: HttpRequest) -> HttpResponse:
    """The header validator; every input is in the URL, so a result can be shared by link."""
    form = ValidatorForm(request.GET or None)
    result = None
    error = ""
    if request.GET and form.is_valid():
        try:
            result = check(
                form.cleaned_data["header"], form.cleaned_data["value"], form.cleaned_data["source_type"]
            )
        except ValidationRequestError as exc:
            error = str(exc)
    share_url = request.build_absolute_uri() if result is not None else ""
    context = {
        "form": form,
        "result": result,
        "error": error,
        "share_url": share_url,
        "value_json": json.dumps(result["value"], indent=2) if result and result["value"] is not None else "",
        "active": "validate",
    }
    return render(request, "adtech/validate.html", context)
