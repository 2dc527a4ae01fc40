"""Reads of the service casework. Every function takes ``user`` and reads through the scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from jiangqiao.demands.models import Demand, DemandEvent, EnterpriseContact

from . import claims, lifecycle
from .choices import OPEN_OFFER_STATUSES, OfferStatus
from .models import ContactAttempt, FollowUp, Offer, Outcome


def offer_list(*, user: Any) -> QuerySet[Offer]:
    return Offer.objects.visible_to(user, "view").select_related(
        "demand", "demand__org", "craftsman", "team"
    )


def my_offers(*, user: Any) -> QuerySet[Offer]:
    """The offers a craftsman (or a team lead) answers himself."""
    if not user.is_authenticated:
        return Offer.objects.none()
    return (
        Offer.objects.filter(Q(craftsman__user=user) | Q(team__lead__user=user))
        .select_related("demand", "demand__org", "craftsman", "team")
        .order_by("-offered_at", "-pk")
    )


#: One order for the craftsman's offers wherever they are listed (home panel, 我的服务邀请):
#: the answer due first on top, then the first contact due first; history newest first.
PENDING_ORDER = ("accept_deadline", "pk")
SERVING_ORDER = ("contact_deadline", "pk")
DONE_ORDER = ("-offered_at", "-pk")


def my_offer_lists(*, user: Any, limit: int = 200) -> dict[str, list[Offer]]:
    """The craftsman's offers by group — 待答复, 服务中, 历史 — each in its one order."""
    offers = my_offers(user=user)
    return {
        "pending": list(offers.filter(status=OfferStatus.PENDING).order_by(*PENDING_ORDER)[:limit]),
        "serving": list(
            offers.filter(status=OfferStatus.ACCEPTED).order_by(*SERVING_ORDER)[:limit]
        ),
        "done": list(
            offers.exclude(status__in=[OfferStatus.PENDING, OfferStatus.ACCEPTED]).order_by(
                *DONE_ORDER
            )[:limit]
        ),
    }


def is_enterprise_contact(*, user: Any, demand: Demand) -> bool:
    return (
        bool(user.is_authenticated)
        and EnterpriseContact.objects.filter(enterprise_id=demand.enterprise_id, user=user).exists()
    )


def answers_offer(*, user: Any, offer: Offer) -> bool:
    if not user.is_authenticated:
        return False
    if offer.craftsman_id:
        return bool(offer.craftsman and offer.craftsman.user_id == user.pk)
    lead = offer.team.lead if offer.team else None
    return bool(lead and lead.user_id == user.pk)


@dataclass
class TimelineItem:
    at: Any
    title: str
    #: The person's real name (or 系统); ``user`` lets the page add the login on hover.
    who: str
    comment: str
    user: Any = None


def timeline(*, user: Any, demand: Demand) -> list[TimelineItem]:
    """Who did what and when, for the demand's parties (the demand must be visible to ``user``)."""
    if not Demand.objects.visible_to(user, "view").filter(pk=demand.pk).exists():
        return []
    items = []
    for event in (
        DemandEvent.objects.filter(demand=demand).select_related("actor").order_by("at", "pk")
    ):
        title = event.get_to_status_display()
        if event.from_status == event.to_status:
            title = event.comment.split("，", 1)[0] if event.comment else title
        # People are named as people (their real name), not by their login.
        who = (event.actor.real_name if event.actor else "") or event.actor_name or "系统"
        items.append(TimelineItem(event.at, title, who, event.comment, event.actor))
    for attempt in (
        ContactAttempt.objects.filter(demand=demand)
        .select_related("created_by", "offer__craftsman", "offer__team")
        .order_by("at", "pk")
    ):
        # The person who called (the craftsman, or staff logging for him), never just a role.
        person = attempt.created_by
        offer = attempt.offer
        who = (
            (person.real_name or person.username if person else "")
            or str((offer.craftsman or offer.team or "") if offer else "")
            or "劳模工匠"
        )
        items.append(
            TimelineItem(
                attempt.at,
                f"{attempt.get_channel_display()}联系企业",
                who,
                "已联系上" if attempt.reached else "未联系上",
                person,
            )
        )
    items.sort(key=lambda i: i.at)
    return items


def next_deadline(*, demand: Demand) -> tuple[str, Any] | None:
    """The next deadline that someone must meet, with what it is for."""
    offer = (
        Offer.objects.filter(demand=demand, status=OfferStatus.PENDING)
        .order_by("accept_deadline")
        .first()
    )
    if offer:
        return ("劳模工匠答复邀请", offer.accept_deadline)
    offer = (
        Offer.objects.filter(
            demand=demand, status=OfferStatus.ACCEPTED, first_contact_at__isnull=True
        )
        .order_by("contact_deadline")
        .first()
    )
    if offer and offer.contact_deadline:
        return ("劳模工匠首次联系企业", offer.contact_deadline)
    return None


#: What the enterprise is told of where its demand stands (instead of the staff's state table).
PROGRESS_TEXT = {
    "draft": "草稿尚未提交，提交后工会才会受理。",
    "submitted": "已提交，等待工会受理。",
    "triaged": "工会已受理，正在为您匹配劳模工匠。",
    "returned": "工会请您补充需求信息：请按下方“需要补充的内容”修改需求，然后重新提交。",
    "published": "工会已受理，正在为您匹配劳模工匠。",
    "escalated": "已提交上级工会协调，正在为您匹配劳模工匠。",
    "transferred": "已转至更合适的工会办理。",
    "matching": "已邀请劳模工匠，等待其答复。",
    "in_service": "劳模工匠正在为您服务。",
    "resolved": "服务已完成，请确认服务结果并评分。",
    "partially_resolved": "服务已完成（部分解决），请确认服务结果并评分。",
    "unresolved": "服务已结束（未解决），请确认并留下意见。",
    "confirmed": "您已确认服务结果，工会将在 90 天和 180 天后回访。",
    "closed": "已办结，感谢您的参与。",
    "withdrawn": "您已撤回该需求。",
    "cancelled": "工会已取消该需求。",
    "merged": "该需求与本企业的另一条需求是同一个问题，已合并到那条需求办理。",
}


def case(*, user: Any, demand: Demand) -> dict[str, Any]:
    """Everything the demand's casework panel shows to ``user`` (by what ``user`` may do)."""
    staff = (
        user.has_perm("casework.assign_offer")
        and Demand.objects.visible_to(user, "change").filter(pk=demand.pk).exists()
    )
    contact = is_enterprise_contact(user=user, demand=demand)
    offers = Offer.objects.filter(demand=demand).select_related("craftsman", "team")
    if not staff:
        # The enterprise sees who serves it; a craftsman sees his own offer only.
        offers = offers.filter(
            Q(status__in=[OfferStatus.ACCEPTED, OfferStatus.COMPLETED])
            | Q(craftsman__user=user)
            | Q(team__lead__user=user)
        )
    outcome = Outcome.objects.filter(demand=demand).first()
    now = timezone.now()
    offers_list = list(offers.order_by("-offered_at", "-pk"))
    for offer in offers_list:
        offer.overdue = bool(  # type: ignore[attr-defined]
            offer.status == OfferStatus.PENDING and offer.accept_deadline < now
        )
        offer.mine = answers_offer(user=user, offer=offer)  # type: ignore[attr-defined]
    serving = [o for o in offers_list if o.status == OfferStatus.ACCEPTED]
    may_record = demand.status == "in_service" and (
        (staff and user.has_perm("casework.add_outcome"))
        or any(getattr(o, "mine", False) for o in serving)
    )
    steps = lifecycle.steps_from(demand.status)
    may_close = staff and lifecycle.target(demand.status, "close") is not None
    returned = claims.return_request(demand) if (staff or contact) else None
    return {
        "return_request": returned,
        "may_resubmit": returned is not None
        and (contact or staff)
        and Demand.objects.visible_to(user, "change").filter(pk=demand.pk).exists(),
        "staff": staff,
        "contact": contact,
        # When 办结 is the next step by the table (企业已确认), it is the page's main button
        # instead of a fold with the rare ones.
        "close_primary": may_close and all(s.action == "close" for s in steps),
        "progress_text": PROGRESS_TEXT.get(demand.status, ""),
        "steps": steps,
        "offers": offers_list,
        "open_offers": sum(1 for o in offers_list if o.status in OPEN_OFFER_STATUSES),
        "outcome": outcome,
        "followups": list(FollowUp.objects.filter(demand=demand).order_by("due_on")),
        "timeline": timeline(user=user, demand=demand),
        "next_deadline": next_deadline(demand=demand),
        "may_record": may_record,
        "may_confirm": contact and demand.status in lifecycle.OUTCOME_STATES,
        "may_escalate": staff and lifecycle.target(demand.status, "escalate") is not None,
        "may_transfer": staff and lifecycle.target(demand.status, "transfer") is not None,
        "may_close": may_close,
        "may_triage": user.has_perm("demands.triage_demand")
        and staff
        and lifecycle.target(demand.status, "triage") is not None,
        "may_submit": demand.status == "draft"
        and (user.has_perm("demands.add_demand") or user.has_perm("demands.change_demand")),
        "may_withdraw": lifecycle.target(demand.status, "withdraw") is not None
        and (contact or staff or demand.created_by_id == user.pk),
        "may_cancel": staff
        and user.has_perm("demands.change_demand")
        and lifecycle.target(demand.status, "cancel") is not None,
        "may_merge": staff
        and user.has_perm("demands.triage_demand")
        and lifecycle.target(demand.status, "merge") is not None,
    }


def todo_counts(*, user: Any) -> dict[str, int]:
    """The staff home's to-do figures, within the user's scope."""
    demands = Demand.objects.visible_to(user, "view")
    offers = Offer.objects.visible_to(user, "view")
    now = timezone.now()
    return {
        "to_triage": demands.filter(status__in=["submitted", "escalated", "transferred"]).count(),
        "pending_offers": offers.filter(status=OfferStatus.PENDING).count(),
        "overdue_offers": offers.filter(
            status=OfferStatus.PENDING, accept_deadline__lt=now
        ).count(),
        "contact_overdue": offers.filter(
            status=OfferStatus.ACCEPTED, first_contact_at__isnull=True, contact_deadline__lt=now
        ).count(),
        "to_confirm": demands.filter(status__in=list(lifecycle.OUTCOME_STATES)).count(),
    }


def craftsman_figures(*, user: Any) -> dict[str, int]:
    """The craftsman's own figures: offers answered, services, verified solved problems."""
    offers = my_offers(user=user)
    return {
        "offers": offers.count(),
        "accepted": offers.filter(responded_at__isnull=False)
        .exclude(status=OfferStatus.DECLINED)
        .count(),
        "completed": offers.filter(status=OfferStatus.COMPLETED).count(),
        "solved": offers.filter(
            status=OfferStatus.COMPLETED, demand__solved_confirmed_at__isnull=False
        ).count(),
    }


def craftsman_rating(*, user: Any) -> dict[str, Any]:
    """The enterprises' ratings (1–5) of the services the craftsman completed: the mean, one
    decimal, and how many rated (``mean`` None when nobody rated yet)."""
    from django.db.models import Avg, Count

    rated = Outcome.objects.filter(
        demand__in=my_offers(user=user).filter(status=OfferStatus.COMPLETED).values("demand_id"),
        rating__isnull=False,
    ).aggregate(mean=Avg("rating"), n=Count("pk"))
    mean = rated["mean"]
    return {"mean": round(float(mean), 1) if mean is not None else None, "count": rated["n"]}


def offer_contacts(*, user: Any, offer: Offer) -> list[dict[str, str]]:
    """The enterprise's contacts for the craftsman serving it (names; mobiles masked)."""
    from jiangqiao.core.sensitive import mask

    if offer.status != OfferStatus.ACCEPTED or not (
        answers_offer(user=user, offer=offer) or user.has_perm("casework.assign_offer")
    ):
        return []
    return [
        {"name": c.name, "title": c.title, "mobile": mask("mobile", c.mobile)}
        for c in EnterpriseContact.objects.filter(enterprise_id=offer.demand.enterprise_id)
    ]
