"""REST API of the academy app: scoped viewsets whose writes call the services."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.viewsets import ScopedModelViewSet
from jiangqiao.core.exceptions import BusinessError

from .. import classes, orders, selectors, services, upgrades
from ..filtersets import (
    AcademyFilterSet,
    AllianceFilterSet,
    ClassFilterSet,
    CourseFilterSet,
    LecturerFilterSet,
    OrderFilterSet,
)
from ..models import (
    Academy,
    Alliance,
    ClassSession,
    Course,
    Enrolment,
    Lecturer,
    TrainingClass,
    TrainingOrder,
)
from .serializers import (
    AcademySerializer,
    AllianceSerializer,
    AssessInSerializer,
    AttendanceInSerializer,
    ClassSessionSerializer,
    CourseSerializer,
    EmptySerializer,
    EnrolmentRefSerializer,
    EnrolmentSerializer,
    EvaluateSerializer,
    LecturerSerializer,
    MoveSerializer,
    ReasonSerializer,
    ScheduleSerializer,
    TraineeUpgradeSerializer,
    TrainingClassSerializer,
    TrainingOrderSerializer,
    UpgradeInSerializer,
    WorkerSerializer,
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


class TrainingClassViewSet(ScopedModelViewSet):
    """班次：已发布课程在学院/基地开班；课次、报名（满员候补）、考勤、考核、结业证书。
    学员身份证号、手机号一律脱敏返回。"""

    queryset = TrainingClass.objects.select_related("academy", "course").prefetch_related(
        "lecturers", "sessions"
    )
    serializer_class = TrainingClassSerializer
    filterset_class = ClassFilterSet
    ordering_fields = ["id", "start_date", "code"]
    ordering = ["-start_date", "-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        lecturers = serializer.validated_data.get("lecturers")
        serializer.instance = classes.class_create(
            actor=self.request.user,
            academy=serializer.validated_data["academy"],
            course=serializer.validated_data["course"],
            data=_data(serializer, classes.CLASS_FIELDS),
            lecturers=lecturers or None,
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = classes.class_update(
            actor=self.request.user,
            training_class=serializer.instance,
            data=_data(serializer, classes.CLASS_FIELDS),
            lecturers=serializer.validated_data.get("lecturers"),
            version=self.expected_version(),
        )

    def _fresh(self, tc: TrainingClass) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=tc.pk)).data)

    def current_scope_action(self) -> str:
        if self.action == "upgrades":  # GET lists (view), POST records (change the class)
            return "view" if self.request.method in ("GET", "HEAD", "OPTIONS") else "change"
        return super().current_scope_action()

    def _input(self, serializer_class: Any, request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _enrolment(self, tc: TrainingClass, pk: int) -> Enrolment:
        return get_object_or_404(Enrolment, pk=pk, training_class=tc)

    @extend_schema(request=MoveSerializer, responses=TrainingClassSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def move(self, request: Request, pk: Any = None) -> Response:
        """按班次状态表变更状态：计划中 → 报名中 → 进行中 → 已结束，或已取消。"""
        to = self._input(MoveSerializer, request)["to"]
        return self._fresh(
            classes.class_move(actor=request.user, training_class=self.get_object(), to=to)
        )

    @extend_schema(request=ClassSessionSerializer, responses=ClassSessionSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="sessions")
    def add_session(self, request: Request, pk: Any = None) -> Response:
        """新增课次（须在班次日期之内）。"""
        data = self._input(ClassSessionSerializer, request)
        session = classes.session_add(
            actor=request.user, training_class=self.get_object(), data=data
        )
        return Response(ClassSessionSerializer(session).data, status=201)

    @extend_schema(request=None, responses=EnrolmentSerializer(many=True))
    @action(detail=True, methods=["get"], scope_action="view")
    def enrolments(self, request: Request, pk: Any = None) -> Response:
        """学员名单（身份证号、手机号脱敏）。"""
        rows = (
            self.get_object()
            .enrolments.select_related("trainee", "certificate")
            .order_by("queued_at", "pk")
        )
        return Response(EnrolmentSerializer(rows, many=True).data)

    @extend_schema(request=WorkerSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def enrol(self, request: Request, pk: Any = None) -> Response:
        """登记一名学员（满员则进入候补）。"""
        worker = self._input(WorkerSerializer, request)
        enrolment = classes.enrol(
            actor=request.user, training_class=self.get_object(), worker=worker
        )
        return Response(EnrolmentSerializer(enrolment).data, status=201)

    @extend_schema(request=EnrolmentRefSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """办理退出（空出的名额按顺序递补候补学员）。"""
        tc = self.get_object()
        enrolment = self._enrolment(tc, self._input(EnrolmentRefSerializer, request)["enrolment"])
        classes.withdraw(actor=request.user, enrolment=enrolment)
        enrolment.refresh_from_db()
        return Response(EnrolmentSerializer(enrolment).data)

    @extend_schema(request=AttendanceInSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def attendance(self, request: Request, pk: Any = None) -> Response:
        """人工登记（或更正）考勤。"""
        tc = self.get_object()
        data = self._input(AttendanceInSerializer, request)
        session = get_object_or_404(ClassSession, pk=data["session"], training_class=tc)
        enrolment = self._enrolment(tc, data["enrolment"])
        classes.attendance_mark(
            actor=request.user, session=session, enrolment=enrolment, status=data["status"]
        )
        return Response(EnrolmentSerializer(enrolment).data)

    @extend_schema(request=AssessInSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def assess(self, request: Request, pk: Any = None) -> Response:
        """登记考核成绩（60 分合格）。"""
        tc = self.get_object()
        data = self._input(AssessInSerializer, request)
        enrolment = classes.assess(
            actor=request.user,
            enrolment=self._enrolment(tc, data["enrolment"]),
            score=data["score"],
        )
        return Response(EnrolmentSerializer(enrolment).data)

    @extend_schema(request=EmptySerializer, responses=EnrolmentSerializer(many=True))
    @action(detail=True, methods=["post"], scope_action="change")
    def certificates(self, request: Request, pk: Any = None) -> Response:
        """为已结业班次的合格学员颁发结业证书（已有证书的不重复颁发）。"""
        issued = classes.certificates_issue_for_class(
            actor=request.user, training_class=self.get_object()
        )
        rows = Enrolment.objects.filter(certificate__in=issued).select_related(
            "trainee", "certificate"
        )
        return Response(EnrolmentSerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses=TraineeUpgradeSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=UpgradeInSerializer, responses={201: TraineeUpgradeSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def upgrades(self, request: Request, pk: Any = None) -> Response:
        """学员技能提升：GET 列出本班次学员的技能等级晋升；POST 登记一名学员的技能提升
        （班次开课后；须为在班学员；授课师资须为本班次的；同一学员同一职业登记一次）。"""
        tc = self.get_object()
        if request.method == "GET":
            rows = selectors.class_upgrades(user=request.user, training_class=tc)
            return Response(TraineeUpgradeSerializer(rows, many=True).data)
        data = self._input(UpgradeInSerializer, request)
        enrolment = self._enrolment(tc, data.pop("enrolment"))
        lecturer_pk = data.pop("lecturer", None)
        lecturer = tc.lecturers.filter(pk=lecturer_pk).first() if lecturer_pk else None
        if lecturer_pk and lecturer is None:
            raise BusinessError("授课师资：只能选择本班次的授课师资", field="lecturer")
        link = upgrades.trainee_upgrade_record(
            actor=request.user, enrolment=enrolment, lecturer=lecturer, **data
        )
        return Response(TraineeUpgradeSerializer(link).data, status=201)


class TrainingOrderViewSet(ScopedModelViewSet):
    """培训订单：企业点单邀约（课程菜单的已发布课程或讲师）与院企订单式（定制培训）。
    学院受理、退回（须说明原因）、排课（创建班次）；班次结业即交付；企业撤回、评价。
    企业联络人只看本企业的订单。"""

    queryset = TrainingOrder.objects.select_related(
        "academy", "enterprise", "course", "lecturer", "training_class"
    ).prefetch_related("events")
    serializer_class = TrainingOrderSerializer
    filterset_class = OrderFilterSet
    ordering_fields = ["id", "created_at", "period_from", "number"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        v = serializer.validated_data
        serializer.instance = orders.order_place(
            actor=self.request.user,
            enterprise=v["enterprise"],
            kind=v["kind"],
            data={k: v[k] for k in orders.ORDER_FIELDS if k in v},
            course=v.get("course"),
            lecturer=v.get("lecturer"),
            academy=v.get("academy"),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        v = serializer.validated_data
        serializer.instance = orders.order_update(
            actor=self.request.user,
            order=serializer.instance,
            data={k: v[k] for k in orders.ORDER_FIELDS if k in v},
            version=self.expected_version(),
        )

    def get_queryset(self) -> Any:
        if self.action in ("withdraw", "evaluate"):
            self.scope_action = "view"  # the enterprise acts on what it sees
        return super().get_queryset()

    def _fresh(self, order: TrainingOrder) -> Response:
        return Response(self.get_serializer(TrainingOrder.objects.get(pk=order.pk)).data)

    def _input(self, serializer_class: Any, request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=ReasonSerializer, responses=TrainingOrderSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def accept(self, request: Request, pk: Any = None) -> Response:
        """受理（待受理 → 已受理）。"""
        data = self._input(ReasonSerializer, request)
        return self._fresh(
            orders.order_accept(
                actor=request.user, order=self.get_object(), comment=data.get("reason", "")
            )
        )

    @extend_schema(request=ReasonSerializer, responses=TrainingOrderSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="return")
    def return_order(self, request: Request, pk: Any = None) -> Response:
        """退回（待受理 → 已退回），须说明原因；由需求转来的订单，需求恢复原状态。"""
        data = self._input(ReasonSerializer, request)
        return self._fresh(
            orders.order_return(
                actor=request.user, order=self.get_object(), reason=data.get("reason", "")
            )
        )

    @extend_schema(request=ScheduleSerializer, responses=TrainingOrderSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def schedule(self, request: Request, pk: Any = None) -> Response:
        """排课（已受理 → 已排课）：在承接学院（含分院、实训基地）创建班次及课次，或关联已有班次。"""
        order = self.get_object()
        data = self._input(ScheduleSerializer, request)
        user = request.user

        def visible(model: Any, pk: int | None, field: str) -> Any:
            if pk is None:
                return None
            found = model.objects.visible_to(user, "view").filter(pk=pk).first()
            if found is None:
                raise BusinessError(f"{field}：不存在或不在您的数据范围内", field=field)
            return found

        lecturer_ids = data.get("lecturers")
        lecturers = None
        if lecturer_ids is not None:
            lecturers = list(Lecturer.objects.visible_to(user, "view").filter(pk__in=lecturer_ids))
            if len(lecturers) != len(set(lecturer_ids)):
                raise BusinessError(
                    "lecturers：有师资不存在或不在您的数据范围内", field="lecturers"
                )
        class_data: dict[str, Any] = {
            k: data[k]
            for k in ("title", "capacity", "start_date", "end_date", "place")
            if k in data
        }
        sessions = [
            {k: v for k, v in s.items() if v not in (None, "")} for s in data.get("sessions", [])
        ]
        return self._fresh(
            orders.order_schedule(
                actor=user,
                order=order,
                academy=visible(Academy, data.get("academy"), "academy"),
                course=visible(Course, data.get("course"), "course"),
                data=class_data,
                lecturers=lecturers,
                sessions=sessions,
                training_class=visible(TrainingClass, data.get("training_class"), "training_class"),
            )
        )

    @extend_schema(request=ReasonSerializer, responses=TrainingOrderSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """企业撤回（待受理/已受理 → 已撤回）。"""
        data = self._input(ReasonSerializer, request)
        return self._fresh(
            orders.order_withdraw(
                actor=request.user, order=self.get_object(), reason=data.get("reason", "")
            )
        )

    @extend_schema(request=EvaluateSerializer, responses=TrainingOrderSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def evaluate(self, request: Request, pk: Any = None) -> Response:
        """企业评价（已交付 → 已评价）：满意度 1–5 分及意见。"""
        data = self._input(EvaluateSerializer, request)
        return self._fresh(
            orders.order_evaluate(
                actor=request.user,
                order=self.get_object(),
                satisfaction=data["satisfaction"],
                comment=data.get("comment", ""),
            )
        )
