"""Writes to the enterprise and demand pool. Every function is atomic, scope-checked and audited.

Status changes of a demand are conditional UPDATEs (``... WHERE status IN (<allowed>)``, the
healthchecks pattern): of two concurrent actions on the same demand exactly one wins, the other
gets a business error and writes nothing. Each change writes a ``DemandEvent`` (status history),
a change-log row and an operation-log row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiangqiao.core import rollups
from jiangqiao.core.choices import BusinessType, Status
from jiangqiao.core.concurrency import claim_version
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import IdentifierError, clean_uscc, normalize_mobile
from jiangqiao.core.operations import record_operation
from jiangqiao.core.probes import guard, in_scope, logs_foreign_matches, refuse_foreign
from jiangqiao.core.scope import assert_visible
from jiangqiao.core.sensitive import can_view_sensitive, clean_purpose, mask, reveal
from jiangqiao.text import normalize, search_key

from . import sizing
from .choices import (
    EDITABLE_STATUSES,
    Channel,
    DemandStatus,
)
from .models import (
    Demand,
    DemandCode,
    DemandEvent,
    Enterprise,
    EnterpriseContact,
    SubmissionKey,
)

MODULE_ENTERPRISE = "企业"
MODULE_DEMAND = "需求"
ENTERPRISE_CONTACT_ROLE = "enterprise_contact"
MAX_TAGS = 10
MAX_TAG_LENGTH = 20
MAX_INDUSTRIES = 5

ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "former_names",
    "address",
    "region_code",
    "industry_code",
    "main_products",
    "staff_count",
    "revenue",
    "total_assets",
    "basis_year",
    "quality_tier",
    "tier_cert_no",
    "tier_issued_on",
    "tier_valid_until",
    "tier_rule_version",
    "has_union",
    "union_uscc",
    "remark",
)
DEMAND_FIELDS = (
    "kind",
    "category",
    "subcategory",
    "title",
    "description",
    "current_state",
    "desired_outcome",
    "industry_codes",
    "tags",
    "min_skill_level",
    "region_code",
    "delivery_mode",
    "visibility",
    "matching_suggestion",
    "preferred_craftsmen",
    "trainee_count",
    "deadline",
)
TRIAGE_FIELDS = ("category", "subcategory", "grade", "owner_level", "visibility")
#: Fields the union fills in (at triage); an enterprise contact neither sees nor changes them.
UNION_FIELDS = ("category", "subcategory", "visibility")
#: Fields of a demand its enterprise fills in and may change (the edit form without the union's).
ENTERPRISE_DEMAND_FIELDS = tuple(name for name in DEMAND_FIELDS if name not in UNION_FIELDS)
#: States in which the enterprise itself may still change its demand (before the union triages,
#: or when the union sent it back for completion).
ENTERPRISE_EDITABLE = (DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.RETURNED)


def _check_fields(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _check_org(actor: Any, org: Any) -> None:
    from jiangqiao.orgs.models import Organization

    if org is None:
        raise BusinessError("请选择所属组织", field="org")
    if not Organization.objects.visible_to(actor, "view").filter(pk=org.pk).exists():
        raise BusinessError("所选组织不在您的数据范围内", field="org")
    if org.status != Status.ACTIVE:
        raise BusinessError("所选组织已停用", field="org")


def _save_unique(instance: Any) -> None:
    """Save; a uniqueness race that slipped past ``full_clean`` becomes a business error."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise BusinessError("数据与已有记录冲突（如统一社会信用代码重复），未保存") from exc


# ----------------------------------------------------------------------------------------------
# Enterprises
# ----------------------------------------------------------------------------------------------


def _derive_enterprise(ent: Enterprise) -> None:
    """Normalise the USCCs, compute the size class and the search text."""
    ent.uscc = clean_uscc(ent.uscc or "")
    ent.union_uscc = clean_uscc(ent.union_uscc or "")
    result = sizing.classify(
        ent.industry_code,
        staff=ent.staff_count,
        revenue=ent.revenue,
        assets=ent.total_assets,
    )
    ent.size_class = result.size
    ent.size_industry = result.group
    ent.size_basis = result.basis[:300]
    ent.size_rule_version = result.rule_version
    ent.search_text = search_key(
        " ".join([ent.name or "", ent.former_names or "", ent.uscc, ent.main_products or ""])
    )


def _refuse_foreign_uscc(actor: Any, ent: Enterprise, before: str | None = None) -> None:
    """Another unit's enterprise with the same USCC: say only that it is registered elsewhere
    (counted, rate-limited and logged, ``core.probes``). One of the actor's own keeps the model's
    uniqueness message (``full_clean``)."""
    if actor is None or not ent.uscc or ent.uscc == before:
        return
    guard(actor)
    same = Enterprise.objects.filter(uscc=ent.uscc).exclude(pk=ent.pk).first()
    if same is not None and not in_scope(actor, Enterprise, same.pk):
        refuse_foreign(
            actor,
            same,
            field="uscc",
            label="统一社会信用代码",
            noun="企业",
            module=MODULE_ENTERPRISE,
            what="登记或修改企业",
        )


@logs_foreign_matches
@transaction.atomic
def enterprise_create(*, actor: Any, org: Any, data: dict[str, Any]) -> Enterprise:
    """Register an enterprise owned by ``org`` (a unit within the actor's scope)."""
    _check_fields(data, ENTERPRISE_FIELDS)
    _check_org(actor, org)
    # Registered by union staff: verified by them (a self-registration waits, ``registration``).
    ent = Enterprise(
        org=org, created_by=actor, updated_by=actor, verified_at=timezone.now(), **data
    )
    _derive_enterprise(ent)
    _refuse_foreign_uscc(actor, ent)
    ent.full_clean()
    _save_unique(ent)
    assert_visible(Enterprise, actor, ent.pk, "add")
    record_operation(
        actor=actor,
        module=MODULE_ENTERPRISE,
        business_type=BusinessType.INSERT,
        action=f"登记企业“{ent.name}”",
        target=ent,
    )
    return ent


#: The enterprise's attributes the campaign's figures are broken down by (docs/kpi.md §6).
FIGURE_BREAKDOWN_FIELDS = ("industry_code", "region_code", "size_class", "quality_tier")


@logs_foreign_matches
@transaction.atomic
def enterprise_update(
    *,
    actor: Any,
    enterprise: Enterprise,
    data: dict[str, Any],
    version: int | None = None,
    org: Any = None,
) -> Enterprise:
    """Change an enterprise. ``version`` is the one the editor read (optimistic locking)."""
    _check_fields(data, ENTERPRISE_FIELDS)
    ent = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    assert_visible(Enterprise, actor, ent.pk, "change")
    claim_version(ent, version)
    if org is not None and org.pk != ent.org_id:
        _check_org(actor, org)
        ent.org = org
    before = ent.uscc
    grouped_by = [getattr(ent, f) for f in FIGURE_BREAKDOWN_FIELDS]
    for key, value in data.items():
        setattr(ent, key, value)
    _derive_enterprise(ent)
    _refuse_foreign_uscc(actor, ent, before)
    ent.updated_by = actor
    ent.full_clean()
    _save_unique(ent)
    assert_visible(Enterprise, actor, ent.pk, "change")
    if grouped_by != [getattr(ent, f) for f in FIGURE_BREAKDOWN_FIELDS]:
        rollups.changed(enterprises=[ent.pk])  # the figures broken down by these follow
    return ent


@transaction.atomic
def enterprise_set_status(*, actor: Any, enterprise: Enterprise, status: str) -> Enterprise:
    """Enable or disable an enterprise (master data is never deleted)."""
    if status not in Status.values:
        raise BusinessError("状态参数不正确", field="status")
    ent = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    assert_visible(Enterprise, actor, ent.pk, "change")
    if ent.status == status:
        return ent
    ent.status = status
    ent.updated_by = actor
    ent.version += 1
    ent.save(update_fields=["status", "updated_by", "updated_at", "version"])
    record_operation(
        actor=actor,
        module=MODULE_ENTERPRISE,
        business_type=BusinessType.UPDATE,
        action=f"{'启用' if status == Status.ACTIVE else '停用'}企业“{ent.name}”",
        target=ent,
    )
    return ent


def _check_contact_user(user: Any) -> None:
    if user is None:
        return
    if not user.is_active:
        raise BusinessError("该账号已停用，不能关联为企业联系人", field="user")
    if ENTERPRISE_CONTACT_ROLE not in user.role_codes():
        raise BusinessError("该账号没有“企业联络人”角色，不能关联为企业联系人", field="user")


@transaction.atomic
def contact_add(
    *,
    actor: Any,
    enterprise: Enterprise,
    name: str,
    mobile: str = "",
    title: str = "",
    user: Any = None,
    is_primary: bool = False,
) -> EnterpriseContact:
    """Add a contact; the mobile number is stored encrypted with a blind index."""
    ent = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    assert_visible(Enterprise, actor, ent.pk, "change")
    return contact_create(
        actor=actor,
        enterprise=ent,
        name=name,
        mobile=mobile,
        title=title,
        user=user,
        is_primary=is_primary,
    )


def contact_create(
    *,
    actor: Any,
    enterprise: Enterprise,
    name: str,
    mobile: str = "",
    title: str = "",
    user: Any = None,
    is_primary: bool = False,
) -> EnterpriseContact:
    """Write a contact of ``enterprise`` (already locked and checked by the caller: ``contact_add``
    for staff, ``registration`` for an enterprise registering itself) and audit it."""
    ent = enterprise
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except IdentifierError as exc:
            raise BusinessError(exc.with_label("手机号码"), field="mobile") from exc
    _check_contact_user(user)
    if user is not None and ent.contacts.filter(user=user).exists():
        raise BusinessError("该账号已是本企业的联系人", field="user")
    contact = EnterpriseContact(
        enterprise=ent,
        name=(name or "").strip(),
        title=(title or "").strip(),
        mobile=mobile,
        mobile_index=blind_index(mobile, purpose="mobile"),
        user=user,
        is_primary=is_primary,
        created_by=actor,
        updated_by=actor,
    )
    contact.full_clean()
    contact.save()
    record_operation(
        actor=actor,
        module=MODULE_ENTERPRISE,
        business_type=BusinessType.UPDATE,
        action=f"为企业“{ent.name}”新增联系人“{contact.name}”",
        target=ent,
        extra={"contact_id": contact.pk, "user_id": user.pk if user else None},
    )
    return contact


#: Fields of a contact that ``contact_update`` changes (labels for messages).
CONTACT_FIELDS = {"name": "姓名", "title": "职务", "mobile": "手机号码"}


@transaction.atomic
def contact_update(
    *, actor: Any, contact: EnterpriseContact, data: dict[str, Any]
) -> EnterpriseContact:
    """Correct a contact's name, title or mobile (e.g. a correction the person asked for)."""
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise BusinessError(f"【字段】不能修改：{'、'.join(sorted(unknown))}", field="data")
    ent = Enterprise.objects.select_for_update().get(pk=contact.enterprise_id)
    assert_visible(Enterprise, actor, ent.pk, "change")
    row = EnterpriseContact.objects.select_for_update().get(pk=contact.pk, enterprise=ent)
    for field, value in data.items():
        value = (value or "").strip()
        if field == "mobile" and value:
            try:
                value = normalize_mobile(value)
            except IdentifierError as exc:
                raise BusinessError(exc.with_label("手机号码"), field="mobile") from exc
            row.mobile_index = blind_index(value, purpose="mobile")
        elif field == "mobile":
            row.mobile_index = ""
        if field == "name" and not value:
            raise BusinessError("【姓名】不能为空", field="name")
        setattr(row, field, value)
    row.updated_by = actor
    row.full_clean()
    row.save()
    record_operation(
        actor=actor,
        module=MODULE_ENTERPRISE,
        business_type=BusinessType.UPDATE,
        action=f"更正企业“{ent.name}”联系人“{row.name}”的"
        + "、".join(CONTACT_FIELDS[f] for f in data),
        target=ent,
        extra={"contact_id": row.pk, "fields": sorted(data)},
    )
    return row


@transaction.atomic
def contact_remove(*, actor: Any, contact: EnterpriseContact) -> None:
    ent = Enterprise.objects.select_for_update().get(pk=contact.enterprise_id)
    assert_visible(Enterprise, actor, ent.pk, "change")
    name = contact.name
    EnterpriseContact.objects.get(pk=contact.pk, enterprise=ent).delete()
    record_operation(
        actor=actor,
        module=MODULE_ENTERPRISE,
        business_type=BusinessType.UPDATE,
        action=f"删除企业“{ent.name}”的联系人“{name}”",
        target=ent,
    )


def enterprise_contacts(
    *, actor: Any, enterprise: Enterprise, reveal_mobile: bool = False, purpose: str = ""
) -> list[dict[str, Any]]:
    """The contacts of ``enterprise`` with the mobile masked, or in clear for a permitted actor
    who states a ``purpose``.

    Every clear-text view goes through ``core.sensitive.reveal`` and is written to the operation
    log with the purpose. Not atomic on purpose: it only writes the audit row.
    """
    rows = []
    show = reveal_mobile and can_view_sensitive(actor, enterprise)
    if show:
        purpose = clean_purpose(purpose)
    for contact in enterprise.contacts.select_related("user"):
        if show and contact.mobile:
            mobile = reveal(
                actor=actor,
                obj=enterprise,
                fields={"mobile": contact.mobile},
                purpose=f"{purpose}（联系人：{contact.name}）",
            )["mobile"]
        else:
            mobile = mask("mobile", contact.mobile)
        rows.append(
            {
                "id": contact.pk,
                "name": contact.name,
                "title": contact.title,
                "mobile": mobile,
                "is_primary": contact.is_primary,
                "user_id": contact.user_id,
                "username": contact.user.username if contact.user else "",
            }
        )
    return rows


# ----------------------------------------------------------------------------------------------
# Demands
# ----------------------------------------------------------------------------------------------


def _clean_industries(codes: Any) -> list[str]:
    from jiangqiao.taxonomy.validators import validate_industry_code

    if codes in (None, ""):
        return []
    if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
        raise BusinessError("所属行业应为行业代码的列表", field="industry_codes")
    result: list[str] = []
    for code in codes:
        code = code.strip().upper()
        try:
            validate_industry_code(code)
        except ValidationError as exc:
            raise BusinessError(f"所属行业：{exc.messages[0]}", field="industry_codes") from exc
        if code and code not in result:
            result.append(code)
    if len(result) > MAX_INDUSTRIES:
        raise BusinessError(f"所属行业最多选择 {MAX_INDUSTRIES} 项", field="industry_codes")
    return result


def _clean_tags(tags: Any) -> list[str]:
    if tags in (None, ""):
        return []
    if isinstance(tags, str):
        tags = list(tags.replace("，", ",").replace("、", ",").split(","))
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise BusinessError("所需专长标签应为文字列表", field="tags")
    result: list[str] = []
    for tag in tags:
        tag = normalize(tag)
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise BusinessError(
                f"所需专长标签“{tag[:20]}…”过长（每个不超过 {MAX_TAG_LENGTH} 字）", field="tags"
            )
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise BusinessError(f"所需专长标签最多 {MAX_TAGS} 个", field="tags")
    return result


def _clean_craftsmen(ids: Any, *, actor: Any = None, keep: Any = ()) -> list[int]:
    """Preferred craftsmen: a list of ids of craftsmen the actor may see (the picker goes through
    the scope chokepoint like every other read). Ids the demand already had (``keep``) stay. An
    id outside the scope reads exactly like one that does not exist: nothing tells the user that
    another unit has a craftsman with that id."""
    if ids in (None, ""):
        return []
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids
    ):
        raise BusinessError("意向劳模工匠应为劳模工匠ID的列表", field="preferred_craftsmen")
    unique = list(dict.fromkeys(ids))
    if len(unique) > 10:
        raise BusinessError("意向劳模工匠最多 10 位", field="preferred_craftsmen")
    try:
        craftsman = apps.get_model("talents", "Craftsman")
    except LookupError:
        return unique  # the talents app has no Craftsman model yet
    kept = set(keep or ())
    new = [i for i in unique if i not in kept]
    if not new:
        return unique
    pool = craftsman._default_manager
    candidates = pool.visible_to(actor, "view") if actor is not None else pool.all()
    found = set(candidates.filter(pk__in=new).values_list("pk", flat=True))
    missing = [i for i in new if i not in found]
    if missing:
        raise BusinessError(
            f"意向劳模工匠不存在或不在您的数据范围内：{'、'.join(map(str, missing))}",
            field="preferred_craftsmen",
        )
    return unique


def _prepare_demand(demand: Demand, *, actor: Any = None, kept_craftsmen: Any = ()) -> None:
    demand.industry_codes = _clean_industries(demand.industry_codes)
    demand.tags = _clean_tags(demand.tags)
    demand.preferred_craftsmen = _clean_craftsmen(
        demand.preferred_craftsmen, actor=actor, keep=kept_craftsmen
    )
    _map_legacy_categories(demand)
    if demand.subcategory and not demand.category:
        demand.category = demand.subcategory.split(".", 1)[0]
    demand.description_normalized = normalize(demand.description, keep_newlines=True)
    demand.search_text = _demand_search_text(demand, demand.number)


def _map_legacy_categories(demand: Demand) -> None:
    """Codes of the first, invented category list become the 2022 classes' codes (API clients,
    forms and files that still send ``tech.process`` keep working; see ``taxonomy.codelists``)."""
    from jiangqiao.taxonomy.codelists import LEGACY_DEMAND_CATEGORIES, legacy_demand_category

    category, subcategory = demand.category or "", demand.subcategory or ""
    if category in LEGACY_DEMAND_CATEGORIES:
        demand.category = legacy_demand_category(category, subcategory)
    if subcategory in LEGACY_DEMAND_CATEGORIES:
        demand.subcategory = LEGACY_DEMAND_CATEGORIES[subcategory]


def _demand_search_text(demand: Demand, number: str | None) -> str:
    """Number, texts, tags and enterprise name; a survivor of merged duplicates also carries
    their numbers, so looking up a merged number finds the demand that goes on."""
    merged = (
        list(
            Demand.objects.filter(merged_into_id=demand.pk)
            .exclude(number__isnull=True)
            .values_list("number", flat=True)
        )
        if demand.pk
        else []
    )
    return search_key(
        " ".join(
            [
                number or "",
                *merged,
                demand.title or "",
                demand.description or "",
                " ".join(demand.tags or []),
                demand.enterprise.name if demand.enterprise_id else "",
            ]
        )
    )


def _write_codes(demand: Demand) -> None:
    """Rewrite the index rows: each chosen industry with its ancestors, and each tag."""
    from jiangqiao.taxonomy.selectors import get_term

    rows: dict[tuple[str, str], bool] = {}
    for code in demand.industry_codes:
        term = get_term("industry", code)
        path = term.path.split("/") if term is not None and term.path else [code]
        for ancestor in path:
            rows[("industry", ancestor)] = rows.get(("industry", ancestor), False)
        rows[("industry", code)] = True
    for tag in demand.tags:
        rows[("tag", search_key(tag)[:64])] = True
    DemandCode.objects.filter(demand=demand).delete()
    DemandCode.objects.bulk_create(
        DemandCode(demand=demand, scheme=scheme, code=code, selected=selected)
        for (scheme, code), selected in rows.items()
    )


def _event(demand: Demand, actor: Any, from_status: str, to_status: str, comment: str) -> None:
    DemandEvent.objects.create(
        demand=demand,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=getattr(actor, "username", "") or "",
        comment=(comment or "")[:500],
    )


def _check_enterprise_for_demand(actor: Any, enterprise: Enterprise) -> None:
    if not Enterprise.objects.visible_to(actor, "view").filter(pk=enterprise.pk).exists():
        raise BusinessError("所选企业不在您的数据范围内", field="enterprise")
    if enterprise.status != Status.ACTIVE:
        raise BusinessError("所选企业已停用，不能提交需求", field="enterprise")


_SUBMITTER: list[Callable[..., Demand]] = []


def register_submitter(func: Callable[..., Demand]) -> None:
    """The lifecycle owner (casework) registers its ``demand_submit`` at start-up, so that
    ``demand_create(submit=True)`` submits through it without this app knowing the one above."""
    _SUBMITTER[:] = [func]


def _submitter() -> Callable[..., Demand]:
    if not _SUBMITTER:
        raise ImproperlyConfigured("没有登记需求提交的办理服务（casework 未安装）")
    return _SUBMITTER[0]


@transaction.atomic
def demand_create(
    *,
    actor: Any,
    enterprise: Enterprise,
    data: dict[str, Any],
    channel: str = Channel.OFFLINE,
    submit: bool = False,
    campaign: Any = None,
    check_duplicates: bool = False,
    duplicate_confirmed: bool = False,
) -> Demand:
    """Create a demand of ``enterprise`` (a draft; ``submit=True`` submits it in one go).

    The owning unit is the enterprise's; the location defaults to the enterprise's region. With
    ``campaign`` (征集活动) the demand records it, provided the campaign accepts demands today and
    collects the demand's category (``campaigns.lock_for_submission``); otherwise nothing is saved.
    ``check_duplicates``: refuse (``duplicates.DuplicateDemand``) a demand like an open one of
    the enterprise that the actor may see, unless ``duplicate_confirmed`` (“这是另一个问题”,
    recorded in the history); the enterprise's row is locked first, so two submissions of the
    same text a moment apart do not both pass (``demands.duplicates``).
    """
    _check_fields(data, DEMAND_FIELDS)
    _check_enterprise_for_demand(actor, enterprise)
    if campaign is not None:
        from .campaigns import lock_for_submission

        campaign = lock_for_submission(campaign, category=str(data.get("category") or ""))
    confirmed_past: list[Any] = []
    if check_duplicates:
        from . import duplicates

        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        confirmed_past = duplicates.check(actor, enterprise, data, confirmed=duplicate_confirmed)
    fields = dict(data)
    if not fields.get("region_code"):
        fields["region_code"] = enterprise.region_code
    demand = Demand(
        org_id=enterprise.org_id,
        enterprise=enterprise,
        channel=channel,
        campaign=campaign,
        created_by=actor,
        updated_by=actor,
        **fields,
    )
    _prepare_demand(demand, actor=actor)
    demand.full_clean()
    demand.status_changed_at = timezone.now()
    demand.save()
    _write_codes(demand)
    assert_visible(Demand, actor, demand.pk, "add")
    note = f"创建（{Channel(channel).label}）"
    if confirmed_past:
        from .duplicates import confirmed_comment

        note = f"{note}；{confirmed_comment(confirmed_past)}"
    _event(demand, actor, "", DemandStatus.DRAFT, note)
    extra: dict[str, Any] = {"channel": channel}
    if campaign is not None:
        extra["campaign_id"] = campaign.pk
    if confirmed_past:
        extra["confirmed_not_duplicate_of"] = [s.demand.pk for s in confirmed_past]
    record_operation(
        actor=actor,
        module=MODULE_DEMAND,
        business_type=BusinessType.INSERT,
        action=f"新增需求“{demand}”",
        target=demand,
        extra=extra,
    )
    if submit:
        # Submitting is a step of the lifecycle, taken by its owner (casework), not here.
        demand = _submitter()(actor=actor, demand=demand)
    return demand


#: States in which an edit is checked for duplicates: a draft (to be submitted), a submitted
#: demand not yet triaged, a returned one (to be resubmitted). Past triage the unit owns the
#: demand and merges duplicates itself (合并重复需求), so an edit there is not checked.
DUPLICATE_CHECK_STATUSES = ENTERPRISE_EDITABLE


@transaction.atomic
def demand_update(
    *,
    actor: Any,
    demand: Demand,
    data: dict[str, Any],
    version: int | None = None,
    check_duplicates: bool = False,
    duplicate_confirmed: bool = False,
) -> Demand:
    """Change a demand's content (draft, submitted or triaged). Optimistic locking on ``version``.

    ``check_duplicates``: when the edit changes the compared fields (``duplicates.edited_fields``)
    of a demand in ``DUPLICATE_CHECK_STATUSES``, run the check ``demand_create`` runs on a new
    demand, the demand itself left out — ``duplicates.DuplicateDemand`` unless
    ``duplicate_confirmed``, recorded in the history and the operation log.
    """
    _check_fields(data, DEMAND_FIELDS)
    current = Demand.objects.select_for_update().select_related("enterprise").get(pk=demand.pk)
    assert_visible(Demand, actor, current.pk, "change")
    claim_version(current, version)
    if current.status not in EDITABLE_STATUSES:
        raise BusinessError(f"需求状态为“{current.get_status_display()}”，不能再修改")
    if not actor.has_perm("demands.triage_demand"):
        if current.status not in ENTERPRISE_EDITABLE:
            raise BusinessError(
                f"需求已{current.get_status_display().removeprefix('已')}，不能再修改；"
                "如需补充说明，请联系负责的工会",
                field="status",
            )
        for name in UNION_FIELDS:
            if name in data and data[name] != getattr(current, name):
                label = str(Demand._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
                raise BusinessError(f"{label}由工会在受理时填写，企业不能修改", field=name)
    confirmed_past: list[Any] = []
    if check_duplicates and current.status in DUPLICATE_CHECK_STATUSES:
        from . import duplicates

        edited = duplicates.edited_fields(current, data)
        if edited is not None:  # as on create: the enterprise's row locked, then compared
            Enterprise.objects.select_for_update().filter(pk=current.enterprise_id).first()
            confirmed_past = duplicates.check(
                actor, current.enterprise, edited, confirmed=duplicate_confirmed, exclude=current.pk
            )
    kept = list(current.preferred_craftsmen or [])
    for key, value in data.items():
        setattr(current, key, value)
    if not current.region_code:
        current.region_code = current.enterprise.region_code
    current.updated_by = actor
    _prepare_demand(current, actor=actor, kept_craftsmen=kept)
    current.full_clean()
    current.save()
    _write_codes(current)
    assert_visible(Demand, actor, current.pk, "change")
    if confirmed_past:
        note = f"修改；{duplicates.confirmed_comment(confirmed_past)}"
        _event(current, actor, current.status, current.status, note)
        record_operation(
            actor=actor,
            module=MODULE_DEMAND,
            business_type=BusinessType.UPDATE,
            action=f"修改需求“{current}”",
            target=current,
            extra={"confirmed_not_duplicate_of": [s.demand.pk for s in confirmed_past]},
        )
    return current


# ----------------------------------------------------------------------------------------------
# Demands received from another instance (data exchange)
# ----------------------------------------------------------------------------------------------

#: The workflow state a demand carries from the instance it was imported from.
IMPORT_STATE_FIELDS = ("number", "status", "grade", "owner_level", "submitted_at", "triaged_at")


@transaction.atomic
def demand_import_update(*, actor: Any, demand: Demand, data: dict[str, Any]) -> Demand:
    """Content of a demand past the editable states, as on the instance it came from.

    Once the workflow has moved on there, the source is authoritative: the same fields, derived
    columns (normalised text, search text, code rows), checks and scope as ``demand_update``,
    without its editable-state rule and optimistic lock.
    """
    _check_fields(data, DEMAND_FIELDS)
    current = Demand.objects.select_for_update().select_related("enterprise").get(pk=demand.pk)
    assert_visible(Demand, actor, current.pk, "change")
    kept = list(current.preferred_craftsmen or [])
    for key, value in data.items():
        setattr(current, key, value)
    if not current.region_code:
        current.region_code = current.enterprise.region_code
    current.updated_by = actor
    _prepare_demand(current, actor=actor, kept_craftsmen=kept)
    current.full_clean()
    current.save()
    _write_codes(current)
    assert_visible(Demand, actor, current.pk, "change")
    record_operation(
        actor=actor,
        module=MODULE_DEMAND,
        business_type=BusinessType.UPDATE,
        action=f"数据交换导入修改需求“{current}”",
        target=current,
        extra={"fields": sorted(data)},
    )
    return current


# ----------------------------------------------------------------------------------------------
# Submitting once (double click, reload, back and resubmit, an API client retrying)
# ----------------------------------------------------------------------------------------------

#: How long an ``Idempotency-Key`` counts (page forms use ``core.submissions``).
SUBMISSION_TTL = timedelta(hours=24)
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MESSAGE = (
    "Idempotency-Key 请求头应为 1–255 个可见 ASCII 字符（如 UUID），同一请求重试时保持不变"
)
IDEMPOTENCY_MISMATCH_MESSAGE = (
    "该 Idempotency-Key 已用于内容不同的另一次提交（24 小时内），请为新的需求使用新的键"
)


def idempotency_key_clean(raw: str) -> str:
    """An ``Idempotency-Key`` header as sent: 1–255 visible ASCII characters."""
    key = raw.strip()
    if not 1 <= len(key) <= 255 or not all("!" <= ch <= "~" for ch in key):
        raise BusinessError(IDEMPOTENCY_KEY_MESSAGE, field=IDEMPOTENCY_KEY_HEADER)
    return key


def request_fingerprint(data: Any) -> str:
    """A digest of a request body, to tell a retry from another request under the same key."""
    if hasattr(data, "lists"):  # QueryDict: keep every value of a repeated field
        data = dict(data.lists())
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def submission_claim(
    *, actor: Any, scope: str, key: str, fingerprint: str = ""
) -> tuple[SubmissionKey, bool]:
    """Take ``key`` for ``actor`` inside the caller's transaction: ``(record, True)`` if it is new,
    ``(earlier record, False)`` if it was used within ``SUBMISSION_TTL``.

    The unique constraint decides between concurrent requests: on PostgreSQL the second INSERT
    waits for the first transaction and, once it commits, fails and reads the committed record;
    if the first one rolled back (the demand was refused) the key is free again.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("submission_claim() must run inside the transaction that creates")
    SubmissionKey.objects.filter(
        user=actor, created_at__lt=timezone.now() - SUBMISSION_TTL
    ).delete()
    try:
        with transaction.atomic():
            record = SubmissionKey.objects.create(
                user=actor, scope=scope, key=key, fingerprint=fingerprint
            )
        return record, True
    except IntegrityError:
        return SubmissionKey.objects.get(user=actor, scope=scope, key=key), False


def submission_store_response(
    *, record: SubmissionKey, demand: Demand | None, status: int, body: Any
) -> None:
    """Keep the first response of an ``Idempotency-Key`` request (same transaction)."""
    record.demand = demand
    record.response_status = status
    record.response_body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    record.save(update_fields=["demand", "response_status", "response_body"])
