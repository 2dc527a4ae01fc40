"""统计驾驶舱 at province size (issue 16): 1,000,000 sessions, 10,000,000 enrolments, 300,000 demands.

Loads, in its own PostgreSQL database (``bench_dashboards``), one province (广东: 21 cities, 120
counties, 2,000 grassroots units), 100,000 enterprises (GB/T 4754 门类, region, size class and
quality tier spread), 20,000 craftsmen, 300,000 demands submitted from 2025-01-01 to 2026-12-05
(30 % solved and confirmed by the enterprise, 5 % withdrawn or cancelled), 1,000,000 service
sessions over the same two years on the demands that reached service (three in ten name one or
two craftsmen), ~150,000 skill upgrades (two thirds from sessions, a third from academy classes,
3 % the same certificate recorded twice), the academies of the province (403 nodes) with
2,000,000 trainees, 250,000 classes and **10,000,000 enrolments** (40 per class), each class's
``ClassTally`` filled set-based from its enrolments, the cases' offers (one per demand that
reached matching, 10 % after a declined or expired one), first contacts (with their contact
attempts) and outcomes (rated when the enterprise confirmed), and — once the rollups are built —
the targets of 2026 for the province and its 21 cities (some cities ahead of the pace, some
behind). ``--trainees 0 --classes 0 --enrolments 0`` leaves the academies' big tables out.

The rows are written with ``INSERT … SELECT generate_series`` (and ``bulk_create`` for the few
thousand reference rows), not through the services; the big tables are loaded without their
secondary indexes and foreign-key triggers (``benchkit.bulk_table``) and indexed afterwards.
Each part is skipped when its table already has rows, so a run after a failed one goes on where
it stopped; ``--reuse`` skips the load altogether.

Then it times ``rollups.rebuild()`` (skipped with ``--no-rebuild`` when the rollups have rows),
and reads as a province-level 工会工作人员:

* the province cockpit (``selectors.cockpit``, year 2026, as of 2026-12-05) **cold** — Django's
  cache cleared, a new user object (no permission cache) and a new PostgreSQL connection (a fresh
  backend: no catalogue or plan cache) before each run; PostgreSQL's shared buffers and the OS
  page cache are *not* emptied (other sessions share the server), so after the first run the
  rollup pages are in memory: the first run after the rebuild is reported on its own — and
  **warm** (cached under the unit's figure version);
* the same for a city (its own 工会工作人员);
* ``breakdown`` (every dimension) and ``by_month`` of the province (not cached);
* one incremental write: a session logged through ``casework.sessions.session_create`` on an
  accepted offer (the on-write refresh of the rollups included).

    createdb -h 127.0.0.1 -U postgres bench_dashboards
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboards
    export DJANGO_SETTINGS_MODULE=config.settings.bench
    .venv/bin/python manage.py migrate --noinput
    .venv/bin/python bench/dashboards.py --runs 20               # load (8 min), rebuild (15), measure
    .venv/bin/python bench/dashboards.py --reuse --no-rebuild    # measure again on the same set

``--process`` measures only the cockpit's process panel (docs/kpi.md §2) — no rebuild, no cockpit:
``kpi.figures`` (every figure), ``kpi.process_figures`` and ``selectors.process`` of the province
and of a city for 2026, cold as above, and ``selectors.process`` warm (cached five minutes); it
writes ``bench/out/dashboards_process.json``. The offers, contacts and outcomes are all it needs
besides the demands and sessions, so it runs on a set loaded without the academies (~1 min):

    .venv/bin/python bench/dashboards.py --trainees 0 --classes 0 --enrolments 0 --process
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from benchkit import (  # noqa: E402
    academy_network,
    bulk_table,
    count,
    min_id,
    one_run,
    org,
    published_courses,
    sql,
    summarise,
    timed,
    user,
)
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from jiangqiao.academy.models import TrainingClass  # noqa: E402
from jiangqiao.accounts.models import Role, User  # noqa: E402
from jiangqiao.casework import sessions, upgrade_count  # noqa: E402
from jiangqiao.casework.models import Offer, ServiceRecord, SkillUpgrade  # noqa: E402
from jiangqiao.dashboards import indicators, rollups, selectors  # noqa: E402
from jiangqiao.dashboards.choices import Dimension  # noqa: E402
from jiangqiao.dashboards.models import DailyFigure, MonthlyFigure, Target  # noqa: E402
from jiangqiao.demands.models import Demand, Enterprise  # noqa: E402
from jiangqiao.orgs.models import Organization  # noqa: E402
from jiangqiao.talents.models import Craftsman  # noqa: E402

START = dt.date(2025, 1, 1)
END = dt.date(2026, 12, 5)  # the day the set stands at ("today" for the cockpit)
NDAYS = (END - START).days + 1
YEAR = END.year
TZ = "Asia/Shanghai"
PROVINCE = "广东省总工会"

#: GB/T 4754 codes of enterprises, manufacturing (C) weighted as in a manufacturing province.
INDUSTRIES = [
    "3461", "3811", "3670", "2614", "3311", "3911", "1713", "2211", "3130", "3411",
    "3511", "2710", "3011", "1310", "3921", "3462", "3831", "4011", "0511", "0610",
    "4411", "4710", "5010", "5110", "6510", "7320", "7710", "6420", "5810", "",
]  # fmt: skip
SIZES = ["1", "2", "3", "3", "4", "4", "4", "4", ""]
TIERS = [
    *[""] * 14,
    "innovative_sme",
    "innovative_sme",
    "tech_innovative_sme",
    "specialized_sme",
    "specialized_sme",
    "little_giant",
]
OCCUPATIONS = ["6-18-01-01", "6-18-02-04", "6-20-03-01", "6-25-04-08", "4-04-05-03", "6-31-01-03"]
LEVELS = [
    "junior_worker",
    "intermediate_worker",
    "senior_worker",
    "technician",
    "senior_technician",
]
SERVED_STATUSES = [
    "in_service",
    "resolved",
    "partially_resolved",
    "unresolved",
    "confirmed",
    "closed",
]
#: What the province's 工会工作人员 needs to read the cockpit (granted when the role lacks it).
COCKPIT_PERMS = [
    "dashboards.view_cockpit",
    "dashboards.view_target",
    "dashboards.view_dailyfigure",
    "dashboards.view_monthlyfigure",
]


def h(expr: str, seed: int, mod: Any) -> str:
    """SQL: a pseudo-random pick in [0, mod) from ``expr`` — hashed with ``seed``, so the picks of
    one row (status, kind, unit level, day…) are independent of each other (``g % 100`` and
    ``g % 20`` would not be)."""
    return f"((hashint8extended(({expr})::bigint, {seed}) & 9223372036854775807) %% ({mod}))"


def step(name: str, timings: dict[str, Any], done: bool, fn: Callable[[], Any]) -> None:
    """Run one part of the load (in a transaction) unless its rows exist."""
    if done:
        print(f"  {name}: present, skipped", flush=True)
        return
    started = time.perf_counter()
    with transaction.atomic():
        out = fn()
    timings[name] = round(time.perf_counter() - started, 1)
    if isinstance(out, dict):
        timings.update({f"{name}.{k}": v for k, v in out.items()})
    print(f"  {name}: {timings[name]} s", flush=True)


# ------------------------------------------------------------------------------------------------
# The load
# ------------------------------------------------------------------------------------------------


def load_tree(args: argparse.Namespace) -> None:
    staff = Role.objects.get(code="union_staff")
    province = org(None, "province", PROVINCE, "440000")
    user("bench_province", province, staff)
    cities = []
    for c in range(21):
        city = org(province, "city", f"第{c + 1}市总工会", f"44{c + 1:02d}00")
        cities.append(city)
        user(f"bench_city_{c}", city, staff)
    counties = []
    for k in range(args.counties):
        city = cities[k % len(cities)]
        n = k // len(cities) + 1
        county = org(city, "county", f"{city.name}第{n}区", f"{city.region_code[:4]}{n:02d}")
        counties.append(county)
    user("bench_county_0", counties[0], staff)
    grassroots = [
        Organization(
            parent=counties[g % len(counties)],
            level="grassroots",
            name=f"{counties[g % len(counties)].name}第{g // len(counties) + 1}基层工会",
            region_code=counties[g % len(counties)].region_code,
            depth=3,
            path="/",
        )
        for g in range(args.grassroots)
    ]
    Organization.objects.bulk_create(grassroots, batch_size=2000)
    sql(
        """
        UPDATE orgs_organization o SET path = p.path || o.id || '/'
        FROM orgs_organization p WHERE o.parent_id = p.id AND o.level = 'grassroots'
        """
    )


def units() -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for pk, level, region in Organization.objects.order_by("pk").values_list(
        "pk", "level", "region_code"
    ):
        out.setdefault(level, []).append((pk, region))
    return out


def load_enterprises(args: argparse.Namespace) -> None:
    tree = units()
    # Seven in ten registered with a grassroots unit, the rest with a county.
    holders = [*tree["grassroots"]] * 7 + [*tree["county"]] * 3 * 16
    owner = User.objects.get(username="bench_province").pk
    sql(
        f"""
        INSERT INTO demands_enterprise (created_at, updated_at, status, version, uscc, name,
            former_names, search_text, address, region_code, industry_code, main_products,
            size_class, size_industry, size_basis, size_rule_version, quality_tier, tier_cert_no,
            tier_rule_version, has_union, union_uscc, remark, created_by_id, org_id)
        SELECT now(), now(), 'active', 1, '91' || lpad(g::text, 16, '0'), '基准企业' || g, '', '',
            '', (%(regions)s::text[])[1 + x.u], (%(industries)s::text[])[1 + {h("g", 2, "%(ni)s")}],
            '', (%(sizes)s::text[])[1 + {h("g", 3, "%(ns)s")}], '', '', '',
            (%(tiers)s::text[])[1 + {h("g", 4, "%(nt)s")}], '', '', g %% 3 = 0, '', '', %(owner)s,
            (%(holders)s::bigint[])[1 + x.u]
        FROM generate_series(0, %(n)s - 1) g
        CROSS JOIN LATERAL (SELECT {h("g", 1, "%(nh)s")} AS u) x
        """,  # noqa: S608 (h() writes an expression of constants)
        {
            "regions": [r for _, r in holders],
            "holders": [pk for pk, _ in holders],
            "nh": len(holders),
            "industries": INDUSTRIES,
            "ni": len(INDUSTRIES),
            "sizes": SIZES,
            "ns": len(SIZES),
            "tiers": TIERS,
            "nt": len(TIERS),
            "owner": owner,
            "n": args.enterprises,
        },
    )


def load_craftsmen(args: argparse.Namespace) -> None:
    counties = [pk for pk, _ in units()["county"]]
    Craftsman.objects.bulk_create(
        [
            Craftsman(
                org_id=counties[i % len(counties)],
                name=f"工匠{i}",
                name_normalized=f"工匠{i}",
                max_open_services=10,
            )
            for i in range(args.craftsmen)
        ],
        batch_size=5000,
    )


#: Enterprises numbered 0… with the unit they are registered with, its county and city.
ENTERPRISES_CTE = """
    e AS (
        SELECT row_number() OVER (ORDER BY en.id) - 1 AS i, en.id, en.region_code,
            en.org_id AS unit_id, k.id AS county_id, k.parent_id AS city_id
        FROM demands_enterprise en
        JOIN orgs_organization u ON u.id = en.org_id
        JOIN orgs_organization k ON k.id = CASE WHEN u.level = 'grassroots' THEN u.parent_id
                                                ELSE u.id END
    ),
    n AS (SELECT count(*) AS n FROM e)
"""


def load_demands(args: argparse.Namespace) -> dict[str, float]:
    province = Organization.objects.get(name=PROVINCE, parent=None).pk
    owner = User.objects.get(username="bench_province").pk
    with bulk_table("demands_demand") as out:
        # Handled by the enterprise's own unit (40 %), its county (45 %), its city (12 %) or the
        # province (3 %). Status by r: 30 % solved and confirmed, 5 % withdrawn or cancelled, the
        # rest waiting, matching, in service or ended unconfirmed.
        sql(
            f"""
            WITH {ENTERPRISES_CTE},
            d AS (
                SELECT g, e.*, {h("g", 11, 100)} AS r, {h("g", 12, 20)} AS k,
                    {h("g", 13, 100)} AS q,
                    ((DATE %(start)s + {h("g", 14, "%(ndays)s")}::int) + TIME '08:30'
                     + {h("g", 15, 540)} * INTERVAL '1 minute') AT TIME ZONE %(tz)s AS sub
                FROM generate_series(0, %(n)s - 1) g CROSS JOIN n
                JOIN e ON e.i = {h("g", 16, "n.n")}
            ),
            s AS (
                SELECT d.*,
                    CASE WHEN r < 20 THEN 'closed' WHEN r < 30 THEN 'confirmed'
                         WHEN r < 33 THEN 'withdrawn' WHEN r < 35 THEN 'cancelled'
                         WHEN r < 40 THEN 'submitted' WHEN r < 43 THEN 'triaged'
                         WHEN r < 50 THEN 'matching' WHEN r < 75 THEN 'in_service'
                         WHEN r < 83 THEN 'resolved' WHEN r < 89 THEN 'partially_resolved'
                         WHEN r < 93 THEN 'unresolved' ELSE 'closed' END AS status,
                    CASE WHEN r < 30 OR (r >= 75 AND r < 83) THEN 'solved'
                         WHEN (r >= 83 AND r < 89) OR r >= 93 THEN 'partial'
                         WHEN r >= 89 AND r < 93 THEN 'unsolved' ELSE '' END AS outcome,
                    CASE WHEN k < 8 THEN 'tech_problem' WHEN k < 12 THEN 'skill_training'
                         WHEN k < 15 THEN 'management' WHEN k < 17 THEN 'ideology_lecture'
                         WHEN k < 19 THEN 'occupational_health' ELSE 'other' END AS kind
                FROM d
            )
            INSERT INTO demands_demand (created_at, updated_at, version, number, kind, category,
                subcategory, title, description, description_normalized, current_state,
                desired_outcome, search_text, industry_codes, tags, min_skill_level, region_code,
                delivery_mode, grade, owner_level, visibility, channel, matching_suggestion,
                preferred_craftsmen, trainee_count, status, submitted_at, triaged_at,
                created_by_id, org_id, enterprise_id, outcome, solved_confirmed_at,
                status_changed_at, has_open_offer)
            SELECT s.sub, s.sub, 1, 'BD' || lpad(s.g::text, 8, '0'), s.kind, '', '',
                '基准需求' || s.g, '设备故障诊断与工艺改进', '', '', '', '', '[]', '[]', '',
                s.region_code, 'either', '', '', 'private', 'offline', '', '[]',
                CASE WHEN s.kind = 'skill_training' THEN 10 + s.g %% 50 END, s.status, s.sub,
                CASE WHEN s.status NOT IN ('submitted', 'withdrawn') THEN s.sub + INTERVAL '1 day'
                END,
                %(owner)s,
                CASE WHEN s.q < 3 THEN %(province)s WHEN s.q < 15 THEN s.city_id
                     WHEN s.q < 60 THEN s.county_id ELSE s.unit_id END,
                s.id, s.outcome,
                CASE WHEN s.r < 30 THEN LEAST(s.sub + (5 + s.g %% 55) * INTERVAL '1 day',
                                             (DATE %(end)s + TIME '18:00') AT TIME ZONE %(tz)s)
                END,
                s.sub + INTERVAL '2 days', false
            FROM s
            """,  # noqa: S608 (ENTERPRISES_CTE is a constant)
            {
                "start": START,
                "end": END,
                "ndays": NDAYS,
                "tz": TZ,
                "n": args.demands,
                "owner": owner,
                "province": province,
            },
        )
    return out


def load_sessions(args: argparse.Namespace) -> dict[str, float]:
    craftsmen = list(Craftsman.objects.order_by("pk").values_list("pk", flat=True))
    with bulk_table("casework_servicerecord", "casework_servicerecord_participants") as out:
        # Sessions of the demands that reached service, dated between the submission and END.
        sql(
            f"""
            WITH s AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS i, id,
                    (submitted_at AT TIME ZONE %(tz)s)::date AS day
                FROM demands_demand WHERE status = ANY(%(served)s)
            ),
            n AS (SELECT count(*) AS n FROM s)
            INSERT INTO casework_servicerecord (created_at, updated_at, date, mode, activities,
                location, attendees, trainees, notes, enterprise_confirmed, demand_id,
                benefit_method, experts, problems)
            SELECT now(), now(),
                s.day + {h("g", 21, "GREATEST(DATE %(end)s - s.day + 1, 1)")}::int,
                (ARRAY['onsite', 'onsite', 'online', 'phone'])[1 + {h("g", 22, 4)}], '[]', '',
                NULL, CASE WHEN {h("g", 23, 3)} = 0 THEN 5 + {h("g", 24, 45)} END, '',
                g %% 2 = 0, s.id, '',
                CASE WHEN {h("g", 25, 10)} = 0 THEN NULL ELSE 1 + {h("g", 26, 3)} END, '[]'
            FROM generate_series(0, %(n)s - 1) g CROSS JOIN n JOIN s ON s.i = {h("g", 27, "n.n")}
            """,  # noqa: S608 (h() writes an expression of constants)
            {"tz": TZ, "served": SERVED_STATUSES, "end": END, "n": args.sessions},
        )
        # Three sessions in ten name one craftsman, one in ten a second.
        sql(
            """
            INSERT INTO casework_servicerecord_participants (servicerecord_id, craftsman_id)
            SELECT r.id, (%(c)s::bigint[])[1 + (r.id * 31) %% %(nc)s]
            FROM casework_servicerecord r WHERE r.id %% 10 < 3
            UNION ALL
            SELECT r.id, (%(c)s::bigint[])[1 + (r.id * 31 + 1) %% %(nc)s]
            FROM casework_servicerecord r WHERE r.id %% 10 = 0
            """,
            {"c": craftsmen, "nc": len(craftsmen)},
        )
    return out


#: Demands that reached matching or later (each has had an offer).
OFFERED_STATUSES = ["matching", *SERVED_STATUSES]
#: Statuses whose service ended (the offer completed, an outcome recorded).
ENDED_STATUSES = ["resolved", "partially_resolved", "unresolved", "confirmed", "closed"]


def load_offers(args: argparse.Namespace) -> dict[str, float]:
    """Offers, contact attempts and outcomes of the demands that reached matching or later.

    One offer per demand (10 % after an earlier one declined or let expire): 待答复 for a demand
    in matching submitted in the last 12 days (the older ones in matching had theirs expire),
    服务中 for a demand in service, 已完成 for one whose service ended. The steps of a case —
    offer, answer, first contact, outcome — are spread over its span (triage to the enterprise's
    confirmation, or 12 days) so they keep their order: offered after 1–4 % of the span (7–10 %
    after a refusal), answered 1–10 % later, first contact 1–20 % after that (95 % of the
    accepted ones in service, all the ended ones; one reached contact attempt each, a fifth after
    an unreached one), outcome recorded 2–9 % before the confirmation. Outcomes for every ended
    demand; confirmed — on the demand's ``solved_confirmed_at``, or 2 days after recording for
    the ones closed otherwise — with a rating (1–5, 92 % rated; mostly 4 and 5).
    """
    owner = User.objects.get(username="bench_province").pk
    craftsmen = list(Craftsman.objects.order_by("pk").values_list("pk", flat=True))
    timings: dict[str, float] = {}
    timings["plan_s"] = sql(
        f"""
        CREATE TEMP TABLE bench_case ON COMMIT DROP AS
        WITH d AS (
            SELECT id, status, outcome, triaged_at AS tri, solved_confirmed_at AS conf,
                submitted_at AS sub,
                GREATEST(COALESCE(solved_confirmed_at - triaged_at, INTERVAL '12 days'),
                         INTERVAL '1 hour') AS span,
                {h("id", 31, 10)} = 0 AS refused, {h("id", 33, 10)} < 7 AS declined,
                1 + {h("id", 32, 4)} AS a, 1 + {h("id", 36, 10)} AS b, 1 + {h("id", 37, 20)} AS c,
                2 + {h("id", 39, 8)} AS e
            FROM demands_demand WHERE status = ANY(%(offered)s)
        )
        SELECT d.*,
            (%(c)s::bigint[])[1 + {h("id", 34, "%(nc)s")}] AS craftsman,
            (%(c)s::bigint[])[1 + ({h("id", 34, "%(nc)s")} + 1 + {h("id", 35, 97)}) %% %(nc)s]
                AS refused_craftsman,
            tri + span * a / 100 AS r_offered,
            tri + span * (a + CASE WHEN refused THEN 6 ELSE 0 END) / 100 AS offered,
            tri + span * (a + CASE WHEN refused THEN 6 ELSE 0 END + b) / 100 AS responded,
            tri + span * (a + CASE WHEN refused THEN 6 ELSE 0 END + b + c) / 100 AS contacted,
            CASE WHEN status = 'in_service' THEN {h("id", 38, 20)} > 0
                 ELSE status = ANY(%(ended)s) END AS has_contact,
            CASE WHEN conf IS NOT NULL THEN conf - span * e / 100
                 ELSE tri + span * (50 + e) / 100 END AS recorded,
            {h("id", 41, 100)} AS stars
        FROM d
        """,  # noqa: S608 (h() writes an expression of constants)
        {
            "offered": OFFERED_STATUSES,
            "ended": ENDED_STATUSES,
            "c": craftsmen,
            "nc": len(craftsmen),
        },
    )
    with bulk_table("casework_offer", "casework_contactattempt", "casework_outcome") as out:
        # The earlier offer of one case in ten: declined within 1-3 % of the span (a reason
        # given), or let expire (its deadline 3 days, at most 5 % of the span, after the offer).
        timings["refused_s"] = sql(
            f"""
            INSERT INTO casework_offer (created_at, updated_at, created_by_id, updated_by_id,
                demand_id, craftsman_id, source, status, offered_at, accept_deadline,
                responded_at, decline_reason, decline_note, ended_at, note)
            SELECT r_offered, x.ended, %(owner)s, %(owner)s, id, refused_craftsman,
                'suggestion', CASE WHEN declined THEN 'declined' ELSE 'expired' END,
                r_offered, r_offered + LEAST(INTERVAL '3 days', span * 5 / 100),
                CASE WHEN declined THEN x.ended END,
                CASE WHEN declined THEN (%(reasons)s::text[])[1 + {h("id", 40, 5)}] ELSE '' END,
                '', x.ended, ''
            FROM bench_case
            CROSS JOIN LATERAL (
                SELECT CASE WHEN declined THEN r_offered + span * (1 + {h("id", 42, 3)}) / 100
                            ELSE r_offered + LEAST(INTERVAL '3 days', span * 5 / 100) END AS ended
            ) x
            WHERE refused
            """,  # noqa: S608 (h() writes an expression of constants)
            {"owner": owner, "reasons": ["busy", "expertise", "distance", "conflict", "health"]},
        )
        # The offer of each case as it stands.
        timings["offers_s"] = sql(
            f"""
            INSERT INTO casework_offer (created_at, updated_at, created_by_id, updated_by_id,
                demand_id, craftsman_id, source, status, offered_at, accept_deadline,
                responded_at, contact_deadline, first_contact_at, decline_reason, decline_note,
                ended_at, note)
            SELECT offered, COALESCE(x.ended, CASE WHEN has_contact THEN contacted END,
                                     CASE WHEN x.status <> 'pending' THEN responded END, offered),
                %(owner)s, %(owner)s, id, craftsman,
                (ARRAY['suggestion', 'suggestion', 'suggestion', 'assignment', 'claim',
                       'direct'])[1 + {h("id", 43, 6)}],
                x.status, offered, offered + INTERVAL '3 days',
                CASE WHEN x.status IN ('accepted', 'completed') THEN responded END,
                CASE WHEN x.status IN ('accepted', 'completed') THEN responded + INTERVAL '3 days'
                END,
                CASE WHEN has_contact THEN contacted END, '', '', x.ended, ''
            FROM bench_case
            CROSS JOIN LATERAL (
                SELECT CASE WHEN bench_case.status = 'in_service' THEN 'accepted'
                            WHEN bench_case.status = ANY(%(ended)s) THEN 'completed'
                            WHEN sub >= (DATE %(end)s - 12) THEN 'pending'
                            ELSE 'expired' END AS status,
                    CASE WHEN bench_case.status = ANY(%(ended)s) THEN recorded
                         WHEN bench_case.status = 'matching' AND sub < (DATE %(end)s - 12)
                         THEN offered + INTERVAL '3 days' END AS ended
            ) x
            """,  # noqa: S608 (h() writes an expression of constants)
            {"owner": owner, "ended": ENDED_STATUSES, "end": END},
        )
        # The first successful contact of each contacted offer, a fifth after a failed attempt.
        timings["attempts_s"] = sql(
            f"""
            INSERT INTO casework_contactattempt (created_at, updated_at, created_by_id,
                updated_by_id, demand_id, offer_id, at, channel, reached, note)
            SELECT t.at, t.at, %(owner)s, %(owner)s, o.demand_id, o.id, t.at,
                (ARRAY['phone', 'phone', 'phone', 'wechat', 'sms', 'visit'])[1 + {h("o.id", 44, 6)}],
                t.reached, ''
            FROM casework_offer o
            CROSS JOIN LATERAL (
                SELECT o.first_contact_at AS at, true AS reached
                UNION ALL
                SELECT o.responded_at + (o.first_contact_at - o.responded_at) / 2, false
                WHERE {h("o.id", 45, 5)} = 0
            ) t
            WHERE o.first_contact_at IS NOT NULL
            """,  # noqa: S608 (h() writes an expression of constants)
            {"owner": owner},
        )
        # The outcome of each ended case; the confirmed ones rated.
        timings["outcomes_s"] = sql(
            f"""
            INSERT INTO casework_outcome (created_at, updated_at, created_by_id, updated_by_id,
                demand_id, result, summary, recorded_at, recorded_by_id, confirmed_at,
                enterprise_answer, rating, enterprise_comment, reopened_count)
            SELECT recorded, COALESCE(x.confirmed, recorded), %(owner)s, %(owner)s, id, outcome,
                '基准办理结果', recorded, %(owner)s, x.confirmed,
                CASE WHEN x.confirmed IS NOT NULL THEN outcome ELSE '' END,
                CASE WHEN x.confirmed IS NULL OR {h("id", 46, 100)} < 8 THEN NULL
                     WHEN stars < 2 THEN 1 WHEN stars < 5 THEN 2 WHEN stars < 15 THEN 3
                     WHEN stars < 45 THEN 4 ELSE 5 END,
                '', 0
            FROM bench_case
            CROSS JOIN LATERAL (
                SELECT CASE WHEN conf IS NOT NULL THEN conf
                            WHEN status = 'closed'
                            THEN LEAST(recorded + INTERVAL '2 days',
                                       (DATE %(end)s + TIME '18:00') AT TIME ZONE %(tz)s)
                       END AS confirmed
            ) x
            WHERE status = ANY(%(ended)s)
            """,  # noqa: S608 (h() writes an expression of constants)
            {"owner": owner, "ended": ENDED_STATUSES, "end": END, "tz": TZ},
        )
    timings["indexes_s"] = out["indexes_s"]
    # The flag the services keep with every offer write (services._sync_open_offer).
    timings["open_flag_s"] = sql(
        """
        UPDATE demands_demand d SET has_open_offer = true
        WHERE EXISTS (SELECT 1 FROM casework_offer o WHERE o.demand_id = d.id
                      AND o.status IN ('pending', 'accepted'))
        """
    )
    return timings


def load_academies(args: argparse.Namespace) -> dict[str, float]:
    province = Organization.objects.get(name=PROVINCE, parent=None)
    cities = list(Organization.objects.filter(parent=province).order_by("pk"))
    counties = list(Organization.objects.filter(level="county").order_by("pk"))
    owner = User.objects.get(username="bench_province")
    nodes, courses, _ = academy_network(
        province=province,
        cities=cities,
        counties=counties,
        owner=owner,
        courses_per_academy=args.courses_per_academy,
    )
    per = args.courses_per_academy - 1
    acad_ids = [n.pk for n in nodes]
    acad_orgs = [n.org_id for n in nodes]
    course_ids = published_courses(nodes, courses, per)
    enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    timings: dict[str, float] = {}
    with bulk_table("academy_trainee") as out:
        timings["trainees_s"] = sql(
            """
            INSERT INTO academy_trainee (created_at, updated_at, version, name, id_number,
                id_number_index, mobile, mobile_index, employer_name, employer_uscc,
                enterprise_id, org_id)
            SELECT now(), now(), 1, '学员' || g, 'bench', md5(g::text), '', '',
                CASE WHEN g %% 5 = 0 THEN '某单位' ELSE '' END, '',
                CASE WHEN g %% 5 = 0 THEN NULL
                     ELSE (%s::bigint[])[1 + (g::bigint * 7919) %% %s] END,
                (%s::bigint[])[1 + g %% %s]
            FROM generate_series(1, %s) g
            """,
            [enterprises, len(enterprises), acad_orgs, len(acad_orgs), args.trainees],
        )
    timings["trainee_indexes_s"] = out["indexes_s"]
    with bulk_table("academy_trainingclass") as out:
        timings["classes_s"] = sql(
            """
            INSERT INTO academy_trainingclass (created_at, updated_at, version, course_edition,
                code, title, capacity, start_date, end_date, place, note, status, signup_token,
                academy_id, course_id, org_id)
            SELECT now(), now(), 1, 1, 'B' || g, '基准班次' || g, 60, x.day, x.day + 4, '', '',
                CASE WHEN g %% 33 = 0 THEN 'cancelled' WHEN x.day + 4 > %s THEN 'running'
                     ELSE 'finished' END,
                md5('class' || g),
                (%s::bigint[])[1 + g %% %s],
                (%s::bigint[])[1 + (g %% %s) * %s + (g / %s) %% %s],
                (%s::bigint[])[1 + g %% %s]
            FROM generate_series(0, %s - 1) g
            CROSS JOIN LATERAL (SELECT %s::date + ((g::bigint * 37) %% %s)::int AS day) x
            """,
            [
                END,
                acad_ids,
                len(acad_ids),
                course_ids,
                len(acad_ids),
                per,
                len(acad_ids),
                per,
                acad_orgs,
                len(acad_ids),
                args.classes,
                START,
                NDAYS,
            ],
        )
    timings["class_indexes_s"] = out["indexes_s"]
    return timings


def load_enrolments(args: argparse.Namespace) -> dict[str, float]:
    c_lo = min_id("academy_trainingclass")
    t_lo = min_id("academy_trainee")
    trainees = count("academy_trainee")
    per_class = args.enrolments // args.classes
    timings: dict[str, float] = {}
    with bulk_table("academy_enrolment") as out:
        # 40 per class (consecutive ids), distinct trainees within a class; 4 % waitlisted,
        # 4 % withdrawn.
        timings["enrolments_s"] = sql(
            """
            INSERT INTO academy_enrolment (created_at, updated_at, status, source, queued_at,
                self_key, org_id, trainee_id, training_class_id)
            SELECT now(), now(),
                CASE WHEN g %% 25 = 0 THEN 'waitlisted' WHEN g %% 25 = 1 THEN 'withdrawn'
                     ELSE 'enrolled' END,
                'import', now(), '', c.org_id, %s + (g * 7919) %% %s, c.id
            FROM generate_series(0::bigint, %s - 1) g
            JOIN academy_trainingclass c ON c.id = %s + g / %s
            """,
            [t_lo, trainees, per_class * args.classes, c_lo, per_class],
        )
    timings["enrolment_indexes_s"] = out["indexes_s"]
    # The tally the services keep per class (classes.tally_counts), set-based from the
    # enrolments. No attendance rows are loaded: every seated enrolment counts as trained (the
    # rollup reads the tallies only).
    timings["tallies_s"] = sql(
        """
        INSERT INTO academy_classtally (training_class_id, trained, trained_sme,
            trained_large, trained_unsized, trained_no_enterprise, certificates, refreshed_at)
        SELECT c.id, COALESCE(x.trained, 0), COALESCE(x.sme, 0), COALESCE(x.large, 0),
            COALESCE(x.unsized, 0), COALESCE(x.none, 0), 0, now()
        FROM academy_trainingclass c
        LEFT JOIN (
            SELECT e.training_class_id AS cid, count(*) AS trained,
                count(*) FILTER (WHERE en.size_class IN ('2', '3', '4')) AS sme,
                count(*) FILTER (WHERE en.size_class = '1') AS large,
                count(*) FILTER (WHERE en.id IS NOT NULL AND en.size_class = '') AS unsized,
                count(*) FILTER (WHERE t.enterprise_id IS NULL) AS none
            FROM academy_enrolment e
            JOIN academy_trainee t ON t.id = e.trainee_id
            LEFT JOIN demands_enterprise en ON en.id = t.enterprise_id
            WHERE e.status = 'enrolled'
            GROUP BY e.training_class_id
        ) x ON x.cid = c.id
        """
    )
    return timings


def load_upgrades(args: argparse.Namespace) -> dict[str, Any]:
    owner = User.objects.get(username="bench_province").pk
    timings: dict[str, Any] = {}
    # Keys as upgrade_count.keys_for makes them (checked on a sample below): from sessions, one
    # per ``--upgrade-every`` session; from classes, one per fifth held class.
    timings["from_sessions_s"] = sql(
        """
        INSERT INTO casework_skillupgrade (created_at, updated_at, created_by_id, org_id,
            source, session_id, worker_code, worker_initials, occupation, level_before,
            level_after, certificate_no, issuer, issued_on, worker_key, certificate_key, counted)
        SELECT now(), now(), %(owner)s, x.org_id, 'session', x.id, x.worker, '', x.occ,
            x.lb, x.la, x.cert, '广东省职业技能鉴定中心（基准）', x.date,
            x.enterprise_id || '|' || upper(x.worker) || '|' || x.occ || '|' || x.la,
            CASE WHEN x.cert = '' THEN '' ELSE upper(x.cert) || '|' || x.occ || '|' || x.la END,
            true
        FROM (
            SELECT r.id, r.date, d.org_id, d.enterprise_id, 'W' || lpad(r.id::text, 9, '0') AS worker,
                (%(occ)s::text[])[1 + r.id %% 6] AS occ, (%(lv)s::text[])[1 + r.id %% 4] AS lb,
                (%(lv)s::text[])[2 + r.id %% 4] AS la,
                CASE WHEN r.id %% 4 = 0 THEN '' ELSE 'Z44' || lpad(r.id::text, 12, '0') END AS cert
            FROM casework_servicerecord r JOIN demands_demand d ON d.id = r.demand_id
            WHERE r.id %% %(every)s = 7
        ) x
        """,
        {"owner": owner, "occ": OCCUPATIONS, "lv": LEVELS, "every": args.upgrade_every},
    )
    timings["from_classes_s"] = sql(
        """
        INSERT INTO casework_skillupgrade (created_at, updated_at, created_by_id, org_id,
            source, session_id, worker_code, worker_initials, occupation, level_before,
            level_after, certificate_no, issuer, issued_on, worker_key, certificate_key, counted)
        SELECT now(), now(), %(owner)s, x.org_id, 'training', NULL, x.worker, '', x.occ, x.lb,
            x.la, x.cert, '广东省职业技能鉴定中心（基准）', x.day,
            'training|' || upper(x.worker) || '|' || x.occ || '|' || x.la,
            upper(x.cert) || '|' || x.occ || '|' || x.la, true
        FROM (
            SELECT c.org_id, 'XY' || lpad(c.id::text, 9, '0') AS worker,
                (%(occ)s::text[])[1 + c.id %% 6] AS occ, (%(lv)s::text[])[1 + c.id %% 4] AS lb,
                (%(lv)s::text[])[2 + c.id %% 4] AS la, 'Y44' || lpad(c.id::text, 12, '0') AS cert,
                LEAST(c.end_date + 3 + (c.id %% 31)::int, %(end)s::date) AS day
            FROM academy_trainingclass c
            WHERE c.status <> 'cancelled' AND c.id %% 5 = 0
        ) x
        """,
        {"owner": owner, "occ": OCCUPATIONS, "lv": LEVELS, "end": END},
    )
    # 3 % the same certificate recorded again five days later in the same year, in lower case:
    # a duplicate the once-a-year rule drops.
    timings["duplicates_s"] = sql(
        """
        INSERT INTO casework_skillupgrade (created_at, updated_at, created_by_id, org_id,
            source, session_id, worker_code, worker_initials, occupation, level_before,
            level_after, certificate_no, issuer, issued_on, worker_key, certificate_key, counted)
        SELECT now(), now(), u.created_by_id, u.org_id, u.source, u.session_id,
            lower(u.worker_code), '', u.occupation, u.level_before, u.level_after,
            lower(u.certificate_no), '广东省职业技能鉴定中心（基准·重复登记）',
            LEAST(u.issued_on + 5, make_date(extract(year FROM u.issued_on)::int, 12, 31)),
            u.worker_key, u.certificate_key, true
        FROM casework_skillupgrade u WHERE u.id %% 33 = 0
        """
    )
    sample = list(SkillUpgrade.objects.order_by("?")[:200])
    enterprise_of = dict(
        ServiceRecord.objects.filter(
            pk__in=[u.session_id for u in sample if u.session_id]
        ).values_list("pk", "demand__enterprise_id")
    )
    wrong = sum(
        1
        for u in sample
        if upgrade_count.keys_for(u, enterprise_of.get(u.session_id))
        != (u.worker_key, u.certificate_key)
    )
    if wrong:
        raise SystemExit(f"{wrong} of 200 upgrade keys differ from upgrade_count.keys_for")
    began = time.perf_counter()
    timings["flags_changed"] = upgrade_count.recount_all()
    timings["flags_s"] = round(time.perf_counter() - began, 1)
    return timings


def load(args: argparse.Namespace) -> dict[str, Any]:
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    has = Organization.objects.filter(name=PROVINCE, parent=None).exists
    step("tree", timings, has(), lambda: load_tree(args))
    step("enterprises", timings, Enterprise.objects.exists(), lambda: load_enterprises(args))
    step("craftsmen", timings, Craftsman.objects.exists(), lambda: load_craftsmen(args))
    step("demands", timings, Demand.objects.exists(), lambda: load_demands(args))
    step("sessions", timings, ServiceRecord.objects.exists(), lambda: load_sessions(args))
    step("academies", timings, count("academy_academy") > 0, lambda: load_academies(args))
    step(
        "enrolments",
        timings,
        count("academy_classtally") > 0 or not (args.classes and args.enrolments),
        lambda: load_enrolments(args),
    )
    step("upgrades", timings, SkillUpgrade.objects.exists(), lambda: load_upgrades(args))
    step("offers", timings, count("casework_outcome") > 0, lambda: load_offers(args))
    if timings:
        began = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - began, 1)
    timings["load_s"] = round(time.perf_counter() - started, 1)
    return timings


def inventory() -> dict[str, int]:
    return {
        "organisations": Organization.objects.count(),
        "grassroots": Organization.objects.filter(level="grassroots").count(),
        "enterprises": Enterprise.objects.count(),
        "craftsmen": Craftsman.objects.count(),
        "demands": Demand.objects.count(),
        "demands_solved_confirmed": Demand.objects.filter(
            solved_confirmed_at__isnull=False
        ).count(),
        "sessions": ServiceRecord.objects.count(),
        "session_participants": count("casework_servicerecord_participants"),
        "skill_upgrades": SkillUpgrade.objects.count(),
        "skill_upgrades_counted": SkillUpgrade.objects.filter(counted=True).count(),
        "classes": TrainingClass.objects.count(),
        "trainees": count("academy_trainee"),
        "enrolments": count("academy_enrolment"),
        "class_tallies": count("academy_classtally"),
    }


# ------------------------------------------------------------------------------------------------
# Roles and targets
# ------------------------------------------------------------------------------------------------


def grant_cockpit() -> list[str]:
    """Give the bench's 工会工作人员 the cockpit's view permissions if its role lacks them."""
    role = Role.objects.get(code="union_staff")
    have = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in role.group.permissions.select_related("content_type")
    }
    missing = [name for name in COCKPIT_PERMS if name not in have]
    for name in missing:
        app, code = name.split(".")
        role.group.permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=code)
        )
    return missing


def set_targets(me: User, province: Organization) -> int:
    """The year's targets: each city's = its pace to date projected to the year × a factor
    (0.8–1.25, so some cities are ahead and some behind); the province's = the cities' sum + 3 %."""
    if Target.objects.filter(year=YEAR).exists():
        return 0
    share = selectors.linear_share(END)
    factors = [0.8, 0.9, 0.95, 1.0, 1.05, 1.15, 1.25]
    rows: list[Target] = []
    summed: dict[str, int] = {}
    start = dt.date(YEAR, 1, 1)
    for i, city in enumerate(Organization.objects.filter(parent=province).order_by("pk")):
        actual = selectors.totals(user=me, unit=city, start=start, end=END)
        for code in indicators.REGISTRY:
            value = max(1, round(actual.get(code, 0) / share * factors[i % len(factors)]))
            summed[code] = summed.get(code, 0) + value
            rows.append(Target(org=city, year=YEAR, indicator=code, value=value))
    for code, value in summed.items():
        rows.append(Target(org=province, year=YEAR, indicator=code, value=round(value * 1.03)))
    Target.objects.bulk_create(rows)
    return len(rows)


# ------------------------------------------------------------------------------------------------
# Measurements
# ------------------------------------------------------------------------------------------------


def cold(username: str, unit_pk: int, runs: int) -> dict[str, Any]:
    """The cockpit with Django's cache cleared, a new user object and a new connection."""
    samples = []
    for _ in range(runs):
        cache.clear()
        connection.close()
        me = User.objects.get(username=username)  # reconnects (not timed)
        unit = Organization.objects.get(pk=unit_pk)
        samples.append(
            one_run(
                lambda me=me, unit=unit: selectors.cockpit(user=me, unit=unit, year=YEAR, today=END)
            )
        )
    return summarise(samples)


def warm(username: str, unit_pk: int, runs: int) -> dict[str, Any]:
    me = User.objects.get(username=username)
    unit = Organization.objects.get(pk=unit_pk)
    return timed(lambda: selectors.cockpit(user=me, unit=unit, year=YEAR, today=END), runs)


def write_cost(me: User, runs: int) -> dict[str, Any]:
    """Log ``runs`` sessions through ``session_create`` on one accepted offer (each one adds a
    session to the set: the write refreshes its cell, month and 服务企业数)."""
    demand = (
        Demand.objects.filter(
            status="in_service", org__level="county", submitted_at__date__lt=END - dt.timedelta(10)
        )
        .order_by("pk")
        .first()
    )
    assert demand is not None
    offer = Offer.objects.filter(demand=demand, status="accepted").first()
    if offer is None:
        craftsman = (
            Craftsman.objects.filter(org_id=demand.org_id).first() or Craftsman.objects.first()
        )
        offer = Offer.objects.create(
            demand=demand,
            craftsman=craftsman,
            source="assignment",
            status="accepted",
            offered_at=timezone.now(),
            accept_deadline=timezone.now(),
            responded_at=timezone.now(),
        )
    samples = []
    for i in range(runs + 2):
        day = END - dt.timedelta(days=i % 5)
        data = {"date": day, "mode": "onsite", "experts": 2, "trainees": 12, "notes": "基准写入"}
        samples.append(
            one_run(lambda data=data: sessions.session_create(actor=me, data=data, offer=offer))
        )
    return summarise(samples[2:])


def process_cold(username: str, unit_pk: int, runs: int, what: str) -> dict[str, Any]:
    """``kpi.<what>`` (``figures``, ``process_figures``) of the unit for the year, or
    ``selectors.process`` (``what="selectors.process"``), cold as in :func:`cold`."""
    from jiangqiao.casework import kpi

    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    samples = []
    for _ in range(runs):
        cache.clear()
        connection.close()
        me = User.objects.get(username=username)  # reconnects (not timed)
        unit = Organization.objects.get(pk=unit_pk)
        if what == "selectors.process":
            run = partial(selectors.process, user=me, unit=unit, start=start, end=end)
        else:
            run = partial(getattr(kpi, what), user=me, org=unit, start=start, end=end)
        samples.append(one_run(run))
    return summarise(samples)


def process_warm(username: str, unit_pk: int, runs: int) -> dict[str, Any]:
    """``selectors.process`` (cached five minutes; the unmeasured first calls fill the cache)."""
    me = User.objects.get(username=username)
    unit = Organization.objects.get(pk=unit_pk)
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    return timed(lambda: selectors.process(user=me, unit=unit, start=start, end=end), runs)


def explain_process(me: User, unit: Organization, what: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the queries of ``kpi.<what>``, slowest first, with the time
    spent outside the queries (Python)."""
    from django.test.utils import CaptureQueriesContext

    from jiangqiao.casework import kpi

    cache.clear()
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        getattr(kpi, what)(user=me, org=unit, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
    total = (time.perf_counter() - began) * 1000
    in_sql = sum(float(q["time"]) for q in captured) * 1000
    plans: list[tuple[float, str]] = []
    for q in captured:
        if not q["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            text = "\n".join(r[0] for r in cur.fetchall())
        ms = float(q["time"]) * 1000
        plans.append((ms, f"-- {ms:.1f} ms\n{q['sql']}\n{text}"))
    plans.sort(reverse=True)
    head = (
        f"-- kpi.{what}: {total:.0f} ms, {len(captured)} queries, {in_sql:.0f} ms in them, "
        f"{total - in_sql:.0f} ms outside"
    )
    return [head, *(p for _, p in plans[:6])]


def measure_process(args: argparse.Namespace, result: dict[str, Any]) -> None:
    """The process figures (docs/kpi.md §2) of the province and of a city, year 2026."""
    me = User.objects.get(username="bench_province")
    province = me.org
    city = Organization.objects.filter(parent=province).order_by("pk").first()
    assert city is not None
    result["process_rows"] = {
        "offers": Offer.objects.count(),
        "contact_attempts": count("casework_contactattempt"),
        "outcomes": count("casework_outcome"),
    }
    print("process rows:", result["process_rows"], flush=True)
    from jiangqiao.casework import kpi

    for name, username, unit in (
        ("province", "bench_province", province),
        ("city", "bench_city_0", city),
    ):
        for what in ("figures", "process_figures", "selectors.process"):
            if what == "process_figures" and not hasattr(kpi, what):
                continue  # the code before the process figures were counted on their own
            key = f"process_{name}_{what.replace('.', '_')}_cold"
            result[key] = process_cold(username, unit.pk, args.runs, what)
            print(f"{name}, {what}, cold:", result[key], flush=True)
        result[f"process_{name}_warm"] = process_warm(username, unit.pk, args.runs)
        print(f"{name}, selectors.process, warm:", result[f"process_{name}_warm"], flush=True)

    figures = kpi.figures(
        user=me, org=province, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31)
    )
    result["process_figures"] = figures
    print("figures:", figures, flush=True)
    if args.explain:
        what = "process_figures" if hasattr(kpi, "process_figures") else "figures"
        for plan in explain_process(me, province, what):
            print(plan, flush=True)


def explain_cockpit(me: User, unit: Organization) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the cockpit's queries, slowest first (cache cleared)."""
    cache.clear()
    plans: list[tuple[float, str]] = []
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        selectors.cockpit(user=me, unit=unit, year=YEAR, today=END)
    for q in captured:
        if not q["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            text = "\n".join(r[0] for r in cur.fetchall())
        plans.append(
            (float(q["time"]) * 1000, f"-- {float(q['time']) * 1000:.1f} ms\n{q['sql']}\n{text}")
        )
    plans.sort(reverse=True)
    return [p for _, p in plans[:4]]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", action="store_true", help="skip the load (the set exists)")
    parser.add_argument("--no-rebuild", action="store_true", help="keep the rollups if present")
    parser.add_argument("--counties", type=int, default=120)
    parser.add_argument("--grassroots", type=int, default=2000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--craftsmen", type=int, default=20_000)
    parser.add_argument("--demands", type=int, default=300_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--upgrade-every", type=int, default=10, help="one upgrade per N sessions")
    parser.add_argument("--courses-per-academy", type=int, default=11)
    parser.add_argument("--trainees", type=int, default=2_000_000)
    parser.add_argument("--classes", type=int, default=250_000)
    parser.add_argument("--enrolments", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--writes", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="print the cockpit's query plans")
    parser.add_argument(
        "--process",
        action="store_true",
        help="measure the process figures (kpi.figures) only: no rebuild, no cockpit",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "dashboards.json"))
    args = parser.parse_args()

    result: dict[str, Any] = {
        "database": connection.vendor,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    if not args.reuse:
        print("load:", flush=True)
        result["load"] = load(args)
    result["rows"] = inventory()
    print("rows:", json.dumps(result["rows"]), flush=True)
    result["granted"] = grant_cockpit()
    if args.process:
        measure_process(args, result)
        result["load_average_after"] = os.getloadavg()
        out = Path(args.out).with_name("dashboards_process.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return 0

    if not (args.no_rebuild and MonthlyFigure.objects.exists()):
        began = time.perf_counter()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 60:
                last[0] = time.perf_counter()
                print(f"  rebuild: {done}/{total} unit-months", flush=True)

        produced = rollups.rebuild(progress=progress)
        result["rebuild"] = {**produced, "minutes": round((time.perf_counter() - began) / 60, 1)}
        print("rebuild:", result["rebuild"], flush=True)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE dashboards_dailyfigure")
            cur.execute("VACUUM ANALYZE dashboards_monthlyfigure")
    result["rollup_rows"] = {
        "daily": DailyFigure.objects.count(),
        "monthly": MonthlyFigure.objects.count(),
        "daily_mb": _size("dashboards_dailyfigure"),
        "monthly_mb": _size("dashboards_monthlyfigure"),
    }
    print("rollup rows:", result["rollup_rows"], flush=True)

    me = User.objects.get(username="bench_province")
    province = me.org
    city = Organization.objects.filter(parent=province).order_by("pk").first()
    assert city is not None
    result["targets_set"] = set_targets(me, province)

    # The first cockpit read after the load/rebuild (buffers as the rebuild left them).
    cache.clear()
    connection.close()
    me = User.objects.get(username="bench_province")
    result["province_first_read"] = summarise(
        [one_run(lambda: selectors.cockpit(user=me, unit=province, year=YEAR, today=END))]
    )
    print("province, first read:", result["province_first_read"], flush=True)
    result["province_cold"] = cold("bench_province", province.pk, args.runs)
    print("province, cold:", result["province_cold"], flush=True)
    result["province_warm"] = warm("bench_province", province.pk, args.runs)
    print("province, warm:", result["province_warm"], flush=True)
    result["city_cold"] = cold("bench_city_0", city.pk, args.runs)
    print("city, cold:", result["city_cold"], flush=True)
    result["city_warm"] = warm("bench_city_0", city.pk, args.runs)
    print("city, warm:", result["city_warm"], flush=True)

    me = User.objects.get(username="bench_province")
    year_start, year_end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    result["breakdown_all_dims"] = timed(
        lambda: [
            selectors.breakdown(user=me, unit=province, start=year_start, end=year_end, dimension=d)
            for d in Dimension.values
        ],
        args.runs,
    )
    print("breakdown, 7 dimensions:", result["breakdown_all_dims"], flush=True)
    result["breakdown_industry"] = timed(
        lambda: selectors.breakdown(
            user=me, unit=province, start=year_start, end=year_end, dimension="industry"
        ),
        args.runs,
    )
    print("breakdown, industry:", result["breakdown_industry"], flush=True)
    result["by_month"] = timed(
        lambda: selectors.by_month(user=me, unit=province, year=YEAR), args.runs
    )
    print("by_month:", result["by_month"], flush=True)
    cockpit = selectors.cockpit(user=me, unit=province, year=YEAR, today=END)
    result["figures"] = {
        s.indicator.code: {
            "actual": s.actual,
            "target": s.target,
            "pace": str(s.pace),
        }
        for s in cockpit.standings
    }
    result["cities_by_pace"] = {
        p: sum(1 for r in cockpit.children if r.standings["person_times"].pace == p)
        for p in ("ahead", "on_track", "slow", "behind", "no_target")
    }
    print("figures:", result["figures"], flush=True)

    result["write_session_create"] = write_cost(me, args.writes)
    print("write (session_create):", result["write_session_create"], flush=True)
    if args.explain:
        for plan in explain_cockpit(me, province):
            print(plan, flush=True)
    result["load_average_after"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def _size(table: str) -> float:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
        return round(int(cur.fetchone()[0]) / 2**20, 1)


if __name__ == "__main__":
    raise SystemExit(main())
