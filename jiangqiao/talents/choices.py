"""Choices of the talents app: lower-case English values, Chinese labels, colour maps."""

from __future__ import annotations

from django.db import models

from jiangqiao.orgs.choices import OrgLevel


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"
    UNDISCLOSED = "undisclosed", "不愿透露"


class CraftsmanStatus(models.TextChoices):
    """Lifecycle of a profile: only ``active`` craftsmen are offered for new services."""

    ACTIVE = "active", "在库"
    PAUSED = "paused", "暂停服务"
    INACTIVE = "inactive", "不活跃"
    REMOVED = "removed", "已移出"


CRAFTSMAN_STATUS_COLORS: dict[str, str] = {
    CraftsmanStatus.ACTIVE: "green",
    CraftsmanStatus.PAUSED: "orange",
    CraftsmanStatus.INACTIVE: "secondary",
    CraftsmanStatus.REMOVED: "red",
}

#: Statuses that need a reason (governance of the expert pool).
STATUS_NEEDS_REASON = {CraftsmanStatus.PAUSED, CraftsmanStatus.INACTIVE, CraftsmanStatus.REMOVED}


class ConsentPurpose(models.TextChoices):
    """Separate consents (PIPL art. 23, 25): never bundled, unticked by default."""

    PROFILE_PUBLICATION = "profile_publication", "公开展示个人档案"
    CONTACT_SHARING = "contact_sharing", "向服务对象企业提供联系方式"


#: Version of the consent texts currently shown to craftsmen.
CONSENT_VERSION = "2026.1"

CONSENT_TEXTS: dict[str, str] = {
    ConsentPurpose.PROFILE_PUBLICATION: (
        "同意在平台内向企业和其他工会展示本人的姓名、工作单位、技能等级、荣誉和服务项目"
        "（不含身份证号和手机号）。"
    ),
    ConsentPurpose.CONTACT_SHARING: (
        "同意在确认服务对接后，将本人手机号提供给对接企业的联络人，仅用于本次服务联系。"
    ),
}


class TeamLevel(models.TextChoices):
    """四级服务队: the team's level must match the level of the owning union unit."""

    PROVINCE = "province", "省级服务队"
    CITY = "city", "市级（产业）服务队"
    COUNTY = "county", "县级服务队"
    GRASSROOTS = "grassroots", "基层服务队"


TEAM_LEVEL_ORG_LEVELS: dict[str, set[str]] = {
    TeamLevel.PROVINCE: {OrgLevel.PROVINCE},
    TeamLevel.CITY: {OrgLevel.CITY, OrgLevel.INDUSTRY},
    TeamLevel.COUNTY: {OrgLevel.COUNTY},
    TeamLevel.GRASSROOTS: {OrgLevel.GRASSROOTS},
}

TEAM_LEVEL_COLORS: dict[str, str] = {
    TeamLevel.PROVINCE: "orange",
    TeamLevel.CITY: "blue",
    TeamLevel.COUNTY: "cyan",
    TeamLevel.GRASSROOTS: "green",
}


def team_level_for_org(org_level: str) -> str | None:
    """The team level a unit of ``org_level`` runs, or ``None`` (e.g. the national federation)."""
    for team_level, org_levels in TEAM_LEVEL_ORG_LEVELS.items():
        if org_level in org_levels:
            return team_level
    return None


class MemberRole(models.TextChoices):
    LEAD = "lead", "领衔人"
    MEMBER = "member", "队员"
