"""The figure rollups equal a recount from the raw rows (issue 16 point 5).

A random mix of writes through the services — demands submitted, withdrawn, transferred to
another unit, solved and confirmed; sessions logged and re-dated; skill upgrades added and
deleted; enterprises re-classified — and after every step the rollups of every unit and several
periods equal ``casework.kpi.figures`` (the independent recount of docs/kpi.md), the breakdowns
add up to the totals, and ``rollups.rebuild()`` produces exactly the rows kept on write.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from jiangqiao.casework import kpi, services
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import Offer
from jiangqiao.casework.tests.test_flow import TZ, CaseWorld
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.dashboards import rollups, selectors
from jiangqiao.dashboards.choices import Dimension
from jiangqiao.dashboards.models import DailyFigure, MonthlyFigure, ServedEnterprise
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.matching import services as matching_services
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.matching.tests.helpers import enterprise

KPI_CODES = (
    "person_times",
    "enterprises_served",
    "problems_solved",
    "workers_trained",
    "skill_upgrades",
    "demands_collected",
)


def stored() -> set[tuple[Any, ...]]:
    return set(
        DailyFigure.objects.values_list("org_id", "day", "indicator", "dimension", "key", "value")
    ) | {
        ("m", *row)
        for row in MonthlyFigure.objects.values_list(
            "org_id", "month", "indicator", "dimension", "key", "value"
        )
    }


class Arrange(CaseWorld):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.rng = random.Random(16)
        self.second_ent = enterprise(self.world.county_a1)

    # ---------------------------------------------------------------------------- arrangement

    def demand(self, ent: Enterprise | None = None) -> Demand:
        ent = ent or self.rng.choice([self.ent, self.ent, self.second_ent])
        kind = self.rng.choice(["tech_problem", "skill_training"])
        return demand_services.demand_create(
            actor=self.staff,
            enterprise=ent,
            channel="online",
            submit=True,
            data={
                "kind": kind,
                "trainee_count": 20 if kind == "skill_training" else None,
                "title": "数控机床主轴异响",
                "description": "加工中心主轴高速运转时异响，需要数控机床维修专家现场诊断",
            },
        )

    def serving(self, demand: Demand) -> MatchSuggestion:
        """A confirmed match of the demand (craftsman A), to log sessions against."""
        existing = MatchSuggestion.objects.filter(demand=demand, status="confirmed").first()
        if existing is not None:
            return existing
        if demand.status == "submitted":
            self.triage(demand)
        (suggestion,) = self.propose(demand, self.cnc_a)
        return matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)

    def recount_equals_rollups(self, label: str) -> None:
        today = dt.datetime.now(TZ).date()
        periods = [
            (dt.date(today.year, 1, 1), today),
            (today.replace(day=1), today),
            (today - dt.timedelta(days=45), today - dt.timedelta(days=3)),
            (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        ]
        for org in self.world.orgs():
            for start, end in periods:
                want = kpi.figures(user=self.world.superuser, org=org, start=start, end=end)
                got = selectors.totals(user=self.world.superuser, unit=org, start=start, end=end)
                for code in KPI_CODES:
                    self.assertEqual(
                        got.get(code, 0),
                        want[code],
                        f"{label}: {code} of {org.name} in {start}–{end}",
                    )
                for dim in (Dimension.INDUSTRY, Dimension.SIZE, Dimension.KIND):
                    parts = selectors.breakdown(
                        user=self.world.superuser, unit=org, start=start, end=end, dimension=dim
                    )
                    for code, keys in parts.items():
                        self.assertEqual(sum(keys.values()), got.get(code, 0), f"{label}: {dim}")


class RollupRecountTests(Arrange):
    def test_rollups_equal_a_recount_after_random_writes(self) -> None:
        start = dt.datetime(2026, 3, 2, 10, tzinfo=TZ)
        demands: list[Demand] = []
        sessions: list[Any] = []
        done = 0
        with time_machine.travel(start, tick=False) as clock:
            for step in range(36):
                clock.shift(dt.timedelta(days=self.rng.choice([1, 2, 5])))
                today = dt.datetime.now(TZ).date()
                op = self.rng.random()
                try:
                    if op < 0.18 or not demands:
                        demands.append(self.demand())
                    elif op < 0.40:
                        demand = self.rng.choice(demands)
                        match = self.serving(demand)
                        sessions.append(
                            session_services.session_create(
                                actor=self.staff,
                                match=match,
                                data={
                                    "date": today - dt.timedelta(days=self.rng.choice([0, 1, 40])),
                                    "mode": "onsite",
                                    "trainees": self.rng.choice([0, 3, 12]),
                                    "experts": self.rng.choice([1, 2]),
                                },
                            )
                        )
                    elif op < 0.48 and sessions:
                        record = self.rng.choice(sessions)
                        session_services.session_update(
                            actor=self.staff,
                            record=record,
                            data={"date": today - dt.timedelta(days=self.rng.choice([2, 9]))},
                        )
                        record.refresh_from_db()
                    elif op < 0.56 and sessions:
                        session_services.skill_upgrade_add(
                            actor=self.staff,
                            record=self.rng.choice(sessions),
                            data={
                                "worker_code": self.rng.choice(["A1", "A2", "B7"]),
                                "occupation": "6-18-01-01",
                                "level_after": self.rng.choice(
                                    ["intermediate_worker", "senior_worker"]
                                ),
                            },
                        )
                    elif op < 0.60:
                        from jiangqiao.casework.models import SkillUpgrade

                        victims = list(SkillUpgrade.objects.all())
                        if victims:
                            session_services.skill_upgrade_delete(
                                actor=self.staff, upgrade=self.rng.choice(victims)
                            )
                    elif op < 0.78:
                        mine = [d for d in demands if d.enterprise_id == self.ent.pk]
                        if not mine:
                            continue
                        demand = Demand.objects.get(pk=self.rng.choice(mine).pk)
                        self.serving(demand)
                        offer = Offer.objects.filter(demand=demand, craftsman=self.cnc_a).first()
                        if offer is not None and offer.status == "pending":
                            services.offer_accept(actor=self.user_a, offer=offer)
                        services.outcome_record(
                            actor=self.staff, demand=demand, result="solved", summary="修复"
                        )
                        services.outcome_confirm(
                            actor=self.boss, demand=demand, answer="solved", rating=5
                        )
                    elif op < 0.85:
                        demand = Demand.objects.get(pk=self.rng.choice(demands).pk)
                        target = self.rng.choice([self.world.county_a2, self.world.county_a1])
                        services.demand_transfer(
                            actor=self.staff, demand=demand, org=target, comment="属地办理"
                        )
                    elif op < 0.89:
                        mine = [d for d in demands if d.enterprise_id == self.ent.pk]
                        if not mine:
                            continue
                        demand = Demand.objects.get(pk=self.rng.choice(mine).pk)
                        services.demand_withdraw(actor=self.boss, demand=demand, comment="")
                    else:
                        ent = self.rng.choice([self.ent, self.second_ent])
                        ent.refresh_from_db()
                        demand_services.enterprise_update(
                            actor=self.staff,
                            enterprise=ent,
                            data={"industry_code": self.rng.choice(["3411", "2611", "C"])},
                        )
                except (BusinessError, PermissionDenied):
                    continue  # a step the lifecycle refuses (or not his to take): nothing changed
                done += 1
                if done % 4 == 0:  # every few writes (the recount is slow), and at the end
                    self.recount_equals_rollups(f"step {step}")
            self.recount_equals_rollups("the end")
            self.assertGreater(done, 20)
            # The mix reached every figure: sessions, upgrades, solved demands, served enterprises.
            figures = selectors.totals(
                user=self.world.superuser,
                unit=self.world.province,
                start=dt.date(2026, 1, 1),
                end=dt.date(2026, 12, 31),
            )
            for code in KPI_CODES:
                self.assertGreater(figures.get(code, 0), 0, code)
            self.assertTrue(DailyFigure.objects.exists())
            self.assertTrue(ServedEnterprise.objects.exists())
            kept = stored()
            result = rollups.rebuild()
            self.assertEqual(stored(), kept, "rebuild = the rows kept on write")
            self.assertGreater(result["unit_months"], 0)
