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
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
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
from .choices_claims import ClaimStatus, PublicationEnd
from .models import Claim, Offer, Publication

MODULE = "认领清单"
DESCRIPTION_MIN = 30
PUBLISH_DAYS_MAX = 90
TASK_FORCE_ROLE = "provincial_task_force"


def publish_days() -> int:
    """Default days a demand stays on the claim list (``JIANGQIAO_CASEWORK['publish_days']``)."""
    return int(settings.JIANGQIAO_CASEWORK.get("publish_days", 30))


def default_expiry(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=publish_days())


# ----------------------------------------------------------------------------------------------
# The quality check before publication
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    field: str
    label: str
    ok: bool
    message: str  # what to fix (empty when ok)
    required: bool = True


@dataclass
class QualityReport:
    """The criteria a demand must meet to be listed, and a 0–5 score (EEN-style profile quality:
    one point each for a sufficient description, category, region, kind and industry or expected
    outcome)."""

    criteria: list[Criterion] = field(default_factory=list)

    @property
    def failures(self) -> list[Criterion]:
        return [c for c in self.criteria if c.required and not c.ok]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def score(self) -> int:
        return sum(1 for c in self.criteria if c.key != "anonymous" and c.ok)

    def as_error(self) -> ValidationError:
        errors: dict[str, list[str]] = {}
        for c in self.failures:
            errors.setdefault(c.field, []).append(c.message)
        return ValidationError(errors)


_LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "厂")
_REGION_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,3}?(?:省|市|自治区|自治州|区|县)")


def _identifying_terms(demand: Demand) -> list[str]:
    """The enterprise's name (and its core without legal suffix or leading region), former names,
    USCC and contacts' mobiles: none may appear in text shown on the anonymised list."""
    ent = demand.enterprise
    names = [ent.name, *(line.strip() for line in (ent.former_names or "").splitlines())]
    terms: set[str] = set()
    for name in filter(None, names):
        terms.add(name)
        core = name
        for suffix in _LEGAL_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix) + 1:
                core = core[: -len(suffix)]
                break
        terms.add(core)
        for _ in range(2):
            stripped = _REGION_PREFIX.sub("", core, count=1)
            if stripped == core:
                break
            core = stripped
            terms.add(core)
    if ent.uscc:
        terms.add(ent.uscc.upper())
    for mobile in ent.contacts.exclude(mobile="").values_list("mobile", flat=True):
        terms.add(str(mobile))
    return [t for t in terms if len(t) >= 4]


_TEXT_FIELDS = (
    ("title", "需求标题"),
    ("description", "需求描述"),
    ("current_state", "现状"),
    ("desired_outcome", "期望效果"),
)


def quality_check(demand: Demand) -> QualityReport:
    """Each criterion with a Chinese message naming the field to fix."""
    report = QualityReport()
    text = "".join((demand.description or "").split())
    report.criteria.append(
        Criterion(
            "description",
            "description",
            f"需求描述不少于 {DESCRIPTION_MIN} 个字",
            len(text) >= DESCRIPTION_MIN,
            f"需求描述：至少 {DESCRIPTION_MIN} 个字（当前 {len(text)} 个字），"
            "请写清现状、问题和期望效果",
        )
    )
    report.criteria.append(
        Criterion(
            "category",
            "category",
            "已确定需求类别",
            bool(demand.category),
            "需求类别：请先确定需求类别（分级受理时填写）",
        )
    )
    report.criteria.append(
        Criterion(
            "region",
            "region_code",
            "已填写服务地点",
            bool(demand.region_code),
            "服务地点：请填写服务地点（地区）",
        )
    )
    report.criteria.append(
        Criterion("kind", "kind", "已选择需求类型", bool(demand.kind), "需求类型：请选择需求类型")
    )
    report.criteria.append(
        Criterion(
            "detail",
            "industry_codes",
            "已填写所属行业或期望效果（便于工匠筛选和判断）",
            bool(demand.industry_codes) or bool((demand.desired_outcome or "").strip()),
            "所属行业 / 期望效果：建议至少填写一项",
            required=False,
        )
    )
    terms = _identifying_terms(demand)
    leaked = [
        (name, label)
        for name, label in _TEXT_FIELDS
        if any(t in (getattr(demand, name) or "").upper() for t in (s.upper() for s in terms))
    ]
    report.criteria.append(
        Criterion(
            "anonymous",
            leaked[0][0] if leaked else "description",
            "不含企业名称、统一社会信用代码或联系电话",
            not leaked,
            f"{'、'.join(label for _n, label in leaked)}：含有企业名称、统一社会信用代码或联系电话，"
            "认领清单匿名展示，发布前请删去"
            if leaked
            else "",
        )
    )
    return report


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


@transaction.atomic
def demand_publish(
    *, actor: Any, demand: Demand, expires_on: Any = None, comment: str = ""
) -> Publication:
    """已分级 → 已发布 after the quality check; listed (anonymised) until ``expires_on``."""
    services._check_perm(actor, "casework.publish_demand", "您没有发布需求到认领清单的权限")
    current = _editable_demand(actor, demand)
    if lifecycle.target(current.status, "publish") is None:
        raise services.refusal(current.status, "publish")
    report = quality_check(current)
    if not report.passed:
        raise report.as_error()
    expires = _check_expiry(expires_on)
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise BusinessError("发布说明：不能超过 500 个字", field="comment")
    now = timezone.now()
    updates: dict[str, Any] = {}
    if current.visibility == Visibility.PRIVATE:
        updates["visibility"] = Visibility.ANONYMISED
    result = services.transition(
        actor=actor,
        demand=current,
        action="publish",
        comment=f"发布到认领清单，截止 {expires:%Y-%m-%d}（质量评分 {report.score}/5）"
        + (f"：{comment}" if comment else ""),
        business_type=BusinessType.APPROVE,
        **updates,
    )
    _end_publications(result.pk, PublicationEnd.MOVED_ON, now)  # a stale one the tick missed
    publication = Publication(
        demand=result,
        published_at=now,
        expires_on=expires,
        quality_score=report.score,
        note=comment,
        created_by=services._user(actor),
        updated_by=services._user(actor),
    )
    try:
        with transaction.atomic():
            publication.save()
    except IntegrityError:
        raise BusinessError("该需求已在认领清单中", field="status", code="conflict") from None
    return publication


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


def _deciders(org: Any) -> list[Any]:
    """Who is told of a new claim: the owning unit's staff who decide claims, or, when it has
    none, the nearest unit above that has (the same people whose scope covers the demand)."""
    ids = [int(i) for i in (org.path or "").strip("/").split("/") if i.isdigit()]
    for org_id in reversed(ids or [org.pk]):
        people = services._unit_staff(org_id, "casework.decide_claim")
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


def tick(*, now: dt.datetime, batch: int = 500) -> dict[str, int]:
    """Expired publications come off the list (已发布 → 已分级); publications of demands that moved
    on are closed; pending claims on demands that can no longer be offered lapse. Conditional
    updates, each in its own transaction: a second run finds nothing to do."""
    counts: dict[str, int] = {}
    today = timezone.localtime(now).date()
    offerable = lifecycle.allowed_from("offer")
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
