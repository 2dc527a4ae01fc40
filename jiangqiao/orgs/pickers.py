"""What of the orgs app can be picked by name (see :mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.choices import Status
from jiangqiao.core.pickers import PickerKind, register


def _detail(org: Any) -> str:
    # Only the level: the parent may lie outside the user's scope (its name is not shown).
    return str(org.get_level_display())


# The tree, in path order and indented, opens on focus; typing searches it by name.
register(
    PickerKind(
        "organization",
        "orgs.Organization",
        search=("name", "short_name"),
        detail=_detail,
        order=("path",),
        base=lambda qs: qs.filter(status=Status.ACTIVE),
        placeholder="输入组织名称检索，或从组织树中选择",
        noun="组织",
        browse=True,
        extra={"depth": lambda org: org.depth},
    )
)
