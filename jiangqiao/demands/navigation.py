"""企业需求库's menu entries (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("demands", "企业需求库", weight=200)
register(
    "demands",
    MenuItem("企业", "demands:enterprise_list", "demands.view_enterprise", weight=100),
    MenuItem("需求", "demands:demand_list", "demands.view_demand", weight=200),
    MenuItem("提交需求", "demands:demand_submit", "demands.add_demand", weight=300),
    MenuItem("征集活动", "demands:campaign_list", "demands.view_campaign", weight=400),
    MenuItem("走访代录", "demands:assisted_entry", "demands.assist_demand", weight=450),
    MenuItem(
        "企业注册审核",
        "demands:registration_list",
        "demands.view_enterpriseregistration",
        weight=500,
    ),
)
