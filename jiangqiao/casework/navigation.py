"""The casework menu: staff follow the offers; a craftsman answers his own."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("casework", "服务办理", weight=400)
register(
    "casework",
    MenuItem("服务邀请", "casework:offer_list", "casework.assign_offer", weight=100),
    MenuItem("我的服务邀请", "casework:my_offers", "casework.respond_offer", weight=200),
    MenuItem("服务记录", "casework:servicerecord_list", "casework.view_servicerecord", weight=300),
)
