"""Retention rules of the privacy app's own data (registered with ``core.retention``)."""

from __future__ import annotations

import datetime as dt

from jiangqiao.core import retention

from .choices import EXPORT_KEEP_DAYS, OPEN_STATUSES
from .models import DataSubjectRequest

#: Handled requests are kept three years as the record that the rights were answered
#: (the same term PIPL art. 56 sets for impact-assessment records).
CLOSED_KEEP_DAYS = 3 * 365


def purge_exports(cutoff: dt.datetime, *, dry_run: bool, batch: int) -> int:
    ids = list(
        DataSubjectRequest.objects.filter(exported_at__lt=cutoff, export_data__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not dry_run:
        for chunk in retention.in_batches(ids, batch):
            DataSubjectRequest.objects.filter(pk__in=chunk).update(export_data=None)
    return len(ids)


def purge_closed(cutoff: dt.datetime, *, dry_run: bool, batch: int) -> int:
    ids = list(
        DataSubjectRequest.objects.filter(handled_at__lt=cutoff)
        .exclude(status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not dry_run:
        for chunk in retention.in_batches(ids, batch):
            DataSubjectRequest.objects.filter(pk__in=chunk).delete()
    return len(ids)


def register_rules() -> None:
    retention.register(
        retention.RetentionRule(
            code="dsr_exports",
            label="个人信息副本（查阅复制申请生成的文件）",
            days=EXPORT_KEEP_DAYS,
            action="删除副本文件（申请记录保留）",
            basis="副本只为本人下载；30 天足够下载，过期可重新申请",
            purge=purge_exports,
        )
    )
    retention.register(
        retention.RetentionRule(
            code="dsr_records",
            label="已办结的个人信息权利申请",
            days=CLOSED_KEEP_DAYS,
            action="删除申请记录",
            basis="作为已依法答复的记录保存三年（参照个人信息保护法第五十六条的保存期）",
            purge=purge_closed,
        )
    )
