"""基础数据's menu entry (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("taxonomy", "基础数据", weight=800)
register("taxonomy", MenuItem("标准代码", "taxonomy:index", weight=100))
