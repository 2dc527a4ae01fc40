"""The embedding refresh queued after every save goes on its own queue ("matching"), which the
workers take after "default": a burst of submissions never delays a clerk's import (the soak in
docs/performance.md found a 20-minute backlog when both shared one queue)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from jiangqiao.core import health
from jiangqiao.matching.tasks import refresh_embeddings

DB_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
}


@pytest.mark.django_db
@override_settings(TASKS=DB_BACKEND)
def test_the_embedding_refresh_waits_on_its_own_queue(world: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    refresh_embeddings.enqueue([], [1, 2])
    refresh_embeddings.enqueue([3], [])
    assert set(DBTaskResult.objects.values_list("queue_name", flat=True)) == {"matching"}
    assert health.queue_depths() == {"default": 0, "matching": 2}
    assert settings.TASK_QUEUES[0] == "default"  # what workers take first
