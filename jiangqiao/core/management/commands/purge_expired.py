"""Delete or de-identify personal information past its retention period (``core.retention``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiangqiao.core import retention


class Command(BaseCommand):
    help = "按留存期限清理个人信息（每类数据的期限见 docs/privacy.md）。--dry-run 只统计，不修改。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")
        parser.add_argument("--batch", type=int, default=500, help="每批处理的记录数")
        parser.add_argument("--only", nargs="*", default=[], help="只处理这些数据类型（代码）")
        parser.add_argument("--list", action="store_true", help="列出各类数据的留存期限")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for rule in retention.rules():
                self.stdout.write(f"{rule.code}\t{rule.label}\t{rule.period()} 天\t{rule.action}")
            return
        results = retention.run(
            dry_run=options["dry_run"], batch=options["batch"], only=tuple(options["only"])
        )
        verb = "将处理" if options["dry_run"] else "已处理"
        for o in results:
            line = f"{o.label}（{o.days} 天）：{verb} {o.count} 条"
            if o.error:
                line += f"；失败：{o.error}"
            self.stdout.write(line)
