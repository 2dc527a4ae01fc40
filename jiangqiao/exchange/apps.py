from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiangqiao.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from jiangqiao.core import navigation

        navigation.register(
            "数据交换",
            navigation.MenuItem(
                "交换批次", "exchange:exchangebatch_list", "exchange.view_exchangebatch"
            ),
        )
        navigation.register(
            "数据交换",
            navigation.MenuItem("导出交换文件", "exchange:export", "exchange.export_exchange"),
        )
        navigation.register(
            "数据交换",
            navigation.MenuItem("导入交换文件", "exchange:import", "exchange.import_exchange"),
        )
        from jiangqiao.core.io.registry import register_provenance

        from .services import provenance

        # Detail pages show which instance a record was received from (变更记录 tab).
        register_provenance(provenance)
