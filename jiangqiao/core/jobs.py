"""Background jobs with progress, cancel and visible failure, on Django's Tasks API.

A job kind is a function registered with ``@job_kind("name", title=...)`` taking
``(job, progress)``. ``job_start`` creates the ``Job`` row and enqueues ``run_job`` on the
configured task backend (database by default, RQ on Redis in production). The worker calls the
function; ``progress(done, total, message)`` records progress with one UPDATE and raises
``JobCancelled`` once a user asked to cancel. A job function must do its writes in a transaction
(or several idempotent ones) so a crash or a kill leaves no half-written data; re-running a failed
job is safe.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from .choices import JOB_FINISHED, BusinessType, JobStatus
from .exceptions import BusinessError
from .models import Job
from .operations import record_operation

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised inside a job when a user has requested cancellation."""


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str
    func: Callable[[Job, Callable[..., None]], Any]
    permission: str | None


REGISTRY: dict[str, JobKind] = {}


def job_kind(
    name: str, *, title: str, permission: str | None = None
) -> Callable[
    [Callable[[Job, Callable[..., None]], Any]], Callable[[Job, Callable[..., None]], Any]
]:
    def decorator(func: Callable[[Job, Callable[..., None]], Any]) -> Any:
        REGISTRY[name] = JobKind(name=name, title=title, func=func, permission=permission)
        return func

    return decorator


class Progress:
    """Callable handed to a job function: ``progress(done, total=None, message="")``.

    Outside a transaction the update is a plain UPDATE. Inside one (a long all-or-nothing write),
    an UPDATE on the job row would stay invisible until the commit and would lock the row, so a
    user's "cancel" would wait for the whole write. On PostgreSQL the progress and the cancel check
    then go through a second, autocommit connection; SQLite has a single writer, so there progress
    is not written (and cancel not seen) until the transaction ends.
    """

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self._side: Any = None
        # Transactions already open when the job started (a test's) are not the job's own.
        self._base_depth = len(connection.atomic_blocks)

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        # ``updated_at`` doubles as the heartbeat that tells a killed worker's job apart.
        fields: dict[str, Any] = {
            "done": done,
            "message": message[:500],
            "updated_at": timezone.now(),
        }
        if total is not None:
            fields["total"] = total
        if len(connection.atomic_blocks) > self._base_depth:
            self._side_update(fields)
            return
        Job.objects.filter(pk=self.job_id).update(**fields)
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise JobCancelled

    def _side_update(self, fields: dict[str, Any]) -> None:
        if connection.vendor != "postgresql":
            return
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        sets = ", ".join(f"{name} = %s" for name in fields)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET {sets} WHERE id = %s",  # noqa: S608 - fixed names
                [*fields.values(), self.job_id],
            )
            cursor.execute(
                f"SELECT cancel_requested FROM {Job._meta.db_table} WHERE id = %s",  # noqa: S608
                [self.job_id],
            )
            row = cursor.fetchone()
        if row and row[0]:
            raise JobCancelled

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def job_start(
    *, actor: Any, kind: str, params: dict[str, Any] | None = None, title: str | None = None
) -> Job:
    """Create a job and enqueue it after the surrounding transaction commits."""
    from .tasks import run_job

    spec = REGISTRY.get(kind)
    if spec is None:
        raise BusinessError(f"未知的任务类型：{kind}", field="kind")
    if spec.permission and not actor.has_perm(spec.permission):
        raise BusinessError("您没有启动该任务的权限")
    if actor.org_id is None and not actor.is_superuser:
        raise BusinessError("您的账号未分配组织，不能启动后台任务")
    job = Job.objects.create(
        kind=kind,
        title=title or spec.title,
        params=params or {},
        org_id=actor.org_id or _root_org_id(),
        created_by=actor,
        updated_by=actor,
    )
    record_operation(
        actor=actor,
        module="后台任务",
        business_type=BusinessType.OTHER,
        action=f"启动后台任务“{job.title}”",
        target=job,
    )

    def enqueue() -> None:
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)
    return job


def _root_org_id() -> int:
    from jiangqiao.orgs.models import Organization

    root = Organization.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise BusinessError("系统中还没有任何组织，不能启动后台任务")
    return root.pk


def job_cancel(*, actor: Any, job: Job) -> Job:
    """Ask a queued or running job to stop; a queued job is cancelled at once."""
    if job.status in JOB_FINISHED:
        raise BusinessError("任务已结束，不能取消")
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now(), message="已取消（未开始）"
    )
    record_operation(
        actor=actor,
        module="后台任务",
        business_type=BusinessType.FORCE,
        action=f"取消后台任务“{job.title}”",
        target=job,
    )
    job.refresh_from_db()
    return job


def job_retry(*, actor: Any, job: Job) -> Job:
    """Start the same job again (a failed, cancelled or interrupted one)."""
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED) and not job.is_stale:
        raise BusinessError("只有失败、已取消或已中断的任务可以重新运行")
    if job.is_stale:
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            message="已中断：后台进程被终止（数据库未被部分修改）",
        )
    return job_start(actor=actor, kind=job.kind, params=job.params, title=job.title)


def execute(job_id: int) -> None:
    """Run one job in the worker. Marks it running, then succeeded/failed/cancelled."""
    from . import context

    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if claimed != 1:
        logger.info("job %s not queued any more; skipped", job_id)
        return
    job = Job.objects.select_related("created_by").get(pk=job_id)
    spec = REGISTRY.get(job.kind)
    try:
        if spec is None:
            raise BusinessError(f"未知的任务类型：{job.kind}")
        progress = Progress(job)
        try:
            with context.audit_context(user=job.created_by, source="job"):
                result = spec.func(job, progress)
        finally:
            progress.close()
    except JobCancelled:
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now(), message="已取消"
        )
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        logger.exception("job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{message}\n\n{traceback.format_exc()}"[:20000],
            message=f"失败：{message}"[:500],
        )
    else:
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.SUCCEEDED,
            finished_at=timezone.now(),
            result=result if isinstance(result, dict | list) else {"value": result},
        )
