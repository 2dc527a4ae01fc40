"""``manage.py run_periodic [--loop]``: run the apps' periodic work (core.periodic)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from jiangqiao.core import periodic


class Command(BaseCommand):
    help = "执行各应用登记的定时任务（如服务办理的期限检查）；--loop 持续按周期执行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="持续运行，按各任务的周期执行")
        parser.add_argument("--sleep", type=float, default=15.0, help="两次检查之间的秒数")

    def handle(self, *args: Any, **options: Any) -> None:
        last_run: dict[str, float] = {}
        while True:
            close_old_connections()
            for name, result in periodic.run_due(last_run).items():
                self.stdout.write(f"{name}: {result}")
            if not options["loop"]:
                return
            time.sleep(options["sleep"])
