"""Report ingestion under load: a production server (gunicorn, several workers) beside runserver.

Each server is started on loopback, on a fresh copy of a migrated SQLite database (or on
``--database-url``), with the embedded Celery broker (or ``--broker``; never a Redis database
a demo's worker reads, which would take the tasks). ``--connections`` clients keep POSTing
distinct event-level reports, as browsers deliver them, until ``--reports`` are sent or
``--seconds`` have passed. Each answer is a committed row and an enqueued task. Printed per
server: reports per second, latency percentiles (p50, p95, p99) and errors; then gunicorn
against runserver as ratios, both measured in this run.

    .venv/bin/python -m benchmarks.bench_ingestion [--reports 3000] [--seconds 40] [--connections 32]
        [--gunicorn-workers 4] [--database-url postgres://...] [--broker redis://127.0.0.1:6379/N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PATH = "/.well-known/attribution-reporting/report-event-attribution"
BODY = {
    "attribution_destination": "http://shop.localhost",
    "randomized_trigger_rate": 0.0024263,
    "scheduled_report_time": "172800",
    "source_event_id": "1001000042",
    "source_type": "navigation",
    "trigger_data": "3",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(var: Path, database: Path | None, args: argparse.Namespace, port: int) -> dict[str, str]:
    env = {**os.environ, "ARA_VAR_DIR": str(var), "ARA_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.update(DATABASE_URL="", ARA_SQLITE_PATH=str(database))
    if args.broker:
        env.update(CELERY_BROKER_URL=args.broker, CELERY_RESULT_BACKEND=args.broker)
    else:
        env.update(CELERY_BROKER_URL="", ARA_EMBEDDED_BROKER="1")
    return env


def _commands(port: int, workers: int) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "runserver": [py, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "gunicorn": [
            py,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--backlog=256",
            "--log-level=warning",
        ],
    }


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": f"adtech.localhost:{port}"}, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError("the server did not answer")


async def _load(port: int, reports: int, seconds: float, connections: int) -> dict:
    """``connections`` concurrent clients; each waits for its answer before sending the next report."""
    headers = {"Host": f"adtech.localhost:{port}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as http:
        started = time.perf_counter()
        stop_at = started + seconds

        async def client() -> None:
            nonlocal errors, sent
            while sent < reports and time.perf_counter() < stop_at:
                sent += 1
                body = json.dumps({**BODY, "report_id": str(uuid.uuid4())})
                t0 = time.perf_counter()
                try:
                    response = await http.post(PATH, content=body, headers=headers)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        await asyncio.gather(*(client() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else 0.0

    return {
        "answered": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(50), 1),
        "p95_ms": round(pct(95), 1),
        "p99_ms": round(pct(99), 1),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else 0.0,
    }


def _stored(env: dict[str, str]) -> int:
    code = "from adtech.models import ReceivedReport; print(ReceivedReport.objects.count())"
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def run_server(name: str, template: Path | None, tmp: Path, args: argparse.Namespace) -> dict:
    port = _free_port()
    var = tmp / name
    var.mkdir()
    database = None
    if template is not None:
        database = var / "bench.sqlite3"
        shutil.copy(template, database)
    env = _env(var, database, args, port)
    if args.database_url:
        clear = "from adtech.models import ReceivedReport; ReceivedReport.objects.all().delete()"
        subprocess.run([sys.executable, "manage.py", "shell", "-c", clear], env=env, cwd=ROOT, check=True)
    command = _commands(port, args.gunicorn_workers)[name]
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(port, proc)
        asyncio.run(_load(port, min(200, args.reports), 10, args.connections))  # warm up (not counted)
        before = _stored(env)
        result = asyncio.run(_load(port, args.reports, args.seconds, args.connections))
        result["stored"] = _stored(env) - before
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000, help="reports per server (at most)")
    parser.add_argument("--seconds", type=float, default=40, help="time per server (at most)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--gunicorn-workers", type=int, default=max(2, 2 * (os.cpu_count() or 1)))
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of a SQLite file")
    parser.add_argument("--broker", default="", help="a Celery broker URL instead of the embedded one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ingestion-") as tmp_name:
        tmp = Path(tmp_name)
        template = None
        env = _env(tmp, tmp / "template.sqlite3", args, 0)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        if not args.database_url:
            template = tmp / "template.sqlite3"
        results = {name: run_server(name, template, tmp, args) for name in ("runserver", "gunicorn")}
    dev, prod = results["runserver"], results["gunicorn"]
    out = {
        "database": "postgresql" if args.database_url else "sqlite",
        "broker": "configured" if args.broker else "embedded",
        "connections": args.connections,
        "gunicorn_workers": args.gunicorn_workers,
        **results,
        "throughput_ratio": round(prod["per_second"] / dev["per_second"], 2) if dev["per_second"] else None,
        "p99_ratio": round(prod["p99_ms"] / dev["p99_ms"], 2) if dev["p99_ms"] else None,
    }
    print(json.dumps(out, indent=1))
    for name, r in results.items():
        print(
            f"{name:>10}: {r['per_second']:7.1f} reports/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms"
            f"  p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}  stored {r['stored']}/{r['answered']}"
        )
    print(
        f"gunicorn/runserver: {out['throughput_ratio']}x the throughput, {out['p99_ratio']}x the p99 latency"
    )
    return out


if __name__ == "__main__":
    main()
