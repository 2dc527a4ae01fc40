"""Record types of the exchange format: local object → ``data`` (export) and ``data`` → local
object through the owning app's services (import).

``to_data(obj, ctx)`` is the single description of a record's content. The exporter writes it; the
importer compares with it: ``comparable(data)`` turns a ``data`` dict into plain values (a tag
becomes its code, a reference becomes the local primary key, personal identifiers and the owning
unit are left out), so an incoming record and the local object can be compared field by field no
matter which instance, which PII form or which taxonomy labels produced them.
"""

from __future__ import annotations

import datetime as dt
import decimal
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jiangqiao.casework import services as casework_services
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import ServiceRecord
from jiangqiao.casework.session_models import SkillUpgrade
from jiangqiao.core.choices import Status
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.pickers import key_from_text
from jiangqiao.core.scope import ScopeViolation, subtree_q
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import EDITABLE_STATUSES
from jiangqiao.demands.models import Demand, Enterprise, EnterpriseContact
from jiangqiao.matching import services as matching_services
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.orgs.models import Organization
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.choices import TEAM_LEVEL_ORG_LEVELS
from jiangqiao.talents.models import Craftsman, ServiceTeam

from . import format as fmt
from .choices import PiiMode, RecordType
from .models import ExchangeRecord

#: Keys of ``data`` that are not compared (personal identifiers differ by PII form; the owning
#: unit is placed by the importer, not copied).
NOT_COMPARED = {"org", "id_number", "id_hash", "mobile", "mobile_hash"}
#: Child lists compared as sets (order is presentation only); their items' personal identifiers
#: are left out too.
CHILD_LISTS = {"honours", "service_items", "members", "skill_upgrades", "contacts", "consents"}


class LineError(Exception):
    """A record cannot be applied: ``field`` names where (``data.name``), ``message`` why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _datetime(value: Any) -> dt.datetime | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _decimal(value: Any) -> decimal.Decimal | None:
    if value in (None, ""):
        return None
    return decimal.Decimal(str(value))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _num(value: Any) -> str | None:
    return None if value is None else str(value)


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """Plain values of a record's ``data`` (see the module docstring)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            if "scheme" in value and "code" in value:
                return fmt.current_code(value["scheme"], value["code"])
            if "pk" in value and len(value) == 1:
                return value["pk"]
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    result = {k: plain(v) for k, v in data.items() if k not in NOT_COMPARED}
    for key in CHILD_LISTS & set(result):
        items = [
            {k: v for k, v in item.items() if k not in NOT_COMPARED}
            if isinstance(item, dict)
            else item
            for item in result[key] or []
        ]
        result[key] = sorted(items, key=fmt.canonical)
    return result


def diff_fields(local: dict[str, Any], incoming: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(local) | set(incoming) if local.get(k) != incoming.get(k))


# ------------------------------------------------------------------------------------------------
# Export context: record ids of local objects (their origin, if imported) and references
# ------------------------------------------------------------------------------------------------


class DataContext:
    """Builds references while serialising. ``local=True`` makes references ``{"pk": n}``
    (used to compare with an incoming record); otherwise ``{"id": ..., <natural key>}``."""

    def __init__(self, *, pii: str = PiiMode.HASH, local: bool = False, actor: Any = None) -> None:
        self.pii = pii
        self.local = local
        #: Who exports: references to other objects (a demand's preferred craftsmen) are limited
        #: to what this account may see.
        self.actor = actor
        self.instance = fmt.instance_id()
        self._origin: dict[tuple[str, int], ExchangeRecord | None] = {}
        self._key_hash: dict[int, str] = {}

    def prime(self, record_type: str, model: type[models.Model], pks: Iterable[int]) -> None:
        """Load the origin (first import mapping) of many objects with one query."""
        wanted = [pk for pk in pks if (record_type, pk) not in self._origin]
        if not wanted:
            return
        ct = ContentType.objects.get_for_model(model)
        for pk in wanted:
            self._origin[(record_type, pk)] = None
        for row in ExchangeRecord.objects.filter(
            content_type=ct, object_id__in=wanted, record_type=record_type
        ).order_by("-pk"):
            self._origin[(record_type, row.object_id)] = row

    def origin(self, record_type: str, model: type[models.Model], pk: int) -> ExchangeRecord | None:
        if (record_type, pk) not in self._origin:
            self.prime(record_type, model, [pk])
        return self._origin[(record_type, pk)]

    def identity(self, record_type: str, model: type[models.Model], pk: int) -> tuple[str, str]:
        """``(record id, source instance)``: an imported object keeps its origin's id."""
        row = self.origin(record_type, model, pk)
        if row is not None:
            return row.source_id, row.source_instance
        return fmt.record_id(self.instance, record_type, pk), self.instance

    def craftsman_hash(self, craftsman: Craftsman) -> str | None:
        if self.pii == PiiMode.MASKED:
            return None
        if craftsman.pk not in self._key_hash:
            value = (
                fmt.keyed_hash(craftsman.id_number, purpose="id_number")
                if craftsman.id_number
                else ""
            )
            if not value:
                row = self.origin(RecordType.CRAFTSMAN, Craftsman, craftsman.pk)
                value = row.key_hash if row is not None else ""
            self._key_hash[craftsman.pk] = value
        return self._key_hash[craftsman.pk] or None

    def ref(self, record_type: str, obj: Any) -> dict[str, Any]:
        if self.local:
            return {"pk": obj.pk}
        rid, _ = self.identity(record_type, type(obj), obj.pk)
        ref: dict[str, Any] = {"id": rid}
        if record_type == RecordType.ENTERPRISE:
            ref["uscc"] = obj.uscc
        elif record_type == RecordType.DEMAND:
            ref["number"] = obj.number
        elif record_type == RecordType.CRAFTSMAN:
            ref["id_hash"] = self.craftsman_hash(obj)
        return ref


def org_info(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "level": org.level,
        "uscc": org.uscc or None,
        "region": fmt.tag("region", org.region_code),
    }


# ------------------------------------------------------------------------------------------------
# Import context: placement in the importer's organisation tree and reference resolution
# ------------------------------------------------------------------------------------------------


class ImportContext:
    def __init__(
        self, *, actor: Any, target_org: Organization | None, pii: str, batch: Any
    ) -> None:
        self.actor = actor
        self.target_org = target_org
        self.pii = pii
        self.batch = batch
        self.instance = fmt.instance_id()
        self._hash_index: dict[str, list[int]] | None = None

    # -- placement ---------------------------------------------------------------------------

    def _subtree(self) -> models.QuerySet[Organization]:
        qs = Organization.objects.filter(status=Status.ACTIVE)
        if self.target_org is not None:
            qs = qs.filter(subtree_q(self.target_org.path))
        return qs.order_by("depth", "pk")

    def place(self, info: dict[str, Any] | None, *, levels: set[str] | None = None) -> Organization:
        """The local unit for a record owned by ``info`` on the source instance.

        Within the importer's subtree, in this order: the same union USCC; the same region,
        level and name; the same region and level; the same region; the nearest enclosing region
        (city, then province). ``levels`` restricts the candidates (a team's unit level).
        """
        info = info or {}
        region = fmt.tag_code(info.get("region"))
        name = info.get("name") or ""
        level = info.get("level") or ""
        qs = self._subtree()
        if levels:
            qs = qs.filter(level__in=levels)
        attempts: list[dict[str, Any]] = []
        if info.get("uscc"):
            attempts.append({"uscc": info["uscc"]})
        if region:
            attempts += [
                {"region_code": region, "level": level, "name": name},
                {"region_code": region, "level": level},
                {"region_code": region},
            ]
            if len(region) == 6 and region.isdigit():
                for parent in (region[:4] + "00", region[:2] + "0000"):
                    if parent != region:
                        attempts.append({"region_code": parent})
        for attempt in attempts:
            found = qs.filter(**attempt).first()
            if found is not None:
                return found
        where = f"“{self.target_org.name}”及其下级" if self.target_org else "本实例"
        raise LineError(
            "data.org",
            f"所属组织“{name or '未填写'}”（行政区划 {region or '未填写'}）在{where}中没有对应的"
            "工会组织，超出您的数据范围",
        )

    # -- references --------------------------------------------------------------------------

    def mapped(self, record_type: str, source_id: str) -> ExchangeRecord | None:
        parts = fmt.split_record_id(source_id)
        if parts is None:
            return None
        return ExchangeRecord.objects.filter(
            source_instance=parts[0], record_type=record_type, source_id=source_id
        ).first()

    def resolve(self, record_type: str, ref: dict[str, Any] | None, field: str) -> Any:
        """The local object a reference points to, or a ``LineError`` naming ``field``.

        Every way of resolving (this instance's record id, the mapping of an earlier import, the
        natural key) looks only among the objects the actor may view: the scope chokepoint. A
        record of another unit is reported exactly like a missing one, so the message says neither
        whether it exists nor whose it is.
        """
        handler = HANDLERS[record_type]
        if not ref:
            raise LineError(field, "缺少引用")
        among = handler.model._default_manager.visible_to(self.actor, "view")  # type: ignore[attr-defined]
        rid = str(ref.get("id") or "")
        parts = fmt.split_record_id(rid)
        obj = None
        if (
            parts is not None
            and parts[0] == self.instance
            and parts[1] == record_type
            and key_from_text(parts[2]) is not None
        ):
            obj = among.filter(pk=key_from_text(parts[2])).first()
        if obj is None and parts is not None:
            row = self.mapped(record_type, rid)
            if row is not None:
                obj = among.filter(pk=row.object_id).first()
        if obj is None:
            obj = handler.lookup_ref(self, ref, among)
        if obj is None:
            label = RecordType(record_type).label
            raise LineError(
                field,
                f"引用的{label}“{rid}”不存在或不在您的数据范围内（请一并导出{label}，或先导入它）",
            )
        return obj

    def require(self, handler: Handler, obj: Any, action: str, field: str) -> None:
        """Refuse (a ``LineError`` naming ``field``) a local object the record would be linked to,
        reported against or written to, unless it is within the actor's scope for ``action``.
        The message names neither the object nor its unit."""
        qs = handler.model._default_manager.visible_to(self.actor, action)  # type: ignore[attr-defined]
        if qs.filter(pk=obj.pk).exists():
            return
        label = RecordType(handler.record_type).label
        scope = "不在您的数据范围内" if action == "view" else "不在您的数据范围内或您无权修改"
        raise LineError(field, f"本实例已有的同一{label}{scope}，未导入（请由其所属单位处理）")

    def craftsman_by_hash(
        self, value: str, among: models.QuerySet[Craftsman] | None = None
    ) -> Craftsman | None:
        """The craftsman whose ID number has the exchange hash ``value``, among ``among`` (a
        scoped queryset for references; every profile for a record's own natural key)."""
        if not value:
            return None
        qs = Craftsman.objects.all() if among is None else among
        mapped = list(
            ExchangeRecord.objects.filter(record_type=RecordType.CRAFTSMAN, key_hash=value)
            .order_by("pk")
            .values_list("object_id", flat=True)
        )
        if mapped:
            present = set(qs.filter(pk__in=mapped).values_list("pk", flat=True))
            for pk in mapped:
                if pk in present:
                    return qs.get(pk=pk)
        if self._hash_index is None:
            # Local profiles carry the ID number encrypted; hash it with the exchange key once per
            # import (only when a hashed reference is not already mapped).
            self._hash_index = {}
            for pk, number in Craftsman.objects.exclude(id_number_index="").values_list(
                "pk", "id_number"
            ):
                if number:
                    key = fmt.keyed_hash(number, purpose="id_number")
                    self._hash_index.setdefault(key, []).append(pk)
        pks = self._hash_index.get(value)
        return qs.filter(pk__in=pks).order_by("pk").first() if pks else None


# ------------------------------------------------------------------------------------------------
# Handlers
# ------------------------------------------------------------------------------------------------


class Handler(ABC):
    """One record type of the exchange: how it is exported and imported (subclasses below)."""

    record_type: ClassVar[str]
    model: ClassVar[type[models.Model]]
    #: Optional "select_related"/"prefetch_related" for export.
    related: ClassVar[tuple[str, ...]] = ()
    prefetch: ClassVar[tuple[str, ...]] = ()
    #: Where a record's natural key is (named when it finds another unit's object).
    key_field: ClassVar[str] = "id"
    #: The scope action an update (or delete) of an existing object needs.
    update_action: ClassVar[str] = "change"
    #: Keys of ``data`` a later format version added: a record without them leaves them alone,
    #: and an empty value is left out of the local fingerprint (mappings written before the key
    #: existed still match).
    optional_keys: ClassVar[tuple[str, ...]] = ()

    def export_queryset(self, user: Any) -> models.QuerySet[Any]:
        qs = self.model._default_manager.visible_to(user, "view")  # type: ignore[attr-defined]
        if self.related:
            qs = qs.select_related(*self.related)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return qs.order_by("pk")  # type: ignore[no-any-return]

    def updated_at(self, obj: Any) -> dt.datetime:
        return obj.updated_at  # type: ignore[no-any-return]

    @abstractmethod
    def to_data(self, obj: Any, ctx: DataContext) -> dict[str, Any]:
        """The record's ``data`` in the exchange format."""

    def local_values(self, obj: Any, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """The local object's comparable values; with ``data`` (an incoming record), without the
        optional keys the record does not carry."""
        values = comparable(self.to_data(obj, DataContext(local=True)))
        if data is not None:
            for key in self.optional_keys:
                if key not in data:
                    values.pop(key, None)
        return values

    def local_fingerprint(self, obj: Any) -> str:
        extra = {
            "_org": getattr(obj, "org_id", None),
            "_pii": [getattr(obj, "id_number_index", ""), getattr(obj, "mobile_index", "")],
        }
        values = self.local_values(obj)
        for key in self.optional_keys:
            if values.get(key) in ([], None):
                values.pop(key, None)
        return fmt.fingerprint({**values, **extra})

    # import side
    def resolve_refs(self, ctx: ImportContext, data: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``data`` whose references are ``{"pk": local pk}``."""
        return dict(data)

    def place(self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any]) -> Any:
        return ctx.place(data.get("org"))

    def lookup(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        return None

    def lookup_ref(
        self, ctx: ImportContext, ref: dict[str, Any], among: models.QuerySet[Any]
    ) -> Any:
        """The object a reference's natural key names, among ``among`` (the visible ones)."""
        return None

    @abstractmethod
    def create(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        """Create the local object for an incoming record (through the app's services)."""

    @abstractmethod
    def update(
        self,
        ctx: ImportContext,
        obj: Any,
        data: dict[str, Any],
        values: dict[str, Any],
        org: Any,
    ) -> Any:
        """Apply an incoming newer version to the local object."""

    def delete(self, ctx: ImportContext, obj: Any) -> bool:
        """Apply an ``op=delete``; ``False`` when the type is master data (never deleted)."""
        return False


def _changed(
    local: dict[str, Any], values: dict[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    return {f: values[f] for f in fields if local.get(f) != values.get(f)}


# -- enterprise ----------------------------------------------------------------------------------

#: What an incoming enterprise may set: exactly what staff may set (the service's field list).
ENTERPRISE_INPUT = demand_services.ENTERPRISE_FIELDS


class EnterpriseHandler(Handler):
    record_type = RecordType.ENTERPRISE
    model = Enterprise
    related = ("org",)
    prefetch = ("contacts",)
    key_field = "data.uscc"
    optional_keys = ("contacts",)

    def to_data(self, obj: Enterprise, ctx: DataContext) -> dict[str, Any]:
        return {
            "org": org_info(obj.org),
            "uscc": obj.uscc,
            "name": obj.name,
            "former_names": obj.former_names,
            "address": obj.address,
            "region_code": fmt.tag("region", obj.region_code),
            "industry_code": fmt.tag("industry", obj.industry_code),
            "main_products": obj.main_products,
            "staff_count": obj.staff_count,
            "revenue": _num(obj.revenue),
            "total_assets": _num(obj.total_assets),
            "basis_year": obj.basis_year,
            "size_class": fmt.tag("enterprise_size", obj.size_class),
            "size_rule_version": obj.size_rule_version,
            "quality_tier": fmt.tag("quality_tier", obj.quality_tier),
            "tier_cert_no": obj.tier_cert_no,
            "tier_issued_on": _iso(obj.tier_issued_on),
            "tier_valid_until": _iso(obj.tier_valid_until),
            "tier_rule_version": obj.tier_rule_version,
            "has_union": obj.has_union,
            "union_uscc": obj.union_uscc,
            "remark": obj.remark,
            "status": obj.status,
            "contacts": [
                _contact_data(c, ctx)
                for c in obj.contacts.all()
                if not ctx.local or c.user_id is None
            ],
        }

    def _sync_contacts(self, ctx: ImportContext, ent: Enterprise, data: dict[str, Any]) -> None:
        """Make the enterprise's contacts the incoming list, through the demands services: the ones
        no longer listed are removed (a contact linked to a local account stays), the new ones
        added — with the mobile number only when the file carries it in clear (``full``)."""
        raw = [c for c in data.get("contacts") or [] if isinstance(c, dict)]
        wanted = [_contact_key(comparable_contact(c)) for c in raw]
        present: set[str] = set()
        for contact in list(ent.contacts.all()):
            key = _contact_key(
                {"name": contact.name, "title": contact.title, "is_primary": contact.is_primary}
            )
            if key in wanted and key not in present:
                present.add(key)
                continue
            if contact.user_id is None:
                demand_services.contact_remove(actor=ctx.actor, contact=contact)
        for n, item in enumerate(raw):
            key = wanted[n]
            if key in present:
                continue
            present.add(key)
            mobile = (item.get("mobile") or "") if ctx.pii == PiiMode.FULL else ""
            try:
                demand_services.contact_add(
                    actor=ctx.actor,
                    enterprise=ent,
                    name=item.get("name") or "",
                    title=item.get("title") or "",
                    mobile=mobile,
                    is_primary=bool(item.get("is_primary")),
                )
            except (BusinessError, ValidationError) as exc:
                message = getattr(exc, "message", None) or "；".join(exc.messages)  # type: ignore[union-attr]
                raise LineError(f"data.contacts[{n}]", f"联系人第{n + 1}项：{message}") from exc

    def _input(self, values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {}
        for f in fields:
            v = values.get(f)
            if f in ("revenue", "total_assets"):
                v = _decimal(v)
            elif f in ("tier_issued_on", "tier_valid_until"):
                v = _date(v)
            elif v is None and f not in ("staff_count", "basis_year"):
                v = ""
            out[f] = v
        return out

    def lookup(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        return Enterprise.objects.filter(uscc=values["uscc"]).first()

    def lookup_ref(
        self, ctx: ImportContext, ref: dict[str, Any], among: models.QuerySet[Any]
    ) -> Any:
        return among.filter(uscc=ref["uscc"]).first() if ref.get("uscc") else None

    def create(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        ent = demand_services.enterprise_create(
            actor=ctx.actor, org=org, data=self._input(values, ENTERPRISE_INPUT)
        )
        if values["status"] != ent.status:
            ent = demand_services.enterprise_set_status(
                actor=ctx.actor, enterprise=ent, status=values["status"]
            )
        if "contacts" in data:
            self._sync_contacts(ctx, ent, data)
        return ent

    def update(
        self, ctx: ImportContext, obj: Any, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        local = self.local_values(obj)
        changed = _changed(local, values, ENTERPRISE_INPUT)
        if changed:
            obj = demand_services.enterprise_update(
                actor=ctx.actor, enterprise=obj, data=self._input(values, changed)
            )
        if values["status"] != obj.status:
            obj = demand_services.enterprise_set_status(
                actor=ctx.actor, enterprise=obj, status=values["status"]
            )
        if "contacts" in data and local.get("contacts") != values.get("contacts"):
            self._sync_contacts(ctx, obj, data)
        return obj


def _contact_data(contact: EnterpriseContact, ctx: DataContext) -> dict[str, Any]:
    mobile, mobile_hash = (None, None)
    if not ctx.local:
        mobile, mobile_hash = fmt.pii_form(ctx.pii, "mobile", contact.mobile or "")
    return {
        "name": contact.name,
        "title": contact.title,
        "mobile": mobile,
        "mobile_hash": mobile_hash,
        "is_primary": contact.is_primary,
    }


def comparable_contact(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": item.get("name") or "",
        "title": item.get("title") or "",
        "is_primary": bool(item.get("is_primary")),
    }


def _contact_key(item: dict[str, Any]) -> str:
    return fmt.canonical(comparable_contact(item))


# -- craftsman -----------------------------------------------------------------------------------

CRAFTSMAN_INPUT = tuple(
    f for f in talent_services.CRAFTSMAN_FIELDS if f not in ("id_number", "mobile")
)
HONOUR_KEYS = talent_services.HONOUR_FIELDS
ITEM_KEYS = talent_services.SERVICE_ITEM_FIELDS


class CraftsmanHandler(Handler):
    record_type = RecordType.CRAFTSMAN
    model = Craftsman
    related = ("org",)
    prefetch = ("honours", "service_items", "consents")
    key_field = "data.id_hash"
    optional_keys = ("consents",)

    def to_data(self, obj: Craftsman, ctx: DataContext) -> dict[str, Any]:
        id_number, id_hash = (None, None)
        mobile, mobile_hash = (None, None)
        if not ctx.local:
            id_number, id_hash = fmt.pii_form(ctx.pii, "id_number", obj.id_number or "")
            if not id_hash:
                id_hash = ctx.craftsman_hash(obj)
            mobile, mobile_hash = fmt.pii_form(ctx.pii, "mobile", obj.mobile or "")
        return {
            "org": org_info(obj.org),
            "name": obj.name,
            "gender": obj.gender,
            "birth_year": obj.birth_year,
            "id_number": id_number,
            "id_hash": id_hash,
            "mobile": mobile,
            "mobile_hash": mobile_hash,
            "employer_name": obj.employer_name,
            "employer_uscc": obj.employer_uscc,
            "department": obj.department,
            "position": obj.position,
            "industries": fmt.tags("industry", obj.industries),
            "occupations": fmt.tags("occupation", obj.occupations),
            "skill_level": fmt.tag("skill_level", obj.skill_level),
            "skill_cert_no": obj.skill_cert_no,
            "skill_cert_issuer": obj.skill_cert_issuer,
            "skill_cert_date": _iso(obj.skill_cert_date),
            "skill_post": fmt.tag("skill_post", obj.skill_post),
            "professional_title": fmt.tag("professional_title", obj.professional_title),
            "expertise_tags": fmt.tags("demand_category", obj.expertise_tags),
            "expertise": obj.expertise,
            "bio": obj.bio,
            "service_modes": fmt.tags("service_mode", obj.service_modes),
            "regions_served": fmt.tags("region", obj.regions_served),
            "cross_region_ok": obj.cross_region_ok,
            "max_open_services": obj.max_open_services,
            "max_new_per_month": obj.max_new_per_month,
            "pause_until": _iso(obj.pause_until),
            "status": obj.status,
            "status_reason": obj.status_reason,
            "honours": [
                {
                    "honour_type": fmt.tag("honour", h.honour_type),
                    "level": fmt.tag("honour_level", h.level),
                    "year": h.year,
                    "issuer": h.issuer,
                    "certificate_no": h.certificate_no,
                    "verified": h.verified,
                }
                for h in obj.honours.all()
            ],
            "service_items": [
                {
                    "title": i.title,
                    "description": i.description,
                    "service_type": fmt.tag("service_type", i.service_type),
                    "industries": fmt.tags("industry", i.industries),
                    "duration": i.duration,
                    "modes": fmt.tags("service_mode", i.modes),
                    "is_active": i.is_active,
                    "sort": i.sort,
                }
                for i in obj.service_items.all()
            ],
            # PIPL: the receiving side must not use a craftsman without the consent (history too).
            "consents": [
                {
                    "purpose": c.purpose,
                    "version": c.version,
                    "granted_at": _iso(c.granted_at),
                    "withdrawn_at": _iso(c.withdrawn_at),
                }
                for c in obj.consents.all()
            ],
        }

    def _sync_consents(self, ctx: ImportContext, obj: Craftsman, data: dict[str, Any]) -> None:
        items = []
        for n, item in enumerate(data.get("consents") or []):
            try:
                granted, withdrawn = (
                    _datetime(item.get("granted_at")),
                    _datetime(item.get("withdrawn_at")),
                )
            except ValueError:
                granted = withdrawn = None
            if granted is None or (item.get("withdrawn_at") and withdrawn is None):
                raise LineError(
                    f"data.consents[{n}]",
                    f"个人信息授权第{n + 1}项：时间应为 ISO 8601（如 2026-12-01T10:00:00+08:00）",
                )
            items.append({**item, "granted_at": granted, "withdrawn_at": withdrawn})
        talent_services.consents_import(
            actor=ctx.actor,
            craftsman=obj,
            consents=items,
            note=f"数据交换导入（批次 #{ctx.batch.pk}）",
        )

    def _input(self, values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {}
        for f in fields:
            v = values.get(f)
            if f in ("skill_cert_date", "pause_until"):
                v = _date(v)
            elif v is None and f not in ("birth_year",):
                v = [] if f in talent_services.CODE_LIST_FIELDS else ""
            out[f] = v
        return out

    def _pii_input(self, ctx: ImportContext, data: dict[str, Any]) -> dict[str, Any]:
        if ctx.pii != PiiMode.FULL:
            return {}
        return {"id_number": data.get("id_number") or "", "mobile": data.get("mobile") or ""}

    def lookup(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        if ctx.pii == PiiMode.FULL and data.get("id_number"):
            index = blind_index(str(data["id_number"]).strip().upper(), purpose="id_number")
            found = Craftsman.objects.filter(id_number_index=index).first()
            if found is not None:
                return found
        return ctx.craftsman_by_hash(data.get("id_hash") or "")

    def lookup_ref(
        self, ctx: ImportContext, ref: dict[str, Any], among: models.QuerySet[Any]
    ) -> Any:
        return ctx.craftsman_by_hash(ref.get("id_hash") or "", among)

    def _set_status(self, ctx: ImportContext, obj: Craftsman, values: dict[str, Any]) -> Craftsman:
        if (
            values["status"] == obj.status
            and (values.get("status_reason") or "") == obj.status_reason
        ):
            return obj
        return talent_services.craftsman_set_status(
            actor=ctx.actor,
            craftsman=obj,
            status=values["status"],
            reason=values.get("status_reason") or "",
            pause_until=_date(values.get("pause_until")),
        )

    def _add_children(self, ctx: ImportContext, obj: Craftsman, values: dict[str, Any]) -> None:
        for h in values.get("honours") or []:
            talent_services.honour_add(
                actor=ctx.actor,
                craftsman=obj,
                data={k: ("" if h.get(k) is None else h[k]) for k in HONOUR_KEYS},
                verified=bool(h.get("verified")),
            )
        for item in values.get("service_items") or []:
            talent_services.service_item_add(
                actor=ctx.actor,
                craftsman=obj,
                data={k: item[k] if item.get(k) is not None else "" for k in ITEM_KEYS},
            )

    def create(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        fields = {**self._input(values, CRAFTSMAN_INPUT), **self._pii_input(ctx, data)}
        obj = talent_services.craftsman_create(actor=ctx.actor, org=org, data=fields)
        obj = self._set_status(ctx, obj, values)
        self._add_children(ctx, obj, values)
        if "consents" in data:
            self._sync_consents(ctx, obj, data)
        return obj

    def update(
        self, ctx: ImportContext, obj: Any, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        local = self.local_values(obj)
        changed = self._input(values, _changed(local, values, CRAFTSMAN_INPUT))
        for key, value in self._pii_input(ctx, data).items():
            if value and value != (getattr(obj, key) or ""):
                changed[key] = value
        if changed:
            obj = talent_services.craftsman_update(actor=ctx.actor, craftsman=obj, data=changed)
        obj = self._set_status(ctx, obj, values)
        if local.get("honours") != values.get("honours"):
            for honour in list(obj.honours.all()):
                talent_services.honour_delete(actor=ctx.actor, honour=honour)
            self._add_children(ctx, obj, {"honours": values.get("honours")})
        if local.get("service_items") != values.get("service_items"):
            for item in list(obj.service_items.all()):
                talent_services.service_item_delete(actor=ctx.actor, item=item)
            self._add_children(ctx, obj, {"service_items": values.get("service_items")})
        if "consents" in data and local.get("consents") != values.get("consents"):
            self._sync_consents(ctx, obj, data)
        return Craftsman.objects.get(pk=obj.pk)


# -- team ----------------------------------------------------------------------------------------

TEAM_INPUT = ("name", "level", "industry_code", "description")


class TeamHandler(Handler):
    record_type = RecordType.TEAM
    model = ServiceTeam
    related = ("org", "lead")
    prefetch = ("memberships__craftsman",)
    key_field = "data.name"

    def updated_at(self, obj: ServiceTeam) -> dt.datetime:
        times = [obj.updated_at, *(m.updated_at for m in obj.memberships.all())]
        return max(times)

    def to_data(self, obj: ServiceTeam, ctx: DataContext) -> dict[str, Any]:
        return {
            "org": org_info(obj.org),
            "name": obj.name,
            "level": obj.level,
            "industry_code": fmt.tag("industry", obj.industry_code),
            "description": obj.description,
            "status": obj.status,
            "lead": ctx.ref(RecordType.CRAFTSMAN, obj.lead) if obj.lead_id else None,
            "members": [
                {
                    "craftsman": ctx.ref(RecordType.CRAFTSMAN, m.craftsman),
                    "role": m.role,
                    "joined_on": _iso(m.joined_on),
                }
                for m in obj.memberships.all()
            ],
        }

    def resolve_refs(self, ctx: ImportContext, data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        if data.get("lead"):
            out["lead"] = {"pk": ctx.resolve(RecordType.CRAFTSMAN, data["lead"], "data.lead").pk}
        members = []
        for i, m in enumerate(data.get("members") or []):
            person = ctx.resolve(
                RecordType.CRAFTSMAN, m.get("craftsman"), f"data.members[{i}].craftsman"
            )
            members.append({**m, "craftsman": {"pk": person.pk}})
        out["members"] = members
        return out

    def place(self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any]) -> Any:
        levels = TEAM_LEVEL_ORG_LEVELS.get(values.get("level") or "")
        return ctx.place(data.get("org"), levels={str(v) for v in levels} if levels else None)

    def lookup(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        return ServiceTeam.objects.filter(org=org, name=values["name"]).first()

    def _sync_members(self, ctx: ImportContext, team: ServiceTeam, values: dict[str, Any]) -> None:
        wanted = {m["craftsman"]: m for m in values.get("members") or []}
        current = {m.craftsman_id: m for m in team.memberships.all()}
        for pk, m in wanted.items():
            if pk not in current:
                talent_services.team_add_member(
                    actor=ctx.actor,
                    team=team,
                    craftsman=Craftsman.objects.get(pk=pk),
                    joined_on=_date(m.get("joined_on")),
                )
        lead = values.get("lead")
        team.refresh_from_db()
        if lead and team.lead_id != lead:
            talent_services.team_set_lead(
                actor=ctx.actor, team=team, craftsman=Craftsman.objects.get(pk=lead)
            )
            team.refresh_from_db()
        for pk in set(current) - set(wanted):
            if pk != team.lead_id:
                talent_services.team_remove_member(
                    actor=ctx.actor, team=team, craftsman=Craftsman.objects.get(pk=pk)
                )

    def _input(self, values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        return {f: values.get(f) or "" for f in fields}

    def create(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        team = talent_services.team_create(
            actor=ctx.actor, org=org, data=self._input(values, TEAM_INPUT)
        )
        self._sync_members(ctx, team, values)
        if values["status"] != team.status:
            team = talent_services.team_set_status(
                actor=ctx.actor, team=team, status=values["status"]
            )
        return team

    def update(
        self, ctx: ImportContext, obj: Any, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        local = self.local_values(obj)
        changed = _changed(local, values, TEAM_INPUT)
        if changed:
            obj = talent_services.team_update(
                actor=ctx.actor, team=obj, data=self._input(values, changed)
            )
        if local.get("members") != values.get("members") or local.get("lead") != values.get("lead"):
            self._sync_members(ctx, obj, values)
        if values["status"] != obj.status:
            obj = talent_services.team_set_status(
                actor=ctx.actor, team=obj, status=values["status"]
            )
        return ServiceTeam.objects.get(pk=obj.pk)


# -- demand --------------------------------------------------------------------------------------

DEMAND_INPUT = tuple(f for f in demand_services.DEMAND_FIELDS if f != "preferred_craftsmen")
DEMAND_STATE = ("number", "status", "grade", "owner_level", "submitted_at", "triaged_at")


class DemandHandler(Handler):
    record_type = RecordType.DEMAND
    model = Demand
    related = ("org", "enterprise")
    key_field = "data.number"
    optional_keys = ("preferred_craftsmen",)

    def to_data(self, obj: Demand, ctx: DataContext) -> dict[str, Any]:
        return {
            "number": obj.number,
            "enterprise": ctx.ref(RecordType.ENTERPRISE, obj.enterprise),
            "kind": fmt.tag("demand_kind", obj.kind),
            "category": fmt.tag("demand_category", obj.category),
            "subcategory": fmt.tag("demand_category", obj.subcategory),
            "title": obj.title,
            "description": obj.description,
            "current_state": obj.current_state,
            "desired_outcome": obj.desired_outcome,
            "industry_codes": fmt.tags("industry", obj.industry_codes),
            "tags": list(obj.tags or []),
            "min_skill_level": fmt.tag("skill_level", obj.min_skill_level),
            "region_code": fmt.tag("region", obj.region_code),
            "delivery_mode": obj.delivery_mode,
            "grade": obj.grade,
            "owner_level": obj.owner_level,
            "visibility": obj.visibility,
            "channel": obj.channel,
            "matching_suggestion": obj.matching_suggestion,
            "trainee_count": obj.trainee_count,
            "deadline": _iso(obj.deadline),
            "status": obj.status,
            "submitted_at": _iso(obj.submitted_at),
            "triaged_at": _iso(obj.triaged_at),
            "preferred_craftsmen": self._preferred(obj, ctx),
        }

    def _preferred(self, obj: Demand, ctx: DataContext) -> list[dict[str, Any]]:
        """The preferred craftsmen in the demand's order; on export only those the exporting
        account may see (another unit's craftsman is not named, not even by id)."""
        ids = [i for i in obj.preferred_craftsmen or [] if isinstance(i, int)]
        if not ids:
            return []
        pool = Craftsman.objects.filter(pk__in=ids)
        if not ctx.local and ctx.actor is not None:
            pool = pool & Craftsman.objects.visible_to(ctx.actor, "view")
        found = {c.pk: c for c in pool}
        return [ctx.ref(RecordType.CRAFTSMAN, found[i]) for i in ids if i in found]

    def resolve_refs(self, ctx: ImportContext, data: dict[str, Any]) -> dict[str, Any]:
        ent = ctx.resolve(RecordType.ENTERPRISE, data.get("enterprise"), "data.enterprise")
        resolved = {**data, "enterprise": {"pk": ent.pk}}
        if "preferred_craftsmen" in data:
            resolved["preferred_craftsmen"] = [
                {"pk": ctx.resolve(RecordType.CRAFTSMAN, ref, f"data.preferred_craftsmen[{n}]").pk}
                for n, ref in enumerate(data.get("preferred_craftsmen") or [])
            ]
        return resolved

    def _fields(self, data: dict[str, Any]) -> tuple[str, ...]:
        """The input fields a record carries (a record of format 1.1 or older has no preferred
        craftsmen and leaves them as they are)."""
        return DEMAND_INPUT + (("preferred_craftsmen",) if "preferred_craftsmen" in data else ())

    def place(self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any]) -> Any:
        # A demand belongs to its enterprise's unit (as demand_create does).
        return Enterprise.objects.get(pk=values["enterprise"]).org

    def lookup(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        if values.get("number"):
            return Demand.objects.filter(number=values["number"]).first()
        return None

    def lookup_ref(
        self, ctx: ImportContext, ref: dict[str, Any], among: models.QuerySet[Any]
    ) -> Any:
        return among.filter(number=ref["number"]).first() if ref.get("number") else None

    def _input(self, values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {}
        for f in fields:
            v = values.get(f)
            if f == "deadline":
                v = _date(v)
            elif f == "preferred_craftsmen":
                v = list(v or [])
            elif v is None and f not in ("trainee_count",):
                v = [] if f in ("industry_codes", "tags") else ""
            out[f] = v
        return out

    def _patch_state(self, ctx: ImportContext, demand: Demand, values: dict[str, Any]) -> Demand:
        """Status, number, grade and times as on the source (the workflow ran there)."""
        return casework_services.demand_import_state(
            actor=ctx.actor,
            demand=demand,
            state={
                "number": values.get("number") or None,
                "status": values["status"],
                "grade": values.get("grade") or "",
                "owner_level": values.get("owner_level") or "",
                "submitted_at": _datetime(values.get("submitted_at")),
                "triaged_at": _datetime(values.get("triaged_at")),
            },
            comment=f"数据交换导入（批次 #{ctx.batch.pk}）",
        )

    def create(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        enterprise = Enterprise.objects.get(pk=values["enterprise"])
        demand = demand_services.demand_create(
            actor=ctx.actor,
            enterprise=enterprise,
            data=self._input(values, self._fields(data)),
            channel=values.get("channel") or "imported",
        )
        return self._patch_state(ctx, demand, values)

    def update(
        self, ctx: ImportContext, obj: Any, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        local = self.local_values(obj)
        if local.get("enterprise") != values.get("enterprise"):
            raise LineError("data.enterprise", "需求所属企业与本实例已有的同一需求不一致，未覆盖")
        changed = _changed(local, values, self._fields(data))
        if changed and obj.status in EDITABLE_STATUSES:
            obj = demand_services.demand_update(
                actor=ctx.actor, demand=obj, data=self._input(values, changed)
            )
        elif changed:
            # Past the editable states the source is authoritative (the demands service says how).
            obj = demand_services.demand_import_update(
                actor=ctx.actor, demand=obj, data=self._input(values, changed)
            )
        obj = Demand.objects.select_related("enterprise", "org").get(pk=obj.pk)
        return self._patch_state(ctx, obj, values)


# -- match ---------------------------------------------------------------------------------------

#: What an incoming match may set: exactly what the matching service takes.
MATCH_FIELDS = matching_services.IMPORT_FIELDS


class MatchHandler(Handler):
    """A suggestion, written through ``matching.services.suggestion_import`` / ``_delete`` (the
    checks of a person's suggestion and decision here). Suggestions have no change permission:
    bringing one up to date is proposing it again (``add``; the decide permission on top when
    the status becomes a decision)."""

    record_type = RecordType.MATCH
    model = MatchSuggestion
    related = ("demand", "craftsman", "demand__enterprise")
    key_field = "data.craftsman"
    update_action = "add"

    def to_data(self, obj: MatchSuggestion, ctx: DataContext) -> dict[str, Any]:
        return {
            "demand": ctx.ref(RecordType.DEMAND, obj.demand),
            "craftsman": ctx.ref(RecordType.CRAFTSMAN, obj.craftsman),
            "source": obj.source,
            "status": obj.status,
            "rank": obj.rank,
            "score": obj.score,
            "fusion_version": obj.fusion_version,
            "encoder": obj.encoder,
            "suggested_at": _iso(obj.suggested_at),
            "decided_at": _iso(obj.decided_at),
            "reason": obj.reason,
            "summary": obj.summary,
        }

    def resolve_refs(self, ctx: ImportContext, data: dict[str, Any]) -> dict[str, Any]:
        demand = ctx.resolve(RecordType.DEMAND, data.get("demand"), "data.demand")
        person = ctx.resolve(RecordType.CRAFTSMAN, data.get("craftsman"), "data.craftsman")
        return {**data, "demand": {"pk": demand.pk}, "craftsman": {"pk": person.pk}}

    def place(self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any]) -> Any:
        return None

    def lookup(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        return MatchSuggestion.objects.filter(
            demand_id=values["demand"], craftsman_id=values["craftsman"]
        ).first()

    def _input(self, values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in MATCH_FIELDS:
            v = values.get(f)
            if f in ("suggested_at", "decided_at"):
                v = _datetime(v)
            out[f] = v
        out["summary"] = list(values.get("summary") or [])
        return out

    def _save(
        self, ctx: ImportContext, values: dict[str, Any], suggestion: MatchSuggestion | None
    ) -> MatchSuggestion:
        return matching_services.suggestion_import(
            actor=ctx.actor,
            demand=Demand.objects.get(pk=values["demand"]),
            craftsman=Craftsman.objects.get(pk=values["craftsman"]),
            data=self._input(values),
            suggestion=suggestion,
            note=f"数据交换导入（批次 #{ctx.batch.pk}）",
        )

    def create(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        return self._save(ctx, values, None)

    def update(
        self, ctx: ImportContext, obj: Any, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        return self._save(ctx, values, obj)

    def delete(self, ctx: ImportContext, obj: Any) -> bool:
        ctx.require(self, obj, self.update_action, "id")
        matching_services.suggestion_delete(
            actor=ctx.actor, suggestion=obj, note=f"数据交换导入（批次 #{ctx.batch.pk}）"
        )
        return True


# -- service record ------------------------------------------------------------------------------


#: The session fields carried by the exchange since format 1.0.
SESSION_FIELDS_1_0 = (
    "date",
    "duration_min",
    "prep_min",
    "travel_min",
    "mode",
    "activities",
    "location",
    "attendees",
    "trainees",
    "problems_solved",
    "notes",
    "economic_benefit",
    "enterprise_confirmed",
)
#: Added by format 1.1 (optional: a 1.0 record has none of them and leaves them alone on import).
SESSION_FIELDS_1_1 = ("experts", "problems", "benefit_method")
SESSION_FIELDS = SESSION_FIELDS_1_0 + SESSION_FIELDS_1_1
#: Every key of ``data`` that format 1.1 added to a service record.
SESSION_KEYS_1_1 = (*SESSION_FIELDS_1_1, "benefit_verified_at", "skill_upgrades")
#: Their values when a session has none of them: left out of the local fingerprint, so that the
#: mappings a 1.0 importer wrote still match the sessions it wrote (no false "changed locally").
SESSION_DEFAULTS_1_1: dict[str, Any] = {
    "experts": None,
    "problems": [],
    "benefit_method": "",
    "benefit_verified_at": None,
    "skill_upgrades": [],
}


def _upgrade_data(row: SkillUpgrade) -> dict[str, Any]:
    return {
        "worker_code": row.worker_code,
        "worker_initials": row.worker_initials,
        "occupation": fmt.tag("occupation", row.occupation),
        "level_before": fmt.tag("skill_level", row.level_before),
        "level_after": fmt.tag("skill_level", row.level_after),
        "certificate_no": row.certificate_no,
    }


def _upgrade_input(value: dict[str, Any]) -> dict[str, Any]:
    """A comparable skill upgrade (tags already reduced to codes) → the service's input."""
    return {
        "worker_code": value.get("worker_code") or "",
        "worker_initials": value.get("worker_initials") or "",
        "occupation": value.get("occupation") or "",
        "level_before": value.get("level_before") or "",
        "level_after": value.get("level_after") or "",
        "certificate_no": value.get("certificate_no") or "",
    }


def _upgrade_key(value: dict[str, Any]) -> str:
    return fmt.canonical(_upgrade_input(value))


class ServiceRecordHandler(Handler):
    """服务记录 of a confirmed match. Imported through the casework session services (the same
    checks as when staff enter one: the match must be confirmed here too, dates and figures in
    range; the session gets the offer made from the match, when there is one). Format 1.1 adds
    the problems list, experts, the benefit method and verification time, and the skill upgrades
    (written through ``skill_upgrade_add``/``_delete``, with their checks)."""

    record_type = RecordType.SERVICE_RECORD
    model = ServiceRecord
    related = ("match",)
    prefetch = ("skill_upgrades",)

    def export_queryset(self, user: Any) -> models.QuerySet[Any]:
        # A session is named by its match. Sessions of claims or direct requests (no match) are
        # not exchanged: offers are not exchanged, so the receiver would have no accepted offer to
        # log them against (docs/exchange.md §2.6).
        return super().export_queryset(user).filter(match__isnull=False)

    def to_data(self, obj: ServiceRecord, ctx: DataContext) -> dict[str, Any]:
        return {
            "match": ctx.ref(RecordType.MATCH, obj.match),
            "date": _iso(obj.date),
            "duration_min": obj.duration_min,
            "prep_min": obj.prep_min,
            "travel_min": obj.travel_min,
            "mode": obj.mode,
            "activities": fmt.tags("service_type", obj.activities),
            "location": fmt.tag("region", obj.location),
            "experts": obj.experts,
            "attendees": obj.attendees,
            "trainees": obj.trainees,
            "problems_solved": obj.problems_solved,
            "problems": [
                {"description": p.get("description", ""), "result": p.get("result", "")}
                for p in obj.problems or []
            ],
            "notes": obj.notes,
            "economic_benefit": _num(obj.economic_benefit),
            "benefit_method": obj.benefit_method,
            "benefit_verified_at": _iso(obj.benefit_verified_at),
            "enterprise_confirmed": obj.enterprise_confirmed,
            "skill_upgrades": [_upgrade_data(u) for u in obj.skill_upgrades.all()],
        }

    def local_fingerprint(self, obj: Any) -> str:
        values = self.local_values(obj)
        for key, default in SESSION_DEFAULTS_1_1.items():
            if values.get(key) == default:
                values.pop(key, None)
        extra = {"_org": getattr(obj, "org_id", None), "_pii": ["", ""]}
        return fmt.fingerprint({**values, **extra})

    def resolve_refs(self, ctx: ImportContext, data: dict[str, Any]) -> dict[str, Any]:
        match = ctx.resolve(RecordType.MATCH, data.get("match"), "data.match")
        return {**data, "match": {"pk": match.pk}}

    def place(self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any]) -> Any:
        return None  # scoped through its match's demand

    def _input(self, values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields:
            v = values.get(f)
            if f == "date":
                v = _date(v)
            elif f == "economic_benefit":
                v = _decimal(v)
            elif f in ("activities", "problems"):
                v = list(v or [])
            elif f in ("location", "notes", "benefit_method"):
                v = v or ""
            elif f == "enterprise_confirmed":
                v = bool(v)
            out[f] = v
        return out

    def _sync_upgrades(
        self, ctx: ImportContext, record: ServiceRecord, data: dict[str, Any]
    ) -> None:
        """Make the session's skill upgrades the incoming list, through the session services:
        the ones no longer listed are deleted, the new ones added (each with the service's checks;
        an error names the item)."""
        # In the file's order (``values`` has them sorted for comparing): item numbers in errors
        # are the file's, and the local rows come in the source's order.
        incoming = [comparable(item) for item in data.get("skill_upgrades") or []]
        wanted = {_upgrade_key(v) for v in incoming}
        local = list(SkillUpgrade.objects.filter(session=record).order_by("pk"))
        present = set()
        for row in local:
            key = _upgrade_key(comparable(_upgrade_data(row)))
            if key in wanted and key not in present:
                present.add(key)
                continue
            session_services.skill_upgrade_delete(actor=ctx.actor, upgrade=row)
        for n, value in enumerate(incoming):
            key = _upgrade_key(value)
            if key in present:
                continue
            present.add(key)
            try:
                session_services.skill_upgrade_add(
                    actor=ctx.actor, record=record, data=_upgrade_input(value)
                )
            except BusinessError as exc:
                message = exc.message.removeprefix("技能提升：")
                where = f".{exc.field}" if exc.field and exc.field != "skill_upgrades" else ""
                raise LineError(
                    f"data.skill_upgrades[{n}]{where}", f"技能提升第{n + 1}项：{message}"
                ) from exc

    def _sync_verification(
        self, ctx: ImportContext, record: ServiceRecord, values: dict[str, Any]
    ) -> ServiceRecord:
        raw = values.get("benefit_verified_at")
        try:
            incoming = _datetime(raw)
        except ValueError:
            incoming = None
        if raw and incoming is None:
            raise LineError(
                "data.benefit_verified_at",
                f"经济效益核实时间：“{str(raw)[:40]}”不是有效的时间（应为 ISO 8601，如 2026-12-01T10:00:00+08:00）",
            )
        if incoming == record.benefit_verified_at:
            return record
        return session_services.session_import_verification(
            actor=ctx.actor, record=record, verified_at=incoming
        )

    def create(
        self, ctx: ImportContext, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        match = MatchSuggestion.objects.get(pk=values["match"])
        fields = [f for f in SESSION_FIELDS if f in data]
        record = session_services.session_create(
            actor=ctx.actor, match=match, data=self._input(values, fields)
        )
        if "skill_upgrades" in data:
            self._sync_upgrades(ctx, record, data)
        if "benefit_verified_at" in data:
            record = self._sync_verification(ctx, record, values)
        return record

    def update(
        self, ctx: ImportContext, obj: Any, data: dict[str, Any], values: dict[str, Any], org: Any
    ) -> Any:
        local = self.local_values(obj)
        if local.get("match") != values.get("match"):
            raise LineError("data.match", "服务记录所属匹配与本实例已有的同一记录不一致，未覆盖")
        # Only the fields the record carries: a 1.0 record leaves the 1.1 fields as they are.
        changed = _changed(local, values, [f for f in SESSION_FIELDS if f in data])
        if changed:
            obj = session_services.session_update(
                actor=ctx.actor, record=obj, data=self._input(values, changed)
            )
        if "skill_upgrades" in data:
            self._sync_upgrades(ctx, obj, data)
        if "benefit_verified_at" in data:
            # A changed figure clears the verification (session service); the source's state wins.
            obj = self._sync_verification(ctx, obj, values)
        return obj


HANDLERS: dict[str, Handler] = {
    h.record_type: h
    for h in (
        EnterpriseHandler(),
        CraftsmanHandler(),
        TeamHandler(),
        DemandHandler(),
        MatchHandler(),
        ServiceRecordHandler(),
    )
}


def handler_for_model(model: type[models.Model]) -> Handler | None:
    for handler in HANDLERS.values():
        if handler.model is model:
            return handler
    return None


__all__ = ["HANDLERS", "DataContext", "Handler", "ImportContext", "LineError", "ScopeViolation"]
