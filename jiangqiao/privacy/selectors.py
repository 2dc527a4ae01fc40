"""Reads of the privacy app; every function takes the requesting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from .choices import OPEN_STATUSES
from .models import DataSubjectRequest


def my_requests(*, user: Any) -> QuerySet[DataSubjectRequest]:
    """The requests ``user`` made himself (newest first) — the person's own list."""
    if not getattr(user, "is_authenticated", False):
        return DataSubjectRequest.objects.none()
    return DataSubjectRequest.objects.filter(requester=user).order_by("-submitted_at", "-pk")


def request_queue(*, user: Any) -> QuerySet[DataSubjectRequest]:
    """Requests the staff member may see (his unit and below, through ``visible_to``): open
    ones first, the nearest due date first."""
    return (
        DataSubjectRequest.objects.visible_to(user, "view")
        .select_related("org", "handler", "craftsman")
        .annotate(
            closed=Case(
                When(status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "due_date", "-pk")
    )


def overdue(qs: QuerySet[DataSubjectRequest]) -> QuerySet[DataSubjectRequest]:
    return qs.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())


def consents_of(craftsman: Any) -> list[dict[str, Any]]:
    """The craftsman's consents as rows for “我的个人信息” (purpose, text, in force, history)."""
    from jiangqiao.talents.choices import CONSENT_TEXTS, ConsentPurpose
    from jiangqiao.talents.models import Consent

    rows = list(Consent.objects.filter(craftsman=craftsman).order_by("-granted_at", "-pk"))
    out = []
    for purpose in ConsentPurpose:
        history = [c for c in rows if c.purpose == purpose.value]
        active = next((c for c in history if c.withdrawn_at is None), None)
        out.append(
            {
                "purpose": purpose.value,
                "label": purpose.label,
                "text": CONSENT_TEXTS[purpose.value],
                "active": active,
                "last_withdrawn": next((c for c in history if c.withdrawn_at), None),
            }
        )
    return out


def registration_consents_of(user: Any) -> list[dict[str, Any]]:
    """The notices ``user`` agreed to when he registered his enterprise himself (企业自助注册):
    version, time, the text of that version and what it covered — his own registrations only
    (``demands.selectors.own_registrations``), nothing of the enterprise it matched."""
    from jiangqiao.demands.choices import REGISTRATION_CONSENT_TEXTS
    from jiangqiao.demands.selectors import own_registrations

    return [
        {
            "version": reg.consent_version,
            "consented_at": reg.consented_at,
            "text": REGISTRATION_CONSENT_TEXTS.get(reg.consent_version, ""),
            "claimed_name": reg.claimed_name,
            "kind": reg.get_kind_display(),
            "status": reg.get_status_display(),
            "pending": reg.status == "pending",
        }
        for reg in own_registrations(user=user)
    ]
