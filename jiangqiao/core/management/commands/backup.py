"""Back up the database (pg_dump / SQLite backup API) and the file trees, with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiangqiao.core import backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL 用 pg_dump 自定义格式，SQLite 用备份接口）、上传文件目录，"
        "并写出清单 manifest.json（每张表的行数、已执行的迁移、每个文件的 SHA-256）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="备份目录（新目录或空目录）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup.backup(Path(options["out"]))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"已备份到 {options['out']}：{len(manifest['tables'])} 张表、{rows} 行，"
            f"文件 {', '.join(sorted(manifest['files']))}"
        )
