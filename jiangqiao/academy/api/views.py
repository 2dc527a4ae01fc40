"""REST API of the academy app: scoped viewsets whose writes call the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.viewsets import ScopedModelViewSet

from .. import services
from ..filtersets import AcademyFilterSet, AllianceFilterSet, CourseFilterSet, LecturerFilterSet
from ..models import Academy, Alliance, Course, Lecturer
from .serializers import (
    AcademySerializer,
    AllianceSerializer,
    CourseSerializer,
    EmptySerializer,
    LecturerSerializer,
)

DROP = ("org", "version", "status", "academy", "craftsman", "lecturers")


def _data(serializer: BaseSerializer[Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in serializer.validated_data.items() if k in allowed and k not in DROP}


class AcademyViewSet(ScopedModelViewSet):
    """工匠学院（总部/分院/实训基地/考核站点），按组织树划分数据范围；停用而不删除。"""

    queryset = Academy.objects.select_related("org", "parent").prefetch_related("subsidies")
    serializer_class = AcademySerializer
    filterset_class = AcademyFilterSet
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = services.academy_create(
            actor=self.request.user,
            org=serializer.validated_data["org"],
            data=_data(serializer, services.ACADEMY_FIELDS),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.academy_update(
            actor=self.request.user,
            academy=serializer.instance,
            data=_data(serializer, services.ACADEMY_FIELDS),
            version=self.expected_version(),
        )


class AllianceViewSet(ScopedModelViewSet):
    """学院联盟：成员学院共享课程和标记为共享的师资。"""

    queryset = Alliance.objects.select_related("org")
    serializer_class = AllianceSerializer
    filterset_class = AllianceFilterSet
    ordering_fields = ["id", "name"]
    ordering = ["-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = services.alliance_create(
            actor=self.request.user,
            org=serializer.validated_data["org"],
            data=_data(serializer, services.ALLIANCE_FIELDS),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.alliance_update(
            actor=self.request.user,
            alliance=serializer.instance,
            data=_data(serializer, services.ALLIANCE_FIELDS),
            version=self.expected_version(),
        )


class LecturerViewSet(ScopedModelViewSet):
    """师资库：人才库劳模工匠（关联档案，不复制）或外聘专家（姓名、单位、职称）。"""

    queryset = Lecturer.objects.select_related("academy", "craftsman").prefetch_related(
        "appointments"
    )
    serializer_class = LecturerSerializer
    filterset_class = LecturerFilterSet
    ordering_fields = ["id"]
    ordering = ["-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = services.lecturer_create(
            actor=self.request.user,
            academy=serializer.validated_data["academy"],
            craftsman=serializer.validated_data.get("craftsman"),
            data=_data(serializer, services.LECTURER_FIELDS),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.lecturer_update(
            actor=self.request.user,
            lecturer=serializer.instance,
            data=_data(serializer, services.LECTURER_FIELDS),
            version=self.expected_version(),
        )


class CourseViewSet(ScopedModelViewSet):
    """课程清单：发布后学时锁定，每次发布及发布后修改生成一个版本。"""

    queryset = Course.objects.select_related("academy").prefetch_related("lecturers")
    serializer_class = CourseSerializer
    filterset_class = CourseFilterSet
    ordering_fields = ["id", "code", "title"]
    ordering = ["academy_id", "code"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = services.course_create(
            actor=self.request.user,
            academy=serializer.validated_data["academy"],
            data=_data(serializer, services.COURSE_FIELDS),
            lecturers=serializer.validated_data.get("lecturers") or [],
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.course_update(
            actor=self.request.user,
            course=serializer.instance,
            data=_data(serializer, services.COURSE_FIELDS),
            lecturers=serializer.validated_data.get("lecturers"),
            version=self.expected_version(),
        )

    def _fresh(self, course: Course) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=course.pk)).data)

    @extend_schema(request=EmptySerializer, responses=CourseSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def publish(self, request: Request, pk: Any = None) -> Response:
        """发布课程（学时随即锁定）。"""
        return self._fresh(services.course_publish(actor=request.user, course=self.get_object()))

    @extend_schema(request=EmptySerializer, responses=CourseSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """下架课程。"""
        return self._fresh(services.course_withdraw(actor=request.user, course=self.get_object()))
