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
