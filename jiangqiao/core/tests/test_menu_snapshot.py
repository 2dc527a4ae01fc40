"""The menu every built-in role and test persona sees, written down (labels, links, positions).

First written when the menus were still hard-coded in core, so that moving each app's entries into
its own ``navigation.py`` changed nothing; since then: 服务办理 (casework), 工匠学院 (academy), 工作日历, and role-fit
menus (the enterprise contact and the craftsman get no jobs or API pages; API docs are for those
who may hold or manage API tokens)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from jiangqiao.accounts.choices import BuiltinRole
from jiangqiao.accounts.models import Role
from jiangqiao.core.navigation import menu_for
from jiangqiao.core.testing.personas import make_user, no_perm_role

pytestmark = pytest.mark.django_db

URLS = {
    "劳模工匠": "/talents/craftsmen/",
    "我的档案": "/talents/me/",
    "服务队": "/talents/teams/",
    "企业": "/demands/enterprises/",
    "需求": "/demands/",
    "提交需求": "/demands/submit/",
    "征集活动": "/demands/campaigns/",
    "走访代录": "/demands/assisted/",
    "企业注册审核": "/demands/registrations/",
    "匹配建议": "/matching/suggestions/",
    "清单匹配": "/matching/list/",
    "平台匹配": "/matching/runs/",
    "服务记录": "/casework/sessions/",
    "技能提升记录": "/casework/upgrades/",
    "统计驾驶舱": "/dashboards/",
    "年度目标": "/dashboards/targets/",
    "自定义指标": "/dashboards/indicators/",
    "利益冲突申报": "/matching/conflicts/",
    "组织机构": "/orgs/",
    "用户": "/accounts/users/",
    "角色": "/accounts/roles/",
    "后台任务": "/jobs/",
    "导入记录": "/imports/",
    "导入表头别名": "/import-aliases/",
    "标准代码": "/taxonomy/",
    "变更日志": "/logs/changes/",
    "操作日志": "/logs/operations/",
    "登录日志": "/accounts/login-logs/",
    "日志完整性与导出": "/logs/audit/",
    "API 文档": "/api/docs/",
    "我的 API 令牌": "/accounts/tokens/",
    "API 令牌管理": "/accounts/tokens/all/",
    "工作日历": "/workdays/",
    "服务邀请": "/casework/offers/",
    "我的服务邀请": "/casework/offers/mine/",
    "结对协议": "/casework/agreements/",
    "认领审核": "/casework/claims/",
    "需求认领清单": "/casework/published/",
    "我的认领": "/casework/claims/mine/",
    "需求队列": "/casework/queue/",
    "超期看板": "/casework/aging/",
    "省总工作专班队列": "/casework/queue/taskforce/",
    "工匠学院": "/academy/academies/",
    "学院联盟": "/academy/alliances/",
    "师资库": "/academy/lecturers/",
    "课程清单": "/academy/courses/",
    "课程菜单（公开）": "/academy/menu/",
    "班次": "/academy/classes/",
    "培训订单": "/academy/orders/",
    "统计报表": "/academy/statistics/",
    "竞赛": "/academy/competitions/",
    "创新活动": "/academy/innovations/",
    "个人信息权利申请": "/privacy/requests/",
    "交换批次": "/exchange/",
    "导出交换文件": "/exchange/export/",
    "导入交换文件": "/exchange/import/",
    "实时交换": "/exchange/peers/",
}

TALENTS = ("人才资源库", ("劳模工匠", "我的档案", "服务队"))
DEMANDS_CONTACT = ("企业需求库", ("企业", "需求", "提交需求"))
# 征集活动, 联络员代录 and the unit's queue of self-registrations (issue 18 points 1–3): union staff.
DEMANDS_STAFF = ("企业需求库", (*DEMANDS_CONTACT[1], "征集活动", "走访代录", "企业注册审核"))
MATCHING = ("供需匹配", ("匹配建议", "清单匹配", "平台匹配", "利益冲突申报"))
TAXONOMY = ("基础数据", ("标准代码",))
# 个人信息权利申请 (issue 17 point 4): the unit's staff answer the people's requests. 我的个人信息
# is shown only to an account linked to a craftsman profile or an enterprise contact.
PRIVACY = ("个人信息保护", ("个人信息权利申请",))
LOGS = ("日志审计", ("变更日志", "操作日志", "登录日志"))
# The chain's check and the append-only export: the audit administrator's (core.view_all_logs).
LOGS_AUDIT = ("日志审计", (*LOGS[1], "日志完整性与导出"))
# 实时交换 (issue 17 point 9): the same staff who move exchange files keep the scheduled link.
EXCHANGE = ("数据交换", ("交换批次", "导出交换文件", "导入交换文件", "实时交换"))
ACADEMY = (
    "工匠学院",
    (
        "工匠学院",
        "学院联盟",
        "师资库",
        "课程清单",
        "课程菜单（公开）",
        "班次",
        "培训订单",
        "竞赛",
        "创新活动",
        "统计报表",
    ),
)
CASEWORK = (
    "服务办理",
    ("服务邀请", "认领审核", "需求队列", "超期看板", "服务记录", "技能提升记录", "结对协议"),
)
# 统计驾驶舱 (issue 16): the cockpit and the yearly targets.
DASHBOARDS = ("统计驾驶舱", ("统计驾驶舱", "年度目标", "自定义指标"))
TASK_FORCE_CASEWORK = (
    "服务办理",
    (
        "服务邀请",
        "认领审核",
        "需求队列",
        "超期看板",
        "省总工作专班队列",
        "服务记录",
        "技能提升记录",
        "结对协议",
    ),
)
# Test personas hold every business permission, the craftsman's 认领 too.
CASEWORK_ALL = (
    "服务办理",
    (
        "服务邀请",
        "认领审核",
        "需求认领清单",
        "我的认领",
        "需求队列",
        "超期看板",
        "省总工作专班队列",
        "服务记录",
        "技能提升记录",
        "结对协议",
    ),
)
STAFF = [
    TALENTS,
    DEMANDS_STAFF,
    MATCHING,
    CASEWORK,
    ACADEMY,
    DASHBOARDS,
    ("系统管理", ("组织机构", "用户", "后台任务", "导入记录", "工作日历")),
    TAXONOMY,
    PRIVACY,
    LOGS,
    ("接口", ("API 文档", "我的 API 令牌")),
    EXCHANGE,
]
WITHOUT_TASK_FORCE = (
    "服务办理",
    tuple(label for label in CASEWORK_ALL[1] if label != "省总工作专班队列"),
)
EVERYTHING = [
    TALENTS,
    DEMANDS_STAFF,
    MATCHING,
    CASEWORK_ALL,
    ACADEMY,
    DASHBOARDS,
    ("系统管理", ("组织机构", "用户", "角色", "后台任务", "导入记录", "导入表头别名", "工作日历")),
    TAXONOMY,
    PRIVACY,
    LOGS,
    ("接口", ("API 文档", "我的 API 令牌", "API 令牌管理")),
    EXCHANGE,
]

EXPECTED: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "superuser": [LOGS_AUDIT if g == LOGS else g for g in EVERYTHING],
    # Not the 省总工作专班: no task-force queue.
    "province_admin": [WITHOUT_TASK_FORCE if g == CASEWORK_ALL else g for g in EVERYTHING],
    "grassroots_clerk": [WITHOUT_TASK_FORCE if g == CASEWORK_ALL else g for g in EVERYTHING],
    "auditor": [TAXONOMY, LOGS_AUDIT],
    BuiltinRole.SYSTEM_ADMIN: [
        ("系统管理", ("组织机构", "用户", "角色", "后台任务", "导入表头别名", "工作日历")),
        TAXONOMY,
    ],
    BuiltinRole.SECURITY_ADMIN: [
        ("系统管理", ("组织机构", "用户", "角色")),
        TAXONOMY,
        ("日志审计", ("登录日志",)),
        ("接口", ("API 文档", "API 令牌管理")),
    ],
    BuiltinRole.AUDIT_ADMIN: [TAXONOMY, LOGS_AUDIT],
    BuiltinRole.PROVINCIAL_TASK_FORCE: [
        TASK_FORCE_CASEWORK if group == CASEWORK else group for group in STAFF
    ],
    BuiltinRole.UNION_STAFF: STAFF,
    # The enterprise contact and the craftsman work in their own pages: no jobs, no API.
    BuiltinRole.ENTERPRISE_CONTACT: [
        DEMANDS_CONTACT,
        ("服务办理", ("结对协议",)),
        ("工匠学院", ("培训订单",)),  # 我的培训订单 (issue 15 point 4)
        TAXONOMY,
    ],
    BuiltinRole.CRAFTSMAN: [
        TALENTS,
        ("服务办理", ("需求认领清单", "我的认领", "服务记录", "技能提升记录", "结对协议")),
        TAXONOMY,
    ],
    # 工匠学院 (issue 15): academies, lecturers drawn from the talent pool, the course menu.
    # Training orders: 技能培训 demands of the unit become orders, so demands are read too.
    BuiltinRole.ACADEMY_ADMIN: [
        ("人才资源库", ("劳模工匠", "我的档案")),
        ("企业需求库", ("企业", "需求")),
        ("服务办理", ("技能提升记录",)),
        ACADEMY,
        ("系统管理", ("组织机构", "后台任务", "导入记录")),
        TAXONOMY,
        ("日志审计", ("变更日志",)),
    ],
    "no_permission": [TAXONOMY],
}


def _persona(world: Any, name: str) -> Any:
    if name == "no_permission":
        return make_user("no_permission", world.county_a1, no_perm_role())
    if name in BuiltinRole.values:
        return make_user(f"role_{name}", world.county_a1, Role.objects.get(code=name))
    return getattr(world, name)


def _rendered(user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (group["label"], [(item["label"], item["url"]) for item in group["items"]])
        for group in menu_for(user)
    ]


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_each_persona_sees_the_same_menu_as_before(world, persona):
    expected = [
        (group, [(label, URLS[label]) for label in labels]) for group, labels in EXPECTED[persona]
    ]
    assert _rendered(_persona(world, persona)) == expected


def test_anonymous_users_get_no_menu():
    assert menu_for(AnonymousUser()) == []
    assert menu_for(None) == []
