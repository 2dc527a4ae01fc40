"""``manage.py exchange export|import``: exchange files on the command line (province ↔ national).

    manage.py exchange export --out gd.jsonl [--types craftsman,demand] [--since 1234]
                              [--pii full|masked|hash] --user USERNAME
    manage.py exchange import gd.jsonl [--dry-run] [--target-org ID] --user USERNAME

The user's permissions and data scope apply exactly as on the pages. Counts, conflicts and errors
are printed in Chinese; the exit status is 1 when the file had errors (nothing written) or the
request was refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiangqiao.core import context
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.exchange import services
from jiangqiao.orgs.models import Organization


class Command(BaseCommand):
    help = "导出或导入匠桥交换文件（JSON Lines，见 docs/exchange.md）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="导出交换文件")
        exp.add_argument("--out", required=True, help="输出文件路径（.jsonl）")
        exp.add_argument("--types", default="", help="逗号分隔的记录类型，留空为全部")
        exp.add_argument("--since", default=None, help="起始游标（上次文件头的 cursor_to）")
        exp.add_argument("--pii", default=None, choices=["full", "masked", "hash"])
        exp.add_argument("--user", required=True, help="以哪个账号的权限和数据范围导出")
        imp = sub.add_parser("import", help="导入交换文件")
        imp.add_argument("file", help="交换文件路径")
        imp.add_argument("--dry-run", action="store_true", help="只预检，不写入")
        imp.add_argument("--target-org", type=int, default=None, help="导入到的组织ID（含下级）")
        imp.add_argument("--user", required=True, help="以哪个账号的权限和数据范围导入")

    def _user(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号“{username}”不存在或已停用")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        with context.audit_context(user=user, source="command"):
            try:
                if options["action"] == "export":
                    self._export(user, options)
                else:
                    self._import(user, options)
            except (BusinessError, PermissionDenied) as exc:
                raise CommandError(getattr(exc, "message", None) or str(exc)) from exc

    def _export(self, user: Any, options: dict[str, Any]) -> None:
        batch = services.export_to_file(
            actor=user,
            path=options["out"],
            types=options["types"],
            since=options["since"],
            pii=options["pii"],
        )
        counts = (batch.report or {}).get("counts") or {}
        detail = "，".join(f"{k} {v}" for k, v in counts.items()) or "无记录"
        self.stdout.write(
            f"已导出 {batch.total} 条记录到 {options['out']}（{detail}）\n"
            f"批次 #{batch.pk}，{batch.get_kind_display()}，个人标识：{batch.get_pii_display()}，"
            f"cursor_to = {batch.cursor_to}，SHA-256 {batch.sha256}"
        )

    def _import(self, user: Any, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        target = None
        if options["target_org"] is not None:
            target = (
                Organization.objects.visible_to(user, "view")
                .filter(pk=options["target_org"])
                .first()
            )
            if target is None:
                raise CommandError(f"组织 {options['target_org']} 不存在或不在您的数据范围内")
        batch = services.import_file(
            actor=user,
            content=path.read_bytes(),
            file_name=path.name,
            dry_run=options["dry_run"],
            target_org=target,
        )
        report = batch.report or {}
        verb = "预检" if batch.dry_run else "导入"
        self.stdout.write(
            f"{verb}批次 #{batch.pk}（来源实例 {batch.source_instance or '未知'}，格式 {batch.format_version or '—'}）："
            f"新增 {batch.new_count}，更新 {batch.updated_count}，未变化 {batch.unchanged_count}，"
            f"冲突 {batch.conflict_count}，错误 {batch.error_count}，跳过 {batch.skipped_count}"
        )
        for c in report.get("conflicts") or []:
            fields = "、".join(c.get("field_labels") or []) or "—"
            self.stdout.write(
                f"冲突 第{c['line']}行 {c['id']}（{c.get('object', '')}）：{c.get('reason', '')}；"
                f"字段：{fields}；本地 {c.get('local_updated_at')}，来源 {c.get('incoming_updated_at')}"
            )
        for s in report.get("skipped") or []:
            self.stdout.write(f"跳过 第{s['line']}行 {s['id']}：{s.get('reason', '')}")
        errors = report.get("errors") or []
        for e in errors:
            self.stderr.write(f"错误 {services.error_text(e)}")
        if batch.status == "failed":
            raise CommandError(f"文件有 {batch.error_count} 行错误，未写入任何数据")
        if batch.dry_run:
            self.stdout.write("预检完成，未写入任何数据")
