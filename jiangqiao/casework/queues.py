"""Reads of the triage queue, the task force's queue and the aging board (always scoped).

Age is counted in working days in the demand's current state: ``core.workdays.workdays_between(
status_changed_at, today)``. The database never counts days row by row: each age bound is one
range on ``status_changed_at`` (``core.workdays.age_cutoff``), so the board is one grouped query
whatever the number of demands (bench/casework_tick.py measures it at 300,000).

A demand is **overdue** when it waits to be staffed (``lifecycle.UNSTAFFED_STATES``, no open offer)
past its escalation deadline, that is when the next deadline tick would escalate it (or, at the
top of the tree, when the provincial task force must step in).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts.choices import BuiltinRole
from jiangqiao.core.home import WorkCount, filtered_count, filtered_rows, list_link
from jiangqiao.core.scope import subtree_q
from jiangqiao.core.workdays import add_workdays, age_cutoff, workdays_between
from jiangqiao.demands.choices import DEMAND_STATUS_COLORS, DemandStatus, OwnerLevel
from jiangqiao.demands.filtersets import age_q
from jiangqiao.demands.models import Demand
from jiangqiao.orgs.choices import OrgLevel
from jiangqiao.orgs.models import Organization

from . import lifecycle
from .choices import OPEN_OFFER_STATUSES
from .models import Offer

S = DemandStatus

#: The states a unit still has work in, in the order of the life cycle (the board's rows).
BOARD_STATES: tuple[str, ...] = (
    S.SUBMITTED,
    S.TRANSFERRED,
    S.ESCALATED,
    S.TRIAGED,
    S.RETURNED,  # waits for the enterprise: no escalation deadline
    S.PUBLISHED,
    S.MATCHING,
    S.IN_SERVICE,
    S.RESOLVED,
    S.PARTIALLY_RESOLVED,
    S.UNRESOLVED,
    S.CONFIRMED,
)
UNSTAFFED = tuple(str(s) for s in lifecycle.UNSTAFFED_STATES)


@dataclass(frozen=True)
class AgeBand:
    label: str
    low: int
    high: int | None  # inclusive; None: no upper bound


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("0–2", 0, 2),
    AgeBand("3–5", 3, 5),
    AgeBand("6–10", 6, 10),
    AgeBand(">10", 11, None),
)


def escalate_days(level: str = "") -> int:
    conf = settings.JIANGQIAO_CASEWORK
    return int(
        conf.get("levels", {}).get(level or "", {}).get("escalate_days", conf["escalate_days"])
    )


def overdue_q(*, now: dt.datetime | None = None) -> Q:
    """Demands waiting to be staffed past their escalation deadline (the tick's own rule).

    The tick escalates when ``add_workdays(since, N) < now``, i.e. when at least N working days
    lie after the day of ``since`` up to yesterday: ``since < age_cutoff(yesterday, N)``.
    """
    now = now or timezone.now()
    yesterday = timezone.localtime(now).date() - dt.timedelta(days=1)
    overrides = [
        lvl
        for lvl, conf in settings.JIANGQIAO_CASEWORK.get("levels", {}).items()
        if "escalate_days" in conf
    ]
    q = Q(status_changed_at__lt=age_cutoff(yesterday, escalate_days())) & ~Q(
        owner_level__in=overrides
    )
    for level in overrides:
        q |= Q(owner_level=level, status_changed_at__lt=age_cutoff(yesterday, escalate_days(level)))
    # A demand on the claim list does not escalate (claims.py): it is not overdue either.
    paused = Q(status__in=lifecycle.ESCALATION_PAUSED)
    # ``has_open_offer`` is kept by the services with every offer write (services._sync_open_offer).
    return Q(status__in=UNSTAFFED) & ~paused & q & Q(has_open_offer=False)


def board_demands(
    *, user: Any, org: Organization | None = None, subtree: bool = True
) -> QuerySet[Demand]:
    """The user's demands still being worked on, optionally of one unit (and the units below)."""
    qs = Demand.objects.visible_to(user, "view").filter(status__in=BOARD_STATES)
    if org is not None:
        qs = qs.filter(subtree_q(org.path, field="org") if subtree else Q(org=org))
    return qs


# ----------------------------------------------------------------------------------------------
# The aging board
# ----------------------------------------------------------------------------------------------


@dataclass
class BoardCell:
    count: int
    url: str
    red: bool = False


@dataclass
class BoardRow:
    status: str
    label: str
    color: str
    cells: list[BoardCell]
    total: BoardCell
    overdue: BoardCell | None  # None: the state has no deadline


@dataclass
class Board:
    bands: tuple[AgeBand, ...]
    rows: list[BoardRow]
    totals: list[int]
    total: int
    overdue: int
    today: dt.date
    org: Organization | None
    subtree: bool
    extra: dict[str, Any] = field(default_factory=dict)


def aging_board(
    *,
    user: Any,
    org: Organization | None = None,
    subtree: bool = True,
    now: dt.datetime | None = None,
) -> Board:
    """Counts by state × age band (working days in the state), with the overdue ones per state.

    One grouped query (the overdue counts included); each number comes with the link to the list that shows exactly its rows
    (the demand list for the bands and totals, the queue for the overdue).
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    qs = board_demands(user=user, org=org, subtree=subtree)
    aggregates: dict[str, Any] = {
        f"band{i}": Count("pk", filter=age_q(min_age=b.low, max_age=b.high, today=today))
        for i, b in enumerate(AGE_BANDS)
    }
    # The overdue ones in the same pass: overdue_q is column filters only (no subquery).
    aggregates["overdue"] = Count("pk", filter=overdue_q(now=now))
    found: dict[str, dict[str, Any]] = {
        row["status"]: dict(row) for row in qs.order_by().values("status").annotate(**aggregates)
    }
    org_param = {"org_id": org.pk} if org is not None else {}
    queue_scope = {"unit": org.pk if org is not None else None, "subtree": "1" if subtree else None}
    rows = []
    totals = [0] * len(AGE_BANDS)
    for status in BOARD_STATES:
        counts: dict[str, Any] = found.get(status, {})
        cells = []
        deadline = escalate_days() if status in UNSTAFFED else None
        for i, band in enumerate(AGE_BANDS):
            n = int(counts.get(f"band{i}", 0))
            totals[i] += n
            cells.append(
                BoardCell(
                    n,
                    list_link(
                        "demands:demand_list",
                        status=status,
                        age_min=band.low,
                        age_max=band.high,
                        **org_param,
                    ),
                    red=bool(n and deadline is not None and band.low > deadline),
                )
            )
        total = sum(c.count for c in cells)
        overdue = None
        if status in UNSTAFFED:
            n = int(counts.get("overdue", 0))
            overdue = BoardCell(
                n,
                list_link("casework:queue", status=status, overdue="true", **queue_scope),
                red=n > 0,
            )
        rows.append(
            BoardRow(
                status,
                str(S(status).label),
                DEMAND_STATUS_COLORS.get(status, "secondary"),
                cells,
                BoardCell(total, list_link("demands:demand_list", status=status, **org_param)),
                overdue,
            )
        )
    return Board(
        AGE_BANDS,
        rows,
        totals,
        sum(totals),
        sum(r.overdue.count for r in rows if r.overdue),
        today,
        org,
        subtree,
    )


# ----------------------------------------------------------------------------------------------
# Queues
# ----------------------------------------------------------------------------------------------


def is_task_force(user: Any) -> bool:
    """省总工作专班 (or a superuser): the provincial coordination queue is theirs."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    codes: Any = getattr(user, "role_codes", None)
    return codes is not None and BuiltinRole.PROVINCIAL_TASK_FORCE in codes()


def unit_queue(
    *, user: Any, org: Organization | None = None, subtree: bool = False
) -> QuerySet[Demand]:
    """A unit's open demands (with ``subtree``, also its lower units'), the longest waiting first.

    ``org=None`` means every demand the user may see."""
    qs = board_demands(user=user, org=org, subtree=subtree)
    return qs.select_related("enterprise", "org").order_by("status_changed_at", "pk")


def task_force_queue(*, user: Any) -> QuerySet[Demand]:
    """Demands that need provincial coordination: escalated up to a provincial unit, or triaged
    with 省级 as the owner level (a lower unit's call for the province), within the user's scope."""
    if not is_task_force(user):
        return Demand.objects.none()
    return (
        Demand.objects.visible_to(user, "view")
        .filter(status__in=BOARD_STATES)
        .filter(Q(org__level=OrgLevel.PROVINCE) | Q(owner_level=OwnerLevel.PROVINCE))
        .select_related("enterprise", "org")
        .order_by("status_changed_at", "pk")
    )


def state_counts(qs: QuerySet[Demand]) -> list[dict[str, Any]]:
    """How many of ``qs`` are in each board state (the queue's tabs)."""
    found = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {
            "status": s,
            "label": str(S(s).label),
            "color": DEMAND_STATUS_COLORS.get(s, "secondary"),
            "count": found.get(s, 0),
        }
        for s in BOARD_STATES
        if found.get(s)
    ]


@dataclass
class Rung:
    label: str  # the unit's name, or its level only when it lies outside the user's scope
    current: bool


@dataclass
class QueueRow:
    demand: Demand
    age: int
    escalates_on: dt.date | None
    overdue: bool
    ladder: list[Rung]
    reason: str = ""
    color: str = "secondary"
    #: Why there is no escalation date: 无期限 (the state has none, e.g. 企业已确认 waiting for
    #: 办结 — settings hold no deadline for it) or 已发出服务邀请 (the offer's deadlines apply).
    no_deadline: str = "无期限"


def queue_rows(
    *, user: Any, demands: list[Demand], now: dt.datetime | None = None
) -> list[QueueRow]:
    """Age, escalation deadline and ladder (the owner up to the top) of one page of a queue.

    The ladder names the real units (深圳市总工会 → 广东省总工会): the owner and its ancestors,
    the unions the user's own unit belongs under.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    ids: set[int] = set()
    for d in demands:
        ids.update(int(p) for p in d.org.path.strip("/").split("/") if p)
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in=ids).only("pk", "name", "level")}
    open_offer_demands = set(
        Offer.objects.filter(
            demand__in=[d.pk for d in demands], status__in=OPEN_OFFER_STATUSES
        ).values_list("demand_id", flat=True)
    )
    rows = []
    for d in demands:
        since = d.status_changed_at or d.submitted_at or d.created_at
        chain = [int(p) for p in d.org.path.strip("/").split("/") if p]
        ladder = []
        for pk in reversed(chain):  # the owner first, then up to the top
            org = orgs.get(pk)
            if org is None:
                continue
            ladder.append(Rung(org.name, pk == d.org_id))
        escalates_on = None
        overdue = False
        if d.status in UNSTAFFED and d.pk not in open_offer_demands:
            due = add_workdays(since, escalate_days(d.owner_level))
            escalates_on = timezone.localtime(due).date()
            overdue = due < now
        reason = ""
        if d.org.level == OrgLevel.PROVINCE:
            reason = "已升级至省级" if d.status == S.ESCALATED else "省级承办"
        elif d.owner_level == OwnerLevel.PROVINCE:
            reason = "分级为省级承办，需省总协调"
        rows.append(
            QueueRow(
                d,
                workdays_between(since, today),
                escalates_on,
                overdue,
                ladder,
                reason,
                DEMAND_STATUS_COLORS.get(d.status, "secondary"),
                "已发出服务邀请" if d.status in UNSTAFFED else "无期限",
            )
        )
    return rows


# ----------------------------------------------------------------------------------------------
# Home panels: the staff's to-do, the enterprise's demands, the craftsman's offers
# ----------------------------------------------------------------------------------------------


def todo_items(*, user: Any, request: Any = None) -> list[WorkCount]:
    """待分级 / 待确认 / 待联系 / 逾期: each count is that of the filtered list it links to."""
    from jiangqiao.demands.filtersets import DemandFilterSet
    from jiangqiao.matching.filtersets import SuggestionFilterSet
    from jiangqiao.matching.selectors import suggestion_list

    from .filtersets import OfferFilterSet, QueueFilterSet
    from .selectors import offer_list

    items = []
    demands = Demand.objects.visible_to(user, "view")
    if user.has_perm("demands.view_demand"):
        url = list_link("demands:demand_list", status=[S.SUBMITTED, S.TRANSFERRED, S.ESCALATED])
        items.append(
            WorkCount(
                "triage", "待分级", filtered_count(DemandFilterSet, demands, url, request), url
            )
        )
    if user.has_perm("matching.view_matchsuggestion"):
        url = list_link("matching:matchsuggestion_list", status="proposed")
        items.append(
            WorkCount(
                "confirm",
                "待确认匹配",
                filtered_count(SuggestionFilterSet, suggestion_list(user=user), url, request),
                url,
            )
        )
    if user.has_perm("casework.view_offer"):
        offers = offer_list(user=user)
        url = list_link("casework:offer_list", awaiting_contact="true")
        items.append(
            WorkCount(
                "contact", "待联系企业", filtered_count(OfferFilterSet, offers, url, request), url
            )
        )
        url = list_link("casework:offer_list", overdue="true")
        n = filtered_count(OfferFilterSet, offers, url, request)
        items.append(WorkCount("overdue_offers", "逾期邀请", n, url, red=n > 0))
    if user.has_perm("demands.view_demand"):
        url = list_link("casework:queue", overdue="true", subtree="1")
        n = filtered_count(QueueFilterSet, board_demands(user=user), url, request)
        items.append(WorkCount("overdue_demands", "逾期未承接需求", n, url, red=n > 0))
    return items


@dataclass
class MyDemand:
    demand: Demand
    color: str
    deadline: tuple[str, Any] | None
    confirm: bool


def my_demands(*, user: Any, limit: int = 8) -> list[MyDemand]:
    """The enterprise contact's own demands (his enterprises'): those waiting for him to confirm
    the outcome first, then the ones still open (the home panel; the list has them all)."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = list(
        Demand.objects.visible_to(user, "view")
        .filter(enterprise__contacts__user=user)
        .exclude(status__in=[S.WITHDRAWN, S.CANCELLED, S.MERGED])
        .distinct()
        .order_by("-status_changed_at", "-pk")[: limit * 3]
    )
    final = set(lifecycle.FINAL_STATES)
    waiting_for_him = set(lifecycle.OUTCOME_STATES)
    # Stable: those waiting for his confirmation first, then the open ones, newest first within.
    rows.sort(key=lambda d: (d.status not in waiting_for_him, d.status in final))
    rows = rows[:limit]
    pending: dict[int, Any] = {}
    contact: dict[int, Any] = {}
    for offer in Offer.objects.filter(
        demand__in=[d.pk for d in rows], status__in=OPEN_OFFER_STATUSES
    ).order_by("accept_deadline"):
        if offer.status == "pending":
            pending.setdefault(offer.demand_id, offer.accept_deadline)
        elif offer.first_contact_at is None and offer.contact_deadline:
            contact.setdefault(offer.demand_id, offer.contact_deadline)
    result = []
    for d in rows:
        deadline: tuple[str, Any] | None = None
        if d.pk in pending:
            deadline = ("劳模工匠答复邀请", pending[d.pk])
        elif d.pk in contact:
            deadline = ("劳模工匠联系贵企业", contact[d.pk])
        result.append(
            MyDemand(
                d,
                DEMAND_STATUS_COLORS.get(d.status, "secondary"),
                deadline,
                d.status in lifecycle.OUTCOME_STATES,
            )
        )
    return result


def my_demand_counts(*, user: Any, request: Any = None) -> list[WorkCount]:
    """The enterprise contact's demands by stage (草稿 only when there is one), each the count of
    his 我的需求 list filtered by that stage; 待我确认结果 is red while something waits for him."""
    from jiangqiao.demands.choices import DemandStage
    from jiangqiao.demands.filtersets import PortalDemandFilterSet
    from jiangqiao.demands.selectors import demand_list

    demands = demand_list(user=user)
    items = []
    for stage in DemandStage:
        url = list_link("demands:demand_list", stage=stage.value)
        n = filtered_count(PortalDemandFilterSet, demands, url, request)
        if stage in (DemandStage.DRAFT, DemandStage.RETURNED) and not n:
            continue
        red = stage in (DemandStage.CONFIRM, DemandStage.DRAFT, DemandStage.RETURNED) and n > 0
        items.append(WorkCount(stage.value, str(stage.label), n, url, red=red))
    return items


def my_offer_groups(*, user: Any, limit: int = 10) -> dict[str, Any]:
    """The craftsman's pending offers (with deadlines) and services under way."""
    from .selectors import PENDING_ORDER, SERVING_ORDER, craftsman_figures, my_offers

    now = timezone.now()
    offers = my_offers(user=user)
    pending = list(offers.filter(status="pending").order_by(*PENDING_ORDER)[:limit])
    for o in pending:
        o.overdue = o.accept_deadline < now  # type: ignore[attr-defined]
    serving = list(offers.filter(status="accepted").order_by(*SERVING_ORDER)[:limit])
    for o in serving:
        o.contact_late = bool(  # type: ignore[attr-defined]
            o.first_contact_at is None and o.contact_deadline and o.contact_deadline < now
        )
    return {"pending": pending, "serving": serving, "figures": craftsman_figures(user=user)}


def my_year_items(
    *, user: Any, request: Any = None, today: dt.date | None = None
) -> list[WorkCount]:
    """The craftsman's standing this year: his sessions, their person-times (docs/kpi.md §1) and
    workers trained, and his open offers. The session figures are read from his 服务记录 list
    filtered from 1 January (the count is its rows, the others sum them); the open offers are
    those of 我的服务邀请 (待答复 + 服务中)."""
    from django.db.models import Sum

    from .kpi import session_people
    from .selectors import my_offers
    from .session_pages import ServiceRecordFilterSet, session_list

    today = today or timezone.localdate()
    url = list_link("casework:servicerecord_list", date_from=dt.date(today.year, 1, 1).isoformat())
    rows = filtered_rows(ServiceRecordFilterSet, session_list(user=user), url, request)
    n = rows.count()
    sums = rows.annotate(people=session_people()).aggregate(
        person_times=Sum("people"), trainees_sum=Sum("trainees")
    )
    open_offers = my_offers(user=user).filter(status__in=OPEN_OFFER_STATUSES).count()
    return [
        WorkCount("sessions", f"{today.year}年服务场次", n, url),
        WorkCount("person_times", "服务人次", int(sums["person_times"] or 0), url),
        WorkCount("trainees", "培训职工", int(sums["trainees_sum"] or 0), url),
        WorkCount("open_offers", "待答复与服务中", open_offers, reverse("casework:my_offers")),
    ]
