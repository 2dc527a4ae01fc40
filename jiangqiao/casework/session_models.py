"""服务记录 (service sessions, DOMAIN.md §7.5): one visit, call or online session of a service.

* ``ServiceRecord`` (moved here from ``matching``; its table and rows were kept, see migration
  ``0003_service_sessions``) is one session of an accepted offer (``offer``) on a demand
  (``demand``: one enterprise per session by construction). Sessions logged before the service
  casework existed keep their confirmed match (``match``) and got the offer derived from it.
* ``SkillUpgrade`` is one worker whose skill level went up thanks to the session — or thanks to a
  craftsman-academy class (the same record type, ``source``; the academy links its trainee):
  pseudonymised (a worker code and the initials — never a name or an ID number, PIPL).
* ``SessionEvidence`` is one evidence file (photo, document), stored privately and downloaded
  only through a view that checks the session's data scope.

Scope: the demand's organisation; 仅本人 is the craftsman (or team lead) who answered the offer,
or whoever logged the session.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

# The migrations name ``jiangqiao.casework.session_models.private_storage``: kept importable here.
from jiangqiao.core.files import private_storage as private_storage
from jiangqiao.core.models import AuditedModel
from jiangqiao.core.scope import ScopedManager
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField
from jiangqiao.taxonomy.fields import TermCodeField

from .choices import SessionMode, UpgradeSource

#: Limits of a service record (the exchange schema ``service_record.json`` has the same).
MINUTES_MAX = 100_000
PEOPLE_MAX = 100_000
PROBLEMS_MAX = 10_000
NOTES_MAX = 5000


def _minutes(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        label, null=True, blank=True, validators=[MaxValueValidator(MINUTES_MAX)]
    )


class ServiceRecord(AuditedModel):
    """One service session of an accepted offer (服务记录/服务场次)."""

    demand = models.ForeignKey(
        "demands.Demand", models.PROTECT, related_name="service_records", verbose_name="需求"
    )
    offer = models.ForeignKey(
        "casework.Offer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name="服务邀请",
    )
    match = models.ForeignKey(
        "matching.MatchSuggestion",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name="匹配",
    )
    date = models.DateField("服务日期")
    duration_min = _minutes("服务时长（分钟）")
    prep_min = _minutes("准备时长（分钟）")
    travel_min = _minutes("路途时长（分钟）")
    mode = models.CharField("服务方式", max_length=10, choices=SessionMode.choices)
    activities = models.JSONField("服务内容", default=list, blank=True)
    location = TermCodeField("region", verbose_name="服务地点", blank=True)
    experts = models.PositiveIntegerField(
        "参与工匠人数", null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    participants = models.ManyToManyField(
        "talents.Craftsman",
        blank=True,
        related_name="sessions_attended",
        verbose_name="参与劳模工匠",
        help_text="到场服务的劳模工匠（服务队的邀请可选多名队员）；每人计一人次",
    )
    attendees = models.PositiveIntegerField(
        "企业参与人数", null=True, blank=True, validators=[MaxValueValidator(PEOPLE_MAX)]
    )
    trainees = models.PositiveIntegerField(
        "培训人数", null=True, blank=True, validators=[MaxValueValidator(PEOPLE_MAX)]
    )
    problems_solved = models.PositiveIntegerField(
        "解决问题数", null=True, blank=True, validators=[MaxValueValidator(PROBLEMS_MAX)]
    )
    problems = models.JSONField(
        "处理的问题",
        default=list,
        blank=True,
        help_text="每项 {description 问题, result solved 已解决 / partial 部分解决 / not 未解决}",
    )
    notes = NormalizedTextField(
        "服务纪要", max_length=NOTES_MAX, blank=True, help_text="问题、诊断、措施、后续安排"
    )
    economic_benefit = models.DecimalField(
        "产生或节约经济效益（万元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    benefit_method = NormalizedCharField("效益测算方法", max_length=500, blank=True)
    benefit_verified_at = models.DateTimeField("效益核实时间", null=True, blank=True)
    benefit_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="效益核实人",
    )
    enterprise_confirmed = models.BooleanField("企业已确认", default=False)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "demand__org"
    scope_owner_field: ClassVar[str | None] = (
        "offer__craftsman__user|offer__team__lead__user|created_by"
    )

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["match", "date"], name="matching_record_match_date"),
            models.Index(fields=["updated_at"], name="matching_record_updated"),
            models.Index(fields=["demand", "date"], name="casework_session_demand"),
            models.Index(fields=["date"], name="casework_session_date"),
        ]
        permissions = [("verify_servicerecord", "核实服务记录的经济效益")]

    def __str__(self) -> str:
        """What people recognise: the demand, the day and how (「主轴异响（2026-12-05 现场）」)."""
        when = f"{self.date:%Y-%m-%d}" if self.date else ""
        how = self.get_mode_display() if self.mode else ""
        title = self.demand.title if self.demand_id else "服务记录"
        return f"{title}（{' '.join(part for part in (when, how) if part)}）"

    def get_absolute_url(self) -> str:
        return reverse("casework:servicerecord_detail", args=[self.pk])

    def audit_org_id(self) -> int | None:
        from jiangqiao.demands.models import Demand

        return Demand.objects.filter(pk=self.demand_id).values_list("org_id", flat=True).first()

    @property
    def craftsman(self) -> Any:
        if self.offer_id and self.offer is not None:
            return self.offer.craftsman or self.offer.team
        return self.match.craftsman if self.match_id and self.match is not None else None


class _SessionPart(AuditedModel):
    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "session__demand__org"
    scope_owner_field: ClassVar[str | None] = (
        "session__offer__craftsman__user|session__offer__team__lead__user|session__created_by"
    )

    class Meta:
        abstract = True

    def audit_org_id(self) -> int | None:
        return (
            ServiceRecord.objects.filter(pk=self.session_id)  # type: ignore[attr-defined]
            .values_list("demand__org_id", flat=True)
            .first()
        )


class SkillUpgrade(AuditedModel):
    """One worker's skill level raised (技能等级晋升), pseudonymised (worker code + initials).

    One record type for both sources (docs/kpi.md counts them together): a service session
    (``source`` 服务记录, ``session`` set) or a craftsman-academy class (``source`` 工匠学院培训, no
    session; the academy links its trainee to the row, this app knows nothing of the academy).
    ``org`` is the owning union unit (the session's demand's, or the class's) and what the data
    scope filters on; 仅本人 reaches a session's upgrades through the session, and the rows the
    user recorded.
    """

    org = models.ForeignKey(
        "orgs.Organization", models.PROTECT, related_name="+", verbose_name="所属组织"
    )
    source = models.CharField(
        "来源", max_length=10, choices=UpgradeSource.choices, default=UpgradeSource.SESSION
    )
    session = models.ForeignKey(
        ServiceRecord,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="skill_upgrades",
        verbose_name="服务记录",
    )
    worker_code = models.CharField(
        "职工编号", max_length=32, help_text="企业内部工号或自编号；不填身份证号、姓名"
    )
    worker_initials = models.CharField(
        "姓名首字母", max_length=8, blank=True, help_text="如 ZS；仅用于企业核对"
    )
    occupation = TermCodeField("occupation", verbose_name="职业（工种）")
    level_before = TermCodeField("skill_level", verbose_name="原技能等级", blank=True)
    level_after = TermCodeField("skill_level", verbose_name="提升后技能等级")
    certificate_no = models.CharField("证书编号", max_length=64, blank=True)
    issuer = NormalizedCharField("发证机构", max_length=100, blank=True)
    issued_on = models.DateField("取证日期")
    #: The once-a-year rule of docs/kpi.md §1, kept on write (``upgrade_count.refresh``): the
    #: worker key (enterprise or source, worker code, occupation, level reached), the certificate
    #: key (number, occupation, level reached) and whether this record is the first of its keys
    #: in its calendar year — the one counted.
    worker_key = models.CharField("职工去重键", max_length=200, editable=False, default="")
    certificate_key = models.CharField(
        "证书去重键", max_length=200, editable=False, blank=True, default=""
    )
    counted = models.BooleanField("计入技能提升人次", default=True, editable=False)

    #: The dedup keys and flag are bookkeeping, not history.
    audit_exclude: ClassVar[tuple[str, ...]] = ("worker_key", "certificate_key", "counted")

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = (
        "session__offer__craftsman__user|session__offer__team__lead__user|session__created_by"
        "|created_by"
    )

    class Meta:
        verbose_name = "技能提升"
        verbose_name_plural = "技能提升"
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["issued_on"], name="casework_upgrade_issued"),
            models.Index(fields=["counted", "issued_on"], name="casework_upgrade_counted"),
            models.Index(fields=["worker_key"], name="casework_upgrade_wkey"),
            models.Index(fields=["certificate_key"], name="casework_upgrade_ckey"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "worker_code", "occupation"],
                name="casework_upgrade_unique_worker",
                violation_error_message="同一服务记录中该职工该职业的技能提升已登记",
            ),
            models.CheckConstraint(
                condition=Q(source=UpgradeSource.SESSION, session__isnull=False)
                | (~Q(source=UpgradeSource.SESSION) & Q(session__isnull=True)),
                name="casework_upgrade_session_source",
                violation_error_message="来源为服务记录的技能提升须属于一条服务记录",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker_code} 技能提升"

    def audit_org_id(self) -> int | None:
        return self.org_id


class SessionEvidence(_SessionPart):
    """An evidence file of a session (photo, document); private, downloaded through a scoped view."""

    session = models.ForeignKey(
        ServiceRecord, models.CASCADE, related_name="evidence", verbose_name="服务记录"
    )
    file = models.FileField(
        "文件", storage=private_storage, upload_to="casework/evidence/%Y/%m/", max_length=200
    )
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField("文件类型", max_length=10)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    caption = NormalizedCharField("说明", max_length=200, blank=True)

    #: The change log keeps the name, type, size and digest; the storage path is not history.
    audit_exclude: ClassVar[tuple[str, ...]] = ("file",)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("casework:evidence_download", args=[self.pk])
