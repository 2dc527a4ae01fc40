"""``manage.py exchange_sync``: push the live exchange now (``docs/exchange.md`` §11).

    manage.py exchange_sync                 # every active peer whose interval has passed
    manage.py exchange_sync --peer 全国平台  # this peer now, whatever its interval
    manage.py exchange_sync --all           # every active peer now

Prints each peer's outcome and state in Chinese; the exit status is 1 when a sync failed (the
batch is kept and sent again, whole, next time).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiangqiao.core import context
from jiangqiao.exchange import live
from jiangqiao.exchange.models import ExchangePeer


class Command(BaseCommand):
    help = "向交换对端推送增量批次（实时交换）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--peer", default="", help="只同步这个对端（名称），不看同步间隔")
        parser.add_argument("--all", action="store_true", help="立即同步所有启用的对端")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.audit_context(user=None, source="command"):
            if options["peer"]:
                peer = ExchangePeer.objects.filter(name=options["peer"]).first()
                if peer is None:
                    raise CommandError(f"交换对端“{options['peer']}”不存在")
                results = {peer.name: live.peer_sync(peer=peer)}
            elif options["all"]:
                results = {
                    p.name: live.peer_sync(peer=p)
                    for p in ExchangePeer.objects.filter(is_active=True)
                }
            else:
                results = live.sync_due()
        failed = False
        for name, outcome in results.items():
            peer = ExchangePeer.objects.get(name=name)
            line = (
                f"{name}：{live.OUTCOME_LABELS.get(outcome, outcome)}；已确认游标 {peer.acked_cursor}，"
                f"滞后 {live.lag_text(live.lag_seconds(peer))}"
            )
            if outcome == "failed":
                failed = True
                self.stderr.write(f"{line}；错误：{peer.last_error}")
            else:
                self.stdout.write(line)
        if not results:
            self.stdout.write("没有到期需要同步的交换对端")
        if failed:
            raise CommandError("有对端同步失败（批次已保留，下次原样重发）")
