"""Jobs through the service: sums, domain, errors, budget, sharding."""

from __future__ import annotations

import random

import pytest

from aggregation import services
from aggregation.models import AggregationJob, BudgetUnitUse
from aggregation_api import avro_io

from .conftest import HOUR, cleartext_record, encrypted_record, write_batch, write_domain

pytestmark = pytest.mark.django_db


def _key_bytes(key):
    import base64

    return base64.b64decode(key.public_key)


def _cli_job(tmp, batch, domain, **kw):
    options = dict(json_output=False, noising=False, epsilon=10, debug_run=False)
    options.update(kw)
    return services.create_cli_job(
        input_file=batch, domain_file=domain, output_directory=tmp / "out", **options
    )


def test_sums_per_domain_bucket_and_drops_report_only_buckets(agg_var, coordinator_key):
    pub = _key_bytes(coordinator_key)
    records = [
        encrypted_record(pub, coordinator_key.key_id, [(1, 100, 0), (2, 5, 0)]),
        encrypted_record(pub, coordinator_key.key_id, [(1, 50, 0), (9, 7, 0)]),
        cleartext_record([(2, 1, 0), (1, 3, 1)]),  # filtering id 1 is not queried
    ]
    batch = write_batch(agg_var / "in" / "r.avro", records)
    domain = write_domain(agg_var / "in" / "d.avro", [1, 2, 3])
    job = services.run_job_inline(_cli_job(agg_var, batch, domain))
    assert job.return_code == "SUCCESS", job.return_message
    rows = avro_io.read_summary(agg_var / "out" / "output.avro")
    assert {r["bucket"]: r["metric"] for r in rows} == {1: 150, 2: 6, 3: 0}
    assert job.accepted_reports == 3


def test_noise_is_added_to_every_domain_bucket(agg_var, coordinator_key):
    batch = write_batch(agg_var / "r.avro", [cleartext_record([(1, 1000, 0)])])
    domain = write_domain(agg_var / "d.avro", range(1, 21))
    job = services.run_job_inline(_cli_job(agg_var, batch, domain, noising=True), rng=random.Random(5))
    rows = avro_io.read_summary(agg_var / "out" / "output.avro")
    assert len(rows) == 20
    assert sum(1 for r in rows if r["metric"] != 0) >= 19  # P(noise == 0) is 0.008 %
    assert job.return_code == "SUCCESS"


def test_second_job_over_the_same_batch_is_refused_and_writes_nothing(agg_var, coordinator_key):
    pub = _key_bytes(coordinator_key)
    batch = write_batch(agg_var / "r.avro", [encrypted_record(pub, coordinator_key.key_id, [(1, 10, 0)])])
    domain = write_domain(agg_var / "d.avro", [1])
    first = services.run_job_inline(_cli_job(agg_var, batch, domain))
    assert first.return_code == "SUCCESS"
    spent = BudgetUnitUse.objects.count()
    assert spent == 1
    (agg_var / "out" / "output.avro").unlink()
    second = services.run_job_inline(_cli_job(agg_var, batch, domain))
    assert second.return_code == "PRIVACY_BUDGET_EXHAUSTED"
    assert not (agg_var / "out" / "output.avro").exists()
    assert second.budget_debug_info and "report_id" in second.budget_debug_info[0]["relevant_shared_info"]
    assert BudgetUnitUse.objects.count() == spent


def test_a_batch_overlapping_a_spent_unit_fails_as_a_whole(agg_var):
    first = write_batch(agg_var / "a.avro", [cleartext_record([(1, 1, 0)], hour=HOUR)])
    both = write_batch(
        agg_var / "b.avro",
        [cleartext_record([(1, 1, 0)], hour=HOUR), cleartext_record([(1, 1, 0)], hour=HOUR + 3600)],
    )
    domain = write_domain(agg_var / "d.avro", [1])
    assert services.run_job_inline(_cli_job(agg_var, first, domain)).return_code == "SUCCESS"
    job = services.run_job_inline(_cli_job(agg_var, both, domain))
    assert job.return_code == "PRIVACY_BUDGET_EXHAUSTED"
    assert BudgetUnitUse.objects.count() == 1  # the new hour's unit was not spent either


def test_debug_run_spends_no_budget_and_writes_the_debug_summary(agg_var):
    batch = write_batch(
        agg_var / "r.avro",
        [cleartext_record([(1, 10, 0), (5, 2, 0)]), cleartext_record([(1, 1, 0)], debug=False)],
    )
    domain = write_domain(agg_var / "d.avro", [1, 2])
    for _ in range(2):
        job = services.run_job_inline(
            _cli_job(agg_var, batch, domain, debug_run=True, noising=True, error_threshold=60),
            random.Random(1),
        )
        assert job.return_code == "SUCCESS_WITH_ERRORS"
        assert {e["category"] for e in job.error_counts} == {"DEBUG_NOT_ENABLED", "NUM_REPORTS_WITH_ERRORS"}
    assert BudgetUnitUse.objects.count() == 0
    debug = {r["bucket"]: r for r in avro_io.read_summary(agg_var / "out" / "debug" / "output.avro")}
    assert debug[1]["unnoised_metric"] == 10 and debug[1]["annotations"] == ["in_domain", "in_reports"]
    assert debug[2]["unnoised_metric"] == 0 and debug[2]["annotations"] == ["in_domain"]
    assert debug[5]["annotations"] == ["in_reports"] and debug[5]["noise"] == 0
    summary = {r["bucket"]: r["metric"] for r in avro_io.read_summary(agg_var / "out" / "output.avro")}
    assert summary[1] == debug[1]["unnoised_metric"] + debug[1]["noise"]
    assert set(summary) == {1, 2}


def test_errors_above_the_threshold_fail_the_job(agg_var):
    good = [cleartext_record([(1, 1, 0)]) for _ in range(8)]
    bad = [{**cleartext_record([(1, 1, 0)]), "payload": b"not cbor"} for _ in range(2)]
    batch = write_batch(agg_var / "r.avro", good + bad)
    domain = write_domain(agg_var / "d.avro", [1])
    job = services.run_job_inline(_cli_job(agg_var, batch, domain))
    assert job.return_code == "REPORTS_WITH_ERRORS_EXCEEDED_THRESHOLD"
    assert not (agg_var / "out" / "output.avro").exists()
    assert {"category": "NUM_REPORTS_WITH_ERRORS", "count": 2} in [
        {k: e[k] for k in ("category", "count")} for e in job.error_counts
    ]
    ok = services.run_job_inline(_cli_job(agg_var, batch, domain, error_threshold=20))
    assert ok.return_code == "SUCCESS_WITH_ERRORS"


def test_report_version_above_one_fails_the_whole_job(agg_var):
    batch = write_batch(agg_var / "r.avro", [cleartext_record([(1, 1, 0)], version="2.0")])
    domain = write_domain(agg_var / "d.avro", [1])
    assert (
        services.run_job_inline(_cli_job(agg_var, batch, domain)).return_code == "UNSUPPORTED_REPORT_VERSION"
    )


def test_shards_split_by_report_id_give_the_same_result(agg_var, monkeypatch, coordinator_key):
    pub = _key_bytes(coordinator_key)
    records = [encrypted_record(pub, coordinator_key.key_id, [(i % 4, i, 0)]) for i in range(40)]
    records += records[:10]  # repeated reports, possibly far apart in the file
    batch = write_batch(agg_var / "r.avro", records)
    domain = write_domain(agg_var / "d.avro", range(4))
    monkeypatch.setattr(services, "SHARD_SIZE", 12)
    job = services.run_job_inline(_cli_job(agg_var, batch, domain))
    assert job.shard_count == 5 and job.shards_done == 5
    assert job.accepted_reports == 40 and job.duplicate_reports == 10
    rows = {r["bucket"]: r["metric"] for r in avro_io.read_summary(agg_var / "out" / "output.avro")}
    assert rows == {b: sum(i for i in range(40) if i % 4 == b) for b in range(4)}


def test_missing_input_fails_with_input_data_read_failed(agg_var):
    domain = write_domain(agg_var / "d.avro", [1])
    job = services.run_job_inline(_cli_job(agg_var, agg_var / "nothing.avro", domain))
    assert job.return_code == "INPUT_DATA_READ_FAILED"
    assert AggregationJob.objects.get(pk=job.pk).status == AggregationJob.FINISHED


def test_clear_all_data_keeps_keys(agg_var, coordinator_key):
    batch = write_batch(agg_var / "r.avro", [cleartext_record([(1, 1, 0)])])
    services.run_job_inline(_cli_job(agg_var, batch, write_domain(agg_var / "d.avro", [1])))
    cleared = services.clear_all_data()
    assert cleared["jobs"] == 1 and cleared["budget_units"] == 1
    assert AggregationJob.objects.count() == 0 and BudgetUnitUse.objects.count() == 0
    assert cleared["keys_kept"] == 1


def test_service_report_checks_age_site_and_api():
    from aggregation import engine

    now = HOUR + 3600
    old = cleartext_record([(1, 1, 0)], hour=HOUR - 91 * 86400, reporting_origin="https://adtech.example")
    other_site = cleartext_record([(1, 1, 0)], reporting_origin="https://elsewhere.example")
    same_site = cleartext_record([(1, 2, 0)], reporting_origin="https://reports.adtech.example")
    bad_api = cleartext_record([(1, 1, 0)], api="something-else")
    spec = engine.ShardSpec(accept_cleartext=True, now=now, reporting_site="https://adtech.example")
    result = engine.aggregate_shard([old, other_site, same_site, bad_api], {}, spec)
    assert result.errors == {
        "ORIGINAL_REPORT_TIME_TOO_OLD": 1,
        "REPORTING_SITE_MISMATCH": 1,
        "UNSUPPORTED_REPORT_API_TYPE": 1,
    }
    assert result.sums == {1: 2}


def test_empty_output_domain_fails_the_job(agg_var):
    batch = write_batch(agg_var / "r.avro", [cleartext_record([(1, 1, 0)])])
    domain = write_domain(agg_var / "d.avro", [])
    job = services.run_job_inline(_cli_job(agg_var, batch, domain))
    assert job.return_code == "INPUT_DATA_READ_FAILED" and "No output domain" in job.return_message
    assert BudgetUnitUse.objects.count() == 0


def test_input_that_is_not_avro_fails_cleanly(agg_var):
    batch = agg_var / "r.avro"
    batch.write_bytes(b"this is not an avro file")
    job = services.run_job_inline(_cli_job(agg_var, batch, write_domain(agg_var / "d.avro", [1])))
    assert job.status == AggregationJob.FINISHED and job.return_code == "INPUT_DATA_READ_FAILED"
