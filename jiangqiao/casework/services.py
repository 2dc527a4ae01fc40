"""The one owner of the service lifecycle: every status change of a demand and an offer.

Each change is a conditional UPDATE on the status read (``... WHERE status = <read>``): of two
people acting at once exactly one wins, the other gets a business error naming the current state
and the allowed next steps (``lifecycle.TRANSITIONS``), and nothing of his is written. Each change
writes a status-history row (``DemandEvent``), a change-log row and an operation-log row, and
tells the people concerned through the in-app inbox (``core.notifications``).

Deadlines are counted in working days on the Chinese public-holiday calendar (``core.workdays``).
The periodic ``tick`` expires offers, reassigns, escalates unstaffed demands and sends reminders;
it only takes transitions whose conditions still hold, so running it twice does nothing twice.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from jiangqiao.core import changelog, rollups
from jiangqiao.core.choices import BusinessType, ChangeAction, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.notifications import notify
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import ScopeViolation, assert_visible
from jiangqiao.core.workdays import add_workdays
from jiangqiao.demands import numbering
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import DemandStatus, OwnerLevel
from jiangqiao.demands.models import Demand, DemandEvent, EnterpriseContact
from jiangqiao.matching.choices import SuggestionStatus
from jiangqiao.matching.models import DeclaredConflict, MatchSuggestion

from . import lifecycle
from .choices import (
    OPEN_OFFER_STATUSES,
    REFUSED_OFFER_STATUSES,
    ContactChannel,
    DeclineReason,
    FollowUpKind,
    OfferSource,
    OfferStatus,
    OutcomeResult,
)
from .models import (
    Agreement,
    AgreementStatus,
    ContactAttempt,
    FollowUp,
    Offer,
    Outcome,
    ServiceRecord,
)

MODULE = "服务办理"
SYSTEM_NAME = "系统"
ORG_LEVEL_TO_OWNER = {
    "province": OwnerLevel.PROVINCE,
    "city": OwnerLevel.CITY,
    "industry": OwnerLevel.CITY,
    "county": OwnerLevel.COUNTY,
    "grassroots": OwnerLevel.GRASSROOTS,
}
#: The follow-ups of a confirmed outcome: how many days after the confirmation each is due.
FOLLOW_UP_DAYS = ((FollowUpKind.DAYS_90, 90), (FollowUpKind.DAYS_180, 180))
_RESULT_RANK = {OutcomeResult.UNSOLVED: 0, OutcomeResult.PARTIAL: 1, OutcomeResult.SOLVED: 2}

#: Set while the deadline tick reassigns: the offer it creates is marked 自动改派.
_offer_source: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "casework_offer_source", default=None
)


# ----------------------------------------------------------------------------------------------
# Settings and small helpers
# ----------------------------------------------------------------------------------------------


def rule(name: str, level: str = "") -> int:
    """A casework deadline (working days) or count, per owner level where configured."""
    conf = settings.JIANGQIAO_CASEWORK
    per_level = conf.get("levels", {}).get(level or "", {})
    return int(per_level.get(name, conf[name]))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _name(actor: Any) -> str:
    user = _user(actor)
    if user is None:
        return SYSTEM_NAME
    return str(getattr(user, "display_name", "") or user.username)


def _check_perm(actor: Any, perm: str, message: str = "您没有此操作的权限") -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)


def _visible_demand(actor: Any, demand: Any, action: str = "view") -> Demand:
    row = Demand.objects.visible_to(actor, action).filter(pk=getattr(demand, "pk", demand)).first()
    if row is None:
        raise ScopeViolation(Demand, action)
    return row


def _enterprise_users(demand: Demand) -> list[Any]:
    return [
        c.user
        for c in EnterpriseContact.objects.filter(
            enterprise_id=demand.enterprise_id, user__isnull=False, user__is_active=True
        ).select_related("user")
    ]


def _is_enterprise_contact(actor: Any, demand: Demand) -> bool:
    user = _user(actor)
    return (
        user is not None
        and EnterpriseContact.objects.filter(enterprise_id=demand.enterprise_id, user=user).exists()
    )


def _unit_staff(org_id: int, perm: str = "demands.triage_demand") -> list[Any]:
    """Active users of the unit ``org_id`` who hold ``perm`` (who must act on its queue)."""
    from jiangqiao.accounts.selectors import unit_staff

    return list(unit_staff(org_id, perm))


def _offer_people(offer: Offer) -> list[Any]:
    """Who answers an offer: the craftsman, or the lead of the team."""
    if offer.craftsman_id:
        user = offer.craftsman.user if offer.craftsman else None
        return [user] if user is not None and user.is_active else []
    lead = offer.team.lead if offer.team else None
    user = getattr(lead, "user", None)
    return [user] if user is not None and user.is_active else []


def _event(demand: Demand, actor: Any, from_status: str, to_status: str, comment: str) -> None:
    DemandEvent.objects.create(
        demand=demand,
        from_status=from_status,
        to_status=to_status,
        actor=_user(actor),
        actor_name=_name(actor) if _user(actor) is None else actor.username,
        comment=(comment or "")[:500],
    )


# ----------------------------------------------------------------------------------------------
# The demand's status: one conditional UPDATE per step of ``lifecycle.TRANSITIONS``
# ----------------------------------------------------------------------------------------------


def _step_label(action: str) -> str:
    for steps in lifecycle.TRANSITIONS.values():
        for step in steps:
            if step.action == action:
                return step.label
    return action


def refusal(status: str, action: str) -> BusinessError:
    label = DemandStatus(status).label if status else "已不存在"
    return BusinessError(
        f"需求当前状态为“{label}”，不能{_step_label(action)}（可能已被他人处理，请刷新）。"
        f"{lifecycle.next_steps_text(status)}",
        field="status",
        code="conflict",
    )


def follow_demand_org(demand_ids: list[int], org_id: int) -> None:
    """A demand that changes its owning unit (escalation, transfer) takes the skill upgrades of
    its sessions along: they are counted and seen where the demand is (docs/kpi.md)."""
    from .session_models import SkillUpgrade

    moving = SkillUpgrade.objects.filter(session__demand_id__in=demand_ids).exclude(org_id=org_id)
    cells = list(moving.values_list("org_id", "issued_on").distinct())
    moving.update(org_id=org_id, updated_at=timezone.now())
    # The figures go with the demand: its upgrades' days at the unit left and the unit reached;
    # its sessions' days are told by the callers, who know the unit left.
    rollups.changed(cells + [(org_id, day) for _o, day in cells])


def _figures_follow(before: Demand, after: Demand) -> None:
    """The campaign's figures of the demand's days (collected, solved) at both units, when the
    step changed what they count (docs/kpi.md §1: solved on the enterprise's confirmation)."""
    from jiangqiao.casework.kpi import NOT_COLLECTED

    if (
        before.org_id == after.org_id
        and before.submitted_at == after.submitted_at
        and before.solved_confirmed_at == after.solved_confirmed_at
        and (before.status in NOT_COLLECTED) == (after.status in NOT_COLLECTED)
    ):
        return
    rollups.changed(
        (demand.org_id, when)
        for demand in (before, after)
        for when in (demand.submitted_at, demand.solved_confirmed_at)
    )


def transition(
    *,
    actor: Any,
    demand: Demand | int,
    action: str,
    comment: str = "",
    business_type: str = BusinessType.UPDATE,
    notify_users: Iterable[Any] = (),
    to: str | None = None,
    **updates: Any,
) -> Demand:
    """Take the step ``action`` from the demand's current state (the only status writer).

    Must run inside the caller's transaction. A step to the same state (``offer`` while 匹配中)
    writes the updates and the history, not the status. ``to`` picks one of several steps of the
    same action (``hand_back`` returns to the state the demand was handed over from).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("casework.transition() must run inside a transaction")
    pk = getattr(demand, "pk", demand)
    before_obj = Demand.objects.filter(pk=pk).first()
    if before_obj is None:
        raise BusinessError("需求已不存在", field="status")
    to_status = lifecycle.target(before_obj.status, action)
    if to is not None:
        targets = {st.to for st in lifecycle.steps_from(before_obj.status) if st.action == action}
        to_status = to if to in targets else None
    if to_status is None:
        raise refusal(before_obj.status, action)
    before = changelog.snapshot(before_obj)
    now = timezone.now()
    values: dict[str, Any] = {
        "status": to_status,
        "updated_by": _user(actor),
        "updated_at": now,
        "version": F("version") + 1,
        **updates,
    }
    if to_status != before_obj.status:
        values["status_changed_at"] = now
    updated = Demand.objects.filter(pk=pk, status=before_obj.status).update(**values)
    if updated != 1:
        current = Demand.objects.filter(pk=pk).values_list("status", flat=True).first()
        raise refusal(current or "", action)
    result = Demand.objects.select_related("enterprise", "org").get(pk=pk)
    if result.org_id != before_obj.org_id:
        follow_demand_org([result.pk], result.org_id)
        days = set(ServiceRecord.objects.filter(demand_id=pk).values_list("date", flat=True))
        rollups.changed((org, day) for org in (before_obj.org_id, result.org_id) for day in days)
    _figures_follow(before_obj, result)
    # The step as labelled for the state it left (办结 from 企业已确认 is not "企业逾期未确认").
    label = next(
        (
            step.label
            for step in lifecycle.steps_from(before_obj.status)
            if step.action == action and step.to == to_status
        ),
        _step_label(action),
    )
    _event(result, actor, before_obj.status, to_status, comment or label)
    changelog.write(
        result,
        ChangeAction.UPDATE,
        before=before,
        after=changelog.snapshot(result),
        message=label,
    )
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=business_type,
        action=f"{label}：需求“{result}”",
        target=result,
        extra={"from": before_obj.status, "to": to_status, "action": action},
    )
    recipients = [u for u in notify_users if u is not None]
    if recipients:
        notify(
            recipients,
            title=f"需求“{result.title}”：{label}",
            body=comment,
            link=result.get_absolute_url(),
            actor=_user(actor),
        )
    return result


def _may_act_on(actor: Any, demand: Demand, *, perms: tuple[str, ...]) -> Demand:
    if not any(actor.has_perm(p) for p in perms):
        raise PermissionDenied("您没有此操作的权限")
    return _visible_demand(actor, demand)


@transaction.atomic
def demand_submit(*, actor: Any, demand: Demand, comment: str = "") -> Demand:
    """草稿 → 已提交; gives the demand its number (unique, never reused)."""
    _may_act_on(actor, demand, perms=("demands.add_demand", "demands.change_demand"))
    current = Demand.objects.select_for_update().select_related("enterprise").get(pk=demand.pk)
    if current.status != DemandStatus.DRAFT:
        raise refusal(current.status, "submit")
    now = timezone.now()
    number = current.number or numbering.allocate_number(
        current.region_code, timezone.localtime(now).year
    )
    return transition(
        actor=actor,
        demand=current,
        action="submit",
        comment=comment,
        business_type=BusinessType.SUBMIT,
        number=number,
        submitted_at=now,
        submitted_by=_user(actor),
        search_text=demand_services._demand_search_text(current, number),
    )


@transaction.atomic
def demand_triage(*, actor: Any, demand: Demand, data: dict[str, Any], comment: str = "") -> Demand:
    """已提交 / 已升级 / 已转办 → 已分级: the unit sets category, grade, owner level, visibility."""
    demand_services._check_fields(data, demand_services.TRIAGE_FIELDS)
    _may_act_on(actor, demand, perms=("demands.triage_demand",))
    assert_visible(Demand, actor, demand.pk, "change")
    candidate = Demand.objects.select_related("enterprise").get(pk=demand.pk)
    if lifecycle.target(candidate.status, "triage") is None:
        raise refusal(candidate.status, "triage")
    kept = list(candidate.preferred_craftsmen or [])
    for key, value in data.items():
        setattr(candidate, key, value)
    errors: dict[str, str] = {}
    if not candidate.category:
        errors["category"] = "分级时必须确定需求类别"
    if not candidate.grade:
        errors["grade"] = "请选择需求分级"
    if not candidate.owner_level:
        errors["owner_level"] = "请选择承办层级"
    if errors:
        raise ValidationError(errors)
    demand_services._prepare_demand(candidate, actor=actor, kept_craftsmen=kept)
    candidate.full_clean()
    return transition(
        actor=actor,
        demand=candidate,
        action="triage",
        comment=comment,
        business_type=BusinessType.APPROVE,
        triaged_at=timezone.now(),
        **{key: getattr(candidate, key) for key in demand_services.TRIAGE_FIELDS},
    )


def _sync_open_offer(*demand_ids: int) -> None:
    """Keep ``Demand.has_open_offer`` equal to "an offer of it is 待答复 or 已接受".

    Called in the same transaction as every write of an offer's status (this module is the only
    writer); the UPDATE takes the demand's row lock, so an escalation that locks the row after
    it sees the new value. The board and the tick filter on the column instead of an anti-join
    over all open offers (docs/performance.md).
    """
    if demand_ids:
        open_offers = Offer.objects.filter(demand=OuterRef("pk"), status__in=OPEN_OFFER_STATUSES)
        Demand.objects.filter(pk__in=demand_ids).update(has_open_offer=Exists(open_offers))


def _end_open_offers(actor: Any, demand: Demand, note: str) -> None:
    now = timezone.now()
    for offer in Offer.objects.filter(demand=demand, status__in=OPEN_OFFER_STATUSES):
        Offer.objects.filter(pk=offer.pk, status=offer.status).update(
            status=OfferStatus.WITHDRAWN, ended_at=now, note=note[:500], updated_at=now
        )
    _sync_open_offer(demand.pk)


@transaction.atomic
def demand_withdraw(*, actor: Any, demand: Demand, comment: str = "") -> Demand:
    """The enterprise (or staff for it) withdraws a demand that nobody serves yet."""
    current = _may_act_on(actor, demand, perms=("demands.add_demand", "demands.change_demand"))
    return transition(actor=actor, demand=current, action="withdraw", comment=comment)


@transaction.atomic
def demand_cancel(*, actor: Any, demand: Demand, comment: str) -> Demand:
    """The union cancels a demand (a reason is required); open offers are withdrawn."""
    current = _may_act_on(actor, demand, perms=("demands.change_demand",))
    assert_visible(Demand, actor, current.pk, "change")
    if not (comment or "").strip():
        raise BusinessError("取消需求时请填写原因", field="comment")
    open_offers = list(
        Offer.objects.filter(demand=current, status__in=OPEN_OFFER_STATUSES).select_related(
            "craftsman", "team"
        )
    )
    result = transition(
        actor=actor,
        demand=current,
        action="cancel",
        comment=comment,
        notify_users=_enterprise_users(current),
    )
    _end_open_offers(actor, result, f"需求已取消：{comment}")
    for offer in open_offers:  # the craftsman reads it on his offer page, not the demand page
        notify(
            _offer_people(offer),
            title=f"需求已取消：{result.title}",
            body=comment,
            link=offer.get_absolute_url(),
            actor=_user(actor),
        )
    return result


@transaction.atomic
def demand_escalate(*, actor: Any, demand: Demand, comment: str, system: bool = False) -> Demand:
    """Move the demand up one level (基层 → 县 → 市 → 省): the parent unit owns it from now on."""
    if not system:
        current = _may_act_on(actor, demand, perms=("demands.triage_demand",))
        assert_visible(Demand, actor, current.pk, "change")
        if not (comment or "").strip():
            raise BusinessError("升级时请说明原因", field="comment")
    else:
        current = Demand.objects.get(pk=demand.pk)
    org = current.org
    parent = org.parent if org.parent_id else None
    if parent is None or parent.status != Status.ACTIVE:
        raise BusinessError(
            f"“{org.name}”已是最高一级，不能再升级；请联系省总工作专班协调", field="status"
        )
    return transition(
        actor=actor,
        demand=current,
        action="escalate",
        comment=comment
        or f"超过 {rule('escalate_days', current.owner_level)} 个工作日无人承接，自动升级",
        org_id=parent.pk,
        owner_level=ORG_LEVEL_TO_OWNER.get(parent.level, current.owner_level),
        # The clock restarts at the new level (escalated → escalated keeps the state, so
        # transition() alone would keep the old time and the next tick would escalate again).
        status_changed_at=timezone.now(),
        notify_users=_unit_staff(parent.pk),
    )


@transaction.atomic
def demand_transfer(*, actor: Any, demand: Demand, org: Any, comment: str) -> Demand:
    """Hand a demand to another unit (another region's union): it triages it there."""
    current = _may_act_on(actor, demand, perms=("demands.triage_demand",))
    assert_visible(Demand, actor, current.pk, "change")
    if not (comment or "").strip():
        raise BusinessError("转办时请说明原因", field="comment")
    if org is None or org.status != Status.ACTIVE:
        raise BusinessError("请选择一个启用的接收单位", field="org")
    if org.pk == current.org_id:
        raise BusinessError("接收单位与当前承办单位相同", field="org")
    return transition(
        actor=actor,
        demand=current,
        action="transfer",
        comment=f"转办至“{org.name}”：{comment}",
        org_id=org.pk,
        owner_level=ORG_LEVEL_TO_OWNER.get(org.level, current.owner_level),
        notify_users=_unit_staff(org.pk),
    )


@transaction.atomic
def demand_close(*, actor: Any, demand: Demand, comment: str = "") -> Demand:
    current = _may_act_on(actor, demand, perms=("demands.triage_demand",))
    assert_visible(Demand, actor, current.pk, "change")
    if current.status != DemandStatus.CONFIRMED and not (comment or "").strip():
        raise BusinessError("企业尚未确认，办结时请说明原因", field="comment")
    return transition(actor=actor, demand=current, action="close", comment=comment)


# ----------------------------------------------------------------------------------------------
# Duplicates: a demand merged into another open demand of the same enterprise
# ----------------------------------------------------------------------------------------------


def merge_survivors(*, actor: Any, demand: Demand) -> Any:
    """The demands ``demand`` may be merged into: open, not merged, of the same enterprise, that
    ``actor`` may change (the merge page's choices; ``demand_merge`` checks the same)."""
    from jiangqiao.demands.choices import OPEN_STATUSES

    return (
        Demand.objects.visible_to(actor, "change")
        .filter(
            enterprise_id=demand.enterprise_id, status__in=OPEN_STATUSES, merged_into__isnull=True
        )
        .exclude(pk=demand.pk)
        .order_by("-created_at", "-pk")
    )


@transaction.atomic
def demand_merge(*, actor: Any, demand: Demand, survivor: Any, comment: str = "") -> Demand:
    """Merge the duplicate ``demand`` into ``survivor`` (已合并, final): both are the actor's to
    change and of the same enterprise; the survivor is open.

    The duplicate's open offers are withdrawn, its publication on the claim list ends and its
    pending claims lapse (their owners' code: this module and ``claims``), the people concerned
    are told. Both demands get a history row, a change-log row and an operation-log row; demands
    merged into the duplicate earlier now point to the survivor, and the survivor's search text
    carries the merged numbers (a look-up by either number finds it).
    """
    from jiangqiao.demands.choices import OPEN_STATUSES

    from . import claims

    _check_perm(actor, "demands.triage_demand", "您没有合并需求的权限")
    comment = (comment or "").strip()
    if len(comment) > 400:
        raise BusinessError("合并说明：不能超过 400 个字", field="comment")
    pk = getattr(demand, "pk", demand)
    keep = getattr(survivor, "pk", survivor)
    if keep in (None, ""):
        raise BusinessError("保留的需求：请选择合并后保留的需求", field="survivor")
    if keep == pk:
        raise BusinessError("保留的需求：不能是被合并的需求本身", field="survivor")
    visible = set(
        Demand.objects.visible_to(actor, "change")
        .filter(pk__in=[pk, keep])
        .values_list("pk", flat=True)
    )
    if pk not in visible:
        raise ScopeViolation(Demand, "change")
    if keep not in visible:
        raise BusinessError("保留的需求：不存在或不在您的数据范围内", field="survivor")
    rows = {
        row.pk: row
        for row in Demand.objects.select_for_update()
        .select_related("enterprise")
        .filter(pk__in=sorted([pk, keep]))
        .order_by("pk")
    }
    current, kept = rows[pk], rows[keep]
    if current.enterprise_id != kept.enterprise_id:
        raise BusinessError("保留的需求：与被合并的需求不属于同一企业，不能合并", field="survivor")
    if kept.status not in OPEN_STATUSES or kept.merged_into_id:
        raise BusinessError(
            f"保留的需求：当前状态为“{kept.get_status_display()}”，不能作为合并后保留的需求",
            field="survivor",
        )
    if lifecycle.target(current.status, "merge") is None:
        raise refusal(current.status, "merge")
    open_offers = list(
        Offer.objects.filter(demand=current, status__in=OPEN_OFFER_STATUSES).select_related(
            "craftsman", "team"
        )
    )
    survivor_name = kept.number or f"草稿#{kept.pk}"
    merged_name = current.number or f"草稿#{current.pk}"
    result = transition(
        actor=actor,
        demand=current,
        action="merge",
        comment=f"作为重复需求合并到需求 {survivor_name}" + (f"：{comment}" if comment else ""),
        merged_into_id=kept.pk,
        notify_users=_enterprise_users(current),
    )
    _end_open_offers(actor, result, f"需求已合并到需求 {survivor_name}")
    for offer in open_offers:
        notify(
            _offer_people(offer),
            title=f"需求已合并：{result.title}",
            body=f"该需求与需求 {survivor_name} 是同一个问题，已合并办理，本邀请随之结束。",
            link=offer.get_absolute_url(),
            actor=_user(actor),
        )
    ended = claims.end_for_merge(actor=actor, demand=result, survivor=kept)
    Demand.objects.filter(merged_into_id=result.pk).update(merged_into_id=kept.pk)
    before = changelog.snapshot(kept)
    Demand.objects.filter(pk=kept.pk).update(
        search_text=demand_services._demand_search_text(kept, kept.number),
        updated_by=_user(actor),
        updated_at=timezone.now(),
    )
    kept.refresh_from_db()
    note = f"合并了重复需求 {merged_name}“{result.title}”" + (f"：{comment}" if comment else "")
    _event(kept, actor, kept.status, kept.status, note)
    changelog.write(
        kept, ChangeAction.UPDATE, before=before, after=changelog.snapshot(kept), message=note
    )
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"{note}：保留需求“{kept}”",
        target=kept,
        extra={"merged": result.pk, "offers_withdrawn": len(open_offers), **ended},
    )
    return result


# ----------------------------------------------------------------------------------------------
# Hand-over to another service line (a training order of a 工匠学院): the demand follows it
# ----------------------------------------------------------------------------------------------

#: Actions of a demand the receiving line reports (``demand_follow_outcome``).
FOLLOW_STAGES = ("delivered", "evaluated")


def handed_over(demand: Demand) -> bool:
    """Is the demand 服务中 because it was handed over (not because a craftsman accepted)?

    The last entry into 服务中 came straight from a waiting state: only ``hand_over`` does that
    (an offer goes through 匹配中, a reopening through an outcome state)."""
    if demand.status != DemandStatus.IN_SERVICE:
        return False
    last = (
        DemandEvent.objects.filter(demand_id=demand.pk, to_status=DemandStatus.IN_SERVICE)
        .order_by("-at", "-pk")
        .values_list("from_status", flat=True)
        .first()
    )
    return last in lifecycle.HAND_OVER_STATES


@transaction.atomic
def demand_hand_over(*, actor: Any, demand: Demand, to_label: str, reference: str) -> str:
    """A waiting demand goes to another service line (e.g. ``to_label`` 学院培训订单, ``reference``
    its number): 服务中 with a history row. Refused when a craftsman was already asked (an open
    offer, 匹配中/服务中) or it was already handed over. Returns the state it left, which
    ``demand_hand_back`` restores. A demand the actor may not see is a ``ScopeViolation``."""
    row = _visible_demand(actor, demand)
    if handed_over(row):
        raise BusinessError(
            "该需求已转为学院订单办理，不能重复转单", field="demand", code="conflict"
        )
    if row.has_open_offer or row.status in (DemandStatus.MATCHING, DemandStatus.IN_SERVICE):
        raise BusinessError(
            "该需求已向劳模工匠发出服务邀请，不能再转为学院订单", field="demand", code="conflict"
        )
    if row.status not in lifecycle.HAND_OVER_STATES:
        raise refusal(row.status, "hand_over")
    before = row.status
    transition(
        actor=actor,
        demand=row,
        action="hand_over",
        comment=f"转为{to_label}（{reference}）",
        notify_users=_enterprise_users(row),
    )
    return before


@transaction.atomic
def demand_hand_back(
    *, actor: Any, demand: Demand | int, to_status: str, reference: str, reason: str = ""
) -> Demand:
    """The other line gave the demand back (order returned or withdrawn): back to ``to_status``,
    the state it was handed over from. A demand casework has moved on meanwhile is left alone."""
    row = Demand.objects.get(pk=getattr(demand, "pk", demand))
    if not handed_over(row):
        return row
    comment = f"{reference}：{reason}" if reason else reference
    return transition(actor=actor, demand=row, action="hand_back", to=to_status, comment=comment)


@transaction.atomic
def demand_follow_outcome(
    *, actor: Any, demand: Demand | int, stage: str, reference: str
) -> Demand:
    """The other line finished: ``delivered`` → 已解决 (outcome solved); ``evaluated`` (the
    enterprise rated it) → 企业已确认 → 已办结. Steps already taken are not taken again."""
    if stage not in FOLLOW_STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    row = Demand.objects.get(pk=getattr(demand, "pk", demand))
    if handed_over(row):
        row = transition(
            actor=actor,
            demand=row,
            action="resolve",
            comment=f"{reference}：培训已交付",
            outcome="solved",
            solved_confirmed_at=None,
        )
    if stage == "evaluated" and row.status == DemandStatus.RESOLVED and row.outcome == "solved":
        row = transition(
            actor=actor,
            demand=row,
            action="confirm",
            comment=f"{reference}：企业已评价",
            solved_confirmed_at=timezone.now(),
        )
        row = transition(actor=actor, demand=row, action="close", comment=f"{reference}：办结")
    return row


@transaction.atomic
def demand_import_state(
    *, actor: Any, demand: Demand, state: dict[str, Any], comment: str = ""
) -> Demand:
    """Set the workflow state a demand has on the instance it came from (the workflow ran there):
    number, status, grade, owner level and times.

    Like every status change here: a conditional UPDATE on the status read under the row lock, a
    status-history event (with ``comment``) when the status changes, a change-log row and an
    operation-log row; the demand must be within the actor's scope for change.
    """
    demand_services._check_fields(state, demand_services.IMPORT_STATE_FIELDS)
    current = (
        Demand.objects.select_for_update().select_related("enterprise", "org").get(pk=demand.pk)
    )
    assert_visible(Demand, actor, current.pk, "change")
    wanted = {
        "number": state.get("number") or None,
        "status": state.get("status") or "",
        "grade": state.get("grade") or "",
        "owner_level": state.get("owner_level") or "",
        "submitted_at": state.get("submitted_at"),
        "triaged_at": state.get("triaged_at"),
    }
    if all(getattr(current, key) == value for key, value in wanted.items()):
        return current
    number = wanted["number"]
    if number and Demand.objects.filter(number=number).exclude(pk=current.pk).exists():
        raise BusinessError(f"需求编号“{number}”已被本实例的其他需求使用", field="number")
    before = changelog.snapshot(current)
    old_status = current.status
    for key, value in wanted.items():
        setattr(current, key, value)
    current.full_clean()
    updated = Demand.objects.filter(pk=current.pk, status=old_status).update(
        **wanted,
        search_text=demand_services._demand_search_text(current, number),
        updated_by=actor,
        updated_at=timezone.now(),
        version=F("version") + 1,
        status_changed_at=timezone.now()
        if wanted["status"] != old_status
        else F("status_changed_at"),
    )
    if updated != 1:
        raise BusinessError(
            "需求状态刚被他人修改，未按导入文件覆盖（请重新导入）", field="status", code="conflict"
        )
    result = Demand.objects.select_related("enterprise", "org").get(pk=current.pk)
    if old_status != result.status:
        _event(result, actor, old_status, result.status, comment)
    changelog.write(
        result,
        ChangeAction.UPDATE,
        before=before,
        after=changelog.snapshot(result),
        message="数据交换导入",
    )
    assert_visible(Demand, actor, result.pk, "change")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"数据交换导入需求“{result}”的办理状态",
        target=result,
        extra={"from": old_status, "to": result.status},
    )
    return result


# ----------------------------------------------------------------------------------------------
# Offers
# ----------------------------------------------------------------------------------------------


def _month_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def check_can_offer(craftsman: Any, demand: Demand) -> None:
    """The caps and rules a craftsman must pass to be offered ``demand`` (a ``BusinessError``).

    First his separate consent 向服务对象企业提供联系方式 (PIPL art. 23): read now, so a
    withdrawal counts from the moment it is recorded."""
    from jiangqiao.talents.choices import CraftsmanStatus
    from jiangqiao.talents.selectors import CONTACT_CONSENT, consent_refusal

    refusal = consent_refusal(craftsman, CONTACT_CONSENT)
    if refusal:
        raise BusinessError(refusal, field="craftsman", code="no_consent")
    if craftsman.status != CraftsmanStatus.ACTIVE:
        raise BusinessError(
            f"劳模工匠“{craftsman}”当前为“{craftsman.get_status_display()}”，不能邀请",
            field="craftsman",
        )
    if craftsman.pause_until and craftsman.pause_until >= timezone.localdate():
        raise BusinessError(
            f"劳模工匠“{craftsman}”暂停服务至 {craftsman.pause_until:%Y-%m-%d}，不能邀请",
            field="craftsman",
        )
    uscc = (craftsman.employer_uscc or "").upper()
    if uscc and uscc == (demand.enterprise.uscc or "").upper():
        raise BusinessError(f"劳模工匠“{craftsman}”受雇于需求企业，须回避", field="craftsman")
    if DeclaredConflict.objects.filter(
        craftsman_id=craftsman.pk, enterprise_id=demand.enterprise_id, status=Status.ACTIVE
    ).exists():
        raise BusinessError(f"劳模工匠“{craftsman}”已申报与该企业回避", field="craftsman")
    if Offer.objects.filter(
        demand_id=demand.pk, craftsman_id=craftsman.pk, status__in=REFUSED_OFFER_STATUSES
    ).exists():
        raise BusinessError(
            f"劳模工匠“{craftsman}”已婉拒（或超时未答复）本需求，不再重复邀请", field="craftsman"
        )
    open_count = Offer.objects.filter(
        craftsman_id=craftsman.pk, status__in=OPEN_OFFER_STATUSES
    ).count()
    if open_count >= (craftsman.max_open_services or 0):
        raise BusinessError(
            f"劳模工匠“{craftsman}”同时进行的服务已达上限（{craftsman.max_open_services} 项）",
            field="craftsman",
        )
    monthly = craftsman.max_new_per_month
    if monthly:
        this_month = (
            Offer.objects.filter(
                craftsman_id=craftsman.pk, offered_at__gte=_month_start(timezone.now())
            )
            .exclude(status=OfferStatus.WITHDRAWN)
            .count()
        )
        if this_month >= monthly:
            raise BusinessError(
                f"劳模工匠“{craftsman}”本月新接服务已达上限（每月 {monthly} 项）",
                field="craftsman",
            )


def _create_offer(
    *,
    actor: Any,
    demand: Demand,
    craftsman: Any = None,
    team: Any = None,
    suggestion: Any = None,
    source: str,
    note: str = "",
    tell_invitee: bool = True,  # False: claims.py tells the claimant himself (approved claim)
) -> Offer:
    if craftsman is not None:
        from jiangqiao.talents.models import Craftsman

        # One offer decision per craftsman at a time: the caps are counted under his row lock.
        Craftsman.objects.select_for_update().filter(pk=craftsman.pk).first()
        check_can_offer(craftsman, demand)
    elif team is not None and team.lead_id:
        # A team's invitation goes to its 领衔人, who then deals with the enterprise.
        from jiangqiao.talents.selectors import CONTACT_CONSENT, consent_refusal

        refusal = consent_refusal(team.lead, CONTACT_CONSENT)
        if refusal:
            raise BusinessError(
                f"服务队“{team}”的领衔人{refusal.removeprefix('劳模工匠')}",
                field="team",
                code="no_consent",
            )
    now = timezone.now()
    offer = Offer(
        demand=demand,
        craftsman=craftsman,
        team=team,
        suggestion=suggestion,
        source=source,
        offered_at=now,
        accept_deadline=add_workdays(now, rule("accept_days", demand.owner_level)),
        note=(note or "")[:500],
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError:
        raise BusinessError("该劳模工匠已有本需求的未结束邀请", field="craftsman") from None
    _sync_open_offer(demand.pk)
    who = craftsman or team
    transition(
        actor=actor,
        demand=demand,
        action="offer",
        comment=f"邀请“{who}”（{OfferSource(source).label}），请于 "
        f"{timezone.localtime(offer.accept_deadline):%Y-%m-%d %H:%M} 前答复",
    )
    if not tell_invitee:
        return offer
    notify(
        _offer_people(offer),
        title=f"服务邀请：{demand.title}",
        body=f"请于 {timezone.localtime(offer.accept_deadline):%Y-%m-%d %H:%M} 前接受或婉拒。",
        link=offer.get_absolute_url(),
        actor=_user(actor),
    )
    return offer


def on_suggestion_confirmed(
    sender: Any, *, suggestion: MatchSuggestion, actor: Any, **_: Any
) -> None:
    """A person confirmed a suggestion (page, API or a run's batch): it becomes an offer."""
    demand = Demand.objects.select_related("enterprise", "org").get(pk=suggestion.demand_id)
    source = _offer_source.get() or OfferSource.SUGGESTION
    _create_offer(
        actor=actor,
        demand=demand,
        craftsman=suggestion.craftsman,
        suggestion=suggestion,
        source=source,
        note=suggestion.reason,
    )


def _may_respond(actor: Any, offer: Offer) -> None:
    """The craftsman himself, the team's lead, or staff recording his answer (with the right)."""
    user = _user(actor)
    if user is None:
        raise PermissionDenied("请先登录")
    if user in _offer_people(offer) and user.has_perm("casework.respond_offer"):
        return
    if user.has_perm("casework.assign_offer") and (
        Offer.objects.visible_to(user, "view").filter(pk=offer.pk).exists()
    ):
        return
    raise PermissionDenied("只有受邀的劳模工匠（或服务队队长）本人可以答复该邀请")


@transaction.atomic
def offer_accept(*, actor: Any, offer: Offer, note: str = "") -> Offer:
    """待答复 → 服务中: the first-contact deadline starts; the demand is 服务中."""
    _may_respond(actor, offer)
    current = Offer.objects.select_related("demand", "craftsman", "team").get(pk=offer.pk)
    now = timezone.now()
    if current.status == OfferStatus.PENDING and current.accept_deadline < now:
        raise BusinessError("已超过答复期限，该邀请已失效", field="status", code="conflict")
    updated = Offer.objects.filter(pk=current.pk, status=OfferStatus.PENDING).update(
        status=OfferStatus.ACCEPTED,
        responded_at=now,
        responded_by=_user(actor),
        contact_deadline=add_workdays(now, rule("contact_days", current.demand.owner_level)),
        note=(note or current.note)[:500],
        updated_by=_user(actor),
        updated_at=now,
    )
    if updated != 1:
        raise _offer_refusal(current.pk, "接受")
    transition(
        actor=actor,
        demand=current.demand_id,
        action="accept",
        comment=f"“{current.craftsman or current.team}”接受邀请" + (f"：{note}" if note else ""),
        notify_users=[*_enterprise_users(current.demand), current.created_by],
    )
    return Offer.objects.get(pk=current.pk)


def _offer_refusal(pk: int, verb: str) -> BusinessError:
    status = Offer.objects.filter(pk=pk).values_list("status", flat=True).first()
    label = OfferStatus(status).label if status else "已不存在"
    return BusinessError(
        f"该邀请当前为“{label}”，不能{verb}（可能已被处理，请刷新）",
        field="status",
        code="conflict",
    )


@transaction.atomic
def offer_decline(*, actor: Any, offer: Offer, reason: str, note: str = "") -> Offer:
    """待答复 → 已婉拒 with a reason; the next suggestion is offered automatically."""
    _may_respond(actor, offer)
    if reason not in DeclineReason.values:
        raise BusinessError("请选择婉拒原因", field="reason")
    note = (note or "").strip()
    if reason == DeclineReason.OTHER and not note:
        raise BusinessError("选择“其他原因”时请填写说明", field="note")
    if len(note) > 500:
        raise BusinessError("婉拒说明不能超过 500 个字", field="note")
    current = Offer.objects.select_related("demand", "craftsman", "team").get(pk=offer.pk)
    now = timezone.now()
    updated = Offer.objects.filter(pk=current.pk, status=OfferStatus.PENDING).update(
        status=OfferStatus.DECLINED,
        responded_at=now,
        responded_by=_user(actor),
        decline_reason=reason,
        decline_note=note,
        ended_at=now,
        updated_by=_user(actor),
        updated_at=now,
    )
    if updated != 1:
        raise _offer_refusal(current.pk, "婉拒")
    _sync_open_offer(current.demand_id)
    text = DeclineReason(reason).label + (f"：{note}" if note else "")
    _after_refused(actor, current, f"“{current.craftsman or current.team}”婉拒：{text}")
    return Offer.objects.get(pk=current.pk)


def _after_refused(actor: Any, offer: Offer, text: str) -> None:
    """After a decline or an expiry: mark the suggestion, tell staff, offer the next one."""
    if offer.suggestion_id:
        MatchSuggestion.objects.filter(
            pk=offer.suggestion_id, status=SuggestionStatus.CONFIRMED
        ).update(
            status=SuggestionStatus.DECLINED,
            reason=text[:500],
            updated_at=timezone.now(),
        )
    demand = Demand.objects.select_related("enterprise", "org").get(pk=offer.demand_id)
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"{text}（需求“{demand}”）",
        target=demand,
        extra={"offer": offer.pk},
    )
    staff = [offer.created_by] if offer.created_by else _unit_staff(demand.org_id)
    nxt = _reassign(offer, demand)
    if nxt is not None:
        body = f"{text}。已自动改派：邀请“{nxt.craftsman}”。"
    elif (
        demand.status == DemandStatus.MATCHING
        and not Offer.objects.filter(demand=demand, status__in=OPEN_OFFER_STATUSES).exists()
    ):
        transition(actor=None, demand=demand, action="unstaff", comment=f"{text}；无可改派的工匠")
        body = f"{text}。没有可自动改派的工匠，需求已退回待匹配，请重新推荐。"
    else:
        body = text
    notify(
        staff,
        title=f"需求“{demand.title}”：邀请未被接受",
        body=body,
        link=demand.get_absolute_url(),
        level="warning",
    )


def _reassign(offer: Offer, demand: Demand) -> Offer | None:
    """Confirm the next proposed suggestion that passes the caps, on behalf of the person who
    made the first offer (his rights and scope apply); ``None`` if there is none."""
    from jiangqiao.matching import services as matching_services

    if demand.status not in (DemandStatus.MATCHING, DemandStatus.IN_SERVICE):
        return None
    if demand.status == DemandStatus.IN_SERVICE:
        return None  # someone already serves it
    on_behalf = offer.created_by
    if on_behalf is None or not on_behalf.is_active:
        return None
    if not on_behalf.has_perm("matching.decide_matchsuggestion"):
        return None
    candidates = (
        MatchSuggestion.objects.filter(demand_id=demand.pk, status=SuggestionStatus.PROPOSED)
        .select_related("craftsman")
        .order_by("rank", "-score", "pk")[:20]
    )
    for suggestion in candidates:
        try:
            check_can_offer(suggestion.craftsman, demand)
        except BusinessError:
            continue
        token = _offer_source.set(OfferSource.AUTOMATIC)
        try:
            with transaction.atomic():
                matching_services.suggestion_confirm(
                    actor=on_behalf,
                    suggestion=suggestion,
                    reason=f"自动改派（原邀请 #{offer.pk} 未被接受）",
                )
        except (BusinessError, PermissionDenied, ScopeViolation):
            continue
        finally:
            _offer_source.reset(token)
        return (
            Offer.objects.filter(suggestion=suggestion, status=OfferStatus.PENDING)
            .select_related("craftsman")
            .first()
        )
    return None


@transaction.atomic
def offer_withdraw(*, actor: Any, offer: Offer, note: str) -> Offer:
    """Staff withdraw a pending offer (e.g. the enterprise found help elsewhere)."""
    _check_perm(actor, "casework.assign_offer")
    if not Offer.objects.visible_to(actor, "view").filter(pk=offer.pk).exists():
        raise ScopeViolation(Offer, "change")
    if not (note or "").strip():
        raise BusinessError("撤回邀请时请说明原因", field="note")
    return _withdraw_pending(actor=actor, offer_pk=offer.pk, note=note)


def _withdraw_pending(*, actor: Any, offer_pk: int, note: str) -> Offer:
    now = timezone.now()
    updated = Offer.objects.filter(pk=offer_pk, status=OfferStatus.PENDING).update(
        status=OfferStatus.WITHDRAWN,
        ended_at=now,
        note=note[:500],
        updated_at=now,
        updated_by=_user(actor),
    )
    if updated != 1:
        raise _offer_refusal(offer_pk, "撤回")
    _sync_open_offer(Offer.objects.filter(pk=offer_pk).values_list("demand_id", flat=True)[0])
    current = Offer.objects.select_related("demand", "craftsman", "team").get(pk=offer_pk)
    if current.suggestion_id:
        MatchSuggestion.objects.filter(
            pk=current.suggestion_id, status=SuggestionStatus.CONFIRMED
        ).update(status=SuggestionStatus.SUPERSEDED, updated_at=now)
    demand = current.demand
    if (
        demand.status == DemandStatus.MATCHING
        and not Offer.objects.filter(demand=demand, status__in=OPEN_OFFER_STATUSES).exists()
    ):
        transition(actor=actor, demand=demand, action="unstaff", comment=f"撤回邀请：{note}")
    notify(
        _offer_people(current),
        title=f"服务邀请已撤回：{demand.title}",
        body=note,
        actor=_user(actor),
    )
    return current


def on_consent_withdrawn(
    sender: Any, *, craftsman: Any, purpose: str, actor: Any, reason: str = "", **_: Any
) -> dict[str, int]:
    """The craftsman withdrew (or staff recorded his withdrawal of) a consent. Without
    向服务对象企业提供联系方式 no invitation may stay open: his 待答复 offers are withdrawn at once
    (the demand returns to 待匹配 when nothing else is open) and the staff who sent them are told.
    A service already under way (服务中) was agreed by him and goes on — the legal basis is then
    the service he accepted (PIPL art. 13 (2)) —; its staff are told so they can decide."""
    from jiangqiao.talents.selectors import CONTACT_CONSENT

    counts = {"withdrawn": 0, "in_service": 0}
    if purpose != CONTACT_CONSENT:
        return counts
    note = f"劳模工匠撤回了个人信息授权（向服务对象企业提供联系方式），邀请自动撤回：{reason}"
    for offer_pk in list(
        Offer.objects.filter(craftsman_id=craftsman.pk, status=OfferStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        _withdraw_pending(actor=actor, offer_pk=offer_pk, note=note)
        counts["withdrawn"] += 1
    running = list(
        Offer.objects.filter(craftsman_id=craftsman.pk, status=OfferStatus.ACCEPTED)
        .select_related("demand", "created_by")
        .order_by("pk")
    )
    for offer in running:
        staff = [offer.created_by] if offer.created_by else _unit_staff(offer.demand.org_id)
        notify(
            staff,
            title=f"需求“{offer.demand.title}”：承接的劳模工匠撤回了联系方式授权",
            body="服务已在进行中，平台不再向企业提供其联系方式；请与本人确认是否继续服务。",
            link=offer.demand.get_absolute_url(),
            level="warning",
        )
        counts["in_service"] += 1
    if counts["withdrawn"] or counts["in_service"]:
        record_operation(
            actor=_user(actor),
            module=MODULE,
            business_type=BusinessType.UPDATE,
            action=f"劳模工匠“{craftsman}”撤回联系方式授权：自动撤回待答复邀请 "
            f"{counts['withdrawn']} 项，服务中 {counts['in_service']} 项已通知工作人员",
            target=craftsman,
            extra=counts,
        )
    return counts


# ----------------------------------------------------------------------------------------------
# Contact, outcome, the enterprise's word, follow-up
# ----------------------------------------------------------------------------------------------


@transaction.atomic
def contact_log(
    *,
    actor: Any,
    offer: Offer,
    channel: str,
    reached: bool,
    note: str = "",
    at: dt.datetime | None = None,
) -> ContactAttempt:
    """One attempt of the craftsman to reach the enterprise (the first success is first contact)."""
    _may_respond(actor, offer)
    current = Offer.objects.select_related("demand").get(pk=offer.pk)
    if current.status != OfferStatus.ACCEPTED:
        raise BusinessError("只有已接受的邀请可以登记联系记录", field="status")
    if channel not in ContactChannel.values:
        raise BusinessError("请选择联系方式", field="channel")
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise BusinessError("联系时间不能晚于现在", field="at")
    if at < current.responded_at - dt.timedelta(days=1):  # type: ignore[operator]
        raise BusinessError("联系时间不能早于接受邀请的时间", field="at")
    attempt = ContactAttempt(
        demand_id=current.demand_id,
        offer=current,
        at=at,
        channel=channel,
        reached=bool(reached),
        note=(note or "")[:500],
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    attempt.full_clean()
    attempt.save()
    if reached:
        Offer.objects.filter(pk=current.pk, first_contact_at__isnull=True).update(
            first_contact_at=at, updated_at=now
        )
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记联系企业（{ContactChannel(channel).label}，"
        f"{'已联系上' if reached else '未联系上'}）：需求“{current.demand}”",
        target=current.demand,
    )
    return attempt


#: The purpose recorded when the serving craftsman reads the enterprise's numbers in clear.
CONTACT_PURPOSE = "联系企业"


def offer_contacts_reveal(*, actor: Any, offer: Offer) -> list[dict[str, str]]:
    """The enterprise's contacts with their mobiles in clear, for the craftsman (or the team's
    lead) who holds the **accepted** offer: he must call the enterprise before the first-contact
    deadline. Each number shown is logged as a sensitive read with the purpose 联系企业.

    Anybody else — staff included, who read numbers through their own permission on the
    enterprise page —, or an offer not (or no longer) accepted, is refused. Not atomic on
    purpose: it only writes the audit rows.
    """
    from jiangqiao.core.sensitive import FIELD_LABELS

    user = _user(actor)
    current = Offer.objects.select_related("demand", "demand__enterprise", "craftsman", "team").get(
        pk=offer.pk
    )
    if user is None or user not in _offer_people(current):
        raise PermissionDenied("只有承接该服务的劳模工匠本人可以查看企业联系人的完整号码")
    if current.status != OfferStatus.ACCEPTED:
        raise BusinessError(
            "只有服务中的邀请可以查看企业联系人的完整号码（服务结束后号码不再显示）",
            field="status",
        )
    enterprise = current.demand.enterprise
    rows = []
    for contact in EnterpriseContact.objects.filter(enterprise=enterprise).order_by(
        "-is_primary", "pk"
    ):
        if contact.mobile:
            record_operation(
                actor=user,
                module=str(enterprise._meta.verbose_name),
                business_type=BusinessType.VIEW_SENSITIVE,
                action=f"查看“{enterprise}”联系人“{contact.name}”的{FIELD_LABELS['mobile']}明文"
                f"（服务需求“{current.demand}”）",
                target=enterprise,
                extra={
                    "fields": ["mobile"],
                    "purpose": f"{CONTACT_PURPOSE}（联系人：{contact.name}）",
                    "offer": current.pk,
                },
            )
        rows.append({"name": contact.name, "title": contact.title, "mobile": contact.mobile})
    return rows


def _may_record_outcome(actor: Any, demand: Demand) -> None:
    user = _user(actor)
    if user is None:
        raise PermissionDenied("请先登录")
    if (
        user.has_perm("casework.add_outcome")
        and Demand.objects.visible_to(user, "change").filter(pk=demand.pk).exists()
    ):
        return
    if (
        user.has_perm("casework.respond_offer")
        and Offer.objects.filter(
            Q(craftsman__user=user) | Q(team__lead__user=user),
            demand_id=demand.pk,
            status=OfferStatus.ACCEPTED,
        ).exists()
    ):
        return
    raise PermissionDenied("只有承办单位的工作人员或承接服务的劳模工匠可以登记办理结果")


@transaction.atomic
def outcome_record(*, actor: Any, demand: Demand, result: str, summary: str) -> Outcome:
    """服务中 → 已解决 / 部分解决 / 未解决; accepted offers end; the enterprise is asked to confirm."""
    _may_record_outcome(actor, demand)
    if handed_over(Demand.objects.get(pk=demand.pk)):
        raise BusinessError("该需求已转为学院订单办理，办理结果随订单交付自动登记", field="result")
    if result not in OutcomeResult.values:
        raise BusinessError("请选择办理结果", field="result")
    summary = (summary or "").strip()
    if not summary:
        raise BusinessError("请填写结果说明（做了什么、效果如何）", field="summary")
    if len(summary) > 2000:
        raise BusinessError("结果说明不能超过 2000 个字", field="summary")
    now = timezone.now()
    result_demand = transition(
        actor=actor,
        demand=demand.pk,
        action=lifecycle.RESOLVE_ACTIONS[result],
        comment=summary[:200],
        outcome=result,
        solved_confirmed_at=None,
    )
    outcome, _created = Outcome.objects.update_or_create(
        demand=result_demand,
        defaults={
            "result": result,
            "summary": summary,
            "recorded_at": now,
            "recorded_by": _user(actor),
            "confirmed_at": None,
            "confirmed_by": None,
            "enterprise_answer": "",
            "rating": None,
            "enterprise_comment": "",
            "updated_by": _user(actor),
        },
    )
    if _created:
        Outcome.objects.filter(pk=outcome.pk).update(created_by=_user(actor))
    Offer.objects.filter(demand=result_demand, status=OfferStatus.ACCEPTED).update(
        status=OfferStatus.COMPLETED, ended_at=now, updated_at=now
    )
    _sync_open_offer(result_demand.pk)
    notify(
        _enterprise_users(result_demand),
        title=f"请确认服务结果：{result_demand.title}",
        body=f"办理结果：{OutcomeResult(result).label}。请确认是否解决并评分。",
        link=result_demand.get_absolute_url(),
        actor=_user(actor),
    )
    return outcome


@transaction.atomic
def outcome_confirm(
    *, actor: Any, demand: Demand, answer: str, rating: Any, comment: str = ""
) -> Outcome:
    """The enterprise's word: 解决情况 and a 1–5 rating. Worse than recorded reopens the case."""
    current = Demand.objects.select_related("enterprise").get(pk=demand.pk)
    if not _is_enterprise_contact(actor, current):
        raise PermissionDenied("只有需求企业的联络人可以确认服务结果")
    if answer not in OutcomeResult.values:
        raise BusinessError("请选择问题是否已解决", field="answer")
    try:
        stars = int(rating)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise BusinessError("请给出 1–5 分的评分", field="rating")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise BusinessError("评价不能超过 1000 个字", field="comment")
    outcome = Outcome.objects.select_for_update().filter(demand=current).first()
    if outcome is None or current.status not in lifecycle.OUTCOME_STATES:
        raise refusal(current.status, "confirm")
    now = timezone.now()
    worse = _RESULT_RANK[OutcomeResult(answer)] < _RESULT_RANK[OutcomeResult(outcome.result)]
    if worse:
        if not comment:
            raise BusinessError("认为问题未解决时，请说明还存在的问题", field="comment")
        transition(
            actor=actor,
            demand=current,
            action="reopen",
            comment=f"企业认为“{OutcomeResult(answer).label}”：{comment}",
            outcome="",
            notify_users=[outcome.recorded_by, *_unit_staff(current.org_id)],
        )
        Offer.objects.filter(demand=current, status=OfferStatus.COMPLETED).update(
            status=OfferStatus.ACCEPTED, ended_at=None, updated_at=now
        )
        _sync_open_offer(current.pk)
        Outcome.objects.filter(pk=outcome.pk).update(
            enterprise_answer=answer,
            rating=stars,
            enterprise_comment=comment,
            reopened_count=F("reopened_count") + 1,
            updated_at=now,
            updated_by=_user(actor),
        )
        return Outcome.objects.get(pk=outcome.pk)
    solved = outcome.result == OutcomeResult.SOLVED and answer == OutcomeResult.SOLVED
    transition(
        actor=actor,
        demand=current,
        action="confirm",
        comment=f"企业确认：{OutcomeResult(answer).label}，评分 {stars} 分"
        + (f"；{comment}" if comment else ""),
        business_type=BusinessType.CONFIRM,
        solved_confirmed_at=now if solved else None,
        notify_users=[outcome.recorded_by],
    )
    Outcome.objects.filter(pk=outcome.pk).update(
        confirmed_at=now,
        confirmed_by=_user(actor),
        enterprise_answer=answer,
        rating=stars,
        enterprise_comment=comment,
        updated_at=now,
        updated_by=_user(actor),
    )
    _confirm_sessions(actor, current)
    today = timezone.localdate()
    for kind, days in FOLLOW_UP_DAYS:
        FollowUp.objects.get_or_create(
            demand=current,
            kind=kind,
            defaults={"due_on": today + dt.timedelta(days=days), "created_by": _user(actor)},
        )
    return Outcome.objects.get(pk=outcome.pk)


def _confirm_sessions(actor: Any, demand: Demand) -> None:
    """The enterprise confirmed the outcome: the sessions of the demand are 企业已确认 (each saved,
    so the change log shows it), in the confirmation's transaction."""
    from .session_models import ServiceRecord

    for record in ServiceRecord.objects.select_for_update().filter(
        demand=demand, enterprise_confirmed=False
    ):
        record.enterprise_confirmed = True
        record.updated_by = _user(actor)
        record.save(update_fields=["enterprise_confirmed", "updated_by", "updated_at"])


@transaction.atomic
def followup_answer(*, actor: Any, followup: FollowUp, held: bool, comment: str = "") -> FollowUp:
    demand = Demand.objects.get(pk=followup.demand_id)
    if not _is_enterprise_contact(actor, demand):
        raise PermissionDenied("只有需求企业的联络人可以答复回访")
    comment = (comment or "").strip()
    if not held and not comment:
        raise BusinessError("问题复发时请说明情况", field="comment")
    now = timezone.now()
    updated = FollowUp.objects.filter(pk=followup.pk, answered_at__isnull=True).update(
        answered_at=now,
        held=bool(held),
        comment=comment[:1000],
        updated_at=now,
        updated_by=_user(actor),
    )
    if updated != 1:
        raise BusinessError("该回访已答复", field="status", code="conflict")
    row = FollowUp.objects.get(pk=followup.pk)
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"企业答复{row.get_kind_display()}：{'未复发' if held else '问题复发'}（需求“{demand}”）",
        target=demand,
    )
    if not held:
        notify(
            _unit_staff(demand.org_id),
            title=f"回访发现问题复发：{demand.title}",
            body=comment,
            link=demand.get_absolute_url(),
            level="warning",
        )
    return row


# ----------------------------------------------------------------------------------------------
# The deadline tick
# ----------------------------------------------------------------------------------------------


@contextmanager
def _step(counts: dict[str, int], key: str) -> Iterator[None]:
    """One transition of the tick in its own transaction: a failure skips it, never the rest."""
    try:
        with transaction.atomic():
            yield
        counts[key] = counts.get(key, 0) + 1
    except (BusinessError, PermissionDenied, ScopeViolation, IntegrityError):
        counts["skipped"] = counts.get("skipped", 0) + 1


def tick(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Expire overdue offers (and reassign), remind, escalate unstaffed demands, send follow-ups.

    Each transition is a conditional update in its own transaction: a second or concurrent run
    finds nothing left to do, and a run killed midway loses nothing it had committed.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    # 1. Offers past their answer deadline.
    while True:
        due = list(
            Offer.objects.filter(status=OfferStatus.PENDING, accept_deadline__lt=now)
            .order_by("accept_deadline", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not due:
            break
        for pk in due:
            with _step(counts, "expired"):
                if (
                    Offer.objects.filter(pk=pk, status=OfferStatus.PENDING).update(
                        status=OfferStatus.EXPIRED, ended_at=now, updated_at=now
                    )
                    == 1
                ):
                    offer = Offer.objects.select_related("demand", "craftsman", "team").get(pk=pk)
                    _sync_open_offer(offer.demand_id)
                    _after_refused(None, offer, f"“{offer.craftsman or offer.team}”超时未答复")
        if len(due) < batch:
            break
    # 2. Reminders: answer due within a working day; first contact overdue.
    soon = add_workdays(now, 1)
    for offer in Offer.objects.filter(
        status=OfferStatus.PENDING, accept_deadline__lt=soon, reminded_at__isnull=True
    ).select_related("demand", "craftsman", "team")[: batch * 20]:
        with _step(counts, "reminded"):
            if Offer.objects.filter(pk=offer.pk, reminded_at__isnull=True).update(reminded_at=now):
                notify(
                    _offer_people(offer),
                    title=f"服务邀请即将超时：{offer.demand.title}",
                    body=f"请于 {timezone.localtime(offer.accept_deadline):%Y-%m-%d %H:%M} 前答复。",
                    link=offer.get_absolute_url(),
                    level="warning",
                )
    for offer in (
        Offer.objects.filter(
            status=OfferStatus.ACCEPTED, first_contact_at__isnull=True, contact_deadline__lt=now
        )
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("responded_at")))
        .select_related("demand", "craftsman", "team")[: batch * 20]
    ):
        with _step(counts, "contact_overdue"):
            if (
                Offer.objects.filter(pk=offer.pk)
                .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("responded_at")))
                .update(reminded_at=now)
            ):
                staff = [offer.created_by] if offer.created_by else _unit_staff(offer.demand.org_id)
                title = f"首次联系已逾期：{offer.demand.title}"
                body = f"“{offer.craftsman or offer.team}”接受邀请后尚未联系上企业。"
                notify(
                    staff,
                    title=title,
                    body=body,
                    link=offer.demand.get_absolute_url(),
                    level="warning",
                )
                notify(
                    _offer_people(offer),
                    title=title,
                    body="请尽快联系企业并登记联系记录。",
                    link=offer.get_absolute_url(),
                    level="warning",
                )
    # 2b. The claim list (claims.py): expired publications come off, stale claims lapse.
    counts.update(_claims_tick(now=now, batch=batch))
    # 3. Escalation of demands nobody staffs, in batches per (unit, state): one conditional
    #    UPDATE, history and change-log rows in bulk, one message per receiving unit.
    _escalate_due(now=now, counts=counts, limit=batch * 20)
    # 4. Follow-ups due.
    for row in FollowUp.objects.filter(
        due_on__lte=timezone.localtime(now).date(), notified_at__isnull=True
    ).select_related("demand")[: batch * 20]:
        with _step(counts, "followups"):
            if FollowUp.objects.filter(pk=row.pk, notified_at__isnull=True).update(notified_at=now):
                notify(
                    _enterprise_users(row.demand),
                    title=f"{row.get_kind_display()}：{row.demand.title}",
                    body="服务结束已有一段时间，问题是否复发？请在需求页面答复。",
                    link=row.demand.get_absolute_url(),
                )
    # 5. Long-term agreements: reviews due, periods ended.
    agreements_due(now, counts)
    return counts


# ----------------------------------------------------------------------------------------------
# 结对/长期协议
# ----------------------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


@transaction.atomic
def agreement_create(
    *,
    actor: Any,
    enterprise: Any,
    craftsman: Any = None,
    team: Any = None,
    demand: Any = None,
    data: dict[str, Any],
) -> Agreement:
    """A craftsman or a team takes an enterprise on for a period (结对), reviewed every N months."""
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.talents.models import Craftsman, ServiceTeam

    _check_perm(actor, "casework.add_agreement")
    if not Enterprise.objects.visible_to(actor, "view").filter(pk=enterprise.pk).exists():
        raise BusinessError("企业：不存在或不在您的数据范围内", field="enterprise")
    if (craftsman is None) == (team is None):
        raise BusinessError("请选择一位劳模工匠或一支服务队（二选一）", field="craftsman")
    if (
        craftsman is not None
        and not Craftsman.objects.visible_to(actor, "view")
        .filter(pk=craftsman.pk, status="active")
        .exists()
    ):
        raise BusinessError("劳模工匠：不存在、已停用或不在您的数据范围内", field="craftsman")
    if (
        team is not None
        and not ServiceTeam.objects.visible_to(actor, "view")
        .filter(pk=team.pk, status=Status.ACTIVE)
        .exists()
    ):
        raise BusinessError("服务队：不存在、已停用或不在您的数据范围内", field="team")
    if demand is not None and (
        demand.enterprise_id != enterprise.pk
        or not Demand.objects.visible_to(actor, "view").filter(pk=demand.pk).exists()
    ):
        raise BusinessError("源自需求：须为该企业、您数据范围内的需求", field="demand")
    start, end = data.get("start_on"), data.get("end_on")
    if not start or not end:
        raise BusinessError("请填写协议的开始和结束日期", field="start_on")
    if end < start:
        raise BusinessError("结束日期不能早于开始日期", field="end_on")
    if (end - start).days > 3 * 366:
        raise BusinessError("协议期限最长 3 年，到期后可续签", field="end_on")
    months = int(data.get("review_months") or 3)
    row = Agreement(
        org_id=enterprise.org_id,
        enterprise=enterprise,
        craftsman=craftsman,
        team=team,
        demand=demand,
        title=(data.get("title") or "").strip(),
        scope_text=(data.get("scope_text") or "").strip(),
        start_on=start,
        end_on=end,
        review_months=months,
        next_review_on=_add_months(start, months),
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    try:
        row.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = (
            str(Agreement._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
            if field != "__all__"
            else ""
        )
        raise BusinessError(
            f"{label}：{messages[0]}" if label else messages[0], field=field
        ) from None
    row.save()
    assert_visible(Agreement, actor, row.pk, "add")
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"签订结对协议“{row.title}”：{craftsman or team} 与 {enterprise}",
        target=row,
    )
    people = [craftsman.user] if craftsman is not None and craftsman.user else []
    if team is not None and team.lead and team.lead.user:
        people.append(team.lead.user)
    notify(
        [*people, *_enterprise_users_of(enterprise.pk)],
        title=f"结对协议：{row.title}",
        body=f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}，每 {months} 个月回顾一次。",
        link=row.get_absolute_url(),
        actor=_user(actor),
    )
    return row


def _enterprise_users_of(enterprise_id: int) -> list[Any]:
    return [
        c.user
        for c in EnterpriseContact.objects.filter(
            enterprise_id=enterprise_id, user__isnull=False, user__is_active=True
        ).select_related("user")
    ]


@transaction.atomic
def agreement_review(*, actor: Any, agreement: Agreement, note: str) -> Agreement:
    """Record a periodic review; the next one is due a cadence later."""
    _check_perm(actor, "casework.change_agreement")
    if not Agreement.objects.visible_to(actor, "change").filter(pk=agreement.pk).exists():
        raise ScopeViolation(Agreement, "change")
    note = (note or "").strip()
    if not note:
        raise BusinessError("请填写回顾意见（服务开展情况、企业评价、下一步安排）", field="note")
    current = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if current.status != AgreementStatus.ACTIVE:
        raise BusinessError("协议已终止，不能再回顾", field="status", code="conflict")
    before = changelog.snapshot(current)
    current.last_review_note = note[:1000]
    current.next_review_on = _add_months(
        max(current.next_review_on, timezone.localdate()), current.review_months
    )
    current.updated_by = _user(actor)
    current.save(update_fields=["last_review_note", "next_review_on", "updated_by", "updated_at"])
    changelog.write(
        current,
        ChangeAction.UPDATE,
        before=before,
        after=changelog.snapshot(current),
        message="协议回顾",
    )
    return current


@transaction.atomic
def agreement_end(*, actor: Any, agreement: Agreement, reason: str) -> Agreement:
    _check_perm(actor, "casework.change_agreement")
    if not Agreement.objects.visible_to(actor, "change").filter(pk=agreement.pk).exists():
        raise ScopeViolation(Agreement, "change")
    if not (reason or "").strip():
        raise BusinessError("请填写终止原因", field="reason")
    updated = Agreement.objects.filter(pk=agreement.pk, status=AgreementStatus.ACTIVE).update(
        status=AgreementStatus.ENDED,
        ended_reason=reason.strip()[:500],
        updated_by=_user(actor),
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise BusinessError("协议已终止", field="status", code="conflict")
    row = Agreement.objects.get(pk=agreement.pk)
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"终止结对协议“{row.title}”",
        target=row,
        params={"reason": reason},
    )
    return row


def agreements_due(now: dt.datetime, counts: dict[str, int]) -> None:
    """The tick's part: remind the unit of reviews due, and end agreements past their period."""
    today = timezone.localtime(now).date()
    for row in Agreement.objects.filter(status=AgreementStatus.ACTIVE, end_on__lt=today)[:5000]:
        with _step(counts, "agreements_ended"):
            if Agreement.objects.filter(pk=row.pk, status=AgreementStatus.ACTIVE).update(
                status=AgreementStatus.ENDED, ended_reason="协议期满", updated_at=now
            ):
                notify(
                    _unit_staff(row.org_id, "casework.change_agreement"),
                    title=f"结对协议期满：{row.title}",
                    link=row.get_absolute_url(),
                )
    for row in Agreement.objects.filter(
        status=AgreementStatus.ACTIVE, next_review_on__lte=today
    ).exclude(reminded_on=today)[:5000]:
        with _step(counts, "agreement_reviews"):
            if (
                Agreement.objects.filter(pk=row.pk)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            ):
                notify(
                    _unit_staff(row.org_id, "casework.change_agreement"),
                    title=f"结对协议待回顾：{row.title}",
                    link=row.get_absolute_url(),
                )


#: How many demands one escalation statement moves (one transaction each).
ESCALATION_CHUNK = 500


def _escalate_due(*, now: dt.datetime, counts: dict[str, int], limit: int) -> None:
    """Escalate every demand past its deadline with nobody staffing it, one level up.

    Candidates come from SQL (``queues.overdue_q``: state, time in state against the working-day
    deadline, no open offer); they are grouped by (unit, state) and each chunk is moved with one
    UPDATE that repeats every condition, so a demand staffed, changed or escalated meanwhile (by
    a person or a concurrent tick) is left alone — two runs never escalate anything twice. Each
    moved demand gets its status-history row and change-log row; the operation log gets one row
    per chunk and the receiving unit's staff one message per chunk.
    """
    from .queues import overdue_q

    escalatable = [s for s in lifecycle.UNSTAFFED_STATES if lifecycle.target(s, "escalate")]
    rows = list(
        Demand.objects.filter(overdue_q(now=now))
        .filter(
            status__in=escalatable,
            org__parent__isnull=False,
            org__parent__status=Status.ACTIVE,
        )
        .exclude(status__in=lifecycle.ESCALATION_PAUSED)  # claims: listed demands wait
        .order_by("status_changed_at", "pk")
        .values_list("pk", "status", "org_id", "org__parent_id", "org__parent__level")[:limit]
    )
    groups: dict[tuple[str, int, int, str], list[int]] = {}
    for pk, status, org_id, parent_id, parent_level in rows:
        groups.setdefault((status, org_id, parent_id, parent_level), []).append(pk)
    for (status, org_id, parent_id, parent_level), ids in groups.items():
        for i in range(0, len(ids), ESCALATION_CHUNK):
            chunk = ids[i : i + ESCALATION_CHUNK]
            try:
                with transaction.atomic():
                    moved = _escalate_chunk(
                        now=now,
                        ids=chunk,
                        status=status,
                        org_id=org_id,
                        parent_id=parent_id,
                        parent_level=parent_level,
                    )
            except (BusinessError, IntegrityError):
                counts["skipped"] = counts.get("skipped", 0) + len(chunk)
                continue
            if moved:
                counts["escalated"] = counts.get("escalated", 0) + moved


def _escalate_chunk(
    *,
    now: dt.datetime,
    ids: list[int],
    status: str,
    org_id: int,
    parent_id: int,
    parent_level: str,
) -> int:
    from django.db.models import Exists, OuterRef

    from jiangqiao.orgs.models import Organization

    from .queues import overdue_q

    open_offers = Offer.objects.filter(demand=OuterRef("pk"), status__in=OPEN_OFFER_STATUSES)
    still_due = (
        Demand.objects.filter(pk__in=ids, status=status, org_id=org_id)
        .filter(overdue_q(now=now))
        .exclude(Exists(open_offers))
    )
    # Lock the rows (PostgreSQL; SQLite writes one transaction at a time) and read the before.
    before_rows = list(still_due.select_for_update().select_related("enterprise"))
    if not before_rows:
        return 0
    pks = [d.pk for d in before_rows]
    befores = {d.pk: changelog.snapshot(d, include_m2m=False) for d in before_rows}
    owner_level = ORG_LEVEL_TO_OWNER.get(parent_level, "")
    updated = Demand.objects.filter(pk__in=pks, status=status, org_id=org_id).update(
        status=DemandStatus.ESCALATED,
        org_id=parent_id,
        owner_level=owner_level or F("owner_level"),
        status_changed_at=now,  # the clock restarts at the new level
        updated_at=now,
        updated_by=None,
        version=F("version") + 1,
    )
    if updated != len(pks):  # cannot happen under the lock; never half-apply
        raise BusinessError("需求状态刚被修改，本批未升级", code="conflict")
    follow_demand_org(pks, parent_id)
    days_of: set[Any] = set(
        ServiceRecord.objects.filter(demand_id__in=pks).values_list("date", flat=True)
    )
    days_of |= {w for d in before_rows for w in (d.submitted_at, d.solved_confirmed_at) if w}
    rollups.changed((org, day) for org in (org_id, parent_id) for day in days_of)
    days = rule("escalate_days")
    org = Organization.objects.filter(pk=org_id).values_list("name", flat=True).first() or ""
    parent = Organization.objects.get(pk=parent_id)
    comment = f"超过 {days} 个工作日无人承接，自动从“{org}”升级至“{parent.name}”"
    DemandEvent.objects.bulk_create(
        DemandEvent(
            demand_id=pk,
            from_status=status,
            to_status=DemandStatus.ESCALATED,
            actor=None,
            actor_name=SYSTEM_NAME,
            comment=comment[:500],
            at=now,
        )
        for pk in pks
    )
    after_rows = list(Demand.objects.filter(pk__in=pks))
    changelog.bulk_write(
        [(d, befores[d.pk]) for d in after_rows],
        ChangeAction.UPDATE,
        message=_step_label("escalate"),
    )
    record_operation(
        actor=None,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"自动升级 {len(pks)} 项需求：“{org}” → “{parent.name}”",
        org_id=parent_id,
        extra={"demands": pks, "from": status, "to": DemandStatus.ESCALATED},
    )
    titles = "、".join(d.title for d in after_rows[:3]) + ("等" if len(pks) > 3 else "")
    notify(
        _unit_staff(parent_id),
        title=f"{len(pks)} 项需求升级到本单位：{titles}",
        body=comment,
        link=(
            after_rows[0].get_absolute_url()
            if len(pks) == 1
            else reverse("demands:demand_list") + f"?status={DemandStatus.ESCALATED}"
        ),
        level="warning",
    )
    return len(pks)


def _claims_tick(*, now: dt.datetime, batch: int) -> dict[str, int]:
    from . import claims  # claims.py builds on this module (publication, claims, team offers)

    return claims.tick(now=now, batch=batch)
