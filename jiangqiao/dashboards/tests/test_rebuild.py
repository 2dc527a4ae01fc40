"""``rollups.rebuild()`` run while writes go on ends equal to a recount (issue 16, faults).

The rebuild scans the raw rows once, then stores each unit's months under their locks. Here a
session is logged through the services right after the scan — on a day the scan counted and on
a day it had nothing of — so the scan is stale for those cells when they are stored;
the rollups must still count the new sessions, equal ``casework.kpi``'s recount, and a quiet
rebuild afterwards must change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import time_machine
from django.core.cache import cache

from jiangqiao.casework import kpi
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.tests.test_flow import TZ, CaseWorld
from jiangqiao.dashboards import rollups, selectors
from jiangqiao.dashboards.models import DailyFigure, MonthlyFigure, RollupLock
from jiangqiao.matching import services as matching_services


def stored() -> set[tuple[Any, ...]]:
    return set(
        DailyFigure.objects.values_list("org_id", "day", "indicator", "dimension", "key", "value")
    ) | {
        ("m", *row)
        for row in MonthlyFigure.objects.values_list(
            "org_id", "month", "indicator", "dimension", "key", "value"
        )
    }


class RebuildDuringWritesTests(CaseWorld):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def serving(self) -> Any:
        """A submitted demand of the enterprise with a confirmed match (craftsman A)."""
        demand = self.new_demand()
        self.triage(demand)
        (suggestion,) = self.propose(demand, self.cnc_a)
        return matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)

    def log(self, match: Any, day: dt.date, experts: int) -> None:
        session_services.session_create(
            actor=self.staff,
            match=match,
            data={"date": day, "mode": "onsite", "experts": experts, "trainees": 4},
        )

    def person_times(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        unit = self.world.county_a1
        got = selectors.totals(user=self.world.superuser, unit=unit, start=start, end=end)
        want = kpi.figures(user=self.world.superuser, org=unit, start=start, end=end)
        return got.get("person_times", 0), want["person_times"]

    def test_sessions_logged_after_the_scan_are_counted(self) -> None:
        with time_machine.travel(dt.datetime(2026, 2, 20, 10, tzinfo=TZ), tick=False) as clock:
            match = self.serving()
            clock.move_to(dt.datetime(2026, 3, 20, 10, tzinfo=TZ))
            today = dt.datetime.now(TZ).date()
            self.log(match, today - dt.timedelta(days=1), experts=2)
            before = stored()
            self.assertTrue(before)

            scan = rollups.cell_figures
            writes = []

            def scan_then_write(cells: Any) -> Any:
                figures = scan(cells)
                if cells is None and not writes:  # the rebuild's scan: a writer comes by
                    writes.append(1)
                    self.log(match, today, experts=3)  # a month the scan saw
                    self.log(match, dt.date(2026, 2, 27), experts=1)  # a day it had nothing of
                return figures

            with mock.patch.object(rollups, "cell_figures", scan_then_write):
                result = rollups.rebuild()
            self.assertEqual(writes, [1])
            self.assertGreater(result["unit_months"], 0)
            self.assertTrue(
                RollupLock.objects.filter(month=dt.date(2026, 2, 1)).exists(),
                "the writer's own refresh of February stays",
            )
            # 2 + 3 in March, 1 in February: the rollups count the writes the scan missed.
            self.assertEqual(self.person_times(dt.date(2026, 3, 1), today), (5, 5))
            self.assertEqual(self.person_times(dt.date(2026, 2, 1), dt.date(2026, 2, 28)), (1, 1))
            self.assertEqual(self.person_times(dt.date(2026, 1, 1), today), (6, 6))
            after = stored()
            self.assertNotEqual(after, before)
            rollups.rebuild()
            self.assertEqual(stored(), after, "a quiet rebuild changes nothing")

    def test_a_unit_with_rows_but_no_figures_left_is_emptied(self) -> None:
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=TZ), tick=False) as clock:
            match = self.serving()
            clock.move_to(dt.datetime(2026, 3, 20, 10, tzinfo=TZ))
            self.log(match, dt.date(2026, 3, 19), experts=2)
            # A stale row of another month (as a bulk load that bypassed the services leaves).
            DailyFigure.objects.create(
                org=self.world.county_a2,
                day=dt.date(2026, 1, 5),
                indicator="person_times",
                value=7,
            )
            MonthlyFigure.objects.create(
                org=self.world.county_a2,
                month=dt.date(2026, 1, 1),
                indicator="person_times",
                value=7,
            )
            result = rollups.rebuild()
            self.assertFalse(DailyFigure.objects.filter(org=self.world.county_a2).exists())
            self.assertFalse(MonthlyFigure.objects.filter(org=self.world.county_a2).exists())
            self.assertEqual(result["unit_months"], 2)
            self.assertEqual(self.person_times(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), (2, 2))
