"""Reads of the enterprise and demand pool; every function takes the requesting user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiangqiao.core.choices import Status

from .models import Demand, DemandAttachment, DemandEvent, Enterprise


def enterprise_list(*, user: Any, action: str = "view") -> QuerySet[Enterprise]:
    return Enterprise.objects.visible_to(user, action).select_related("org")


def enterprise_choices_for(*, user: Any) -> QuerySet[Enterprise]:
    """Enabled enterprises the user may file demands for (an enterprise contact: their own)."""
    return (
        Enterprise.objects.visible_to(user, "view")
        .filter(status=Status.ACTIVE)
        .order_by("name", "pk")
    )


def demand_list(*, user: Any, action: str = "view") -> QuerySet[Demand]:
    return Demand.objects.visible_to(user, action).select_related("enterprise", "org")


def enterprise_demands(*, user: Any, enterprise: Enterprise) -> QuerySet[Demand]:
    return demand_list(user=user).filter(enterprise=enterprise)


def demand_events(*, user: Any, demand: Demand) -> QuerySet[DemandEvent]:
    """Status history of a demand the user can see (empty otherwise)."""
    if not Demand.objects.visible_to(user, "view").filter(pk=demand.pk).exists():
        return DemandEvent.objects.none()
    return DemandEvent.objects.filter(demand=demand).order_by("at", "pk")


def attachment_list(*, user: Any, action: str = "view") -> QuerySet[DemandAttachment]:
    """Attachments within the user's scope (the demand's, or the demand he serves)."""
    return DemandAttachment.objects.visible_to(user, action).select_related("demand")


def demand_attachments(*, user: Any, demand: Demand) -> QuerySet[DemandAttachment]:
    return attachment_list(user=user).filter(demand=demand).select_related("created_by")


def merge_context(*, user: Any, demand: Demand) -> dict[str, Any]:
    """A merged demand's survivor and a survivor's merged duplicates, as ``user`` may see them.

    ``merged_into``: the survivor if visible; ``merged_into_hidden``: merged into a demand the
    user may not see (said without naming it). ``merged_demands``: the visible duplicates merged
    into ``demand``.
    """
    visible = Demand.objects.visible_to(user, "view")
    survivor = visible.filter(pk=demand.merged_into_id).first() if demand.merged_into_id else None
    return {
        "merged_into": survivor,
        "merged_into_hidden": bool(demand.merged_into_id) and survivor is None,
        "merged_demands": list(
            visible.filter(merged_into_id=demand.pk)
            .order_by("pk")
            .only("pk", "number", "title", "status", "created_at")[:50]
        ),
    }


#: What a registrant reads of his own registration: what he typed and gave consent to, its state
#: — never the enterprise it matched nor the unit that decides.
OWN_REGISTRATION_FIELDS = (
    "kind",
    "status",
    "claimed_name",
    "contact_name",
    "contact_title",
    "mobile",
    "consent_version",
    "consented_at",
    "created_at",
    "decided_at",
    "reason",
)


def own_registrations(*, user: Any) -> QuerySet[Any]:
    """The user's own self-registrations (企业自助注册), newest first, selected by his own key (as
    the PIPL copy is: ``privacy.export``), limited to ``OWN_REGISTRATION_FIELDS``."""
    from .models import EnterpriseRegistration

    if not getattr(user, "is_authenticated", False):
        return EnterpriseRegistration.objects.none()
    return (
        EnterpriseRegistration.objects.filter(user=user)
        .only("pk", "user_id", *OWN_REGISTRATION_FIELDS)
        .order_by("-consented_at", "-pk")
    )


def has_pending_registration(user: Any) -> bool:
    """Whether the user's own self-registration waits for a union unit (企业注册审核): his phone
    form says so instead of "no enterprise". Only his own request is read, and nothing of the
    enterprise it names."""
    from .choices import RegistrationStatus
    from .models import EnterpriseRegistration

    if not getattr(user, "is_authenticated", False):
        return False
    return EnterpriseRegistration.objects.filter(
        user=user, status=RegistrationStatus.PENDING
    ).exists()
