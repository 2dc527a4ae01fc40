"""Background jobs with progress, cancel and visible failure, on Django's Tasks API.

A job kind is a function registered with ``@job_kind("name", title=...)`` taking
``(job, progress)``. ``job_start`` creates the ``Job`` row and enqueues ``run_job`` on the
configured task backend (database by default, RQ on Redis in production). The worker calls the
function; ``progress(done, total, message)`` records progress with one UPDATE and raises
``JobCancelled`` once a user asked to cancel. A job function must do its writes in a transaction
(or several idempotent ones) so a crash or a kill leaves no half-written data; re-running a failed
job is safe.

A busy database must not kill the worker (issue 12, item 7): the job's bookkeeping writes (claim,
progress, outcome) retry transient lock errors with a growing pause (``with_retry``); a job whose
retries ran out fails with a Chinese message saying so; ``execute`` itself never raises. While a
job runs, a ticker thread refreshes its ``updated_at`` every ``JIANGQIAO_JOB_HEARTBEAT_SECONDS``, so
a long step without progress is not taken for a dead worker; a job with neither progress nor
heartbeat for ``JIANGQIAO_JOB_STALE_MINUTES`` is marked 已中断 (``mark_stale_jobs``).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    connection,
    connections,
    transaction,
)
from django.utils import timezone

from .choices import JOB_FINISHED, BusinessType, JobStatus
from .exceptions import BusinessError
from .models import Job
from .operations import record_operation

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised inside a job when a user has requested cancellation."""


BUSY_MESSAGE = (
    "数据库繁忙：其他操作长时间占用数据库，已重试 {attempts} 次仍无法写入，任务已停止。"
    "未提交的写入已回滚，请稍后点击“重新运行”"
)
BUSY_JOB_MESSAGE = (
    "数据库繁忙：其他操作长时间占用数据库，任务等待超时后停止。未提交的写入已回滚，"
    "请稍后点击“重新运行”"
)
STALE_MESSAGE = (
    "已中断：超过 {minutes} 分钟没有收到任务的进度或心跳，后台任务处理程序可能已被终止或重启。"
    "未提交的写入已回滚，可以点击“重新运行”再次执行"
)


class DatabaseBusy(BusinessError):
    """A write that still met a locked database after its retries."""


T = TypeVar("T")

#: Fragments of the errors a busy database gives: SQLite's "database is locked" / "database
#: table is locked" / "database is busy", PostgreSQL's lock timeout, deadlock and serialisation
#: failure (SQLSTATE 55P03, 40P01, 40001).
_TRANSIENT = ("is locked", "database is busy", "lock timeout", "deadlock", "could not serialize")
_TRANSIENT_CODES = {"55P03", "40P01", "40001"}


def is_transient_db_error(exc: BaseException) -> bool:
    """The database was busy (locked), not wrong: the same statement may pass a moment later."""
    while exc is not None:
        if isinstance(exc, DatabaseError):
            if getattr(exc, "sqlstate", None) in _TRANSIENT_CODES:
                return True
            cause = exc.__cause__
            if getattr(cause, "sqlstate", None) in _TRANSIENT_CODES:
                return True
            text = str(exc).lower()
            if any(fragment in text for fragment in _TRANSIENT):
                return True
        exc = exc.__cause__  # type: ignore[assignment]
    return False


#: The database was out of reach for a moment (PostgreSQL restarted or failed over, the connection
#: dropped): SQLSTATE class 08 (connection exception) and 57P01–57P03 (shutdown, cannot connect now).
_UNAVAILABLE = (
    "server closed the connection",
    "terminating connection",
    "connection already closed",
    "connection refused",
    "could not connect to server",
    "connection to server at",
    "the database system is starting up",
    "the database system is shutting down",
)
_UNAVAILABLE_CODES = {"57P01", "57P02", "57P03"}


def is_unavailable_db_error(exc: BaseException | None) -> bool:
    """The database could not be reached (not a busy lock, not a wrong statement): a request
    answers 503 with Retry-After; Django opens a new connection on the next one."""
    while exc is not None:
        if isinstance(exc, (DatabaseError, InterfaceError)):
            for err in (exc, exc.__cause__):
                code = str(getattr(err, "sqlstate", None) or "")
                if code in _UNAVAILABLE_CODES or code.startswith("08"):
                    return True
            text = str(exc).lower()
            if any(fragment in text for fragment in _UNAVAILABLE):
                return True
        exc = exc.__cause__
    return False


def retry_attempts() -> int:
    return max(1, int(getattr(settings, "JIANGQIAO_JOB_DB_RETRIES", 6)))


def with_retry(
    func: Callable[[], T], *, what: str, attempts: int | None = None, atomic: bool = True
) -> T:
    """Run a short database write, again after a pause if the database was busy.

    Each attempt runs in its own (nested) transaction, so a failed attempt leaves nothing behind
    and, on PostgreSQL, does not abort an enclosing transaction (``atomic=False``: ``func`` writes
    through another connection, in autocommit). Pauses start at
    ``JIANGQIAO_JOB_RETRY_DELAY`` and double (at most 5 s). After the last attempt the error is
    raised as ``DatabaseBusy`` with a Chinese message (the original error is its cause).
    """
    attempts = attempts or retry_attempts()
    delay = float(getattr(settings, "JIANGQIAO_JOB_RETRY_DELAY", 0.25))
    for attempt in range(1, attempts + 1):
        try:
            if not atomic:
                return func()
            with transaction.atomic():
                return func()
        except DatabaseError as exc:
            if not is_transient_db_error(exc):
                raise
            if attempt == attempts:
                raise DatabaseBusy(BUSY_MESSAGE.format(attempts=attempts)) from exc
            logger.warning("%s: database busy (%s), attempt %d of %d", what, exc, attempt, attempts)
            time.sleep(min(5.0, delay * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")  # pragma: no cover


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

    On SQLite in the worker, progress outside the job's transactions goes through a second
    connection too: a job reading in chunks (an export's ``iterator()``) holds a read snapshot on
    its own connection, and once another user has committed a write, an UPDATE there fails at once
    with "database is locked" (SQLITE_BUSY_SNAPSHOT, no busy wait) until the read ends — no retry
    can help (issue 12, item 7: an export and a clerk's edits every 0.3 s). Under a test's
    transaction (``_base_depth`` > 0) the job's connection is used: another one would not see the
    test's rows.
    """

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self._side_connection: Any = None
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
        if with_retry(
            lambda: self._write(fields, check_cancel=True),
            what=f"job {self.job_id} progress",
            atomic=not self._own_connection_unsafe(),
        ):
            raise JobCancelled

    def finish(self, fields: dict[str, Any]) -> None:
        """Record the job's outcome, by the same route as its progress, retrying longer: on
        SQLite the job's connection may still hold a stale read (the traceback of a failed
        export keeps its cursor open), and its UPDATE would fail at once."""
        with_retry(
            lambda: self._write(fields, check_cancel=False),
            what=f"job {self.job_id} outcome",
            attempts=retry_attempts() * 2,
            atomic=not self._own_connection_unsafe(),
        )

    def _own_connection_unsafe(self) -> bool:
        """SQLite in the worker: the job's own connection may hold a read snapshot."""
        return connection.vendor == "sqlite" and self._base_depth == 0

    def _side(self) -> Any:
        if self._side_connection is None:
            self._side_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        return self._side_connection

    def _write(self, fields: dict[str, Any], *, check_cancel: bool) -> bool:
        if not self._own_connection_unsafe():
            Job.objects.filter(pk=self.job_id).update(**fields)
            return check_cancel and (
                Job.objects.filter(pk=self.job_id, cancel_requested=True).exists()
            )
        # The UPDATE and the cancel check on the second connection (autocommit).
        side = self._side()
        sets, values = [], []
        for name, value in fields.items():
            field = Job._meta.get_field(name)
            sets.append(f"{side.ops.quote_name(field.column)} = %s")  # type: ignore[union-attr]
            values.append(field.get_db_prep_save(value, connection=side))  # type: ignore[union-attr]
        table = Job._meta.db_table
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s",  # noqa: S608 - fixed names
                [*values, self.job_id],
            )
            if not check_cancel:
                return False
            cursor.execute(
                f"SELECT cancel_requested FROM {table} WHERE id = %s",  # noqa: S608
                [self.job_id],
            )
            row = cursor.fetchone()
        return bool(row and row[0])

    def _side_update(self, fields: dict[str, Any]) -> None:
        if connection.vendor != "postgresql":
            return
        sets = ", ".join(f"{name} = %s" for name in fields)
        with self._side().cursor() as cursor:
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
        if self._side_connection is not None:
            self._side_connection.close()
            self._side_connection = None


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
    retryable = (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)
    if job.status not in retryable and not job.is_stale:
        raise BusinessError("只有失败、已取消或已中断的任务可以重新运行")
    if job.is_stale:
        _mark_interrupted(Job.objects.filter(pk=job.pk))
    return job_start(actor=actor, kind=job.kind, params=job.params, title=job.title)


def stale_minutes() -> float:
    return float(getattr(settings, "JIANGQIAO_JOB_STALE_MINUTES", 2))


def _mark_interrupted(jobs: Any) -> int:
    minutes = stale_minutes()
    shown = int(minutes) if minutes == int(minutes) else minutes
    return int(
        jobs.filter(
            status=JobStatus.RUNNING,
            updated_at__lt=timezone.now() - timedelta(minutes=minutes),
        ).update(
            status=JobStatus.INTERRUPTED,
            finished_at=timezone.now(),
            message=STALE_MESSAGE.format(minutes=shown)[:500],
        )
    )


def mark_stale_jobs() -> int:
    """Mark 已中断 every running job without progress or heartbeat for the stale time.

    Called by the worker's heartbeat and by the jobs pages. Only writes when there is such a job
    (a read first: an UPDATE that matches nothing still takes SQLite's write lock)."""
    stale = Job.objects.filter(
        status=JobStatus.RUNNING,
        updated_at__lt=timezone.now() - timedelta(minutes=stale_minutes()),
    )
    if not stale.exists():
        return 0
    count = _mark_interrupted(Job.objects.all())
    if count:
        logger.warning("%d stale job(s) marked interrupted", count)
    return count


def worker_warning() -> dict[str, str] | None:
    """What the jobs pages say when no worker will run the queued jobs (``None``: all is well).

    The database backend's worker beats (``core.worker``): no beat for three periods means it is
    not running. Other backends' workers (RQ) do not beat here; there a job still queued after the
    stale time is the sign. The immediate backend (tests) runs jobs in the request."""
    tasks: dict[str, Any] = settings.TASKS
    backend = str(tasks.get("default", {}).get("BACKEND", ""))
    if "immediate" in backend.lower() or "dummy" in backend.lower():
        return None
    if "django_tasks_db" in backend:
        from .models import WorkerHeartbeat

        period = float(getattr(settings, "JIANGQIAO_WORKER_HEARTBEAT_SECONDS", 15))
        recent = timezone.now() - timedelta(seconds=max(30.0, 3 * period))
        if WorkerHeartbeat.objects.filter(beat_at__gte=recent).exists():
            return None
        return {
            "title": "后台任务处理程序未运行",
            "hint": "排队中的任务（导入、导出等）不会开始。本机演示环境请用 make run"
            "（manage.py run_platform）启动，它会自动拉起并看护处理程序；服务器上请运行 "
            "manage.py task_worker（或检查其 systemd/容器服务）。",
        }
    waiting = Job.objects.filter(
        status=JobStatus.QUEUED,
        created_at__lt=timezone.now() - timedelta(minutes=stale_minutes()),
    )
    if waiting.exists():
        return {
            "title": "后台任务处理程序可能未运行",
            "hint": f"有任务排队超过 {stale_minutes():g} 分钟仍未开始；请检查 RQ 处理程序"
            "（manage.py rqworker）和 Redis 是否在运行。",
        }
    return None


def _beat(job_id: int) -> None:
    """The job's heartbeat: ``updated_at`` refreshed while it runs (it is still running)."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(updated_at=timezone.now())


class _Heartbeat:
    """A thread that beats for a running job until it ends (on its own database connection).

    A job may spend minutes in one step without reporting progress (reading a large file,
    one long transaction): the beat keeps it from being taken for a killed one. A beat that meets
    a busy database is skipped; the next one comes a period later."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.period = float(getattr(settings, "JIANGQIAO_JOB_HEARTBEAT_SECONDS", 20))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat")
        self._thread.daemon = True

    def __enter__(self) -> _Heartbeat:
        if self.period > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.period):
                try:
                    _beat(self.job_id)
                except Exception as exc:  # a busy database: the next beat tries again
                    logger.warning("job %s heartbeat skipped: %s", self.job_id, exc)
        finally:
            connections.close_all()  # this thread's own connections only


def execute(job_id: int) -> None:
    """Run one job in the worker. Marks it running, then succeeded/failed/cancelled.

    Never raises: an error the job's bookkeeping could not even record is logged, the worker goes
    on with the next job, and the job (left running, without heartbeat) is marked 已中断 by the
    stale sweep."""
    try:
        _execute(job_id)
    except Exception:
        logger.exception("job %s: could not record its outcome", job_id)


def _execute(job_id: int) -> None:
    from . import context

    claimed = with_retry(
        lambda: Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
        ),
        what=f"job {job_id} claim",
    )
    if claimed != 1:
        logger.info("job %s not queued any more; skipped", job_id)
        return
    job = Job.objects.select_related("created_by").get(pk=job_id)
    spec = REGISTRY.get(job.kind)
    progress = Progress(job)
    try:
        outcome = _run(job, spec, progress, context)
        progress.finish(outcome)
    finally:
        progress.close()


def _run(job: Job, spec: JobKind | None, progress: Progress, context: Any) -> dict[str, Any]:
    """Call the job's function; the fields of its outcome (written by the caller, after the
    exception and its traceback — which may hold a database cursor open — are gone)."""
    try:
        if spec is None:
            raise BusinessError(f"未知的任务类型：{job.kind}")
        with _Heartbeat(job.pk), context.audit_context(user=job.created_by, source="job"):
            result = spec.func(job, progress)
    except JobCancelled:
        return {"status": JobStatus.CANCELLED, "finished_at": timezone.now(), "message": "已取消"}
    except Exception as exc:
        if isinstance(exc, DatabaseBusy):
            message = exc.message
        elif is_transient_db_error(exc):
            message = BUSY_JOB_MESSAGE
        else:
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        logger.exception("job %s failed", job.pk)
        return {
            "status": JobStatus.FAILED,
            "finished_at": timezone.now(),
            "error": f"{message}\n\n{traceback.format_exc()}"[:20000],
            "message": f"失败：{message}"[:500],
        }
    return {
        "status": JobStatus.SUCCEEDED,
        "finished_at": timezone.now(),
        "message": "",  # not the last step's progress text
        "result": result if isinstance(result, dict | list) else {"value": result},
    }
