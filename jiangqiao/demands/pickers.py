"""What of the demands app can be picked by name (see :mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from jiangqiao.core.pickers import PickerKind, register

register(
    PickerKind(
        "enterprise",
        "demands.Enterprise",
        search=("name", "uscc"),
        detail=lambda e: e.uscc,
        order=("name", "pk"),
        placeholder="输入企业名称或统一社会信用代码检索",
        noun="企业",
    )
)
register(
    PickerKind(
        "demand",
        "demands.Demand",
        search=("title", "number", "enterprise__name"),
        detail=lambda d: d.enterprise.name if d.enterprise_id else "",
        order=("-pk",),
        select_related=("enterprise",),
        placeholder="输入需求标题、编号或企业名称检索",
        noun="需求",
    )
)
