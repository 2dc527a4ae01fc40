"""The campaign's figures, counted once (docs/kpi.md is the definition; this is the only code).

``figures(user=…, org=…, start=…, end=…)`` counts the demands of ``org``'s subtree (within the
user's data scope) in the period ``start ≤ day ≤ end`` (dates in Asia/Shanghai). The dashboards
read these; nothing else counts them its own way. ``skill_upgrade_counts`` is the one count of
skill upgrades, of service sessions and of craftsman-academy training alike.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractYear, Greatest, TruncDate
from django.utils import timezone

from jiangqiao.core.scope import subtree_q
from jiangqiao.core.workdays import CALENDAR_TZ, workdays_between
from jiangqiao.demands import choices as demand_choices
from jiangqiao.demands.models import Demand

from .choices import OPEN_OFFER_STATUSES, REFUSED_OFFER_STATUSES, OfferStatus
from .models import Offer, Outcome, ServiceRecord, SkillUpgrade


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start 00:00, day after end 00:00) in the current time zone."""
        tz = timezone.get_current_timezone()
        low = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        high = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return low, high


#: Demands that count in no figure of collected demands (withdrawn by the enterprise, cancelled);
#: kept with the demand's states, so the demand list's 计入征集 filter shares it.
NOT_COLLECTED = demand_choices.NOT_COLLECTED


def session_people() -> Any:
    """劳模工匠服务人次 of one session (docs/kpi.md §1): the larger of 参与工匠人数 and the
    craftsmen named in it, at least 1 — an expression to annotate ``ServiceRecord`` rows with."""
    named = (
        ServiceRecord.participants.through.objects.filter(servicerecord=OuterRef("pk"))
        .order_by()
        .values("servicerecord")
        .annotate(c=Count("pk"))
        .values("c")  # type: ignore[misc]
    )
    return Greatest(Coalesce("experts", 0), Coalesce(Subquery(named), 0), 1)


def first_sessions_of_year(sessions: Any) -> Any:
    """The sessions among ``sessions`` that are their enterprise's first of the calendar year
    (by date, then entry), judged over **all** sessions, whoever reads: 服务企业数 counts an
    enterprise once a year, on that session's day, for the unit owning its demand."""
    earlier = ServiceRecord.objects.filter(
        demand__enterprise_id=OuterRef("demand__enterprise_id"),
        date__year=OuterRef("session_year"),
    ).filter(Q(date__lt=OuterRef("date")) | Q(date=OuterRef("date"), pk__lt=OuterRef("pk")))
    return sessions.annotate(session_year=ExtractYear("date")).filter(~Exists(earlier))


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def scoped_demands(*, user: Any, org: Any) -> Any:
    """The demands of ``org``'s subtree that ``user`` may see."""
    return Demand.objects.visible_to(user, "view").filter(subtree_q(org.path, field="org"))


@dataclass(frozen=True)
class UpgradeCount:
    """技能提升人次 of a period: the total, by level reached (``skill_level`` code) and by source."""

    total: int
    by_level: dict[str, int]
    by_source: dict[str, int]
    #: The counted upgrades by owning unit: ``{org_id: {"total", "source:<s>", "level:<l>": n}}``
    #: (the units add up to the total).
    by_org: dict[int, dict[str, int]] = field(default_factory=dict)


def skill_upgrade_counts(
    *, user: Any, start: dt.date, end: dt.date, org: Any = None
) -> UpgradeCount:
    """The one count of skill upgrades (docs/kpi.md §1 技能提升人次), both sources together.

    An upgrade counts on its certificate date (``issued_on``; a session's upgrade defaults to the
    session's day) when that falls in ``start ≤ day ≤ end``, for the units of ``org``'s subtree
    (all the user may see when ``org`` is None) within the user's data scope — **if it is the
    first of its keys in its calendar year** (``counted``, kept on write by
    :mod:`.upgrade_count`): a later record of the same worker (same enterprise staff number for
    sessions, same academy trainee code for training) reaching the same level in the same
    occupation, or of the same certificate number for the same occupation and level, is a
    duplicate and counted in no period. The rule is decided over all records, so a unit's count
    is the sum of its subunits'. One aggregate over the ``counted``/``issued_on`` index.
    """
    rows = SkillUpgrade.objects.visible_to(user, "view").filter(
        counted=True, issued_on__gte=start, issued_on__lte=end
    )
    if org is not None:
        rows = rows.filter(subtree_q(org.path, field="org"))
    by_level: dict[str, int] = {}
    by_source: dict[str, int] = {}
    by_org: dict[int, dict[str, int]] = {}
    grouped = rows.values("org_id", "source", "level_after").annotate(n=Count("pk")).order_by()
    for row in grouped:
        n = row["n"]
        level, source = row["level_after"], row["source"]
        by_level[level] = by_level.get(level, 0) + n
        by_source[source] = by_source.get(source, 0) + n
        unit = by_org.setdefault(row["org_id"], {})
        for key in ("total", f"source:{source}", f"level:{level}"):
            unit[key] = unit.get(key, 0) + n
    return UpgradeCount(sum(by_level.values()), by_level, by_source, by_org)


def figures(*, user: Any, org: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Every figure of docs/kpi.md §1 and §2 of ``org``'s subtree in the period."""
    return {
        **national_figures(user=user, org=org, start=start, end=end),
        **process_figures(user=user, org=org, start=start, end=end),
    }


def national_figures(*, user: Any, org: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The national figures (docs/kpi.md §1) counted from the raw rows (the rollups' reference)."""
    low, high = Period(start, end).bounds()
    demands = scoped_demands(user=user, org=org)
    sessions = ServiceRecord.objects.filter(
        demand__in=demands.values("pk"), date__gte=start, date__lte=end
    )
    agg = sessions.annotate(people=session_people()).aggregate(
        n=Sum("people"), trainees=Sum("trainees")
    )
    # The craftsmen of a session: those named in it (the offer's craftsman, the team members who
    # came, or for sessions older than offers the match's).
    # A join, not nested IN-subqueries (PostgreSQL planned those as minutes-long loops on freshly
    # loaded tables without statistics).
    serving = set(
        ServiceRecord.participants.through.objects.filter(
            servicerecord__date__gte=start,
            servicerecord__date__lte=end,
            servicerecord__demand__in=demands.values("pk"),
        )
        .values_list("craftsman_id", flat=True)
        .distinct()
    )
    return {
        "person_times": agg["n"] or 0,
        "craftsmen_serving": len(serving),
        "enterprises_served": first_sessions_of_year(sessions).count(),
        "problems_solved": demands.filter(
            solved_confirmed_at__gte=low, solved_confirmed_at__lt=high
        ).count(),
        "workers_trained": agg["trainees"] or 0,
        "demands_collected": demands.filter(submitted_at__gte=low, submitted_at__lt=high)
        .exclude(status__in=NOT_COLLECTED)
        .count(),
        "skill_upgrades": skill_upgrade_counts(user=user, org=org, start=start, end=end).total,
    }


def process_figures(*, user: Any, org: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The process figures (docs/kpi.md §2) and the count of confirmed outcomes.

    Counted in the database: no row of the period comes to Python. The triage median reads the
    middle one or two demands by triage time (ordered in SQL); the first-contact median groups
    the contacts by (day answered, day of first contact) — a few thousand pairs for a province's
    year — and counts the working days once per pair.
    """
    low, high = Period(start, end).bounds()
    demands = scoped_demands(user=user, org=org)
    offers = Offer.objects.filter(demand__in=demands.values("pk"))
    # One pass over the offers of the period: answered (or expired) in it, or made in it.
    answered = Q(responded_at__gte=low, responded_at__lt=high) | Q(
        status=OfferStatus.EXPIRED, ended_at__gte=low, ended_at__lt=high
    )
    made = Q(offered_at__gte=low, offered_at__lt=high)
    refused = Offer.objects.filter(status__in=REFUSED_OFFER_STATUSES).values("demand")
    counted = offers.filter(answered | made).aggregate(
        accepted=Count(
            "pk", filter=answered & Q(status__in=[OfferStatus.ACCEPTED, OfferStatus.COMPLETED])
        ),
        answered=Count("pk", filter=answered & ~Q(status=OfferStatus.WITHDRAWN)),
        # Demands offered in the period, and those of them with a declined or expired offer.
        staffed=Count("demand", distinct=True, filter=made),
        reassigned=Count("demand", distinct=True, filter=made & Q(demand__in=refused)),
    )
    accepted, answered_n = counted["accepted"], counted["answered"]
    staffed_n, reassigned_n = counted["staffed"], counted["reassigned"]
    confirmed = Outcome.objects.filter(
        demand__in=demands.values("pk"), confirmed_at__gte=low, confirmed_at__lt=high
    ).aggregate(avg=Avg("rating"), n=Count("pk"))
    from jiangqiao.talents.models import Craftsman

    craftsmen = Craftsman.objects.filter(subtree_q(org.path, field="org"), status="active")
    capacity = craftsmen.aggregate(total=Sum("max_open_services"))["total"] or 0
    busy = Offer.objects.filter(
        craftsman__in=craftsmen.values("pk"), status__in=OPEN_OFFER_STATUSES
    ).count()
    return {
        "triage_hours_median": _triage_hours_median(demands, low, high),
        "first_contact_workdays_median": _first_contact_workdays_median(offers, low, high),
        "acceptance_rate": round(accepted / answered_n, 3) if answered_n else None,
        "reassignment_rate": round(reassigned_n / staffed_n, 3) if staffed_n else None,
        "overdue_offers": offers.filter(
            status=OfferStatus.PENDING, accept_deadline__lt=timezone.now()
        ).count(),
        "utilisation": round(busy / capacity, 3) if capacity else None,
        "satisfaction": confirmed["avg"],
        "confirmed_outcomes": confirmed["n"],
    }


def _triage_hours_median(demands: Any, low: dt.datetime, high: dt.datetime) -> float | None:
    """Median hours from submission to triage of the demands triaged in [low, high): the middle
    one or two, ordered by their time to triage in the database."""
    triaged = demands.filter(triaged_at__gte=low, triaged_at__lt=high, submitted_at__isnull=False)
    n = triaged.count()
    if not n:
        return None
    took = ExpressionWrapper(F("triaged_at") - F("submitted_at"), output_field=DurationField())
    middle = (
        triaged.annotate(took=took)
        .order_by("took")
        .values_list("took", flat=True)[(n - 1) // 2 : n // 2 + 1]
    )
    return _median([t.total_seconds() / 3600 for t in middle])


def _first_contact_workdays_median(
    offers: Any, low: dt.datetime, high: dt.datetime
) -> float | None:
    """Median working days from acceptance to first contact of the contacts in [low, high),
    counted once per (day answered, day contacted) pair (days in the calendar's time zone)."""
    pairs = (
        offers.filter(
            first_contact_at__gte=low, first_contact_at__lt=high, responded_at__isnull=False
        )
        .annotate(
            answered_on=TruncDate("responded_at", tzinfo=CALENDAR_TZ),
            contacted_on=TruncDate("first_contact_at", tzinfo=CALENDAR_TZ),
        )
        .values("answered_on", "contacted_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counted: dict[int, int] = {}
    for row in pairs:
        days = workdays_between(row["answered_on"], row["contacted_on"])
        counted[days] = counted.get(days, 0) + row["n"]
    return _weighted_median(counted)


def _weighted_median(counted: dict[int, int]) -> float | None:
    """``_median`` of a list holding each key ``counted[key]`` times (without building it)."""
    n = sum(counted.values())
    if not n:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})
    found: list[float] = []
    seen = 0
    for value in sorted(counted):
        seen += counted[value]
        while wanted and wanted[0] < seen:
            wanted.pop(0)
            found.append(float(value))
    return _median(found)
