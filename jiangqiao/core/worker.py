"""The task worker of the database backend, made to survive a busy database (issue 12, item 7).

``manage.py task_worker`` is django-tasks-db's ``db_worker`` with three changes:

* **The loop survives.** The library's loop died when a write of its own bookkeeping (claiming a
  task, recording its result) met "database is locked" past its three quick retries: the thread
  ended, the process lived on (under the autoreloader), and every later job stayed queued. Here an
  error of one task is logged and the next task is taken; an error of the loop itself is logged
  and the loop starts again after ``RESTART_DELAY`` seconds.
* **It beats.** A thread writes the worker's ``WorkerHeartbeat`` row every
  ``JIANGQIAO_WORKER_HEARTBEAT_SECONDS`` (the jobs page says "后台任务处理程序未运行" without it)
  and marks stale jobs 已中断 (``jobs.mark_stale_jobs``). When the loop's thread is gone the
  beating stops and the process exits (status 3), for its supervisor to start it again.
* **It is supervised.** ``WorkerSupervisor`` (used by ``run_platform``) starts the worker process
  and starts it again whenever it exits, after a pause that grows while it keeps dying.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import threading
import time
from datetime import timedelta
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)

#: Pause before the loop starts again after an error of its own (seconds; grows to 30).
RESTART_DELAY = 1.0
#: A ``--batch`` run gives up after this many errors of the loop in a row.
BATCH_GIVE_UP = 3


def record_heartbeat(
    worker_id: str, *, job_id: int | None = None, tasks_done: int = 0, started: Any = None
) -> None:
    """Write the worker's heartbeat row (one short write)."""
    from .models import WorkerHeartbeat

    now = timezone.now()
    defaults: dict[str, Any] = {
        "hostname": socket.gethostname()[:255],
        "pid": os.getpid(),
        "beat_at": now,
        "job_id": job_id,
        "tasks_done": tasks_done,
    }
    if started is not None:
        defaults["started_at"] = started
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id[:64], defaults=defaults)


def forget_heartbeat(worker_id: str) -> None:
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.filter(worker_id=worker_id[:64]).delete()


class ResilientWorker(Worker):
    """django-tasks-db's worker whose loop outlives any error of one task or of one turn."""

    def __init__(self, *, heartbeat_seconds: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat_seconds = heartbeat_seconds
        self.started = timezone.now()
        self.current_job: int | None = None
        self._loop_thread: threading.Thread | None = None
        self._stop_beating = threading.Event()

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        self._loop_thread = threading.current_thread()
        self._start_heartbeat()
        failures = 0
        try:
            while self.running:
                began = time.monotonic()
                try:
                    super().run()
                    return  # batch done, max tasks reached, or asked to stop
                except Exception:
                    # Errors "in a row": a loop that ran a minute before failing starts afresh.
                    failures = 1 if time.monotonic() - began > 60 else failures + 1
                    if self.batch and failures >= BATCH_GIVE_UP:
                        raise  # a one-off run (cron, tests) reports the error, not loop forever
                    logger.exception(
                        "task worker %s: error in the loop (%d in a row); starting again",
                        self.worker_id,
                        failures,
                    )
                    self._reset_connection()
                    if self.running:
                        time.sleep(min(30.0, RESTART_DELAY * failures))
        finally:
            self._stop_beating.set()
            if self.heartbeat_seconds > 0:
                try:
                    forget_heartbeat(self.worker_id)  # stopped: the page should say so at once
                except Exception:
                    logger.warning("task worker %s: heartbeat row not removed", self.worker_id)

    def run_task(self, db_task_result: Any) -> None:
        self.current_job = _job_id_of(db_task_result)
        try:
            super().run_task(db_task_result)
        except Exception:
            # Recording the task's outcome failed even after the library's retries; our own
            # ``jobs.execute`` has recorded (or will sweep) the job itself.
            logger.exception(
                "task worker %s: task %s not recorded", self.worker_id, db_task_result.id
            )
            self._reset_connection()
        finally:
            self.current_job = None

    @staticmethod
    def _reset_connection() -> None:
        """After a database error: drop a broken connection (never one inside a transaction)."""
        try:
            close_old_connections()
        except Exception:  # pragma: no cover - the next query reconnects
            logger.exception("closing the database connection failed")

    # -- the heartbeat ---------------------------------------------------------------------------

    def beat(self) -> None:
        """One heartbeat: the worker's row, then the stale sweep (and the rows of workers
        killed without a goodbye, a day later)."""
        from .jobs import mark_stale_jobs
        from .models import WorkerHeartbeat

        record_heartbeat(
            self.worker_id,
            job_id=self.current_job,
            tasks_done=self._run_tasks,
            started=self.started,
        )
        mark_stale_jobs()
        gone = WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - timedelta(days=1))
        if gone.exists():
            gone.delete()

    def loop_alive(self) -> bool:
        return self._loop_thread is None or self._loop_thread.is_alive()

    def _start_heartbeat(self) -> None:
        if self.heartbeat_seconds <= 0:
            return
        thread = threading.Thread(target=self._beating, name="task-worker-heartbeat", daemon=True)
        thread.start()

    def _beating(self) -> None:
        try:
            while True:
                if not self.loop_alive():
                    logger.error("task worker %s: the loop's thread died; exiting", self.worker_id)
                    os._exit(3)  # the supervisor (or the autoreloader) starts a new worker
                try:
                    self.beat()
                except Exception as exc:  # a busy database: the next beat tries again
                    logger.warning("task worker %s: heartbeat skipped: %s", self.worker_id, exc)
                if self._stop_beating.wait(self.heartbeat_seconds):
                    break
        finally:
            connections.close_all()


def _job_id_of(db_task_result: Any) -> int | None:
    try:
        args = (db_task_result.args_kwargs or {}).get("args") or []
        return int(args[0]) if args and db_task_result.task_path.endswith(".run_job") else None
    except (TypeError, ValueError, AttributeError):
        return None


class WorkerSupervisor:
    """Keeps one worker process running: started again whenever it exits (run_platform)."""

    def __init__(self, command: list[str], *, delay: float = 1.0, max_delay: float = 30.0) -> None:
        self.command = command
        self.delay = delay
        self.max_delay = max_delay
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopped = False
        self._quick_deaths = 0
        self._started_at = 0.0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            self._stopped = False
            self._spawn()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.command)  # noqa: S603 - our own command line
        self._started_at = time.monotonic()

    def check(self) -> bool:
        """Start the worker again if it has exited; whether it did."""
        with self._lock:
            if self._stopped or self.process is None or self.process.poll() is None:
                return False
            code = self.process.returncode
            lived = time.monotonic() - self._started_at
            self._quick_deaths = self._quick_deaths + 1 if lived < 60 else 0
            pause = min(self.max_delay, self.delay * self._quick_deaths)
            logger.error(
                "后台任务处理程序已退出（状态 %s，运行 %.0f 秒），%.0f 秒后重新启动",
                code,
                lived,
                pause,
            )
        if pause:
            time.sleep(pause)
        with self._lock:
            if self._stopped:
                return False
            self._spawn()
            self.restarts += 1
        return True

    def watch(self, period: float = 2.0) -> None:
        """Check every ``period`` seconds in a daemon thread until ``stop``."""

        def loop() -> None:
            while not self._stopped:
                time.sleep(period)
                try:
                    self.check()
                except Exception:  # pragma: no cover - keep watching
                    logger.exception("worker supervisor check failed")

        self._thread = threading.Thread(target=loop, name="task-worker-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching and end the worker (SIGTERM: it finishes its task; then SIGKILL)."""
        with self._lock:
            self._stopped = True
            process = self.process
        stop_process(process, timeout)


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """SIGTERM (a worker finishes its task, gunicorn its requests), then SIGKILL after ``timeout``."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
