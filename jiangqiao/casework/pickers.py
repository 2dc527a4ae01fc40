"""What of the casework app can be picked by name (see :mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.pickers import PickerKind, register


def _label(offer: Any) -> str:
    who = offer.craftsman.name if offer.craftsman_id else (offer.team.name if offer.team_id else "")
    return f"{offer.demand.title} → {who}"


register(
    PickerKind(
        "offer",
        "casework.Offer",
        search=("demand__title", "demand__number", "craftsman__name", "team__name"),
        label=_label,
        detail=lambda o: o.get_status_display(),
        order=("-pk",),
        select_related=("demand", "craftsman", "team"),
        placeholder="输入需求标题或劳模工匠姓名检索",
        noun="服务邀请",
    )
)
