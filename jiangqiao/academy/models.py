"""工匠学院: academies (HQ, branches, training bases, assessment sites) and their alliances, the
lecturer corps (师资库) and the course menu (课程清单).

Every row is owned by the union unit that runs the academy (``org``): lecturers and courses take
the org of their academy, so the data scope (``visible_to``) reaches them through the org tree
like everything else. A lecturer who is a craftsman of the talent pool points at his
``talents.Craftsman`` record; nothing of his profile is copied.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from jiangqiao.core.concurrency import VersionedModel
from jiangqiao.core.models import AuditedModel, OrgOwnedModel, StatusMixin
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField
from jiangqiao.core.validators import date_rule_errors, validate_uscc
from jiangqiao.taxonomy.fields import TermCodeField

from .choices import (
    AcademyLevel,
    AcademyType,
    CourseFormat,
    CourseLevel,
    CourseStatus,
    LecturerKind,
)

TEXT_MAX = 2000


class Alliance(VersionedModel, StatusMixin, OrgOwnedModel):
    """An academy alliance (学院联盟, e.g. Shandong's): member academies share the courses and the
    lecturers they mark as shared. Convened by a union unit (``org``)."""

    name = NormalizedCharField("联盟名称", max_length=100)
    description = NormalizedTextField("简介", max_length=TEXT_MAX, blank=True)

    class Meta:
        verbose_name = "学院联盟"
        verbose_name_plural = "学院联盟"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"],
                name="academy_alliance_unique_name",
                violation_error_message="本组织已有同名学院联盟",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("academy:alliance_detail", args=[self.pk])


class Academy(VersionedModel, StatusMixin, OrgOwnedModel):
    """A node of a craftsman-academy system run by a union unit (``org``): an HQ, a branch, a
    training base or an assessment site. ``parent`` links the nodes, so both "总部+分院+实训基地"
    and "1+1+N" are trees of academies."""

    name = NormalizedCharField("名称", max_length=100)
    level = models.CharField("级别", max_length=16, choices=AcademyLevel.choices, db_index=True)
    academy_type = models.CharField(
        "类型", max_length=16, choices=AcademyType.choices, default=AcademyType.HQ
    )
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级学院",
    )
    alliance = models.ForeignKey(
        Alliance,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name="所属联盟",
    )
    host_name = NormalizedCharField(
        "依托单位", max_length=100, blank=True, help_text="如职业院校、园区、企业"
    )
    host_uscc = models.CharField(
        "依托单位统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc]
    )
    region_code = TermCodeField("region", verbose_name="所在地区", blank=True)
    address = NormalizedCharField("地址", max_length=200, blank=True)
    industries = models.JSONField("面向行业", default=list, blank=True)
    facilities = NormalizedTextField("场地与设施", max_length=TEXT_MAX, blank=True)
    is_provincial = models.BooleanField("省级工匠学院", default=False)
    is_national_key = models.BooleanField("全总重点支持", default=False)
    is_annual_key = models.BooleanField("年度重点支持", default=False)
    founded_on = models.DateField("成立日期", null=True, blank=True)

    date_rules: ClassVar[dict[str, tuple[str, ...]]] = {"founded_on": ("not_future",)}

    class Meta:
        verbose_name = "工匠学院"
        verbose_name_plural = "工匠学院"
        ordering = ["-id"]
        permissions = [
            ("import_academy", "从表格导入工匠学院"),
            ("view_statistics", "查看工匠学院统计报表"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"],
                name="academy_academy_unique_name",
                violation_error_message="本组织已有同名工匠学院（含分院、实训基地）",
            ),
        ]

    def clean(self) -> None:
        if errors := date_rule_errors(self, self.date_rules):
            raise ValidationError(errors)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("academy:academy_detail", args=[self.pk])


class AcademyChild(AuditedModel):
    """A row that belongs to an academy: change-logged under the academy's unit."""

    academy_id: int

    class Meta:
        abstract = True

    def audit_org_id(self) -> int | None:
        return Academy.objects.filter(pk=self.academy_id).values_list("org_id", flat=True).first()

    def get_absolute_url(self) -> str:
        return reverse("academy:academy_detail", args=[self.academy_id])


class Subsidy(AcademyChild):
    """A subsidy received (e.g. Shandong's one-off ¥1m per provincial academy)."""

    academy = models.ForeignKey(
        Academy, models.CASCADE, related_name="subsidies", verbose_name="工匠学院"
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(
        "金额（元）",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(10**11)],
    )
    source = NormalizedCharField("资金来源", max_length=100)
    note = NormalizedCharField("说明", max_length=200, blank=True)

    date_rules: ClassVar[dict[str, tuple[str, ...]]] = {"year": ("year_not_future",)}

    class Meta:
        verbose_name = "补助记录"
        verbose_name_plural = "补助记录"
        ordering = ["-year", "-id"]

    def clean(self) -> None:
        if errors := date_rule_errors(self, self.date_rules):
            raise ValidationError(errors)

    def __str__(self) -> str:
        return f"{self.year} {self.source} ¥{self.amount}"


class Lecturer(VersionedModel, StatusMixin, OrgOwnedModel):
    """A lecturer of an academy: a craftsman of the talent pool (``craftsman``, one record, no
    copy — his name and employer are read from the profile) or an external expert (name, employer,
    title; no identity number, no contact data)."""

    academy = models.ForeignKey(
        Academy, models.PROTECT, related_name="lecturers", verbose_name="聘任学院"
    )
    kind = models.CharField("来源", max_length=12, choices=LecturerKind.choices)
    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="lecturer_posts",
        verbose_name="劳模工匠",
    )
    name = NormalizedCharField("姓名", max_length=50, blank=True, help_text="外聘专家填写")
    employer = NormalizedCharField("工作单位", max_length=100, blank=True)
    title = NormalizedCharField("职称/头衔", max_length=100, blank=True)
    course_fields = models.JSONField("授课领域", default=list, blank=True)
    intro = NormalizedTextField("师资简介", max_length=TEXT_MAX, blank=True)
    shared = models.BooleanField(
        "联盟共享", default=False, help_text="共享至所属联盟的师资库，联盟成员学院可选用"
    )
    rating = models.DecimalField(
        "平均评分",
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text="由班级评价汇总（学员评价上线前为空）",
    )
    rating_count = models.PositiveIntegerField("评价人次", default=0, editable=False)

    audit_exclude: ClassVar[tuple[str, ...]] = ("rating", "rating_count")

    class Meta:
        verbose_name = "师资"
        verbose_name_plural = "师资"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["academy", "craftsman"],
                condition=Q(craftsman__isnull=False),
                name="academy_lecturer_unique_craftsman",
                violation_error_message="该劳模工匠已是本学院的师资",
            ),
            models.CheckConstraint(
                condition=(Q(kind=LecturerKind.CRAFTSMAN) & Q(craftsman__isnull=False))
                | (Q(kind=LecturerKind.EXTERNAL) & Q(craftsman__isnull=True) & ~Q(name="")),
                name="academy_lecturer_kind_consistent",
                violation_error_message="人才库师资须关联劳模工匠；外聘专家须填写姓名、不关联劳模工匠",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.craftsman_id is not None:
            return self.craftsman.name  # type: ignore[union-attr]
        return self.name

    @property
    def display_employer(self) -> str:
        if self.craftsman_id is not None:
            return self.craftsman.employer_name  # type: ignore[union-attr]
        return self.employer

    def get_absolute_url(self) -> str:
        return reverse("academy:lecturer_detail", args=[self.pk])


class Appointment(AuditedModel):
    """An appointment letter (聘书): number, period and the appointing academy."""

    lecturer = models.ForeignKey(
        Lecturer, models.CASCADE, related_name="appointments", verbose_name="师资"
    )
    academy = models.ForeignKey(
        Academy, models.PROTECT, related_name="appointments", verbose_name="聘任学院"
    )
    letter_no = models.CharField("聘书编号", max_length=50)
    valid_from = models.DateField("聘期起")
    valid_to = models.DateField("聘期止")
    role = NormalizedCharField(
        "聘任职务", max_length=50, blank=True, help_text="如：兼职教师、首席讲师"
    )

    class Meta:
        verbose_name = "聘书"
        verbose_name_plural = "聘书"
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["academy", "letter_no"],
                name="academy_appointment_unique_no",
                violation_error_message="本学院已有相同编号的聘书",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")),
                name="academy_appointment_period",
                violation_error_message="聘期止：不能早于聘期起",
            ),
        ]

    def __str__(self) -> str:
        return self.letter_no

    def audit_org_id(self) -> int | None:
        return Lecturer.objects.filter(pk=self.lecturer_id).values_list("org_id", flat=True).first()

    def get_absolute_url(self) -> str:
        return reverse("academy:lecturer_detail", args=[self.lecturer_id])


class Course(VersionedModel, OrgOwnedModel):
    """A course of an academy's menu (课程清单). 学时 are locked once the course has been published;
    each publication and each change of a published course writes a ``CourseVersion`` snapshot."""

    academy = models.ForeignKey(
        Academy, models.PROTECT, related_name="courses", verbose_name="开课学院"
    )
    code = models.CharField("课程编号", max_length=30)
    title = NormalizedCharField("课程名称", max_length=100)
    field = TermCodeField("course_field", verbose_name="课程领域")
    level = models.CharField(
        "课程层次", max_length=16, choices=CourseLevel.choices, default=CourseLevel.BASIC
    )
    hours = models.DecimalField(
        "学时",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(999)],
    )
    format = models.CharField("授课形式", max_length=16, choices=CourseFormat.choices)
    industries = models.JSONField("适用行业", default=list, blank=True)
    occupation = TermCodeField("occupation", verbose_name="面向职业（工种）", blank=True)
    skill_level = TermCodeField("skill_level", verbose_name="面向技能等级", blank=True)
    lecturers = models.ManyToManyField(
        Lecturer, blank=True, related_name="courses", verbose_name="授课师资"
    )
    capacity = models.PositiveIntegerField(
        "每班人数上限", default=40, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    is_free = models.BooleanField("免费（工会补贴）", default=True)
    price = models.DecimalField(
        "收费标准（元/人）",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    description = NormalizedTextField("课程简介", max_length=TEXT_MAX, blank=True)
    prerequisites = NormalizedCharField("先修要求", max_length=200, blank=True)
    assessment = NormalizedTextField("考核方式", max_length=TEXT_MAX, blank=True)
    certificate_template = NormalizedCharField("证书模板", max_length=100, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=CourseStatus.choices,
        default=CourseStatus.DRAFT,
        db_index=True,
    )
    edition = models.PositiveIntegerField(
        "发布版次", default=0, editable=False, help_text="发布及发布后每次修改加一"
    )
    published_at = models.DateTimeField("首次发布时间", null=True, blank=True, editable=False)
    source_item = models.ForeignKey(
        "talents.ServiceItem",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="promoted_courses",
        editable=False,
        verbose_name="来源服务项目",
    )

    audit_exclude: ClassVar[tuple[str, ...]] = ("lecturers",)

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"
        ordering = ["academy_id", "code"]
        permissions = [("publish_course", "发布、下架课程")]
        constraints = [
            models.UniqueConstraint(
                fields=["academy", "code"],
                name="academy_course_unique_code",
                violation_error_message="本学院已有相同编号的课程",
            ),
            models.CheckConstraint(
                condition=Q(is_free=True) | Q(price__isnull=False),
                name="academy_course_price",
                violation_error_message="收费课程须填写收费标准",
            ),
        ]
        indexes = [models.Index(fields=["status", "field"], name="academy_course_menu")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("academy:course_detail", args=[self.pk])

    @property
    def hours_locked(self) -> bool:
        return self.edition > 0


class CourseVersion(models.Model):
    """The terms of a course as published (edition ``number``): what an order or a certificate
    refers to later, whatever changes afterwards."""

    course = models.ForeignKey(Course, models.CASCADE, related_name="versions", verbose_name="课程")
    number = models.PositiveIntegerField("版次")
    snapshot = models.JSONField("课程内容")
    reason = models.CharField("说明", max_length=50)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )

    class Meta:
        verbose_name = "课程版本"
        verbose_name_plural = "课程版本"
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="academy_course_version"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} v{self.number}"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.snapshot)


from .class_models import (  # noqa: E402  (the class models live in their own module)
    Attendance,
    Certificate,
    CertificateCounter,
    ClassSession,
    ClassTally,
    Enrolment,
    Trainee,
    TraineeUpgrade,
    TrainingClass,
)
from .competition_models import (  # noqa: E402  (the competition models live in their own module)
    Competition,
    CompetitionStatusChange,
    Contestant,
    Innovation,
    InnovationStatusChange,
    Judge,
    Score,
)
from .evaluation_models import ClassEvaluation, LecturerRating  # noqa: E402
from .order_models import OrderEvent, TrainingOrder  # noqa: E402

__all__ = [
    "Academy",
    "Alliance",
    "Appointment",
    "Attendance",
    "Certificate",
    "CertificateCounter",
    "ClassEvaluation",
    "ClassSession",
    "ClassTally",
    "Competition",
    "CompetitionStatusChange",
    "Contestant",
    "Course",
    "CourseVersion",
    "Enrolment",
    "Innovation",
    "InnovationStatusChange",
    "Judge",
    "Lecturer",
    "LecturerRating",
    "OrderEvent",
    "Score",
    "Subsidy",
    "Trainee",
    "TraineeUpgrade",
    "TrainingClass",
    "TrainingOrder",
]
