"""Celery tasks: each fetches a job by id and calls one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="aggregation.tasks.start_job", ignore_result=True)
def start_job(job_id: int) -> None:
    """Cut the job into shards and fan them out to the workers."""
    for index in services.start_job(job_id):
        run_shard.delay(job_id, index)


@shared_task(name="aggregation.tasks.run_shard", ignore_result=True)
def run_shard(job_id: int, index: int) -> None:
    if services.run_shard(job_id, index):
        finish_job.delay(job_id)


@shared_task(name="aggregation.tasks.finish_job", ignore_result=True)
def finish_job(job_id: int) -> None:
    services.finish_job(job_id)
