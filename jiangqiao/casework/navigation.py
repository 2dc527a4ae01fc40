"""The casework menu: staff follow the offers; a craftsman answers his own."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.navigation import MenuItem, register, register_group

from .queues import is_task_force


def _answers_offers(user: Any) -> bool:
    """我的服务邀请 is for a craftsman with a profile (or a team lead), not for staff."""
    from jiangqiao.talents.models import Craftsman

    pk = getattr(user, "pk", None)
    return isinstance(pk, int) and Craftsman.objects.filter(user_id=pk).exists()


register_group("casework", "服务办理", weight=400)
register(
    "casework",
    MenuItem("服务邀请", "casework:offer_list", "casework.assign_offer", weight=100),
    MenuItem(
        "我的服务邀请",
        "casework:my_offers",
        "casework.respond_offer",
        weight=200,
        visible=_answers_offers,
    ),
    MenuItem("服务记录", "casework:servicerecord_list", "casework.view_servicerecord", weight=500),
    MenuItem(
        "技能提升记录", "casework:skillupgrade_list", "casework.view_skillupgrade", weight=550
    ),
    MenuItem("结对协议", "casework:agreement_list", "casework.view_agreement", weight=600),
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
# Claim list and claims (claims.py).
register(
    "casework",
    MenuItem("需求认领清单", "casework:published_list", "casework.add_claim", weight=210),
    MenuItem("我的认领", "casework:my_claims", "casework.add_claim", weight=220),
    MenuItem("认领审核", "casework:claim_list", "casework.decide_claim", weight=150),
)
