"""Serializers of the matching API. Writes go through the services."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.choices import Status
from jiangqiao.orgs.models import Organization

from ..choices import RunStatus, SuggestionSource, SuggestionStatus
from ..models import DeclaredConflict, MatchRun, MatchSuggestion


class WhySerializer(serializers.Serializer[Any]):
    fusion_version = serializers.CharField(required=False)
    contributions = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="各信号的贡献 [{signal, label, weight, contribution}]；贡献 = 权重 × 校准值，之和等于匹配分",
    )
    evidence = serializers.DictField(
        required=False, help_text="文本信号的依据：最匹配的档案条目与命中词"
    )
    industry = serializers.DictField(required=False)
    region = serializers.DictField(required=False)
    skill_level = serializers.IntegerField(required=False, allow_null=True)
    capacity = serializers.IntegerField(required=False, allow_null=True)
    track_record = serializers.DictField(required=False)
    summary = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="推荐理由（中文，每条为完整短语）；劳模工匠不在您的数据范围内时只引用公开内容",
    )
    assignment = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="平台匹配的分配理由"
    )


class PublicCraftsmanSerializer(serializers.Serializer[Any]):
    """What a user outside the craftsman's unit may see of him (no contact details, no ID)."""

    name = serializers.CharField()
    employer_name = serializers.CharField()
    skill_level = serializers.CharField(help_text="技能等级（名称）")
    honours = serializers.ListField(child=serializers.CharField(), help_text="荣誉（年份 名称）")
    teams = serializers.ListField(child=serializers.CharField(), help_text="所在服务队")
    org_name = serializers.CharField(help_text="所属工会")


class SuggestionSerializer(BriefSerializerMixin, serializers.ModelSerializer[MatchSuggestion]):
    display = serializers.CharField(source="__str__", read_only=True)
    demand_number = serializers.CharField(source="demand.number", read_only=True, allow_null=True)
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    craftsman_name = serializers.CharField(source="craftsman.name", read_only=True)
    relevance = serializers.IntegerField(
        read_only=True, help_text="匹配度 0–100（融合得分 score 的单调映射，不为负）"
    )
    cross_unit = serializers.SerializerMethodField(
        help_text="劳模工匠不在您的数据范围内（其他单位管理）：仅提供公开信息 craftsman_public"
    )
    craftsman_public = serializers.SerializerMethodField()
    source = ChoiceDisplayField(  # type: ignore[assignment]
        choices=SuggestionSource.choices, read_only=True
    )
    status = ChoiceDisplayField(choices=SuggestionStatus.choices, read_only=True)
    why = WhySerializer(read_only=True)
    decided_by_name = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    brief_fields = ("id", "display", "demand", "craftsman", "status", "score")

    class Meta:
        model = MatchSuggestion
        fields = [
            "id",
            "display",
            "demand",
            "demand_number",
            "demand_title",
            "craftsman",
            "craftsman_name",
            "run",
            "source",
            "status",
            "rank",
            "relevance",
            "score",
            "cross_unit",
            "craftsman_public",
            "why",
            "fusion_version",
            "encoder",
            "suggested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _in_scope(self, obj: MatchSuggestion) -> bool:
        from ..selectors import craftsman_in_scope

        request = self.context.get("request")
        return craftsman_in_scope(getattr(request, "user", None), obj)

    def get_cross_unit(self, obj: MatchSuggestion) -> bool:
        return not self._in_scope(obj)

    @extend_schema_field(PublicCraftsmanSerializer(allow_null=True))
    def get_craftsman_public(self, obj: MatchSuggestion) -> dict[str, Any] | None:
        """Public profile of the craftsman when he is outside the user's scope (else null)."""
        from jiangqiao.talents.selectors import public_profiles

        if self._in_scope(obj):
            return None
        profile = public_profiles([obj.craftsman_id]).get(obj.craftsman_id)
        if profile is None:
            return None
        return {
            "name": profile.name,
            "employer_name": profile.employer_name,
            "skill_level": profile.skill_level,
            "honours": list(profile.honours),
            "teams": list(profile.teams),
            "org_name": profile.org_name,
        }

    def to_representation(self, instance: MatchSuggestion) -> dict[str, Any]:
        data = super().to_representation(instance)
        if "why" in data and not self._in_scope(instance):
            from ..selectors import public_why

            data["why"] = WhySerializer(public_why(instance.why)).data
        return data


class DecisionSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="拒绝、婉拒时必填"
    )


class RefreshSerializer(serializers.Serializer[Any]):
    demand = serializers.IntegerField(min_value=1, max_value=2**53, help_text="需求ID")
    top = serializers.IntegerField(min_value=1, max_value=50, required=False, help_text="推荐人数")


class ManualSerializer(serializers.Serializer[Any]):
    demand = serializers.IntegerField(min_value=1, max_value=2**53, help_text="需求ID")
    craftsman = serializers.IntegerField(min_value=1, max_value=2**53, help_text="劳模工匠ID")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RunSerializer(BriefSerializerMixin, serializers.ModelSerializer[MatchRun]):
    display = serializers.CharField(source="__str__", read_only=True)
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    org_name = serializers.CharField(source="org.name", read_only=True)
    status = ChoiceDisplayField(choices=RunStatus.choices, read_only=True)
    top_k = serializers.IntegerField(min_value=1, max_value=50, required=False, default=10)
    progress = serializers.SerializerMethodField()
    brief_fields = ("id", "display", "org", "status")

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "display",
            "org",
            "org_name",
            "status",
            "top_k",
            "fusion_version",
            "demand_count",
            "staffed_count",
            "suggestion_count",
            "job",
            "progress",
            "result",
            "started_at",
            "finished_at",
            "created_at",
        ]
        read_only_fields = [
            "fusion_version",
            "demand_count",
            "staffed_count",
            "suggestion_count",
            "job",
            "result",
            "started_at",
            "finished_at",
            "created_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        field = self.fields.get("org")
        if request is not None and isinstance(field, serializers.PrimaryKeyRelatedField):
            cast(Any, field).queryset = Organization.objects.visible_to(request.user, "view")

    def get_progress(self, obj: MatchRun) -> int:
        """Percent done (0–100) of the run's job."""
        if obj.job is not None:
            return int(obj.job.percent)
        return 100 if obj.is_finished else 0


class ConflictSerializer(BriefSerializerMixin, serializers.ModelSerializer[DeclaredConflict]):
    display = serializers.CharField(source="__str__", read_only=True)
    craftsman_name = serializers.CharField(source="craftsman.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    brief_fields = ("id", "display", "craftsman", "enterprise", "status")

    class Meta:
        model = DeclaredConflict
        fields = [
            "id",
            "display",
            "craftsman",
            "craftsman_name",
            "enterprise",
            "enterprise_name",
            "reason",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from jiangqiao.demands.models import Enterprise
        from jiangqiao.talents.models import Craftsman

        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            for name, model in (("craftsman", Craftsman), ("enterprise", Enterprise)):
                field = self.fields.get(name)
                if isinstance(field, serializers.PrimaryKeyRelatedField):
                    cast(Any, field).queryset = cast(Any, model).objects.visible_to(
                        request.user, "view"
                    )
        if self.instance is not None:
            for name in ("craftsman", "enterprise"):
                if name in self.fields:
                    self.fields[name].read_only = True


class ConflictStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Status.choices)
