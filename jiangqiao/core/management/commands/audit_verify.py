"""Walk the audit-log hash chains (or an exported file) and name every broken row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiangqiao.core import auditchain


class Command(BaseCommand):
    help = (
        "校验变更日志、操作日志、登录日志的哈希链：指出被修改、被删除、被插入或顺序被调换的记录；"
        "有问题时退出码非零。--file 校验导出文件。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--log",
            choices=sorted(auditchain.chained_models()),
            action="append",
            help="只校验这一种日志（可重复）；默认全部",
        )
        parser.add_argument("--since", type=int, default=None, help="从第 N 条起校验")
        parser.add_argument("--file", default=None, help="校验一个导出文件（JSON Lines）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["since"] is not None and options["since"] < 1:
            raise CommandError("--since：请填写不小于 1 的序号")
        if options["file"]:
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"--file：找不到文件 {path}")
            try:
                with path.open(encoding="utf-8") as handle:
                    reports = [auditchain.verify_lines(handle)]
            except (auditchain.FileError, UnicodeDecodeError) as exc:
                raise CommandError(f"--file：{exc}") from None
        else:
            reports = auditchain.verify_all(options["log"], since=options["since"])
        broken = [r for r in reports if not r.ok]
        for report in reports:
            style = self.style.SUCCESS if report.ok else self.style.ERROR
            self.stdout.write(style(report.summary()))
            for problem in report.problems:
                self.stdout.write(f"  {problem.message}")
        if broken:
            raise CommandError("审计日志链被破坏：" + "、".join(r.label for r in broken))
