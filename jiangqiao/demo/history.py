"""A year of the campaign's history for the six pilot cities (last year and this year to date).

The demo's other builders write *today's* work through the services; the services date what they
do now (a demand's ``submitted_at`` and ``solved_confirmed_at`` are set by the submitting and
confirming services), so they cannot write last March. This module plans the history — which
demand of which enterprise, served by whom, and the dates of its steps —

    submitted → triaged → offered → accepted → contacted → session(s) → outcome → confirmed → closed

each a few (working) days after the previous one, and invents the content (the demand's text,
the sessions' details, the outcome's summary, the ratings, the follow-ups' answers, the skill
upgrades). What lies after today is simply not there yet: a recent outcome still waits for the
enterprise's confirmation, a very recent session's demand is still 服务中. The rows are written
by casework, the lifecycle's owner (``casework.history_load``): it derives every status from the
dates through ``casework.lifecycle`` (the ``DemandEvent`` rows say so) and writes in bulk.

Volumes follow a plan (``CITY_PLANS``): the demo targets of Guangdong split over the cities in
proportion to their size (``SHARE``), and each city's pace — 深圳 and 广州 ahead, 韶关 and 汕尾
behind. Months follow the campaign's seasons (``SHAPE``): the dip of 春节 (late January in 2025,
mid-February in 2026), the summer heat of August, the 国庆 week, the push before the year ends.
Last year is smaller (the campaign was starting). Skill upgrades are recorded with the sessions
(pseudonymised worker codes, one certificate each).

Nothing here updates the figures row by row: the load recounts the skill upgrades' once-a-year
flags, and ``build`` ends with ``dashboards.rollups.rebuild()``, which recomputes the figures the
bulk writes bypassed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from jiangqiao.core.workdays import is_workday
from jiangqiao.dashboards import demo as demo_targets
from jiangqiao.text import normalize

from . import people

if TYPE_CHECKING:
    from jiangqiao.casework.history_load import PastCase

#: Demo targets of Guangdong for the year and each city's share of them: the targets the
#: dashboards' demo sets (``jiangqiao/dashboards/demo.py``), which this history is planned against.
DEMO_TARGETS = demo_targets.TARGETS
SHARE = demo_targets.SHARE


@dataclass(frozen=True)
class CityPlan:
    """How far a city is on the 5th of December: its person-times as a share of its split of the
    target (problems solved, skill upgrades and enterprises follow, a little lower)."""

    code: str
    completion: float


CITY_PLANS = (
    CityPlan("440300", 1.05),  # 深圳: ahead
    CityPlan("440100", 1.02),  # 广州: ahead
    CityPlan("441900", 0.95),  # 东莞: about on pace
    CityPlan("440800", 0.88),  # 湛江: a little behind
    CityPlan("440200", 0.80),  # 韶关: behind
    CityPlan("441500", 0.76),  # 汕尾: behind
)

#: The month weights of each year: 春节 (29 Jan 2025, 17 Feb 2026), August, 国庆, the year-end push.
SHAPE = {
    "last": (0.55, 0.70, 1.00, 1.05, 0.95, 1.05, 1.00, 0.65, 1.05, 0.80, 1.15, 1.15),
    "this": (0.95, 0.45, 1.05, 1.10, 1.00, 1.10, 1.00, 0.70, 1.10, 0.85, 1.20, 1.20),
}
#: Last year's volume against this year's (the campaign was starting).
LAST_YEAR_VOLUME = 0.55
#: The plan's reference day: the completions above are reached on the 5th of December.
REFERENCE_DAY = (12, 5)
#: A session counts its craftsmen: 3 % of the sessions had two (参与工匠人数 2).
TWO_EXPERTS = 0.03
#: 2 % of the demands needed a second session.
SECOND_SESSION = 0.02
#: Outcomes recorded: solved / partly solved / not solved.
RESULTS = (("solved", 0.96), ("partial", 0.03), ("unsolved", 0.01))
#: Skill upgrades per session, against the upgrades' split of the target.
UPGRADE_RATIO = 0.97
#: The pipeline: demands submitted in the last this many working days, mostly not served yet.
PIPELINE_DAYS = 8
#: The share of a city's split of 服务企业数 that it reaches (distinct enterprises served).
ENTERPRISE_RATIO = 0.92

LEVEL_STEPS = (
    ("", "junior_worker", 20),
    ("junior_worker", "intermediate_worker", 30),
    ("intermediate_worker", "senior_worker", 30),
    ("senior_worker", "technician", 15),
    ("technician", "senior_technician", 5),
)
SUMMARIES = (
    "调整工艺参数并规范作业指导书，问题消除，良品率明显提高。",
    "更换磨损部件并校正设备精度，故障不再复现。",
    "现场培训班组骨干，建立点检与记录制度，运行稳定。",
    "优化控制程序和检测方法，能耗和返工率下降。",
)
NOTES = (
    "现场查看设备运行情况，找出主要原因，提出整改措施并指导班组落实。",
    "对一线员工进行操作规范和安全要点培训，现场答疑并约定回访。",
    "与企业技术骨干一起梳理工艺流程，确定攻关方案和分工。",
    "线上讲解检测方法和数据记录要求，企业反馈问题已缓解。",
)
COMMENTS = ("服务及时，问题已解决", "专业细致，班组很受启发", "", "", "效果明显，希望继续合作")


@dataclass
class Made:
    enterprises: int = 0
    demands: int = 0
    sessions: int = 0
    upgrades: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    write_seconds: float = 0.0
    rebuild_seconds: float = 0.0


# ------------------------------------------------------------------------------------------------
# The plan: how many sessions each city had each month
# ------------------------------------------------------------------------------------------------


def _month_fraction(year: int, month: int, upto: dt.date) -> float:
    """The part of ``month`` that lies on or before ``upto`` (0–1)."""
    first = dt.date(year, month, 1)
    if first > upto:
        return 0.0
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if last <= upto:
        return 1.0
    return upto.day / last.day


def sessions_per_month(
    today: dt.date, already: dict[str, int] | None = None
) -> dict[str, dict[tuple[int, int], int]]:
    """Sessions per city and (year, month), last year's January to this month (to ``today``).

    Each city's sessions of this year are planned so that its person-times on the reference day
    (5 December) are its completion × its split of the target; a build on another day gets the
    months up to that day of the same plan. ``already``: this year's person-times the demo's
    services recorded already, per city — this year's months give way to them in proportion. The
    months are rounded so that their running sums stay on the plan (no drift in small cities)."""
    this_year = today.year
    reference = dt.date(this_year, *REFERENCE_DAY)
    weights = SHAPE["this"]
    done_on_reference = sum(
        w * _month_fraction(this_year, m, reference) for m, w in enumerate(weights, 1)
    )
    people_per_session = 1 + TWO_EXPERTS
    out: dict[str, dict[tuple[int, int], int]] = {}
    for plan in CITY_PLANS:
        person_times = plan.completion * DEMO_TARGETS["person_times"] * SHARE[plan.code]
        per_weight = person_times / people_per_session / done_on_reference
        exact: list[tuple[tuple[int, int], float]] = [
            ((this_year - 1, m), per_weight * LAST_YEAR_VOLUME * w)
            for m, w in enumerate(SHAPE["last"], 1)
        ]
        for m, w in enumerate(weights, 1):
            part = _month_fraction(this_year, m, today)
            if part:
                exact.append(((this_year, m), per_weight * w * part))
        owed = (already or {}).get(plan.code, 0) / people_per_session
        this_total = sum(value for key, value in exact if key[0] == this_year)
        if owed and this_total:
            keep = max(0.0, 1 - owed / this_total)
            exact = [(key, value * keep if key[0] == this_year else value) for key, value in exact]
        months: dict[tuple[int, int], int] = {}
        running = 0.0
        for key, value in exact:
            before = round(running)
            running += value
            months[key] = round(running) - before
        out[plan.code] = months
    return out


# ------------------------------------------------------------------------------------------------
# Dates
# ------------------------------------------------------------------------------------------------


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _workdays_of(year: int, month: int, upto: dt.date) -> list[dt.date]:
    day = dt.date(year, month, 1)
    days = []
    while day.month == month and day <= upto:
        if is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _later(rng: random.Random, day: dt.date, low: int, high: int) -> dt.date:
    """A working day ``low``–``high`` working days after ``day``."""
    n = rng.randint(low, high)
    while n > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def _earlier(rng: random.Random, day: dt.date, low: int, high: int) -> dt.date:
    n = rng.randint(low, high)
    while n > 0:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


# ------------------------------------------------------------------------------------------------
# The build
# ------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One demand of the history with the dates of its steps. ``sessions`` are those up to
    today; the outcome, the confirmation and the closing are None while they lie after today,
    and so are, for a demand of the pipeline, the steps not taken yet (their dates lie ahead)."""

    city: str
    enterprise: Any
    industry: Any
    craftsman: Any
    sessions: list[dt.date]
    submitted: dt.date
    triaged: dt.date
    offered: dt.date
    accepted: dt.date
    contacted: dt.date
    recorded: dt.date | None
    result: str
    confirmed: dt.date | None
    closed: dt.date | None
    experts: list[int]
    upgrades: list[int]
    rating: int


def build(ctx: Any, actor: Any, *, today: dt.date | None = None) -> Made:
    """Write last year's and this year's history (to ``today``) and rebuild the figures."""
    from jiangqiao.casework.history_load import history_load
    from jiangqiao.core.bulk import analyze
    from jiangqiao.dashboards.rollups import rebuild
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.orgs.models import Organization

    today = today or timezone.localdate()
    rng = random.Random(20251201)
    made = Made()
    started = time.perf_counter()
    already = _already(ctx, today.year)
    plan = sessions_per_month(today, {code: a.person_times for code, a in already.items()})
    with transaction.atomic():
        pools = _enterprise_pools(ctx, actor, rng, plan, today, made, already)
        craftsmen = _craftsmen_by_city()
        cases = _plan_cases(rng, plan, pools, craftsmen, today, already)
        loaded = history_load(actor=actor, cases=_past_cases(rng, cases, today), today=today)
        analyze([Enterprise, Organization])  # the casework rows are analysed by the load
    made.demands, made.sessions, made.upgrades = loaded.demands, loaded.sessions, loaded.upgrades
    made.write_seconds = time.perf_counter() - started
    started = time.perf_counter()
    made.counts = rebuild()
    made.rebuild_seconds = time.perf_counter() - started
    return made


@dataclass
class Already:
    """What the demo's services recorded this year in a city (today's work, ``cases.py``)."""

    person_times: int = 0
    upgrades: int = 0
    served: set[int] = field(default_factory=set)


def _already(ctx: Any, year: int) -> dict[str, Already]:
    from django.db.models import Sum

    from jiangqiao.casework.kpi import session_people
    from jiangqiao.casework.session_models import ServiceRecord, SkillUpgrade
    from jiangqiao.core.scope import subtree_q

    out = {}
    for code, city in ctx.tree.cities.items():
        sessions = ServiceRecord.objects.filter(
            subtree_q(city.path, field="demand__org"), date__year=year
        )
        people_n = sessions.annotate(people=session_people()).aggregate(n=Sum("people"))["n"]
        out[code] = Already(
            person_times=int(people_n or 0),
            upgrades=SkillUpgrade.objects.filter(
                subtree_q(city.path, field="org"), counted=True, issued_on__year=year
            ).count(),
            served=set(sessions.values_list("demand__enterprise_id", flat=True)),
        )
    return out


def _city_of_org(ctx: Any) -> dict[int, str]:
    out: dict[int, str] = {}
    for code, city in ctx.tree.cities.items():
        out[city.pk] = code
    for county in ctx.tree.counties.values():
        for code, city in ctx.tree.cities.items():
            if county.parent_id == city.pk or county.pk == city.pk:
                out[county.pk] = code
    return out


def _enterprise_pools(
    ctx: Any,
    actor: Any,
    rng: random.Random,
    plan: dict[str, dict[tuple[int, int], int]],
    today: dt.date,
    made: Made,
    already: dict[str, Already],
) -> dict[str, list[tuple[Any, Any]]]:
    """Per city the enterprises its demands come from: as many as it serves this year (its
    服务企业数), the demo's enterprises first, new ones (bulk, as ``bulk.py``) when short. The
    demo contact's enterprise keeps its own story (``cases.py``)."""
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.demands.services import _derive_enterprise

    industries = {i.code: i for i in ctx.industries}
    city_of = _city_of_org(ctx)
    reference_day = dt.date(today.year, *REFERENCE_DAY)
    reference = {
        code: sum(n for (y, _), n in months.items() if y == today.year)
        for code, months in sessions_per_month(max(today, reference_day)).items()
    }
    existing: dict[str, list[tuple[Any, Any]]] = {code: [] for code in SHARE}
    for ent in Enterprise.objects.exclude(contacts__user__isnull=False).order_by("pk"):
        code = city_of.get(ent.org_id)
        if code in existing and ent.pk not in already[code].served:
            existing[code].append((ent, industries.get(ent.industry_code)))
    pools: dict[str, list[tuple[Any, Any]]] = {}
    new_rows: list[tuple[str, Any, Any]] = []
    for city in CITY_PLANS:
        sessions = sum(n for (y, _), n in plan[city.code].items() if y == today.year)
        demands = max(1, round(sessions / (1 + SECOND_SESSION)))
        # 服务企业数 so far: the city's share of the target, at its pace, for the part of the
        # year's plan done by today (all of it on the reference day).
        done = sessions / max(1, reference[city.code])
        wanted = min(
            demands,
            round(
                ENTERPRISE_RATIO
                * city.completion
                * DEMO_TARGETS["enterprises_served"]
                * SHARE[city.code]
                * done
            )
            - len(already[city.code].served),
        )
        wanted = max(1, wanted)
        have = existing[city.code][:wanted]
        counties = [
            c
            for c in ctx.tree.counties.values()
            if city_of.get(c.pk) == city.code and c.level in ("county", "city")
        ]
        for _ in range(max(0, wanted - len(have))):
            county = rng.choice(counties)
            industry = rng.choice(ctx.industries)
            ent = Enterprise(
                org=county,
                created_by=actor,
                updated_by=actor,
                verified_at=timezone.now(),  # entered by staff: confirmed by the unit
                **people.enterprise(rng, industry, county.region_code, ctx.city_names[city.code]),
            )
            _derive_enterprise(ent)
            new_rows.append((city.code, ent, industry))
        pools[city.code] = have
    Enterprise.objects.bulk_create([ent for _, ent, _ in new_rows], batch_size=1000)
    for code, ent, industry in new_rows:
        pools[code].append((ent, industry))
    made.enterprises = len(new_rows)
    for code, pool in pools.items():
        fallback = [i for i in ctx.industries if i.occupations] or ctx.industries
        pools[code] = [(e, i or rng.choice(fallback)) for e, i in pool]
        rng.shuffle(pools[code])
    return pools


def _craftsmen_by_city() -> dict[str, list[Any]]:
    from jiangqiao.talents.models import Craftsman

    out: dict[str, list[Any]] = {code: [] for code in SHARE}
    for c in Craftsman.objects.select_related("org", "user").order_by("pk"):
        code = (c.org.region_code or "")[:4] + "00"
        if code in out:
            out[code].append(c)
    return out


def _pick(rng: random.Random, weighted: Iterable[tuple[Any, float]]) -> Any:
    items = list(weighted)
    return rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]


def _plan_cases(
    rng: random.Random,
    plan: dict[str, dict[tuple[int, int], int]],
    pools: dict[str, list[tuple[Any, Any]]],
    craftsmen: dict[str, list[Any]],
    today: dt.date,
    already: dict[str, Already],
) -> list[Case]:
    demo_craftsman = next(
        (
            c
            for group in craftsmen.values()
            for c in group
            if c.user and c.user.username == "craftsman"
        ),
        None,
    )
    # The demo craftsman's own history: three services last year, ten this year, spread over the
    # months (every ``mine_every``-th demand of 深圳 in the year).
    mine_wanted = {today.year - 1: 3, today.year: 10}
    shenzhen_demands = {
        year: sum(
            max(1, round(n / (1 + SECOND_SESSION)))
            for (y, _), n in plan.get("440300", {}).items()
            if y == year and n
        )
        for year in mine_wanted
    }
    mine_every = {
        year: max(1, shenzhen_demands[year] // wanted) for year, wanted in mine_wanted.items()
    }
    mine_seen = dict.fromkeys(mine_wanted, 0)
    # Skill upgrades: this year, the upgrades' split of the target at the city's pace (less what
    # the demo's services recorded already); last year, as many per session.
    per_session = (
        UPGRADE_RATIO
        * DEMO_TARGETS["skill_upgrades"]
        / DEMO_TARGETS["person_times"]
        * (1 + TWO_EXPERTS)
    )
    planned = sessions_per_month(today)  # before the demo's own sessions were taken off
    upgrade_totals: dict[str, float] = {
        city.code: max(
            0.0,
            per_session * sum(n for (y, _), n in planned[city.code].items() if y == today.year)
            - already[city.code].upgrades,
        )
        for city in CITY_PLANS
    }
    cases: list[Case] = []
    counter: dict[str, int] = {}
    for city in CITY_PLANS:
        pool = pools[city.code]
        people_here = [c for c in craftsmen[city.code] if c.user_id is None] or craftsmen[city.code]
        turn = 0
        for (year, month), n_sessions in sorted(plan[city.code].items()):
            days = _workdays_of(year, month, today)
            if not days or not n_sessions or not pool or not people_here:
                continue
            n_demands = max(1, round(n_sessions / (1 + SECOND_SESSION)))
            extra_sessions = n_sessions - n_demands
            for i in range(n_demands):
                enterprise, industry = pool[turn % len(pool)]
                turn += 1
                person = people_here[rng.randrange(len(people_here))]
                if demo_craftsman is not None and city.code == "440300":
                    mine_seen[year] += 1
                    if (
                        mine_seen[year] % mine_every[year] == 0
                        and mine_seen[year] // mine_every[year] <= mine_wanted[year]
                    ):
                        person = demo_craftsman
                case = _case(
                    rng,
                    city.code,
                    enterprise,
                    industry,
                    person,
                    rng.choice(days),
                    today,
                    second=i < extra_sessions,
                )
                case.experts = [_experts(city.code, counter) for _ in case.sessions]
                case.upgrades = [0 for _ in case.sessions]  # shared out below
                cases.append(case)
        # The pipeline: demands submitted in the last working days (at the pace of the last
        # month, the latest on the last working day), most of their steps still ahead.
        previous = today.replace(day=1) - dt.timedelta(days=1)
        rate = plan[city.code].get((previous.year, previous.month), 0) / max(
            1, len(_workdays_of(previous.year, previous.month, today))
        )
        recent: list[dt.date] = []
        day = today + dt.timedelta(days=1)
        while len(recent) < PIPELINE_DAYS:
            day -= dt.timedelta(days=1)
            if is_workday(day):
                recent.append(day)
        for n in range(max(1, round(rate * PIPELINE_DAYS))):
            if not pool or not people_here:
                break
            enterprise, industry = pool[turn % len(pool)]
            turn += 1
            person = people_here[rng.randrange(len(people_here))]
            submitted = recent[0] if n == 0 else rng.choice(recent)
            case = _pipeline_case(rng, city.code, enterprise, industry, person, submitted, today)
            case.experts = [_experts(city.code, counter) for _ in case.sessions]
            case.upgrades = [0 for _ in case.sessions]
            cases.append(case)
    # Each city's skill upgrades of each year, shared out over its sessions of that year with
    # uneven weights (the total is the plan's, exactly).
    for city in CITY_PLANS:
        for year in (today.year - 1, today.year):
            slots = [
                (case, i)
                for case in cases
                if case.city == city.code
                for i, day in enumerate(case.sessions)
                if day.year == year
            ]
            total = round(
                upgrade_totals[city.code] if year == today.year else per_session * len(slots)
            )
            weights = [rng.triangular(0.2, 1.8, 1.0) for _ in slots]
            scale = total / (sum(weights) or 1)
            running = 0.0
            for (case, i), weight in zip(slots, weights, strict=True):
                before = round(running)
                running += weight * scale
                case.upgrades[i] = round(running) - before
    cases.sort(key=lambda c: (c.submitted, c.city))
    return cases


def _case(
    rng: random.Random,
    city: str,
    enterprise: Any,
    industry: Any,
    person: Any,
    first: dt.date,
    today: dt.date,
    *,
    second: bool = False,
) -> Case:
    """A demand served on ``first``: the steps before it a few working days apart."""
    contacted = _earlier(rng, first, 0, 3)
    accepted = _earlier(rng, contacted, 0, 1)
    offered = _earlier(rng, accepted, 0, 2)
    triaged = _earlier(rng, offered, 1, 4)
    submitted = _earlier(rng, triaged, 0, 3)
    dates = (submitted, triaged, offered, accepted, contacted, first)
    return _assemble(rng, city, enterprise, industry, person, dates, today, second=second)


def _pipeline_case(
    rng: random.Random,
    city: str,
    enterprise: Any,
    industry: Any,
    person: Any,
    submitted: dt.date,
    today: dt.date,
) -> Case:
    """A demand submitted on ``submitted`` (recently): the next steps a few working days apart,
    most of them still ahead."""
    triaged = _later(rng, submitted, 0, 3)
    offered = _later(rng, triaged, 1, 4)
    accepted = _later(rng, offered, 0, 2)
    contacted = _later(rng, accepted, 0, 1)
    first = _later(rng, contacted, 0, 3)
    dates = (submitted, triaged, offered, accepted, contacted, first)
    return _assemble(rng, city, enterprise, industry, person, dates, today)


def _assemble(
    rng: random.Random,
    city: str,
    enterprise: Any,
    industry: Any,
    person: Any,
    dates: tuple[dt.date, ...],
    today: dt.date,
    *,
    second: bool = False,
) -> Case:
    """The case of these step dates: the outcome, the confirmation and the closing after the
    sessions, each left out (None, or no session) when it falls after ``today``."""
    submitted, triaged, offered, accepted, contacted, first = dates
    sessions = [first] if first <= today else []
    if second and sessions:
        later = _later(rng, first, 3, 10)
        if later <= today:
            sessions.append(later)
    # Each next step only when the previous one is not after today (no calendar of next year).
    recorded = confirmed = closed = None
    if sessions:
        recorded = _later(rng, sessions[-1], 1, 5)
    if recorded and recorded <= today:
        confirmed = _later(rng, recorded, 2, 12)
    if confirmed and confirmed <= today:
        closed = _later(rng, confirmed, 3, 15)
    return Case(
        city=city,
        enterprise=enterprise,
        industry=industry,
        craftsman=person,
        sessions=sessions,
        submitted=submitted,
        triaged=triaged,
        offered=offered,
        accepted=accepted,
        contacted=contacted,
        recorded=recorded if recorded and recorded <= today else None,
        result=_pick(rng, RESULTS),
        confirmed=confirmed if confirmed and confirmed <= today else None,
        closed=closed if closed and closed <= today else None,
        experts=[],
        upgrades=[],
        rating=_pick(rng, ((5, 0.62), (4, 0.3), (3, 0.08))),
    )


#: Which sessions had two craftsmen: every ``TWO_EVERY``-th of a city (``TWO_EXPERTS``).
TWO_EVERY = round(1 / TWO_EXPERTS)


def _experts(city: str, counter: dict[str, int]) -> int:
    counter[city] = counter.get(city, 0) + 1
    return 2 if counter[city] % TWO_EVERY == TWO_EVERY // 2 else 1


def _past_cases(rng: random.Random, cases: list[Case], today: dt.date) -> list[PastCase]:
    """The cases as ``casework.history_load`` takes them: the steps taken by ``today`` and the
    content invented for them (the statuses, numbers and deadlines are casework's to derive).

    The content is drawn in four passes over the cases — the demand, the offer, the service, the
    skill upgrades — in the order the demo drew it when it wrote the rows itself, so the seed
    still gives the same history."""
    from jiangqiao.casework.history_load import PastCase, PastFollowUp, PastSession, PastUpgrade
    from jiangqiao.casework.services import FOLLOW_UP_DAYS

    def taken(day: dt.date | None) -> dt.date | None:
        return day if day is not None and day <= today else None

    fields: list[dict[str, Any]] = []
    for case in cases:
        data = people.demand(rng, case.industry, case.enterprise.region_code)
        data["visibility"] = "private"
        submitted = _aware(case.submitted, 9, rng.randint(0, 29))
        data["channel"] = rng.choice(("online", "online", "offline", "imported"))
        triaged = taken(case.triaged)
        fields.append(
            {
                "enterprise": case.enterprise,
                "demand": data,
                "submitted": submitted,
                "triaged": triaged,
                "grade": rng.choice(("a", "b", "b", "c")) if triaged else "",
                "owner_level": "county" if triaged else "",
                "offered": taken(case.offered),
                "craftsman": case.craftsman if taken(case.offered) else None,
                "accepted": taken(case.accepted),
                "contacted": taken(case.contacted),
                "recorded": case.recorded,
                "result": case.result if case.recorded else "",
                "confirmed": case.confirmed,
                "closed": case.closed,
            }
        )
    for f in fields:
        # The offer's two deadlines took a draw each when the demo counted them (n to n working
        # days); casework counts them now, the draws keep the stream of the seed.
        for step in (f["offered"], f["accepted"]):
            if step is not None:
                rng.randint(0, 0)
    sessions: list[list[dict[str, Any]]] = []
    for case, f in zip(cases, fields, strict=True):
        sessions.append([])
        if f["offered"] is None:
            continue  # not offered yet: nothing more happened
        if f["contacted"] is not None:
            f["contact_channel"] = rng.choice(("phone", "phone", "wechat"))
            f["contact_note"] = "约定上门时间"
        for day, experts, ups in zip(case.sessions, case.experts, case.upgrades, strict=True):
            sessions[-1].append(
                {
                    "day": day,
                    "duration_min": rng.choice((90, 120, 180, 240)),
                    "prep_min": rng.choice((None, 30, 60)),
                    "travel_min": rng.choice((None, 20, 40, 60)),
                    "mode": rng.choice(("onsite", "onsite", "onsite", "online")),
                    "activities": rng.sample(
                        ["tech_service", "tech_consulting", "skill_training", "mentoring"], k=2
                    ),
                    "experts": experts if experts > 1 else None,
                    "attendees": rng.randint(3, 15),
                    # the workers trained: at least those whose skill level was raised
                    "trainees": max(ups, rng.randint(3, 12)) + rng.randint(0, 6),
                    "problems": [
                        {
                            # the demand's title as stored (normalised), cut to 60
                            "description": normalize(f["demand"]["title"])[:60],
                            "result": {"solved": "solved", "partial": "partial"}.get(
                                case.result, "not"
                            ),
                        }
                    ],
                    "notes": rng.choice(NOTES),
                    "economic_benefit": rng.choice((None, None, Decimal("5.00"), Decimal("12.50"))),
                }
            )
        if case.recorded:
            f["summary"] = (
                rng.choice(SUMMARIES) if case.result == "solved" else "部分问题仍需跟进。"
            )
        if case.confirmed:
            f["rating"] = case.rating
            f["comment"] = rng.choice(COMMENTS)
            answers = []
            for kind, days in FOLLOW_UP_DAYS:
                answered = case.confirmed + dt.timedelta(days=days + rng.randint(0, 5))
                if answered <= today:
                    answers.append(PastFollowUp(kind, answered, rng.random() < 0.92))
            f["follow_ups"] = answers
    # Skill upgrades with the sessions (their trainees are at least as many), one certificate each.
    serial = 0
    for case, done in zip(cases, sessions, strict=True):
        occupations = [o.code for o in case.industry.occupations] or ["6-18-01-01"]
        for session, n in zip(done, case.upgrades, strict=True):
            upgrades = []
            for _ in range(n):
                serial += 1
                before, after = _pick(rng, [((b, a), w) for b, a, w in LEVEL_STEPS])
                upgrades.append(
                    PastUpgrade(
                        worker_code=f"GH-{serial:05d}",
                        worker_initials="".join(
                            rng.choice("ABCDEFGHJKLMNPQRSTWXYZ") for _ in range(2)
                        ),
                        occupation=rng.choice(occupations),
                        level_before=before,
                        level_after=after,
                        certificate_no=f"S{session['day']:%Y}4400{serial:010d}",
                        issuer="广东省职业技能鉴定指导中心",
                    )
                )
            session["upgrades"] = upgrades
    return [
        PastCase(**f, sessions=[PastSession(**s) for s in done])
        for f, done in zip(fields, sessions, strict=True)
    ]
