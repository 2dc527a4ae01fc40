"""人才资源库's menu entries (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("talents", "人才资源库", weight=100)
register(
    "talents",
    MenuItem("劳模工匠", "talents:craftsman_list", "talents.view_craftsman", weight=100),
    MenuItem("我的档案", "talents:my_profile", "talents.view_craftsman", weight=200),
    MenuItem("服务队", "talents:serviceteam_list", "talents.view_serviceteam", weight=300),
)
