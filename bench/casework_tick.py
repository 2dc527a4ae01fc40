"""The deadline tick and the aging board at province size (issue 13): 300,000 demands, 100,000 open offers.

Rows are generated in bulk (``bulk_create``, not through the services: the point is the tick's and
the board's cost at volume, not the generator's). The set, on a fresh database:

* one province, 21 cities, 5 counties per city; one 工会工作人员 per county and city, one 省总工作专班;
* 20,000 enterprises, 30,000 craftsmen (max 10 open services each);
* 300,000 demands spread over the states of the life cycle, ``status_changed_at`` 0–40 days back
  (0–15 for those waiting to be staffed: a running tick escalates them when the deadline passes);
* 100,000 open offers: 40,000 待答复 on 匹配中 demands (each demand also has two proposed
  suggestions, so an expired offer is really reassigned) and 60,000 accepted on 服务中 demands;
* ``--due`` (default 1 %) of the pending offers past their answer deadline, as many due within a
  working day (reminders), and of the accepted ones past the first-contact deadline; the unstaffed
  demands past the escalation deadline follow from their ages (a fifth to a quarter).

Then it runs ``casework.services.tick()`` twice — the backlog run, and the run that follows it
(nothing left to do: the cost of an idle tick every five minutes) — and renders the aging board
for the 省总工作专班 ``--runs`` times (median, p95), through the whole Django stack with the test
client.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/jq_boards_bench
    export DJANGO_SETTINGS_MODULE=config.settings.bench
    .venv/bin/python manage.py migrate --noinput
    .venv/bin/python bench/casework_tick.py --build --runs 20

``--build`` refuses a database that already has demands; without it the existing set is used
(re-run ``--build`` on a fresh database to repeat the backlog, since the tick consumes it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Exists, OuterRef  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from jiangqiao.accounts.models import Role, User  # noqa: E402
from jiangqiao.casework import services  # noqa: E402
from jiangqiao.casework.models import Offer  # noqa: E402
from jiangqiao.core.workdays import add_workdays  # noqa: E402
from jiangqiao.demands.models import Demand, Enterprise  # noqa: E402
from jiangqiao.matching.models import MatchSuggestion  # noqa: E402
from jiangqiao.orgs.models import Organization  # noqa: E402
from jiangqiao.talents.models import Craftsman  # noqa: E402

BATCH = 5000
STATES = [  # (status, share of the demands)
    ("submitted", 0.04),
    ("triaged", 0.06),
    ("escalated", 0.02),
    ("transferred", 0.01),
    ("matching", 0.0),  # exactly one per pending offer, set below
    ("in_service", 0.0),  # exactly one per accepted offer
    ("resolved", 0.04),
    ("partially_resolved", 0.01),
    ("unresolved", 0.01),
    ("confirmed", 0.05),
    ("closed", 0.30),
    ("withdrawn", 0.02),
    ("cancelled", 0.02),
    ("draft", 0.01),
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


def build(args: argparse.Namespace) -> dict[str, int]:
    if Demand.objects.exists():
        raise SystemExit("--build needs a fresh database (it already has demands)")
    rng = random.Random(13)
    now = timezone.now()
    staff_role = Role.objects.get(code="union_staff")
    province = org(None, "province", "广东省总工会", "440000")
    user("bench_taskforce", province, Role.objects.get(code="provincial_task_force"))
    user("bench_province", province, staff_role)
    counties: list[tuple[Organization, User]] = []
    for c in range(21):
        city = org(province, "city", f"第{c + 1}市总工会", f"44{c + 1:02d}00")
        user(f"bench_city_{c}", city, staff_role)
        for k in range(5):
            county = org(
                city, "county", f"第{c + 1}市第{k + 1}区总工会", f"44{c + 1:02d}{k + 1:02d}"
            )
            counties.append((county, user(f"bench_county_{c}_{k}", county, staff_role)))
    print(f"organisations: {Organization.objects.count()}", flush=True)

    enterprises = []
    for start in range(0, args.enterprises, BATCH):
        rows = []
        for i in range(start, min(args.enterprises, start + BATCH)):
            unit, staff = counties[i % len(counties)]
            rows.append(
                Enterprise(
                    org=unit,
                    uscc=f"91{unit.region_code}{i:010d}",
                    name=f"基准企业{i}",
                    region_code=unit.region_code,
                    created_by=staff,
                    updated_by=staff,
                )
            )
        Enterprise.objects.bulk_create(rows, batch_size=BATCH)
        enterprises.extend((e.pk, e.org_id, e.region_code) for e in rows)
    print(f"enterprises: {len(enterprises)}", flush=True)

    craftsmen_by_org: dict[int, list[int]] = {}
    for start in range(0, args.craftsmen, BATCH):
        rows = []
        for i in range(start, min(args.craftsmen, start + BATCH)):
            unit, staff = counties[i % len(counties)]
            rows.append(
                Craftsman(
                    org=unit,
                    name=f"工匠{i}",
                    name_normalized=f"工匠{i}",
                    max_open_services=10,
                    created_by=staff,
                    updated_by=staff,
                )
            )
        Craftsman.objects.bulk_create(rows, batch_size=BATCH)
        for c in rows:
            craftsmen_by_org.setdefault(c.org_id, []).append(c.pk)
    print(f"craftsmen: {args.craftsmen}", flush=True)

    staff_of = {unit.pk: staff for unit, staff in counties}
    pending_n = int(args.offers * 0.4)
    accepted_n = args.offers - pending_n
    plan: list[str] = ["matching"] * pending_n + ["in_service"] * accepted_n
    rest = args.demands - len(plan)
    weights = [share for _s, share in STATES]
    plan += rng.choices([s for s, _ in STATES], weights=weights, k=rest)
    rng.shuffle(plan)
    made = 0
    for start in range(0, len(plan), BATCH):
        with transaction.atomic():
            rows = []
            for i in range(start, min(len(plan), start + BATCH)):
                ent_id, org_id, region = enterprises[rng.randrange(len(enterprises))]
                status = plan[i]
                # A demand waiting to be staffed is escalated when its deadline passes, so in a
                # running system it is rarely much older than that: 0–15 calendar days (a fifth
                # to a quarter past the 10 working days). The other states: 0–40 days.
                waiting = status in ("submitted", "triaged", "escalated", "transferred")
                changed = now - dt.timedelta(days=rng.uniform(0, 15 if waiting else 40))
                rows.append(
                    Demand(
                        org_id=org_id,
                        enterprise_id=ent_id,
                        kind="tech_problem",
                        title=f"基准需求{i}",
                        description="设备故障诊断与工艺改进",
                        region_code=region,
                        status=status,
                        number=None if status == "draft" else f"B{i:08d}",
                        submitted_at=None if status == "draft" else changed,
                        status_changed_at=changed,
                        created_by=staff_of[org_id],
                        updated_by=staff_of[org_id],
                    )
                )
            Demand.objects.bulk_create(rows, batch_size=BATCH)
            offers, suggestions = [], []
            for d in rows:
                if d.status not in ("matching", "in_service"):
                    continue
                pool = craftsmen_by_org[d.org_id]
                picks = rng.sample(pool, 3)
                staff = staff_of[d.org_id]
                if d.status == "matching":
                    r = rng.random()
                    if r < args.due:  # past the answer deadline
                        offered = now - dt.timedelta(days=rng.uniform(9, 14))
                    else:
                        offered = now - dt.timedelta(days=rng.uniform(0, 3))
                    deadline = add_workdays(offered, 5)
                    if args.due <= r < 2 * args.due:  # due within a working day: a reminder
                        deadline = now + dt.timedelta(hours=rng.uniform(1, 20))
                    offers.append(
                        Offer(
                            demand=d,
                            craftsman_id=picks[0],
                            source="suggestion",
                            status="pending",
                            offered_at=offered,
                            accept_deadline=deadline,
                            created_by=staff,
                            updated_by=staff,
                        )
                    )
                    for rank, pick in enumerate(picks[1:], start=2):
                        suggestions.append(
                            MatchSuggestion(
                                demand=d,
                                craftsman_id=pick,
                                source="platform",
                                status="proposed",
                                rank=rank,
                                score=1.0 / rank,
                                created_by=staff,
                                updated_by=staff,
                            )
                        )
                else:
                    accepted = now - dt.timedelta(days=rng.uniform(0, 30))
                    contact_deadline = add_workdays(accepted, 2)
                    contacted = rng.random() >= args.due
                    if not contacted:
                        accepted = now - dt.timedelta(days=rng.uniform(5, 10))
                        contact_deadline = add_workdays(accepted, 2)
                    offers.append(
                        Offer(
                            demand=d,
                            craftsman_id=picks[0],
                            source="suggestion",
                            status="accepted",
                            offered_at=accepted - dt.timedelta(days=1),
                            accept_deadline=add_workdays(accepted - dt.timedelta(days=1), 5),
                            responded_at=accepted,
                            contact_deadline=contact_deadline,
                            first_contact_at=accepted + dt.timedelta(hours=3)
                            if contacted
                            else None,
                            created_by=staff,
                            updated_by=staff,
                        )
                    )
            Offer.objects.bulk_create(offers, batch_size=BATCH)
            MatchSuggestion.objects.bulk_create(suggestions, batch_size=BATCH)
        made += len(rows)
        if made % 50000 == 0:
            print(f"demands: {made}", flush=True)
    # The flag the casework services keep with every offer write (bulk_create bypasses them).
    Demand.objects.filter(
        Exists(Offer.objects.filter(demand=OuterRef("pk"), status__in=["pending", "accepted"]))
    ).update(has_open_offer=True)
    with connection.cursor() as cur:
        # What autovacuum does on a running system: statistics and the visibility map.
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "demands": Demand.objects.count(),
        "open_offers": Offer.objects.filter(status__in=["pending", "accepted"]).count(),
        "suggestions": MatchSuggestion.objects.count(),
    }


def board_latency(runs: int, username: str) -> dict[str, float | int]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    timings = []
    for i in range(runs + 3):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/casework/aging/")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if i >= 3:  # warm-up: sessions, calendar, template caches
            timings.append(elapsed)
    ordered = sorted(timings)
    return {
        "runs": runs,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(ordered[max(0, round(0.95 * (len(ordered) - 1)))], 1),
        "queries": len(queries),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--demands", type=int, default=300_000)
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--craftsmen", type=int, default=30_000)
    parser.add_argument("--due", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-tick", action="store_true", help="measure the board only")
    parser.add_argument("--user", default="bench_taskforce")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "casework_tick.json"))
    args = parser.parse_args()

    result: dict[str, object] = {"database": connection.vendor, "cpus": os.cpu_count()}
    if args.build:
        started = time.perf_counter()
        result["built"] = build(args)
        result["build_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    result["board_before_tick"] = board_latency(args.runs, args.user)
    print("board:", result["board_before_tick"], flush=True)
    if not args.no_tick:
        for name in ("tick_backlog", "tick_idle"):
            started = time.perf_counter()
            counts = services.tick()
            result[name] = {"seconds": round(time.perf_counter() - started, 2), "counts": counts}
            print(name, result[name], flush=True)
        result["board_after_tick"] = board_latency(args.runs, args.user)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
