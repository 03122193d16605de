"""``manage.py aggregate`` with the Local Testing Tool's flags, end to end."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.management import CommandError, call_command

from aggregation.models import CoordinatorKey
from aggregation_api import avro_io
from attribution_reporting import coordinator_keys

from .conftest import cleartext_record, encrypted_record, write_batch, write_domain

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(agg_var):
    pair = coordinator_keys.generate_key_pair("cli-test-key")
    CoordinatorKey.objects.create(
        key_id=pair.id,
        public_key=base64.b64encode(pair.public_key).decode(),
        private_key=pair.private_key_b64(),
    )
    big = (1 << 127) + 5
    records = [
        encrypted_record(pair.public_key, pair.id, [(big, 32768, 0), (7, 100, 0)]),
        encrypted_record(pair.public_key, pair.id, [(big, 4400, 0)]),
        cleartext_record([(7, 1, 0)]),  # what the Local Testing Tool reads
    ]
    path = write_batch(agg_var / "reports.avro", records)
    domain = write_domain(agg_var / "output_domain.avro", [big, 7, 8])
    return path, domain, big


def _run(path, domain, out, *flags):
    call_command(
        "aggregate",
        "--input_data_avro_file",
        str(path),
        "--domain_avro_file",
        str(domain),
        "--output_directory",
        str(out),
        *flags,
    )


def test_json_output_without_noise_has_the_exact_sums(batch, agg_var):
    path, domain, big = batch
    _run(path, domain, agg_var / "out", "--json_output", "--no_noising")
    rows = json.loads((agg_var / "out" / "output.json").read_text(encoding="utf-8"))
    # Avro's JSON encoding: minimal big-endian bytes as ISO-8859-1 characters.
    by_bucket = {int.from_bytes(r["bucket"].encode("latin-1"), "big"): r["metric"] for r in rows}
    assert by_bucket == {big: 37168, 7: 101, 8: 0}
    assert any(r["bucket"] == "\x07" for r in rows)  # bucket 7 is the single byte 0x07


def test_avro_output_with_noise_and_epsilon(batch, agg_var):
    path, domain, big = batch
    _run(path, domain, agg_var / "out", "--epsilon", "64", "--seed", "4")
    rows = {r["bucket"]: r["metric"] for r in avro_io.read_summary(agg_var / "out" / "output.avro")}
    assert set(rows) == {big, 7, 8}
    assert any(rows[b] != exact for b, exact in ((big, 37168), (7, 101), (8, 0)))
    assert all(abs(rows[b] - exact) < 30_000 for b, exact in ((big, 37168), (7, 101), (8, 0)))


def test_debug_run_writes_both_summaries_and_can_be_repeated(batch, agg_var):
    path, domain, big = batch
    for _ in range(2):
        _run(path, domain, agg_var / "out", "--debug_run", "--json_output")
    debug = json.loads((agg_var / "out" / "debug_output.json").read_text(encoding="utf-8"))
    unnoised = {int.from_bytes(r["bucket"].encode("latin-1"), "big"): r["unnoised_metric"] for r in debug}
    assert unnoised == {big: 37168, 7: 101, 8: 0}


def test_running_twice_exhausts_the_budget(batch, agg_var):
    path, domain, _ = batch
    _run(path, domain, agg_var / "out", "--no_noising")
    with pytest.raises(CommandError, match="PRIVACY_BUDGET_EXHAUSTED"):
        _run(path, domain, agg_var / "out2", "--no_noising")
    assert not (agg_var / "out2" / "output.avro").exists()
    _run(path, domain, agg_var / "out3", "--no_noising", "--unlimited_budget")
    assert (agg_var / "out3" / "output.avro").exists()


@pytest.mark.parametrize(
    "flags", [["--epsilon", "0"], ["--epsilon", "65"], ["--local_job_params_input_filtering_ids", "x"]]
)
def test_bad_flags_are_clear_errors(batch, agg_var, flags):
    path, domain, _ = batch
    with pytest.raises(CommandError):
        _run(path, domain, agg_var / "out", *flags)


def test_missing_file_is_a_clear_error(agg_var):
    with pytest.raises(CommandError, match="no such file"):
        _run(agg_var / "nope.avro", agg_var / "nope2.avro", agg_var / "out")
