"""``manage.py matching_index [--loop]``: the builder of the shared matching index (``shared``).

Once: bring the snapshot up to date (a full build when this process has no index yet) and exit.
With ``--loop``: keep the index in memory and refresh every ``--every`` seconds — the builder each
web node runs beside its gunicorn (``JIANGQIAO_MATCH_INDEX_BUILDER=service``, docs/deploy.md).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from jiangqiao.matching import shared

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "构建并发布共享的匹配索引；--loop 持续按周期更新（每个 Web 节点运行一个）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="持续运行，按周期更新索引")
        parser.add_argument(
            "--every",
            type=float,
            default=float(settings.JIANGQIAO_MATCH_INDEX_REFRESH_SECONDS),
            help="两次更新之间的秒数",
        )
        parser.add_argument("--force", action="store_true", help="即使没有变化也发布新版本")

    def handle(self, *args: Any, **options: Any) -> None:
        force = bool(options["force"])
        while True:
            if options["loop"]:
                # A long-running builder: drop connections the database side may have closed.
                close_old_connections()
            try:
                self.stdout.write(f"matching_index: {shared.refresh(force=force)}")
            except Exception:  # the loop outlives one failed refresh; the next one retries
                if not options["loop"]:
                    raise
                logger.exception("更新共享的匹配索引失败")
            force = False
            if not options["loop"]:
                return
            time.sleep(options["every"])
