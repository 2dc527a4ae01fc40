"""The built-in roles: their data scope and default functional permissions.

Permissions are ``app_label.codename``; names of apps that are not installed yet are skipped, so
later apps extend these lists as they arrive. Defaults are applied when a role is first created;
administrators may change them afterwards (``manage.py setup_roles --reset`` restores them).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiangqiao.core.choices import DataScope

from .choices import BuiltinRole

LOG_PERMS = ("core.view_changelog", "core.view_operationlog", "accounts.view_loginlog")
JOB_PERMS = ("core.view_job", "core.add_job", "core.cancel_job")
TAXONOMY_VIEW = ("taxonomy.view_term",)
# Spreadsheet import (issue 5): staff import into their own scope and export what they can see.
IMPORT_EXPORT = ("core.view_importbatch", "core.add_importbatch", "core.export_list")
# Talents (issue 3). Only 工会工作人员 read ID numbers/mobiles in clear (logged); the provincial
# task force coordinates and does not need them (PIPL: minimum necessary).
TALENTS_EDIT = (
    "talents.view_craftsman",
    "talents.add_craftsman",
    "talents.change_craftsman",
    "talents.manage_craftsman",
    "talents.view_serviceteam",
    "talents.add_serviceteam",
    "talents.change_serviceteam",
)
DEMANDS_STAFF = (
    "demands.view_enterprise",
    "demands.add_enterprise",
    "demands.change_enterprise",
    "demands.view_demand",
    "demands.add_demand",
    "demands.change_demand",
    "demands.triage_demand",
    # 征集活动 (issue 18 point 2): open, publish and close campaigns; see their figures.
    "demands.view_campaign",
    "demands.add_campaign",
    "demands.change_campaign",
    # 联络员代录 and 企业自助注册 (issue 18): take demands down on visits, confirm registrations.
    "demands.assist_demand",
    "demands.view_enterpriseregistration",
    "demands.change_enterpriseregistration",
)
# Matching (issue 5): suggestions with explanations, decisions, 清单匹配 and 平台匹配 — for the staff
# who handle demands only. Enterprise contacts and craftsmen never see other people's suggestions.
MATCHING_STAFF = (
    "matching.view_matchsuggestion",
    "matching.add_matchsuggestion",
    "matching.decide_matchsuggestion",
    "matching.view_matchlist",
    "matching.export_matchlist",
    "matching.view_matchrun",
    "matching.add_matchrun",
    "matching.view_declaredconflict",
    "matching.add_declaredconflict",
    "matching.change_declaredconflict",
)
# National exchange (issue 5 point 6): exchange files with the level above or below. Clear-text
# identifiers need the talents sensitive permission on top (only 工会工作人员 have it).
CASEWORK_STAFF = (
    "casework.view_offer",
    "casework.assign_offer",
    "casework.view_outcome",
    "casework.add_outcome",
    "casework.view_contactattempt",
    "casework.view_followup",
    "casework.view_agreement",
    "casework.add_agreement",
    "casework.change_agreement",
    # 服务记录 (moved from matching): log, correct, verify the economic benefit.
    "casework.view_servicerecord",
    "casework.add_servicerecord",
    "casework.change_servicerecord",
    "casework.verify_servicerecord",
    "casework.view_skillupgrade",
    "casework.view_sessionevidence",
)
# Claim list (issue 13 point 5): staff publish demands to the anonymised claim list and decide claims.
CLAIMS_STAFF = (
    "casework.view_publication",
    "casework.publish_demand",
    "casework.view_claim",
    "casework.decide_claim",
)
EXCHANGE_STAFF = (
    "exchange.view_exchangebatch",
    "exchange.export_exchange",
    "exchange.import_exchange",
    # 实时交换 (issue 17 point 9): the peers of this instance and the batches received live.
    "exchange.view_exchangepeer",
    "exchange.add_exchangepeer",
    "exchange.change_exchangepeer",
    "exchange.sync_exchangepeer",
    "exchange.view_exchangereceipt",
)
# The working-day calendar (deadlines count 工作日): staff read it, the system administrator keeps it.
CALENDAR_VIEW = ("core.view_calendarday",)
# 工匠学院 (issue 15): academy staff keep academies, alliances, lecturers and the course menu and
# publish courses; they pick craftsmen of the talent pool as lecturers (no sensitive data). Union
# staff and the task force read the academies of their units.
ACADEMY_STAFF = (
    "academy.view_academy",
    "academy.add_academy",
    "academy.change_academy",
    "academy.import_academy",
    "academy.view_subsidy",
    "academy.add_subsidy",
    "academy.delete_subsidy",
    "academy.view_alliance",
    "academy.add_alliance",
    "academy.change_alliance",
    "academy.view_lecturer",
    "academy.add_lecturer",
    "academy.change_lecturer",
    "academy.view_appointment",
    "academy.add_appointment",
    "academy.delete_appointment",
    "academy.view_course",
    "academy.add_course",
    "academy.change_course",
    "academy.publish_course",
    "academy.view_courseversion",
    "academy.view_trainingclass",
    "academy.add_trainingclass",
    "academy.change_trainingclass",
    "academy.view_classsession",
    "academy.add_classsession",
    "academy.delete_classsession",
    "academy.view_trainee",
    "academy.add_trainee",
    "academy.change_trainee",
    "academy.view_enrolment",
    "academy.add_enrolment",
    "academy.change_enrolment",
    "academy.import_enrolment",
    "academy.view_attendance",
    "academy.mark_attendance",
    "academy.view_certificate",
    "academy.issue_certificate",
    "academy.view_trainingorder",
    "academy.change_trainingorder",
    "academy.handle_trainingorder",
    "academy.convert_demand",
    # Skill upgrades of trainees (point 6): the academy's link and the one skill-upgrade record
    # type it writes (pseudonymised; read for the count of upgrades of the unit's subtree).
    "academy.view_traineeupgrade",
    "academy.add_traineeupgrade",
    "casework.view_skillupgrade",
    "academy.view_classevaluation",
    "academy.view_statistics",
    "academy.view_competition",
    "academy.add_competition",
    "academy.change_competition",
    "academy.view_contestant",
    "academy.add_contestant",
    "academy.view_judge",
    "academy.add_judge",
    "academy.view_score",
    "academy.add_score",
    "academy.change_score",
    "academy.view_innovation",
    "academy.add_innovation",
    "academy.change_innovation",
    "talents.view_craftsman",
    # 技能培训 demands of the unit become training orders (转为学院订单): read demands and
    # enterprises (no sensitive enterprise data).
    "demands.view_demand",
    "demands.view_enterprise",
)
ACADEMY_VIEW = (
    "academy.view_academy",
    "academy.view_subsidy",
    "academy.view_alliance",
    "academy.view_lecturer",
    "academy.view_appointment",
    "academy.view_course",
    "academy.view_courseversion",
    "academy.view_trainingclass",
    "academy.view_classsession",
    "academy.view_enrolment",
    "academy.view_certificate",
    "academy.view_trainingorder",
    "academy.view_traineeupgrade",
    "academy.view_classevaluation",
    "academy.view_statistics",
    "academy.view_competition",
    "academy.view_contestant",
    "academy.view_judge",
    "academy.view_score",
    "academy.view_innovation",
)
# 统计驾驶舱 (issue 16): the cockpit, the upward report, the figures behind them, and the yearly
# targets — set by the level above for the units below (``dashboards.set_target``; the service
# checks the unit). ``add_target``/``change_target`` open the target import and the API's PATCH,
# which go through the same services. ``*_customindicator`` open the 自定义指标 pages (defining one
# needs ``set_target`` at the unit: ``custom.may_define``).
DASHBOARDS_STAFF = (
    "dashboards.view_cockpit",
    "dashboards.export_report",
    "dashboards.view_dailyfigure",
    "dashboards.view_monthlyfigure",
    "dashboards.view_target",
    "dashboards.add_target",
    "dashboards.change_target",
    "dashboards.set_target",
    "dashboards.view_targetrevision",
    "dashboards.view_customindicator",
    "dashboards.add_customindicator",
    "dashboards.change_customindicator",
)
# 个人信息权利申请 (PIPL art. 44–47): the unit's staff answer the requests of the people whose
# data the unit keeps (查阅复制 is answered by the platform at once; 更正/删除 by them).
PRIVACY_STAFF = (
    "privacy.view_datasubjectrequest",
    "privacy.handle_datasubjectrequest",
)
# Personal API tokens for machine clients (the exchange with the national platform, scripts).
API_TOKENS = ("accounts.add_apitoken",)


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    data_scope: str
    permissions: tuple[str, ...]
    remark: str


ADMIN_ROLES = {BuiltinRole.SYSTEM_ADMIN, BuiltinRole.SECURITY_ADMIN, BuiltinRole.AUDIT_ADMIN}

BUILTIN_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        BuiltinRole.SYSTEM_ADMIN,
        "系统管理员",
        DataScope.ALL,
        (
            "orgs.view_organization",
            "orgs.add_organization",
            "orgs.change_organization",
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_role",
            *TAXONOMY_VIEW,
            "taxonomy.load_reference_data",
            *JOB_PERMS,
            "core.view_importalias",
            "core.add_importalias",
            "core.change_importalias",
            *CALENDAR_VIEW,
            "core.add_calendarday",
            "core.change_calendarday",
            "core.delete_calendarday",
        ),
        "三员之一：维护组织机构、用户账号和系统配置；不能授权，不能查看审计日志。",
    ),
    RoleSpec(
        BuiltinRole.SECURITY_ADMIN,
        "安全管理员",
        DataScope.ALL,
        (
            "accounts.view_user",
            "accounts.view_role",
            "accounts.add_role",
            "accounts.change_role",
            "accounts.assign_role",
            "accounts.view_loginlog",
            "accounts.view_apitoken",
            "accounts.revoke_apitoken",
            "accounts.reset_second_factor",
            "core.approve_export",
            "orgs.view_organization",
        ),
        "三员之一：管理角色、权限和数据范围，为用户授权，处理登录安全。",
    ),
    RoleSpec(
        BuiltinRole.AUDIT_ADMIN,
        "审计管理员",
        DataScope.ALL,
        (*LOG_PERMS, "core.view_all_logs"),
        "三员之一：查看全部变更日志、操作日志和登录日志；不能查看或修改业务数据。",
    ),
    RoleSpec(
        BuiltinRole.PROVINCIAL_TASK_FORCE,
        "省总工作专班",
        DataScope.ORG_AND_BELOW,
        (
            "orgs.view_organization",
            "accounts.view_user",
            *LOG_PERMS,
            *TAXONOMY_VIEW,
            *JOB_PERMS,
            *DEMANDS_STAFF,
            *TALENTS_EDIT,
            *MATCHING_STAFF,
            *CASEWORK_STAFF,
            *CLAIMS_STAFF,
            *IMPORT_EXPORT,
            *EXCHANGE_STAFF,
            *API_TOKENS,
            *CALENDAR_VIEW,
            *ACADEMY_VIEW,
            *DASHBOARDS_STAFF,
            *PRIVACY_STAFF,
        ),
        "协调需上报省级的需求，查看全省数据。",
    ),
    RoleSpec(
        BuiltinRole.UNION_STAFF,
        "工会工作人员",
        DataScope.ORG_AND_BELOW,
        (
            "orgs.view_organization",
            "orgs.add_organization",
            "orgs.change_organization",
            "accounts.view_user",
            *LOG_PERMS,
            *TAXONOMY_VIEW,
            *JOB_PERMS,
            *DEMANDS_STAFF,
            *TALENTS_EDIT,
            *MATCHING_STAFF,
            *CASEWORK_STAFF,
            *CLAIMS_STAFF,
            *IMPORT_EXPORT,
            *EXCHANGE_STAFF,
            *API_TOKENS,
            *CALENDAR_VIEW,
            "talents.view_sensitive_craftsman",
            "demands.view_sensitive_enterprise",
            *ACADEMY_VIEW,
            *DASHBOARDS_STAFF,
            *PRIVACY_STAFF,
        ),
        "各级工会工作人员：处理本级及下级的数据。",
    ),
    RoleSpec(
        BuiltinRole.ENTERPRISE_CONTACT,
        "企业联络人",
        DataScope.SELF,
        (
            *TAXONOMY_VIEW,
            "demands.view_enterprise",
            "demands.view_demand",
            "demands.add_demand",
            "demands.change_demand",
            "casework.view_agreement",
            # 工匠学院 training orders of his enterprise: place, follow, withdraw, evaluate.
            "academy.view_trainingorder",
            "academy.add_trainingorder",
        ),
        "企业的联络人：提交和跟踪本企业的需求，只看本人数据。",
    ),
    RoleSpec(
        BuiltinRole.CRAFTSMAN,
        "劳模工匠",
        DataScope.SELF,
        (
            *TAXONOMY_VIEW,
            "talents.view_craftsman",
            "talents.change_craftsman",
            "talents.view_serviceteam",
            "casework.view_offer",
            "casework.respond_offer",
            "casework.view_contactattempt",
            "casework.view_agreement",
            # His own sessions (仅本人: offers he answers): log them, add upgrades and evidence.
            "casework.view_servicerecord",
            "casework.add_servicerecord",
            "casework.view_skillupgrade",
            "casework.view_sessionevidence",
            "casework.add_claim",  # 认领 from the anonymised claim list (for himself or his team)
            "casework.view_claim",
        ),
        "劳模工匠本人：维护本人档案和服务项目，接受或婉拒服务邀请，认领清单中的需求。",
    ),
    RoleSpec(
        BuiltinRole.ACADEMY_ADMIN,
        "学院管理员",
        DataScope.ORG_AND_BELOW,
        (
            "orgs.view_organization",
            *TAXONOMY_VIEW,
            *JOB_PERMS,
            *IMPORT_EXPORT,
            *ACADEMY_STAFF,
            "core.view_changelog",
        ),
        "工匠学院的管理人员：学院、联盟、师资库、课程清单、班次与学员、证书、培训订单（含技能培训需求转订单）、竞赛与创新活动、统计报表。",
    ),
)
