"""Choices of the matching app: lower-case English values, Chinese labels, colour maps."""

from __future__ import annotations

from django.db import models

from jiangqiao.core.choices import JobStatus


class SuggestionStatus(models.TextChoices):
    """A suggestion is only a proposal until a person decides (PIPL Art. 24)."""

    PROPOSED = "proposed", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已拒绝"
    DECLINED = "declined", "工匠婉拒"
    SUPERSEDED = "superseded", "已失效"


SUGGESTION_STATUS_COLORS: dict[str, str] = {
    SuggestionStatus.PROPOSED: "blue",
    SuggestionStatus.CONFIRMED: "green",
    SuggestionStatus.REJECTED: "red",
    SuggestionStatus.DECLINED: "orange",
    SuggestionStatus.SUPERSEDED: "secondary",
}

#: Decisions that keep a craftsman out of later suggestions for the same demand.
EXCLUDING_STATUSES = (SuggestionStatus.REJECTED, SuggestionStatus.DECLINED)


class SuggestionSource(models.TextChoices):
    RECOMMEND = "recommend", "推荐"
    PLATFORM = "platform", "平台匹配"
    MANUAL = "manual", "人工"


SUGGESTION_SOURCE_COLORS: dict[str, str] = {
    SuggestionSource.RECOMMEND: "azure",
    SuggestionSource.PLATFORM: "purple",
    SuggestionSource.MANUAL: "teal",
}


#: A 平台匹配 run has the states of its background job (same values, one OpenAPI enum).
RunStatus = JobStatus

RUN_STATUS_COLORS: dict[str, str] = {
    RunStatus.QUEUED: "secondary",
    RunStatus.RUNNING: "blue",
    RunStatus.SUCCEEDED: "green",
    RunStatus.FAILED: "red",
    RunStatus.CANCELLED: "orange",
}
