"""Shared pieces of the PostgreSQL benches that bulk-load a province (academy_stats, dashboards).

Import it after ``django.setup()``. What is here:

* :func:`org` / :func:`user` — one union unit with its materialised path, one staff account;
* :func:`academy_network` — the academies of a province (an HQ at the province, an HQ and a branch
  per city, an HQ, a training base and an enterprise academy per county; half of them in one
  alliance per city) with their courses and lecturers;
* :func:`sql` — run one statement and return its seconds; :func:`count`, :func:`min_id`;
* :func:`bulk_table` — load a big table without per-row index upkeep or foreign-key triggers
  (its secondary indexes and unique constraints are dropped and built again at the end);
* :func:`timed` — median and p95 of repeated runs, with the query count and the slowest query.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiangqiao.academy.models import Academy, Alliance, Course, Lecturer
from jiangqiao.accounts.models import Role, User
from jiangqiao.orgs.models import Organization

COURSE_FIELDS = [
    "ai",
    "biomedicine",
    "aerospace",
    "craftsman_spirit",
    "intelligent_manufacturing",
    "integrated_circuits",
    "new_energy_vehicles",
    "precision_machining",
    "electrical_automation",
    "digital_skills",
    "quality_safety",
    "green_low_carbon",
    "management",
    "innovation_methods",
    "occupational_health",
    "modern_services",
]


def org(parent: Organization | None, level: str, name: str, region: str) -> Organization:
    row = Organization.objects.create(
        parent=parent,
        level=level,
        name=name,
        region_code=region,
        depth=(parent.depth + 1) if parent else 0,
        path="/",
    )
    row.path = f"{parent.path if parent else '/'}{row.pk}/"
    Organization.objects.filter(pk=row.pk).update(path=row.path)
    return row


def user(username: str, unit: Organization, role: Role) -> User:
    u = User.objects.create(
        username=username,
        real_name=username,
        org=unit,
        is_active=True,
        must_change_password=False,
        password_changed_at=timezone.now(),
    )
    u.roles.add(role)
    return u


def academy_network(
    *,
    province: Organization,
    cities: list[Organization],
    counties: list[Organization],
    owner: User,
    courses_per_academy: int,
) -> tuple[list[Academy], list[Course], list[Lecturer]]:
    """The province's academy nodes with ``courses_per_academy`` courses each (the last one a
    draft, the others published) and five lecturers each (the first shared)."""
    alliances = {
        c.pk: Alliance.objects.create(org=c, name=f"{c.name}学院联盟", created_by=owner)
        for c in cities
    }
    nodes: list[Academy] = [
        Academy(org=province, name="省工匠学院", level="province", academy_type="hq")
    ]
    for c in cities:
        hq = Academy(org=c, name=f"{c.name}工匠学院", level="city", academy_type="hq")
        nodes += [hq, Academy(org=c, name=f"{c.name}分院", level="city", academy_type="branch")]
    for k in counties:
        nodes += [
            Academy(org=k, name=f"{k.name}工匠学院", level="county", academy_type="hq"),
            Academy(org=k, name=f"{k.name}实训基地", level="county", academy_type="training_base"),
            Academy(org=k, name=f"{k.name}企业学院", level="enterprise", academy_type="hq"),
        ]
    city_of = {k.pk: k.parent_id for k in counties} | {c.pk: c.pk for c in cities}
    for i, node in enumerate(nodes):
        node.created_by = owner
        node.host_uscc = ""
        if i % 2 == 0 and node.org_id in city_of:
            node.alliance = alliances[city_of[node.org_id]]
    Academy.objects.bulk_create(nodes, batch_size=1000)
    courses, lecturers = [], []
    for node in nodes:
        for j in range(courses_per_academy):
            courses.append(
                Course(
                    org_id=node.org_id,
                    academy=node,
                    code=f"KC{node.pk}-{j}",
                    title=f"{node.name}课程{j}",
                    field=COURSE_FIELDS[(node.pk + j) % len(COURSE_FIELDS)],
                    level="intermediate",
                    hours=16,
                    format="practical",
                    capacity=40,
                    status="published" if j < courses_per_academy - 1 else "draft",
                    edition=1,
                    published_at=timezone.now(),
                    created_by=owner,
                )
            )
        for j in range(5):
            lecturers.append(
                Lecturer(
                    org_id=node.org_id,
                    academy=node,
                    kind="external",
                    name=f"{node.name}专家{j}",
                    shared=j == 0,
                    created_by=owner,
                )
            )
    Course.objects.bulk_create(courses, batch_size=5000)
    Lecturer.objects.bulk_create(lecturers, batch_size=5000)
    return nodes, courses, lecturers


def published_courses(nodes: list[Academy], courses: list[Course], per: int) -> list[int]:
    """The first ``per`` published courses of each node, node after node (for ``g % n`` picks)."""
    published: dict[int, list[int]] = {}
    for c in courses:
        if c.status == "published":
            published.setdefault(c.academy_id, []).append(c.pk)
    return [pid for n in nodes for pid in published[n.pk][:per]]


def sql(statement: str, params: list[Any] | None = None) -> float:
    """Run one statement; its duration in seconds (one decimal)."""
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(statement, params or [])
    return round(time.perf_counter() - started, 1)


def count(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (a constant table name)
        return int(cur.fetchone()[0])


def min_id(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT min(id) FROM {table}")  # noqa: S608 (a constant table name)
        return int(cur.fetchone()[0])


@contextmanager
def bulk_table(*tables: str) -> Iterator[dict[str, float]]:
    """Load ``tables`` fast (PostgreSQL): their secondary indexes and unique constraints are
    dropped before and built again after, and foreign-key triggers do not fire meanwhile
    (``session_replication_role = replica``; the loader makes the rows consistent by
    construction). Yields a dict that gets ``indexes_s``, the time spent rebuilding them. Use
    it inside a transaction."""
    saved: list[str] = []
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(
                """
                SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                WHERE c.conrelid = %s::regclass AND c.contype = 'u'
                """,
                [table],
            )
            for name, definition in cur.fetchall():
                saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cur.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                """,
                [table],
            )
            for name, definition in cur.fetchall():
                saved.append(definition)
                cur.execute(f"DROP INDEX {name}")
        cur.execute("SET session_replication_role = replica")
    out: dict[str, float] = {}
    # Not in a ``finally``: a load that fails leaves its transaction to be rolled back, and the
    # rollback puts the dropped indexes back (PostgreSQL's DDL is transactional).
    yield out
    with connection.cursor() as cur:
        cur.execute("RESET session_replication_role")
        cur.execute("SET maintenance_work_mem = '512MB'")
        started = time.perf_counter()
        for statement in saved:
            cur.execute(statement)
        out["indexes_s"] = round(time.perf_counter() - started, 1)
        cur.execute("RESET maintenance_work_mem")


def timed(fn: Callable[[], Any], runs: int, warm: int = 2) -> dict[str, Any]:
    """Median and p95 of ``runs`` calls after ``warm`` unmeasured ones."""
    return summarise([one_run(fn) for _ in range(runs + warm)][warm:])


def one_run(fn: Callable[[], Any]) -> tuple[float, int, float]:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        fn()
        elapsed = (time.perf_counter() - started) * 1000
    slowest = max((float(q["time"]) for q in captured), default=0.0) * 1000
    return elapsed, len(captured), slowest


def summarise(samples: list[tuple[float, int, float]]) -> dict[str, Any]:
    """``samples``: (ms, queries, slowest query ms) per run."""
    timings = [s[0] for s in samples]
    ordered = sorted(timings)
    return {
        "runs": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(ordered[max(0, round(0.95 * (len(ordered) - 1)))], 1),
        "queries": samples[-1][1],
        "slowest_query_ms": round(max(s[2] for s in samples), 1),
    }
