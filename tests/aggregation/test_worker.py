"""A large job fanned out over shards through a real Celery worker on Redis."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import base64
from aggregation import services
from aggregation_api import avro_io
from aggregation.keys import ensure_active_key
from aggregation import tasks
from tests.aggregation.conftest import encrypted_record
key, _ = ensure_active_key()
pub = base64.b64decode(key.public_key)
bucket = services.buckets_root() / "adtech"
(bucket / "in").mkdir(parents=True, exist_ok=True)
avro_io.write_reports(bucket / "in/reports.avro", [encrypted_record(pub, key.key_id, [(i % 3, 10, 0)]) for i in range(45)])
avro_io.write_domain(bucket / "in/domain.avro", [0, 1, 2])
job = services.create_job({
    "job_request_id": "worker-job", "input_data_blob_prefix": "in/reports.avro", "input_data_bucket_name": "adtech",
    "output_data_blob_prefix": "out/summary.avro", "output_data_bucket_name": "adtech",
    "job_parameters": {"output_domain_blob_prefix": "in/domain.avro", "output_domain_bucket_name": "adtech",
                       "attribution_report_to": "https://adtech.localhost", "debug_privacy_epsilon": "64"}})
tasks.start_job.delay(job.pk)
"""


@pytest.fixture
def own_redis(redis_url):
    """The suite's Redis database (``ARA_TEST_REDIS_URL``), emptied first.

    Every other test's workers are stopped when that test ends, so none can take these tasks;
    and a second suite on the same machine, given another database, never sees them.
    """
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


def test_shards_run_on_a_real_worker_and_merge(own_redis, tmp_path):
    from tests.conftest import WorkerProcess

    redis_url = own_redis
    db = tmp_path / "worker.sqlite3"
    env = {
        **os.environ,
        "ARA_SQLITE_PATH": str(db),
        "DATABASE_URL": "",
        "ARA_VAR_DIR": str(tmp_path / "var"),
        "ARA_AGGREGATION_SHARD_SIZE": "10",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env, cwd=REPO)
    names = ("ARA_SQLITE_PATH", "DATABASE_URL", "ARA_VAR_DIR", "ARA_AGGREGATION_SHARD_SIZE")
    worker = WorkerProcess(redis_url, {k: env[k] for k in names})
    row = None
    try:
        worker.wait_ready()
        subprocess.run([sys.executable, "manage.py", "shell", "-c", SCRIPT], check=True, env=env, cwd=REPO)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as conn:
                row = conn.execute(
                    "select status, return_code, shard_count, shards_done, accepted_reports"
                    " from aggregation_aggregationjob"
                ).fetchone()
            if row and row[0] == "FINISHED":
                break
            time.sleep(0.3)
    finally:
        worker.stop(kill=True)
    assert row == ("FINISHED", "SUCCESS", 5, 5, 45)
    assert (tmp_path / "var/aggregation/buckets/adtech/out/summary-1-of-1.avro").is_file()
