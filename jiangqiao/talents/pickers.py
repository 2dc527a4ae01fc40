"""What of the talents app can be picked by name (see :mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.choices import Status
from jiangqiao.core.pickers import PickerKind, register


def _craftsman_detail(craftsman: Any) -> str:
    parts = [craftsman.employer_name or "", craftsman.org.name if craftsman.org_id else ""]
    return " · ".join(p for p in parts if p)


register(
    PickerKind(
        "craftsman",
        "talents.Craftsman",
        search=("name", "name_normalized", "employer_name"),
        detail=_craftsman_detail,
        order=("name", "pk"),
        select_related=("org",),
        placeholder="输入姓名或工作单位检索",
        noun="劳模工匠",
    )
)
register(
    PickerKind(
        "serviceteam",
        "talents.ServiceTeam",
        search=("name",),
        detail=lambda team: team.org.name if team.org_id else "",
        order=("name", "pk"),
        select_related=("org",),
        base=lambda qs: qs.filter(status=Status.ACTIVE),
        noun="服务队",
    )
)
