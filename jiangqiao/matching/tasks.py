"""Task functions (Django's Tasks API): keep stored vectors in step with edits."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="matching")  # never in front of a clerk's import (config/settings/base.py)
def refresh_embeddings(craftsman_ids: list[int], demand_ids: list[int]) -> None:
    from .services import embeddings_refresh

    embeddings_refresh(craftsman_ids=craftsman_ids, demand_ids=demand_ids)
