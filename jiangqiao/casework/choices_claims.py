"""Choices of publication to the claim list (认领清单) and of claims (认领)."""

from __future__ import annotations

from django.db import models


class ClaimStatus(models.TextChoices):
    """A craftsman's (or a team lead's) request to serve a published demand."""

    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REFUSED = "refused", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"
    LAPSED = "lapsed", "已失效"


CLAIM_STATUS_COLORS: dict[str, str] = {
    ClaimStatus.PENDING: "blue",
    ClaimStatus.APPROVED: "green",
    ClaimStatus.REFUSED: "red",
    ClaimStatus.WITHDRAWN: "secondary",
    ClaimStatus.LAPSED: "secondary",
}


class PublicationEnd(models.TextChoices):
    """Why a demand left the claim list."""

    EXPIRED = "expired", "发布到期"
    UNPUBLISHED = "unpublished", "工作人员撤下"
    MOVED_ON = "moved_on", "需求已进入后续办理"
    MERGED = "merged", "需求已合并"


class QualityPurpose(models.TextChoices):
    """Why a demand's quality was scored (``QualityReview``: the score history)."""

    PUBLISH = "publish", "发布"
    RETURN = "return", "退回企业补充"
    RESUBMIT = "resubmit", "企业补充后重新提交"
    RENEW = "renew", "续期"
