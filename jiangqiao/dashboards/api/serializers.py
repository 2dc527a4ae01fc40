"""Serializers of the dashboards API (yearly targets). Values are passed on as typed: the
services read and check them, so the API, the pages and the import answer alike."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiangqiao.orgs.models import Organization

from .. import indicators, services
from ..choices import Campaign
from ..models import Target, TargetRevision

MAX_UNITS = 2000


@extend_schema_field(OpenApiTypes.INT)
class VisibleOrgField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A unit the caller may see (another unit reads as “does not exist”)."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        return Organization.objects.visible_to(getattr(request, "user", None))


class TargetSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    org_name = serializers.CharField(source="org.name", read_only=True, label="单位名称")
    indicator_label = serializers.SerializerMethodField(label="指标名称")
    indicator_unit = serializers.SerializerMethodField(label="计量单位")
    value = serializers.CharField(
        required=False, max_length=30, label="目标值", help_text="0 到 1,000,000,000 的整数"
    )
    version = serializers.IntegerField(
        required=False, min_value=0, max_value=2147483647, help_text="修改时回传读取到的版本号"
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=services.NOTE_MAX,
        label="调整说明",
        help_text="记入目标调整记录",
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "org",
            "org_name",
            "campaign",
            "year",
            "indicator",
            "indicator_label",
            "indicator_unit",
            "value",
            "note",
            "version",
            "comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["org", "campaign", "year", "indicator", "created_at", "updated_at"]

    def _indicator(self, obj: Target) -> indicators.Indicator | None:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return indicators.resolve(obj.indicator, user=user)

    def get_indicator_label(self, obj: Target) -> str:
        found = self._indicator(obj)
        return found.label if found else obj.indicator

    def get_indicator_unit(self, obj: Target) -> str:
        found = self._indicator(obj)
        return found.unit if found else ""

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["value"] = int(instance.value)
        return data


class TargetRevisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = serializers.CharField(source="actor_name", read_only=True, label="操作人账号")

    class Meta:
        model = TargetRevision
        fields = ["id", "target", "before", "after", "actor", "source", "comment", "at"]
        read_only_fields = fields


class _KeysSerializer(serializers.Serializer):  # type: ignore[type-arg]
    campaign = serializers.ChoiceField(
        choices=Campaign.choices, required=False, label="专项行动", default=Campaign.ZHUQIXING
    )
    year = serializers.IntegerField(
        label="年度", min_value=services.YEAR_MIN, max_value=services.YEAR_MAX
    )
    indicator = serializers.CharField(
        max_length=40,
        label="指标",
        help_text="已登记指标的代码或名称，或本单位适用的自定义指标（c<编号>或名称）",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=services.NOTE_MAX, label="调整说明"
    )


class SplitInSerializer(_KeysSerializer):
    parent = VisibleOrgField(  # type: ignore[assignment]
        label="本级单位", help_text="被分解目标的单位（其下级单位的目标）"
    )
    values = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True, max_length=30),
        label="各下级目标值",
        help_text="{下级单位ID: 目标值}；未列出的下级单位保持原目标",
    )

    def validate_values(self, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise serializers.ValidationError("各下级目标值：请至少填写一个下级单位")
        if len(value) > MAX_UNITS:
            raise serializers.ValidationError(f"各下级目标值：一次最多 {MAX_UNITS} 个单位")
        return value


class SetInSerializer(_KeysSerializer):
    org = VisibleOrgField(label="单位")
    value = serializers.CharField(max_length=30, label="目标值")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=services.NOTE_MAX, label="说明"
    )


class SplitOutSerializer(serializers.Serializer):  # type: ignore[type-arg]
    indicator = serializers.CharField(label="指标")
    parent_value = serializers.IntegerField(allow_null=True, label="本级目标")
    total = serializers.IntegerField(label="下级目标之和")
    warnings = serializers.ListField(child=serializers.CharField(), label="提示")
    changed = TargetSerializer(many=True, label="修改的目标")
