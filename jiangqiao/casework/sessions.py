"""Services of service sessions (服务记录, DOMAIN.md §7.5): log, correct, verify, skill upgrades, evidence.

Who may log a session of an offer: union staff who may see the demand (``casework.assign_offer``)
and the craftsman — or the team lead — who accepted the offer. The offer must be accepted (服务中)
or completed; the date neither in the future nor before the offer was accepted. One enterprise per
session: the session belongs to the offer's demand.

Sessions logged before the casework existed belong to a confirmed match; the exchange (format 1.0)
still names the match, so ``session_create`` also takes ``match=`` and derives the offer from it.

The economic benefit is verified by staff other than the person who logged it
(``session_verify_benefit``); changing the figure clears the verification. Evidence files are
checked by content (not only by extension) and size, stored privately (``JIANGQIAO_PRIVATE_ROOT``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiangqiao.core import files, rollups
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible
from jiangqiao.core.uploads import check_size, too_large_message, upload_limit
from jiangqiao.core.validators import validate_date_between
from jiangqiao.matching.choices import SuggestionStatus
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.text import normalize

from . import upgrade_count
from .choices import OfferStatus, ProblemResult, UpgradeSource
from .models import Offer
from .session_models import NOTES_MAX, ServiceRecord, SessionEvidence, SkillUpgrade

MODULE = "服务记录"

#: The fields a session's form, API, sheet import and exchange import may set.
RECORD_FIELDS = (
    "date",
    "duration_min",
    "prep_min",
    "travel_min",
    "mode",
    "activities",
    "location",
    "experts",
    "attendees",
    "trainees",
    "problems_solved",
    "problems",
    "notes",
    "economic_benefit",
    "benefit_method",
    "enterprise_confirmed",
)
UPGRADE_FIELDS = (
    "worker_code",
    "worker_initials",
    "occupation",
    "level_before",
    "level_after",
    "certificate_no",
)
#: Also accepted for a session's upgrade (the exchange format does not carry them: an upgrade
#: arriving from another instance is dated on its session's day, without issuer).
UPGRADE_EXTRA_FIELDS = ("issuer", "issued_on")
#: Offers whose service may take sessions.
SERVING_STATUSES = (OfferStatus.ACCEPTED, OfferStatus.COMPLETED)
PROBLEMS_MAX_ITEMS = 50
PROBLEM_TEXT_MAX = 500
EVIDENCE_MAX_FILES = 20
#: Evidence file types (``core.files.FILE_TYPES``): photos, PDFs and office documents.
EVIDENCE_KINDS = ("jpg", "png", "pdf", "docx", "xlsx")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
_MOBILE = re.compile(r"^1\d{10}$")


# ----------------------------------------------------------------------------------------------
# Who may do what
# ----------------------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def answers(actor: Any, offer: Offer) -> bool:
    """``actor`` is the craftsman of the offer, or the lead of its team."""
    user = _user(actor)
    if user is None:
        return False
    return Offer.objects.filter(
        Q(craftsman__user=user) | Q(team__lead__user=user), pk=offer.pk
    ).exists()


def is_staff_for(actor: Any, offer: Offer) -> bool:
    """Union staff who may see the offer's demand and handle its offers."""
    from jiangqiao.demands.models import Demand

    user = _user(actor)
    return (
        user is not None
        and user.has_perm("casework.assign_offer")
        and Demand.objects.visible_to(user, "view").filter(pk=offer.demand_id).exists()
    )


def may_log(actor: Any, offer: Offer) -> bool:
    """May ``actor`` log a session of ``offer`` (permission, role and offer state)?"""
    user = _user(actor)
    return (
        user is not None
        and user.has_perm("casework.add_servicerecord")
        and offer.status in SERVING_STATUSES
        and (answers(user, offer) or is_staff_for(user, offer))
    )


def served_demand_ids(user: Any) -> Any:
    """Ids of the demands ``user`` serves: his (or his team's) offer is accepted or completed."""
    if not _user(user) or not user.has_perm("casework.view_offer"):
        return Offer.objects.none().values("demand_id")
    return Offer.objects.filter(
        Q(craftsman__user=user) | Q(team__lead__user=user), status__in=SERVING_STATUSES
    ).values("demand_id")


def loggable_offers(*, user: Any) -> Any:
    """Offers the user may log sessions of (for pickers): his own, or those of his scope."""
    if not _user(user) or not user.has_perm("casework.add_servicerecord"):
        return Offer.objects.none()
    own = Q(craftsman__user=user) | Q(team__lead__user=user)
    rows = Offer.objects.filter(status__in=SERVING_STATUSES)
    if user.has_perm("casework.assign_offer"):
        from jiangqiao.demands.models import Demand

        visible = Demand.objects.visible_to(user, "view").values("pk")
        return rows.filter(own | Q(demand__in=visible)).select_related(
            "demand", "craftsman", "team"
        )
    return rows.filter(own).select_related("demand", "craftsman", "team")


def _check_perm(actor: Any, perm: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise BusinessError("您没有此操作的权限")


# ----------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------


def _clean_activities(codes: Any) -> list[str]:
    from jiangqiao.talents.services import clean_code_list

    return clean_code_list("service_type", "服务内容", "activities", codes)


def clean_problems(value: Any) -> list[dict[str, str]]:
    """``[{description, result}]`` with results solved/partial/not; errors name the item."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise BusinessError("处理的问题：应为列表（每项含问题描述和处理结果）", field="problems")
    if len(value) > PROBLEMS_MAX_ITEMS:
        raise BusinessError(f"处理的问题：最多 {PROBLEMS_MAX_ITEMS} 项", field="problems")
    out = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise BusinessError(f"处理的问题第{n}项：应包含问题描述和处理结果", field="problems")
        unknown = set(item) - {"description", "result"}
        if unknown:
            raise BusinessError(
                f"处理的问题第{n}项：未知的字段 {'、'.join(sorted(map(str, unknown)))}",
                field="problems",
            )
        text = normalize(str(item.get("description") or ""))
        if not text:
            raise BusinessError(f"处理的问题第{n}项：请填写问题描述", field="problems")
        if len(text) > PROBLEM_TEXT_MAX:
            raise BusinessError(
                f"处理的问题第{n}项：问题描述最多 {PROBLEM_TEXT_MAX} 个字", field="problems"
            )
        result = str(item.get("result") or "")
        if result not in ProblemResult.values:
            raise BusinessError(
                f"处理的问题第{n}项：处理结果应为 已解决(solved)/部分解决(partial)/未解决(not)",
                field="problems",
            )
        out.append({"description": text, "result": result})
    return out


def _label(field: str) -> str:
    try:
        return str(getattr(ServiceRecord._meta.get_field(field), "verbose_name", field))
    except Exception:
        return field


def _fill(record: ServiceRecord, data: dict[str, Any], *, earliest: Any) -> None:
    unknown = set(data) - set(RECORD_FIELDS)
    if unknown:
        raise BusinessError(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    old_benefit = record.economic_benefit
    for name in RECORD_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    record.activities = _clean_activities(record.activities)
    record.problems = clean_problems(record.problems)
    if record.problems:
        # One source for the KPI: the count of the listed problems that were solved.
        record.problems_solved = sum(1 for p in record.problems if p["result"] == "solved")
    record.notes = normalize(str(record.notes or ""))
    if len(record.notes) > NOTES_MAX:
        raise BusinessError(f"服务纪要：最多 {NOTES_MAX} 个字", field="notes")
    record.benefit_method = normalize(str(record.benefit_method or ""))
    record.location = str(record.location or "").strip()
    if record.enterprise_confirmed in (None, ""):
        record.enterprise_confirmed = False
    if record.economic_benefit is not None and not isinstance(record.economic_benefit, Decimal):
        try:
            record.economic_benefit = Decimal(str(record.economic_benefit))
        except ArithmeticError as exc:
            raise BusinessError("经济效益：应为数字（万元）", field="economic_benefit") from exc
    try:
        record.full_clean(
            exclude=["demand", "offer", "match", "created_by", "updated_by", "benefit_verified_by"]
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = _label(field) if field in RECORD_FIELDS else "服务记录"
        raise BusinessError(f"{label}：{messages[0]}", field=field) from exc
    try:
        check_service_date(record.date, earliest=earliest)
    except ValidationError as exc:
        raise BusinessError(f"服务日期：{exc.messages[0]}", field="date") from exc
    if record.pk and old_benefit != record.economic_benefit:
        record.benefit_verified_at = None
        record.benefit_verified_by = None


def service_date_earliest(demand_id: int) -> Any:
    """The first day a session of the demand may be dated: the day it was submitted (sessions
    are often logged afterwards, so any day since then — not only since the offer was accepted
    or the match confirmed — is allowed)."""
    from jiangqiao.demands.models import Demand

    row = Demand.objects.filter(pk=demand_id).values("submitted_at", "created_at").first()
    at = row and (row["submitted_at"] or row["created_at"])
    return timezone.localtime(at).date() if at else None


def check_service_date(day: Any, *, earliest: Any) -> None:
    """A session date: not before the demand's submission, not after today
    (``ValidationError`` without the field name, which callers put in front)."""
    validate_date_between(day, label="", earliest=earliest, earliest_label="需求提交日期")


def _resolve(actor: Any, offer: Any, match: Any) -> tuple[Offer | None, MatchSuggestion | None]:
    if offer is not None:
        row = Offer.objects.select_related("demand", "suggestion").filter(pk=offer.pk).first()
        if row is None or not Offer.objects.visible_to(actor, "view").filter(pk=row.pk).exists():
            raise BusinessError("服务邀请：不存在或不在您的数据范围内", field="offer")
        if row.status not in SERVING_STATUSES:
            raise BusinessError(
                f"服务邀请：只能为已接受的服务登记服务记录（当前状态：{row.get_status_display()}）",
                field="offer",
            )
        if not may_log(actor, row):
            raise PermissionDenied("只有承接服务的劳模工匠或承办单位的工作人员可以登记服务记录")
        return row, row.suggestion
    if match is None:
        raise BusinessError("服务邀请：请选择已接受的服务邀请", field="offer")
    if not MatchSuggestion.objects.visible_to(actor, "view").filter(pk=match.pk).exists():
        raise BusinessError("匹配：不存在或不在您的数据范围内", field="match")
    current = MatchSuggestion.objects.select_related("demand", "craftsman").get(pk=match.pk)
    if current.status != SuggestionStatus.CONFIRMED:
        raise BusinessError(
            f"匹配：只能为已确认的匹配登记服务记录（当前状态：{current.get_status_display()}）",
            field="match",
        )
    derived = (
        Offer.objects.filter(suggestion=current, status__in=SERVING_STATUSES)
        .order_by("-pk")
        .first()
    )
    return derived, current


def eligible_participants(offer: Offer | None, match: MatchSuggestion | None) -> list[Any]:
    """Who may be named as having served in a session: the offer's craftsman, or for a team
    (联合攻关) its lead and active members; for sessions older than offers, the match's."""
    from jiangqiao.talents.models import Craftsman

    if offer is not None and offer.craftsman_id:
        return list(Craftsman.objects.filter(pk=offer.craftsman_id))
    if offer is not None and offer.team is not None:
        team = offer.team
        ids = set(team.memberships.values_list("craftsman_id", flat=True))
        if team.lead_id:
            ids.add(team.lead_id)
        return list(Craftsman.objects.filter(pk__in=ids).order_by("name", "pk"))
    if match is not None:
        return list(Craftsman.objects.filter(pk=match.craftsman_id))
    return []


def _set_participants(
    record: ServiceRecord,
    chosen: Any,
    offer: Offer | None,
    match: MatchSuggestion | None,
) -> None:
    """Name the session's craftsmen (default: the offer's craftsman or the team's lead).

    ``experts`` (参与工匠人数) stays as entered — a sheet or another instance may know more
    people than it names — but never fewer than named; person-times count the larger of the two
    (kpi.py, docs/kpi.md).
    """
    eligible = {c.pk: c for c in eligible_participants(offer, match)}
    if chosen is None:
        ids = list(record.participants.values_list("pk", flat=True))
        if not ids:
            default = (
                (offer.craftsman_id or (offer.team.lead_id if offer.team is not None else None))
                if offer is not None
                else (match.craftsman_id if match is not None else None)
            )
            ids = [default] if default in eligible else list(eligible)[:1]
            record.participants.set(ids)
    else:
        ids = []
        for item in chosen:
            pk = getattr(item, "pk", item)
            try:
                pk = int(pk)
            except (TypeError, ValueError):
                raise BusinessError("参与劳模工匠：请从名单中选择", field="participants") from None
            if pk not in eligible:
                raise BusinessError(
                    "参与劳模工匠：只能选择承接本服务的劳模工匠或服务队的队员", field="participants"
                )
            if pk not in ids:
                ids.append(pk)
        if not ids:
            raise BusinessError("参与劳模工匠：请至少选择一人", field="participants")
        record.participants.set(ids)
    if record.experts is not None and record.experts < len(ids):
        raise BusinessError(
            f"参与工匠人数：不能少于所选的参与劳模工匠（{len(ids)} 人）", field="experts"
        )


# ----------------------------------------------------------------------------------------------
# Sessions
# ----------------------------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    actor: Any,
    data: dict[str, Any],
    offer: Any = None,
    match: Any = None,
    skill_upgrades: list[dict[str, Any]] | None = None,
    participants: Any = None,
) -> ServiceRecord:
    """Log one session of an accepted offer (or, for older data, of a confirmed match).

    ``participants``: the craftsmen who served (ids or rows); None names the offer's craftsman
    (or the team's lead)."""
    _check_perm(actor, "casework.add_servicerecord")
    row_offer, row_match = _resolve(actor, offer, match)
    demand_id = row_offer.demand_id if row_offer is not None else row_match.demand_id  # type: ignore[union-attr]
    record = ServiceRecord(
        demand_id=demand_id,
        offer=row_offer,
        match=row_match,
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    _fill(record, data, earliest=service_date_earliest(demand_id))
    record.save()
    assert_visible(ServiceRecord, actor, record.pk, "add")
    _set_participants(record, participants, row_offer, row_match)
    for n, item in enumerate(skill_upgrades or [], 1):
        _add_upgrade(actor, record, item, prefix=f"技能提升第{n}项")
    rollups.changed([(record.demand.org_id, record.date)])
    who = (row_offer.craftsman or row_offer.team) if row_offer else row_match.craftsman  # type: ignore[union-attr]
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记服务记录：{who} 为需求“{record.demand}”服务（{record.date:%Y-%m-%d}）",
        target=record,
    )
    return record


@transaction.atomic
def session_update(
    *, actor: Any, record: ServiceRecord, data: dict[str, Any], participants: Any = None
) -> ServiceRecord:
    """Correct a session (its offer, match and demand do not change); ``participants`` None
    keeps the named craftsmen."""
    _check_perm(actor, "casework.change_servicerecord")
    assert_visible(ServiceRecord, actor, record.pk, "change")
    current = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("offer", "match")
        .get(pk=record.pk)
    )
    old_date = current.date
    _fill(current, data, earliest=service_date_earliest(current.demand_id))
    current.updated_by = _user(actor)
    current.save()
    assert_visible(ServiceRecord, actor, current.pk, "change")
    if current.date != old_date:
        # Upgrades dated on the session's day (the default) follow a corrected date.
        moved = SkillUpgrade.objects.filter(session=current, issued_on=old_date)
        rollups.changed((org, old_date) for org in moved.values_list("org_id", flat=True))
        seeds = upgrade_count.seeds_of(moved.values("issued_on", "worker_key", "certificate_key"))
        moved.update(issued_on=current.date, updated_at=timezone.now())
        after = SkillUpgrade.objects.filter(session=current, issued_on=current.date)
        seeds |= upgrade_count.seeds_of(after.values("issued_on", "worker_key", "certificate_key"))
        upgrade_count.refresh(seeds)
    _set_participants(current, participants, current.offer, current.match)
    org_id = current.demand.org_id
    rollups.changed([(org_id, old_date), (org_id, current.date)])
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"修改服务记录：{current}",
        target=current,
    )
    return current


@transaction.atomic
def session_verify_benefit(*, actor: Any, record: ServiceRecord) -> ServiceRecord:
    """Staff confirm the session's economic-benefit estimate (not the person who logged it)."""
    _check_perm(actor, "casework.verify_servicerecord")
    assert_visible(ServiceRecord, actor, record.pk, "change")
    current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if current.economic_benefit is None:
        raise BusinessError("经济效益：尚未填写效益估算，无需核实", field="economic_benefit")
    if current.created_by_id == actor.pk:
        raise BusinessError("经济效益：须由登记人以外的工作人员核实", field="economic_benefit")
    if current.benefit_verified_at is not None:
        raise BusinessError("经济效益：已核实", field="economic_benefit", code="conflict")
    current.benefit_verified_at = timezone.now()
    current.benefit_verified_by = actor
    current.updated_by = actor
    current.save(
        update_fields=["benefit_verified_at", "benefit_verified_by", "updated_by", "updated_at"]
    )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.APPROVE,
        action=f"核实经济效益 {current.economic_benefit} 万元：{current}",
        target=current,
    )
    return current


@transaction.atomic
def session_import_verification(
    *, actor: Any, record: ServiceRecord, verified_at: Any
) -> ServiceRecord:
    """The exchange import: the benefit was verified on the source instance at ``verified_at`` (by
    a user of that instance, who is not named here), or it was not (``None``)."""
    _check_perm(actor, "casework.change_servicerecord")
    assert_visible(ServiceRecord, actor, record.pk, "change")
    current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if verified_at is not None and current.economic_benefit is None:
        raise BusinessError(
            "经济效益核实时间：没有效益估算的服务记录不能是已核实", field="benefit_verified_at"
        )
    if verified_at is not None and verified_at > timezone.now():
        raise BusinessError("经济效益核实时间：不能晚于现在", field="benefit_verified_at")
    if current.benefit_verified_at == verified_at:
        return current
    current.benefit_verified_at = verified_at
    current.benefit_verified_by = None
    current.updated_by = _user(actor)
    current.save(
        update_fields=["benefit_verified_at", "benefit_verified_by", "updated_by", "updated_at"]
    )
    state = f"来源实例已核实（{verified_at:%Y-%m-%d %H:%M}）" if verified_at else "来源实例未核实"
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"数据交换导入经济效益核实状态：{state}：{current}",
        target=current,
    )
    return current


def _may_add_parts(actor: Any, record: ServiceRecord) -> None:
    """Skill upgrades and evidence: staff who may change the session, or its craftsman."""
    if ServiceRecord.objects.visible_to(actor, "change").filter(pk=record.pk).exists():
        return
    if (
        actor.has_perm("casework.add_servicerecord")
        and record.offer_id
        and answers(actor, record.offer)  # type: ignore[arg-type]
    ):
        return
    raise PermissionDenied("只有承接服务的劳模工匠或承办单位的工作人员可以补充服务记录")


# ----------------------------------------------------------------------------------------------
# Skill upgrades
# ----------------------------------------------------------------------------------------------


def level_rank(code: str) -> int:
    """The rank of a skill level on the national scale, inverted (学徒工 1, 五级/初级工 2 …
    一级/高级技师 highest; taxonomy ``skill_level``); 0 for no or an unknown level."""
    from jiangqiao.taxonomy.codelists import SKILL_LEVELS

    return {e.code: int(e.rank or 0) for e in SKILL_LEVELS}.get(code or "", 0)


def check_levels(level_before: str, level_after: str, *, prefix: str = "技能提升") -> None:
    """The level rule of every skill upgrade: the level after is a level of the scale and higher
    than the level before (when one is given); the error names ``level_after``."""
    if not level_rank(level_after):
        raise BusinessError(f"{prefix}：请选择提升后技能等级", field="level_after")
    if level_before and level_rank(level_after) <= level_rank(level_before):
        raise BusinessError(
            f"{prefix}：提升后技能等级应高于原技能等级（五级/初级工最低，一级/高级技师最高）",
            field="level_after",
        )


def _clean_upgrade(
    actor: Any, row: SkillUpgrade, data: dict[str, Any], *, prefix: str, exclude: list[str]
) -> SkillUpgrade:
    """Fill the common fields of ``row`` from ``data`` and check them (pseudonymised code,
    initials, occupation, levels, certificate, issuer, date)."""
    from jiangqiao.taxonomy.selectors import canonical_code

    code = normalize(str(data.get("worker_code") or "")).replace(" ", "")
    if not code:
        raise BusinessError(f"{prefix}：请填写职工编号（企业工号或自编号）", field="worker_code")
    if _ID_NUMBER.match(code) or _MOBILE.match(code):
        raise BusinessError(
            f"{prefix}：职工编号不能是身份证号或手机号，请填写企业工号或自编号",
            field="worker_code",
        )
    initials = normalize(str(data.get("worker_initials") or "")).replace(" ", "").upper()
    if initials and not re.fullmatch(r"[A-Z]{1,8}", initials):
        raise BusinessError(
            f"{prefix}：姓名首字母只填拼音首字母（如 ZS），不填姓名", field="worker_initials"
        )
    issued_on = data.get("issued_on")
    if issued_on not in (None, "") and not isinstance(issued_on, dt.date):
        try:
            issued_on = dt.date.fromisoformat(str(issued_on))
        except ValueError:
            raise BusinessError(
                f"{prefix}：取证日期应为日期，如 2026-05-01", field="issued_on"
            ) from None
    if issued_on not in (None, ""):
        row.issued_on = issued_on
    row.worker_code = code
    row.worker_initials = initials
    row.occupation = canonical_code("occupation", str(data.get("occupation") or "").strip())
    row.level_before = str(data.get("level_before") or "").strip()
    row.level_after = str(data.get("level_after") or "").strip()
    row.certificate_no = normalize(str(data.get("certificate_no") or "")).replace(" ", "")
    row.issuer = normalize(str(data.get("issuer") or ""))
    row.created_by = _user(actor)
    row.updated_by = _user(actor)
    if row.issued_on is None:
        raise BusinessError(f"{prefix}：请填写取证日期", field="issued_on")
    if row.issued_on > timezone.localdate():
        raise BusinessError(f"{prefix}：取证日期不能晚于今天", field="issued_on")
    try:
        row.full_clean(exclude=["session", "org", "created_by", "updated_by", *exclude])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = (
            str(getattr(SkillUpgrade._meta.get_field(field), "verbose_name", field))
            if field in (*UPGRADE_FIELDS, *UPGRADE_EXTRA_FIELDS)
            else ""
        )
        raise BusinessError(
            f"{prefix}：{label}{'：' if label else ''}{messages[0]}", field=field
        ) from exc
    check_levels(row.level_before, row.level_after, prefix=prefix)
    return row


def _add_upgrade(
    actor: Any, record: ServiceRecord, data: dict[str, Any], *, prefix: str = "技能提升"
) -> SkillUpgrade:
    if not isinstance(data, dict):
        raise BusinessError(f"{prefix}：应包含职工编号、职业和技能等级", field="skill_upgrades")
    unknown = set(data) - {*UPGRADE_FIELDS, *UPGRADE_EXTRA_FIELDS}
    if unknown:
        raise BusinessError(f"{prefix}：不能填写的字段 {'、'.join(sorted(map(str, unknown)))}")
    org_id = ServiceRecord.objects.filter(pk=record.pk).values_list("demand__org_id", flat=True)
    row = SkillUpgrade(
        session=record,
        org_id=org_id.get(),
        source=UpgradeSource.SESSION,
        issued_on=record.date,  # the session's date unless the certificate's is given
    )
    _clean_upgrade(actor, row, data, prefix=prefix, exclude=[])
    if SkillUpgrade.objects.filter(
        session=record, worker_code=row.worker_code, occupation=row.occupation
    ).exists():
        raise BusinessError(
            f"{prefix}：职工“{row.worker_code}”该职业的技能提升已登记", field="worker_code"
        )
    upgrade_count.set_keys(row)
    row.save()
    upgrade_count.refresh(upgrade_count.seeds_of([row]))
    return row


@transaction.atomic
def training_upgrade_record(
    *,
    actor: Any,
    org: Any,
    worker_code: str,
    occupation: str,
    level_before: str,
    level_after: str,
    certificate_no: str,
    issuer: str,
    issued_on: Any,
) -> SkillUpgrade:
    """A skill upgrade earned through training (source 工匠学院培训), owned by ``org``.

    Called by the academy with plain values (it links its trainee to the returned row; this app
    knows nothing of academies). The worker code is the caller's pseudonym, never a name or an
    ID number; the certificate (number, issuer, date) is required. The row must land in the
    actor's data scope (``casework.view_skillupgrade``) or nothing is written."""
    prefix = "技能提升"
    row = SkillUpgrade(org_id=getattr(org, "pk", org), source=UpgradeSource.TRAINING)
    _clean_upgrade(
        actor,
        row,
        {
            "worker_code": worker_code,
            "occupation": occupation,
            "level_before": level_before,
            "level_after": level_after,
            "certificate_no": certificate_no,
            "issuer": issuer,
            "issued_on": issued_on,
        },
        prefix=prefix,
        exclude=[],
    )
    if not row.certificate_no:
        raise BusinessError(f"{prefix}：请填写技能等级证书编号", field="certificate_no")
    if not row.issuer:
        raise BusinessError(f"{prefix}：请填写发证机构", field="issuer")
    upgrade_count.set_keys(row)
    row.save()
    assert_visible(SkillUpgrade, actor, row.pk, "view")
    upgrade_count.refresh(upgrade_count.seeds_of([row]))
    record_operation(
        actor=_user(actor),
        module="技能提升",
        business_type=BusinessType.INSERT,
        action=f"登记技能提升（工匠学院培训，职工 {row.worker_code}，证书 {row.certificate_no}）",
        target=row,
    )
    return row


@transaction.atomic
def skill_upgrade_add(*, actor: Any, record: ServiceRecord, data: dict[str, Any]) -> SkillUpgrade:
    """One worker's skill level raised through the session (pseudonymised)."""
    _may_add_parts(actor, record)
    row = _add_upgrade(actor, record, data)
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记技能提升（职工 {row.worker_code}）：{record}",
        target=record,
    )
    return row


@transaction.atomic
def skill_upgrade_delete(*, actor: Any, upgrade: SkillUpgrade) -> None:
    record = ServiceRecord.objects.get(pk=upgrade.session_id)
    _check_perm(actor, "casework.change_servicerecord")
    assert_visible(ServiceRecord, actor, record.pk, "change")
    code = upgrade.worker_code
    seeds = upgrade_count.seeds_of([SkillUpgrade.objects.get(pk=upgrade.pk)])
    cell = (upgrade.org_id, upgrade.issued_on)
    upgrade.delete()
    rollups.changed([cell])
    upgrade_count.refresh(seeds)  # a later record of the same keys may now be the first
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.DELETE,
        action=f"删除技能提升（职工 {code}）：{record}",
        target=record,
    )


# ----------------------------------------------------------------------------------------------
# Evidence
# ----------------------------------------------------------------------------------------------


def sniff_evidence(data: bytes, filename: str) -> tuple[str, str]:
    """``(kind, extension)`` of an evidence file, from its content; the extension must agree."""
    return files.sniff(data, filename, allowed=EVIDENCE_KINDS, label="佐证材料")


@transaction.atomic
def evidence_add(
    *, actor: Any, record: ServiceRecord, upload: Any, caption: str = ""
) -> SessionEvidence:
    """Attach an evidence file (type sniffed, size capped, photos cleaned, stored privately)."""
    _may_add_parts(actor, record)
    if upload is None:
        raise BusinessError("佐证材料：请选择文件", field="file")
    limit = upload_limit("evidence")
    check_size(int(getattr(upload, "size", 0) or 0), "evidence")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise BusinessError(too_large_message("佐证材料", len(data), limit), field="file")
    if not data:
        raise BusinessError("佐证材料：文件是空的", field="file")
    name = files.safe_name(getattr(upload, "name", ""))
    kind, ext = sniff_evidence(data, name)
    if SessionEvidence.objects.filter(session=record).count() >= EVIDENCE_MAX_FILES:
        raise BusinessError(f"佐证材料：每条服务记录最多 {EVIDENCE_MAX_FILES} 个文件", field="file")
    if files.FILE_TYPES[kind].photo:
        # As a demand's photos: upright, without EXIF (GPS position, camera, time); a photo that
        # does not decode is refused naming the field.
        data = files.clean_photo(data, kind, label="佐证材料").data
    caption = normalize(str(caption or ""))
    if len(caption) > 200:
        raise BusinessError("佐证材料说明：最多 200 个字", field="caption")
    row = SessionEvidence(
        session=record,
        name=name,
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        caption=caption,
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    # The file is written before the row. A failure here removes it at once; a transaction rolled
    # back later by the caller leaves an unreferenced file that no view can reach (nothing names
    # it) and that ``evidence_sweep`` (daily) deletes.
    row.file.save(f"{uuid.uuid4().hex}{ext}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            row.save()
    except Exception:
        row.file.storage.delete(str(row.file.name))
        raise
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"上传佐证材料“{name}”：{record}",
        target=record,
    )
    return row


@transaction.atomic
def evidence_delete(*, actor: Any, evidence: SessionEvidence) -> None:
    record = ServiceRecord.objects.get(pk=evidence.session_id)
    _check_perm(actor, "casework.change_servicerecord")
    assert_visible(ServiceRecord, actor, record.pk, "change")
    name, storage, path = evidence.name, evidence.file.storage, str(evidence.file.name)
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(path))
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.DELETE,
        action=f"删除佐证材料“{name}”：{record}",
        target=record,
    )


EVIDENCE_DIR = "casework/evidence"


def evidence_sweep(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete evidence files no row names (left by a rolled-back upload); returns how many.

    Only files older than ``older_than`` go (``core.files.sweep_orphans``)."""
    return files.sweep_orphans(
        storage=SessionEvidence._meta.get_field("file").storage,  # type: ignore[attr-defined]
        roots=[EVIDENCE_DIR],
        known=lambda paths: set(
            SessionEvidence.objects.filter(file__in=paths).values_list("file", flat=True)
        ),
        older_than=older_than,
        label="佐证材料文件",
    )
