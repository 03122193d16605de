"""``manage.py aggregate``: the Local Testing Tool's command line, with the coordinator's keys.

Takes the same flags as ``java -jar LocalTestingTool.jar`` and writes ``output.avro`` (or
``output.json``) to the output directory. Unlike the Local Testing Tool it also decrypts
encrypted reports whose ``key_id`` is one of this coordinator's keys; reports whose key it
does not know are read as cleartext CBOR, as the Local Testing Tool reads every report.
"""

from __future__ import annotations

import random
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aggregation import services
from aggregation_api import noise


class Command(BaseCommand):
    help = "Aggregate an Avro report batch into a summary report, as the Local Testing Tool does."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input_data_avro_file", required=True, type=Path)
        parser.add_argument("--domain_avro_file", required=True, type=Path)
        parser.add_argument("--output_directory", required=True, type=Path)
        parser.add_argument(
            "--json_output", action="store_true", help="write output.json instead of output.avro"
        )
        parser.add_argument("--no_noising", action="store_true", help="write exact sums (no noise)")
        parser.add_argument("--epsilon", type=float, default=noise.DEFAULT_EPSILON, help="0 < epsilon <= 64")
        parser.add_argument(
            "--debug_run", action="store_true", help="also write the debug summary; no budget"
        )
        parser.add_argument("--l1_sensitivity", type=float, default=noise.DEFAULT_L1_SENSITIVITY)
        parser.add_argument("--local_job_params_input_filtering_ids", default="0")
        parser.add_argument("--report_error_threshold_percentage", type=float, default=10.0)
        parser.add_argument(
            "--unlimited_budget",
            action="store_true",
            help="do not record budget in the ledger (the Local Testing Tool's behaviour)",
        )
        parser.add_argument(
            "--seed", type=int, help="seed the noise (reproducible demos; never in production)"
        )

    def handle(self, *args, **o) -> None:
        for name in ("input_data_avro_file", "domain_avro_file"):
            if not o[name].is_file():
                raise CommandError(f"--{name}: no such file: {o[name]}")
        try:
            epsilon = noise.check_epsilon(o["epsilon"])
            filtering_ids = services.parse_filtering_ids(o["local_job_params_input_filtering_ids"])
        except (ValueError, services.JobRequestError) as exc:
            raise CommandError(str(exc)) from None
        if not 0 <= o["report_error_threshold_percentage"] <= 100:
            raise CommandError("--report_error_threshold_percentage must be between 0 and 100")
        o["output_directory"].mkdir(parents=True, exist_ok=True)
        job = services.create_cli_job(
            input_file=o["input_data_avro_file"],
            domain_file=o["domain_avro_file"],
            output_directory=o["output_directory"],
            json_output=o["json_output"],
            noising=not o["no_noising"],
            epsilon=epsilon,
            debug_run=o["debug_run"],
            l1_sensitivity=o["l1_sensitivity"],
            filtering_ids=filtering_ids,
            error_threshold=o["report_error_threshold_percentage"],
            consume_budget=not o["unlimited_budget"],
        )
        rng = random.Random(o["seed"]) if o["seed"] is not None else None
        job = services.run_job_inline(job, rng)
        for entry in job.error_counts:
            self.stdout.write(f"  {entry['category']}: {entry['count']}")
        if job.return_code not in ("SUCCESS", "SUCCESS_WITH_ERRORS"):
            raise CommandError(f"{job.return_code}: {job.return_message}")
        self.stdout.write(
            f"{job.return_code}: {job.accepted_reports} of {job.total_reports} reports aggregated "
            f"(job {job.job_request_id}); summary in {job.output_path}"
        )
        if job.debug_output_path:
            self.stdout.write(f"debug summary in {job.debug_output_path}")
