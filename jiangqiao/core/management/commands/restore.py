"""Restore a backup into an empty database and verify counts and encrypted fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiangqiao.core import backup


class Command(BaseCommand):
    help = (
        "把 manage.py backup 的备份恢复到一个空数据库：先核对清单里每个文件的 SHA-256，"
        "恢复后核对每张表的行数，并用当前配置的密钥解密每个加密字段的样本；有问题时退出码非零。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="src", required=True, help="备份目录")
        parser.add_argument(
            "--database-url", required=True, help="目标数据库（必须是空库），如 postgres://…/新库"
        )
        parser.add_argument(
            "--media-root",
            default=None,
            help="文件恢复到此目录下的 media/ 与 private/；默认恢复到 MEDIA_ROOT 与 JIANGQIAO_PRIVATE_ROOT（须为空）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        media_root = Path(options["media_root"]) if options["media_root"] else None
        try:
            report = backup.restore(
                Path(options["src"]), options["database_url"], media_root=media_root
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已恢复 {report.tables} 张表、{report.rows} 行；解密核对 {report.decrypted} 个加密值"
        )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError("恢复后的核对未通过：" + report.problems[-1])
        self.stdout.write("核对通过：行数与清单一致，加密字段可以解密")
