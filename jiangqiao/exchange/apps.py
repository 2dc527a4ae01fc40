from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiangqiao.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from jiangqiao.core.io.registry import register_provenance

        from .services import provenance

        # Detail pages show which instance a record was received from (变更记录 tab).
        register_provenance(provenance)

        from jiangqiao.core import metrics, periodic

        from . import live

        # Live links push on their own interval; the tick looks every minute which are due.
        periodic.register("exchange_sync", live.sync_due, every=60, label="实时数据交换")
        metrics.register_gauge(
            "jiangqiao_exchange_lag_seconds",
            "Age in seconds of the oldest change an active exchange peer has not acknowledged",
            live.max_lag_seconds,
        )
