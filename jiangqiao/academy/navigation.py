"""工匠学院's menu entries (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("academy", "工匠学院", weight=500)
register(
    "academy",
    MenuItem("工匠学院", "academy:academy_list", "academy.view_academy", weight=100),
    MenuItem("学院联盟", "academy:alliance_list", "academy.view_alliance", weight=200),
    MenuItem("师资库", "academy:lecturer_list", "academy.view_lecturer", weight=300),
    MenuItem("课程清单", "academy:course_list", "academy.view_course", weight=400),
    MenuItem("课程菜单（公开）", "academy:menu", "academy.view_course", weight=500),
    MenuItem("班次", "academy:trainingclass_list", "academy.view_trainingclass", weight=600),
    MenuItem("培训订单", "academy:order_list", "academy.view_trainingorder", weight=700),
    MenuItem("竞赛", "academy:competition_list", "academy.view_competition", weight=750),
    MenuItem("创新活动", "academy:innovation_list", "academy.view_innovation", weight=800),
    MenuItem("统计报表", "academy:statistics", "academy.view_statistics", weight=900),
)
