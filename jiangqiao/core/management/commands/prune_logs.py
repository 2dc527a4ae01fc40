"""Delete audit log rows older than the retention period (never younger than the legal minimum).

Only a chain's oldest rows go, after they are checked; the last deleted row becomes the chain's
anchor, so the rows kept still verify (``core.auditchain.purge``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from jiangqiao.core import auditchain
from jiangqiao.core.auditchain import LEGAL_MINIMUM_DAYS
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.operations import record_operation


class Command(BaseCommand):
    help = (
        "删除超过保存期限的变更日志、操作日志和登录日志。保存期限不得少于 180 天（网络安全法第二十一条）；"
        "默认取 JIANGQIAO_LOG_RETENTION_DAYS。删除前先校验要删的记录，删后以最后一条为链的锚点。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, default=None, help="保存天数（≥180）")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than"] or settings.JIANGQIAO_LOG_RETENTION_DAYS
        if days < LEGAL_MINIMUM_DAYS:
            raise CommandError(f"日志至少保存 {LEGAL_MINIMUM_DAYS} 天，不能只保存 {days} 天")
        cutoff = timezone.now() - timedelta(days=days)
        counts: dict[str, int] = {}
        anchors: dict[str, int] = {}
        auditchain.seal_all()  # rows whose process died before sealing them
        for log in sorted(auditchain.chained_models()):
            try:
                done = auditchain.purge(log, cutoff, dry_run=options["dry_run"])
            except auditchain.PurgeRefused as exc:
                problems = "\n".join(f"  {p.message}" for p in exc.report.problems[:20])
                raise CommandError(
                    f"{exc.report.label}要删除的记录校验不通过，已停止清理（它们是证据）：\n{problems}"
                ) from None
            counts[done.label] = done.deleted
            anchors[done.log] = done.anchor_seq
        if not options["dry_run"]:
            with transaction.atomic():
                record_operation(
                    actor=None,
                    module="日志审计",
                    business_type=BusinessType.CLEAN,
                    action=f"清理 {days} 天前的日志",
                    extra={"cutoff": cutoff.isoformat(), "anchors": anchors, **counts},
                )
        verb = "将删除" if options["dry_run"] else "已删除"
        summary = "，".join(f"{label} {n} 条" for label, n in counts.items())
        self.stdout.write(f"{verb} {cutoff:%Y-%m-%d %H:%M} 之前的日志：{summary}")
