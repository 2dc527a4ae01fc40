"""Choices of the academy app: lower-case English values, Chinese labels, colour maps."""

from __future__ import annotations

from django.db import models


class AcademyLevel(models.TextChoices):
    """The Shandong four-level system, plus the national federation's key-support tier."""

    NATIONAL_KEY = "national_key", "全总重点支持"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    ENTERPRISE = "enterprise", "企业级"


ACADEMY_LEVEL_COLORS: dict[str, str] = {
    AcademyLevel.NATIONAL_KEY: "red",
    AcademyLevel.PROVINCE: "orange",
    AcademyLevel.CITY: "blue",
    AcademyLevel.COUNTY: "cyan",
    AcademyLevel.ENTERPRISE: "secondary",
}


class AcademyType(models.TextChoices):
    """A node of an academy system: "总部+分院+实训基地" (Shanghai) or "1+1+N" (Guiyang)."""

    HQ = "hq", "总部"
    BRANCH = "branch", "分院"
    TRAINING_BASE = "training_base", "实训基地"
    ASSESSMENT_SITE = "assessment_site", "考核站点"


#: Which node types may sit under which (a base under an HQ or a branch, never under a base).
ALLOWED_PARENT_TYPES: dict[str, set[str]] = {
    AcademyType.HQ: {AcademyType.HQ},  # "1+1+N": a city HQ under a provincial HQ
    AcademyType.BRANCH: {AcademyType.HQ, AcademyType.BRANCH},
    AcademyType.TRAINING_BASE: {AcademyType.HQ, AcademyType.BRANCH},
    AcademyType.ASSESSMENT_SITE: {AcademyType.HQ, AcademyType.BRANCH},
}


class LecturerKind(models.TextChoices):
    CRAFTSMAN = "craftsman", "人才库劳模工匠"
    EXTERNAL = "external", "外聘专家"


class CourseStatus(models.TextChoices):
    """草稿 → 已发布 ⇄ 已下架. Only published courses are on the public menu."""

    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已下架"


COURSE_STATUS_COLORS: dict[str, str] = {
    CourseStatus.DRAFT: "secondary",
    CourseStatus.PUBLISHED: "green",
    CourseStatus.WITHDRAWN: "orange",
}


class CourseFormat(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "面授"
    ONLINE = "online", "线上"
    BLENDED = "blended", "混合"
    PRACTICAL = "practical", "实训"


class CourseLevel(models.TextChoices):
    BASIC = "basic", "基础"
    INTERMEDIATE = "intermediate", "提高"
    ADVANCED = "advanced", "高级"
