"""Serializers of the claim list and claims. The public demand is the anonymised card only."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import Claim, Publication, QualityReview


class PublicDemandSerializer(serializers.Serializer[Any]):
    """A listed demand as anyone who may claim sees it: no enterprise name, USCC or contact."""

    id = serializers.IntegerField(source="pk", read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="需求类型")
    category = serializers.CharField(read_only=True, help_text="需求类别")
    industries = serializers.ListField(child=serializers.CharField(), read_only=True)
    region = serializers.CharField(read_only=True, help_text="服务地点（省 市 县）")
    size = serializers.CharField(read_only=True, help_text="企业规模（大型/中型/小型/微型）")
    delivery_mode = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    current_state = serializers.CharField(read_only=True)
    desired_outcome = serializers.CharField(read_only=True)
    trainee_count = serializers.IntegerField(read_only=True, allow_null=True)
    deadline = serializers.DateField(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expires_on = serializers.DateField(read_only=True, allow_null=True)
    quality = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="发布质量评分（0–20）"
    )


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    craftsman_name = serializers.CharField(source="craftsman.name", read_only=True, default=None)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)

    class Meta:
        model = Claim
        fields = [
            "id",
            "demand",
            "demand_title",
            "craftsman",
            "craftsman_name",
            "team",
            "team_name",
            "note",
            "status",
            "created_at",
            "decided_at",
            "decision_note",
            "offer",
        ]
        read_only_fields = fields


class ClaimCreateSerializer(serializers.Serializer[Any]):
    demand = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="需求ID")
    note = serializers.CharField(max_length=500, help_text="认领说明")
    team = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="以服务队名义认领时填服务队ID（须为领衔人）",
    )


class ClaimApproveSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ClaimRefuseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500)


class PublishSerializer(serializers.Serializer[Any]):
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class UnpublishSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=500)


class PublicationSerializer(serializers.ModelSerializer[Publication]):
    class Meta:
        model = Publication
        fields = [
            "id",
            "demand",
            "published_at",
            "expires_on",
            "quality_score",
            "clarity_score",
            "completeness_score",
            "verification_score",
            "feasibility_score",
            "renewals",
            "ended_at",
            "end_reason",
            "note",
        ]
        read_only_fields = fields


class QualitySerializer(serializers.Serializer[Any]):
    passed = serializers.BooleanField()
    score = serializers.IntegerField(help_text="四项合计，0–20")
    maximum = serializers.IntegerField()
    threshold = serializers.DictField(child=serializers.IntegerField())
    anonymous = serializers.BooleanField()
    criteria = serializers.ListField(child=serializers.DictField())
    to_add = serializers.ListField(child=serializers.CharField())
    to_add_enterprise = serializers.ListField(
        child=serializers.CharField(),
        help_text="退回时告知企业补充的内容：仅企业可填写的字段，每个字段一次",
    )
    to_add_union = serializers.ListField(
        child=serializers.CharField(), help_text="只能由工会补全的内容（如需求类别），不告知企业"
    )
    refusal = serializers.ListField(child=serializers.CharField())


class ReturnSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class QualityReviewSerializer(serializers.ModelSerializer[QualityReview]):
    class Meta:
        model = QualityReview
        fields = [
            "id",
            "demand",
            "purpose",
            "clarity_score",
            "completeness_score",
            "verification_score",
            "feasibility_score",
            "total",
            "passed",
            "to_add",
            "comment",
            "created_at",
        ]
        read_only_fields = fields


class DirectOfferSerializer(serializers.Serializer[Any]):
    craftsman = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    note = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer[Any]):
    craftsman = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None
    )
    team = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(max_length=400)
