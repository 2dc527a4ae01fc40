"""Health checks for ``/healthz`` and the Prometheus metrics (issue 17, point 7).

Each check is cheap (one ``SELECT 1``, one cache round trip, a queue length, one indexed row) and
answers only statuses, ages, durations and counts: no personal data, no unit names. A check is
*required* when the platform cannot serve without it; ``/healthz`` answers 503 when a required
check is not ``ok``. Apps above ``core`` add their own checks with :func:`register` (the matching
app adds its index's freshness) — ``core`` imports none of them.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.utils import timezone

OK = "ok"
DEGRADED = "degraded"
FAIL = "fail"


@dataclass(frozen=True)
class Check:
    name: str
    func: Callable[[], dict[str, Any]]
    required: bool


_extra: dict[str, Check] = {}


def register(name: str, func: Callable[[], dict[str, Any]], *, required: bool = False) -> None:
    """Add a check (an app's ``ready``); ``func`` returns a dict with at least ``status``."""
    _extra[name] = Check(name, func, required)


def _task_settings() -> dict[str, Any]:
    tasks: dict[str, Any] = settings.TASKS
    return dict(tasks.get("default", {}))


def _queues() -> list[str]:
    return list(_task_settings().get("QUEUES", ["default"]))


def task_backend() -> str:
    backend = str(_task_settings().get("BACKEND", ""))
    if "django_tasks_rq" in backend:
        return "rq"
    if "django_tasks_db" in backend:
        return "database"
    return "immediate"


def _ms(began: float) -> float:
    return round((time.perf_counter() - began) * 1000, 2)


def check_database() -> dict[str, Any]:
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK, "ms": _ms(began)}


def check_cache() -> dict[str, Any]:
    began = time.perf_counter()
    key = f"jiangqiao:healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    return {"status": OK if value == "1" else FAIL, "ms": _ms(began)}


def redis_connection() -> Any:
    from redis import Redis

    return Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def queue_depths() -> dict[str, int]:
    """Tasks waiting per queue of the configured backend (empty for the immediate backend)."""
    kind = task_backend()
    if kind == "rq":
        from rq import Queue

        conn = redis_connection()
        return {name: Queue(name, connection=conn).count for name in _queues()}
    if kind == "database":
        from django_tasks_db.models import DBTaskResult

        waiting = dict(
            DBTaskResult.objects.filter(status="READY")
            .values_list("queue_name")
            .annotate(n=Count("pk"))
            .values_list("queue_name", "n")
        )
        return {name: int(waiting.get(name, 0)) for name in _queues()}
    return {}


def failed_jobs() -> int:
    """Jobs (``core.Job``) that ended 失败; with RQ, plus the queue's failed-job registry."""
    from .choices import JobStatus
    from .models import Job

    count = Job.objects.filter(status=JobStatus.FAILED).count()
    if task_backend() == "rq":
        from rq import Queue
        from rq.registry import FailedJobRegistry

        conn = redis_connection()
        for name in _queues():
            count += FailedJobRegistry(queue=Queue(name, connection=conn)).count
    return count


def check_queue() -> dict[str, Any]:
    kind = task_backend()
    began = time.perf_counter()
    if kind == "rq":
        redis_connection().ping()
    return {"status": OK, "backend": kind, "depth": queue_depths(), "ms": _ms(began)}


def worker_stale_seconds() -> float:
    return float(getattr(settings, "JIANGQIAO_HEALTH_WORKER_STALE_MINUTES", 2)) * 60


def latest_worker_beat() -> Any:
    """The time of the latest worker heartbeat, or ``None`` (no worker has beaten)."""
    kind = task_backend()
    if kind == "rq":
        from rq import Worker

        beats: list[dt.datetime] = [
            b if timezone.is_aware(b) else b.replace(tzinfo=dt.UTC)
            for b in (w.last_heartbeat for w in Worker.all(connection=redis_connection()))
            if b is not None
        ]
        return max(beats, default=None)
    from .models import WorkerHeartbeat

    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def check_worker() -> dict[str, Any]:
    if task_backend() == "immediate":
        return {"status": OK, "note": "任务在请求内执行，无需后台处理程序"}
    beat = latest_worker_beat()
    limit = worker_stale_seconds()
    if beat is None:
        return {"status": DEGRADED, "age_seconds": None, "stale_after_seconds": limit}
    age = max(0.0, (timezone.now() - beat) / timedelta(seconds=1))
    return {
        "status": OK if age <= limit else DEGRADED,
        "age_seconds": round(age, 1),
        "stale_after_seconds": limit,
    }


def checks() -> list[Check]:
    worker_required = task_backend() != "immediate"
    return [
        Check("database", check_database, True),
        Check("cache", check_cache, True),
        Check("task_queue", check_queue, task_backend() == "rq"),
        Check("worker", check_worker, worker_required),
        *_extra.values(),
    ]


def run() -> tuple[bool, dict[str, Any]]:
    """Run every check: (all required checks ok, the JSON body)."""
    results: dict[str, Any] = {}
    healthy = True
    overall = OK
    for check in checks():
        try:
            result = dict(check.func())
        except Exception as exc:
            # The exception's class only: its text may carry a DSN or a host name.
            result = {"status": FAIL, "error": type(exc).__name__}
        result["required"] = check.required
        results[check.name] = result
        if result["status"] != OK:
            if check.required:
                healthy = False
            if overall != FAIL:
                overall = FAIL if result["status"] == FAIL and check.required else DEGRADED
    return healthy, {"status": overall, "time": timezone.now().isoformat(), "checks": results}
