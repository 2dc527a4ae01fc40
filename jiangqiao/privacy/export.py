"""The copy of a person's own data (PIPL art. 45: 查阅、复制; art. 45 ¶3: portability as JSON).

Everything is selected by the person's own keys — his login account, his craftsman profile, his
enterprise-contact rows — never by a search: a copy for A can hold nothing of B by construction
(the tests check it with a B who shares A's unit, enterprise and demands). Rows of other people
that mention him (a colleague's service record naming him) are not his copy; their de-identified
facts (dates, counts, the enterprise's rating of his service) are.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

#: Columns never copied: derived indexes, internal state, secrets of the platform itself.
SKIPPED_FIELDS = {
    "id_number_index",
    "mobile_index",
    "name_normalized",
    "expertise_normalized",
    "bio_normalized",
    "description_normalized",
    "search_text",
    "skill_rank",
    "version",
    "password",
    "hash",
    "mac",
    "seq",
    "prev_hash",
    "export_data",
    "file_data",
}


#: JSON columns holding lists of taxonomy codes, and their schemes (as the detail pages label them,
#: ``talents.views.craftsman_display`` and ``children_context``).
CODE_LISTS = {
    "industries": "industry",
    "occupations": "occupation",
    "regions_served": "region",
    "service_modes": "service_mode",
    "modes": "service_mode",
    "expertise_tags": "demand_category",
}


def _term(label: str, code: str) -> str:
    """A code as the copy shows it: its Chinese label with the code alongside (an unknown code
    as it is)."""
    return f"{label}（{code}）" if label else code


def _value(obj: models.Model, field: models.Field[Any, Any]) -> Any:
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    if isinstance(field, models.ForeignKey):
        related = getattr(obj, field.name, None)
        return str(related) if related is not None else None
    value = getattr(obj, field.attname)
    scheme = getattr(field, "scheme", None)  # a taxonomy code: its label, then the code
    if scheme and isinstance(value, str) and value:
        from jiangqiao.taxonomy.selectors import term_label

        return _term(term_label(scheme, value), value)
    list_scheme = CODE_LISTS.get(field.name)
    if list_scheme and isinstance(value, list):
        from jiangqiao.taxonomy.selectors import term_labels

        codes = [str(code) for code in value]
        labels = term_labels(list_scheme, codes)
        return [_term(labels.get(code, ""), code) for code in codes]
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def row(obj: models.Model, *, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """``obj`` as {Chinese column name: value}, choices as their labels, FKs as their names."""
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS or (only and field.name not in only):
            continue
        if field.name in ("created_by", "updated_by", "id"):
            continue
        out[str(field.verbose_name)] = _value(obj, field)
    return out


def _account(user: Any) -> dict[str, Any]:
    return {
        "登录账号": user.username,
        "姓名": getattr(user, "real_name", "") or "",
        "电子邮箱": user.email,
        "所属组织": str(user.org) if getattr(user, "org", None) else None,
        "注册时间": timezone.localtime(user.date_joined).strftime("%Y-%m-%d %H:%M:%S"),
        "最近登录": timezone.localtime(user.last_login).strftime("%Y-%m-%d %H:%M:%S")
        if user.last_login
        else None,
    }


def _logins(user: Any) -> list[dict[str, Any]]:
    from jiangqiao.accounts.models import LoginLog

    rows = LoginLog.objects.filter(user=user).order_by("-time")[:1000]
    return [row(r, only=("time", "status", "ip", "user_agent", "message")) for r in rows]


def craftsman_copy(user: Any, craftsman: Any) -> dict[str, Any]:
    """What the platform holds about the craftsman linked to ``user`` (and about ``user``)."""
    from jiangqiao.casework.models import Offer, Outcome
    from jiangqiao.casework.session_models import ServiceRecord
    from jiangqiao.talents.models import Consent, Honour, ServiceItem, TeamMembership

    offers = list(
        Offer.objects.filter(craftsman=craftsman).select_related("demand").order_by("-offered_at")
    )
    served = [o.demand_id for o in offers]
    return {
        "账号": _account(user),
        "劳模工匠档案": row(craftsman),
        "荣誉": [row(h) for h in Honour.objects.filter(craftsman=craftsman)],
        "技术服务项目": [row(i) for i in ServiceItem.objects.filter(craftsman=craftsman)],
        "个人信息授权": [row(c) for c in Consent.objects.filter(craftsman=craftsman)],
        "服务队": [
            row(m, only=("team", "role", "joined_on"))
            for m in TeamMembership.objects.filter(craftsman=craftsman).select_related("team")
        ],
        "服务邀请": [
            row(
                o,
                only=(
                    "demand",
                    "source",
                    "status",
                    "offered_at",
                    "responded_at",
                    "decline_reason",
                    "decline_note",
                    "first_contact_at",
                    "ended_at",
                ),
            )
            for o in offers
        ],
        "服务记录": [
            row(r, only=("demand", "date", "mode", "attendees", "trainees", "problems_solved"))
            for r in ServiceRecord.objects.filter(offer__craftsman=craftsman).select_related(
                "demand"
            )
        ],
        "企业对服务的评价": [
            row(o, only=("demand", "result", "confirmed_at", "rating", "enterprise_comment"))
            for o in Outcome.objects.filter(
                demand_id__in=served, demand__offers__craftsman=craftsman
            )
            .select_related("demand")
            .distinct()
        ],
        **({"企业自助注册与告知同意": regs} if (regs := _registrations(user)) else {}),
        "登录记录": _logins(user),
    }


def _registrations(user: Any) -> list[dict[str, Any]]:
    """His own self-registrations with the notice he agreed to (version, time, text)."""
    from jiangqiao.demands.choices import REGISTRATION_CONSENT_TEXTS
    from jiangqiao.demands.selectors import OWN_REGISTRATION_FIELDS, own_registrations

    return [
        {
            **row(reg, only=OWN_REGISTRATION_FIELDS),
            "告知同意文本": REGISTRATION_CONSENT_TEXTS.get(reg.consent_version, ""),
        }
        for reg in own_registrations(user=user)
    ]


def contact_copy(user: Any, contacts: list[Any]) -> dict[str, Any]:
    """What the platform holds about the enterprise contact ``user``."""
    from jiangqiao.demands.models import Demand

    return {
        "账号": _account(user),
        "企业联系人": [
            {**row(c, only=("name", "title", "mobile", "is_primary")), "企业": str(c.enterprise)}
            for c in contacts
        ],
        "本人提交的需求": [
            row(d, only=("title", "status", "created_at"))
            for d in Demand.objects.filter(created_by=user).order_by("-created_at")
        ],
        "企业自助注册与告知同意": _registrations(user),
        "登录记录": _logins(user),
    }


def as_json(data: dict[str, Any], *, who: str) -> bytes:
    payload = {
        "说明": "这是匠桥平台保存的您本人的个人信息副本（《个人信息保护法》第四十五条）。",
        "本人": who,
        "生成时间": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        **data,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode("utf-8")
