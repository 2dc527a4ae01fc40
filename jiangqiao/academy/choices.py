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


class ClassStatus(models.TextChoices):
    """计划中 → 报名中 → 进行中 → 已结束; 计划中/报名中/进行中 → 已取消 (``services.CLASS_MOVES``)."""

    PLANNED = "planned", "计划中"
    OPEN = "open", "报名中"
    RUNNING = "running", "进行中"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


CLASS_STATUS_COLORS: dict[str, str] = {
    ClassStatus.PLANNED: "secondary",
    ClassStatus.OPEN: "blue",
    ClassStatus.RUNNING: "green",
    ClassStatus.FINISHED: "dark",
    ClassStatus.CANCELLED: "orange",
}


class HourType(models.TextChoices):
    THEORY = "theory", "理论"
    PRACTICE = "practice", "实操"


class EnrolmentStatus(models.TextChoices):
    """已报名 (a seat) / 候补 (over capacity, promoted in order) / 已退出."""

    ENROLLED = "enrolled", "已报名"
    WAITLISTED = "waitlisted", "候补"
    WITHDRAWN = "withdrawn", "已退出"


ENROLMENT_STATUS_COLORS: dict[str, str] = {
    EnrolmentStatus.ENROLLED: "green",
    EnrolmentStatus.WAITLISTED: "orange",
    EnrolmentStatus.WITHDRAWN: "secondary",
}


class EnrolmentSource(models.TextChoices):
    STAFF = "staff", "工作人员登记"
    IMPORT = "import", "表格导入"
    SELF = "self", "本人扫码报名"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出勤"
    LATE = "late", "迟到"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺勤"


#: Attendance that credits the session's hours.
CREDITED_ATTENDANCE = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class AttendanceMethod(models.TextChoices):
    QR = "qr", "扫码签到"
    MANUAL = "manual", "人工登记"


class OrderKind(models.TextChoices):
    """点单邀约 (a course of the menu or a named lecturer) / 院企订单式 (a custom request)."""

    MENU = "menu", "点单邀约"
    CUSTOM = "custom", "院企订单式"


class OrderSite(models.TextChoices):
    ENTERPRISE = "enterprise", "送教入企"
    ACADEMY = "academy", "学院基地"
    ONLINE = "online", "线上"


class OrderStatus(models.TextChoices):
    """待受理 → 已受理 | 已退回; 已受理 → 已排课 → 已交付 → 已评价; 待受理/已受理 → 已撤回
    (``orders.ORDER_MOVES``)."""

    PENDING = "pending", "待受理"
    ACCEPTED = "accepted", "已受理"
    RETURNED = "returned", "已退回"
    SCHEDULED = "scheduled", "已排课"
    DELIVERED = "delivered", "已交付"
    EVALUATED = "evaluated", "已评价"
    WITHDRAWN = "withdrawn", "已撤回"


ORDER_STATUS_COLORS: dict[str, str] = {
    OrderStatus.PENDING: "blue",
    OrderStatus.ACCEPTED: "cyan",
    OrderStatus.RETURNED: "orange",
    OrderStatus.SCHEDULED: "purple",
    OrderStatus.DELIVERED: "green",
    OrderStatus.EVALUATED: "dark",
    OrderStatus.WITHDRAWN: "secondary",
}


# ------------------------------------------------------------------------------------------------
# Competitions (劳动和技能竞赛) and innovation activities
# ------------------------------------------------------------------------------------------------


class CompetitionLevel(models.TextChoices):
    NATIONAL = "national", "全国"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    ENTERPRISE = "enterprise", "企业"


class CompetitionStatus(models.TextChoices):
    """筹备中 → 报名中 → 比赛中 → 评分中 → 已公布, or 已取消 (``competitions.COMPETITION_MOVES``)."""

    PREPARING = "preparing", "筹备中"
    REGISTERING = "registering", "报名中"
    RUNNING = "running", "比赛中"
    SCORING = "scoring", "评分中"
    PUBLISHED = "published", "已公布"
    CANCELLED = "cancelled", "已取消"


COMPETITION_STATUS_COLORS: dict[str, str] = {
    CompetitionStatus.PREPARING: "secondary",
    CompetitionStatus.REGISTERING: "blue",
    CompetitionStatus.RUNNING: "green",
    CompetitionStatus.SCORING: "purple",
    CompetitionStatus.PUBLISHED: "dark",
    CompetitionStatus.CANCELLED: "orange",
}


class EmployerRestriction(models.TextChoices):
    NONE = "none", "不限"
    SCOPE = "scope", "限组织方辖区内企业职工"
    REGION = "region", "限指定地区企业职工"


class JudgeKind(models.TextChoices):
    CRAFTSMAN = "craftsman", "人才库劳模工匠"
    EXTERNAL = "external", "外聘专家"


class Award(models.TextChoices):
    FIRST = "first", "一等奖"
    SECOND = "second", "二等奖"
    THIRD = "third", "三等奖"
    EXCELLENCE = "excellence", "优秀奖"


class InnovationKind(models.TextChoices):
    STUDIO = "studio", "创新工作室项目"
    FIVE_SMALL = "five_small", "五小"
    RATIONALIZATION = "rationalization", "合理化建议"
    OPEN_CALL = "open_call", "揭榜挂帅"


class FiveSmallType(models.TextChoices):
    INVENTION = "invention", "小发明"
    CREATION = "creation", "小创造"
    INNOVATION = "innovation", "小革新"
    DESIGN = "design", "小设计"
    SUGGESTION = "suggestion", "小建议"


class InnovationStatus(models.TextChoices):
    """立项 → 实施中 → 已完成, or 已终止 (``competitions.INNOVATION_MOVES``)."""

    APPROVED = "approved", "立项"
    ONGOING = "ongoing", "实施中"
    COMPLETED = "completed", "已完成"
    TERMINATED = "terminated", "已终止"


INNOVATION_STATUS_COLORS: dict[str, str] = {
    InnovationStatus.APPROVED: "secondary",
    InnovationStatus.ONGOING: "blue",
    InnovationStatus.COMPLETED: "green",
    InnovationStatus.TERMINATED: "orange",
}
