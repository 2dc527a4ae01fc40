"""Choices of the service casework (点菜·做菜·送菜): lower-case English values, Chinese labels."""

from __future__ import annotations

from django.db import models

from jiangqiao.demands.choices import DemandOutcome


class OfferStatus(models.TextChoices):
    """An offer to a craftsman (or a service team's lead) to serve a demand."""

    PENDING = "pending", "待答复"
    ACCEPTED = "accepted", "服务中"
    DECLINED = "declined", "已婉拒"
    EXPIRED = "expired", "超时未答复"
    WITHDRAWN = "withdrawn", "已撤回"
    COMPLETED = "completed", "已完成"


OFFER_STATUS_COLORS: dict[str, str] = {
    OfferStatus.PENDING: "blue",
    OfferStatus.ACCEPTED: "orange",
    OfferStatus.DECLINED: "secondary",
    OfferStatus.EXPIRED: "red",
    OfferStatus.WITHDRAWN: "secondary",
    OfferStatus.COMPLETED: "green",
}

#: Offers that hold a place in the craftsman's capacity (max open services).
OPEN_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED)
#: Offers after which the same craftsman is not offered the same demand again.
REFUSED_OFFER_STATUSES = (OfferStatus.DECLINED, OfferStatus.EXPIRED)


class OfferSource(models.TextChoices):
    SUGGESTION = "suggestion", "确认匹配建议"
    AUTOMATIC = "automatic", "自动改派"
    CLAIM = "claim", "工匠认领"
    DIRECT = "direct", "企业点名邀请"
    ASSIGNMENT = "assignment", "工作人员指派"  # 省总工作专班 or the owning unit (claims.py)


class DeclineReason(models.TextChoices):
    """Why a craftsman declines (a reason code is required, with free text for 其他)."""

    BUSY = "busy", "时间冲突，近期无法安排"
    EXPERTISE = "expertise", "超出本人专长"
    DISTANCE = "distance", "路途太远，无法到场"
    CONFLICT = "conflict", "存在利益冲突，须回避"
    HEALTH = "health", "身体或家庭原因"
    OTHER = "other", "其他原因"


class ContactChannel(models.TextChoices):
    PHONE = "phone", "电话"
    SMS = "sms", "短信"
    WECHAT = "wechat", "微信"
    VISIT = "visit", "上门"


#: The outcome of a demand's service (the values are stored on the demand too).
OutcomeResult = DemandOutcome


class FollowUpKind(models.TextChoices):
    DAYS_90 = "d90", "90天回访"
    DAYS_180 = "d180", "180天回访"


class SessionMode(models.TextChoices):
    """How a service session took place (DOMAIN.md §7.5)."""

    ONSITE = "onsite", "现场"
    ONLINE = "online", "线上"
    PHONE = "phone", "电话"


class ProblemResult(models.TextChoices):
    """What became of one problem handled in a session."""

    SOLVED = "solved", "已解决"
    PARTIAL = "partial", "部分解决"
    NOT = "not", "未解决"


class UpgradeSource(models.TextChoices):
    """Where a skill upgrade (技能提升) was recorded: one record type, two sources."""

    SESSION = "session", "服务记录"
    TRAINING = "training", "工匠学院培训"
