"""The organisation tree's menu entry, in core's 系统管理 group."""

from __future__ import annotations

from jiangqiao.core.navigation import SYSTEM, MenuItem, register

register(
    SYSTEM, MenuItem("组织机构", "orgs:organization_list", "orgs.view_organization", weight=100)
)
