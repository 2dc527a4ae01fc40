"""``manage.py task_worker``: the database backend's worker that survives a busy database.

The same options as django-tasks-db's ``db_worker`` (``--queue-name``, ``--interval``, ``--batch``,
``--reload`` …); see ``core.worker`` for what it adds: a loop that outlives any error of one task,
a heartbeat the jobs page reads, and the stale-job sweep.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import logger

from jiangqiao.core.worker import ResilientWorker


class Command(DbWorkerCommand):
    help = "运行后台任务处理程序（数据库后端）：数据库繁忙不会使其退出，并定期写入心跳"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning(
                "--reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
            # A batch run (tests, cron) does not beat: it is not the standing worker.
            heartbeat_seconds=0.0
            if batch
            else float(getattr(settings, "JIANGQIAO_WORKER_HEARTBEAT_SECONDS", 15)),
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
