"""REST API of competitions and innovation activities: scoped viewsets whose writes call
``competitions``; trainees' identifiers are masked in every response."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.viewsets import ScopedModelViewSet

from .. import competitions, selectors
from ..competition_filtersets import CompetitionFilterSet, InnovationFilterSet
from ..models import Competition, Contestant, Innovation, Judge
from .competition_serializers import (
    CompetitionMoveSerializer,
    CompetitionSerializer,
    ContestantInSerializer,
    ContestantSerializer,
    InnovationMoveSerializer,
    InnovationSerializer,
    JudgeSerializer,
    ResultRowSerializer,
    ScoreInSerializer,
    ScoreSerializer,
)


def _data(serializer: BaseSerializer[Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in serializer.validated_data.items() if k in allowed}


def _input(serializer_class: Any, request: Request, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CompetitionViewSet(ScopedModelViewSet):
    """劳动和技能竞赛：报名资格校验、评委回避、评分（5 名及以上评委去掉最高最低分）、公布成绩。
    选手身份证号、手机号一律脱敏返回。"""

    queryset = Competition.objects.select_related("org", "academy").prefetch_related("classes")
    serializer_class = CompetitionSerializer
    filterset_class = CompetitionFilterSet
    ordering_fields = ["id", "start_date", "title"]
    ordering = ["-start_date", "-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = competitions.competition_create(
            actor=self.request.user,
            org=serializer.validated_data["org"],
            data=_data(serializer, competitions.COMPETITION_FIELDS),
            classes=serializer.validated_data.get("classes"),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = competitions.competition_update(
            actor=self.request.user,
            competition=serializer.instance,
            data=_data(serializer, competitions.COMPETITION_FIELDS),
            classes=serializer.validated_data.get("classes"),
            version=self.expected_version(),
        )

    def _fresh(self, c: Competition) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=c.pk)).data)

    @extend_schema(request=CompetitionMoveSerializer, responses=CompetitionSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def move(self, request: Request, pk: Any = None) -> Response:
        """按状态表变更：筹备中 → 报名中 → 比赛中 → 评分中 → 已公布（须给出 awards 奖项名额），或已取消。"""
        data = _input(CompetitionMoveSerializer, request)
        return self._fresh(
            competitions.competition_move(
                actor=request.user,
                competition=self.get_object(),
                to=data["to"],
                awards=data.get("awards"),
            )
        )

    @extend_schema(request=None, responses=ContestantSerializer(many=True))
    @action(detail=True, methods=["get"], scope_action="view")
    def contestants(self, request: Request, pk: Any = None) -> Response:
        """参赛选手名单（身份证号、手机号脱敏）。"""
        rows = self.get_object().contestants.select_related("trainee", "enterprise")
        return Response(ContestantSerializer(rows, many=True).data)

    @extend_schema(request=ContestantInSerializer, responses=ContestantSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def register(self, request: Request, pk: Any = None) -> Response:
        """报名登记一名选手（校验技能等级、职业、工作单位、报名时间和人数上限）。"""
        data = _input(ContestantInSerializer, request)
        contestant = competitions.contestant_register(
            actor=request.user, competition=self.get_object(), data=data
        )
        return Response(ContestantSerializer(contestant).data, status=201)

    @extend_schema(request=None, responses=JudgeSerializer(many=True))
    @action(detail=True, methods=["get"], scope_action="view")
    def judges(self, request: Request, pk: Any = None) -> Response:
        """评委名单。"""
        c = self.get_object()
        return Response(JudgeSerializer(c.judges.select_related("craftsman"), many=True).data)

    @extend_schema(request=JudgeSerializer, responses=JudgeSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="add-judge")
    def add_judge(self, request: Request, pk: Any = None) -> Response:
        """添加评委：人才库劳模工匠（craftsman），或外聘专家（姓名、工作单位、统一社会信用代码）。"""
        c = self.get_object()
        data = _input(JudgeSerializer, request, context={"request": request})
        craftsman = data.pop("craftsman", None)
        if craftsman is not None:
            data = {"title": data.get("title", "")}
        judge = competitions.judge_add(
            actor=request.user, competition=c, data=data, craftsman=craftsman
        )
        return Response(JudgeSerializer(judge).data, status=201)

    @extend_schema(request=None, responses=ContestantSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        scope_action="view",
        url_path=r"judges/(?P<judge_pk>\d+)/sheet",
    )
    def sheet(self, request: Request, pk: Any = None, judge_pk: Any = None) -> Response:
        """评委的评分表：与其同一工作单位的选手回避，不在表中。"""
        c = self.get_object()
        judge = get_object_or_404(Judge, pk=judge_pk, competition=c)
        rows = [r["contestant"] for r in selectors.marking_sheet(judge)]
        return Response(ContestantSerializer(rows, many=True).data)

    @extend_schema(request=ScoreInSerializer, responses=ScoreSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def score(self, request: Request, pk: Any = None) -> Response:
        """登记评分（0–100，最多一位小数）；回避的选手拒绝评分；公布后冻结。"""
        c = self.get_object()
        data = _input(ScoreInSerializer, request)
        judge = get_object_or_404(Judge, pk=data["judge"], competition=c)
        contestant = get_object_or_404(Contestant, pk=data["contestant"], competition=c)
        row = competitions.score_set(
            actor=request.user, judge=judge, contestant=contestant, score=data["score"]
        )
        return Response(ScoreSerializer(row).data)

    @extend_schema(request=None, responses=ResultRowSerializer(many=True))
    @action(detail=True, methods=["get"], scope_action="view")
    def results(self, request: Request, pk: Any = None) -> Response:
        """成绩：各评委评分（回避者标“回避”）、最终成绩、名次、奖项（公布前为预览）。"""
        rows = selectors.competition_results(self.get_object())
        return Response(ResultRowSerializer(rows, many=True).data)


class InnovationViewSet(ScopedModelViewSet):
    """创新活动：创新工作室项目、五小、合理化建议、揭榜挂帅；立项 → 实施中 → 已完成，或已终止。"""

    queryset = Innovation.objects.select_related("org", "academy", "lead")
    serializer_class = InnovationSerializer
    filterset_class = InnovationFilterSet
    ordering_fields = ["id", "start_date", "title", "economic_benefit"]
    ordering = ["-start_date", "-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = competitions.innovation_create(
            actor=self.request.user,
            org=serializer.validated_data["org"],
            data=_data(serializer, competitions.INNOVATION_FIELDS),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = competitions.innovation_update(
            actor=self.request.user,
            innovation=serializer.instance,
            data=_data(serializer, competitions.INNOVATION_FIELDS),
            version=self.expected_version(),
        )

    @extend_schema(request=InnovationMoveSerializer, responses=InnovationSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def move(self, request: Request, pk: Any = None) -> Response:
        """按状态表变更：立项 → 实施中 → 已完成（须填写成果说明），或已终止。"""
        data = _input(InnovationMoveSerializer, request)
        obj = competitions.innovation_move(
            actor=request.user, innovation=self.get_object(), to=data["to"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)
