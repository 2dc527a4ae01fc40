"""Delete audit log rows older than the retention period (never younger than the legal minimum)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.operations import record_operation

LEGAL_MINIMUM_DAYS = 180  # 网络安全法 Art. 21: network logs are kept for at least six months


class Command(BaseCommand):
    help = (
        "删除超过保存期限的变更日志、操作日志和登录日志。保存期限不得少于 180 天（网络安全法第二十一条）；"
        "默认取 JIANGQIAO_LOG_RETENTION_DAYS。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, default=None, help="保存天数（≥180）")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args: Any, **options: Any) -> None:
        from jiangqiao.accounts.models import LoginLog
        from jiangqiao.core.models import ChangeLog, OperationLog

        days = options["older_than"] or settings.JIANGQIAO_LOG_RETENTION_DAYS
        if days < LEGAL_MINIMUM_DAYS:
            raise CommandError(f"日志至少保存 {LEGAL_MINIMUM_DAYS} 天，不能只保存 {days} 天")
        cutoff = timezone.now() - timedelta(days=days)
        counts: dict[str, int] = {}
        with transaction.atomic():
            for model in (ChangeLog, OperationLog, LoginLog):
                old = model.objects.filter(time__lt=cutoff)
                label = str(model._meta.verbose_name)
                counts[label] = old.count() if options["dry_run"] else old.delete()[0]
            if not options["dry_run"]:
                record_operation(
                    actor=None,
                    module="日志审计",
                    business_type=BusinessType.CLEAN,
                    action=f"清理 {days} 天前的日志",
                    extra={"cutoff": cutoff.isoformat(), **counts},
                )
        verb = "将删除" if options["dry_run"] else "已删除"
        summary = "，".join(f"{label} {n} 条" for label, n in counts.items())
        self.stdout.write(f"{verb} {cutoff:%Y-%m-%d %H:%M} 之前的日志：{summary}")
