"""createJob requests and command-line jobs: validation and where their files live.

The service reads and writes a cloud bucket (``config.storage``: a folder per bucket), and names
that would leave it are refused.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from aggregation_api import noise
from aggregation_api.jobs import (
    JOB_REQUEST_ID_RULE,
    debug_output_name,
    is_valid_job_request_id,
    output_shard_name,
)
from config.storage import buckets_root

from .models import AggregationJob

MAX_INPUT_PREFIXES = 50


class JobRequestError(ValueError):
    """A createJob request the service refuses; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def aggregation_root() -> Path:
    return Path(settings.VAR_DIR) / "aggregation"


def jobs_root() -> Path:
    return aggregation_root() / "jobs"


def bucket_path(bucket: str, prefix: str) -> Path:
    """``<buckets>/<bucket>/<prefix>``; refuses names that would leave the bucket folder."""
    if not isinstance(bucket, str) or not bucket or "/" in bucket or bucket in (".", ".."):
        raise JobRequestError(f"invalid bucket name {bucket!r}")
    if not isinstance(prefix, str) or not prefix or prefix.startswith("/") or ".." in Path(prefix).parts:
        raise JobRequestError(f"invalid blob prefix {prefix!r}")
    return buckets_root() / bucket / prefix


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise JobRequestError(f"job_parameters.{name} must be 'true' or 'false'")


def parse_filtering_ids(value: Any) -> list[int]:
    """``"0,1,7"`` → [0, 1, 7]; the default is [0]."""
    if value in (None, ""):
        return [0]
    items = value if isinstance(value, list) else str(value).split(",")
    ids = []
    for item in items:
        text = str(item).strip()
        if not text.isdigit() or int(text) >= 1 << 64:
            raise JobRequestError(f"filtering_ids must be unsigned 64-bit integers, not {item!r}")
        ids.append(int(text))
    return sorted(set(ids))


def _number(value: Any, name: str, low: float, high: float, *, low_open: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise JobRequestError(f"job_parameters.{name} must be a number") from None
    if math.isnan(number) or number > high or number < low or (low_open and number == low):
        bound = f"greater than {low:g}" if low_open else f"at least {low:g}"
        raise JobRequestError(f"job_parameters.{name} must be {bound} and at most {high:g}")
    return number


def create_job(body: Any) -> AggregationJob:
    """Validate a createJob request and store the job; :class:`JobRequestError` if invalid."""
    if not isinstance(body, dict):
        raise JobRequestError("the request body must be a JSON object")
    job_id = body.get("job_request_id")
    if not is_valid_job_request_id(job_id):
        raise JobRequestError(f"job_request_id must be {JOB_REQUEST_ID_RULE}")
    single, many = body.get("input_data_blob_prefix"), body.get("input_data_blob_prefixes")
    if (single is None) == (many is None):
        raise JobRequestError("give exactly one of input_data_blob_prefix and input_data_blob_prefixes")
    prefixes = [single] if single is not None else many
    if not isinstance(prefixes, list) or not prefixes or len(prefixes) > MAX_INPUT_PREFIXES:
        raise JobRequestError(f"input_data_blob_prefixes must list 1 to {MAX_INPUT_PREFIXES} prefixes")
    inputs = [bucket_path(body.get("input_data_bucket_name"), p) for p in prefixes]
    output = bucket_path(body.get("output_data_bucket_name"), body.get("output_data_blob_prefix"))
    params = body.get("job_parameters")
    if not isinstance(params, dict):
        raise JobRequestError("job_parameters must be an object")
    domain = bucket_path(params.get("output_domain_bucket_name"), params.get("output_domain_blob_prefix"))
    report_to, site = params.get("attribution_report_to"), params.get("reporting_site")
    if bool(report_to) == bool(site):
        raise JobRequestError("give exactly one of job_parameters.attribution_report_to and reporting_site")
    for name, value in (("attribution_report_to", report_to), ("reporting_site", site)):
        if value is not None and not isinstance(value, str):
            raise JobRequestError(f"job_parameters.{name} must be a string")
    epsilon = params.get("debug_privacy_epsilon")
    epsilon = (
        noise.DEFAULT_EPSILON
        if epsilon in (None, "")
        else _number(epsilon, "debug_privacy_epsilon", 0, 64, low_open=True)
    )
    threshold = params.get("report_error_threshold_percentage")
    threshold = (
        10.0 if threshold in (None, "") else _number(threshold, "report_error_threshold_percentage", 0, 100)
    )
    debug_run = _flag(params.get("debug_run", "false"), "debug_run")
    filtering_ids = parse_filtering_ids(params.get("filtering_ids"))
    if AggregationJob.objects.filter(job_request_id=job_id).exists():
        raise JobRequestError(f"a job with job_request_id {job_id!r} already exists", status=409)
    try:
        with transaction.atomic():
            job = AggregationJob.objects.create(
                job_request_id=job_id,
                origin="api",
                request=body,
                input_paths=[str(p) for p in inputs],
                domain_paths=[str(domain)],
                output_path=str(_output(output)),
                debug_output_path=str(_output(output, debug=True)) if debug_run else "",
                epsilon=epsilon,
                debug_run=debug_run,
                filtering_ids=filtering_ids,
                error_threshold=threshold,
                attribution_report_to=report_to or "",
                reporting_site=site or "",
            )
    except IntegrityError:
        raise JobRequestError(f"a job with job_request_id {job_id!r} already exists", status=409) from None
    return job


def _output(prefix: Path, *, debug: bool = False) -> Path:
    """Where the service writes the (debug) summary of an output prefix, as the wire names it."""
    name = output_shard_name(prefix.name)
    return prefix.parent / (debug_output_name(name) if debug else name)


def create_cli_job(
    *,
    input_file: Path,
    domain_file: Path,
    output_directory: Path,
    json_output: bool,
    noising: bool,
    epsilon: float,
    debug_run: bool,
    l1_sensitivity: float = noise.DEFAULT_L1_SENSITIVITY,
    filtering_ids: list[int] | None = None,
    error_threshold: float = 10.0,
    consume_budget: bool = True,
) -> AggregationJob:
    """A job as the Local Testing Tool runs it: files in, ``output.avro``/``output.json`` out."""
    now = timezone.now()
    suffix = "json" if json_output else "avro"
    debug_output = ""
    if debug_run:
        debug_output = str(
            output_directory / "debug_output.json"
            if json_output
            else output_directory / "debug" / "output.avro"
        )
    return AggregationJob.objects.create(
        job_request_id=f"cli-{now:%Y%m%d-%H%M%S}-{random.SystemRandom().getrandbits(32):08x}",
        origin="cli",
        request={"input_data_avro_file": str(input_file), "domain_avro_file": str(domain_file)},
        input_paths=[str(input_file)],
        domain_paths=[str(domain_file)],
        output_path=str(output_directory / f"output.{suffix}"),
        debug_output_path=debug_output,
        epsilon=noise.check_epsilon(epsilon),
        l1_sensitivity=l1_sensitivity,
        noising=noising,
        json_output=json_output,
        debug_run=debug_run,
        consume_budget=consume_budget,
        accept_cleartext=True,
        filtering_ids=filtering_ids or [0],
        error_threshold=error_threshold,
    )
