"""Choices of the collection campaigns (征集活动). Values are lower-case English, labels Chinese."""

from __future__ import annotations

from django.db import models


class CampaignStatus(models.TextChoices):
    """A campaign's life cycle, changed only by :mod:`jiangqiao.demands.campaigns`.

    ``draft → open → ended`` (the deadline passed: the hourly tick, or a submission refused after
    it) or ``closed`` (closed early by its unit); ``ended``/``closed → open`` again when the unit
    moves the deadline to today or later (延期后重新开放). The table is ``campaigns.TRANSITIONS``.
    """

    DRAFT = "draft", "草稿"
    OPEN = "open", "征集中"
    ENDED = "ended", "已截止"
    CLOSED = "closed", "已关闭"


CAMPAIGN_STATUS_COLORS: dict[str, str] = {
    CampaignStatus.DRAFT: "secondary",
    CampaignStatus.OPEN: "green",
    CampaignStatus.ENDED: "orange",
    CampaignStatus.CLOSED: "dark",
}
