"""Serializers of the matching API. Writes go through the services."""

from __future__ import annotations

from typing import Any, cast

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
    summary = serializers.ListField(child=serializers.CharField(), required=False)
    assignment = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="平台匹配的分配理由"
    )


class SuggestionSerializer(BriefSerializerMixin, serializers.ModelSerializer[MatchSuggestion]):
    display = serializers.CharField(source="__str__", read_only=True)
    demand_number = serializers.CharField(source="demand.number", read_only=True, allow_null=True)
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    craftsman_name = serializers.CharField(source="craftsman.name", read_only=True)
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
            "score",
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
