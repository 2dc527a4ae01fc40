"""Task functions for Django's Tasks API (django-tasks backport)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> None:
    from .jobs import execute

    execute(job_id)
