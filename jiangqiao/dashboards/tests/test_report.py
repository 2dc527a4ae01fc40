"""上报统计表: the workbook and the PDF against the cockpit and against hand counts, the data
scope (a county never sees a sibling), the permission, the job's files kept for their requester.

The data are made through the services (a demand submitted by the enterprise, triaged, matched,
accepted, served, solved and confirmed), so the figures are the rollups kept on write; the targets
are arranged with ``Target.objects.create`` (the targets services are written elsewhere).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from jiangqiao.accounts.models import Role, User
from jiangqiao.casework import services as case_services
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import Offer
from jiangqiao.core.choices import BusinessType, DataScope, JobStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Job, OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import business_permissions, make_user, scope_role
from jiangqiao.dashboards import report
from jiangqiao.dashboards.choices import Pace
from jiangqiao.dashboards.indicators import REGISTRY
from jiangqiao.dashboards.models import Target
from jiangqiao.dashboards.selectors import Cockpit, cockpit
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import Channel
from jiangqiao.demands.models import EnterpriseContact
from jiangqiao.matching import services as matching_services
from jiangqiao.matching.tests.helpers import craftsman, enterprise
from jiangqiao.talents.models import Craftsman

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 6, 16)
YEAR = 2025
#: The share of 2025 gone by at the end of 16 June (day 167 of 365): the linear pace.
LINEAR = 167 / 365
NATIONAL = ["person_times", "enterprises_served", "problems_solved", "skill_upgrades"]
OTHERS = ["workers_trained", "academy_trained", "demands_collected"]
_n = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def cells_of(ws: Any) -> list[Any]:
    return [c.value for row in ws.iter_rows() for c in row if c.value is not None]


def text_of(wb: Any) -> str:
    return "\n".join(str(v) for ws in wb.worksheets for v in cells_of(ws))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def rows_by_label(ws: Any) -> dict[str, int]:
    """Sheet row number of each unit label in column A, below the header."""
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "单位")
    return {
        str(ws.cell(row=r, column=1).value): r
        for r in range(header + 2, ws.max_row + 1)
        if ws.cell(row=r, column=1).value
    }


@time_machine.travel(at(TODAY), tick=False)
class ReportWorld(WorldTestCase):
    """Service work of 2024 and 2025 in 南山 (and its grassroots union), 宝安 and 天河."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        craftsman_role = Role.objects.get(code="craftsman")
        contact_role = Role.objects.get(code="enterprise_contact")
        cls.people: dict[str, tuple[Any, Any, Any, Any, Any]] = {}
        staff = {"a": w.city_admin_a, "b": w.city_admin_b}
        for key, unit, city in (
            ("a1", w.county_a1, "a"),
            ("g", w.grassroots_a1, "a"),
            ("a2", w.county_a2, "a"),
            ("b1", w.county_b1, "b"),
        ):
            # A craftsman of the county (the grassroots union's demands are served from 南山).
            home = w.county_a1 if key == "g" else unit
            user = make_user(f"gj_{key}", home, craftsman_role)
            person = craftsman(home, staff[city], name=f"工匠{key}")
            Craftsman.objects.filter(pk=person.pk).update(user=user)
            ent = enterprise(unit)
            boss = make_user(f"qy_{key}", unit, contact_role)
            EnterpriseContact.objects.create(enterprise=ent, user=boss, name=f"联络人{key}")
            cls.people[key] = (staff[city], Craftsman.objects.get(pk=person.pk), user, ent, boss)
        # Last year: one session in 南山 in March (last year's monthly shape: the seasonal pace).
        cls.serve("a1", dt.date(2024, 3, 5), trainees=3, solve=False)
        # This year, until 16 June.
        cls.serve("a1", dt.date(2025, 3, 10), trainees=4, upgrade=True)
        cls.serve("a1", dt.date(2025, 5, 20), trainees=6, solve=False)
        cls.submit("a1", dt.date(2025, 6, 3))  # collected, never served
        cls.serve("g", dt.date(2025, 4, 8), trainees=2)
        cls.serve("a2", dt.date(2025, 6, 2), trainees=5, solve=False, upgrade=True)
        cls.serve("b1", dt.date(2025, 2, 14), trainees=7)
        cls.set_targets()
        cls.county_admin = make_user(
            "nanshan_admin", w.county_a1, scope_role(DataScope.ORG_AND_BELOW)
        )

    # ---------------------------------------------------------------------------- arrangement

    @classmethod
    def submit(cls, key: str, day: dt.date) -> Any:
        _staff, _person, _user, ent, boss = cls.people[key]
        with time_machine.travel(at(day), tick=False):
            return demand_services.demand_create(
                actor=boss,
                enterprise=ent,
                channel=Channel.ONLINE,
                submit=True,
                data={
                    "kind": "tech_problem",
                    "title": f"数控机床主轴异响{next(_n)}",
                    "description": "加工中心主轴高速运转时异响，需要数控机床维修专家现场诊断",
                },
            )

    @classmethod
    def serve(
        cls, key: str, day: dt.date, *, trainees: int, solve: bool = True, upgrade: bool = False
    ) -> None:
        staff, person, user, _ent, boss = cls.people[key]
        demand = cls.submit(key, day)
        with time_machine.travel(at(day, 11), tick=False):
            demand = case_services.demand_triage(
                actor=staff,
                demand=demand,
                data={"category": "tech", "grade": "b", "owner_level": "county"},
            )
            suggestion = matching_services.suggestion_add_manual(
                actor=staff, demand=demand, craftsman=person
            )
            matching_services.suggestion_confirm(actor=staff, suggestion=suggestion)
            offer = Offer.objects.get(demand=demand, craftsman=person)
            case_services.offer_accept(actor=user, offer=offer)
            upgrades = []
            if upgrade:
                n = next(_n)
                upgrades.append(
                    {
                        "worker_code": f"GH-{n:04d}",
                        "worker_initials": "lm",
                        "occupation": "6-18-01-01",
                        "level_before": "intermediate_worker",
                        "level_after": "senior_worker",
                        "certificate_no": f"S{n:010d}",
                    }
                )
            session_services.session_create(
                actor=user,
                offer=offer,
                data={"date": day, "mode": "onsite", "duration_min": 120, "trainees": trainees},
                skill_upgrades=upgrades,
            )
            if solve:
                case_services.outcome_record(
                    actor=user, demand=demand, result="solved", summary="更换主轴轴承，异响消除"
                )
                case_services.outcome_confirm(actor=boss, demand=demand, answer="solved", rating=5)

    @classmethod
    def set_targets(cls) -> None:
        w = cls.world
        targets = {
            w.province: {
                "person_times": 100,
                "enterprises_served": 50,
                "problems_solved": 40,
                "skill_upgrades": 200,
                "workers_trained": 300,
                "demands_collected": 20,
            },
            # 深圳: person-times 4 of 8 (pace 3.66: 正常), enterprises 3 of 10 (落后),
            # workers trained 17 of 40 (pace 18.3: 稍慢).
            w.city_a: {"person_times": 8, "enterprises_served": 10, "workers_trained": 40},
            # 广州: person-times 1 of 1 (pace 0.46: 超前), enterprises 1 of 2 (pace 0.92: 正常).
            w.city_b: {"person_times": 1, "enterprises_served": 2},
            w.county_a1: {"person_times": 5},
            w.county_a2: {"person_times": 3},
        }
        for unit, values in targets.items():
            for code, value in values.items():
                Target.objects.create(
                    org=unit, year=YEAR, indicator=code, value=value, created_by=w.superuser
                )

    # --------------------------------------------------------------------------------- helpers

    def export(self, user: User, unit: Any, **data: Any) -> Job:
        """Start the report through the page (the job runs at commit) and return the job."""
        self.client.force_login(user)
        before = set(Job.objects.values_list("pk", flat=True))
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("dashboards:report_export"), {"unit": unit.pk, "period": "year", **data}
            )
        self.assertEqual(response.status_code, 302, response.content.decode()[:500])
        job = Job.objects.exclude(pk__in=before).get()
        self.assertEqual(response["Location"], reverse("dashboards:report_progress", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.SUCCEEDED, job.error)
        return job

    def download(self, job: Job, fmt: str) -> bytes:
        response = self.client.get(reverse("dashboards:report_download", args=[job.pk, fmt]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], report.FORMATS[fmt])
        self.assertIn("no-store", response["Cache-Control"])
        return response.content

    def workbook(self, job: Job) -> Any:
        return load_workbook(io.BytesIO(self.download(job, "xlsx")))

    def screen(self, user: User, unit: Any) -> Cockpit:
        return cockpit(user=user, unit=unit, year=YEAR, today=TODAY)

    def assert_row_matches(self, ws: Any, row: int, codes: list[str], standings: Any) -> None:
        """Every cell of a row equals the cockpit's standing, as a number with its format."""
        for i, code in enumerate(codes):
            col = report.first_column(i)
            st = standings[code]
            target, actual, completion, pace, status = (
                ws.cell(row=row, column=col + j) for j in range(5)
            )
            with self.subTest(sheet=ws.title, row=row, indicator=code):
                head = ws.cell(row=report.TITLE_ROWS + 1, column=col).value
                self.assertEqual(head, f"{st.indicator.label}（{st.indicator.unit}）")
                self.assertEqual(target.value, st.target)
                self.assertEqual(actual.value, st.actual)
                self.assertIsInstance(actual.value, int)
                expected = None if st.expected is None else st.expected / st.target
                # Floats pass through the file's XML text: equal to 15 significant digits.
                for cell, value in ((completion, st.completion), (pace, expected)):
                    if value is None:
                        self.assertIsNone(cell.value)
                    else:
                        self.assertAlmostEqual(cell.value, value, places=14)
                for cell in (completion, pace):
                    self.assertEqual(cell.number_format, "0.0%")
                    self.assertNotIsInstance(cell.value, str)
                self.assertEqual(actual.number_format, "#,##0")
                self.assertEqual(status.value, Pace(st.pace).label)


class WorkbookTests(ReportWorld):
    def test_province_workbook_cell_by_cell_against_the_cockpit_and_hand_counts(self) -> None:
        w = self.world
        job = self.export(w.province_admin, w.province)
        wb = self.workbook(job)
        self.assertEqual(wb.sheetnames, ["国家指标", "其他指标", "说明"])
        screen = self.screen(w.province_admin, w.province)
        self.assertEqual(screen.as_of, TODAY)

        for ws, codes in ((wb["国家指标"], NATIONAL), (wb["其他指标"], OTHERS)):
            title = str(ws["A1"].value)
            self.assertIn("广东省总工会", title)
            self.assertIn("2025年", title)
            self.assertIn("统计期间：2025-01-01 至 2025-12-31", ws["A2"].value)
            self.assertIn("统计截止日期：2025-06-16", ws["A2"].value)
            self.assertEqual(ws.freeze_panes, "B7")
            self.assertEqual(ws["B5"].fill.fgColor.rgb, "FFEEF3FB")
            self.assertEqual(
                [ws.cell(row=6, column=c).value for c in range(2, 7)],
                ["目标", "完成", "完成率", "序时进度", "状态"],
            )
            rows = rows_by_label(ws)
            # Exactly the cockpit's rows, in its order: the province as 合计, then its cities.
            self.assertEqual(
                list(rows), ["广东省总工会（合计）", *(c.unit.name for c in screen.children)]
            )
            self.assertEqual(set(rows), {"广东省总工会（合计）", "深圳市总工会", "广州市总工会"})
            by_code = {s.indicator.code: s for s in screen.standings}
            self.assert_row_matches(ws, rows["广东省总工会（合计）"], codes, by_code)
            for child in screen.children:
                self.assert_row_matches(ws, rows[child.unit.name], codes, child.standings)

        # Hand counts (docs/kpi.md): 2025 until 16 June.
        national, others = wb["国家指标"], wb["其他指标"]
        rows = rows_by_label(national)

        def actual(ws: Any, label: str, i: int) -> Any:
            return ws.cell(row=rows[label], column=report.first_column(i) + 1).value

        total, sz, gz = "广东省总工会（合计）", "深圳市总工会", "广州市总工会"
        # person-times: 南山 2 + 南山精密 1 + 宝安 1 + 天河 1 (the 2024 session is last year's)
        self.assertEqual([actual(national, r, 0) for r in (total, sz, gz)], [5, 4, 1])
        # enterprises: one a year each — 南山's enterprise served twice counts once
        self.assertEqual([actual(national, r, 1) for r in (total, sz, gz)], [4, 3, 1])
        # problems solved and confirmed: 南山 (March), 南山精密, 天河
        self.assertEqual([actual(national, r, 2) for r in (total, sz, gz)], [3, 2, 1])
        # skill upgrades: 南山 and 宝安
        self.assertEqual([actual(national, r, 3) for r in (total, sz, gz)], [2, 2, 0])
        # workers trained: 4 + 6 + 2 + 5 = 17 in 深圳, 7 in 天河; no academy classes
        self.assertEqual([actual(others, r, 0) for r in (total, sz, gz)], [24, 17, 7])
        self.assertEqual([actual(others, r, 1) for r in (total, sz, gz)], [0, 0, 0])
        # demands collected: 南山 3 (one never served), 南山精密 1, 宝安 1, 天河 1
        self.assertEqual([actual(others, r, 2) for r in (total, sz, gz)], [6, 5, 1])

        # Targets, completion and pace by hand.
        col = report.first_column(0)
        sz_row, gz_row, total_row = rows[sz], rows[gz], rows[total]
        self.assertEqual(national.cell(row=sz_row, column=col).value, 8)
        self.assertEqual(national.cell(row=sz_row, column=col + 2).value, 4 / 8)
        self.assertAlmostEqual(national.cell(row=sz_row, column=col + 3).value, LINEAR)
        self.assertEqual(national.cell(row=sz_row, column=col + 4).value, "正常")
        self.assertEqual(national.cell(row=gz_row, column=col + 4).value, "超前")
        self.assertEqual(national.cell(row=sz_row, column=col + 9).value, "落后")  # enterprises
        self.assertEqual(national.cell(row=gz_row, column=col + 9).value, "正常")
        self.assertEqual(national.cell(row=sz_row, column=col + 14).value, "未设目标")
        self.assertIsNone(national.cell(row=sz_row, column=col + 10).value)  # no target
        self.assertIsNone(national.cell(row=sz_row, column=col + 12).value)  # no completion
        self.assertEqual(others.cell(row=sz_row, column=col + 4).value, "稍慢")  # 17 of 40
        # The province's person-times: last year's whole shape was in March, so by June the
        # seasonal pace is the whole target; problems solved had no shape last year: linear.
        self.assertAlmostEqual(national.cell(row=total_row, column=col + 3).value, 1.0)
        self.assertEqual(national.cell(row=total_row, column=col + 2).value, 5 / 100)
        self.assertEqual(national.cell(row=total_row, column=col + 4).value, "落后")
        self.assertAlmostEqual(national.cell(row=total_row, column=col + 13).value, LINEAR)

        notes = wb["说明"]
        text = "\n".join(str(v) for v in cells_of(notes))
        for code in NATIONAL + OTHERS:
            self.assertIn(REGISTRY[code].rule, text)
        self.assertIn("序时进度", text)
        self.assertIn("不低于 90% 为“稍慢”", text)
        self.assertIn("季节性（按上年各月分布）", text)  # the province's person-times

    def test_a_period_within_the_year_matches_the_cockpit_of_that_period(self) -> None:
        w = self.world
        job = self.export(w.city_admin_a, w.city_a, period="quarter", year=2025, quarter=2)
        ws = self.workbook(job)["国家指标"]
        self.assertIn("2025-04-01 至 2025-06-30", ws["A2"].value)
        screen = cockpit(
            user=w.city_admin_a,
            unit=w.city_a,
            year=YEAR,
            start=dt.date(2025, 4, 1),
            end=dt.date(2025, 6, 30),
            today=TODAY,
        )
        rows = rows_by_label(ws)
        self.assertEqual(
            list(rows), ["深圳市总工会（合计）", *(c.unit.name for c in screen.children)]
        )
        self.assertEqual(set(rows), {"深圳市总工会（合计）", "南山区总工会", "宝安区总工会"})
        self.assert_row_matches(
            ws,
            rows["深圳市总工会（合计）"],
            NATIONAL,
            {s.indicator.code: s for s in screen.standings},
        )
        for child in screen.children:
            self.assert_row_matches(ws, rows[child.unit.name], NATIONAL, child.standings)
        # In the second quarter: 南山 20 May, 南山精密 8 April, 宝安 2 June (not 10 March).
        col = report.first_column(0) + 1
        self.assertEqual(ws.cell(row=rows["深圳市总工会（合计）"], column=col).value, 3)
        self.assertEqual(ws.cell(row=rows["南山区总工会"], column=col).value, 2)

    def test_a_year_without_data_or_targets_is_an_honest_empty_report(self) -> None:
        w = self.world
        job = self.export(w.province_admin, w.province, year=2019)
        ws = self.workbook(job)["国家指标"]
        rows = rows_by_label(ws)
        for r in rows.values():
            for i in range(len(NATIONAL)):
                col = report.first_column(i)
                self.assertIsNone(ws.cell(row=r, column=col).value)
                self.assertEqual(ws.cell(row=r, column=col + 1).value, 0)
                self.assertIsNone(ws.cell(row=r, column=col + 2).value)
                self.assertEqual(ws.cell(row=r, column=col + 4).value, "未设目标")


class ScopeTests(ReportWorld):
    SIBLINGS = ("宝安", "天河", "深圳市总工会", "广州", "广东省总工会")

    def test_a_county_report_never_names_a_sibling_nor_counts_its_figures(self) -> None:
        w = self.world
        job = self.export(self.county_admin, w.county_a1)
        wb = self.workbook(job)
        text = text_of(wb)
        for name in self.SIBLINGS:
            self.assertNotIn(name, text)
        ws = wb["国家指标"]
        rows = rows_by_label(ws)
        self.assertEqual(list(rows), ["南山区总工会（合计）", "南山精密公司工会"])
        col = report.first_column(0) + 1
        self.assertEqual(ws.cell(row=rows["南山区总工会（合计）"], column=col).value, 3)
        self.assertEqual(ws.cell(row=rows["南山精密公司工会"], column=col).value, 1)
        others = wb["其他指标"]
        self.assertEqual(others.cell(row=rows["南山区总工会（合计）"], column=col).value, 12)
        screen = self.screen(self.county_admin, w.county_a1)
        self.assert_row_matches(
            ws,
            rows["南山区总工会（合计）"],
            NATIONAL,
            {s.indicator.code: s for s in screen.standings},
        )
        pdf = pdf_text(self.download(job, "pdf"))
        self.assertIn("南山区总工会", pdf)
        for name in self.SIBLINGS:
            self.assertNotIn(name, pdf)

    def test_an_own_unit_only_user_gets_his_unit_alone(self) -> None:
        w = self.world  # 仅本级 at 南山: neither the grassroots union's name nor its figures
        job = self.export(w.county_operator, w.county_a1)
        ws = self.workbook(job)["国家指标"]
        rows = rows_by_label(ws)
        self.assertEqual(list(rows), ["南山区总工会（合计）"])
        self.assertEqual(ws.cell(row=rows["南山区总工会（合计）"], column=3).value, 2)
        self.assertNotIn("南山精密", text_of(self.workbook(job)))

    def test_units_below_not_visible_by_name_are_one_other_row(self) -> None:
        w = self.world
        group = Group.objects.create(name="role:report_custom")
        group.permissions.set(business_permissions())
        role = Role.objects.create(
            group=group, code="report_custom", name="测试-自定义", data_scope=DataScope.CUSTOM
        )
        role.custom_orgs.set([w.province, w.county_b1])
        user = make_user("custom_reader", w.province, role)
        job = self.export(user, w.province)
        wb = self.workbook(job)
        ws = wb["国家指标"]
        rows = rows_by_label(ws)
        self.assertEqual(list(rows), ["广东省总工会（合计）", "其他下级单位"])
        screen = self.screen(user, w.province)
        self.assertEqual(screen.children, [])
        other = rows["其他下级单位"]
        for i, code in enumerate(NATIONAL):
            col = report.first_column(i)
            self.assertEqual(ws.cell(row=other, column=col + 1).value, screen.other.get(code, 0))
            self.assertIsNone(ws.cell(row=other, column=col).value)
            self.assertEqual(ws.cell(row=other, column=col + 4).value, "—")
        # 天河's figures, unnamed: 1 person-time, 1 problem solved.
        self.assertEqual(ws.cell(row=other, column=report.first_column(0) + 1).value, 1)
        self.assertEqual(ws.cell(row=other, column=report.first_column(2) + 1).value, 1)
        text = text_of(wb)
        for name in ("天河", "广州", "深圳", "南山", "宝安"):
            self.assertNotIn(name, text)

    def test_a_unit_outside_the_scope_is_refused_and_no_job_starts(self) -> None:
        w = self.world
        self.client.force_login(w.city_admin_a)
        response = self.client.post(
            reverse("dashboards:report_export"), {"unit": w.county_b1.pk, "period": "year"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("天河", response.content.decode())
        self.assertFalse(Job.objects.filter(kind=report.REPORT_JOB).exists())
        with self.assertRaisesRegex(BusinessError, "不在您的数据范围内"):
            report.report_start(
                actor=w.city_admin_a, unit=w.county_b1, year=YEAR, start=TODAY, end=TODAY
            )


class AccessTests(ReportWorld):
    def test_without_the_export_permission_every_page_is_403(self) -> None:
        w = self.world
        job = self.export(w.city_admin_a, w.city_a)
        group = Group.objects.create(name="role:report_noexport")
        group.permissions.set(business_permissions().exclude(codename="export_report"))
        role = Role.objects.create(
            group=group, code="report_noexport", name="测试-不可导出", data_scope=DataScope.ALL
        )
        user = make_user("no_export", w.province, role)
        self.client.force_login(user)
        for url in (
            reverse("dashboards:report_export"),
            reverse("dashboards:report_progress", args=[job.pk]),
            reverse("dashboards:report_download", args=[job.pk, "xlsx"]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(
            reverse("dashboards:report_export"), {"unit": w.province.pk, "period": "year"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Job.objects.filter(kind=report.REPORT_JOB).count(), 1)
        with self.assertRaisesRegex(BusinessError, "没有导出上报统计表的权限"):
            report.report_start(actor=user, unit=w.province, year=YEAR, start=TODAY, end=TODAY)

    def test_only_the_requester_may_follow_and_download_and_only_within_his_scope(self) -> None:
        w = self.world
        job = self.export(w.city_admin_a, w.city_a)
        self.assertTrue(self.download(job, "pdf").startswith(b"%PDF"))
        # The province admin may see 深圳's figures, but the file is the city admin's.
        self.client.force_login(w.province_admin)
        for url in (
            reverse("dashboards:report_progress", args=[job.pk]),
            reverse("dashboards:report_download", args=[job.pk, "xlsx"]),
            reverse("dashboards:report_download", args=[job.pk, "pdf"]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        # A format that is not one.
        self.client.force_login(w.city_admin_a)
        bad = reverse("dashboards:report_download", args=[job.pk, "csv"])
        self.assertEqual(self.client.get(bad).status_code, 404)
        # Moved to a county: 深圳's report is out of his scope now.
        User.objects.filter(pk=w.city_admin_a.pk).update(org=w.county_a2)
        url = reverse("dashboards:report_download", args=[job.pk, "xlsx"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_job_runs_as_the_requester_with_his_scope_when_it_runs(self) -> None:
        w = self.world
        with self.captureOnCommitCallbacks() as queued:
            job = report.report_start(
                actor=w.city_admin_a,
                unit=w.city_a,
                year=YEAR,
                start=dt.date(2025, 1, 1),
                end=dt.date(2025, 12, 31),
            )
        self.assertEqual(job.params["today"], "2025-06-16")
        # Before the worker takes it, the requester is moved to a county: 深圳 is out of scope.
        User.objects.filter(pk=w.city_admin_a.pk).update(org=w.county_a2)
        for callback in queued:
            callback()
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatus.FAILED)
        self.assertIn("不在导出人的数据范围内", job.message)
        self.assertFalse(
            OperationLog.objects.filter(
                business_type=BusinessType.EXPORT, module=report.MODULE
            ).exists()
        )
        self.assertFalse((job.result or {}).get("files"))
        # The job belongs to 深圳, out of his scope now: neither its page nor a file.
        self.client.force_login(User.objects.get(pk=w.city_admin_a.pk))
        for url in (
            reverse("dashboards:report_progress", args=[job.pk]),
            reverse("dashboards:report_download", args=[job.pk, "xlsx"]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_each_export_is_logged_and_the_progress_page_offers_both_files(self) -> None:
        w = self.world
        job = self.export(w.city_admin_a, w.city_a)
        log = OperationLog.objects.get(business_type=BusinessType.EXPORT, module=report.MODULE)
        self.assertIn("导出上报统计表：深圳市总工会", log.action)
        self.assertEqual(log.org_id, w.city_a.pk)
        self.assertEqual(log.user_id, w.city_admin_a.pk)
        page = self.client.get(reverse("dashboards:report_progress", args=[job.pk]))
        html = page.content.decode()
        self.assertIn(reverse("dashboards:report_download", args=[job.pk, "xlsx"]), html)
        self.assertIn(reverse("dashboards:report_download", args=[job.pk, "pdf"]), html)
        partial = self.client.get(
            reverse("dashboards:report_progress", args=[job.pk]), headers={"HX-Request": "true"}
        )
        self.assertNotIn("<html", partial.content.decode())
        self.assertIn("下载 Excel", partial.content.decode())
        # The form page lists his recent reports.
        form = self.client.get(reverse("dashboards:report_export"), {"unit": w.city_a.pk})
        self.assertEqual(form.status_code, 200)
        self.assertIn(job.title, form.content.decode())

    def test_bad_periods_name_the_field_and_start_nothing(self) -> None:
        w = self.world
        self.client.force_login(w.city_admin_a)
        cases = [
            ({"period": "custom", "start": "2025-12-01", "end": "2026-01-31"}, "同一年度内"),
            ({"period": "custom", "start": "2025-05-01", "end": "2025-04-01"}, "不能早于开始日期"),
            ({"period": "custom", "start": "2025-05-01"}, "请填写结束日期"),
            ({"period": "quarter", "year": "2025"}, "请选择季度"),
            ({"period": "year", "year": "1800"}, "年度"),
            ({"period": "decade"}, "统计期间"),
            ({"period": "year", "start": "not-a-date", "end": "x"}, "日期"),
        ]
        for data, message in cases:
            with self.subTest(data=data):
                response = self.client.post(
                    reverse("dashboards:report_export"), {"unit": w.city_a.pk, **data}
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.content.decode())
        self.assertFalse(Job.objects.filter(kind=report.REPORT_JOB).exists())


class PdfTests(ReportWorld):
    def test_the_pdf_has_the_tables_and_status_words(self) -> None:
        w = self.world
        job = self.export(w.province_admin, w.province)
        data = self.download(job, "pdf")
        self.assertTrue(data.startswith(b"%PDF"))
        reader = PdfReader(io.BytesIO(data))
        box = reader.pages[0].mediabox
        self.assertGreater(float(box.width), float(box.height))  # landscape
        text = pdf_text(data)
        for words in (
            "广东省总工会",
            "深圳市总工会",
            "广州市总工会",
            "国家指标",
            "其他指标",
            "劳模工匠服务人次",
            "序时进度",
            "统计截止日期：2025-06-16",
            "超前",
            "稍慢",
            "落后",
            "未设目标",
            "50.0%",  # 深圳's person-times: 4 of 8
        ):
            self.assertIn(words, text)
