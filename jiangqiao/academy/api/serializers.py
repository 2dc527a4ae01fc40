"""Serializers of the academy API: full + brief. References are checked against the caller's
data scope (a reference outside it reads as "does not exist")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.choices import Status
from jiangqiao.core.sensitive import mask
from jiangqiao.demands.models import Enterprise
from jiangqiao.orgs.models import Organization
from jiangqiao.talents.models import Craftsman

from ..choices import (
    AcademyLevel,
    AcademyType,
    AttendanceStatus,
    ClassStatus,
    CourseFormat,
    CourseLevel,
    CourseStatus,
    EnrolmentStatus,
    HourType,
    LecturerKind,
    OrderKind,
    OrderSite,
    OrderStatus,
)
from ..models import (
    TEXT_MAX,
    Academy,
    Alliance,
    Appointment,
    ClassSession,
    Course,
    Enrolment,
    Lecturer,
    OrderEvent,
    Subsidy,
    TraineeUpgrade,
    TrainingClass,
    TrainingOrder,
)

VERSION = serializers.IntegerField(
    required=False, min_value=0, max_value=2147483647, help_text="修改时回传读取到的版本号"
)


def _codes(label: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=20, label=label
    )


class ScopedRelatedMixin:
    """Narrow the querysets of reference fields to what the requesting user may see."""

    scoped_fields: dict[str, Any] = {}

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        for name, model in self.scoped_fields.items():
            field = fields.get(name)
            if field is None or field.read_only or user is None:
                continue
            target = field.child_relation if hasattr(field, "child_relation") else field
            target.queryset = model.objects.visible_to(user, "view")
        return fields


class SubsidySerializer(serializers.ModelSerializer):
    class Meta:
        model = Subsidy
        fields = ["id", "year", "amount", "source", "note"]


class AcademySerializer(ScopedRelatedMixin, BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:academy-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    parent_academy = serializers.PrimaryKeyRelatedField(
        source="parent",
        queryset=Academy.objects.none(),
        required=False,
        allow_null=True,
        label="上级学院",
    )
    level = ChoiceDisplayField(choices=AcademyLevel.choices)
    academy_type = ChoiceDisplayField(choices=AcademyType.choices, required=False)
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    host_uscc = serializers.CharField(max_length=30, required=False, allow_blank=True)
    industries = _codes("面向行业")
    facilities = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    subsidies = SubsidySerializer(many=True, read_only=True)
    version = VERSION
    brief_fields = ("id", "display", "url", "level")
    scoped_fields = {"parent_academy": Academy}

    class Meta:
        model = Academy
        fields = [
            "id",
            "display",
            "url",
            "org",
            "name",
            "level",
            "academy_type",
            "parent_academy",
            "alliance",
            "host_name",
            "host_uscc",
            "region_code",
            "address",
            "industries",
            "facilities",
            "is_provincial",
            "is_national_key",
            "is_annual_key",
            "founded_on",
            "status",
            "subsidies",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["alliance", "created_at", "updated_at"]
        validators: list[Any] = []


class AllianceSerializer(BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:alliance-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    version = VERSION
    brief_fields = ("id", "display", "url")

    class Meta:
        model = Alliance
        fields = ["id", "display", "url", "org", "name", "description", "status", "version"]
        validators: list[Any] = []


class AppointmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appointment
        fields = ["id", "letter_no", "academy", "valid_from", "valid_to", "role"]
        read_only_fields = ["academy"]


class LecturerSerializer(ScopedRelatedMixin, BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="display_name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:lecturer-detail")
    academy = serializers.PrimaryKeyRelatedField(queryset=Academy.objects.none())
    craftsman = serializers.PrimaryKeyRelatedField(
        queryset=Craftsman.objects.none(), required=False, allow_null=True
    )
    kind = ChoiceDisplayField(choices=LecturerKind.choices, read_only=True)
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    course_fields = _codes("授课领域")
    intro = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    appointments = AppointmentSerializer(many=True, read_only=True)
    version = VERSION
    brief_fields = ("id", "display", "url", "kind")
    scoped_fields = {"academy": Academy, "craftsman": Craftsman}

    class Meta:
        model = Lecturer
        fields = [
            "id",
            "display",
            "url",
            "academy",
            "kind",
            "craftsman",
            "name",
            "employer",
            "title",
            "course_fields",
            "intro",
            "shared",
            "rating",
            "rating_count",
            "status",
            "appointments",
            "version",
        ]
        read_only_fields = ["rating", "rating_count"]
        validators: list[Any] = []  # uniqueness is the service's (with a message naming the field)


class CourseSerializer(ScopedRelatedMixin, BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="__str__", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:course-detail")
    academy = serializers.PrimaryKeyRelatedField(queryset=Academy.objects.none())
    lecturers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Lecturer.objects.all(), required=False
    )
    level = ChoiceDisplayField(choices=CourseLevel.choices, required=False)
    format = ChoiceDisplayField(choices=CourseFormat.choices)
    status = ChoiceDisplayField(choices=CourseStatus.choices, read_only=True)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal("999")
    )
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    industries = _codes("适用行业")
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    assessment = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    version = VERSION
    brief_fields = ("id", "display", "url", "status")
    scoped_fields = {"academy": Academy}

    class Meta:
        model = Course
        fields = [
            "id",
            "display",
            "url",
            "academy",
            "code",
            "title",
            "field",
            "level",
            "hours",
            "format",
            "industries",
            "occupation",
            "skill_level",
            "lecturers",
            "capacity",
            "is_free",
            "price",
            "description",
            "prerequisites",
            "assessment",
            "certificate_template",
            "status",
            "edition",
            "published_at",
            "version",
        ]
        read_only_fields = ["edition", "published_at"]
        validators: list[Any] = []


class EmptySerializer(serializers.Serializer):  # type: ignore[type-arg]
    pass


# ------------------------------------------------------------------------------------------------
# Classes (班次): identifiers of trainees are masked in every response
# ------------------------------------------------------------------------------------------------


class ClassSessionSerializer(serializers.ModelSerializer):
    hour_type = ChoiceDisplayField(choices=HourType.choices, required=False)
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal("24")
    )

    class Meta:
        model = ClassSession
        fields = ["id", "date", "start_time", "end_time", "place", "topic", "hours", "hour_type"]


class TrainingClassSerializer(
    ScopedRelatedMixin, BriefSerializerMixin, serializers.ModelSerializer
):
    display = serializers.CharField(source="title", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:trainingclass-detail")
    academy = serializers.PrimaryKeyRelatedField(queryset=Academy.objects.none())
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.none())
    lecturers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Lecturer.objects.all(), required=False
    )
    code = serializers.CharField(max_length=30, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=10000, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    status = ChoiceDisplayField(choices=ClassStatus.choices, read_only=True)
    sessions = ClassSessionSerializer(many=True, read_only=True)
    version = VERSION
    brief_fields = ("id", "display", "url", "status")
    scoped_fields = {"academy": Academy, "course": Course, "lecturers": Lecturer}

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "display",
            "url",
            "academy",
            "course",
            "course_edition",
            "code",
            "title",
            "lecturers",
            "capacity",
            "start_date",
            "end_date",
            "place",
            "note",
            "status",
            "sessions",
            "version",
        ]
        read_only_fields = ["course_edition"]
        validators: list[Any] = []


class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment as the API shows it: the ID number and the mobile masked."""

    name = serializers.CharField(source="trainee.name", read_only=True)
    id_number = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    employer = serializers.CharField(source="trainee.employer_display", read_only=True)
    status = ChoiceDisplayField(choices=EnrolmentStatus.choices, read_only=True)
    certificate_number = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "name",
            "id_number",
            "mobile",
            "employer",
            "status",
            "source",
            "queued_at",
            "score",
            "passed",
            "certificate_number",
        ]
        read_only_fields = fields

    def get_id_number(self, obj: Enrolment) -> str:
        return str(mask("id_number", obj.trainee.id_number))

    def get_mobile(self, obj: Enrolment) -> str:
        return str(mask("mobile", obj.trainee.mobile or ""))

    def get_certificate_number(self, obj: Enrolment) -> str:
        cert = getattr(obj, "certificate", None)
        return cert.number if cert is not None else ""


class WorkerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    employer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    employer_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)


class MoveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    to = serializers.ChoiceField(choices=ClassStatus.choices, label="目标状态")


class EnrolmentRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    enrolment = serializers.IntegerField(min_value=1, max_value=2147483647, label="报名")


class AttendanceInSerializer(EnrolmentRefSerializer):
    session = serializers.IntegerField(min_value=1, max_value=2147483647, label="课次")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices, label="考勤")


class AssessInSerializer(EnrolmentRefSerializer):
    score = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0"), max_value=Decimal("100")
    )


# ------------------------------------------------------------------------------------------------
# Training orders (培训订单)
# ------------------------------------------------------------------------------------------------


class OrderEventSerializer(serializers.ModelSerializer):
    from_status = ChoiceDisplayField(choices=OrderStatus.choices, read_only=True)
    to_status = ChoiceDisplayField(choices=OrderStatus.choices, read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["from_status", "to_status", "actor_name", "comment", "at"]


class TrainingOrderSerializer(BriefSerializerMixin, serializers.ModelSerializer):
    """A training order. On create: ``kind`` menu (``course`` of the public menu and/or
    ``lecturer``) or custom (``academy`` + ``topic``); ``enterprise`` is one the caller may see."""

    display = serializers.CharField(source="number", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:academy:trainingorder-detail")
    kind = serializers.ChoiceField(choices=OrderKind.choices)
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none())
    academy = serializers.PrimaryKeyRelatedField(
        queryset=Academy.objects.none(), required=False, allow_null=True
    )
    course = serializers.PrimaryKeyRelatedField(
        queryset=Course.objects.none(), required=False, allow_null=True
    )
    lecturer = serializers.PrimaryKeyRelatedField(
        queryset=Lecturer.objects.none(), required=False, allow_null=True
    )
    topic = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    trainees_planned = serializers.IntegerField()
    site = serializers.ChoiceField(choices=OrderSite.choices)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    status = ChoiceDisplayField(choices=OrderStatus.choices, read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    academy_name = serializers.CharField(source="academy.name", read_only=True)
    events = OrderEventSerializer(many=True, read_only=True)
    version = VERSION
    brief_fields = ("id", "display", "url", "status")

    class Meta:
        model = TrainingOrder
        fields = [
            "id",
            "display",
            "url",
            "number",
            "kind",
            "enterprise",
            "enterprise_name",
            "academy",
            "academy_name",
            "course",
            "course_edition",
            "lecturer",
            "topic",
            "description",
            "occupation",
            "skill_level",
            "trainees_planned",
            "period_from",
            "period_to",
            "site",
            "address",
            "source_demand",
            "training_class",
            "status",
            "return_reason",
            "satisfaction",
            "evaluation",
            "evaluated_at",
            "events",
            "created_at",
            "version",
        ]
        read_only_fields = [
            "number",
            "course_edition",
            "source_demand",
            "training_class",
            "return_reason",
            "satisfaction",
            "evaluation",
            "evaluated_at",
            "created_at",
        ]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        from .. import selectors

        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            fields["enterprise"].queryset = Enterprise.objects.visible_to(user, "view")
        fields["academy"].queryset = selectors.public_academies()
        fields["course"].queryset = selectors.public_menu()
        fields["lecturer"].queryset = selectors.public_lecturers()
        if self.instance is not None:  # the target of an order is fixed once placed
            for name in ("kind", "enterprise", "academy", "course", "lecturer"):
                fields[name].read_only = True
        return fields


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, label="原因")


class EvaluateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, label="满意度")
    comment = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, label="评价意见"
    )


class ScheduleSessionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField(label="日期")
    start_time = serializers.TimeField(label="开始时间")
    end_time = serializers.TimeField(label="结束时间")
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, label="计入学时")
    hour_type = serializers.ChoiceField(choices=HourType.choices, required=False, label="学时类型")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, label="地点")
    topic = serializers.CharField(max_length=100, required=False, allow_blank=True, label="内容")


class ScheduleSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """排课: ``training_class`` (link an existing class) or ``academy`` (+ ``course`` for a custom
    order), dates, lecturers and sessions of a new class."""

    training_class = serializers.IntegerField(min_value=1, max_value=2147483647, required=False)
    academy = serializers.IntegerField(min_value=1, max_value=2147483647, required=False)
    course = serializers.IntegerField(min_value=1, max_value=2147483647, required=False)
    lecturers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2147483647),
        required=False,
        max_length=50,
    )
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=10000, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sessions = ScheduleSessionSerializer(many=True, required=False)


class UpgradeInSerializer(EnrolmentRefSerializer):
    """A trainee's skill upgrade after the class (the skill-level certificate)."""

    occupation = serializers.CharField(
        max_length=20, label="职业（工种）", help_text="大典 2022 代码"
    )
    level_before = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        label="原技能等级",
        help_text="skill_level 代码",
    )
    level_after = serializers.CharField(
        max_length=32, label="提升后技能等级", help_text="skill_level 代码"
    )
    certificate_no = serializers.CharField(max_length=64, label="技能等级证书编号")
    issuer = serializers.CharField(max_length=100, label="发证机构")
    issued_on = serializers.DateField(label="取证日期")
    lecturer = serializers.IntegerField(
        min_value=1, max_value=2147483647, required=False, allow_null=True, label="授课师资"
    )


class TraineeUpgradeSerializer(serializers.ModelSerializer):
    """A trainee's skill upgrade: the trainee's name (no ID number) and the upgrade record."""

    name = serializers.CharField(source="enrolment.trainee.name", read_only=True)
    worker_code = serializers.CharField(source="upgrade.worker_code", read_only=True)
    occupation = serializers.CharField(source="upgrade.occupation", read_only=True)
    level_before = serializers.CharField(source="upgrade.level_before", read_only=True)
    level_after = serializers.CharField(source="upgrade.level_after", read_only=True)
    certificate_no = serializers.CharField(source="upgrade.certificate_no", read_only=True)
    issuer = serializers.CharField(source="upgrade.issuer", read_only=True)
    issued_on = serializers.DateField(source="upgrade.issued_on", read_only=True)
    lecturer_name = serializers.SerializerMethodField()

    class Meta:
        model = TraineeUpgrade
        fields = [
            "id",
            "enrolment",
            "name",
            "worker_code",
            "occupation",
            "level_before",
            "level_after",
            "certificate_no",
            "issuer",
            "issued_on",
            "lecturer",
            "lecturer_name",
        ]
        read_only_fields = fields

    def get_lecturer_name(self, obj: TraineeUpgrade) -> str:
        return str(obj.lecturer) if obj.lecturer is not None else ""
