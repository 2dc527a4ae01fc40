"""What of the matching app can be picked by name (see :mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.pickers import PickerKind, register


def _label(suggestion: Any) -> str:
    return f"{suggestion.demand.title} → {suggestion.craftsman.name}"


register(
    PickerKind(
        "suggestion",
        "matching.MatchSuggestion",
        search=("demand__title", "demand__number", "craftsman__name"),
        label=_label,
        detail=lambda s: s.get_status_display(),
        order=("-pk",),
        select_related=("demand", "craftsman"),
        placeholder="输入需求标题或劳模工匠姓名检索",
        noun="匹配",
    )
)
