"""工匠学院统计 (issue 15 point 8): counting rules on hand-made data (exact numbers), the roll-up
to child units, the data scope (a county user; another city is 404 without its name), the Excel
export against the screen, bad parameters."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from openpyxl import load_workbook

from jiangqiao.academy import classes, competitions, orders, selectors, services, upgrades
from jiangqiao.academy.models import ClassTally, TrainingClass
from jiangqiao.academy.statistics import (
    REGISTRY,
    StatsQuery,
    period_bounds,
    statistics_report,
)
from jiangqiao.academy.statistics_export import table_rows
from jiangqiao.accounts.roles import BUILTIN_ROLES
from jiangqiao.casework.kpi import skill_upgrade_counts
from jiangqiao.core.choices import DataScope
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user, no_perm_role, scope_role
from jiangqiao.demands.tests.factories import make_enterprise
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import (
    contestant,
    make_academy,
    make_class,
    make_competition,
    make_contact,
    make_course,
    make_lecturer,
    make_order,
    running_class,
    upgrade_data,
    worker,
)

URL = "/academy/statistics/"


def session(actor: Any, tc: TrainingClass, day: str) -> Any:
    return classes.session_add(
        actor=actor,
        training_class=tc,
        data={"date": day, "start_time": "09:00", "end_time": "12:00", "hours": "3"},
    )


class StatisticsTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        a, b = w.city_admin_a, w.city_admin_b
        cls.county_user = make_user(
            "county_stats", w.county_a1, scope_role(DataScope.ORG_AND_BELOW)
        )
        cls.acad_city = make_academy(w.city_a, a, level="city")
        cls.acad_county = make_academy(w.county_a1, a, level="county")
        cls.base = make_academy(
            w.county_a1, a, level="county", academy_type="training_base", parent=cls.acad_county
        )
        cls.acad_b = make_academy(w.city_b, b, level="city")
        alliance = services.alliance_create(actor=a, org=w.city_a, data={"name": "深圳学院联盟"})
        services.alliance_add_member(actor=a, alliance=alliance, academy=cls.acad_city)
        services.alliance_add_member(actor=a, alliance=alliance, academy=cls.acad_county)
        make_lecturer(w.city_a, a, academy=cls.acad_city, shared=True)
        services.lecturer_create(
            actor=a, academy=cls.acad_county, data={}, craftsman=make_craftsman(w.county_a1, a)
        )
        make_lecturer(w.city_b, b, academy=cls.acad_b)
        make_course(w.city_a, a, academy=cls.acad_city)  # a draft: not counted

        # tc1 at the county's training base: the person-time rule on six trainees.
        sme = make_enterprise(w.county_a1, a, size_class="3")
        large = make_enterprise(w.county_a1, a, size_class="1")
        unsized = make_enterprise(w.county_a1, a)
        tc1 = make_class(w.county_a1, a, academy=cls.base, capacity=5)
        s1, s2 = session(a, tc1, "2026-05-04"), session(a, tc1, "2026-05-05")
        enrol = classes.enrol
        e1 = enrol(actor=a, training_class=tc1, worker=worker(enterprise=sme))
        e2 = enrol(actor=a, training_class=tc1, worker=worker(enterprise=large))
        e3 = enrol(actor=a, training_class=tc1, worker=worker())  # a name only: no enterprise
        e4 = enrol(actor=a, training_class=tc1, worker=worker(enterprise=unsized))
        e5 = enrol(actor=a, training_class=tc1, worker=worker(enterprise=sme))
        e6 = enrol(actor=a, training_class=tc1, worker=worker())
        assert e6.status == "waitlisted"
        mark = classes.attendance_mark
        mark(actor=a, session=s1, enrolment=e1, status="present")
        mark(actor=a, session=s2, enrolment=e1, status="leave")
        mark(actor=a, session=s1, enrolment=e2, status="late")
        mark(actor=a, session=s2, enrolment=e3, status="present")
        mark(actor=a, session=s1, enrolment=e4, status="present")
        mark(actor=a, session=s2, enrolment=e4, status="present")  # twice: one person-time
        mark(actor=a, session=s1, enrolment=e5, status="present")
        classes.withdraw(actor=a, enrolment=e5)  # attended, then withdrew: not counted
        e6.refresh_from_db()
        assert e6.status == "enrolled"  # promoted, never attends
        mark(actor=a, session=s2, enrolment=e6, status="absent")
        tc1 = classes.class_move(actor=a, training_class=tc1, to="open")
        tc1 = classes.class_move(actor=a, training_class=tc1, to="running")
        classes.assess(actor=a, enrolment=e1, score=90)
        classes.assess(actor=a, enrolment=e2, score=30)
        tc1 = classes.class_move(actor=a, training_class=tc1, to="finished")
        classes.certificates_issue_for_class(actor=a, training_class=tc1)
        cls.tc1 = tc1

        # tc2 at the city academy: one trainee; tc3 cancelled; tc4 in 2025; tc_b in the other city.
        cls.tc2 = cls.one_trainee_class(w.city_a, a, cls.acad_city)
        cls.tc3 = cls.one_trainee_class(w.city_a, a, cls.acad_city, day="2026-05-06")
        classes.class_move(actor=a, training_class=cls.tc3, to="cancelled")
        cls.tc4 = cls.one_trainee_class(
            w.city_a, a, cls.acad_city, start_date="2025-12-01", end_date="2025-12-05"
        )
        cls.tc_b = cls.one_trainee_class(w.city_b, b, cls.acad_b)

    @classmethod
    def one_trainee_class(
        cls, unit: Any, actor: Any, academy: Any, day: str = "", **extra: Any
    ) -> TrainingClass:
        """A class with one session (on ``day``, default its first day: one academy's classes
        may not meet at the same place at once) and one trainee who attended."""
        tc = make_class(unit, actor, academy=academy, **extra)
        s = session(actor, tc, day or extra.get("start_date", "2026-05-04"))
        e = classes.enrol(actor=actor, training_class=tc, worker=worker())
        classes.attendance_mark(actor=actor, session=s, enrolment=e, status="present")
        return TrainingClass.objects.get(pk=tc.pk)

    def report(self, user: Any, unit: Any, period: str = "2026", level: str = "") -> Any:
        if "-" in period:
            year, month = (int(x) for x in period.split("-"))
            start, end = period_bounds("month", year=year, month=month)
        else:
            start, end = period_bounds("year", year=int(period))
        q = StatsQuery(user=user, unit=unit, start=start, end=end, level=level)
        return statistics_report(user=user, query=q)

    def row(self, report: Any, label: str) -> dict[str, int]:
        return next(r.values for r in report.rows if r.label == label)

    # -- counting rules --------------------------------------------------------------------------

    def test_counting_rules_on_hand_made_data(self) -> None:
        t = self.report(self.world.province_admin, self.world.province).total
        self.assertEqual(
            {k: t.get(k, 0) for k in ("academies.total", "academies.level:city")}
            | {k: t.get(k, 0) for k in ("academies.level:county", "academies.type:training_base")},
            {
                "academies.total": 4,
                "academies.level:city": 2,
                "academies.level:county": 2,
                "academies.type:training_base": 1,
            },
        )
        self.assertEqual(t.get("academies.type:hq"), 3)
        # 2026: tc1 (4 person-times), tc2, tc_b; tc3 cancelled and tc4 (2025) not counted.
        trainings = {k.split(".")[1]: v for k, v in t.items() if k.startswith("trainings.")}
        self.assertEqual(
            trainings,
            {
                "classes": 3,
                "trained": 6,
                "sme": 1,
                "large": 1,
                "unsized": 1,
                "no_enterprise": 3,
                "certs": 1,
            },
        )
        self.assertEqual(
            (t["lecturers.total"], t["lecturers.craftsman"], t["lecturers.external"]), (3, 1, 2)
        )
        self.assertEqual(t["lecturers.shared"], 1)
        self.assertEqual(t["pool.members"], 2)
        # Published courses: one per class made (5); the draft is not counted.
        self.assertEqual((t["courses.total"], t["courses.field:precision_machining"]), (5, 5))

    def test_period_and_level_filters(self) -> None:
        w = self.world
        december = self.report(w.province_admin, w.province, "2025-12").total
        self.assertEqual((december["trainings.classes"], december["trainings.trained"]), (1, 1))
        self.assertEqual(december["academies.total"], 4)  # a stock: not cut by the period
        empty = self.report(w.province_admin, w.province, "2024").total
        self.assertNotIn("trainings.classes", empty)
        county = self.report(w.province_admin, w.province, level="county").total
        self.assertEqual(
            (
                county["academies.total"],
                county["trainings.classes"],
                county["trainings.trained"],
                county["lecturers.total"],
                county["courses.total"],
                county["pool.members"],
            ),
            (2, 1, 4, 1, 1, 1),
        )

    def test_the_rollup_is_kept_by_the_services_and_equals_a_recount(self) -> None:
        tally = ClassTally.objects.get(training_class=self.tc1)
        self.assertEqual(
            (tally.trained, tally.trained_sme, tally.trained_no_enterprise, tally.certificates),
            (4, 1, 1, 1),
        )
        self.assertEqual(
            {k: getattr(tally, k) for k in classes.tally_counts(self.tc1.pk)},
            classes.tally_counts(self.tc1.pk),
        )
        ClassTally.objects.filter(training_class=self.tc1).update(trained=99)
        self.assertEqual(classes.tallies_rebuild([self.tc1.pk]), 1)
        self.assertEqual(ClassTally.objects.get(training_class=self.tc1).trained, 4)

    # -- roll-up and drill-down -------------------------------------------------------------------

    def test_rows_add_up_to_the_total_and_a_child_row_equals_its_own_report(self) -> None:
        w = self.world
        province = self.report(w.province_admin, w.province)
        for key, value in province.total.items():
            self.assertEqual(sum(r.value(key) for r in province.rows), value, key)
        self.assertEqual(
            [r.label for r in province.rows], ["本级（直属）", "广州市总工会", "深圳市总工会"]
        )
        city_a = self.report(w.province_admin, w.city_a)
        self.assertEqual(self.row(province, "深圳市总工会"), city_a.total)
        self.assertEqual(self.row(city_a, "本级（直属）")["trainings.trained"], 1)
        self.assertEqual(self.row(city_a, "南山区总工会")["trainings.trained"], 4)
        self.assertEqual(self.row(city_a, "宝安区总工会"), {})
        self.assertEqual(self.row(province, "广州市总工会")["trainings.trained"], 1)
        self.assertEqual([t.name for t in city_a.trail], ["广东省总工会", "深圳市总工会"])

    def test_page_drills_down_and_links_to_the_filtered_class_list(self) -> None:
        w = self.world
        self.login(w.province_admin)
        opened = self.client.get(URL)  # no parameters: this year, shown in the form
        year = str(timezone.localdate().year)
        self.assertEqual(opened.context["form"]["year"].value(), year)
        self.assertEqual(opened.context["form"]["period"].value(), "year")
        response = self.client.get(URL, {"year": 2026})
        self.assertEqual(response.status_code, 200)
        rows = {r["label"]: r for r in response.context["rows"]}
        self.assertEqual(rows["深圳市总工会"]["drill"], f"?year=2026&unit={w.city_a.pk}")
        response = self.client.get(URL, {"year": 2026, "unit": w.city_a.pk})
        self.assertContains(response, "南山区总工会")
        self.assertContains(response, 'aria-label="下钻路径"')
        county_row = next(r for r in response.context["rows"] if r["label"] == "南山区总工会")
        headline = response.context["headline"]
        col = next(i for i, c in enumerate(headline) if c.key == "trainings.classes")
        value, link = county_row["cells"][col]
        self.assertEqual(value, 1)
        listing = self.client.get(link)
        self.assertEqual(listing.status_code, 200)
        self.assertContains(listing, self.tc1.code)
        total_link = response.context["total"][col][1]
        listing = self.client.get(total_link)  # the city's classes of 2026, not cancelled
        self.assertContains(listing, self.tc2.code)
        self.assertNotContains(listing, self.tc3.code)
        self.assertNotContains(listing, self.tc4.code)

    def test_empty_state_is_honest(self) -> None:
        self.login(self.world.province_admin)
        response = self.client.get(URL, {"year": 2019})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "没有可统计的开班记录")
        self.assertNotContains(response, "没有可统计的数据")
        response = self.client.get(URL, {"year": 2026, "unit": self.world.county_a2.pk})
        self.assertContains(response, "没有可统计的数据")

    # -- scope ---------------------------------------------------------------------------------------

    def test_county_user_sees_his_county_and_another_unit_is_404_without_its_name(self) -> None:
        w = self.world
        self.login(self.county_user)
        for unit in (w.city_b, w.county_b1, w.city_a, w.province, w.county_a2):
            with self.subTest(unit=unit.name):
                response = self.client.get(URL, {"unit": unit.pk})
                self.assertEqual(response.status_code, 404)
                self.assertNotContains(response, unit.name, status_code=404)
                export = self.client.get(URL + "export/", {"unit": unit.pk})
                self.assertEqual(export.status_code, 404)
        response = self.client.get(URL, {"year": 2026})
        self.assertEqual(response.status_code, 200)
        report = response.context["report"]
        self.assertEqual(report.query.unit, w.county_a1)
        self.assertEqual(report.total["trainings.trained"], 4)
        self.assertEqual(report.total["academies.total"], 2)
        self.assertNotContains(response, "深圳市总工会")
        self.assertNotContains(response, "广州")

    def test_city_user_drilling_into_the_sibling_city_is_404(self) -> None:
        w = self.world
        self.login(w.city_admin_a)
        response = self.client.get(URL, {"unit": w.city_b.pk})
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "广州", status_code=404)
        report = self.report(w.city_admin_a, w.city_a)
        self.assertNotIn("广州市总工会", [r.label for r in report.rows])

    def test_permission(self) -> None:
        w = self.world
        self.assertEqual(self.client.get(URL).status_code, 302)
        self.login(make_user("nobody", w.city_a, no_perm_role()))
        self.assertEqual(self.client.get(URL).status_code, 403)
        granted = {r.code for r in BUILTIN_ROLES if "academy.view_statistics" in r.permissions}
        self.assertEqual(granted, {"academy_admin", "union_staff", "provincial_task_force"})

    # -- export ----------------------------------------------------------------------------------------

    def test_export_equals_the_screen_and_carries_the_rules(self) -> None:
        w = self.world
        self.login(w.province_admin)
        params = {"period": "quarter", "year": 2026, "quarter": 2, "unit": w.province.pk}
        page = self.client.get(URL, params)
        export = self.client.get(URL + "export/", params)
        self.assertEqual(export.status_code, 200)
        self.assertIn("attachment", export["Content-Disposition"])
        book = load_workbook(io.BytesIO(export.content))
        self.assertEqual(book.sheetnames, ["下级单位", "构成", "统计口径"])
        sheet = [list(r) for r in book["下级单位"].iter_rows(values_only=True)]
        table = sheet[4:]
        report = page.context["report"]
        self.assertEqual(table, [[c if c != "" else None for c in r] for r in table_rows(report)])
        # The screen's headline cells are the workbook's cells of the same columns.
        header = table[1]
        columns = [c.key for c in report.columns]
        for screen_row, book_row in zip(page.context["rows"], table[2:], strict=False):
            self.assertEqual(screen_row["label"], book_row[0])
            for col, (value, _link) in zip(
                page.context["headline"], screen_row["cells"], strict=True
            ):
                self.assertEqual(book_row[1 + columns.index(col.key)], value)
        self.assertEqual(table[-1][0], "合计")
        self.assertEqual(table[-1][1 + columns.index("trainings.trained")], 6)
        self.assertIn("培训人次", header)
        notes = [r[0] for r in book["统计口径"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(notes[: len(REGISTRY)], [i.label for i in REGISTRY.values()])

    # -- bad input -------------------------------------------------------------------------------------

    def test_absurd_parameters_are_400_or_404_never_500(self) -> None:
        self.login(self.world.province_admin)
        bad = [
            {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"},
            {"period": "custom", "start": "2026-05-01"},
            {"period": "custom", "start": "1900-01-01", "end": "2026-01-01"},
            {"period": "decade"},
            {"year": "abc"},
            {"year": "99999999999999999999"},
            {"quarter": "5", "period": "quarter"},
            {"month": "0", "period": "month"},
            {"level": "galactic"},
            {"unit": "abc"},
            {"unit": "-3"},
            {"start": "2026-02-30", "period": "custom", "end": "2026-03-01"},
        ]
        for params in bad:
            with self.subTest(params=params):
                self.assertEqual(self.client.get(URL, params).status_code, 400)
                self.assertEqual(self.client.get(URL + "export/", params).status_code, 400)
        self.assertEqual(self.client.get(URL, {"unit": 987654321}).status_code, 404)
        ok = self.client.get(URL, {"period": "custom", "start": "2026-05-04", "end": "2026-05-04"})
        self.assertEqual(ok.context["report"].total["trainings.classes"], 3)

    def test_period_bounds(self) -> None:
        self.assertEqual(
            period_bounds("quarter", year=2024, quarter=1),
            (dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        )
        self.assertEqual(
            period_bounds("month", year=2024, month=2), (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
        )
        self.assertEqual(
            period_bounds("year", year=2026), (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        )


class OrderAndUpgradeIndicatorTests(WorldTestCase):
    """合作企业 (training orders) and 技能等级晋升 (the one skill-upgrade count) per unit."""

    def report(self, user: Any, unit: Any) -> Any:
        year = timezone.localdate().year
        start, end = period_bounds("year", year=year)
        return statistics_report(
            user=user, query=StatsQuery(user=user, unit=unit, start=start, end=end)
        )

    def test_partner_enterprises_count_live_orders_of_the_academies_units(self) -> None:
        w = self.world
        a = w.city_admin_a
        county_academy = make_academy(w.county_a1, a, level="county")
        course = make_course(w.county_a1, a, academy=county_academy, publish=True)
        contact, enterprise = make_contact(w.county_a1, "qy_stats_1")
        make_order(contact, enterprise, course)
        delivered_later = make_order(contact, enterprise, course)  # the same enterprise again
        other_contact, other_enterprise = make_contact(w.county_a1, "qy_stats_2")
        returned = make_order(other_contact, other_enterprise, course)
        orders.order_return(actor=a, order=returned, reason="本期已满")  # not counted
        b_academy = make_academy(w.city_b, w.city_admin_b)
        b_course = make_course(w.city_b, w.city_admin_b, academy=b_academy, publish=True)
        b_contact, b_enterprise = make_contact(w.county_b1, "qy_stats_b")
        make_order(b_contact, b_enterprise, b_course)
        self.assertEqual(delivered_later.status, "pending")
        report = self.report(a, w.city_a)
        self.assertEqual((report.total["orders.partners"], report.total["orders.orders"]), (1, 2))
        self.assertEqual(report.total.get("orders.delivered", 0), 0)
        province = self.report(w.province_admin, w.province).total
        self.assertEqual((province["orders.partners"], province["orders.orders"]), (2, 3))

    def test_upgrades_are_the_one_count_split_by_source_and_level(self) -> None:
        w = self.world
        a = w.city_admin_a
        tc = running_class(w.county_a1, a)
        lecturer = tc.lecturers.first()
        first = classes.enrol(actor=a, training_class=tc, worker=worker())
        second = classes.enrol(actor=a, training_class=tc, worker=worker())
        upgrades.trainee_upgrade_record(
            actor=a, enrolment=first, lecturer=lecturer, **upgrade_data()
        )
        upgrades.trainee_upgrade_record(
            actor=a,
            enrolment=second,
            lecturer=lecturer,
            **upgrade_data(certificate_no="Y440300202600999", level_after="technician"),
        )
        b_class = running_class(w.county_b1, w.city_admin_b)
        b_enrolment = classes.enrol(actor=w.city_admin_b, training_class=b_class, worker=worker())
        upgrades.trainee_upgrade_record(
            actor=w.city_admin_b,
            enrolment=b_enrolment,
            lecturer=b_class.lecturers.first(),
            **upgrade_data(certificate_no="Y440300202600777"),
        )
        total = self.report(a, w.city_a).total
        self.assertEqual(
            (
                total["upgrades.total"],
                total["upgrades.source:training"],
                total["upgrades.level:senior_worker"],
                total["upgrades.level:technician"],
            ),
            (2, 2, 1, 1),
        )
        self.assertNotIn("upgrades.source:session", total)
        # The same figure as the casework count the dashboards use.
        year = timezone.localdate().year
        start, end = period_bounds("year", year=year)
        self.assertEqual(
            skill_upgrade_counts(user=a, start=start, end=end, org=w.city_a).total,
            total["upgrades.total"],
        )
        province = self.report(w.province_admin, w.province)
        self.assertEqual(province.total["upgrades.total"], 3)
        self.assertEqual(sum(r.values.get("upgrades.total", 0) for r in province.rows), 3)


class CompetitionAndInnovationIndicatorTests(WorldTestCase):
    """竞赛 and 创新活动 per unit: the rules of docs/kpi.md §5, rolled up to the child units."""

    def report(self, user: Any, unit: Any) -> Any:
        today = timezone.localdate()
        query = StatsQuery(user=user, unit=unit, start=today, end=today + dt.timedelta(days=30))
        return statistics_report(user=user, query=query)

    def test_held_competitions_and_innovations_by_unit(self) -> None:
        w = self.world
        me = w.city_admin_a
        held = make_competition(w.county_a1, me, open_=True, level="county")
        for _ in range(3):
            competitions.contestant_register(actor=me, competition=held, data=contestant())
        competitions.competition_move(actor=me, competition=held, to="running")
        waiting = make_competition(w.city_a, me, open_=True)  # not held yet: not counted
        competitions.contestant_register(actor=me, competition=waiting, data=contestant())
        theirs = make_competition(w.city_b, w.city_admin_b, open_=True)
        competitions.contestant_register(
            actor=w.city_admin_b, competition=theirs, data=contestant()
        )
        competitions.competition_move(actor=w.city_admin_b, competition=theirs, to="running")
        base = {"start_date": timezone.localdate().isoformat(), "participants_count": 2}
        done = competitions.innovation_create(
            actor=me, org=w.county_a1, data={**base, "kind": "studio", "title": "攻关甲"}
        )
        done = competitions.innovation_move(actor=me, innovation=done, to="ongoing")
        done = competitions.innovation_update(
            actor=me,
            innovation=done,
            data={"outcome": "完成", "economic_benefit": "100", "patent_count": 2, "adopted": True},
        )
        competitions.innovation_move(actor=me, innovation=done, to="completed")
        competitions.innovation_create(
            actor=me, org=w.city_a, data={**base, "kind": "open_call", "title": "揭榜乙"}
        )

        city = self.report(me, w.city_a)
        t = city.total
        self.assertEqual(
            (t["competitions.held"], t["competitions.entrants"], t.get("competitions.awarded", 0)),
            (1, 3, 0),
        )
        self.assertEqual(
            (
                t["innovations.started"],
                t["innovations.completed"],
                t["innovations.patents"],
                t["innovations.adopted"],
            ),
            (2, 1, 2, 1),
        )
        county = next(r for r in city.rows if r.label == w.county_a1.name)
        self.assertEqual(
            (county.values["competitions.held"], county.values["innovations.completed"]), (1, 1)
        )
        # Same figures as the selectors' totals (one rule, two readers).
        today = timezone.localdate()
        span = {"start": today, "end": today + dt.timedelta(days=30)}
        figures = selectors.competition_figures(user=me, org=w.city_a, **span)
        self.assertEqual(
            (figures["competitions"], figures["participants"]),
            (t["competitions.held"], t["competitions.entrants"]),
        )
        # The province sees both cities; the rows add up.
        province = self.report(w.province_admin, w.province)
        self.assertEqual(province.total["competitions.held"], 2)
        self.assertEqual(sum(r.values.get("competitions.entrants", 0) for r in province.rows), 4)
        # The link behind 竞赛场次 lists exactly the competitions counted.
        self.login(me)
        column = next(c for c in city.columns if c.figure.key == "held")
        url = column.figure.link(city.query, w.city_a.pk)  # type: ignore[misc]
        page = self.client.get(url).content.decode()
        self.assertIn(held.title, page)
        self.assertNotIn(waiting.title, page)
