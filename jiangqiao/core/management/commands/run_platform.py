"""`make run`: prepare the SQLite demo (idempotent) and serve it with a task worker."""

from __future__ import annotations

import signal
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jiangqiao.core.worker import WorkerSupervisor


class Command(BaseCommand):
    help = (
        "迁移数据库、加载标准代码、生成演示省份数据（仅首次），启动后台任务进程并在本机提供服务。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-serve", action="store_true", help="只做准备，不启动服务")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已迁移")
        call_command("load_reference_data")
        call_command("setup_roles")
        # The demo province (first run only; later runs find the data and skip it).
        call_command("demo_data", "--size", "small")
        if options["no_serve"]:
            return
        url = f"http://{options['host']}:{options['port']}/"
        # The task worker runs in its own process, watched: started again whenever it exits
        # (core.worker; the jobs page shows "后台任务处理程序未运行" while it is down).
        worker = WorkerSupervisor(
            [
                sys.executable,
                "manage.py",
                "task_worker",
                "--queue-name",
                "default",
                "--no-reload",
            ]
        )
        worker.start()
        worker.watch()
        # The apps' periodic work (e.g. the casework deadline tick every 5 minutes), watched too.
        timer = WorkerSupervisor([sys.executable, "manage.py", "run_periodic", "--loop"])
        timer.start()
        timer.watch()
        # SIGTERM (systemd, docker stop, kill) ends the server like Ctrl+C, so the worker is
        # stopped too instead of being left behind.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        self.stdout.write(self.style.SUCCESS(f"\n匠桥已启动：{url}\n"))
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            timer.stop()
            worker.stop()
