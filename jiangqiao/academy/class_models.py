"""Classes (班次) and their sessions (课次), trainees (学员), enrolments, attendance and
certificates (issue 15 point 5).

A class runs a published course at an academy node (HQ, branch or training base); its unit
(``org``) is the academy's, so the data scope reaches classes, trainees and enrolments through the
org tree like everything else. A trainee is a worker registered once per unit: name, ID number and
mobile (both encrypted at rest, found by blind index, masked on every page and in the API like a
craftsman's), employer (an enterprise of the demand pool, or a name + USCC). Statuses change only
in ``services`` (state tables there).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from jiangqiao.core.concurrency import VersionedModel
from jiangqiao.core.crypto import EncryptedTextField
from jiangqiao.core.models import AuditedModel, OrgOwnedModel
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField
from jiangqiao.core.validators import validate_uscc

from .choices import (
    AttendanceMethod,
    AttendanceStatus,
    ClassStatus,
    EnrolmentSource,
    EnrolmentStatus,
    HourType,
)


class TrainingClass(VersionedModel, OrgOwnedModel):
    """A class (班次) of a published course, held at an academy node, with its own capacity."""

    academy = models.ForeignKey(
        "academy.Academy", models.PROTECT, related_name="classes", verbose_name="举办学院/基地"
    )
    course = models.ForeignKey(
        "academy.Course", models.PROTECT, related_name="classes", verbose_name="课程"
    )
    course_edition = models.PositiveIntegerField("课程版次", default=0, editable=False)
    code = models.CharField("班次编号", max_length=30)
    title = NormalizedCharField("班次名称", max_length=100)
    lecturers = models.ManyToManyField(
        "academy.Lecturer", blank=True, related_name="classes", verbose_name="授课师资"
    )
    capacity = models.PositiveIntegerField(
        "人数上限", validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    place = NormalizedCharField("上课地点", max_length=200, blank=True)
    note = NormalizedTextField("说明", max_length=2000, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=ClassStatus.choices,
        default=ClassStatus.PLANNED,
        db_index=True,
    )
    signup_token = models.CharField("报名链接令牌", max_length=32, unique=True, editable=False)

    audit_exclude: ClassVar[tuple[str, ...]] = ("lecturers", "signup_token")

    class Meta:
        verbose_name = "班次"
        verbose_name_plural = "班次"
        ordering = ["-start_date", "-id"]
        permissions = [
            ("import_enrolment", "从表格导入学员报名"),
            ("mark_attendance", "签到与考勤登记"),
            ("issue_certificate", "颁发结业证书"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["academy", "code"],
                name="academy_class_unique_code",
                violation_error_message="本学院已有相同编号的班次",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="academy_class_dates",
                violation_error_message="结业日期：不能早于开班日期",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("academy:class_detail", args=[self.pk])


class ClassChild(AuditedModel):
    """A row of a class: change-logged under the class's unit."""

    training_class_id: int

    class Meta:
        abstract = True

    def audit_org_id(self) -> int | None:
        return (
            TrainingClass.objects.filter(pk=self.training_class_id)
            .values_list("org_id", flat=True)
            .first()
        )

    def get_absolute_url(self) -> str:
        return reverse("academy:class_detail", args=[self.training_class_id])


class ClassSession(ClassChild):
    """A session (课次) of a class: date, time, place, hours credited and their type."""

    training_class = models.ForeignKey(
        TrainingClass, models.CASCADE, related_name="sessions", verbose_name="班次"
    )
    date = models.DateField("日期")
    start_time = models.TimeField("开始时间")
    end_time = models.TimeField("结束时间")
    place = NormalizedCharField("地点", max_length=200, blank=True)
    topic = NormalizedCharField("内容", max_length=100, blank=True)
    hours = models.DecimalField(
        "计入学时",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(24)],
    )
    hour_type = models.CharField(
        "学时类型", max_length=12, choices=HourType.choices, default=HourType.THEORY
    )

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="academy_session_times",
                violation_error_message="结束时间：应晚于开始时间",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class Trainee(VersionedModel, OrgOwnedModel):
    """A worker trained by the unit's academies: one record per unit, found by ID number.
    Only what a class and a certificate need is kept (PIPL 最小必要)."""

    name = NormalizedCharField("姓名", max_length=50)
    id_number = EncryptedTextField("身份证号")
    id_number_index = models.CharField("身份证号索引", max_length=64, editable=False)
    mobile = EncryptedTextField("手机号", blank=True)
    mobile_index = models.CharField(
        "手机号索引", max_length=64, blank=True, editable=False, db_index=True
    )
    enterprise = models.ForeignKey(
        "demands.Enterprise",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainees",
        verbose_name="工作单位（需求池企业）",
    )
    employer_name = NormalizedCharField("工作单位", max_length=100, blank=True)
    employer_uscc = models.CharField(
        "工作单位统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc]
    )

    audit_exclude: ClassVar[tuple[str, ...]] = (
        "id_number",
        "id_number_index",
        "mobile",
        "mobile_index",
    )

    class Meta:
        verbose_name = "学员"
        verbose_name_plural = "学员"
        ordering = ["-id"]
        permissions = [("view_sensitive_trainee", "查看学员身份证号、手机号明文")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "id_number_index"],
                name="academy_trainee_unique_id",
                violation_error_message="本单位已登记该身份证号的学员",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("academy:trainee_detail", args=[self.pk])

    @property
    def employer_display(self) -> str:
        if self.enterprise_id is not None:
            return self.enterprise.name  # type: ignore[union-attr]
        return self.employer_name


class Enrolment(OrgOwnedModel):
    """A trainee in a class: a seat (已报名), a place on the waitlist (候补, promoted in order of
    ``queued_at``) or withdrawn; the assessment result and the hours credited."""

    training_class = models.ForeignKey(
        TrainingClass, models.CASCADE, related_name="enrolments", verbose_name="班次"
    )
    trainee = models.ForeignKey(
        Trainee, models.PROTECT, related_name="enrolments", verbose_name="学员"
    )
    status = models.CharField("状态", max_length=12, choices=EnrolmentStatus.choices, db_index=True)
    source = models.CharField(
        "报名方式", max_length=12, choices=EnrolmentSource.choices, default=EnrolmentSource.STAFF
    )
    queued_at = models.DateTimeField("报名时间", db_index=True)
    consent_at = models.DateTimeField("同意个人信息处理时间", null=True, blank=True)
    score = models.DecimalField(
        "考核成绩",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    passed = models.BooleanField("考核结果", null=True, blank=True)
    assessed_at = models.DateTimeField("考核登记时间", null=True, blank=True)
    self_key = models.CharField(
        "本人签到令牌", max_length=64, blank=True, editable=False, db_index=True
    )

    audit_exclude: ClassVar[tuple[str, ...]] = ("self_key",)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "trainee"],
                name="academy_enrolment_unique",
                violation_error_message="该学员已报名本班次",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} @ {self.training_class}"

    def get_absolute_url(self) -> str:
        return reverse("academy:class_detail", args=[self.training_class_id])


class Attendance(models.Model):
    """One trainee's attendance of one session (scanned or marked by staff)."""

    session = models.ForeignKey(
        ClassSession, models.CASCADE, related_name="attendance", verbose_name="课次"
    )
    enrolment = models.ForeignKey(
        Enrolment, models.CASCADE, related_name="attendance", verbose_name="报名"
    )
    status = models.CharField("考勤", max_length=12, choices=AttendanceStatus.choices)
    method = models.CharField("方式", max_length=12, choices=AttendanceMethod.choices)
    at = models.DateTimeField("登记时间")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        ordering = ["session_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"],
                name="academy_attendance_unique",
                violation_error_message="该学员本课次已有考勤记录",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.session_id}: {self.status}"


class Certificate(models.Model):
    """A certificate (结业证书) of a passed enrolment; its number is never reused. What it prints
    is fixed at issue (name, course, hours, academy), whatever changes later."""

    number = models.CharField("证书编号", max_length=32, unique=True)
    enrolment = models.OneToOneField(
        Enrolment, models.PROTECT, related_name="certificate", verbose_name="报名"
    )
    trainee_name = models.CharField("学员姓名", max_length=50)
    course_title = models.CharField("课程", max_length=100)
    course_edition = models.PositiveIntegerField("课程版次")
    academy_name = models.CharField("学院", max_length=100)
    class_title = models.CharField("班次", max_length=100)
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1)
    hours_by_type = models.JSONField("分类学时", default=dict)
    issued_on = models.DateField("发证日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发证人",
    )

    class Meta:
        verbose_name = "结业证书"
        verbose_name_plural = "结业证书"
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return self.number


class CertificateCounter(models.Model):
    """The last certificate sequence number taken per (prefix, year); locked while numbering."""

    prefix = models.CharField("前缀", max_length=8)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "证书编号计数器"
        verbose_name_plural = "证书编号计数器"
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="academy_cert_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class TraineeUpgrade(OrgOwnedModel):
    """A trainee's skill upgrade (技能等级晋升) earned through a class: the academy's link to the
    one skill-upgrade record type (``casework.SkillUpgrade``, source 工匠学院培训), which is
    pseudonymised (an academy code, no name, no ID number) and counted with the upgrades of
    service sessions. This row gives staff the trainee, the class and the lecturer it came from.
    Owned by the class's unit."""

    upgrade = models.OneToOneField(
        "casework.SkillUpgrade",
        models.PROTECT,
        related_name="trainee_link",
        verbose_name="技能提升",
    )
    enrolment = models.ForeignKey(
        Enrolment, models.PROTECT, related_name="upgrades", verbose_name="报名"
    )
    lecturer = models.ForeignKey(
        "academy.Lecturer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="trainee_upgrades",
        verbose_name="授课师资",
    )

    class Meta:
        verbose_name = "学员技能提升"
        verbose_name_plural = "学员技能提升"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.enrolment.trainee} 技能提升"

    def get_absolute_url(self) -> str:
        return reverse("academy:class_detail", args=[self.enrolment.training_class_id])


class ClassTally(models.Model):
    """The counts of a class the statistics read (a maintained rollup, ``classes.tally_refresh``):
    person-times (trainees with a seat and at least one session attended, by their employer's
    size class at the time) and certificates issued. Recomputed from the rows by every service
    that changes an enrolment, an attendance or a certificate of the class, under the row lock,
    so the statistics sum one row per class instead of counting millions of enrolments."""

    training_class = models.OneToOneField(
        TrainingClass,
        models.CASCADE,
        primary_key=True,
        related_name="tally",
        verbose_name="班次",
    )
    trained = models.PositiveIntegerField("培训人次", default=0)
    trained_sme = models.PositiveIntegerField("其中中小微企业职工", default=0)
    trained_large = models.PositiveIntegerField("其中大型企业职工", default=0)
    trained_unsized = models.PositiveIntegerField("其中企业未划型", default=0)
    trained_no_enterprise = models.PositiveIntegerField("其中未关联企业", default=0)
    certificates = models.PositiveIntegerField("结业证书", default=0)
    refreshed_at = models.DateTimeField("统计时间", null=True, blank=True)

    class Meta:
        verbose_name = "班次统计"
        verbose_name_plural = "班次统计"

    def __str__(self) -> str:
        return f"{self.training_class_id}: {self.trained}"
