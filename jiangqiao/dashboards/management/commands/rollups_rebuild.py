"""``manage.py rollups_rebuild``: recompute the dashboards' figure rollups from the raw rows."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "从原始记录重新计算统计驾驶舱的汇总数据（可在系统运行时执行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        from jiangqiao.dashboards.rollups import rebuild

        began = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} 个单位月份")

        result = rebuild(progress=progress)
        seconds = time.monotonic() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：{result['unit_months']} 个单位月份，日汇总 {result['daily_rows']} 行，"
                f"月汇总 {result['monthly_rows']} 行，年度服务企业 {result['served_enterprises']} 家次，"
                f"用时 {seconds:.1f} 秒"
            )
        )
