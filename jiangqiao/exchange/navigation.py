"""数据交换's menu entries (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("exchange", "数据交换", weight=1100)
register(
    "exchange",
    MenuItem("交换批次", "exchange:exchangebatch_list", "exchange.view_exchangebatch", weight=100),
    MenuItem("导出交换文件", "exchange:export", "exchange.export_exchange", weight=200),
    MenuItem("导入交换文件", "exchange:import", "exchange.import_exchange", weight=300),
    MenuItem("实时交换", "exchange:peer_list", "exchange.view_exchangepeer", weight=400),
)
