"""统计驾驶舱's menu entries (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("dashboards", "统计驾驶舱", weight=600)
register(
    "dashboards",
    MenuItem("统计驾驶舱", "dashboards:cockpit", "dashboards.view_cockpit", weight=100),
    MenuItem("年度目标", "dashboards:targets", "dashboards.view_target", weight=200),
    MenuItem(
        "自定义指标", "dashboards:custom_indicators", "dashboards.view_customindicator", weight=300
    ),
)
