"""The enterprise and demand pool (企业需求库): enterprises, their contacts, demands.

Ownership: ``Enterprise`` and ``Demand`` belong to the union unit responsible for them (``org``,
normally the county or grassroots unit of the enterprise's region). An enterprise contact (role
企业联络人, data scope 仅本人) sees the enterprises they are linked to through
``EnterpriseContact.user`` and those enterprises' demands (``scope_owner_field`` crosses the
to-many ``contacts`` relation; ``scope_to_many`` keeps the queryset free of duplicates).

Multi-valued codes of a demand (industries, tags) live in ``DemandCode`` rows, one per code *and
per ancestor of the code* (``selected`` marks what the user chose): an “industry subtree” filter
is then an indexed equality lookup on ``(scheme, code)`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jiangqiao.core.concurrency import VersionedModel
from jiangqiao.core.crypto import EncryptedTextField
from jiangqiao.core.identifiers import IdentifierError, UsccInfo, parse_uscc
from jiangqiao.core.models import AuditedModel, LoadedValuesMixin, OrgOwnedModel, StatusMixin
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField
from jiangqiao.core.validators import date_rule_errors, validate_union_uscc, validate_uscc
from jiangqiao.taxonomy.fields import TermCodeField

from .choices import (
    EDITABLE_STATUSES,
    Channel,
    DeliveryMode,
    DemandKind,
    DemandOutcome,
    DemandStatus,
    Grade,
    IntakeChannel,
    OwnerLevel,
    RegistrationKind,
    RegistrationStatus,
    SizeClass,
    SizeIndustry,
    Visibility,
)

TEXT_LIMIT = 5000
SHORT_TEXT_LIMIT = 2000


class Enterprise(LoadedValuesMixin, StatusMixin, VersionedModel, OrgOwnedModel):
    """An enterprise served by the unions (DOMAIN.md §7.2).

    Registration department, category and registration region are derived from the USCC
    (``uscc_info``). The size class is computed from the stored inputs by
    :mod:`jiangqiao.demands.sizing` and stored with its rule version; the quality tier is taken
    from a certificate and never inferred.
    """

    uscc = models.CharField(
        "统一社会信用代码",
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        error_messages={"unique": "该统一社会信用代码的企业已登记"},
    )
    name = NormalizedCharField("企业名称", max_length=200)
    former_names = NormalizedTextField(
        "曾用名",
        blank=True,
        validators=[MaxLengthValidator(SHORT_TEXT_LIMIT)],
        help_text="每行一个",
    )
    search_text = models.TextField("检索文本", blank=True, editable=False)
    address = NormalizedCharField("地址", max_length=300, blank=True)
    region_code = TermCodeField("region", verbose_name="所在地区", db_index=True)
    industry_code = TermCodeField("industry", verbose_name="所属行业", blank=True, db_index=True)
    main_products = NormalizedCharField("主要产品", max_length=500, blank=True)
    staff_count = models.PositiveIntegerField(
        "从业人员（人）", null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
    revenue = models.DecimalField(
        "营业收入（万元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    total_assets = models.DecimalField(
        "资产总额（万元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    basis_year = models.PositiveSmallIntegerField(
        "数据年度",
        null=True,
        blank=True,
        validators=[MinValueValidator(1990), MaxValueValidator(2100)],
    )
    size_class = models.CharField(
        "企业规模", max_length=1, choices=SizeClass.choices, blank=True, editable=False
    )
    size_industry = models.CharField(
        "划型行业", max_length=20, choices=SizeIndustry.choices, blank=True, editable=False
    )
    size_basis = models.CharField("划型依据", max_length=300, blank=True, editable=False)
    size_rule_version = models.CharField("划型规则", max_length=50, blank=True, editable=False)
    quality_tier = TermCodeField("quality_tier", verbose_name="优质中小企业梯度", blank=True)
    tier_cert_no = models.CharField("梯度证书编号", max_length=64, blank=True)
    tier_issued_on = models.DateField("认定日期", null=True, blank=True)
    tier_valid_until = models.DateField("有效期至", null=True, blank=True)
    tier_rule_version = models.CharField(
        "认定规则",
        max_length=64,
        blank=True,
        help_text="如 工信部企业〔2022〕63号、工信部企业〔2026〕2号",
    )
    has_union = models.BooleanField("已建工会", default=False)
    union_uscc = models.CharField(
        "工会统一社会信用代码", max_length=18, blank=True, validators=[validate_union_uscc]
    )
    remark = NormalizedCharField("备注", max_length=500, blank=True)
    verified_at = models.DateTimeField(
        "核实时间",
        null=True,
        blank=True,
        editable=False,
        help_text="工会核实企业信息的时间；企业自助注册的企业在负责的工会确认前为空（未核实）",
    )

    scope_owner_field: ClassVar[str | None] = "contacts__user|created_by"
    scope_to_many: ClassVar[bool] = True
    audit_exclude: ClassVar[tuple[str, ...]] = ("search_text", "version")

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["org", "status"], name="enterprise_org_status"),
        ]
        permissions = [("view_sensitive_enterprise", "查看企业联系人手机号明文")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("demands:enterprise_detail", args=[self.pk])

    @property
    def uscc_info(self) -> UsccInfo | None:
        try:
            return parse_uscc(self.uscc)
        except IdentifierError:
            return None

    @property
    def former_name_list(self) -> list[str]:
        return [line.strip() for line in self.former_names.splitlines() if line.strip()]

    @property
    def is_verified(self) -> bool:
        """Verified by its union unit (registered by staff, or a self-registration approved)."""
        return self.verified_at is not None

    @property
    def tier_expired(self) -> bool:
        return bool(
            self.quality_tier
            and self.tier_valid_until
            and self.tier_valid_until < timezone.localdate()
        )

    #: Date rules (``core.validators.date_rule_errors``): a certificate is not issued tomorrow.
    date_rules: ClassVar[dict[str, tuple[str, ...]]] = {"tier_issued_on": ("not_future",)}

    def clean(self) -> None:
        errors: dict[str, Any] = date_rule_errors(self, self.date_rules)
        if self.quality_tier and not self.tier_cert_no:
            errors["tier_cert_no"] = "填写优质中小企业梯度时必须填写证书编号（梯度不推断）"
        if not self.quality_tier and (self.tier_cert_no or self.tier_valid_until):
            errors["quality_tier"] = "填写了证书信息，请选择对应的梯度"
        if (
            self.tier_issued_on
            and self.tier_valid_until
            and self.tier_valid_until < self.tier_issued_on
        ):
            errors["tier_valid_until"] = "有效期至不能早于认定日期"
        if self.union_uscc and not self.has_union:
            errors["has_union"] = "填写了工会统一社会信用代码，请勾选“已建工会”"
        if errors:
            raise ValidationError(errors)


class EnterpriseContact(AuditedModel):
    """A contact person of an enterprise, optionally linked to a platform account (企业联络人).

    The mobile number is encrypted at rest; ``mobile_index`` is its blind index for lookups.
    Neither reaches the change log.
    """

    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, related_name="contacts", verbose_name="企业"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprise_links",
        verbose_name="平台账号",
    )
    name = NormalizedCharField("姓名", max_length=50)
    title = NormalizedCharField("职务", max_length=50, blank=True)
    mobile = EncryptedTextField("手机号码", blank=True)
    mobile_index = models.CharField("手机号索引", max_length=64, blank=True, db_index=True)
    is_primary = models.BooleanField("主要联系人", default=False)

    audit_exclude: ClassVar[tuple[str, ...]] = ("mobile", "mobile_index")

    class Meta:
        verbose_name = "企业联系人"
        verbose_name_plural = "企业联系人"
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user"],
                condition=Q(user__isnull=False),
                name="enterprise_contact_unique_user",
                violation_error_message="该账号已是本企业的联系人",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}·{self.name}"

    def get_absolute_url(self) -> str:
        return self.enterprise.get_absolute_url()

    def audit_org_id(self) -> int | None:
        return (
            Enterprise.objects.filter(pk=self.enterprise_id)
            .values_list("org_id", flat=True)
            .first()
        )


class Demand(LoadedValuesMixin, VersionedModel, OrgOwnedModel):
    """A demand of an enterprise (DOMAIN.md §7.3). Withdrawn or cancelled, never deleted."""

    number = models.CharField(
        "需求编号", max_length=32, null=True, blank=True, unique=True, editable=False
    )
    enterprise = models.ForeignKey(
        Enterprise, models.PROTECT, related_name="demands", verbose_name="企业"
    )
    kind = models.CharField("需求类型", max_length=32, choices=DemandKind.choices)
    category = TermCodeField("demand_category", levels=[1], verbose_name="需求类别", blank=True)
    subcategory = TermCodeField("demand_category", levels=[2], verbose_name="需求子类", blank=True)
    title = NormalizedCharField("需求标题", max_length=200)
    # max_length on a text field: the form's maxlength and counter (the validator checks saves).
    description = NormalizedTextField(
        "需求描述", max_length=TEXT_LIMIT, validators=[MaxLengthValidator(TEXT_LIMIT)]
    )
    description_normalized = models.TextField("需求描述（规范化）", blank=True, editable=False)
    current_state = NormalizedTextField(
        "现状",
        blank=True,
        max_length=SHORT_TEXT_LIMIT,
        validators=[MaxLengthValidator(SHORT_TEXT_LIMIT)],
    )
    desired_outcome = NormalizedTextField(
        "期望效果",
        blank=True,
        max_length=SHORT_TEXT_LIMIT,
        validators=[MaxLengthValidator(SHORT_TEXT_LIMIT)],
    )
    search_text = models.TextField("检索文本", blank=True, editable=False)
    industry_codes = models.JSONField("所属行业", default=list, blank=True)
    tags = models.JSONField("所需专长标签", default=list, blank=True)
    min_skill_level = TermCodeField(
        "skill_level", verbose_name="最低技能等级", blank=True, db_index=False
    )
    region_code = TermCodeField("region", verbose_name="服务地点", db_index=True)
    delivery_mode = models.CharField(
        "服务方式", max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.EITHER
    )
    grade = models.CharField("需求分级", max_length=1, choices=Grade.choices, blank=True)
    owner_level = models.CharField(
        "承办层级", max_length=16, choices=OwnerLevel.choices, blank=True
    )
    visibility = models.CharField(
        "公开范围", max_length=16, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    channel = models.CharField(
        "来源渠道", max_length=16, choices=Channel.choices, default=Channel.OFFLINE
    )
    intake_channel = models.CharField(
        "代录方式", max_length=16, choices=IntakeChannel.choices, blank=True
    )
    intake_place = NormalizedCharField("代录地点", max_length=200, blank=True)
    intake_contact = models.ForeignKey(
        "EnterpriseContact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="确认的企业联系人",
    )
    intake_confirmed_at = models.DateTimeField(
        "企业确认时间",
        null=True,
        blank=True,
        editable=False,
        help_text="联络员代录的需求由企业联系人以短信验证码确认的时间；确认前为草稿",
    )
    matching_suggestion = NormalizedTextField(
        "匹配建议",
        blank=True,
        max_length=SHORT_TEXT_LIMIT,
        validators=[MaxLengthValidator(SHORT_TEXT_LIMIT)],
    )
    preferred_craftsmen = models.JSONField(
        "意向劳模工匠", default=list, blank=True, help_text="劳模工匠ID列表"
    )
    trainee_count = models.PositiveIntegerField(
        "培训人数", null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    deadline = models.DateField("期望完成日期", null=True, blank=True)
    status = models.CharField(
        "状态",
        max_length=20,
        choices=DemandStatus.choices,
        default=DemandStatus.DRAFT,
        db_index=True,
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="提交人",
    )
    triaged_at = models.DateTimeField("分级时间", null=True, blank=True, editable=False)
    outcome = models.CharField(
        "办理结果", max_length=10, choices=DemandOutcome.choices, blank=True, editable=False
    )
    solved_confirmed_at = models.DateTimeField(
        "企业确认解决时间",
        null=True,
        blank=True,
        editable=False,
        help_text="办理结果为已解决且企业确认已解决的时间（计入“解决难题”）",
    )
    status_changed_at = models.DateTimeField(
        "状态变更时间", null=True, blank=True, editable=False, db_index=True
    )
    campaign = models.ForeignKey(
        "demands.Campaign",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
        editable=False,
        verbose_name="征集活动",
        help_text="经征集活动链接提交时记录（征集活动，issue 18）",
    )
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_demands",
        editable=False,
        verbose_name="合并到",
        help_text="已合并的重复需求指向保留的需求（由服务办理的合并写入）",
    )
    has_open_offer = models.BooleanField(
        "有未结束的服务邀请",
        default=False,
        editable=False,
        help_text="有待答复或已接受的服务邀请（由服务办理维护，用于逾期与看板统计）",
    )

    scope_owner_field: ClassVar[str | None] = "enterprise__contacts__user|created_by"
    scope_to_many: ClassVar[bool] = True
    audit_exclude: ClassVar[tuple[str, ...]] = (
        "search_text",
        "description_normalized",
        "version",
        "has_open_offer",
    )

    class Meta:
        verbose_name = "需求"
        verbose_name_plural = "需求"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="demand_created"),
            models.Index(fields=["org", "status"], name="demand_org_status"),
            models.Index(fields=["kind", "status"], name="demand_kind_status"),
            # The aging board and the deadline tick read demands by state and time in it
            # (an index-only scan for a province at 300,000 demands; docs/performance.md).
            models.Index(
                fields=["status", "status_changed_at", "org", "owner_level"],
                name="demand_status_age",
            ),
            # The demands of a subtree by unit, ids included: the counts of casework.kpi read them
            # as an index-only scan, not the table (docs/performance.md "过程指标").
            models.Index(fields=["org", "id"], name="demand_org_ids"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=DemandKind.SKILL_TRAINING)
                | Q(trainee_count__isnull=False, trainee_count__gt=0),
                name="demand_training_needs_trainees",
                violation_error_message="技能培训需求必须填写培训人数",
            ),
        ]
        permissions = [
            ("triage_demand", "需求分级（受理）"),
            ("assist_demand", "走访代录需求（联络员）"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("demands:demand_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    #: Date rules (``core.validators.date_rule_errors``): the expected completion date is a
    #: plan, from today to ``JIANGQIAO_DATE_MAX_YEARS_AHEAD`` years ahead.
    date_rules: ClassVar[dict[str, tuple[str, ...]]] = {"deadline": ("not_past", "within_years")}

    def clean(self) -> None:
        errors: dict[str, Any] = date_rule_errors(self, self.date_rules)
        if self.kind == DemandKind.SKILL_TRAINING and not self.trainee_count:
            errors["trainee_count"] = "技能培训需求必须填写培训人数"
        if self.subcategory:
            if not self.category:
                self.category = self.subcategory.split(".", 1)[0]
            elif not self.subcategory.startswith(f"{self.category}."):
                errors["subcategory"] = "需求子类不属于所选的需求类别"
        if not isinstance(self.preferred_craftsmen, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i > 0
            for i in self.preferred_craftsmen
        ):
            errors["preferred_craftsmen"] = "意向劳模工匠应为劳模工匠ID的列表"
        if errors:
            raise ValidationError(errors)

    def selected_codes(self, scheme: str) -> list[str]:
        return list(self.industry_codes if scheme == "industry" else self.tags)


class DemandCode(models.Model):
    """Index rows for a demand's multi-valued codes (portable, no ArrayField).

    One row per chosen code and per ancestor of it (``selected=False``), so “in the subtree of
    C34” is ``scheme='industry' AND code='34'`` — an equality on the ``(scheme, code)`` index.
    Tags are stored as their normalised text (``scheme='tag'``). Rewritten by the services.
    """

    demand = models.ForeignKey(Demand, models.CASCADE, related_name="codes", verbose_name="需求")
    scheme = models.CharField("分类方案", max_length=32)
    code = models.CharField("代码", max_length=64)
    selected = models.BooleanField("直接选择", default=True)

    class Meta:
        verbose_name = "需求代码"
        verbose_name_plural = "需求代码"
        constraints = [
            models.UniqueConstraint(fields=["demand", "scheme", "code"], name="demand_code_unique")
        ]
        indexes = [models.Index(fields=["scheme", "code", "demand"], name="demand_code_lookup")]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.code}"


class DemandEvent(models.Model):
    """One status change of a demand (status history)."""

    demand = models.ForeignKey(Demand, models.CASCADE, related_name="events", verbose_name="需求")
    from_status = models.CharField(
        "原状态", max_length=20, choices=DemandStatus.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=20, choices=DemandStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    comment = models.CharField("说明", max_length=500, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "需求状态记录"
        verbose_name_plural = "需求状态记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class DemandCounter(models.Model):
    """The last demand sequence number taken per (province, year); locked while numbering."""

    province = models.CharField("省份", max_length=2)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "需求编号计数器"
        verbose_name_plural = "需求编号计数器"
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="demand_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.province}-{self.year}: {self.last}"


class SubmissionKey(models.Model):
    """One API submission of a new demand, keyed per user: a repeat gets the first result back.

    ``scope`` ``api``: the ``Idempotency-Key`` header of ``POST /api/v1/demands/demands/`` (the
    first response is stored and answered again). The page forms use the one-time form token of
    ``core.submissions`` (``core.FormSubmission``) like every other create page.
    The row is written in the transaction that creates the demand, so a failed attempt leaves no
    key behind; rows older than ``services.SUBMISSION_TTL`` are ignored and purged.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name="提交人"
    )
    scope = models.CharField("来源", max_length=10)
    key = models.CharField("幂等键", max_length=255)
    demand = models.ForeignKey(
        Demand, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="需求"
    )
    fingerprint = models.CharField("请求摘要", max_length=64, blank=True)
    response_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True)
    response_body = models.JSONField("响应内容", null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "需求提交记录"
        verbose_name_plural = "需求提交记录"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="demand_submission_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class EnterpriseRegistration(OrgOwnedModel):
    """An enterprise's self-registration from a phone (企业自助注册, docs/intake.md).

    ``org`` is the union unit that confirms it: for a new enterprise the unit derived from the
    USCC's region code, for an enterprise already registered that enterprise's unit. The
    registrant (``user``, an account made at registration) sees his own request (仅本人) but
    never the enterprise it matched, nor its unit. ``status`` changes only in
    ``demands.registration``. The mobile number is encrypted with a blind index.
    """

    kind = models.CharField("注册类型", max_length=20, choices=RegistrationKind.choices)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
        db_index=True,
    )
    enterprise = models.ForeignKey(
        Enterprise, models.PROTECT, related_name="registrations", verbose_name="企业"
    )
    claimed_name = NormalizedCharField("填写的企业名称", max_length=200)
    contact_name = NormalizedCharField("联系人姓名", max_length=50)
    contact_title = NormalizedCharField("职务", max_length=50, blank=True)
    mobile = EncryptedTextField("手机号码")
    mobile_index = models.CharField("手机号索引", max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="enterprise_registrations",
        verbose_name="注册账号",
    )
    consent_version = models.CharField("告知同意文本版本", max_length=20)
    consented_at = models.DateTimeField("同意时间")
    submit_key = models.CharField("提交令牌", max_length=64, unique=True, editable=False)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="处理人",
    )
    reason = NormalizedCharField("拒绝原因", max_length=300, blank=True)

    scope_owner_field: ClassVar[str | None] = "user|created_by"
    audit_exclude: ClassVar[tuple[str, ...]] = ("mobile", "mobile_index", "submit_key")

    class Meta:
        verbose_name = "企业注册申请"
        verbose_name_plural = "企业注册申请"
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view", "change")
        indexes = [models.Index(fields=["org", "status"], name="registration_org_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.claimed_name}（{self.contact_name}）"

    def get_absolute_url(self) -> str:
        return reverse("demands:registration_detail", args=[self.pk])


# Models of this app in their own modules: attachments (附件) and collection campaigns (征集活动),
# issue 18 points 5 and 2.
from .models_attachments import DemandAttachment  # noqa: E402, F401
from .models_campaigns import Campaign  # noqa: E402, F401
