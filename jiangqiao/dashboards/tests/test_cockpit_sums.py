"""The cockpit sums the rollups per unit below in SQL (``selectors.child_key``): each child's
figure is its whole subtree's, the unit's own rows count in its total only, whole months and
loose days add up, and the data scope still applies."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.dashboards import selectors
from jiangqiao.dashboards.models import DailyFigure, MonthlyFigure
from jiangqiao.orgs.models import Organization

YEAR = 2026


class CockpitSumsTests(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        w = self.world
        self.grassroots = Organization.objects.get(parent=w.county_a1, level="grassroots")
        month = dt.date(YEAR, 3, 1)
        for org, value in (
            (w.province, 1),
            (w.city_a, 10),
            (w.county_a1, 100),
            (self.grassroots, 1000),
            (w.county_a2, 10000),
            (w.city_b, 100000),
            (w.county_b1, 1000000),
        ):
            MonthlyFigure.objects.create(
                org=org, month=month, indicator="person_times", value=value
            )
            # A breakdown row: never in the totals.
            MonthlyFigure.objects.create(
                org=org,
                month=month,
                indicator="person_times",
                dimension="industry",
                key="C",
                value=value,
            )
        # Last year's shape, and a day row of a month read day by day.
        MonthlyFigure.objects.create(
            org=self.grassroots, month=dt.date(YEAR - 1, 3, 1), indicator="person_times", value=7
        )
        DailyFigure.objects.create(
            org=self.grassroots, day=dt.date(YEAR, 4, 3), indicator="person_times", value=5
        )

    def standing(self, cockpit: selectors.Cockpit, unit: Organization) -> int:
        (row,) = [r for r in cockpit.children if r.unit.pk == unit.pk]
        return row.standings["person_times"].actual

    def test_children_carry_their_subtrees_and_the_unit_its_own_rows_in_the_total(self) -> None:
        w = self.world
        cockpit = selectors.cockpit(
            user=w.superuser, unit=w.province, year=YEAR, today=dt.date(YEAR, 12, 5)
        )
        self.assertEqual(self.standing(cockpit, w.city_a), 10 + 100 + 1000 + 10000)
        self.assertEqual(self.standing(cockpit, w.city_b), 100000 + 1000000)
        actual = {s.indicator.code: s.actual for s in cockpit.standings}
        self.assertEqual(actual["person_times"], 1111111)
        self.assertEqual(cockpit.other, {})
        self.assertEqual(cockpit.trend["person_times"][2], 1111111)
        self.assertEqual(cockpit.last_year["person_times"][2], 7)
        # A period that ends mid-April reads April's days: the grassroots day row counts.
        cache.clear()
        part = selectors.cockpit(
            user=w.superuser,
            unit=w.province,
            year=YEAR,
            start=dt.date(YEAR, 3, 1),
            end=dt.date(YEAR, 4, 15),
            today=dt.date(YEAR, 12, 5),
        )
        self.assertEqual(self.standing(part, w.city_a), 11110 + 5)
        self.assertEqual(self.standing(part, w.city_b), 1100000)

    def test_a_city_sees_its_counties_and_not_the_other_city(self) -> None:
        w = self.world
        cockpit = selectors.cockpit(
            user=w.city_admin_a, unit=w.city_a, year=YEAR, today=dt.date(YEAR, 12, 5)
        )
        self.assertEqual({r.unit.pk for r in cockpit.children}, {w.county_a1.pk, w.county_a2.pk})
        self.assertEqual(self.standing(cockpit, w.county_a1), 1100)
        self.assertEqual(self.standing(cockpit, w.county_a2), 10000)
        actual = {s.indicator.code: s.actual for s in cockpit.standings}
        self.assertEqual(actual["person_times"], 11110)
