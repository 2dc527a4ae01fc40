"""Choices of the enterprise and demand pool. Values are lower-case English, labels Chinese.

Where a platform code list exists in the taxonomy app (需求类型 ``demand_kind``, 企业规模
``enterprise_size``), the values here are the same codes so a stored value is also a tag
``{scheme, code}``.
"""

from __future__ import annotations

from django.db import models


class SizeClass(models.TextChoices):
    """企业规模, stored with the codes of 《统计上大中小微型企业划分办法(2017)》 (taxonomy
    ``enterprise_size``). An empty value means “unknown” (inputs missing): never guessed."""

    LARGE = "1", "大型"
    MEDIUM = "2", "中型"
    SMALL = "3", "小型"
    MICRO = "4", "微型"


SIZE_COLORS: dict[str, str] = {
    SizeClass.LARGE: "purple",
    SizeClass.MEDIUM: "blue",
    SizeClass.SMALL: "cyan",
    SizeClass.MICRO: "teal",
    "": "secondary",
}


class SizeIndustry(models.TextChoices):
    """The 16 industry groups of 《中小企业划型标准规定》(工信部联企业〔2011〕300号)."""

    AGRICULTURE = "agriculture", "农、林、牧、渔业"
    INDUSTRY = "industry", "工业"
    CONSTRUCTION = "construction", "建筑业"
    WHOLESALE = "wholesale", "批发业"
    RETAIL = "retail", "零售业"
    TRANSPORT = "transport", "交通运输业"
    WAREHOUSING = "warehousing", "仓储业"
    POSTAL = "postal", "邮政业"
    ACCOMMODATION = "accommodation", "住宿业"
    CATERING = "catering", "餐饮业"
    INFO_TRANSMISSION = "info_transmission", "信息传输业"
    SOFTWARE = "software", "软件和信息技术服务业"
    REAL_ESTATE = "real_estate", "房地产开发经营"
    PROPERTY = "property", "物业管理"
    LEASING = "leasing", "租赁和商务服务业"
    OTHER = "other", "其他未列明行业"


class DemandKind(models.TextChoices):
    """需求类型 (codes of the taxonomy list ``demand_kind``)."""

    TECH_PROBLEM = "tech_problem", "技术难题"
    SKILL_TRAINING = "skill_training", "技能培训需求"
    MANAGEMENT = "management", "管理提升"
    IDEOLOGY_LECTURE = "ideology_lecture", "思政宣讲"
    OCCUPATIONAL_HEALTH = "occupational_health", "职业健康"
    OTHER = "other", "其他"


KIND_COLORS: dict[str, str] = {
    DemandKind.TECH_PROBLEM: "blue",
    DemandKind.SKILL_TRAINING: "green",
    DemandKind.MANAGEMENT: "purple",
    DemandKind.IDEOLOGY_LECTURE: "red",
    DemandKind.OCCUPATIONAL_HEALTH: "orange",
    DemandKind.OTHER: "secondary",
}


class DemandStatus(models.TextChoices):
    """The demand's life cycle (DOMAIN.md §6.2, workflow A).

    ``draft → submitted → triaged → published → matching → in_service →
    resolved | partially_resolved | escalated → confirmed → closed``; a demand may be
    ``withdrawn`` by the enterprise or ``cancelled`` by the union before service starts, or
    ``merged`` into another demand of the same enterprise (a duplicate; ``Demand.merged_into``
    points to the survivor).
    Every change after creation is made by ``casework.services`` (the lifecycle's one owner),
    whose table ``casework.lifecycle.TRANSITIONS`` lists the allowed next steps of each state.
    """

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    TRIAGED = "triaged", "已分级"
    #: Sent back to the enterprise to add what the publication score found missing
    #: (``casework.claims.demand_return``); its resubmission returns it to 已提交.
    RETURNED = "returned", "待补充"
    PUBLISHED = "published", "已发布"
    MATCHING = "matching", "匹配中"
    IN_SERVICE = "in_service", "服务中"
    RESOLVED = "resolved", "已解决"
    PARTIALLY_RESOLVED = "partially_resolved", "部分解决"
    UNRESOLVED = "unresolved", "未解决"
    ESCALATED = "escalated", "已升级"
    TRANSFERRED = "transferred", "已转办"
    CONFIRMED = "confirmed", "企业已确认"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"
    CANCELLED = "cancelled", "已取消"
    MERGED = "merged", "已合并"


#: Demands that count in no figure of collected demands (征集需求数, docs/kpi.md §1): withdrawn by
#: the enterprise, cancelled by the union, or merged into another demand (counted once, as the
#: survivor).
NOT_COLLECTED = (DemandStatus.WITHDRAWN, DemandStatus.CANCELLED, DemandStatus.MERGED)

#: Open demands: still to be served (a duplicate of one of them is flagged, ``demands.duplicates``).
OPEN_STATUSES = (
    DemandStatus.DRAFT,
    DemandStatus.SUBMITTED,
    DemandStatus.RETURNED,
    DemandStatus.TRIAGED,
    DemandStatus.PUBLISHED,
    DemandStatus.MATCHING,
    DemandStatus.IN_SERVICE,
    DemandStatus.ESCALATED,
    DemandStatus.TRANSFERRED,
)


DEMAND_STATUS_COLORS: dict[str, str] = {
    DemandStatus.DRAFT: "secondary",
    DemandStatus.SUBMITTED: "blue",
    DemandStatus.TRIAGED: "cyan",
    DemandStatus.RETURNED: "azure",
    DemandStatus.PUBLISHED: "indigo",
    DemandStatus.MATCHING: "purple",
    DemandStatus.IN_SERVICE: "orange",
    DemandStatus.RESOLVED: "green",
    DemandStatus.PARTIALLY_RESOLVED: "lime",
    DemandStatus.UNRESOLVED: "pink",
    DemandStatus.ESCALATED: "red",
    DemandStatus.TRANSFERRED: "yellow",
    DemandStatus.CONFIRMED: "teal",
    DemandStatus.CLOSED: "dark",
    DemandStatus.WITHDRAWN: "secondary",
    DemandStatus.CANCELLED: "secondary",
    DemandStatus.MERGED: "secondary",
}

#: States in which the demand's content may still be edited.
EDITABLE_STATUSES = frozenset(
    {DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.TRIAGED, DemandStatus.RETURNED}
)


class DemandStage(models.TextChoices):
    """Where an enterprise's demand stands, in the enterprise's words (我的需求: its home panel
    and the 办理阶段 filter of its list). Each state belongs to one stage (``STAGE_STATUSES``) but
    已撤回, 已取消 and 已合并, which the enterprise's list shows under no stage."""

    DRAFT = "draft", "草稿未提交"
    RETURNED = "returned", "待我补充"
    WAITING = "waiting", "等待安排"
    SERVING = "serving", "服务中"
    CONFIRM = "confirm", "待我确认结果"
    DONE = "done", "已完成"


STAGE_STATUSES: dict[str, tuple[str, ...]] = {
    DemandStage.DRAFT: (DemandStatus.DRAFT,),
    DemandStage.RETURNED: (DemandStatus.RETURNED,),
    DemandStage.WAITING: (
        DemandStatus.SUBMITTED,
        DemandStatus.TRIAGED,
        DemandStatus.PUBLISHED,
        DemandStatus.MATCHING,
        DemandStatus.ESCALATED,
        DemandStatus.TRANSFERRED,
    ),
    DemandStage.SERVING: (DemandStatus.IN_SERVICE,),
    DemandStage.CONFIRM: (
        DemandStatus.RESOLVED,
        DemandStatus.PARTIALLY_RESOLVED,
        DemandStatus.UNRESOLVED,
    ),
    DemandStage.DONE: (DemandStatus.CONFIRMED, DemandStatus.CLOSED),
}


class DemandOutcome(models.TextChoices):
    """办理结果, recorded by ``casework`` when the service ends (kept on the demand for filters)."""

    SOLVED = "solved", "已解决"
    PARTIAL = "partial", "部分解决"
    UNSOLVED = "unsolved", "未解决"


class Grade(models.TextChoices):
    """需求分级: complexity × impact × urgency."""

    A = "a", "A级（复杂/影响大/紧急）"
    B = "b", "B级"
    C = "c", "C级（简单）"


class OwnerLevel(models.TextChoices):
    """Which union level owns the demand (escalation ladder 省—市—县—基层)."""

    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县(区)级"
    GRASSROOTS = "grassroots", "基层"


class Visibility(models.TextChoices):
    PRIVATE = "private", "不公开"
    ANONYMISED = "anonymised", "匿名发布到需求清单"
    PUBLIC = "public", "公开"


class Channel(models.TextChoices):
    ONLINE = "online", "企业线上自助提交"
    OFFLINE = "offline", "工作人员线下代录"
    IMPORTED = "imported", "批量导入"


class DeliveryMode(models.TextChoices):
    ONSITE = "onsite", "需要现场服务"
    ONLINE = "online", "线上即可"
    EITHER = "either", "现场或线上均可"


class IntakeChannel(models.TextChoices):
    """How union staff took a demand down (联络员代录, docs/intake.md): the way unions collect."""

    VISIT = "visit", "上门走访"
    STATION = "station", "坐镇"
    HOTLINE = "hotline", "热线"
    PARK = "park", "园区行"


class RegistrationKind(models.TextChoices):
    """企业自助注册: a new enterprise, or a new contact of an enterprise already registered."""

    NEW_ENTERPRISE = "new_enterprise", "新企业注册"
    NEW_CONTACT = "new_contact", "已登记企业的新联系人"


class RegistrationStatus(models.TextChoices):
    """The registration's life cycle, changed only by ``demands.registration``: ``pending →
    approved | refused``. A new enterprise is usable at once and approval marks it verified; a
    new contact is linked to the enterprise only on approval."""

    PENDING = "pending", "待核实"
    APPROVED = "approved", "已确认"
    REFUSED = "refused", "已拒绝"


REGISTRATION_STATUS_COLORS: dict[str, str] = {
    RegistrationStatus.PENDING: "orange",
    RegistrationStatus.APPROVED: "green",
    RegistrationStatus.REFUSED: "red",
}

#: Version of the registration's notice and consent (PIPL art. 13, 14, 17), stored with each
#: registration; a new wording gets a new version (the talents' consents follow the same rule).
REGISTRATION_CONSENT_VERSION = "2026.1"
REGISTRATION_CONSENT_TEXT = (
    "本人确认已获企业授权代表企业注册，同意匠桥平台及负责的工会组织为受理、核实和办理企业需求，"
    "处理本人填写的姓名、手机号码和企业信息（企业名称、统一社会信用代码）；手机号码加密保存，"
    "仅用于需求联系和身份验证，不向其他企业公开。可随时通过“个人信息权利申请”查阅、更正或删除。"
)
#: The notice's text by version, for the registrant's “我的个人信息” (a version no longer listed
#: is shown by its number only).
REGISTRATION_CONSENT_TEXTS: dict[str, str] = {
    REGISTRATION_CONSENT_VERSION: REGISTRATION_CONSENT_TEXT,
}
