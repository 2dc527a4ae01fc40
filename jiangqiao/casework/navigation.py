"""The casework menu: staff follow the offers; a craftsman answers his own."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

from .queues import is_task_force

register_group("casework", "服务办理", weight=400)
register(
    "casework",
    MenuItem("服务邀请", "casework:offer_list", "casework.assign_offer", weight=100),
    MenuItem("我的服务邀请", "casework:my_offers", "casework.respond_offer", weight=200),
    MenuItem("需求队列", "casework:queue", "casework.assign_offer", weight=300),
    MenuItem("超期看板", "casework:aging", "casework.assign_offer", weight=310),
    MenuItem(
        "省总工作专班队列",
        "casework:taskforce_queue",
        "casework.assign_offer",
        weight=320,
        visible=is_task_force,
    ),
)
