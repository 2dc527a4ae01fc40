"""Print a year's holidays and 调休 working days, and whether the working-day calendar knows it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jiangqiao.core import workdays


class Command(BaseCommand):
    help = (
        "列出某年的节假日与调休上班日（默认今年），并说明该年节假日安排是否已知（内置或已人工录入）。"
        "--strict：该年未录入时以非零状态退出（可放入每年12月的定时检查）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", nargs="?", type=int, help="年份，如 2027；默认今年")
        parser.add_argument("--strict", action="store_true", help="该年安排未录入时报错退出")

    def handle(self, *args: Any, **options: Any) -> None:
        this_year = timezone.localdate().year
        year = options["year"] or this_year
        if not 1900 <= year <= 9999:
            raise CommandError(f"年份 {year} 不正确")
        known = workdays.calendar_known(year)
        if workdays.builtin_known(year):
            status = "已知（内置日历）"
        elif known:
            status = "已知（人工录入）"
        else:
            status = "未录入：按周一至周五上班计算"
        self.stdout.write(f"{year}年节假日安排：{status}")
        days = workdays.special_days(year) if known else []
        for info in days:
            kind = "班" if info.is_workday else "休"
            source = f"［{info.source_label}］" if info.source else ""
            note = f"  {info.note}" if info.note else ""
            self.stdout.write(
                f"  {info.date.isoformat()} {info.weekday_label} {kind} {info.name}{source}{note}"
            )
        if known:
            holidays = sum(1 for d in days if not d.is_workday)
            makeup = sum(1 for d in days if d.is_workday and d.date.weekday() >= 5)
            self.stdout.write(f"共 {holidays} 天放假，{makeup} 天周末调休上班")
        if options["year"] is None and not workdays.calendar_known(year + 1):
            self.stdout.write(
                f"提示：{year + 1}年节假日安排尚未录入（国务院办公厅通知发布后请在“系统管理 → 工作日历”录入）"
            )
        if not known:
            message = (
                f"{year}年节假日安排尚未录入，请在“系统管理 → 工作日历”批量录入国务院办公厅放假通知"
            )
            if options["strict"]:
                raise CommandError(message)
            self.stderr.write(message)
