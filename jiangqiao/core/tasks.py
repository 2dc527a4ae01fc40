"""Task functions for Django's Tasks API (django-tasks backport)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> None:
    from .jobs import execute

    execute(job_id)


@task()
def merge_search_index(table: str) -> None:
    """After a bulk import: merge the n-gram index's pending list (``core.search.bulk_loading``)."""
    from .search import merge_pending

    merge_pending(table)
