"""`make run`: prepare the SQLite demo (idempotent) and serve it through gunicorn with a task worker.

The server is the production one (gunicorn with ``config/gunicorn.py``, DEBUG off, static files by
whitenoise, the Chinese error pages) with two workers on 127.0.0.1:8000; beside it the database
task worker and the periodic ticks, each started again whenever it exits. Ctrl+C (or SIGTERM)
stops all three.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiangqiao.core.worker import WorkerSupervisor, stop_process


class Command(BaseCommand):
    help = (
        "迁移数据库、加载标准代码、生成演示省份数据（仅首次），启动后台任务进程并在本机提供服务。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 工作进程数")
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
                ",".join(settings.TASK_QUEUES),
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
        server: subprocess.Popen[bytes] | None = None
        try:
            server = subprocess.Popen(gunicorn_command(options), env=server_environment())  # noqa: S603
            self.stdout.write(self.style.SUCCESS(f"\n匠桥已启动：{url}\n"))
            code = server.wait()
            if code != 0:
                raise CommandError(f"网页服务进程已退出（状态 {code}），请查看上面的错误信息")
        except KeyboardInterrupt:
            self.stdout.write("\n正在停止……")
        finally:
            stop_process(server, timeout=15.0)
            timer.stop()
            worker.stop()


def gunicorn_command(options: dict[str, Any]) -> list[str]:
    """gunicorn with the production settings file and the demo's address and worker count."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:config.gunicorn",
        "--bind",
        f"{options['host']}:{options['port']}",
        "--workers",
        str(options["workers"]),
        "config.wsgi",
    ]


def server_environment() -> dict[str, str]:
    """The server's environment: this command's settings module, and a metrics directory shared
    by its workers (emptied by gunicorn at start) so that ``/metrics`` counts all of them."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
    metrics = Path(settings.BASE_DIR) / "var" / "metrics"
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    return env
