"""工匠学院统计 at province size (issue 15 point 8): 2,000,000 enrolments, target median ≤ 300 ms.

Builds, in its own PostgreSQL database, one province (21 cities, 120 counties), ~400 academy nodes
(a provincial HQ, two per city, three per county: HQ, training base, an enterprise academy) in
21 alliances, 10 published courses and 5 lecturers per node, 20,000 enterprises (size classes
mixed, a fifth unsized), 1,000,000 trainees (a fifth with no linked enterprise), **50,000 classes**
over 2025–2026 (3 % cancelled) with two sessions each, **2,000,000 enrolments** (40 per class;
4 % waitlisted, 4 % withdrawn) and ~2,600,000 attendance rows (80 % came to the first session,
half to the second). Rows are written with ``bulk_create`` and ``INSERT … SELECT
generate_series`` (the services would take hours; what is measured is the read). The class
tallies the services keep (``academy.ClassTally``) are filled by one set-based INSERT with the
rule of ``classes.tally_counts``, and a sample of classes is recounted through
``tally_counts`` to check it.

Then it measures ``statistics.statistics_report`` — every registered indicator — for a
province-level 工会工作人员, the whole year 2026, at the province and drilled down to a city, and
the page itself through the test client: median and p95 of ``--runs`` after two warm-ups. With
``--plain`` it also times the training figures counted straight from enrolments and attendance
(no rollup), for the before/after comparison in docs/performance.md.

``--extras`` (once, on a built set; each part is skipped when its table has rows, ~10 s) adds the
rows of the indicators registered later: ~154,000 skill upgrades of source 工匠学院培训 (one per 12th
seated enrolment, linked by ``TraineeUpgrade``; 3 % the same certificate recorded again, which the
once-a-year rule drops), 30,000 training orders (8,000 enterprises, statuses mixed), 600
competitions (mostly held) with 30,000 contestants (existing trainees) and 3,000 innovation
activities (a third completed) with their status changes — over the province's units and
2025–2026. It also restores the built-in roles, so a set built before those apps lets its
工会工作人员 see them.

    createdb -h 127.0.0.1 -U postgres bench_academy
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_academy
    export DJANGO_SETTINGS_MODULE=config.settings.bench
    .venv/bin/python manage.py migrate --noinput
    .venv/bin/python bench/academy_stats.py --build --plain --runs 20   # build once (~4 min)
    .venv/bin/python bench/academy_stats.py --runs 20                   # reuse the set
    .venv/bin/python bench/academy_stats.py --extras --runs 20          # add the later rows once
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from benchkit import (  # noqa: E402
    academy_network,
    count,
    min_id,
    org,
    published_courses,
    sql,
    timed,
    user,
)
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402

from jiangqiao.academy import classes  # noqa: E402
from jiangqiao.academy.models import (  # noqa: E402
    Academy,
    ClassTally,
    Course,
    Enrolment,
    Lecturer,
    TrainingClass,
)
from jiangqiao.academy.statistics import StatsQuery, statistics_report  # noqa: E402
from jiangqiao.accounts.models import Role, User  # noqa: E402
from jiangqiao.core.identifiers import make_uscc  # noqa: E402
from jiangqiao.core.scope import subtree_q  # noqa: E402
from jiangqiao.demands.models import Enterprise  # noqa: E402
from jiangqiao.orgs.models import Organization  # noqa: E402

YEAR = 2026


def build(args: argparse.Namespace) -> dict[str, Any]:
    if TrainingClass.objects.exists():
        raise SystemExit("--build needs a fresh database (it already has classes)")
    rng = random.Random(15)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    staff = Role.objects.get(code="union_staff")
    province = org(None, "province", "山东省总工会", "370000")
    user("bench_province", province, staff)
    cities, counties = [], []
    for c in range(21):
        city = org(province, "city", f"第{c + 1}市总工会", f"37{c + 1:02d}00")
        cities.append(city)
        user(f"bench_city_{c}", city, staff)
    for k in range(args.counties):
        city = cities[k % len(cities)]
        n = k // len(cities) + 1
        counties.append(
            org(city, "county", f"{city.name}第{n}区", f"{city.region_code[:4]}{n:02d}")
        )
    owner = User.objects.get(username="bench_province")

    nodes, courses, _ = academy_network(
        province=province,
        cities=cities,
        counties=counties,
        owner=owner,
        courses_per_academy=args.courses_per_academy,
    )
    enterprises = [
        Enterprise(
            org=counties[i % len(counties)],
            uscc=make_uscc("9", "1", counties[i % len(counties)].region_code, f"{i + 1:08d}"),
            name=f"基准企业{i}",
            region_code=counties[i % len(counties)].region_code,
            size_class=rng.choice(["1", "2", "3", "3", "4", "4", ""]),
            created_by=owner,
        )
        for i in range(args.enterprises)
    ]
    Enterprise.objects.bulk_create(enterprises, batch_size=5000)
    timings["reference_rows_s"] = round(time.perf_counter() - started, 1)

    ent_ids = [e.pk for e in enterprises]
    county_ids = [k.pk for k in counties]
    # Academy nodes and their published courses, as parallel arrays for the SQL below.
    per = args.courses_per_academy - 1
    acad_ids = [n.pk for n in nodes]
    acad_orgs = [n.org_id for n in nodes]
    course_ids = published_courses(nodes, courses, per)
    with transaction.atomic():
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
            [ent_ids, len(ent_ids), county_ids, len(county_ids), args.trainees],
        )
        timings["classes_s"] = sql(
            """
            INSERT INTO academy_trainingclass (created_at, updated_at, version, course_edition,
                code, title, capacity, start_date, end_date, place, note, status, signup_token,
                academy_id, course_id, org_id)
            SELECT now(), now(), 1, 1, 'B' || g, '基准班次' || g, 60,
                DATE '2025-01-01' + (g * 37) %% 730, DATE '2025-01-01' + (g * 37) %% 730 + 4,
                '', '', CASE WHEN g %% 33 = 0 THEN 'cancelled' ELSE 'finished' END,
                md5('class' || g),
                (%s::bigint[])[1 + g %% %s],
                (%s::bigint[])[1 + (g %% %s) * %s + (g / %s) %% %s],
                (%s::bigint[])[1 + g %% %s]
            FROM generate_series(0, %s - 1) g
            """,
            [
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
            ],
        )
    c_lo = TrainingClass.objects.order_by("pk").values_list("pk", flat=True).first()
    t_lo = min_id("academy_trainee")
    per_class = args.enrolments // args.classes
    with transaction.atomic():
        timings["enrolments_s"] = sql(
            """
            INSERT INTO academy_enrolment (created_at, updated_at, status, source, queued_at,
                self_key, org_id, trainee_id, training_class_id)
            SELECT now(), now(),
                CASE WHEN g %% 25 = 0 THEN 'waitlisted' WHEN g %% 25 = 1 THEN 'withdrawn'
                     ELSE 'enrolled' END,
                'import', now(), '', c.org_id, %s + g %% %s, c.id
            FROM generate_series(0, %s - 1) g
            JOIN academy_trainingclass c ON c.id = %s + g / %s
            """,
            [t_lo, args.trainees, per_class * args.classes, c_lo, per_class],
        )
        timings["sessions_s"] = sql(
            """
            INSERT INTO academy_classsession (created_at, updated_at, date, start_time, end_time,
                place, topic, hours, hour_type, training_class_id)
            SELECT now(), now(), c.start_date + n, TIME '09:00', TIME '12:00', '', '第' || n + 1 || '次',
                3.0, CASE WHEN n = 0 THEN 'theory' ELSE 'practice' END, c.id
            FROM academy_trainingclass c CROSS JOIN generate_series(0, 1) n
            """
        )
        timings["attendance_s"] = sql(
            """
            INSERT INTO academy_attendance (status, method, at, session_id, enrolment_id)
            SELECT CASE WHEN s.topic = '第1次' AND e.id %% 10 = 8 THEN 'absent'
                        WHEN e.id %% 20 = 3 THEN 'late' ELSE 'present' END,
                'qr', now(), s.id, e.id
            FROM academy_enrolment e
            JOIN academy_classsession s ON s.training_class_id = e.training_class_id
            WHERE e.status = 'enrolled'
              AND ((s.topic = '第1次' AND e.id %% 10 < 9) OR (s.topic = '第2次' AND e.id %% 2 = 0))
            """
        )
    with transaction.atomic():
        # The services' tally rule (classes.tally_counts), set-based: one row per class.
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
                WHERE e.status = 'enrolled' AND EXISTS (
                    SELECT 1 FROM academy_attendance a
                    WHERE a.enrolment_id = e.id AND a.status IN ('present', 'late'))
                GROUP BY e.training_class_id
            ) x ON x.cid = c.id
            """
        )
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    return {
        "timings": timings,
        "organisations": Organization.objects.count(),
        "academies": Academy.objects.count(),
        "courses": Course.objects.count(),
        "lecturers": Lecturer.objects.count(),
        "classes": TrainingClass.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "attendance": count("academy_attendance"),
    }


# ------------------------------------------------------------------------------------------------
# --extras: rows of the indicators registered after the build (added to an existing set)
# ------------------------------------------------------------------------------------------------

#: The issuer written on the bench's skill upgrades (tells them apart; the duplicates have their own).
BENCH_ISSUER = "山东省职业技能鉴定中心（基准）"
DUP_ISSUER = "山东省职业技能鉴定中心（基准·重复登记）"
OCCUPATIONS = ["6-18-01-01", "6-18-02-04", "6-20-03-01", "6-25-04-08", "4-04-05-03", "6-31-01-03"]
LEVELS = [
    "junior_worker",
    "intermediate_worker",
    "senior_worker",
    "technician",
    "senior_technician",
]

#: Academy nodes with their unit and first published course, numbered 0… (for ``g %% n`` picks).
ACADEMIES_CTE = """
    a AS (
        SELECT ac.id, ac.org_id, ac.level, row_number() OVER (ORDER BY ac.id) - 1 AS i,
            (SELECT min(c.id) FROM academy_course c
             WHERE c.academy_id = ac.id AND c.status = 'published') AS course_id
        FROM academy_academy ac
    ),
    n AS (SELECT count(*) AS n FROM a)
"""


def extras(args: argparse.Namespace) -> dict[str, Any]:
    """Skill upgrades, training orders, competitions with contestants and innovation activities
    over the province's units and 2025–2026, each part skipped when its rows exist."""
    from jiangqiao.academy.models import Competition, Contestant, Innovation, TrainingOrder
    from jiangqiao.accounts.services import ensure_builtin_roles
    from jiangqiao.casework.models import SkillUpgrade

    timings: dict[str, float] = {}
    # A set built before these apps has the built-in roles of its day: 工会工作人员 without the
    # view permissions of orders, competitions and innovations (whose rows it would then not
    # see, so their indicators would read nothing). Restore the roles as the code defines them.
    roles = ensure_builtin_roles(reset=True)
    owner = User.objects.get(username="bench_province").pk
    t_lo = min_id("academy_trainee")
    trainees = count("academy_trainee")
    if not SkillUpgrade.objects.exists():
        with transaction.atomic():
            # One upgrade for every 13th seated enrolment, on the certificate issued 3–33 days after
            # its class ended (the enrolment id is in the certificate number, to link it below).
            timings["skill_upgrades_s"] = sql(
                """
                INSERT INTO casework_skillupgrade (created_at, updated_at, created_by_id, org_id,
                    source, session_id, worker_code, worker_initials, occupation, level_before,
                    level_after, certificate_no, issuer, issued_on, worker_key, certificate_key,
                    counted)
                SELECT now(), now(), %s, c.org_id, 'training', NULL,
                    'XY' || lpad(e.trainee_id::text, 8, '0'), '',
                    (%s::text[])[1 + e.id %% 6],
                    (%s::text[])[1 + e.id %% 4], (%s::text[])[2 + e.id %% 4],
                    'Y37' || lpad(e.id::text, 12, '0'), %s,
                    LEAST(c.end_date + 3 + (e.id %% 31)::int, DATE '2026-12-31'), '', '', true
                FROM academy_enrolment e
                JOIN academy_trainingclass c ON c.id = e.training_class_id
                WHERE e.status = 'enrolled' AND e.id %% %s = 0 AND c.status <> 'cancelled'
                """,
                [owner, OCCUPATIONS, LEVELS, LEVELS, BENCH_ISSUER, args.upgrade_every],
            )
            timings["trainee_upgrades_s"] = sql(
                """
                INSERT INTO academy_traineeupgrade (created_at, updated_at, created_by_id,
                    org_id, upgrade_id, enrolment_id, lecturer_id)
                SELECT now(), now(), %s, u.org_id, u.id, substr(u.certificate_no, 4)::bigint, NULL
                FROM casework_skillupgrade u WHERE u.issuer = %s
                """,
                [owner, BENCH_ISSUER],
            )
            # A few % recorded twice: the same certificate (occupation, level) entered again, in
            # lower case, five days later in the same year — a duplicate the count drops.
            timings["duplicate_upgrades_s"] = sql(
                """
                INSERT INTO casework_skillupgrade (created_at, updated_at, created_by_id, org_id,
                    source, session_id, worker_code, worker_initials, occupation, level_before,
                    level_after, certificate_no, issuer, issued_on, worker_key, certificate_key,
                    counted)
                SELECT now(), now(), %s, u.org_id, 'training', NULL,
                    'DUP' || u.id, '', u.occupation, u.level_before, u.level_after,
                    lower(u.certificate_no), %s,
                    LEAST(u.issued_on + 5, make_date(extract(year FROM u.issued_on)::int, 12, 31)),
                    '', '', true
                FROM casework_skillupgrade u
                WHERE u.issuer = %s AND u.id %% 33 = 0
                """,
                [owner, DUP_ISSUER, BENCH_ISSUER],
            )
            # Rows written around the services get their dedup keys and once-a-year flags the
            # way the services keep them (casework.upgrade_count).
            from jiangqiao.casework import upgrade_count

            began = time.perf_counter()
            upgrade_count.rekey_all()
            upgrade_count.recount_all()
            timings["upgrade_flags_s"] = round(time.perf_counter() - began, 1)
    if not TrainingOrder.objects.exists():
        with transaction.atomic():
            # Orders placed over 2025–2026 by 8,000 of the enterprises, each academy with its own
            # ~20 partners ordering again; statuses mixed (returned and withdrawn ones do not count).
            ent_ids = list(
                Enterprise.objects.order_by("pk").values_list("pk", flat=True)[: args.partners]
            )
            timings["orders_s"] = sql(
                f"""
                WITH {ACADEMIES_CTE},
                o AS (
                    SELECT g, a.i AS ai, n.n AS nn, a.id AS academy_id, a.org_id, a.course_id,
                        (TIMESTAMPTZ '2025-01-01 09:30+08' + ((g * 37) %% 730) * INTERVAL '1 day'
                         + (g %% 480) * INTERVAL '1 minute') AS at,
                        (ARRAY['pending', 'accepted', 'returned', 'scheduled', 'scheduled',
                               'delivered', 'delivered', 'delivered', 'evaluated', 'evaluated',
                               'evaluated', 'withdrawn'])[1 + (g * 7) %% 12] AS status
                    FROM generate_series(0, %s - 1) g CROSS JOIN n JOIN a ON a.i = g %% n.n
                )
                INSERT INTO academy_trainingorder (created_at, updated_at, version, number, kind,
                    enterprise_id, placed_by_id, academy_id, course_id, course_edition,
                    lecturer_id, topic, description, occupation, skill_level, trainees_planned,
                    period_from, period_to, site, address, source_demand_id,
                    demand_status_before, training_class_id, status, return_reason,
                    satisfaction, evaluation, evaluated_at, created_by_id, updated_by_id, org_id)
                SELECT o.at, o.at, 1, 'BENCH-' || o.g,
                    CASE WHEN o.g %% 3 = 0 THEN 'custom' ELSE 'menu' END,
                    (%s::bigint[])[1 + (o.ai * 20 + (o.g / o.nn) %% 20) %% %s], NULL, o.academy_id,
                    CASE WHEN o.g %% 3 = 0 THEN NULL ELSE o.course_id END,
                    CASE WHEN o.g %% 3 = 0 THEN 0 ELSE 1 END, NULL,
                    '基准订单' || o.g, '', '', '', 10 + o.g %% 90,
                    (o.at AT TIME ZONE 'Asia/Shanghai')::date + 14,
                    (o.at AT TIME ZONE 'Asia/Shanghai')::date + 44,
                    (ARRAY['enterprise', 'academy', 'online'])[1 + o.g %% 3], '', NULL, '', NULL,
                    o.status, CASE WHEN o.status = 'returned' THEN '本期课程已满' ELSE '' END,
                    CASE WHEN o.status = 'evaluated' THEN 4 + o.g %% 2 END, '',
                    CASE WHEN o.status = 'evaluated' THEN o.at + INTERVAL '60 days' END,
                    %s, NULL, o.org_id
                FROM o
                """,  # noqa: S608 (ACADEMIES_CTE is a constant)
                [args.orders, ent_ids, len(ent_ids), owner],
            )
    if not Competition.objects.exists():
        with transaction.atomic():
            # Organised by the academies' units (two thirds hosted by the academy), start dates
            # over 2025–2026, mostly held; 50 contestants each (existing trainees, distinct).
            timings["competitions_s"] = sql(
                f"""
                WITH {ACADEMIES_CTE},
                c AS (
                    SELECT g, a.id AS academy_id, a.org_id, a.level,
                        DATE '2025-01-01' + ((g * 53) %% 730) AS day,
                        (ARRAY['published', 'published', 'published', 'published', 'published',
                               'published', 'scoring', 'running', 'registering', 'preparing',
                               'cancelled', 'published'])[1 + (g * 5) %% 12] AS status
                    FROM generate_series(0, %s - 1) g CROSS JOIN n JOIN a ON a.i = (g * 7) %% n.n
                )
                INSERT INTO academy_competition (created_at, updated_at, version, title, level,
                    occupation, academy_id, registration_start, registration_end, start_date,
                    end_date, venue, min_skill_level, max_skill_level, allowed_occupations,
                    employer_restriction, region_prefix, max_participants, description, status,
                    awards_first, awards_second, awards_third, awards_excellence, published_at,
                    created_by_id, updated_by_id, org_id)
                SELECT now(), now(), 1, '基准竞赛' || c.g,
                    CASE c.level WHEN 'province' THEN 'province' WHEN 'city' THEN 'city'
                                 WHEN 'county' THEN 'county' ELSE 'enterprise' END,
                    (%s::text[])[1 + c.g %% 6],
                    CASE WHEN c.g %% 3 = 0 THEN NULL ELSE c.academy_id END,
                    c.day - 40, c.day - 10, c.day, c.day + 2, '', '', '', '[]'::jsonb, 'none', '',
                    %s, '', c.status, 1, 2, 3, 5,
                    CASE WHEN c.status = 'published' THEN c.day + INTERVAL '10 days' END,
                    %s, NULL, c.org_id
                FROM c
                """,  # noqa: S608 (ACADEMIES_CTE is a constant)
                [args.competitions, OCCUPATIONS, args.contestants_per_competition * 2, owner],
            )
            timings["contestants_s"] = sql(
                """
                WITH c AS (
                    SELECT id, org_id, status, registration_start,
                        row_number() OVER (ORDER BY id) - 1 AS i
                    FROM academy_competition
                )
                INSERT INTO academy_contestant (created_at, updated_at, created_by_id,
                    updated_by_id, org_id, competition_id, trainee_id, number, occupation,
                    skill_level, enterprise_id, employer_name, employer_uscc, registered_at,
                    final_score, rank, award)
                SELECT now(), now(), %s, NULL, c.org_id, c.id, t.id, k + 1, '',
                    (%s::text[])[1 + (c.i + k) %% 4], t.enterprise_id, t.employer_name, '',
                    c.registration_start + INTERVAL '10 hours' + k * INTERVAL '7 minutes',
                    CASE WHEN c.status = 'published' THEN 95 - k * 0.5 END,
                    CASE WHEN c.status = 'published' THEN k + 1 END,
                    CASE WHEN c.status <> 'published' THEN ''
                         WHEN k < 1 THEN 'first' WHEN k < 3 THEN 'second'
                         WHEN k < 6 THEN 'third' WHEN k < 11 THEN 'excellence' ELSE '' END
                FROM c CROSS JOIN generate_series(0, %s - 1) k
                JOIN academy_trainee t
                  ON t.id = %s + ((c.i * %s + k) * 31) %% %s
                """,
                [
                    owner,
                    LEVELS,
                    args.contestants_per_competition,
                    t_lo,
                    args.contestants_per_competition,
                    trainees,
                ],
            )
    if not Innovation.objects.exists():
        with transaction.atomic():
            # Started over 2025–2026: a third completed (approved → ongoing → completed, on or
            # before today), a third ongoing, the rest still approved or terminated.
            timings["innovations_s"] = sql(
                f"""
                WITH {ACADEMIES_CTE},
                x AS (
                    SELECT g, a.id AS academy_id, a.org_id,
                        DATE '2025-01-01' + ((g * 29) %% 700) AS day,
                        CASE g %% 6 WHEN 0 THEN 'completed' WHEN 1 THEN 'ongoing'
                             WHEN 2 THEN 'completed' WHEN 3 THEN 'ongoing'
                             WHEN 4 THEN 'approved' ELSE 'terminated' END AS status,
                        (ARRAY['studio', 'five_small', 'rationalization', 'open_call'])[1 + g %% 4]
                            AS kind
                    FROM generate_series(0, %s - 1) g CROSS JOIN n JOIN a ON a.i = (g * 11) %% n.n
                )
                INSERT INTO academy_innovation (created_at, updated_at, version, kind,
                    five_small_type, title, academy_id, studio_name, lead_id, participants_count,
                    start_date, end_date, status, outcome, economic_benefit, patent_count,
                    patents, adopted, evaluated_on, created_by_id, updated_by_id, org_id)
                SELECT now(), now(), 1, x.kind,
                    CASE WHEN x.kind = 'five_small' THEN
                        (ARRAY['invention', 'creation', 'innovation', 'design', 'suggestion'])
                        [1 + x.g %% 5] ELSE '' END,
                    '基准创新' || x.g, CASE WHEN x.g %% 4 = 0 THEN NULL ELSE x.academy_id END,
                    '', NULL, 3 + x.g %% 20, x.day,
                    CASE WHEN x.status = 'completed'
                         THEN LEAST(x.day + 60 + (x.g %% 240), DATE '2026-12-05') END,
                    x.status, CASE WHEN x.status = 'completed' THEN '成果已验收' ELSE '' END,
                    CASE WHEN x.status = 'completed' THEN (x.g %% 50) * 10000 ELSE 0 END,
                    CASE WHEN x.status = 'completed' THEN x.g %% 3 ELSE 0 END, '',
                    x.status = 'completed' AND x.g %% 2 = 0, NULL, %s, NULL, x.org_id
                FROM x
                """,  # noqa: S608 (ACADEMIES_CTE is a constant)
                [args.innovations, owner],
            )
            timings["innovation_changes_s"] = sql(
                """
                INSERT INTO academy_innovationstatuschange (from_status, to_status, at, by_id,
                    innovation_id)
                SELECT s.from_status, s.to_status, s.at, %s, i.id
                FROM academy_innovation i
                CROSS JOIN LATERAL (VALUES
                    ('approved', CASE WHEN i.status = 'terminated' THEN 'terminated'
                                      ELSE 'ongoing' END,
                     (i.start_date + 20 + TIME '10:00') AT TIME ZONE 'Asia/Shanghai'),
                    ('ongoing', 'completed',
                     (i.end_date + TIME '16:00') AT TIME ZONE 'Asia/Shanghai')
                ) AS s(from_status, to_status, at)
                WHERE i.status <> 'approved'
                  AND (s.from_status = 'approved' OR i.status = 'completed')
                """,
                [owner],
            )
    started = time.perf_counter()
    with connection.cursor() as cur:
        for table in (
            "casework_skillupgrade",
            "academy_traineeupgrade",
            "academy_trainingorder",
            "academy_competition",
            "academy_contestant",
            "academy_innovation",
            "academy_innovationstatuschange",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")
    timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    return {
        "timings": timings,
        "roles_reset": roles["updated"],
        "skill_upgrades": SkillUpgrade.objects.count(),
        "skill_upgrades_duplicate": SkillUpgrade.objects.filter(issuer=DUP_ISSUER).count(),
        "trainee_upgrades": count("academy_traineeupgrade"),
        "training_orders": TrainingOrder.objects.count(),
        "order_enterprises": TrainingOrder.objects.values("enterprise").distinct().count(),
        "competitions": Competition.objects.count(),
        "contestants": Contestant.objects.count(),
        "innovations": Innovation.objects.count(),
        "innovation_status_changes": count("academy_innovationstatuschange"),
    }


def check_tallies(sample: int) -> dict[str, int]:
    """Recount a sample of classes through the services' own rule; every one must match."""
    ids = list(TrainingClass.objects.order_by("?").values_list("pk", flat=True)[:sample])
    bad = 0
    for pk in ids:
        tally = ClassTally.objects.get(pk=pk)
        counts = classes.tally_counts(pk)
        if any(getattr(tally, k) != v for k, v in counts.items()):
            bad += 1
    return {"checked": len(ids), "mismatched": bad}


def plain_trainings(q: StatsQuery) -> dict[int, dict[str, int]]:
    """The training figures counted from enrolments and attendance, without the rollup."""
    held = (
        TrainingClass.objects.visible_to(q.user, "view")
        .filter(subtree_q(q.unit.path, field="org"))
        .filter(start_date__gte=q.start, start_date__lte=q.end)
        .exclude(status="cancelled")
        .values("pk")
    )
    size = "trainee__enterprise__size_class"
    rows = (
        classes.trained_enrolments(held)
        .values("org_id")
        .annotate(
            trained=Count("pk"),
            sme=Count("pk", filter=Q(**{f"{size}__in": classes.SME_SIZE_CLASSES})),
            no_enterprise=Count("pk", filter=Q(trainee__enterprise__isnull=True)),
        )
        .order_by()
    )
    return {r["org_id"]: r for r in rows}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--counties", type=int, default=120)
    parser.add_argument("--courses-per-academy", type=int, default=11)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--trainees", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=50_000)
    parser.add_argument("--enrolments", type=int, default=2_000_000)
    parser.add_argument(
        "--extras", action="store_true", help="add the rows of the later indicators"
    )
    parser.add_argument(
        "--upgrade-every", type=int, default=12, help="one upgrade per N enrolments"
    )
    parser.add_argument("--orders", type=int, default=30_000)
    parser.add_argument("--partners", type=int, default=8_000, help="enterprises placing orders")
    parser.add_argument("--competitions", type=int, default=600)
    parser.add_argument("--contestants-per-competition", type=int, default=50)
    parser.add_argument("--innovations", type=int, default=3_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--plain", action="store_true", help="also time the count without rollup")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "academy_stats.json"))
    args = parser.parse_args()

    result: dict[str, Any] = {
        "database": connection.vendor,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    if args.build:
        started = time.perf_counter()
        result["built"] = build(args)
        result["build_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.extras:
        started = time.perf_counter()
        result["extras"] = extras(args)
        result["extras_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result["extras"], ensure_ascii=False), flush=True)
    result["tally_check"] = check_tallies(30)
    print("tally check:", result["tally_check"], flush=True)

    me = User.objects.get(username="bench_province")
    province = me.org
    city = Organization.objects.filter(parent=province).order_by("pk").first()
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    q_province = StatsQuery(user=me, unit=province, start=start, end=end)
    q_city = StatsQuery(user=me, unit=city, start=start, end=end)
    report = statistics_report(user=me, query=q_province)
    result["figures_2026"] = {
        k: report.total.get(k, 0)
        for k in (
            "academies.total",
            "trainings.classes",
            "trainings.trained",
            "trainings.sme",
            "trainings.no_enterprise",
            "lecturers.total",
            "pool.members",
            "courses.total",
            "upgrades.total",
            "upgrades.source:training",
            "orders.partners",
            "orders.orders",
            "orders.delivered",
            "competitions.held",
            "competitions.entrants",
            "competitions.awarded",
            "innovations.started",
            "innovations.completed",
            "innovations.patents",
            "innovations.adopted",
        )
    }
    result["rows_province"] = len(report.rows)
    print("figures:", result["figures_2026"], flush=True)
    result["selector_province_year"] = timed(
        lambda: statistics_report(user=me, query=q_province), args.runs
    )
    print("selector, province:", result["selector_province_year"], flush=True)
    result["selector_city_year"] = timed(
        lambda: statistics_report(user=me, query=q_city), args.runs
    )
    print("selector, city drill-down:", result["selector_city_year"], flush=True)
    client = Client()
    client.force_login(me)

    def page() -> None:
        response = client.get("/academy/statistics/", {"year": YEAR})
        assert response.status_code == 200, response.status_code

    result["page_province_year"] = timed(page, args.runs)
    print("page, province:", result["page_province_year"], flush=True)
    if args.plain:
        result["plain_trainings_province_year"] = timed(
            lambda: plain_trainings(q_province), max(3, args.runs // 4), warm=1
        )
        print("without the rollup:", result["plain_trainings_province_year"], flush=True)
    result["load_average_after"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
