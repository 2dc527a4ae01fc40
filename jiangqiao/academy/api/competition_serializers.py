"""Serializers of the competition and innovation API. References are narrowed to the caller's
data scope; trainees' ID numbers and mobiles are masked in every response."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.sensitive import mask
from jiangqiao.orgs.models import Organization
from jiangqiao.talents.models import Craftsman

from ..choices import (
    Award,
    CompetitionLevel,
    CompetitionStatus,
    EmployerRestriction,
    FiveSmallType,
    InnovationKind,
    InnovationStatus,
    JudgeKind,
)
from ..models import Academy, Competition, Contestant, Innovation, Judge, TrainingClass
from .serializers import VERSION, ScopedRelatedMixin, _codes


class CompetitionSerializer(ScopedRelatedMixin, BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="title", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:competition-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), label="组织方")
    academy = serializers.PrimaryKeyRelatedField(
        queryset=Academy.objects.none(), required=False, allow_null=True, label="承办学院"
    )
    classes = serializers.PrimaryKeyRelatedField(
        many=True, queryset=TrainingClass.objects.none(), required=False, label="赛前培训班次"
    )
    level = ChoiceDisplayField(choices=CompetitionLevel.choices)
    employer_restriction = ChoiceDisplayField(choices=EmployerRestriction.choices, required=False)
    allowed_occupations = _codes("限报职业（工种）")
    max_participants = serializers.IntegerField(min_value=1, max_value=100000)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    status = ChoiceDisplayField(choices=CompetitionStatus.choices, read_only=True)
    version = VERSION
    brief_fields = ("id", "display", "url", "status")
    scoped_fields = {"academy": Academy, "classes": TrainingClass}

    class Meta:
        model = Competition
        fields = [
            "id",
            "display",
            "url",
            "org",
            "title",
            "level",
            "occupation",
            "academy",
            "registration_start",
            "registration_end",
            "start_date",
            "end_date",
            "venue",
            "min_skill_level",
            "max_skill_level",
            "allowed_occupations",
            "employer_restriction",
            "region_prefix",
            "max_participants",
            "description",
            "classes",
            "status",
            "awards_first",
            "awards_second",
            "awards_third",
            "awards_excellence",
            "published_at",
            "version",
        ]
        read_only_fields = [
            "awards_first",
            "awards_second",
            "awards_third",
            "awards_excellence",
            "published_at",
        ]
        validators: list[Any] = []


class ContestantSerializer(serializers.ModelSerializer):
    """A contestant as the API shows him: ID number and mobile masked."""

    name = serializers.CharField(source="trainee.name", read_only=True)
    id_number = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    employer = serializers.CharField(source="employer_display", read_only=True)
    award = ChoiceDisplayField(choices=Award.choices, read_only=True)

    class Meta:
        model = Contestant
        fields = [
            "id",
            "number",
            "name",
            "id_number",
            "mobile",
            "employer",
            "occupation",
            "skill_level",
            "registered_at",
            "final_score",
            "rank",
            "award",
        ]
        read_only_fields = fields

    def get_id_number(self, obj: Contestant) -> str:
        return str(mask("id_number", obj.trainee.id_number))

    def get_mobile(self, obj: Contestant) -> str:
        return str(mask("mobile", obj.trainee.mobile or ""))


class ContestantInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=50, label="姓名")
    id_number = serializers.CharField(max_length=18, label="身份证号")
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, label="手机号")
    employer_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, label="工作单位"
    )
    employer_uscc = serializers.CharField(
        max_length=18, required=False, allow_blank=True, label="统一社会信用代码"
    )
    occupation = serializers.CharField(
        max_length=16, required=False, allow_blank=True, label="申报职业（工种）"
    )
    skill_level = serializers.CharField(max_length=32, label="申报技能等级")


class JudgeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    kind = ChoiceDisplayField(choices=JudgeKind.choices, read_only=True)
    craftsman = serializers.PrimaryKeyRelatedField(
        queryset=Craftsman.objects.none(), required=False, allow_null=True, label="劳模工匠"
    )
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    employer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    employer_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Judge
        fields = [
            "id",
            "display_name",
            "kind",
            "craftsman",
            "name",
            "employer_name",
            "employer_uscc",
            "title",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            fields["craftsman"].queryset = Craftsman.objects.visible_to(user, "view")  # type: ignore[attr-defined]
        return fields


class ScoreInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    judge = serializers.IntegerField(min_value=1, max_value=2147483647, label="评委")
    contestant = serializers.IntegerField(min_value=1, max_value=2147483647, label="选手")
    score = serializers.CharField(max_length=16, label="评分")


class ScoreSerializer(serializers.Serializer):  # type: ignore[type-arg]
    judge = serializers.IntegerField(source="judge_id", read_only=True)
    contestant = serializers.IntegerField(source="contestant_id", read_only=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True)


class CompetitionMoveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    to = serializers.ChoiceField(choices=CompetitionStatus.choices, label="目标状态")
    awards = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100000),
        required=False,
        label="奖项名额（公布成绩时：first/second/third/excellence）",
    )


class ResultRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    contestant = serializers.IntegerField(source="contestant.pk")
    number = serializers.IntegerField()
    name = serializers.CharField(source="contestant.trainee.name")
    marks = serializers.ListField(child=serializers.CharField())
    final = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    award = serializers.CharField()


class InnovationSerializer(ScopedRelatedMixin, BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="title", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:innovation-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), label="所属工会")
    academy = serializers.PrimaryKeyRelatedField(
        queryset=Academy.objects.none(), required=False, allow_null=True, label="所属学院"
    )
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Craftsman.objects.none(), required=False, allow_null=True, label="领衔人"
    )
    kind = ChoiceDisplayField(choices=InnovationKind.choices)
    five_small_type = ChoiceDisplayField(
        choices=FiveSmallType.choices, required=False, allow_blank=True
    )
    participants_count = serializers.IntegerField(min_value=1, max_value=100000, required=False)
    patent_count = serializers.IntegerField(min_value=0, max_value=100000, required=False)
    economic_benefit = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    patents = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    status = ChoiceDisplayField(choices=InnovationStatus.choices, read_only=True)
    version = VERSION
    brief_fields = ("id", "display", "url", "status")
    scoped_fields = {"academy": Academy, "lead": Craftsman}

    class Meta:
        model = Innovation
        fields = [
            "id",
            "display",
            "url",
            "org",
            "kind",
            "five_small_type",
            "title",
            "academy",
            "studio_name",
            "lead",
            "participants_count",
            "start_date",
            "end_date",
            "status",
            "outcome",
            "economic_benefit",
            "patent_count",
            "patents",
            "adopted",
            "evaluated_on",
            "version",
        ]
        validators: list[Any] = []


class InnovationMoveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    to = serializers.ChoiceField(choices=InnovationStatus.choices, label="目标状态")
