"""REST endpoints of the collection campaigns (/api/v1/demands/campaigns/): read-only, scoped,
with 已征集 (``submitted_count``) and drafts per campaign. Campaigns are opened and published on
their pages; the link token is never part of the API."""

from __future__ import annotations

from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.api.viewsets import ScopedReadOnlyViewSet

from ..choices_campaigns import CampaignStatus
from ..filtersets_campaigns import CampaignFilterSet
from ..models_campaigns import Campaign
from ..selectors_campaigns import with_counts


class CampaignSerializer(BriefSerializerMixin, serializers.ModelSerializer[Campaign]):
    display = serializers.CharField(source="title", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:demands:campaign-detail")
    org_name = serializers.CharField(source="org.name", read_only=True)
    status = ChoiceDisplayField(choices=CampaignStatus.choices, read_only=True)
    submitted_count = serializers.IntegerField(read_only=True, help_text="已征集（截止前提交）")
    draft_count = serializers.IntegerField(read_only=True, help_text="草稿")
    brief_fields = ("id", "display", "url", "status", "submitted_count")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "display",
            "url",
            "title",
            "org",
            "org_name",
            "announcement",
            "categories",
            "region_codes",
            "industry_codes",
            "starts_on",
            "deadline",
            "target_count",
            "status",
            "submitted_count",
            "draft_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CampaignViewSet(ScopedReadOnlyViewSet):
    """征集活动：本级及下级单位发起的征集活动，含已征集数（截止日期前提交且未撤回、未取消）和草稿数。只读。"""

    queryset = with_counts(Campaign.objects.select_related("org"))
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    ordering_fields = ["starts_on", "deadline", "created_at"]
    ordering = ["-starts_on", "-id"]
