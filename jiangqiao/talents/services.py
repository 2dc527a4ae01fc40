"""Writes of the talents app. Every function is atomic, scope-checked and audited.

Rules enforced here (not in forms or serializers, so pages, API and imports behave the same):

* ID number (GB 11643) and mobile are validated, encrypted at rest and indexed by blind index;
  a second profile with the same ID number — or the same normalised name, employer and mobile —
  is refused with :class:`DuplicateCraftsman`, which carries the existing record's id, when the
  actor may see that record; when it is another unit's, with ``core.probes.ForeignMatch``, which
  says only that the person is registered elsewhere (counted, rate-limited and logged);
* multi-valued codes are checked against the taxonomy and mirrored into ``CraftsmanCode``;
* optimistic locking (``version``) on craftsmen and teams;
* status changes and honour verification need ``talents.manage_craftsman``;
* a team's level matches its unit's level; its 领衔人 is one of its members.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiangqiao.core.choices import BusinessType, Status
from jiangqiao.core.concurrency import claim_version
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import clean_id_number, clean_mobile, clean_uscc
from jiangqiao.core.operations import record_operation
from jiangqiao.core.probes import guard, in_scope, logs_foreign_matches, refuse_foreign
from jiangqiao.core.scope import ScopeViolation, assert_visible
from jiangqiao.core.sensitive import reveal
from jiangqiao.core.validators import (
    IdentifierValidator,
    validate_date_rule,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from jiangqiao.taxonomy.codelists import LEGACY_DEMAND_CATEGORIES
from jiangqiao.taxonomy.selectors import get_term, term_label
from jiangqiao.taxonomy.validators import TermCodeValidator
from jiangqiao.text import normalize, search_key, search_key_of_normalized

from .choices import (
    CONSENT_VERSION,
    STATUS_NEEDS_REASON,
    TEAM_LEVEL_ORG_LEVELS,
    ConsentPurpose,
    CraftsmanStatus,
    MemberRole,
    TeamLevel,
)
from .codes import code_key
from .models import (
    TEXT_MAX,
    Consent,
    Craftsman,
    CraftsmanCode,
    Honour,
    ServiceItem,
    ServiceTeam,
    TeamMembership,
)

MODULE = "劳模工匠"
TEAM_MODULE = "服务队"
MANAGE_PERMISSION = "talents.manage_craftsman"

#: Fields of a profile that staff may set (``org``, ``status`` and ``user`` have own services).
CRAFTSMAN_FIELDS = (
    "name",
    "gender",
    "birth_year",
    "id_number",
    "mobile",
    "employer_name",
    "employer_uscc",
    "department",
    "position",
    "industries",
    "occupations",
    "skill_level",
    "skill_cert_no",
    "skill_cert_issuer",
    "skill_cert_date",
    "skill_post",
    "professional_title",
    "expertise_tags",
    "expertise",
    "bio",
    "service_modes",
    "regions_served",
    "cross_region_ok",
    "max_open_services",
    "max_new_per_month",
    "pause_until",
)
#: What a craftsman may change on their own profile (“我的档案”).
SELF_EDITABLE_FIELDS = (
    "mobile",
    "expertise_tags",
    "expertise",
    "bio",
    "service_modes",
    "regions_served",
    "cross_region_ok",
    "max_open_services",
    "max_new_per_month",
    "pause_until",
)
#: JSON list fields → (taxonomy scheme, ``CraftsmanCode`` scheme, label).
CODE_LIST_FIELDS: dict[str, tuple[str, str, str]] = {
    "industries": ("industry", "industry", "所属行业"),
    "occupations": ("occupation", "occupation", "职业（工种）"),
    "regions_served": ("region", "region", "服务地区"),
    "service_modes": ("service_mode", "mode", "接受的服务方式"),
    "expertise_tags": ("demand_category", "tag", "专长领域"),
}
MAX_CODES = 20
TEXT_LIMITS = {"expertise": ("技术专长", TEXT_MAX), "bio": ("个人简介", TEXT_MAX)}
SERVICE_ITEM_FIELDS = (
    "title",
    "description",
    "service_type",
    "industries",
    "duration",
    "modes",
    "is_active",
    "sort",
)
HONOUR_FIELDS = ("honour_type", "level", "year", "issuer", "certificate_no")
TEAM_FIELDS = ("name", "level", "industry_code", "description")


class DuplicateCraftsman(BusinessError):
    """A profile for the same person exists already; ``existing_pk`` names it."""

    def __init__(self, message: str, *, existing_pk: int, field: str | None = None) -> None:
        super().__init__(message, field=field, code="duplicate")
        self.existing_pk = existing_pk


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _check_fields(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _has_manage(actor: Any) -> bool:
    return bool(actor is not None and actor.has_perm(MANAGE_PERMISSION))


def clean_codes(field: str, values: Any) -> list[str]:
    """Validate a list of codes for ``field`` against the taxonomy (order kept, duplicates out)."""
    scheme, _, label = CODE_LIST_FIELDS.get(field, ("industry", "industry", field))
    return clean_code_list(scheme, label, field, values)


def clean_code_list(scheme: str, label: str, field: str, values: Any) -> list[str]:
    """A list of ``scheme`` codes: validated, order kept, duplicates out, at most ``MAX_CODES``;
    errors read ``{label}：…`` and name ``field``."""
    if values in (None, ""):
        return []
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise BusinessError(f"{label}：应为代码列表", field=field)
    if len(values) > MAX_CODES:
        raise BusinessError(f"{label}：最多可选 {MAX_CODES} 项", field=field)
    validator = TermCodeValidator(scheme)
    codes: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise BusinessError(f"{label}：代码应为非空文本", field=field)
        code = value.strip()
        if scheme == "demand_category":  # a code of the first list still reads (2022 classes)
            code = LEGACY_DEMAND_CATEGORIES.get(code, code)
        try:
            validator(code)
        except ValidationError as exc:
            raise BusinessError(f"{label}：{exc.messages[0]}", field=field) from exc
        if code not in codes:
            codes.append(code)
    return codes


def _clean_text(field: str, value: Any, label: str, limit: int) -> str:
    text = "" if value is None else str(value)
    if len(text) > limit:
        raise BusinessError(f"{label}：最多 {limit} 个字（当前 {len(text)} 个字）", field=field)
    return text


def _clean_identifier(field: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    validator: IdentifierValidator
    if field == "id_number":
        code = clean_id_number(str(value))
        validator = validate_id_number.with_label()
    elif field == "mobile":
        code = clean_mobile(str(value))
        validator = validate_mobile.with_label()
    else:
        code = clean_uscc(str(value))
        validator = validate_uscc.with_label()
    try:
        validator(code)
    except ValidationError as exc:
        raise BusinessError(exc.messages[0], field=field) from exc
    return code


def _apply(craftsman: Craftsman, data: dict[str, Any]) -> None:
    """Set ``data`` on ``craftsman`` with validation and the derived columns."""
    for field, value in data.items():
        if field in ("id_number", "mobile", "employer_uscc"):
            value = _clean_identifier(field, value)
        elif field in CODE_LIST_FIELDS:
            value = clean_codes(field, value)
        elif field in TEXT_LIMITS:
            label, limit = TEXT_LIMITS[field]
            value = _clean_text(field, value, label, limit)
        elif field in ("name", "employer_name", "department", "position"):
            value = normalize(value) if value is not None else ""
        setattr(craftsman, field, value)
    if not craftsman.name:
        raise BusinessError("姓名：不能为空", field="name")
    set_derived(craftsman)


def set_derived(craftsman: Craftsman, *, rank: Any = None, normalized: bool = False) -> None:
    """The derived columns of a profile (normalised name and texts, blind indexes, skill rank).

    Used by the services, the spreadsheet importer and the bulk demo generator alike; ``rank``
    may be a cached ``(scheme, code) → rank`` function for bulk use; ``normalized=True`` says the
    texts already went through ``normalize`` (the importer does that while checking the rows).
    """
    craftsman.name_normalized = (
        search_key_of_normalized(craftsman.name) if normalized else search_key(craftsman.name)
    )[:50]
    craftsman.id_number_index = blind_index(craftsman.id_number or "", purpose="id_number")
    craftsman.mobile_index = blind_index(craftsman.mobile or "", purpose="mobile")
    if normalized:
        craftsman.expertise_normalized = craftsman.expertise
        craftsman.bio_normalized = craftsman.bio
    else:
        craftsman.expertise_normalized = normalize(craftsman.expertise, keep_newlines=True)
        craftsman.bio_normalized = normalize(craftsman.bio, keep_newlines=True)
    craftsman.skill_rank = (
        (rank or _term_rank)("skill_level", craftsman.skill_level)
        if craftsman.skill_level
        else None
    )


def _term_rank(scheme: str, code: str) -> int | None:
    term = get_term(scheme, code)
    return term.rank if term is not None else None


def search_text_for(
    craftsman: Craftsman, item_titles: Iterable[str], *, normalized: bool = False
) -> str:
    """The normalised text searched by the list's keyword box (``normalized``: the parts went
    through ``normalize`` already, so case folding is all that is left to do)."""
    parts = [
        craftsman.name,
        craftsman.employer_name,
        craftsman.position,
        craftsman.expertise,
        craftsman.bio,
        *item_titles,
    ]
    text = " ".join(p for p in parts if p)
    if normalized:
        folded = " ".join(text.casefold().split())
        # Case folding can (rarely) produce text the normaliser would change again.
        return folded if folded.isascii() or folded == text.casefold() else search_key(text)
    return search_key(text)


def _search_text(craftsman: Craftsman) -> str:
    items = (
        ServiceItem.objects.filter(craftsman=craftsman, is_active=True).values_list(
            "title", flat=True
        )
        if craftsman.pk
        else []
    )
    return search_text_for(craftsman, items)


def code_keys(
    craftsman: Craftsman, service_types: Iterable[str], *, key_of: Any = None
) -> dict[tuple[str, str], str]:
    """``(scheme, code) → key`` of the index rows of a profile (its code lists and item types)."""
    key_of = key_of or code_key
    rows: dict[tuple[str, str], str] = {}
    for field, (scheme, code_scheme, _) in CODE_LIST_FIELDS.items():
        for code in getattr(craftsman, field) or []:
            key = key_of(scheme, code)
            if key is not None:
                rows[(code_scheme, code)] = key
    for code in service_types:
        rows[("service_type", code)] = code
    return rows


def code_rows(
    craftsman: Craftsman, service_types: Iterable[str], *, key_of: Any = None
) -> list[CraftsmanCode]:
    """The ``CraftsmanCode`` index rows of a profile (codes of its lists and item types)."""
    return [
        CraftsmanCode(craftsman=craftsman, scheme=scheme, code=code, key=key)
        for (scheme, code), key in code_keys(craftsman, service_types, key_of=key_of).items()
    ]


def _sync_derived(craftsman: Craftsman) -> None:
    """Rewrite the ``CraftsmanCode`` rows and the search text from the row's current values."""
    types = (
        ServiceItem.objects.filter(craftsman=craftsman, is_active=True)
        .values_list("service_type", flat=True)
        .distinct()
    )
    CraftsmanCode.objects.filter(craftsman=craftsman).delete()
    CraftsmanCode.objects.bulk_create(code_rows(craftsman, types))
    text = _search_text(craftsman)
    Craftsman.objects.filter(pk=craftsman.pk).update(search_text=text)
    craftsman.search_text = text


def find_duplicate(craftsman: Craftsman) -> tuple[Craftsman, str] | None:
    """An existing profile of the same person: same ID number, or same name + employer + mobile."""
    others = Craftsman.objects.exclude(pk=craftsman.pk) if craftsman.pk else Craftsman.objects
    if craftsman.id_number_index:
        same = others.filter(id_number_index=craftsman.id_number_index).first()
        if same is not None:
            return same, "id_number"
    if craftsman.mobile_index and craftsman.name_normalized:
        employer = search_key(craftsman.employer_name)
        for same in others.filter(
            name_normalized=craftsman.name_normalized, mobile_index=craftsman.mobile_index
        ):
            if (
                craftsman.employer_uscc
                and same.employer_uscc
                and craftsman.employer_uscc == same.employer_uscc
            ) or search_key(same.employer_name) == employer:
                return same, "mobile"
    return None


def _duplicate_keys(craftsman: Craftsman) -> tuple[str, str, str, str]:
    """What ``find_duplicate`` looks up by."""
    return (
        craftsman.id_number_index,
        craftsman.mobile_index,
        craftsman.name_normalized,
        search_key(craftsman.employer_name),
    )


def _refuse_duplicate(
    craftsman: Craftsman, actor: Any, *, before: tuple[str, str, str, str] | None = None
) -> None:
    """Refuse a second profile of the same person. ``before``: the keys the profile had (an
    edit that leaves them alone is not a new lookup for the rate limit)."""
    keys = _duplicate_keys(craftsman)
    if actor is not None and keys != before and (keys[0] or keys[1]):
        guard(actor)  # over the limit of matches with other units: no lookup at all
    found = find_duplicate(craftsman)
    if found is None:
        return
    existing, field = found
    reason = "身份证号" if field == "id_number" else "姓名、工作单位和手机号"
    if actor is not None and not in_scope(actor, Craftsman, existing.pk):
        refuse_foreign(
            actor,
            existing,
            field=field,
            label=reason,
            noun="人员",
            module=MODULE,
            what="登记或修改劳模工匠",
        )
    raise DuplicateCraftsman(
        f"已有{reason}相同的劳模工匠档案（编号 {existing.pk}），请打开已有档案，不要重复登记",
        existing_pk=existing.pk,
        field=field,
    )


def _check_org(org: Any) -> None:
    if org is None:
        raise BusinessError("所属组织：不能为空", field="org")
    if org.status != Status.ACTIVE:
        raise BusinessError("所属组织已停用，不能在其下登记", field="org")


# ------------------------------------------------------------------------------------------------
# Craftsmen
# ------------------------------------------------------------------------------------------------


@logs_foreign_matches
@transaction.atomic
def craftsman_create(
    *,
    actor: Any,
    org: Any,
    data: dict[str, Any],
    user: Any = None,
    consents: Iterable[str] = (),
) -> Craftsman:
    """Register a craftsman owned by ``org``; tick ``consents`` only when the person agreed."""
    _check_fields(data, CRAFTSMAN_FIELDS)
    _check_org(org)
    craftsman = Craftsman(org=org, user=user, created_by=actor, updated_by=actor)
    _apply(craftsman, data)
    _refuse_duplicate(craftsman, actor)
    craftsman.full_clean()
    craftsman.save()
    _sync_derived(craftsman)
    if actor is not None:
        assert_visible(Craftsman, actor, craftsman.pk, "add")
    for purpose in consents:
        consent_grant(actor=actor, craftsman=craftsman, purpose=purpose)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记劳模工匠“{craftsman.name}”",
        target=craftsman,
    )
    return craftsman


def _locked(craftsman: Craftsman, actor: Any, version: int | None) -> Craftsman:
    assert_visible(Craftsman, actor, craftsman.pk, "change")
    claim_version(craftsman, version)
    return Craftsman.objects.select_for_update().get(pk=craftsman.pk)


@logs_foreign_matches
@transaction.atomic
def craftsman_update(
    *,
    actor: Any,
    craftsman: Craftsman,
    data: dict[str, Any],
    version: int | None = None,
    org: Any = None,
) -> Craftsman:
    """Change a profile. ``version`` is what the editor read; a stale one is refused."""
    _check_fields(data, CRAFTSMAN_FIELDS)
    craftsman = _locked(craftsman, actor, version)
    before = _duplicate_keys(craftsman)
    if org is not None and org.pk != craftsman.org_id:
        _check_org(org)
        craftsman.org = org
    _apply(craftsman, data)
    _refuse_duplicate(craftsman, actor, before=before)
    craftsman.updated_by = actor
    craftsman.full_clean()
    craftsman.save()
    _sync_derived(craftsman)
    assert_visible(Craftsman, actor, craftsman.pk, "change")
    return craftsman


@logs_foreign_matches
@transaction.atomic
def craftsman_update_own(
    *,
    actor: Any,
    data: dict[str, Any],
    version: int | None = None,
    consents: Iterable[str] | None = None,
) -> Craftsman:
    """A craftsman edits their own profile (contact, expertise, modes, regions, capacity) and,
    with ``consents``, sets which separate consents are in force — all in one transaction."""
    _check_fields(data, SELF_EDITABLE_FIELDS)
    craftsman = craftsman_own(user=actor)
    if craftsman is None:
        raise BusinessError("您的账号未关联劳模工匠档案")
    craftsman = craftsman_update(actor=actor, craftsman=craftsman, data=data, version=version)
    if consents is not None:
        consents_set(actor=actor, craftsman=craftsman, purposes=consents)
    return craftsman


def craftsman_own(*, user: Any) -> Craftsman | None:
    """The profile linked to ``user``, if the user may see it."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Craftsman.objects.visible_to(user, "view").filter(user=user).first()


@transaction.atomic
def craftsman_set_status(
    *,
    actor: Any,
    craftsman: Craftsman,
    status: str,
    reason: str = "",
    pause_until: dt.date | None = None,
) -> Craftsman:
    """Change the pool status (在库/暂停/不活跃/移出); anything but 在库 needs a reason."""
    if not _has_manage(actor):
        raise BusinessError("您没有变更劳模工匠状态的权限", field="status")
    if status not in CraftsmanStatus.values:
        raise BusinessError("状态：不是有效的选项", field="status")
    reason = normalize(reason or "")
    if len(reason) > 200:
        raise BusinessError("状态说明：最多 200 个字", field="status_reason")
    if status in STATUS_NEEDS_REASON and not reason:
        raise BusinessError("状态说明：暂停、不活跃或移出时必须填写原因", field="status_reason")
    assert_visible(Craftsman, actor, craftsman.pk, "change")
    craftsman = Craftsman.objects.select_for_update().get(pk=craftsman.pk)
    old = craftsman.get_status_display()
    craftsman.status = status
    craftsman.status_reason = reason
    if status == CraftsmanStatus.PAUSED:
        try:
            validate_date_rule(pause_until, "future", label="暂停服务至")
        except ValidationError as exc:
            raise BusinessError(exc.messages[0], field="pause_until") from exc
        craftsman.pause_until = pause_until
    elif status == CraftsmanStatus.ACTIVE:
        craftsman.pause_until = None
    craftsman.version += 1
    craftsman.updated_by = actor
    craftsman.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"劳模工匠“{craftsman.name}”状态：{old} → {craftsman.get_status_display()}",
        target=craftsman,
        params={"status": status, "reason": reason},
    )
    return craftsman


@transaction.atomic
def craftsman_link_user(*, actor: Any, craftsman: Craftsman, user: Any) -> Craftsman:
    """Link (or with ``user=None`` unlink) the craftsman's own login account."""
    assert_visible(Craftsman, actor, craftsman.pk, "change")
    if user is not None:
        other = Craftsman.objects.filter(user=user).exclude(pk=craftsman.pk).first()
        if other is not None:
            raise BusinessError("该账号已关联其他劳模工匠档案", field="user")
    craftsman = Craftsman.objects.select_for_update().get(pk=craftsman.pk)
    craftsman.user = user
    craftsman.updated_by = actor
    craftsman.save()
    return craftsman


#: Name a profile takes when it is erased (personal information deleted, PIPL art. 47).
ERASED_NAME = "已删除的劳模工匠"


@transaction.atomic
def craftsman_erase(*, actor: Any, craftsman: Craftsman, reason: str) -> Craftsman:
    """Delete a craftsman's personal information (PIPL art. 47) and keep what law and the
    statistics need, de-identified.

    Cleared: name (→ “已删除的劳模工匠”), ID number, mobile, birth year, employer, department,
    position, certificate number and issuer, expertise, bio, service items; the login account is
    unlinked and every consent in force withdrawn. Kept: the row itself (so service records and
    the KPI figures that count it stay consistent), its unit, industries, occupations, skill level
    and honour types — none of which names the person on its own. The audit logs keep their rows
    until their retention ends (网络安全法 art. 21, at least 180 days). Needs
    ``talents.manage_craftsman``; status becomes 已移出 with ``reason``."""
    if not _has_manage(actor):
        raise BusinessError("您没有删除劳模工匠个人信息的权限", field="status")
    reason = normalize(reason or "")
    if not reason:
        raise BusinessError("【删除原因】不能为空", field="reason")
    assert_visible(Craftsman, actor, craftsman.pk, "change")
    return _erase(actor, craftsman, reason)


def _erase(actor: Any, craftsman: Craftsman, reason: str) -> Craftsman:
    craftsman = Craftsman.objects.select_for_update().get(pk=craftsman.pk)
    for purpose in sorted(active_consents(craftsman)):
        consent_withdraw(actor=actor, craftsman=craftsman, purpose=purpose, reason=reason)
    craftsman.refresh_from_db()
    old_name = craftsman.name
    ServiceItem.objects.filter(craftsman=craftsman).delete()
    for field in (
        "id_number",
        "mobile",
        "employer_name",
        "employer_uscc",
        "department",
        "position",
        "skill_cert_no",
        "skill_cert_issuer",
        "expertise",
        "bio",
    ):
        setattr(craftsman, field, "")
    craftsman.name = ERASED_NAME
    craftsman.birth_year = None
    craftsman.skill_cert_date = None
    craftsman.user = None
    craftsman.status = CraftsmanStatus.REMOVED
    craftsman.status_reason = f"已删除个人信息：{reason}"[:200]
    craftsman.regions_served = []
    craftsman.expertise_tags = []
    set_derived(craftsman)
    craftsman.version += 1
    craftsman.updated_by = actor
    craftsman.save()
    _sync_derived(craftsman)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.DELETE,
        action=f"删除劳模工匠“{old_name}”的个人信息（保留去标识化的统计数据）",
        target=craftsman,
        params={"reason": reason},
    )
    return craftsman


#: Years a profile stays after it was 移出 (removed) before its personal information is erased.
REMOVED_KEEP_DAYS = 3 * 365


def purge_removed(cutoff: dt.datetime, *, dry_run: bool, batch: int) -> int:
    """Retention: erase the personal information of craftsmen 已移出 since before ``cutoff``
    (idempotent: an erased profile no longer matches)."""
    ids = list(
        Craftsman.objects.filter(status=CraftsmanStatus.REMOVED, updated_at__lt=cutoff)
        .exclude(name=ERASED_NAME)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if dry_run:
        return len(ids)
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            for craftsman in Craftsman.objects.filter(pk__in=ids[start : start + batch]):
                _erase(None, craftsman, "已移出满三年，按留存期限删除个人信息")
    return len(ids)


def craftsman_reveal(*, actor: Any, craftsman: Craftsman, purpose: str) -> dict[str, str]:
    """Plaintext ID number and mobile for a permitted viewer who states a purpose (logged with
    it); masked otherwise."""
    assert_visible(Craftsman, actor, craftsman.pk, "view")
    return reveal(
        actor=actor,
        obj=craftsman,
        fields={"id_number": craftsman.id_number, "mobile": craftsman.mobile},
        purpose=purpose,
    )


# ------------------------------------------------------------------------------------------------
# Honours, service items, consents
# ------------------------------------------------------------------------------------------------


def _check_child_access(actor: Any, craftsman: Craftsman) -> None:
    assert_visible(Craftsman, actor, craftsman.pk, "change")


def _refresh(craftsman: Craftsman, actor: Any) -> None:
    _sync_derived(craftsman)
    Craftsman.objects.filter(pk=craftsman.pk).update(updated_by=actor, updated_at=timezone.now())


def _apply_honour(honour: Honour, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field in ("issuer", "certificate_no"):
            value = normalize(value) if value is not None else ""
        setattr(honour, field, value)
    term = get_term("honour", honour.honour_type or "")
    if term is not None and honour.level:
        levels = (term.extra or {}).get("levels") or []
        if levels and honour.level not in levels:
            allowed = "、".join(term_label("honour_level", lv, lv) for lv in levels)
            raise BusinessError(f"荣誉级别：“{term.name}”只能是{allowed}", field="level")


@transaction.atomic
def honour_add(
    *, actor: Any, craftsman: Craftsman, data: dict[str, Any], verified: bool = False
) -> Honour:
    """Add an honour; only ``talents.manage_craftsman`` may mark it verified."""
    _check_fields(data, HONOUR_FIELDS)
    _check_child_access(actor, craftsman)
    honour = Honour(craftsman=craftsman, created_by=actor, updated_by=actor)
    _apply_honour(honour, data)
    if verified:
        _verify(honour, actor)
    honour.full_clean()
    honour.save()
    _refresh(craftsman, actor)
    return honour


def _verify(honour: Honour, actor: Any) -> None:
    if not _has_manage(actor):
        raise BusinessError("您没有核验荣誉的权限", field="verified")
    honour.verified = True
    honour.verified_by = actor
    honour.verified_at = timezone.now()


@transaction.atomic
def honour_update(
    *, actor: Any, honour: Honour, data: dict[str, Any], verified: bool | None = None
) -> Honour:
    """Change an honour. Changing what was verified without the right resets the verification."""
    _check_fields(data, HONOUR_FIELDS)
    _check_child_access(actor, honour.craftsman)
    honour = Honour.objects.select_for_update().get(pk=honour.pk)
    _apply_honour(honour, data)
    if verified is True and not honour.verified:
        _verify(honour, actor)
    elif honour.verified and (verified is False or not _has_manage(actor)):
        # Un-verifying needs the right too; an edit by someone without it resets the check.
        if verified is False and not _has_manage(actor):
            raise BusinessError("您没有核验荣誉的权限", field="verified")
        honour.verified = False
        honour.verified_by = None
        honour.verified_at = None
    honour.updated_by = actor
    honour.full_clean()
    honour.save()
    _refresh(honour.craftsman, actor)
    return honour


@transaction.atomic
def honour_delete(*, actor: Any, honour: Honour) -> None:
    _check_child_access(actor, honour.craftsman)
    if honour.verified and not _has_manage(actor):
        raise BusinessError("已核验的荣誉只能由工会工作人员删除")
    craftsman = honour.craftsman
    honour.delete()
    _refresh(craftsman, actor)


def _apply_item(item: ServiceItem, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "industries":
            value = clean_code_list("industry", "适用行业", "industries", value)
        elif field == "modes":
            value = clean_code_list("service_mode", "服务方式", "modes", value)
        elif field == "description":
            value = _clean_text(field, value, "项目说明", TEXT_MAX)
        elif field in ("title", "duration"):
            value = normalize(value) if value is not None else ""
        setattr(item, field, value)
    if not item.title:
        raise BusinessError("项目名称：不能为空", field="title")
    item.description_normalized = normalize(item.description, keep_newlines=True)


@transaction.atomic
def service_item_add(*, actor: Any, craftsman: Craftsman, data: dict[str, Any]) -> ServiceItem:
    """Add an entry to the craftsman's 技术服务项目清单."""
    _check_fields(data, SERVICE_ITEM_FIELDS)
    _check_child_access(actor, craftsman)
    item = ServiceItem(craftsman=craftsman, created_by=actor, updated_by=actor)
    _apply_item(item, data)
    item.full_clean()
    item.save()
    _refresh(craftsman, actor)
    return item


@transaction.atomic
def service_item_update(*, actor: Any, item: ServiceItem, data: dict[str, Any]) -> ServiceItem:
    _check_fields(data, SERVICE_ITEM_FIELDS)
    _check_child_access(actor, item.craftsman)
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    _apply_item(item, data)
    item.updated_by = actor
    item.full_clean()
    item.save()
    _refresh(item.craftsman, actor)
    return item


@transaction.atomic
def service_item_delete(*, actor: Any, item: ServiceItem) -> None:
    _check_child_access(actor, item.craftsman)
    craftsman = item.craftsman
    item.delete()
    _refresh(craftsman, actor)


@transaction.atomic
def consent_grant(*, actor: Any, craftsman: Craftsman, purpose: str) -> Consent:
    """Record an explicit consent for ``purpose`` (idempotent while one is in force)."""
    if purpose not in ConsentPurpose.values:
        raise BusinessError("授权用途：不是有效的选项", field="purpose")
    _check_child_access(actor, craftsman)
    current = Consent.objects.filter(
        craftsman=craftsman, purpose=purpose, withdrawn_at__isnull=True
    ).first()
    if current is not None:
        return current
    consent = Consent(
        craftsman=craftsman,
        purpose=purpose,
        version=CONSENT_VERSION,
        granted_at=timezone.now(),
        created_by=actor,
        updated_by=actor,
    )
    consent.full_clean()
    consent.save()
    _touch(craftsman, actor)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.GRANT,
        action=f"“{craftsman.name}”同意：{consent.get_purpose_display()}（{CONSENT_VERSION}）",
        target=craftsman,
        params={"purpose": purpose, "version": CONSENT_VERSION},
    )
    return consent


#: Longest reason for a withdrawal recorded by staff.
WITHDRAW_REASON_MAX = 200


def _is_self(actor: Any, craftsman: Craftsman) -> bool:
    return actor is not None and craftsman.user_id is not None and actor.pk == craftsman.user_id


def _touch(craftsman: Craftsman, actor: Any) -> None:
    """Move ``updated_at`` so every matching index re-reads the craftsman on its next sync."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    Craftsman.objects.filter(pk=craftsman.pk).update(updated_by=user, updated_at=now)
    craftsman.updated_at = now  # the caller's copy stays equal to the row
    craftsman.updated_by = user


@transaction.atomic
def consent_withdraw(
    *, actor: Any, craftsman: Craftsman, purpose: str, reason: str = ""
) -> Consent:
    """Withdraw the consent in force for ``purpose``; the row stays as history.

    It takes effect at once: matching and casework read consents when they act (``talents.
    selectors``), and ``consent_withdrawn`` is sent inside this transaction so the owners of what
    depended on it (casework's open invitations, matching's open proposals) end them with their
    own services. Staff recording it on the craftsman's behalf must give a reason (audited)."""
    if purpose not in ConsentPurpose.values:
        raise BusinessError("【授权用途】不是有效的选项", field="purpose")
    own = _is_self(actor, craftsman)
    if own:
        assert_visible(Craftsman, actor, craftsman.pk, "view")
    elif actor is not None:  # ``None``: the retention job, acting for the platform
        _check_child_access(actor, craftsman)
    reason = normalize(reason or "")
    if not own and actor is not None and not reason:
        raise BusinessError(
            "【撤回原因】代劳模工匠撤回同意时必须填写原因（如：本人书面申请）", field="reason"
        )
    if len(reason) > WITHDRAW_REASON_MAX:
        raise BusinessError(f"【撤回原因】最多 {WITHDRAW_REASON_MAX} 个字", field="reason")
    consent = (
        Consent.objects.select_for_update()
        .filter(craftsman=craftsman, purpose=purpose, withdrawn_at__isnull=True)
        .first()
    )
    if consent is None:
        raise BusinessError("该用途没有有效的授权，无需撤回", field="purpose")
    consent.withdrawn_at = timezone.now()
    consent.updated_by = actor
    consent.save()
    _touch(craftsman, actor)
    who = "本人" if own else "工作人员代为"
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.GRANT,
        action=f"“{craftsman.name}”撤回同意：{consent.get_purpose_display()}（{who}撤回）",
        target=craftsman,
        params={"purpose": purpose, "reason": reason} if reason else {"purpose": purpose},
        extra={"by_self": own},
    )
    _announce_withdrawal(
        consent, actor, reason or f"劳模工匠{who}撤回同意：{consent.get_purpose_display()}"
    )
    return consent


def _announce_withdrawal(consent: Consent, actor: Any, reason: str) -> None:
    """Tell the owners of what depended on the consent (casework's open invitations, matching's
    open proposals), inside the withdrawing transaction, so they end them with their services."""
    from .signals import consent_withdrawn

    consent_withdrawn.send(
        sender=Consent,
        craftsman=consent.craftsman,
        purpose=consent.purpose,
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def consents_import(
    *, actor: Any, craftsman: Craftsman, consents: Iterable[dict[str, Any]], note: str = ""
) -> None:
    """Make the craftsman's consents those of the instance he was registered on (the exchange).

    Each consent keeps its source's purpose, notice version, grant and withdrawal times: one not
    held here is added, a withdrawal is copied; a consent in force here that the source does not
    list is withdrawn (nothing is used without a consent the source knows of). History stays."""
    _check_child_access(actor, craftsman)
    wanted: dict[tuple[str, dt.datetime], dict[str, Any]] = {}
    for n, item in enumerate(consents):
        purpose, granted = item.get("purpose"), item.get("granted_at")
        if purpose not in ConsentPurpose.values:
            raise BusinessError(f"个人信息授权第{n + 1}项：用途不是有效的选项", field="consents")
        if not isinstance(granted, dt.datetime):
            raise BusinessError(f"个人信息授权第{n + 1}项：缺少同意时间", field="consents")
        withdrawn = item.get("withdrawn_at")
        if withdrawn is not None and (
            not isinstance(withdrawn, dt.datetime) or withdrawn < granted
        ):
            raise BusinessError(
                f"个人信息授权第{n + 1}项：撤回时间不能早于同意时间", field="consents"
            )
        wanted[(str(purpose), granted)] = item
    active = [k for k, v in wanted.items() if v.get("withdrawn_at") is None]
    if len({purpose for purpose, _ in active}) != len(active):
        raise BusinessError("个人信息授权：同一用途只能有一项有效授权", field="consents")
    local = {
        (c.purpose, c.granted_at): c
        for c in Consent.objects.select_for_update().filter(craftsman=craftsman)
    }
    now = timezone.now()
    changed = []
    withdrawn_here: list[Consent] = []
    # Withdrawals first: a new grant of a purpose may replace the one in force.
    for key, consent in local.items():
        source = wanted.get(key)
        withdrawn = source.get("withdrawn_at") if source is not None else now
        if consent.withdrawn_at is None and withdrawn is not None:
            consent.withdrawn_at = withdrawn
            consent.updated_by = actor
            consent.save()
            changed.append(f"撤回{consent.get_purpose_display()}")
            withdrawn_here.append(consent)
    for key, item in wanted.items():
        if key in local:
            continue
        consent = Consent(
            craftsman=craftsman,
            purpose=key[0],
            version=str(item.get("version") or "")[:20] or CONSENT_VERSION,
            granted_at=key[1],
            withdrawn_at=item.get("withdrawn_at"),
            created_by=actor,
            updated_by=actor,
        )
        consent.full_clean()
        consent.save()
        changed.append(
            f"{'记录' if consent.withdrawn_at else '同意'}{consent.get_purpose_display()}"
        )
    if changed:
        record_operation(
            actor=actor,
            module=MODULE,
            business_type=BusinessType.GRANT,
            action=f"“{craftsman.name}”的个人信息授权按来源实例同步：{'、'.join(changed)}"[:200],
            target=craftsman,
            params={"note": note} if note else None,
        )
    for consent in withdrawn_here:  # a withdrawal at the source ends invitations here too
        consent.craftsman = craftsman
        _announce_withdrawal(
            consent, actor, f"来源实例同步：劳模工匠撤回同意：{consent.get_purpose_display()}"
        )


def active_consents(craftsman: Craftsman) -> set[str]:
    return set(
        Consent.objects.filter(craftsman=craftsman, withdrawn_at__isnull=True).values_list(
            "purpose", flat=True
        )
    )


@transaction.atomic
def consents_set(*, actor: Any, craftsman: Craftsman, purposes: Iterable[str]) -> None:
    """Grant the ticked purposes and withdraw the unticked ones (forms with checkboxes)."""
    wanted = set(purposes)
    current = active_consents(craftsman)
    for purpose in ConsentPurpose.values:
        if purpose in wanted and purpose not in current:
            consent_grant(actor=actor, craftsman=craftsman, purpose=purpose)
        elif purpose not in wanted and purpose in current:
            consent_withdraw(actor=actor, craftsman=craftsman, purpose=purpose)


# ------------------------------------------------------------------------------------------------
# Service teams
# ------------------------------------------------------------------------------------------------


def _check_team_level(level: str, org: Any) -> None:
    if level not in TeamLevel.values:
        raise BusinessError("层级：不是有效的选项", field="level")
    if org.level not in TEAM_LEVEL_ORG_LEVELS[level]:
        raise BusinessError(
            f"“{TeamLevel(level).label}”应由相应层级的工会组建，"
            f"“{org.name}”是{org.get_level_display()}",
            field="level",
        )


def _apply_team(team: ServiceTeam, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "name":
            value = normalize(value) if value is not None else ""
        elif field == "description":
            value = _clean_text(field, value, "简介", TEXT_MAX)
        elif field == "industry_code":
            value = value or ""
        setattr(team, field, value)
    if not team.name:
        raise BusinessError("名称：不能为空", field="name")
    team.industry_key = (
        (code_key("industry", team.industry_code) or "") if team.industry_code else ""
    )


@transaction.atomic
def team_create(*, actor: Any, org: Any, data: dict[str, Any]) -> ServiceTeam:
    """Create a team run by ``org``; its level must match the unit's level."""
    _check_fields(data, TEAM_FIELDS)
    _check_org(org)
    team = ServiceTeam(org=org, created_by=actor, updated_by=actor)
    _apply_team(team, data)
    _check_team_level(team.level, org)
    team.full_clean()
    team.save()
    if actor is not None:
        assert_visible(ServiceTeam, actor, team.pk, "add")
    record_operation(
        actor=actor,
        module=TEAM_MODULE,
        business_type=BusinessType.INSERT,
        action=f"组建服务队“{team.name}”",
        target=team,
    )
    return team


@transaction.atomic
def team_update(
    *, actor: Any, team: ServiceTeam, data: dict[str, Any], version: int | None = None
) -> ServiceTeam:
    _check_fields(data, TEAM_FIELDS)
    assert_visible(ServiceTeam, actor, team.pk, "change")
    claim_version(team, version)
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    _apply_team(team, data)
    _check_team_level(team.level, team.org)
    team.updated_by = actor
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def team_set_status(*, actor: Any, team: ServiceTeam, status: str) -> ServiceTeam:
    assert_visible(ServiceTeam, actor, team.pk, "change")
    if status not in Status.values:
        raise BusinessError("状态：不是有效的选项", field="status")
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    if team.status == status:
        return team
    team.status = status
    team.updated_by = actor
    team.version += 1
    team.save()
    record_operation(
        actor=actor,
        module=TEAM_MODULE,
        business_type=BusinessType.UPDATE,
        action=f"{'启用' if status == Status.ACTIVE else '停用'}服务队“{team.name}”",
        target=team,
    )
    return team


def _check_member_visible(actor: Any, craftsman: Craftsman) -> None:
    try:
        assert_visible(Craftsman, actor, craftsman.pk, "view")
    except ScopeViolation as exc:
        raise BusinessError("劳模工匠：不在您的数据范围内", field="craftsman") from exc


@transaction.atomic
def team_add_member(
    *,
    actor: Any,
    team: ServiceTeam,
    craftsman: Craftsman,
    role: str = MemberRole.MEMBER,
    joined_on: dt.date | None = None,
) -> TeamMembership:
    """Add a craftsman to the team (as 领衔人 when ``role`` is ``lead``)."""
    assert_visible(ServiceTeam, actor, team.pk, "change")
    _check_member_visible(actor, craftsman)
    if role not in MemberRole.values:
        raise BusinessError("角色：不是有效的选项", field="role")
    if craftsman.status == CraftsmanStatus.REMOVED:
        raise BusinessError("该劳模工匠已移出人才库，不能加入服务队", field="craftsman")
    if TeamMembership.objects.filter(team=team, craftsman=craftsman).exists():
        raise BusinessError("该劳模工匠已是本服务队成员", field="craftsman")
    membership = TeamMembership(
        team=team,
        craftsman=craftsman,
        role=MemberRole.MEMBER,
        joined_on=joined_on or timezone.localdate(),
        created_by=actor,
        updated_by=actor,
    )
    membership.full_clean()
    membership.save()
    record_operation(
        actor=actor,
        module=TEAM_MODULE,
        business_type=BusinessType.UPDATE,
        action=f"“{craftsman.name}”加入服务队“{team.name}”",
        target=team,
    )
    if role == MemberRole.LEAD:
        team_set_lead(actor=actor, team=team, craftsman=craftsman)
        membership.refresh_from_db()
    return membership


@transaction.atomic
def team_remove_member(*, actor: Any, team: ServiceTeam, craftsman: Craftsman) -> None:
    assert_visible(ServiceTeam, actor, team.pk, "change")
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    membership = TeamMembership.objects.filter(team=team, craftsman=craftsman).first()
    if membership is None:
        raise BusinessError("该劳模工匠不是本服务队成员", field="craftsman")
    if team.lead_id == craftsman.pk:
        raise BusinessError("不能移除领衔人，请先指定新的领衔人", field="craftsman")
    membership.delete()
    record_operation(
        actor=actor,
        module=TEAM_MODULE,
        business_type=BusinessType.UPDATE,
        action=f"“{craftsman.name}”退出服务队“{team.name}”",
        target=team,
    )


@transaction.atomic
def team_set_lead(*, actor: Any, team: ServiceTeam, craftsman: Craftsman) -> ServiceTeam:
    """Make a member the team's 领衔人 (the previous lead stays as a member)."""
    assert_visible(ServiceTeam, actor, team.pk, "change")
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    membership = TeamMembership.objects.filter(team=team, craftsman=craftsman).first()
    if membership is None:
        raise BusinessError("领衔人必须是本服务队的成员，请先将其加入服务队", field="lead")
    for other in TeamMembership.objects.filter(team=team, role=MemberRole.LEAD).exclude(
        pk=membership.pk
    ):
        other.role = MemberRole.MEMBER
        other.updated_by = actor
        other.save()
    if membership.role != MemberRole.LEAD:
        membership.role = MemberRole.LEAD
        membership.updated_by = actor
        membership.save()
    team.lead = craftsman
    team.updated_by = actor
    team.save()
    record_operation(
        actor=actor,
        module=TEAM_MODULE,
        business_type=BusinessType.UPDATE,
        action=f"指定“{craftsman.name}”为服务队“{team.name}”领衔人",
        target=team,
    )
    return team
