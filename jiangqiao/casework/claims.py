"""The claim list (认领清单), claims (认领), direct requests, assignments and team offers.

Issue 13 points 2 and 5. Everything here builds on ``casework.services``: every demand status
change is ``services.transition`` (the one writer), every offer is ``services._create_offer`` (so
the caps, conflicts and "declined once, never asked again" rules apply to claims, direct requests
and assignments exactly as to confirmed suggestions).

* **Publication.** Staff publish a 已分级 demand to the claim list after a quality check (each
  failing criterion is reported with its field) and with an expiry date (default 30 days, at most
  90, inclusive). The demand is then 已发布; the deadline tick puts it back to 已分级 the day after
  its expiry. While listed, the automatic escalation leaves it alone (``ESCALATION_PAUSED``).
* **The list is cross-unit and anonymised.** Every user who may claim (the 劳模工匠 role) sees every
  listed demand of the instance, whatever unit owns it: publishing *is* asking beyond one's own
  unit. The list shows the demand's text, kind, category, industry, region and the enterprise's
  size class — never the enterprise's name, USCC, address, contacts or the owning unit — and
  publication is refused while the demand's text contains the enterprise's name or USCC.
* **Claims.** A craftsman claims for himself, a team lead for his team, with a short note. Staff
  of the owning unit (or above) approve or refuse with a reason. **An approved claim becomes an
  offer that is already accepted**: the claimant asked to serve, so asking him again would only
  add a round-trip and a deadline; the offer records the claimant as the one who answered. The
  caps are checked again at approval (under the craftsman's row lock), so a claim cannot get round
  them. One pending claim per demand and claimant; claims lapse when the demand can no longer be
  offered (taken by someone else, withdrawn, cancelled).
* **Direct request.** The enterprise's preferred craftsmen (``Demand.preferred_craftsmen``) are
  offered with one click, by the demand's unit. The craftsman must be within that staff member's
  scope (matching's rule); one outside it is named by ID only, never by name.
* **Assignment.** Staff with ``casework.assign_offer`` — in particular the 省总工作专班, whose
  scope is the whole province — offer a craftsman or a service team to any demand they may change.
* **Team offers (联合攻关).** The lead answers for the team (``services._may_respond``); team
  offers do not count against the members' individual caps; the team must be active and led by a
  craftsman with an active login.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from jiangqiao.core import changelog
from jiangqiao.core.choices import BusinessType, ChangeAction, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.notifications import notify
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.demands.choices import DemandStatus, Visibility
from jiangqiao.demands.models import Demand

from . import lifecycle, services
from .choices import OPEN_OFFER_STATUSES, REFUSED_OFFER_STATUSES, OfferSource, OfferStatus
from .choices_claims import ClaimStatus, PublicationEnd, QualityPurpose
from .models import Claim, Offer, Publication, QualityReview
from .quality import QualityReport, quality_check

MODULE = "认领清单"
PUBLISH_DAYS_MAX = 90
TASK_FORCE_ROLE = "provincial_task_force"


def publish_days() -> int:
    """Default days a demand stays on the claim list (``JIANGQIAO_CASEWORK['publish_days']``)."""
    return int(settings.JIANGQIAO_CASEWORK.get("publish_days", 30))


def default_expiry(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=publish_days())


def renewals_max() -> int:
    """How many times one publication may be renewed (``JIANGQIAO_CASEWORK['publish_renewals_max']``)."""
    return int(settings.JIANGQIAO_CASEWORK.get("publish_renewals_max", 2))


def notice_days() -> int:
    """Days before expiry the publisher is told (``JIANGQIAO_CASEWORK['publish_notice_days']``)."""
    return int(settings.JIANGQIAO_CASEWORK.get("publish_notice_days", 3))


# ----------------------------------------------------------------------------------------------
# Publication
# ----------------------------------------------------------------------------------------------


def listed_demands(today: dt.date | None = None) -> QuerySet[Demand]:
    """Demands on the claim list now: 已发布 with an open, unexpired publication (no scope: the
    list is deliberately cross-unit; callers show it anonymised only)."""
    today = today or timezone.localdate()
    open_pub = Publication.objects.filter(
        demand=OuterRef("pk"), ended_at__isnull=True, expires_on__gte=today
    )
    return Demand.objects.filter(status=DemandStatus.PUBLISHED).filter(Exists(open_pub))


def _check_expiry(expires_on: Any) -> dt.date:
    today = timezone.localdate()
    if expires_on in (None, ""):
        return default_expiry(today)
    if isinstance(expires_on, str):
        try:
            expires_on = dt.date.fromisoformat(expires_on)
        except ValueError:
            raise BusinessError("截止日期：格式应为 YYYY-MM-DD", field="expires_on") from None
    if isinstance(expires_on, dt.datetime) or not isinstance(expires_on, dt.date):
        raise BusinessError("截止日期：格式应为 YYYY-MM-DD", field="expires_on")
    if expires_on <= today:
        raise BusinessError("截止日期：应晚于今天", field="expires_on")
    if expires_on > today + dt.timedelta(days=PUBLISH_DAYS_MAX):
        raise BusinessError(
            f"截止日期：最长发布 {PUBLISH_DAYS_MAX} 天（不晚于 "
            f"{today + dt.timedelta(days=PUBLISH_DAYS_MAX):%Y-%m-%d}）",
            field="expires_on",
        )
    return expires_on


def _end_publications(demand_id: int, reason: str, now: dt.datetime) -> int:
    return Publication.objects.filter(demand_id=demand_id, ended_at__isnull=True).update(
        ended_at=now, end_reason=reason, updated_at=now
    )


def end_for_merge(*, actor: Any, demand: Demand, survivor: Demand) -> dict[str, int]:
    """A demand merged into ``survivor`` leaves the claim list and its pending claims lapse (the
    claimants are told; they may claim the survivor if it is listed). Runs in the merge's
    transaction (``services.demand_merge``)."""
    now = timezone.now()
    ended = _end_publications(demand.pk, PublicationEnd.MERGED, now)
    lapsed = 0
    for claim in Claim.objects.filter(demand=demand, status=ClaimStatus.PENDING).select_related(
        "claimant"
    ):
        if (
            Claim.objects.filter(pk=claim.pk, status=ClaimStatus.PENDING).update(
                status=ClaimStatus.LAPSED, decided_at=now, updated_at=now
            )
            == 1
        ):
            lapsed += 1
            notify(
                [claim.claimant],
                title=f"认领已失效：{demand.title}",
                body=f"该需求已与需求 {survivor.number or ''} 合并办理，感谢您的关注。",
                link=_my_claims_link(),
                actor=services._user(actor),
            )
    return {"publications": ended, "claims": lapsed}


def _editable_demand(actor: Any, demand: Any) -> Demand:
    pk = getattr(demand, "pk", demand)
    row = (
        Demand.objects.visible_to(actor, "change")
        .select_related("enterprise", "org")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise ScopeViolation(Demand, "change")
    return row


def _record_review(
    actor: Any, demand: Demand, report: QualityReport, purpose: str, comment: str = ""
) -> QualityReview:
    """Keep the scoring in the demand's score history (发布质量评分)."""
    scores = report.scores()
    return QualityReview.objects.create(
        demand=demand,
        purpose=purpose,
        clarity_score=scores["clarity"],
        completeness_score=scores["completeness"],
        verification_score=scores["verification"],
        feasibility_score=scores["feasibility"],
        total=report.total,
        passed=report.passed,
        to_add=[a.text for a in report.to_add()],
        comment=comment[:500],
        created_by=services._user(actor),
        updated_by=services._user(actor),
    )


def _score_fields(report: QualityReport) -> dict[str, int]:
    scores = report.scores()
    return {
        "quality_score": report.total,
        "clarity_score": scores["clarity"],
        "completeness_score": scores["completeness"],
        "verification_score": scores["verification"],
        "feasibility_score": scores["feasibility"],
    }


def _clean_comment(comment: str, label: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise BusinessError(f"{label}：不能超过 500 个字", field="comment")
    return comment


@transaction.atomic
def demand_publish(
    *, actor: Any, demand: Demand, expires_on: Any = None, comment: str = ""
) -> Publication:
    """已分级 → 已发布 when the quality score reaches the threshold and the text is anonymous;
    listed (anonymised) until ``expires_on``. A refusal names each field to improve."""
    services._check_perm(actor, "casework.publish_demand", "您没有发布需求到认领清单的权限")
    current = _editable_demand(actor, demand)
    if lifecycle.target(current.status, "publish") is None:
        raise services.refusal(current.status, "publish")
    report = quality_check(current)
    if not report.passed:
        raise report.as_error()
    expires = _check_expiry(expires_on)
    comment = _clean_comment(comment, "发布说明")
    now = timezone.now()
    updates: dict[str, Any] = {}
    if current.visibility == Visibility.PRIVATE:
        updates["visibility"] = Visibility.ANONYMISED
    result = services.transition(
        actor=actor,
        demand=current,
        action="publish",
        comment=f"发布到认领清单，截止 {expires:%Y-%m-%d}"
        f"（质量评分 {report.total}/{report.maximum}）" + (f"：{comment}" if comment else ""),
        business_type=BusinessType.APPROVE,
        **updates,
    )
    _end_publications(result.pk, PublicationEnd.MOVED_ON, now)  # a stale one the tick missed
    publication = Publication(
        demand=result,
        published_at=now,
        expires_on=expires,
        note=comment,
        created_by=services._user(actor),
        updated_by=services._user(actor),
        **_score_fields(report),
    )
    try:
        with transaction.atomic():
            publication.save()
    except IntegrityError:
        raise BusinessError("该需求已在认领清单中", field="status", code="conflict") from None
    _record_review(actor, result, report, QualityPurpose.PUBLISH, comment)
    return publication


@transaction.atomic
def publication_renew(
    *, actor: Any, demand: Demand, expires_on: Any = None, comment: str = ""
) -> Publication:
    """续期: a listed demand stays on the claim list until a later date (at most
    ``PUBLISH_DAYS_MAX`` days from today), after its score is checked again; at most
    ``renewals_max()`` times per publication. Audited (change log, operation log, score history)."""
    services._check_perm(actor, "casework.publish_demand", "您没有续期认领清单的权限")
    current = _editable_demand(actor, demand)
    if current.status != DemandStatus.PUBLISHED:
        raise BusinessError(
            f"续期：需求当前为“{current.get_status_display()}”，只有在认领清单中的需求可以续期"
            "（已到期撤下的请重新发布）",
            field="status",
            code="conflict",
        )
    publication = (
        Publication.objects.select_for_update()
        .filter(demand=current, ended_at__isnull=True)
        .first()
    )
    if publication is None:
        raise BusinessError("续期：该需求不在认领清单中，请重新发布", field="status")
    if publication.renewals >= renewals_max():
        raise BusinessError(
            f"续期：本次发布已续期 {publication.renewals} 次，达到上限 {renewals_max()} 次；"
            "请撤下后补充需求再重新发布",
            field="expires_on",
        )
    latest = timezone.localdate() + dt.timedelta(days=PUBLISH_DAYS_MAX)
    expires = _check_expiry(
        expires_on or min(publication.expires_on + dt.timedelta(days=publish_days()), latest)
    )
    if expires <= publication.expires_on:
        raise BusinessError(
            f"截止日期：续期后应晚于当前截止日期 {publication.expires_on:%Y-%m-%d}",
            field="expires_on",
        )
    report = quality_check(current)
    if not report.passed:
        raise report.as_error()
    comment = _clean_comment(comment, "续期说明")
    before = changelog.snapshot(publication)
    old_expiry = publication.expires_on
    for name, value in _score_fields(report).items():
        setattr(publication, name, value)
    publication.expires_on = expires
    publication.renewals += 1
    publication.expiry_notified_on = None
    publication.updated_by = services._user(actor)
    publication.save()
    changelog.write(
        publication,
        ChangeAction.UPDATE,
        before=before,
        after=changelog.snapshot(publication),
        message="续期",
    )
    record_operation(
        actor=services._user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"续期认领清单：需求“{current}”截止 {old_expiry:%Y-%m-%d} → {expires:%Y-%m-%d}"
        f"（第 {publication.renewals} 次，质量评分 {report.total}/{report.maximum}）",
        target=publication,
        extra={"demand": current.pk, "comment": comment},
    )
    _record_review(actor, current, report, QualityPurpose.RENEW, comment)
    return publication


@transaction.atomic
def demand_return(*, actor: Any, demand: Demand, comment: str = "") -> QualityReview:
    """已提交 / 已分级 → 待补充: the demand goes back to its enterprise with what to add (the
    score's advice, weakest criterion first, and the staff's own words); its contacts are told."""
    services._check_perm(actor, "demands.triage_demand", "您没有退回需求的权限")
    current = _editable_demand(actor, demand)
    if lifecycle.target(current.status, "return") is None:
        raise services.refusal(current.status, "return")
    comment = _clean_comment(comment, "退回说明")
    report = quality_check(current)
    # The enterprise is asked only for what it can edit itself; the union's own fields (需求类别,
    # the enterprise checks) stay with the staff (the score card lists them apart).
    items = [a.text for a in report.for_enterprise()]
    if report.leaked:
        items.insert(0, report.anonymity_message())
    if not items and not comment:
        union = report.for_union()
        if union:
            labels = "、".join(a.label for a in union)
            raise BusinessError(
                f"退回说明：评分中需补充的只有工会填写的内容（{labels}），企业无法补充；"
                "请在分级受理或企业信息中直接补全，不必退回企业",
                field="comment",
            )
        raise BusinessError(
            "退回说明：评分未发现需补充的内容，请写明需要企业补充什么", field="comment"
        )
    review = _record_review(actor, current, report, QualityPurpose.RETURN, comment)
    # The request the enterprise reads (its demand page, the API): its own fields only.
    review.to_add = items
    review.save(update_fields=["to_add"])
    lines = "；".join(f"{i}. {text}" for i, text in enumerate(items, 1))
    text = (f"{comment}。" if comment else "") + (f"需补充：{lines}" if lines else "")
    recipients = services._enterprise_users(current)
    services.transition(
        actor=actor,
        demand=current,
        action="return",
        comment=f"退回企业补充（质量评分 {report.total}/{report.maximum}）：{text}"[:500],
    )
    if recipients:
        notify(
            recipients,
            title=f"请补充需求信息：{current.title}",
            body=f"工会审核了您的需求（质量评分 {report.total}/{report.maximum}），"
            f"请补充后重新提交。{text}"[:2000],
            link=current.get_absolute_url(),
            actor=services._user(actor),
            level="warning",
        )
    return review


@transaction.atomic
def demand_resubmit(*, actor: Any, demand: Demand, comment: str = "") -> Demand:
    """待补充 → 已提交: the enterprise (or staff for it) has added what was asked; the owning
    unit's staff triage it again. The new score is kept in the history."""
    current = services._may_act_on(
        actor, demand, perms=("demands.add_demand", "demands.change_demand")
    )
    if not Demand.objects.visible_to(actor, "change").filter(pk=current.pk).exists():
        raise ScopeViolation(Demand, "change")
    if lifecycle.target(current.status, "resubmit") is None:
        raise services.refusal(current.status, "resubmit")
    comment = _clean_comment(comment, "补充说明")
    current = Demand.objects.select_related("enterprise", "org").get(pk=current.pk)
    report = quality_check(current)
    _record_review(actor, current, report, QualityPurpose.RESUBMIT, comment)
    return services.transition(
        actor=actor,
        demand=current,
        action="resubmit",
        comment=f"企业补充后重新提交（质量评分 {report.total}/{report.maximum}）"
        + (f"：{comment}" if comment else ""),
        business_type=BusinessType.SUBMIT,
        notify_users=_deciders(current.org, "demands.triage_demand"),
    )


def return_request(demand: Demand) -> QualityReview | None:
    """The latest request to complete the demand, while it waits for the enterprise (待补充).
    Callers have checked that the user may see ``demand``."""
    if demand.status != DemandStatus.RETURNED:
        return None
    return (
        QualityReview.objects.filter(demand=demand, purpose=QualityPurpose.RETURN)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def demand_unpublish(*, actor: Any, demand: Demand, comment: str) -> Demand:
    """已发布 → 已分级 by staff (a reason is required). Pending claims stay and may be decided."""
    services._check_perm(actor, "casework.publish_demand", "您没有撤下认领清单的权限")
    current = _editable_demand(actor, demand)
    comment = (comment or "").strip()
    if not comment:
        raise BusinessError("撤下原因：请说明为什么撤下", field="comment")
    result = services.transition(
        actor=actor, demand=current, action="unpublish", comment=f"撤下认领清单：{comment[:400]}"
    )
    _end_publications(result.pk, PublicationEnd.UNPUBLISHED, timezone.now())
    return result


# ----------------------------------------------------------------------------------------------
# Who may be offered: a craftsman at claim time, a team
# ----------------------------------------------------------------------------------------------


def _claim_precheck(craftsman: Any, demand: Demand) -> None:
    """The caps, said to the claimant himself, before a claim is filed (checked again, under the
    row lock, when staff approve). Conflicts of interest are left to the approval: telling the
    claimant "you must recuse yourself" would tell him whose demand the anonymised one is."""
    from jiangqiao.talents.choices import CraftsmanStatus

    if craftsman.status != CraftsmanStatus.ACTIVE:
        raise BusinessError(
            f"您的档案当前为“{craftsman.get_status_display()}”，不能认领", field="craftsman"
        )
    if craftsman.pause_until and craftsman.pause_until >= timezone.localdate():
        raise BusinessError(
            f"您已暂停服务至 {craftsman.pause_until:%Y-%m-%d}，不能认领", field="craftsman"
        )
    offers = Offer.objects.filter(craftsman_id=craftsman.pk)
    if offers.filter(demand_id=demand.pk, status__in=REFUSED_OFFER_STATUSES).exists():
        raise BusinessError("您已婉拒（或超时未答复）该需求的邀请，不能再认领", field="demand")
    if offers.filter(demand_id=demand.pk, status__in=OPEN_OFFER_STATUSES).exists():
        raise BusinessError("您已收到该需求的服务邀请，请在“我的服务邀请”中答复", field="demand")
    if offers.filter(status__in=OPEN_OFFER_STATUSES).count() >= (craftsman.max_open_services or 0):
        raise BusinessError(
            f"您同时进行的服务已达上限（{craftsman.max_open_services} 项），暂不能认领",
            field="craftsman",
        )
    monthly = craftsman.max_new_per_month
    if monthly and (
        offers.filter(offered_at__gte=services._month_start(timezone.now()))
        .exclude(status=OfferStatus.WITHDRAWN)
        .count()
        >= monthly
    ):
        raise BusinessError(
            f"您本月新接服务已达上限（每月 {monthly} 项），暂不能认领", field="craftsman"
        )


def check_team_can_offer(team: Any, demand: Demand) -> None:
    """A team is offered only when active and led by a craftsman with an active login (the lead
    answers for the team). Team offers do not count against the members' individual caps."""
    if team.status != Status.ACTIVE:
        raise BusinessError(f"服务队“{team}”已停用，不能邀请", field="team")
    lead = team.lead
    if lead is None:
        raise BusinessError(
            f"服务队“{team}”未设领衔人，不能邀请（由领衔人代表服务队答复）", field="team"
        )
    user = lead.user
    if user is None or not user.is_active:
        raise BusinessError(f"服务队“{team}”的领衔人没有可用的登录账号，无法答复邀请", field="team")
    offers = Offer.objects.filter(demand_id=demand.pk, team_id=team.pk)
    if offers.filter(status__in=REFUSED_OFFER_STATUSES).exists():
        raise BusinessError(
            f"服务队“{team}”已婉拒（或超时未答复）本需求，不再重复邀请", field="team"
        )
    if offers.filter(status__in=OPEN_OFFER_STATUSES).exists():
        raise BusinessError(f"服务队“{team}”已有本需求的未结束邀请", field="team")


def own_craftsman(user: Any) -> Any:
    from jiangqiao.talents.models import Craftsman

    if not getattr(user, "is_authenticated", False):
        return None
    return Craftsman.objects.filter(user=user).first()


def led_teams(user: Any) -> QuerySet[Any]:
    """The active teams ``user`` leads (he may claim and answer for them)."""
    from jiangqiao.talents.models import ServiceTeam

    if not getattr(user, "is_authenticated", False):
        return ServiceTeam.objects.none()
    return ServiceTeam.objects.filter(lead__user=user, status=Status.ACTIVE).order_by("name")


# ----------------------------------------------------------------------------------------------
# Claims
# ----------------------------------------------------------------------------------------------

NOT_LISTED = "该需求不在认领清单中（可能已到期、已撤下或已有人承接），不能认领"


@transaction.atomic
def claim_create(*, actor: Any, demand: Any, note: str, team: Any = None) -> Claim:
    """A craftsman (or a team lead, for ``team``) claims a listed demand; staff decide."""
    services._check_perm(actor, "casework.add_claim", "只有劳模工匠（或服务队领衔人）可以认领需求")
    note = (note or "").strip()
    if not note:
        raise BusinessError("认领说明：请简要说明相关经验和可安排的时间", field="note")
    if len(note) > 500:
        raise BusinessError("认领说明：不能超过 500 个字", field="note")
    pk = getattr(demand, "pk", demand)
    # A missing demand and one not listed read the same: the list is the only way in.
    current = listed_demands().select_related("enterprise", "org").filter(pk=pk).first()
    if current is None:
        raise BusinessError(NOT_LISTED, field="demand")
    craftsman = team_obj = None
    if team not in (None, ""):
        team_pk = getattr(team, "pk", team)
        team_obj = led_teams(actor).filter(pk=team_pk).select_related("lead", "lead__user").first()
        if team_obj is None:
            raise BusinessError(
                "服务队：只有服务队的领衔人可以以服务队名义认领（服务队须为启用状态）",
                field="team",
            )
        check_team_can_offer(team_obj, current)
    else:
        craftsman = own_craftsman(actor)
        if craftsman is None:
            raise BusinessError("您的账号未关联劳模工匠档案，不能认领", field="craftsman")
        _claim_precheck(craftsman, current)
    claim = Claim(
        demand=current,
        craftsman=craftsman,
        team=team_obj,
        claimant=actor,
        note=note,
        created_by=actor,
        updated_by=actor,
    )
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        who = "该服务队" if team_obj else "您"
        raise BusinessError(
            f"{who}已认领该需求，正在等待审核", field="demand", code="conflict"
        ) from None
    who_text = f"服务队“{team_obj}”（领衔人认领）" if team_obj else f"劳模工匠“{craftsman}”"
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"{who_text}认领需求“{current}”",
        target=claim,
    )
    notify(
        _deciders(current.org),
        title=f"新的认领待审核：{current.title}",
        body=f"{who_text}：{note[:200]}",
        link=_queue_link(),
        actor=actor,
    )
    return claim


def _deciders(org: Any, perm: str = "casework.decide_claim") -> list[Any]:
    """Who is told of a new claim (or a resubmitted demand, with ``demands.triage_demand``): the
    owning unit's staff who hold ``perm``, or, when it has none, the nearest unit above that has
    (the same people whose scope covers the demand)."""
    ids = [int(i) for i in (org.path or "").strip("/").split("/") if i.isdigit()]
    for org_id in reversed(ids or [org.pk]):
        people = services._unit_staff(org_id, perm)
        if people:
            return people
    return []


def _queue_link() -> str:
    from django.urls import reverse

    return reverse("casework:claim_list")


def _my_claims_link() -> str:
    from django.urls import reverse

    return reverse("casework:my_claims")


def _claim_refusal(pk: int, verb: str) -> BusinessError:
    status = Claim.objects.filter(pk=pk).values_list("status", flat=True).first()
    label = ClaimStatus(status).label if status else "已不存在"
    return BusinessError(
        f"该认领当前为“{label}”，不能{verb}（可能已被他人处理，请刷新）",
        field="status",
        code="conflict",
    )


def _decidable_claim(actor: Any, claim: Any) -> Claim:
    services._check_perm(actor, "casework.decide_claim", "您没有审核认领的权限")
    pk = getattr(claim, "pk", claim)
    row = Claim.objects.visible_to(actor, "view").filter(pk=pk).first()
    if row is None:
        raise ScopeViolation(Claim, "change")
    # Only the owning unit (or a unit above it) decides: the demand must be changeable by him.
    _editable_demand(actor, row.demand_id)
    return (
        Claim.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer-joined rows
        .select_related("demand", "craftsman", "team", "team__lead", "claimant")
        .get(pk=pk)
    )


def _set_claim(claim: Claim, actor: Any, verb: str, **values: Any) -> Claim:
    before = changelog.snapshot(claim)
    now = timezone.now()
    updated = Claim.objects.filter(pk=claim.pk, status=ClaimStatus.PENDING).update(
        updated_at=now, updated_by=services._user(actor), **values
    )
    if updated != 1:
        raise _claim_refusal(claim.pk, verb)
    row = Claim.objects.select_related("demand", "craftsman", "team").get(pk=claim.pk)
    changelog.write(
        row, ChangeAction.UPDATE, before=before, after=changelog.snapshot(row), message=verb
    )
    return row


@transaction.atomic
def claim_approve(*, actor: Any, claim: Any, note: str = "") -> Offer:
    """待审核 → 已通过: an offer (source 工匠认领) through the same path as every offer, so the caps
    are checked now; it is accepted at once (the claimant asked), with the first-contact
    deadline running from now."""
    current = _decidable_claim(actor, claim)
    if current.status != ClaimStatus.PENDING:
        raise _claim_refusal(current.pk, "通过")
    note = (note or "").strip()[:300]
    demand = Demand.objects.select_related("enterprise", "org").get(pk=current.demand_id)
    if current.team_id:
        check_team_can_offer(current.team, demand)
    offer = services._create_offer(
        actor=actor,
        demand=demand,
        craftsman=current.craftsman,
        team=current.team,
        source=OfferSource.CLAIM,
        note=f"认领：{current.note}"[:500],
        tell_invitee=False,
    )
    services.offer_accept(actor=actor, offer=offer, note=f"认领通过{('：' + note) if note else ''}")
    Offer.objects.filter(pk=offer.pk).update(responded_by=current.claimant)
    now = timezone.now()
    row = _set_claim(
        current,
        actor,
        "通过",
        status=ClaimStatus.APPROVED,
        decided_at=now,
        decided_by=services._user(actor),
        decision_note=note,
        offer=offer,
    )
    _end_publications(demand.pk, PublicationEnd.MOVED_ON, now)
    record_operation(
        actor=services._user(actor),
        module=MODULE,
        business_type=BusinessType.APPROVE,
        action=f"通过认领：“{row.craftsman or row.team}”承接需求“{demand}”",
        target=row,
        extra={"offer": offer.pk},
    )
    offer = Offer.objects.get(pk=offer.pk)
    notify(
        [current.claimant],
        title=f"认领已通过：{demand.title}",
        body="请尽快联系企业"
        + (
            f"（{timezone.localtime(offer.contact_deadline):%Y-%m-%d %H:%M} 前）"
            if offer.contact_deadline
            else ""
        )
        + (f"。审核意见：{note}" if note else ""),
        link=offer.get_absolute_url(),
        actor=services._user(actor),
    )
    return offer


@transaction.atomic
def claim_refuse(*, actor: Any, claim: Any, reason: str) -> Claim:
    """待审核 → 未通过, with the reason told to the claimant."""
    current = _decidable_claim(actor, claim)
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("不通过原因：请填写，认领人会收到", field="reason")
    if len(reason) > 500:
        raise BusinessError("不通过原因：不能超过 500 个字", field="reason")
    row = _set_claim(
        current,
        actor,
        "不通过",
        status=ClaimStatus.REFUSED,
        decided_at=timezone.now(),
        decided_by=services._user(actor),
        decision_note=reason,
    )
    record_operation(
        actor=services._user(actor),
        module=MODULE,
        business_type=BusinessType.APPROVE,
        action=f"认领不通过：“{row.craftsman or row.team}”认领需求“{row.demand}”",
        target=row,
    )
    notify(
        [current.claimant],
        title=f"认领未通过：{row.demand.title}",
        body=f"原因：{reason}",
        link=_my_claims_link(),
        actor=services._user(actor),
        level="warning",
    )
    return row


@transaction.atomic
def claim_withdraw(*, actor: Any, claim: Any) -> Claim:
    """The claimant takes back his pending claim."""
    pk = getattr(claim, "pk", claim)
    current = Claim.objects.filter(pk=pk, claimant_id=getattr(actor, "pk", None)).first()
    if current is None:
        raise PermissionDenied("只有认领人本人可以撤回认领")
    row = _set_claim(current, actor, "撤回", status=ClaimStatus.WITHDRAWN)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"撤回认领（需求“{row.demand}”）",
        target=row,
    )
    return row


# ----------------------------------------------------------------------------------------------
# Direct requests and assignments
# ----------------------------------------------------------------------------------------------


@transaction.atomic
def offer_direct(*, actor: Any, demand: Any, craftsman_id: Any, note: str = "") -> Offer:
    """One click: the enterprise's preferred craftsman is offered the demand (source 企业点名邀请),
    by the demand's unit. The craftsman must be within the actor's scope (matching's rule); one
    outside it is named by ID only."""
    from jiangqiao.talents.models import Craftsman

    services._check_perm(actor, "casework.assign_offer", "您没有发出服务邀请的权限")
    current = _editable_demand(actor, demand)
    try:
        cid = int(craftsman_id)
    except (TypeError, ValueError):
        raise BusinessError("劳模工匠：请选择企业点名的意向劳模工匠", field="craftsman") from None
    if cid not in [int(i) for i in (current.preferred_craftsmen or [])]:
        raise BusinessError("劳模工匠：不在企业点名的意向名单中", field="craftsman")
    craftsman = Craftsman.objects.visible_to(actor, "view").filter(pk=cid).first()
    if craftsman is None:
        raise BusinessError(
            "劳模工匠：企业点名的这位意向劳模工匠不在您的数据范围内，不能由您直接邀请；"
            "请升级需求，或请省总工作专班协调指派",
            field="craftsman",
        )
    note = (note or "").strip()[:400]
    return services._create_offer(
        actor=actor,
        demand=current,
        craftsman=craftsman,
        source=OfferSource.DIRECT,
        note=f"企业点名邀请{('：' + note) if note else ''}",
    )


def _is_task_force(user: Any) -> bool:
    roles = getattr(user, "active_roles", None)
    return bool(roles) and any(r.code == TASK_FORCE_ROLE for r in user.active_roles())


@transaction.atomic
def offer_assign(
    *, actor: Any, demand: Any, craftsman: Any = None, team: Any = None, note: str
) -> Offer:
    """Staff — the 省总工作专班 across the province — assign a craftsman or a service team to a
    demand they may change (source 工作人员指派). Craftsman and team must be in their scope."""
    from jiangqiao.talents.models import Craftsman, ServiceTeam

    services._check_perm(actor, "casework.assign_offer", "您没有指派服务的权限")
    if (craftsman in (None, "")) == (team in (None, "")):
        raise BusinessError("请选择一位劳模工匠或一支服务队（二选一）", field="craftsman")
    note = (note or "").strip()
    if not note:
        raise BusinessError("指派说明：请说明指派理由", field="note")
    if len(note) > 400:
        raise BusinessError("指派说明：不能超过 400 个字", field="note")
    current = _editable_demand(actor, demand)
    who = "省总工作专班" if _is_task_force(actor) else "工作人员"
    if craftsman not in (None, ""):
        row = (
            Craftsman.objects.visible_to(actor, "view")
            .filter(pk=getattr(craftsman, "pk", craftsman))
            .first()
        )
        if row is None:
            raise BusinessError("劳模工匠：不存在或不在您的数据范围内", field="craftsman")
        return services._create_offer(
            actor=actor,
            demand=current,
            craftsman=row,
            source=OfferSource.ASSIGNMENT,
            note=f"{who}指派：{note}",
        )
    team_row = (
        ServiceTeam.objects.visible_to(actor, "view")
        .select_related("lead", "lead__user")
        .filter(pk=getattr(team, "pk", team))
        .first()
    )
    if team_row is None:
        raise BusinessError("服务队：不存在或不在您的数据范围内", field="team")
    check_team_can_offer(team_row, current)
    return services._create_offer(
        actor=actor,
        demand=current,
        team=team_row,
        source=OfferSource.ASSIGNMENT,
        note=f"{who}指派（联合攻关）：{note}",
    )


# ----------------------------------------------------------------------------------------------
# The deadline tick's part (called from services.tick)
# ----------------------------------------------------------------------------------------------


def _expiry_notices(
    *, now: dt.datetime, today: dt.date, counts: dict[str, int], limit: int
) -> None:
    """Tell the publisher (or the unit's publishing staff) ``notice_days()`` days before a listing
    expires, once per publication and expiry date (a renewal clears the mark)."""
    days = notice_days()
    if days <= 0:
        return
    for pub in (
        Publication.objects.filter(
            ended_at__isnull=True,
            expiry_notified_on__isnull=True,
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=days),
            demand__status=DemandStatus.PUBLISHED,
        )
        .select_related("demand", "demand__org", "created_by")
        .order_by("expires_on", "pk")[:limit]
    ):
        if pub.created_by is not None and pub.created_by.is_active:
            staff = [pub.created_by]
        else:
            staff = _deciders(pub.demand.org, "casework.publish_demand")
        left = renewals_max() - pub.renewals
        with services._step(counts, "expiry_notices"):
            marked = Publication.objects.filter(pk=pub.pk, expiry_notified_on__isnull=True).update(
                expiry_notified_on=today, updated_at=now
            )
            if marked == 1:
                notify(
                    staff,
                    title=f"认领清单即将到期：{pub.demand.title}",
                    body=f"该需求在认领清单中的发布将于 {pub.expires_on:%Y-%m-%d} 到期，"
                    + (
                        f"可续期（还可续 {left} 次）或撤下。"
                        if left > 0
                        else "已达续期上限，到期后自动撤下。"
                    ),
                    link=pub.demand.get_absolute_url(),
                    level="warning",
                )


def tick(*, now: dt.datetime, batch: int = 500) -> dict[str, int]:
    """Expired publications come off the list (已发布 → 已分级); publications of demands that moved
    on are closed; pending claims on demands that can no longer be offered lapse. Conditional
    updates, each in its own transaction: a second run finds nothing to do."""
    counts: dict[str, int] = {}
    today = timezone.localtime(now).date()
    offerable = lifecycle.allowed_from("offer")
    _expiry_notices(now=now, today=today, counts=counts, limit=batch * 20)
    for pub in (
        Publication.objects.filter(ended_at__isnull=True, expires_on__lt=today)
        .select_related("demand")
        .order_by("expires_on", "pk")[: batch * 20]
    ):
        if pub.demand.status != DemandStatus.PUBLISHED:
            continue  # closed below
        with services._step(counts, "unpublished"):
            if (
                Publication.objects.filter(pk=pub.pk, ended_at__isnull=True).update(
                    ended_at=now, end_reason=PublicationEnd.EXPIRED, updated_at=now
                )
                == 1
            ):
                staff = [pub.created_by] if pub.created_by else []
                services.transition(
                    actor=None,
                    demand=pub.demand_id,
                    action="unpublish",
                    comment=f"认领清单发布已于 {pub.expires_on:%Y-%m-%d} 到期，自动撤下",
                    notify_users=staff or services._unit_staff(pub.demand.org_id),
                )
    for pk in list(
        Publication.objects.filter(ended_at__isnull=True)
        .exclude(demand__status=DemandStatus.PUBLISHED)
        .values_list("pk", flat=True)[: batch * 20]
    ):
        with services._step(counts, "publications_closed"):
            Publication.objects.filter(pk=pk, ended_at__isnull=True).update(
                ended_at=now, end_reason=PublicationEnd.MOVED_ON, updated_at=now
            )
    for claim in (
        Claim.objects.filter(status=ClaimStatus.PENDING)
        .exclude(demand__status__in=offerable)
        .select_related("demand")[: batch * 20]
    ):
        with services._step(counts, "claims_lapsed"):
            if (
                Claim.objects.filter(pk=claim.pk, status=ClaimStatus.PENDING).update(
                    status=ClaimStatus.LAPSED, decided_at=now, updated_at=now
                )
                == 1
            ):
                notify(
                    [claim.claimant],
                    title=f"认领已失效：{claim.demand.title}",
                    body=f"需求当前为“{claim.demand.get_status_display()}”，已不能再承接，"
                    "感谢您的关注。",
                    link=_my_claims_link(),
                )
    return counts
