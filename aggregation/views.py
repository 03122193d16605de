"""Pages of the aggregation service, for a workshop attendee."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.shortcuts import found_or_404

from . import selectors
from .keys import ensure_active_key, rotate_keys


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    ensure_active_key()
    return render(
        request,
        "aggregation/home.html",
        {
            "keys": selectors.keys_overview()[:3],
            "jobs": selectors.recent_jobs(8),
            "noise": selectors.noise_explainer(),
        },
    )


@require_GET
def keys_page(request: HttpRequest) -> HttpResponse:
    ensure_active_key()
    return render(request, "aggregation/keys.html", {"keys": selectors.keys_overview()})


@require_POST
def rotate(request: HttpRequest) -> HttpResponse:
    key = rotate_keys()
    messages.success(request, f"New key {key.key_id} is active; older keys are expired but still decrypt.")
    return redirect("aggregation-keys")


@require_GET
def jobs_page(request: HttpRequest) -> HttpResponse:
    return render(request, "aggregation/jobs.html", {"jobs": selectors.recent_jobs(100)})


@require_GET
def job_page(request: HttpRequest, job_request_id: str) -> HttpResponse:
    job = found_or_404(selectors.get_job(job_request_id), "no such job")
    return render(
        request,
        "aggregation/job.html",
        {
            "job": job,
            "progress": selectors.job_progress(job),
            "noise": selectors.noise_explainer(job.epsilon),
            "output_exists": bool(job.output_path) and Path(job.output_path).is_file(),
        },
    )


@require_GET
def job_output(request: HttpRequest, job_request_id: str) -> FileResponse:
    job = selectors.get_job(job_request_id)
    which = request.GET.get("debug") == "1"
    path = Path(job.debug_output_path if which else job.output_path) if job else None
    if path is None or not str(path) or not path.is_file():
        raise Http404("no output for this job")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_GET
def budget_page(request: HttpRequest) -> HttpResponse:
    return render(request, "aggregation/budget.html", selectors.budget_ledger())
