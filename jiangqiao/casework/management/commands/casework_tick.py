"""``manage.py casework_tick``: expire offers, reassign, escalate, remind, send follow-ups.

Safe to run twice or concurrently (each transition is a conditional update in its own
transaction). ``make run`` runs it every 5 minutes (``run_periodic --loop``); in production a
systemd timer or cron line runs it (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiangqiao.casework import services

LABELS = {
    "expired": "超时未答复的邀请",
    "reminded": "答复提醒",
    "contact_overdue": "首次联系逾期提醒",
    "escalated": "自动升级的需求",
    "followups": "回访提醒",
    "skipped": "跳过（状态已变化或规则不允许）",
}


class Command(BaseCommand):
    help = "服务办理期限检查：邀请超时改派、催办、无人承接升级、回访提醒（可重复执行）"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = services.tick()
        if not counts:
            self.stdout.write("没有需要处理的期限")
        for key, count in counts.items():
            self.stdout.write(f"{LABELS.get(key, key)}：{count}")
