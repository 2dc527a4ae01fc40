"""`manage.py demo_data --size small|large`: the demo province (idempotent; seeded)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "生成演示数据：广东省及六个试点城市（广州、深圳、汕尾、东莞、韶关、湛江）的真实区县工会、"
        "各角色演示账号、四级服务队、劳模工匠、企业和需求。small 约 400/300/800 条，经业务服务逐条写入；"
        "large 为 10 万/5 万/30 万条，批量写入，供性能测试。已有数据时不重复生成。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=["small", "large"], default="small")
        parser.add_argument("--seed", type=int, default=2026)
        for name, label in (
            ("craftsmen", "劳模工匠"),
            ("enterprises", "企业"),
            ("demands", "需求"),
        ):
            parser.add_argument(f"--{name}", type=int, default=None, help=f"覆盖{label}数量")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not getattr(settings, "JIANGQIAO_ALLOW_DEMO", False):
            raise CommandError("演示数据只能在调试模式下生成（DJANGO_DEBUG=True）")
        from jiangqiao.demo import build
        from jiangqiao.talents.models import Craftsman

        started = time.perf_counter()
        ctx = build.make_context(options["seed"], self.stdout.write)
        call_command("demo_accounts", stdout=self.stdout)
        if Craftsman.objects.exists():
            self.stdout.write("劳模工匠、企业和需求已存在，未重复生成。")
            return
        counts = dict(build.SIZES[options["size"]])
        for name in counts:
            if options.get(name) is not None:
                counts[name] = options[name]
        if options["size"] == "small":
            made = build.build_small(ctx, counts)
        else:
            from jiangqiao.demo import bulk

            made = bulk.build_large(ctx, counts)
            _analyse()
        build.link_demo_users(ctx)
        if options["size"] == "small":
            from jiangqiao.demo import cases

            made["cases"] = cases.build_cases(build.system_actor())
            from jiangqiao.demo import campaigns

            made["campaigns"] = campaigns.build(build.system_actor())
            from jiangqiao.demo import registrations

            made["registrations"] = registrations.build(build.system_actor())
            from jiangqiao.academy import demo as academy_demo
            from jiangqiao.dashboards import demo as dashboards_demo
            from jiangqiao.demo import history

            made["courses"] = academy_demo.build(build.system_actor())
            # A year of the six cities' history (bulk, dated), then every figure rebuilt.
            history_started = time.perf_counter()
            past = history.build(ctx, build.system_actor())
            made["history"] = past.demands
            self.stdout.write(
                f"历史数据（去年至今）：需求 {past.demands}，服务记录 {past.sessions}，"
                f"技能提升 {past.upgrades}，新增企业 {past.enterprises}；统计已重算"
                f"（{past.counts.get('unit_months', 0)} 个单位月），"
                f"用时 {time.perf_counter() - history_started:.0f} 秒"
            )
            self.stdout.write(
                f"年度目标：已分解 {dashboards_demo.build()} 项"
                "（广东省 → 六个试点市 → 深圳各区；自定义指标「制造业服务人次」）"
            )
        self.stdout.write(
            f"演示数据（{options['size']}）：劳模工匠 {made['craftsmen']}，服务队 {made['teams']}，"
            f"企业 {made['enterprises']}，需求 {made['demands']}"
            + (f"，服务记录 {made['service_records']}" if made.get("service_records") else "")
            + (f"，办理演示需求 {made['cases']}" if made.get("cases") else "")
            + (f"，征集活动 {made['campaigns']}" if made.get("campaigns") else "")
            + (f"，企业自助注册 {made['registrations']}" if made.get("registrations") else "")
            + (f"，学院课程 {made['courses']}" if made.get("courses") else "")
            + (f"，历史需求 {made['history']}" if made.get("history") else "")
            + f"；用时 {time.perf_counter() - started:.0f} 秒"
        )


def _analyse() -> None:
    """After a bulk load: VACUUM ANALYZE on PostgreSQL, so that the first reads do not set hint
    bits on every row and the planner has statistics (the first export of 300,000 demands took
    50 s instead of 32 s without it); ANALYZE on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # not allowed inside a transaction
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
