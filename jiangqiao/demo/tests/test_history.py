"""The demo's history: the six pilot cities have figures in every month of the year to date (and
of last year), cities differ in pace, months follow the seasons, the rollups equal a recount,
and every demand of the history went through the life cycle in order."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, ClassVar

from django.db.models import Min, Sum
from django.test import TestCase

from jiangqiao.casework import kpi
from jiangqiao.casework.models import Offer, Outcome
from jiangqiao.casework.session_models import ServiceRecord
from jiangqiao.core.scope import subtree_q
from jiangqiao.dashboards.models import MonthlyFigure
from jiangqiao.demands.models import Demand, DemandCounter
from jiangqiao.demo import build, history
from jiangqiao.talents.tests.helpers import make_craftsman

TODAY = dt.date(2026, 12, 5)
CITY = {"深圳": "440300", "广州": "440100", "东莞": "441900", "湛江": "440800", "韶关": "440200"}
CITY["汕尾"] = "441500"
MONTHS_2026 = [dt.date(2026, m, 1) for m in range(1, 13)]
MONTHS_2025 = [dt.date(2025, m, 1) for m in range(1, 13)]


class HistoryTests(TestCase):
    ctx: ClassVar[Any]
    made: ClassVar[history.Made]
    figures: ClassVar[dict[str, dict[str, dict[dt.date, int]]]]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.ctx = build.make_context(2026, lambda line: None)
        actor = build.system_actor()
        for code, county in cls.ctx.tree.counties.items():
            if code[:4] + "00" in history.SHARE and county.level in ("county", "city"):
                make_craftsman(county, actor, name=f"工匠{code}")
        cls.made = history.build(cls.ctx, actor, today=TODAY)
        cls.figures = {}
        for name, code in CITY.items():
            city = cls.ctx.tree.cities[code]
            rows = (
                MonthlyFigure.objects.filter(subtree_q(city.path, field="org"), dimension="")
                .values("indicator", "month")
                .annotate(v=Sum("value"))
            )
            by: dict[str, dict[dt.date, int]] = defaultdict(dict)
            for row in rows:
                by[row["indicator"]][row["month"]] = row["v"]
            cls.figures[name] = by

    def ytd(self, city: str, indicator: str) -> int:
        return sum(self.figures[city][indicator].get(m, 0) for m in MONTHS_2026)

    def completion(self, city: str, indicator: str) -> float:
        split = history.DEMO_TARGETS[indicator] * history.SHARE[CITY[city]]
        return self.ytd(city, indicator) / split

    def test_every_city_has_figures_in_every_month_of_this_year_and_last(self) -> None:
        for city in CITY:
            for indicator in ("person_times", "skill_upgrades", "demands_collected"):
                with self.subTest(city=city, indicator=indicator):
                    months = self.figures[city][indicator]
                    self.assertTrue(all(months.get(m, 0) > 0 for m in MONTHS_2026), months)
            with self.subTest(city=city, year=2025):
                last_year = self.figures[city]["person_times"]
                self.assertTrue(all(last_year.get(m, 0) > 0 for m in MONTHS_2025))
            # Nothing after today.
            self.assertFalse(
                ServiceRecord.objects.filter(date__gt=TODAY).exists()
                or MonthlyFigure.objects.filter(month__gt=MONTHS_2026[-1]).exists()
            )

    def test_cities_differ_in_pace_against_their_split_of_the_target(self) -> None:
        pace = {city: self.completion(city, "person_times") for city in CITY}
        linear = (TODAY - dt.date(2026, 1, 1)).days / 365
        for city in ("深圳", "广州"):
            self.assertGreater(pace[city], linear, pace)  # ahead
        for city in ("韶关", "汕尾"):
            self.assertLess(pace[city], linear - 0.05, pace)  # behind
        for indicator in history.DEMO_TARGETS:
            for city in CITY:
                with self.subTest(indicator=indicator, city=city):
                    self.assertTrue(0.6 <= self.completion(city, indicator) <= 1.1)
            with self.subTest(indicator=indicator, ranking=True):
                self.assertGreater(
                    self.completion("深圳", indicator), self.completion("汕尾", indicator)
                )

    def test_months_follow_the_seasons_and_last_year_is_smaller(self) -> None:
        province: dict[dt.date, int] = defaultdict(int)
        for city in CITY:
            for month, value in self.figures[city]["person_times"].items():
                province[month] += value
        jan, feb, mar = (province[dt.date(2026, m, 1)] for m in (1, 2, 3))
        self.assertLess(feb, 0.7 * (jan + mar) / 2)  # 春节 (17 February 2026)
        jul, aug, sep = (province[dt.date(2026, m, 1)] for m in (7, 8, 9))
        self.assertLess(aug, min(jul, sep))  # the summer heat
        self.assertLess(province[dt.date(2025, 1, 1)], province[dt.date(2025, 3, 1)])  # 春节 2025
        self.assertLess(
            sum(province[m] for m in MONTHS_2025), sum(province[m] for m in MONTHS_2026)
        )

    def test_the_rollups_equal_a_recount_from_the_rows(self) -> None:
        superuser = build.system_actor()
        for name in ("深圳", "汕尾"):
            city = self.ctx.tree.cities[CITY[name]]
            recount = kpi.figures(user=superuser, org=city, start=dt.date(2026, 1, 1), end=TODAY)
            for indicator in history.DEMO_TARGETS:
                with self.subTest(city=name, indicator=indicator):
                    self.assertEqual(self.ytd(name, indicator), recount[indicator])

    def test_each_demand_went_through_the_life_cycle_in_order(self) -> None:
        demands = Demand.objects.annotate(first_session=Min("service_records__date"))
        self.assertEqual(demands.count(), self.made.demands)
        for d in demands:
            events = list(d.events.order_by("at", "pk").values_list("to_status", "at"))
            self.assertEqual(events[-1][0], d.status, d.number)
            self.assertEqual([at for _, at in events], sorted(at for _, at in events))
            outcome = Outcome.objects.filter(demand=d).first()
            if d.first_session is None:  # the pipeline: not served yet
                self.assertIn(d.status, ("submitted", "triaged", "matching", "in_service"))
                self.assertIsNone(outcome)
                continue
            self.assertLessEqual(d.submitted_at.date(), d.first_session)
            if d.solved_confirmed_at is not None:
                assert outcome is not None
                self.assertTrue(outcome.verified_solved)
                self.assertLessEqual(d.first_session, d.solved_confirmed_at.date())
            if d.status == "in_service":
                self.assertIsNone(outcome)
                self.assertTrue(Offer.objects.filter(demand=d, status="accepted").exists())
        # The pipeline's offers wait within their deadlines: nothing for the deadline tick.
        now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
        open_offers = Offer.objects.filter(status__in=["pending", "accepted"])
        self.assertTrue(open_offers.exists())
        self.assertFalse(open_offers.filter(status="pending", accept_deadline__lt=now).exists())
        self.assertFalse(
            open_offers.filter(
                status="accepted", first_contact_at__isnull=True, contact_deadline__lt=now
            ).exists()
        )
        self.assertEqual(
            set(Demand.objects.filter(has_open_offer=True).values_list("pk", flat=True)),
            set(open_offers.values_list("demand_id", flat=True)),
        )
        for year in (2025, 2026):
            numbers = Demand.objects.filter(number__contains=f"-{year}-").values_list(
                "number", flat=True
            )
            last = max(int(n.rsplit("-", 1)[1]) for n in numbers)
            self.assertEqual(DemandCounter.objects.get(province="GD", year=year).last, last)
