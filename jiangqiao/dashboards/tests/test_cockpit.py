"""统计驾驶舱: the page for a province, a city and a county user, drill-down and the data scope
(a county never sees a sibling's figures or names, in the page and the htmx panels), periods,
empty states, the home panel, and every linked figure against the list it links to.

The data is written through the services (demand submitted, triaged, offered, accepted, sessions
logged, outcome recorded and confirmed by the enterprise; skill upgrades recorded), so the
rollups are kept on write; rows made by factories (confirmed matches) are then counted by a
rollup rebuild, as after a bulk load.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.core.cache import cache
from django.db.models import Sum
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import resolve, reverse

from jiangqiao.academy.filtersets import ClassFilterSet
from jiangqiao.academy.selectors import class_list
from jiangqiao.accounts.models import Role
from jiangqiao.casework import kpi, sessions
from jiangqiao.casework import services as case_services
from jiangqiao.casework.filtersets import OfferFilterSet
from jiangqiao.casework.selectors import offer_list
from jiangqiao.casework.session_pages import ServiceRecordFilterSet, session_list
from jiangqiao.casework.tests.test_flow import TZ, CaseWorld
from jiangqiao.casework.tests.test_sessions import accepted_offer, confirmed_match, record_data
from jiangqiao.casework.upgrade_pages import SkillUpgradeFilterSet, upgrade_list
from jiangqiao.core.choices import DataScope
from jiangqiao.core.testing.personas import make_user, scope_role
from jiangqiao.dashboards import indicators, rollups, selectors
from jiangqiao.dashboards.models import Target
from jiangqiao.demands.filtersets import DemandFilterSet
from jiangqiao.demands.selectors import demand_list
from jiangqiao.matching import services as matching_services
from jiangqiao.orgs.models import Organization

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
URL = "/dashboards/"


def aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=TZ)


UPGRADE = {
    "worker_code": "GH-0417",
    "occupation": "6-18-01-01",
    "level_before": "intermediate_worker",
    "level_after": "senior_worker",
}

#: The list behind a URL: its FilterSet and the rows the list shows the user.
LISTS: dict[str, tuple[Any, Any]] = {
    "casework:servicerecord_list": (ServiceRecordFilterSet, session_list),
    "demands:demand_list": (DemandFilterSet, demand_list),
    "casework:skillupgrade_list": (SkillUpgradeFilterSet, upgrade_list),
    "academy:trainingclass_list": (ClassFilterSet, class_list),
    "casework:offer_list": (OfferFilterSet, offer_list),
}


def list_rows(url: str, user: Any) -> Any:
    """The rows of the list behind ``url`` as ``user`` sees them (its FilterSet, its rows)."""
    parts = urlsplit(url)
    match = resolve(parts.path)
    filterset_class, rows = LISTS[f"{match.namespace}:{match.url_name}"]
    request = RequestFactory().get(url)
    request.user = user
    filterset = filterset_class(QueryDict(parts.query), queryset=rows(user=user), request=request)
    assert filterset.is_valid(), (url, filterset.errors)
    return filterset.qs


def list_measure(code: str, url: str, user: Any) -> int:
    """What the list shows against the figure: its rows, or the sum the figure counts."""
    rows = list_rows(url, user)
    if code == "person_times":
        return int(rows.annotate(people=kpi.session_people()).aggregate(n=Sum("people"))["n"] or 0)
    if code == "workers_trained":
        return int(rows.aggregate(n=Sum("trainees"))["n"] or 0)
    if code == "academy_trained":
        return int(rows.aggregate(n=Sum("tally__trained"))["n"] or 0)
    return int(rows.count())


NATIONAL = ("person_times", "enterprises_served", "problems_solved", "skill_upgrades")


def figures_of(page: str) -> dict[str, int]:
    """The indicators' actual figures as the page shows them."""
    return {code: int(value) for code, value in re.findall(r'data-figure="(\w+)">(\d+)</a>', page)}


def national_of(page: str) -> dict[str, int]:
    figures = figures_of(page)
    return {code: figures[code] for code in NATIONAL if code in figures}


@time_machine.travel(NOW, tick=False)
class CockpitWorld(CaseWorld):
    @classmethod
    def setUpTestData(cls) -> None:
        with time_machine.travel(NOW, tick=False):
            super().setUpTestData()
            cls.build()

    @classmethod
    def session(
        cls, unit: Organization, owner: Any, day: dt.date, trainees: int = 0, **extra: Any
    ) -> Any:
        match = confirmed_match(unit, owner, decided_at=aware(day) - dt.timedelta(days=5))
        return sessions.session_create(
            actor=owner,
            offer=accepted_offer(match),
            data=record_data(date=day, trainees=trainees, problems_solved=0),
            **extra,
        )

    @classmethod
    def build(cls) -> None:
        w = cls.world
        a, b = w.city_admin_a, w.city_admin_b
        cls.session(w.county_a1, a, dt.date(2026, 5, 10), 3, skill_upgrades=[UPGRADE])
        cls.session(w.county_a1, a, dt.date(2026, 6, 1), 2)
        cls.session(w.county_a2, a, dt.date(2026, 3, 3), 4)
        cls.session(w.county_a2, a, dt.date(2026, 3, 4), 1)
        cls.session(w.grassroots_a1, a, dt.date(2026, 2, 14), 5)
        cls.session(w.county_b1, b, dt.date(2026, 4, 20), 7)
        cls.session(w.county_b1, b, dt.date(2026, 4, 21), 1)
        cls.session(w.county_a1, a, dt.date(2025, 5, 5), 1)  # last year's shape
        # A case through the whole walk: submitted, offered, accepted, solved, confirmed.
        demand = cls.triage_cls(cls.new_demand_cls())
        (suggestion,) = [
            matching_services.suggestion_add_manual(
                actor=cls.staff, demand=demand, craftsman=cls.cnc_a
            )
        ]
        matching_services.suggestion_confirm(actor=cls.staff, suggestion=suggestion)
        from jiangqiao.casework.models import Offer

        offer = Offer.objects.get(demand=demand, craftsman=cls.cnc_a)
        case_services.offer_accept(actor=cls.user_a, offer=offer)
        sessions.session_create(
            actor=cls.staff,
            offer=offer,
            data=record_data(date=TODAY, trainees=6, problems_solved=1),
        )
        case_services.outcome_record(
            actor=cls.staff, demand=demand, result="solved", summary="已修复"
        )
        case_services.outcome_confirm(actor=cls.boss, demand=demand, answer="solved", rating=5)
        # Rows of the factories (confirmed matches' demands) are counted by a rebuild.
        rollups.rebuild()
        for org, code, value in (
            (w.province, "person_times", 40),
            (w.province, "enterprises_served", 20),
            (w.city_a, "person_times", 20),
            (w.city_b, "person_times", 3),
            (w.county_a1, "person_times", 6),
            (w.county_a2, "person_times", 5),
        ):
            Target.objects.create(org=org, year=2026, indicator=code, value=value)

    @classmethod
    def new_demand_cls(cls) -> Any:
        from jiangqiao.demands import services as demand_services
        from jiangqiao.demands.choices import Channel

        return demand_services.demand_create(
            actor=cls.boss,
            enterprise=cls.ent,
            channel=Channel.ONLINE,
            submit=True,
            data={
                "kind": "tech_problem",
                "title": "数控机床主轴异响",
                "description": "加工中心主轴高速运转时异响，需要数控机床维修专家现场诊断",
            },
        )

    @classmethod
    def triage_cls(cls, demand: Any) -> Any:
        return case_services.demand_triage(
            actor=cls.staff,
            demand=demand,
            data={"category": "tech", "grade": "b", "owner_level": "county"},
        )

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the cockpit is cached per user pk, and pks repeat between tests

    def page(self, user: Any, **params: Any) -> tuple[int, str]:
        self.client.force_login(user)
        response = self.client.get(URL, params)
        return response.status_code, response.content.decode()

    def panel(self, user: Any, name: str, **params: Any) -> tuple[int, str]:
        self.client.force_login(user)
        response = self.client.get(reverse(f"dashboards:{name}"), params)
        return response.status_code, response.content.decode()

    def chart_data(self, page: str) -> dict[str, Any]:
        found = re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>', page)
        assert found is not None
        return json.loads(found.group(1))  # type: ignore[no-any-return]


class CockpitPageTests(CockpitWorld):
    def expected(self, user: Any, unit: Organization) -> dict[str, int]:
        got = kpi.figures(user=user, org=unit, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
        return {code: got[code] for code in NATIONAL}

    def test_province_page_figures_gauges_ranking(self) -> None:
        w = self.world
        status, page = self.page(w.province_admin)
        self.assertEqual(status, 200)
        # The figures are the counting rules' (casework.kpi, counted from the raw rows).
        self.assertEqual(national_of(page), self.expected(w.province_admin, w.province))
        self.assertEqual(figures_of(page)["person_times"], 8)
        self.assertEqual(figures_of(page)["problems_solved"], 1)
        self.assertEqual(figures_of(page)["skill_upgrades"], 1)
        for name in ("深圳市总工会", "广州市总工会"):
            self.assertIn(name, page)
        # Ranked by completion of 服务人次: 深圳 6/20 = 30 % before 广州 2/3.
        self.assertLess(
            page.index("深圳市总工会"), page.index("广州市总工会", page.index("data-ranking"))
        )
        data = self.chart_data(page)
        gauges = {g["code"]: g for g in data["gauges"]}
        self.assertEqual(set(gauges), {i.code for i in indicators.REGISTRY.values() if i.national})
        self.assertEqual(gauges["person_times"]["value"], round(8 / 40 * 100, 1))
        self.assertIsNone(gauges["problems_solved"]["value"])  # no target: no completion
        # The trend: this year's months and last year's line (2025-05: one session).
        months = data["trend"]["months"]
        self.assertEqual(months[4]["last"], 1)
        self.assertEqual(months[2]["value"], 2)  # two sessions in March (宝安)
        self.assertIsNone(months[6]["value"])  # July is still to come
        # Seasonal pace when last year's shape exists, and it says so.
        self.assertIn("季节性：按上年各月分布", page)
        # No inline script: only the JSON data block, the rest are files.
        for tag in re.findall(r"<script[^>]*>", page):
            self.assertTrue("src=" in tag or 'type="application/json"' in tag, tag)

    def test_city_user_sees_his_counties_not_the_other_city(self) -> None:
        w = self.world
        status, page = self.page(w.city_admin_a)
        self.assertEqual(status, 200)
        self.assertEqual(national_of(page), self.expected(w.city_admin_a, w.city_a))
        self.assertEqual(figures_of(page)["person_times"], 6)
        for name in ("南山区总工会", "宝安区总工会"):
            self.assertIn(name, page)
        for name in ("广州市总工会", "天河区总工会"):
            self.assertNotIn(name, page)
        # 南山 4 of its target 6, 宝安 2 of 5: 宝安 is behind and listed first.
        ranking = page[page.index("data-ranking") :]
        self.assertLess(ranking.index("宝安区总工会"), ranking.index("南山区总工会"))

    def test_county_never_sees_a_sibling(self) -> None:
        w = self.world
        op = w.county_operator  # 仅本级 at 南山
        pages = [
            self.page(op),
            self.panel(op, "cockpit_process"),
            self.panel(op, "cockpit_breakdown"),
            self.panel(op, "cockpit_breakdown", indicator="enterprises_served"),
        ]
        for status, page in pages:
            self.assertEqual(status, 200)
            for name in ("宝安区总工会", "广州市总工会", "天河区总工会", "深圳市总工会"):
                self.assertNotIn(name, page)
        page = pages[0][1]
        self.assertEqual(national_of(page), self.expected(op, w.county_a1))
        self.assertEqual(figures_of(page)["person_times"], 3)  # 南山's own sessions only
        for unit in (w.county_a2, w.city_a, w.city_b, w.county_b1):
            for name in ("", "cockpit_process", "cockpit_breakdown"):
                if name:
                    status, _ = self.panel(op, name, unit=unit.pk)
                else:
                    status, _ = self.page(op, unit=unit.pk)
                self.assertEqual(status, 404, (unit.name, name))

    def test_unit_outside_the_scope_or_unknown_is_404_and_bad_input_400(self) -> None:
        w = self.world
        self.assertEqual(self.page(w.city_admin_a, unit=w.city_b.pk)[0], 404)
        self.assertEqual(self.page(w.city_admin_a, unit=w.county_b1.pk)[0], 404)
        self.assertEqual(self.page(w.city_admin_a, unit=999999)[0], 404)
        status, page = self.page(w.city_admin_a, unit="abc")
        self.assertEqual(status, 400)
        self.assertNotIn("Traceback", page)
        status, page = self.page(w.city_admin_a, period="custom", start="2026-02-01")
        self.assertEqual(status, 400)
        self.assertIn("自定义期间请填写结束日期", page)
        status, page = self.page(
            w.city_admin_a, period="custom", start="2025-12-01", end="2026-01-31"
        )
        self.assertEqual(status, 400)
        self.assertIn("统计期间须在同一年度内", page)
        status, page = self.page(w.city_admin_a, year="20x6")
        self.assertEqual(status, 400)
        self.assertEqual(self.page(w.city_admin_a, indicator="nope")[0], 400)

    def test_drill_down_province_city_county_grassroots(self) -> None:
        w = self.world
        user = w.province_admin
        _, page = self.page(user)
        drill = re.findall(r'<a href="\?([^"]+)" data-drill>([^<]+)</a>', page)
        target = {name: q for q, name in drill}["深圳市总工会"]
        self.client.force_login(user)
        page = self.client.get(URL + "?" + target.replace("&amp;", "&")).content.decode()
        trail = page[page.index("下钻路径") : page.index("</ol>", page.index("下钻路径"))]
        self.assertIn("广东省总工会", trail)
        self.assertIn("深圳市总工会", trail)
        self.assertEqual(figures_of(page)["person_times"], 6)
        _, page = self.page(user, unit=w.county_a1.pk)
        self.assertIn("南山精密公司工会", page)  # the level below the county
        self.assertEqual(figures_of(page)["person_times"], 4)  # 南山 3 + its grassroots 1
        _status, page = self.page(user, unit=w.grassroots_a1.pk)
        self.assertEqual(figures_of(page)["person_times"], 1)
        self.assertIn('data-empty="no-children"', page)

    def test_period_switching(self) -> None:
        w = self.world
        user = w.province_admin
        _, march = self.page(user, period="month", year=2026, month=3)
        self.assertEqual(figures_of(march)["person_times"], 2)
        _, q2 = self.page(user, period="quarter", year=2026, quarter=2)
        self.assertEqual(figures_of(q2)["person_times"], 5)  # 20 Apr ×2 (广州), May, 1 Jun, 15 Jun
        _, custom = self.page(user, period="custom", start="2026-02-01", end="2026-03-03")
        self.assertEqual(figures_of(custom)["person_times"], 2)  # 14 Feb and 3 Mar
        _, last = self.page(user, period="year", year=2025)
        self.assertEqual(figures_of(last)["person_times"], 1)
        self.assertIn('data-empty="no-target"', last)  # no 2025 target

    def test_empty_states(self) -> None:
        w = self.world
        # A year with no data and no target: said so, nothing divided by zero.
        status, page = self.page(w.province_admin, period="year", year=2030)
        self.assertEqual(status, 200)
        self.assertIn('data-empty="period"', page)
        self.assertIn("未设目标", page)
        # A month with no data but a target.
        status, page = self.page(w.province_admin, period="month", year=2026, month=12)
        self.assertIn('data-empty="no-data"', page)
        status, panel = self.panel(
            w.province_admin, "cockpit_breakdown", period="month", year=2026, month=12
        )
        self.assertIn('data-empty="breakdown"', panel)
        status, panel = self.panel(
            w.province_admin, "cockpit_process", period="month", year=2026, month=12
        )
        self.assertEqual(status, 200)
        self.assertIn("—", panel)  # no answered offers: no rate, not a division by zero
        # A target of 0 is no target to divide by.
        Target.objects.create(org=w.city_b, year=2026, indicator="enterprises_served", value=0)
        status, page = self.page(w.city_admin_b)
        self.assertEqual(status, 200)
        # A user with no unit and nothing in scope.
        lonely = make_user("lonely", None, scope_role(DataScope.ORG))
        status, page = self.page(lonely)
        self.assertEqual((status, 'data-empty="no-unit"' in page), (200, True))

    def test_set_target_and_report_links_only_for_who_may(self) -> None:
        from django.contrib.auth.models import Group, Permission

        w = self.world
        _, page = self.page(w.province_admin, period="year", year=2030)
        self.assertIn("设定年度目标", page)
        self.assertIn(f"/dashboards/targets/?org={w.province.pk}&amp;year=2030", page)
        self.assertIn(f"/dashboards/report/?unit={w.province.pk}&amp;year=2030", page)
        group = Group.objects.create(name="role:test_cockpit_viewer")
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="dashboards", codename__startswith="view_"
            )
        )
        viewer_role = Role.objects.create(
            group=group,
            code="test_cockpit_viewer",
            name="测试-只看驾驶舱",
            data_scope=DataScope.ORG_AND_BELOW,
        )
        viewer = make_user("viewer", w.city_a, viewer_role)
        status, page = self.page(viewer, period="year", year=2030)
        self.assertEqual(status, 200)
        self.assertNotIn("设定年度目标", page)
        self.assertNotIn("/dashboards/report/", page)
        # Without the lists' permissions the figures are shown, not linked.
        self.assertEqual(figures_of(page), {})
        self.assertIn("深圳市总工会", page)

    def test_permission_needed(self) -> None:
        w = self.world
        for user in (self.boss, self.user_a):  # enterprise contact, craftsman
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 403)
            self.assertEqual(
                self.client.get(reverse("dashboards:cockpit_process")).status_code, 403
            )
        self.client.logout()
        self.assertEqual(self.client.get(URL).status_code, 302)
        self.assertTrue(w.city_admin_a.has_perm("dashboards.view_cockpit"))

    def test_a_session_logged_shows_at_once(self) -> None:
        w = self.world
        _, page = self.page(w.city_admin_a)  # cached now
        self.assertEqual(figures_of(page)["person_times"], 6)
        match = confirmed_match(w.county_a2, w.city_admin_a, decided_at=NOW - dt.timedelta(days=3))
        sessions.session_create(
            actor=w.city_admin_a, offer=accepted_offer(match), data=record_data(date=TODAY)
        )
        _, page = self.page(w.city_admin_a)
        self.assertEqual(figures_of(page)["person_times"], 7)
        _, page = self.page(w.province_admin)
        self.assertEqual(figures_of(page)["person_times"], 9)


class HomePanelTests(CockpitWorld):
    def test_staff_home_shows_the_targets_first(self) -> None:
        w = self.world
        self.client.force_login(w.city_admin_a)
        page = self.client.get("/").content.decode()
        self.assertIn("目标完成情况", page)
        self.assertLess(page.index("目标完成情况"), page.index("待办事项"))
        self.assertEqual(figures_of(page)["person_times"], 6)
        self.assertIn(reverse("dashboards:cockpit"), page)
        self.assertNotIn("广州市总工会", page)

    def test_not_shown_without_the_permission(self) -> None:
        self.client.force_login(self.boss)
        page = self.client.get("/").content.decode()
        self.assertNotIn("目标完成情况", page)


class LinkedFiguresTests(CockpitWorld):
    """Every linked figure equals what its list shows (its rows, or the sum it counts)."""

    def links(self, page: str) -> list[tuple[str, int]]:
        return [
            (url.replace("&amp;", "&"), int(value))
            for url, value in re.findall(r'<a href="(/[^"]+\?[^"]+)"[^>]*>(\d+)</a>', page)
        ]

    def code_of(self, url: str) -> str:
        query = parse_qs(urlsplit(url).query)
        path = resolve(urlsplit(url).path)
        name = f"{path.namespace}:{path.url_name}"
        if name == "casework:servicerecord_list":
            return "enterprises_served" if "first_of_year" in query else "sessions"
        if name == "demands:demand_list":
            return "demands_collected" if "collected" in query else "problems_solved"
        if name == "academy:trainingclass_list":
            return "academy_trained"
        return "count"

    def check_page(self, user: Any, page: str, minimum: int) -> int:
        checked = 0
        for url, value in self.links(page):
            if "/dashboards/" in url:
                continue
            code = self.code_of(url)
            if code == "sessions":
                measured = {
                    list_measure("person_times", url, user),
                    list_measure("workers_trained", url, user),
                }
                self.assertIn(value, measured, url)
            else:
                self.assertEqual(list_measure(code, url, user), value, url)
            checked += 1
        self.assertGreaterEqual(checked, minimum)
        return checked

    def test_every_linked_number_of_the_page_and_panels(self) -> None:
        w = self.world
        for user, _unit in (
            (w.province_admin, w.province),
            (w.city_admin_a, w.city_a),
            (w.county_operator, w.county_a1),
        ):
            _, page = self.page(user)
            self.check_page(user, page, 4)
            for code in indicators.REGISTRY:
                _, panel = self.panel(user, "cockpit_breakdown", indicator=code)
                self.check_page(user, panel, 0)
            _, panel = self.panel(user, "cockpit_breakdown")
            self.check_page(user, panel, 5)  # 服务人次 by kind, industry, region, size, tier
            _, panel = self.panel(user, "cockpit_process")
            self.check_page(user, panel, 0)

    def test_each_indicator_against_its_list(self) -> None:
        from jiangqiao.dashboards.links import figure_link
        from jiangqiao.dashboards.selectors import totals

        w = self.world
        start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
        for user, unit in ((w.province_admin, w.province), (w.city_admin_a, w.city_a)):
            figures = totals(user=user, unit=unit, start=start, end=end)
            for code in indicators.REGISTRY:
                url = figure_link(code, org_id=unit.pk, start=start, end=end, user=user)
                self.assertIsNotNone(url, code)
                self.assertEqual(list_measure(code, url, user), figures.get(code, 0), code)
        self.assertGreater(figures["demands_collected"], 0)

    def test_the_list_pages_open_with_those_filters(self) -> None:
        w = self.world
        _, page = self.page(w.province_admin)
        _, panel = self.panel(w.province_admin, "cockpit_breakdown")
        seen: set[str] = set()
        self.client.force_login(w.province_admin)
        for url, _value in self.links(page) + self.links(panel):
            path = urlsplit(url).path
            if path in seen or "/dashboards/" in path:
                continue
            seen.add(path)
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertFalse("invalid-feedback" in response.content.decode(), url)
        self.assertGreaterEqual(len(seen), 3)

    def test_new_list_filters_scope_and_bad_input(self) -> None:
        w = self.world
        url = reverse("casework:skillupgrade_list")
        self.client.force_login(w.city_admin_b)
        page = self.client.get(url).content.decode()
        self.assertNotIn("GH-0417", page)  # 深圳's upgrade is not 广州's to see
        self.client.force_login(w.city_admin_a)
        self.assertIn("GH-0417", self.client.get(url).content.decode())
        for bad in (
            {"ent_region": "44"},
            {"ent_industry": "CC"},
            {"ent_size": "9"},
            {"solved_after": "yesterday"},
            {"submitted_before": "2026-13-01"},
        ):
            response = self.client.get(reverse("demands:demand_list"), bad)
            self.assertEqual(response.status_code, 200, bad)
            # The field is named in the error and no rows are listed.
            self.assertTrue("invalid-feedback" in response.content.decode(), bad)
        response = self.client.get(
            reverse("casework:servicerecord_list"), {"first_of_year": "x", "ent_tier": "?"}
        )
        self.assertEqual(response.status_code, 200)
        # 未填写 (``-``) and a city code select what the breakdowns count.
        rows = list_rows(
            reverse("casework:servicerecord_list") + "?ent_size=-&ent_region=440300", w.city_admin_a
        )
        sizes = {r.demand.enterprise.size_class for r in rows}
        self.assertTrue(sizes <= {"", None})


class QueryBudgetTests(CockpitWorld):
    def queries(self, user: Any) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.client.force_login(user)
        self.client.get(URL)  # the session's first save is not the page's
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.client.get(URL).status_code, 200)
        return len(ctx.captured_queries)

    def test_the_page_does_not_grow_with_the_units_below(self) -> None:
        from jiangqiao.core.testing.personas import make_org
        from jiangqiao.orgs.choices import OrgLevel

        w = self.world
        before = self.queries(w.province_admin)
        self.assertLessEqual(before, 40)
        for i in range(3):
            city = make_org(w.province, OrgLevel.CITY, f"测试市{i}总工会", f"44{i + 5}000")
            Target.objects.create(org=city, year=2026, indicator="person_times", value=5)
        self.assertEqual(self.queries(w.province_admin), before)


class CacheTests(CockpitWorld):
    """The cockpit, its breakdowns and process figures are cached; a change of the user's roles
    or of the figures below is seen at once, the process figures within their refresh time."""

    def test_a_narrower_role_is_seen_at_once_not_after_the_cache_time(self) -> None:
        w = self.world
        _, page = self.page(w.city_admin_a)  # cached under his roles
        self.assertEqual(figures_of(page)["person_times"], 6)
        panel = self.panel(w.city_admin_a, "cockpit_breakdown", indicator="person_times")[1]
        self.assertIn("breakdown-industry", panel)
        # Now 仅本级: the city's own rows only (its sessions are all in the counties below).
        w.city_admin_a.roles.set([scope_role(DataScope.ORG)])
        status, page = self.page(w.city_admin_a, unit=w.city_a.pk)
        self.assertEqual(status, 200)
        self.assertIn("深圳市总工会", page)
        self.assertEqual(figures_of(page).get("person_times", 0), 0)
        status, panel = self.panel(
            w.city_admin_a, "cockpit_breakdown", unit=w.city_a.pk, indicator="person_times"
        )
        self.assertEqual(status, 200)
        self.assertNotIn("breakdown-industry", panel)

    def test_a_breakdown_follows_a_session_at_once(self) -> None:
        w = self.world
        dim = "kind"

        def kinds() -> int:
            got = selectors.breakdown(
                user=w.city_admin_a,
                unit=w.city_a,
                start=dt.date(2026, 1, 1),
                end=dt.date(2026, 12, 31),
                dimension=dim,
            )
            return sum(got.get("person_times", {}).values())

        self.assertEqual(kinds(), 6)
        match = confirmed_match(w.county_a2, w.city_admin_a, decided_at=NOW - dt.timedelta(days=3))
        sessions.session_create(
            actor=w.city_admin_a, offer=accepted_offer(match), data=record_data(date=TODAY)
        )
        self.assertEqual(kinds(), 7)

    def test_process_figures_are_kept_for_their_refresh_time_and_say_when_counted(self) -> None:
        w = self.world
        with time_machine.travel(NOW, tick=False):
            status, panel = self.panel(w.province_admin, "cockpit_process")
            self.assertEqual(status, 200)
            self.assertIn("统计于 10:00，每 5 分钟重新统计", panel)
            first = selectors.process(
                user=w.province_admin, unit=w.province, start=TODAY, end=TODAY
            )
        later = NOW + dt.timedelta(seconds=selectors.PROCESS_CACHE_SECONDS - 60)
        with time_machine.travel(later, tick=False):
            kept = selectors.process(user=w.province_admin, unit=w.province, start=TODAY, end=TODAY)
            self.assertEqual(kept["counted_at"], first["counted_at"])
            # Another user's answer is his own (his scope), not the province's.
            county = selectors.process(user=w.city_admin_b, unit=w.province, start=TODAY, end=TODAY)
            self.assertEqual(county["counted_at"], later)
