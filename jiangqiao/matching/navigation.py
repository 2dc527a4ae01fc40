"""供需匹配's menu entries (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from jiangqiao.core.navigation import MenuItem, register, register_group

register_group("matching", "供需匹配", weight=300)
register(
    "matching",
    MenuItem(
        "匹配建议", "matching:matchsuggestion_list", "matching.view_matchsuggestion", weight=100
    ),
    MenuItem("清单匹配", "matching:matchlist", "matching.view_matchlist", weight=200),
    MenuItem("平台匹配", "matching:matchrun_list", "matching.view_matchrun", weight=300),
    MenuItem(
        "利益冲突申报",
        "matching:declaredconflict_list",
        "matching.view_declaredconflict",
        weight=500,
    ),
)
