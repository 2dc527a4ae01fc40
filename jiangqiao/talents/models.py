"""劳模工匠人才资源库: craftsmen, their honours, service items (清单) and consents; service teams.

Personal identifiers (ID number, mobile) are encrypted at rest and looked up by blind index;
they never enter the change log. Multi-valued codes are JSON lists on the row plus
``CraftsmanCode`` rows that make subtree filters an indexed range query (see ``codes.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from jiangqiao.core.choices import Status
from jiangqiao.core.concurrency import VersionedModel
from jiangqiao.core.crypto import EncryptedTextField
from jiangqiao.core.models import AuditedModel, LoadedValuesMixin, OrgOwnedModel, StatusMixin
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField
from jiangqiao.core.validators import date_rule_errors, validate_uscc
from jiangqiao.taxonomy.fields import TermCodeField

from .choices import ConsentPurpose, CraftsmanStatus, Gender, MemberRole, TeamLevel

TEXT_MAX = 2000


class Craftsman(LoadedValuesMixin, VersionedModel, OrgOwnedModel):
    """A 劳模/工匠 in the talent pool, maintained by a union unit (``org``).

    The craftsman may have a login (``user``); with the 劳模工匠 role (仅本人) they see and edit
    their own profile, because ``scope_owner_field`` is ``user|created_by``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="craftsman_profile",
        verbose_name="登录账号",
    )
    name = NormalizedCharField("姓名", max_length=50)
    name_normalized = models.CharField("姓名（规范化）", max_length=50, editable=False)
    gender = models.CharField(
        "性别", max_length=12, choices=Gender.choices, default=Gender.UNDISCLOSED
    )
    birth_year = models.PositiveSmallIntegerField(
        "出生年份",
        null=True,
        blank=True,
        validators=[MinValueValidator(1920), MaxValueValidator(2015)],
    )
    id_number = EncryptedTextField("身份证号", blank=True)
    id_number_index = models.CharField("身份证号索引", max_length=64, blank=True, editable=False)
    mobile = EncryptedTextField("手机号", blank=True)
    mobile_index = models.CharField(
        "手机号索引", max_length=64, blank=True, editable=False, db_index=True
    )
    employer_name = NormalizedCharField("工作单位", max_length=100, blank=True)
    employer_uscc = models.CharField(
        "工作单位统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc]
    )
    department = NormalizedCharField("部门", max_length=100, blank=True)
    position = NormalizedCharField("岗位/职务", max_length=100, blank=True)
    industries = models.JSONField("所属行业", default=list, blank=True)
    occupations = models.JSONField("职业（工种）", default=list, blank=True)
    skill_level = TermCodeField("skill_level", verbose_name="职业技能等级", blank=True)
    skill_rank = models.PositiveSmallIntegerField(
        "技能资历序", null=True, blank=True, editable=False, db_index=True
    )
    skill_cert_no = models.CharField("技能等级证书编号", max_length=50, blank=True)
    skill_cert_issuer = NormalizedCharField("发证机构", max_length=100, blank=True)
    skill_cert_date = models.DateField("发证日期", null=True, blank=True)
    skill_post = TermCodeField("skill_post", verbose_name="技能岗位（评聘）", blank=True)
    professional_title = TermCodeField("professional_title", verbose_name="职称", blank=True)
    expertise_tags = models.JSONField("专长领域", default=list, blank=True)
    expertise = NormalizedTextField("技术专长", max_length=TEXT_MAX, blank=True)
    expertise_normalized = models.TextField("技术专长（规范化）", blank=True, editable=False)
    bio = NormalizedTextField("个人简介", max_length=TEXT_MAX, blank=True)
    bio_normalized = models.TextField("个人简介（规范化）", blank=True, editable=False)
    search_text = models.TextField("检索文本", blank=True, editable=False)
    service_modes = models.JSONField("接受的服务方式", default=list, blank=True)
    regions_served = models.JSONField("服务地区", default=list, blank=True)
    cross_region_ok = models.BooleanField("接受跨地区服务", default=False)
    max_open_services = models.PositiveSmallIntegerField(
        "同时进行的服务上限", default=3, validators=[MaxValueValidator(50)]
    )
    max_new_per_month = models.PositiveSmallIntegerField(
        "每月新接服务上限", default=2, validators=[MaxValueValidator(50)]
    )
    pause_until = models.DateField("暂停服务至", null=True, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=CraftsmanStatus.choices,
        default=CraftsmanStatus.ACTIVE,
        db_index=True,
    )
    status_reason = NormalizedCharField("状态说明", max_length=200, blank=True)

    scope_owner_field: ClassVar[str | None] = "user|created_by"
    audit_exclude: ClassVar[tuple[str, ...]] = (
        "id_number",
        "id_number_index",
        "mobile",
        "mobile_index",
        "name_normalized",
        "expertise_normalized",
        "bio_normalized",
        "search_text",
    )

    class Meta:
        verbose_name = "劳模工匠"
        verbose_name_plural = "劳模工匠"
        ordering = ["-id"]
        permissions = [
            ("view_sensitive_craftsman", "查看劳模工匠身份证号、手机号明文"),
            ("manage_craftsman", "维护劳模工匠档案状态与荣誉核验"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~Q(id_number_index=""),
                name="talents_craftsman_unique_id_number",
                violation_error_message="该身份证号已登记在其他劳模工匠档案中",
            ),
        ]
        indexes = [
            models.Index(fields=["name_normalized"], name="talents_craftsman_name"),
            models.Index(fields=["org", "status"], name="talents_craftsman_org_status"),
        ]

    #: Date rules (``core.validators.date_rule_errors``): a certificate is not issued tomorrow,
    #: and a pause ends in the future.
    date_rules: ClassVar[dict[str, tuple[str, ...]]] = {
        "skill_cert_date": ("not_future",),
        "pause_until": ("future",),
    }

    def clean(self) -> None:
        errors: dict[str, Any] = date_rule_errors(self, self.date_rules)
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talents:craftsman_detail", args=[self.pk])

    @property
    def is_available(self) -> bool:
        return self.status == CraftsmanStatus.ACTIVE


class CraftsmanCode(models.Model):
    """One code of a craftsman (industry, region served, occupation, mode, tag, service type).

    Derived from the JSON lists by the services; filters query it (see ``codes.py``).
    """

    craftsman = models.ForeignKey(
        Craftsman, models.CASCADE, related_name="codes", verbose_name="劳模工匠"
    )
    scheme = models.CharField("分类方案", max_length=32)
    code = models.CharField("代码", max_length=64)
    key = models.CharField("前缀键", max_length=64)

    class Meta:
        verbose_name = "劳模工匠代码"
        verbose_name_plural = "劳模工匠代码"
        constraints = [
            models.UniqueConstraint(
                fields=["craftsman", "scheme", "code"], name="talents_code_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "key", "craftsman"], name="talents_code_scheme_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.code}"


class CraftsmanChild(AuditedModel):
    """A row that belongs to a craftsman: change-logged under the craftsman's unit."""

    craftsman_id: int

    class Meta:
        abstract = True

    def audit_org_id(self) -> int | None:
        return (
            Craftsman.objects.filter(pk=self.craftsman_id).values_list("org_id", flat=True).first()
        )


class Honour(LoadedValuesMixin, CraftsmanChild):
    """A title or award (全国劳动模范, 大国工匠, …) with its level and certificate."""

    craftsman = models.ForeignKey(
        Craftsman, models.CASCADE, related_name="honours", verbose_name="劳模工匠"
    )
    honour_type = TermCodeField("honour", verbose_name="荣誉称号")
    level = TermCodeField("honour_level", verbose_name="荣誉级别")
    year = models.PositiveSmallIntegerField(
        "获得年份", validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    issuer = NormalizedCharField("授予单位", max_length=100, blank=True)
    certificate_no = models.CharField("证书编号", max_length=50, blank=True)
    verified = models.BooleanField("已核验", default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="核验人",
    )
    verified_at = models.DateTimeField("核验时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "荣誉"
        verbose_name_plural = "荣誉"
        ordering = ["-year", "id"]
        indexes = [models.Index(fields=["honour_type", "level"], name="talents_honour_type")]

    #: Date rules (``core.validators.date_rule_errors``): an honour is not awarded next year.
    date_rules: ClassVar[dict[str, tuple[str, ...]]] = {"year": ("year_not_future",)}

    def clean(self) -> None:
        if errors := date_rule_errors(self, self.date_rules):
            raise ValidationError(errors)

    def __str__(self) -> str:
        from jiangqiao.taxonomy.selectors import term_label

        return f"{self.year} {term_label('honour', self.honour_type, self.honour_type)}"

    def get_absolute_url(self) -> str:
        return reverse("talents:craftsman_detail", args=[self.craftsman_id])


class ServiceItem(CraftsmanChild):
    """One entry of the craftsman's 技术服务项目清单 (the "list" side of 清单匹配)."""

    craftsman = models.ForeignKey(
        Craftsman, models.CASCADE, related_name="service_items", verbose_name="劳模工匠"
    )
    title = NormalizedCharField("项目名称", max_length=100)
    description = NormalizedTextField("项目说明", max_length=TEXT_MAX, blank=True)
    description_normalized = models.TextField("项目说明（规范化）", blank=True, editable=False)
    service_type = TermCodeField("service_type", verbose_name="服务类型")
    industries = models.JSONField("适用行业", default=list, blank=True)
    duration = NormalizedCharField(
        "服务时长", max_length=50, blank=True, help_text="如：半天、2天/次"
    )
    modes = models.JSONField("服务方式", default=list, blank=True)
    is_active = models.BooleanField("可提供", default=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    audit_exclude: ClassVar[tuple[str, ...]] = ("description_normalized",)

    class Meta:
        verbose_name = "技术服务项目"
        verbose_name_plural = "技术服务项目"
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("talents:craftsman_detail", args=[self.craftsman_id])


class Consent(CraftsmanChild):
    """A separate, explicit consent (PIPL). Withdrawal sets ``withdrawn_at``; history is kept."""

    craftsman = models.ForeignKey(
        Craftsman, models.CASCADE, related_name="consents", verbose_name="劳模工匠"
    )
    purpose = models.CharField("用途", max_length=32, choices=ConsentPurpose.choices)
    version = models.CharField("告知文本版本", max_length=20)
    granted_at = models.DateTimeField("同意时间")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "个人信息授权"
        verbose_name_plural = "个人信息授权"
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["craftsman", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="talents_consent_one_active",
                violation_error_message="该用途已有有效的授权",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}（{self.version}）"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ServiceTeam(VersionedModel, StatusMixin, OrgOwnedModel):
    """A 劳模工匠服务队 at one of four levels, run by a union unit of the same level."""

    name = NormalizedCharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=TeamLevel.choices, db_index=True)
    industry_code = TermCodeField("industry", verbose_name="行业方向", blank=True)
    industry_key = models.CharField("行业前缀键", max_length=64, blank=True, editable=False)
    description = NormalizedTextField("简介", max_length=TEXT_MAX, blank=True)
    lead = models.ForeignKey(
        Craftsman,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="领衔人",
    )
    members = models.ManyToManyField(
        Craftsman,
        through="TeamMembership",
        related_name="teams",
        verbose_name="队员",
    )

    # A craftsman (仅本人) also sees the teams they belong to.
    scope_owner_field: ClassVar[str | None] = "created_by|memberships__craftsman__user"
    scope_to_many: ClassVar[bool] = True
    audit_exclude: ClassVar[tuple[str, ...]] = ("industry_key", "members")

    class Meta:
        verbose_name = "服务队"
        verbose_name_plural = "服务队"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"],
                name="talents_team_unique_name",
                violation_error_message="本组织已有同名服务队",
            ),
        ]
        indexes = [models.Index(fields=["industry_key"], name="talents_team_industry")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talents:serviceteam_detail", args=[self.pk])

    @property
    def is_enabled(self) -> bool:
        return self.status == Status.ACTIVE


class TeamMembership(AuditedModel):
    """A craftsman in a team, as 领衔人 or 队员."""

    team = models.ForeignKey(
        ServiceTeam, models.CASCADE, related_name="memberships", verbose_name="服务队"
    )
    craftsman = models.ForeignKey(
        Craftsman, models.PROTECT, related_name="memberships", verbose_name="劳模工匠"
    )
    role = models.CharField(
        "角色", max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    joined_on = models.DateField("加入日期")

    class Meta:
        verbose_name = "服务队成员"
        verbose_name_plural = "服务队成员"
        ordering = ["role", "joined_on", "id"]  # "lead" sorts before "member"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "craftsman"],
                name="talents_membership_unique",
                violation_error_message="该劳模工匠已是本服务队成员",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team.name} · {self.craftsman.name}"

    def audit_org_id(self) -> int | None:
        return ServiceTeam.objects.filter(pk=self.team_id).values_list("org_id", flat=True).first()

    def get_absolute_url(self) -> str:
        return reverse("talents:serviceteam_detail", args=[self.team_id])
