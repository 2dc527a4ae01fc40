"""/api/v1/casework/sessions/: service sessions (服务记录) — list, read, log, correct, verify the
economic benefit, add a skill upgrade. Writes go through ``casework.sessions``; no DELETE."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.serializers import BriefSerializerMixin
from jiangqiao.core.api.viewsets import ScopedViewSetMixin

from .. import sessions
from ..choices import ProblemResult, SessionMode
from ..models import Offer
from ..session_models import ServiceRecord, SkillUpgrade
from ..session_pages import ServiceRecordFilterSet


class ProblemSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=sessions.PROBLEM_TEXT_MAX)
    result = serializers.ChoiceField(choices=ProblemResult.choices)


class SkillUpgradeSerializer(serializers.ModelSerializer[SkillUpgrade]):
    class Meta:
        model = SkillUpgrade
        fields = ["id", "source", *sessions.UPGRADE_FIELDS, *sessions.UPGRADE_EXTRA_FIELDS]
        read_only_fields = ["id", "source"]
        extra_kwargs = {"issued_on": {"required": False, "help_text": "取证日期；不填则为服务日期"}}
        validators: list[Any] = []


class ServiceRecordSerializer(BriefSerializerMixin, serializers.ModelSerializer[ServiceRecord]):
    display = serializers.CharField(source="__str__", read_only=True)
    demand = serializers.IntegerField(source="demand_id", read_only=True)
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    craftsman_name = serializers.SerializerMethodField()
    mode = serializers.ChoiceField(
        choices=SessionMode.choices, help_text="onsite 现场 / online 线上 / phone 电话"
    )
    activities = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text="服务内容：服务类型代码（service_type）的列表",
    )
    problems = ProblemSerializer(many=True, required=False, help_text="处理的问题及结果")
    skill_upgrades = SkillUpgradeSerializer(many=True, read_only=True)
    benefit_verified_at = serializers.DateTimeField(read_only=True)
    brief_fields = ("id", "display", "offer", "date")

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "display",
            "offer",
            "match",
            "demand",
            "demand_title",
            "craftsman_name",
            *sessions.RECORD_FIELDS,
            "benefit_verified_at",
            "skill_upgrades",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["match", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        field = self.fields.get("offer")
        if request is not None and isinstance(field, serializers.PrimaryKeyRelatedField):
            cast(Any, field).queryset = Offer.objects.visible_to(request.user, "view")
        if self.instance is not None and "offer" in self.fields:
            self.fields["offer"].read_only = True

    def get_craftsman_name(self, obj: ServiceRecord) -> str:
        return str(obj.craftsman or "")


class ServiceRecordViewSet(  # type: ignore[misc]
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """服务记录：已接受服务的每次服务（日期、准备/路途/服务时长、方式、内容、人数、处理的问题、技能提升、效益及核实、企业确认）。不提供删除。"""

    queryset = ServiceRecord.objects.select_related(
        "demand", "offer", "offer__craftsman", "offer__team", "match", "match__craftsman"
    ).prefetch_related("skill_upgrades")
    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilterSet
    ordering_fields = ["date", "created_at"]

    def _data(self, serializer: BaseSerializer[Any]) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        if "problems" in data:
            data["problems"] = [dict(p) for p in data["problems"]]
        return {name: data[name] for name in sessions.RECORD_FIELDS if name in data}

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = sessions.session_create(
            actor=self.request.user,
            offer=serializer.validated_data.get("offer"),
            data=self._data(serializer),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = sessions.session_update(
            actor=self.request.user, record=serializer.instance, data=self._data(serializer)
        )

    def _respond(self, record: ServiceRecord) -> Response:
        row = self.queryset.get(pk=record.pk)
        return Response(self.get_serializer(row).data)

    @extend_schema(request=None, responses=ServiceRecordSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def verify(self, request: Request, pk: Any = None) -> Response:
        """核实经济效益（须由登记人以外的工作人员操作）。"""
        return self._respond(
            sessions.session_verify_benefit(actor=request.user, record=self.get_object())
        )

    @extend_schema(request=SkillUpgradeSerializer, responses=ServiceRecordSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def upgrades(self, request: Request, pk: Any = None) -> Response:
        """登记一名职工的技能提升（职工编号＋姓名首字母，不填姓名和身份证号）。"""
        record = self.get_object()
        raw = request.data if isinstance(request.data, dict) else {}
        accepted = {*sessions.UPGRADE_FIELDS, *sessions.UPGRADE_EXTRA_FIELDS}
        data = {k: v for k, v in raw.items() if k in accepted}
        sessions.skill_upgrade_add(actor=request.user, record=record, data=data)
        return self._respond(record)
