"""Summary report pages of the ad tech, under ``/summaries/``.

Each view parses its input and calls one function of :mod:`adtech.budget_units`,
:mod:`adtech.job_submission` or :mod:`adtech.summaries`; the aggregation service is reached
only through its API.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from aggregation_api import noise
from config.shortcuts import found_or_404

from . import budget_units, job_submission, summaries


@require_GET
def summary_list(request: HttpRequest) -> HttpResponse:
    listed = summaries.summary_list()
    return render(
        request,
        "adtech/summary_list.html",
        {
            "summaries": listed,
            "in_progress": summaries.in_progress(listed),
            "pending": budget_units.plan_batches(),
            "expected_noise": noise.expected_absolute(noise.DEFAULT_EPSILON),
        },
    )


@require_POST
def summary_create(request: HttpRequest) -> HttpResponse:
    try:
        epsilon = noise.check_epsilon(request.POST.get("epsilon") or noise.DEFAULT_EPSILON)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("adtech-summaries")
    debug_run = request.POST.get("debug_run") == "on"
    outcome = job_submission.submit_pending(force=True, epsilon=epsilon, debug_run=debug_run)
    if outcome["submitted"]:
        messages.success(request, f"Submitted {len(outcome['submitted'])} aggregation job(s).")
    elif outcome["taken"]:
        held = ", ".join(sorted({job for job in outcome["taken"] if job})) or "another job"
        messages.info(request, f"These reports were already submitted, once, by another request: {held}.")
    elif not outcome["errors"]:
        messages.info(request, "No aggregatable reports are waiting for a batch.")
    if outcome["late"]:
        messages.warning(
            request,
            f"{outcome['late']} late report(s) belong to hours already queried; they cannot be used again.",
        )
    for error in outcome["errors"]:
        messages.error(request, error)
    return redirect("adtech-summaries")


@require_GET
def summary_detail(request: HttpRequest, job_request_id: str) -> HttpResponse:
    detail = found_or_404(summaries.summary_detail(job_request_id), "no such summary report")
    return render(request, "adtech/summary_detail.html", detail)


@require_POST
def summary_rerun(request: HttpRequest, job_request_id: str) -> HttpResponse:
    """The same batch again as a debug run with a larger epsilon, to compare the noise."""
    try:
        epsilon = noise.check_epsilon(request.POST.get("epsilon") or noise.MAX_EPSILON)
        new_id = job_submission.rerun_with_epsilon(job_request_id, epsilon)
    except (ValueError, job_submission.SubmitError) as exc:
        messages.error(request, str(exc))
        return redirect("adtech-summary-detail", job_request_id=job_request_id)
    messages.success(request, f"Submitted the same reports again as a debug run with ε = {epsilon:g}.")
    return redirect("adtech-summary-detail", job_request_id=new_id)
