"""清单匹配: demands lined up with service items; filters; Excel export with labels and safe cells."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from jiangqiao.accounts.models import Role
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.matching.export import HEADERS, safe

from .helpers import craftsman, open_demand


class MatchListTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.cnc = craftsman(
            w.county_a1, w.city_admin_a, expertise="数控机床维修", items=["主轴异响诊断"]
        )
        cls.evil = craftsman(
            w.county_a1, w.city_admin_a, expertise="焊接", items=['=HYPERLINK("http://x")焊接培训']
        )
        cls.hidden = craftsman(
            w.county_b1, w.city_admin_b, expertise="数控机床维修", items=["主轴异响诊断（广州）"]
        )
        cls.nanshan = open_demand(
            w.county_a1,
            w.city_admin_a,
            title="-主轴异响",
            description="加工中心主轴异响，需要诊断",
            industry_codes=["3411"],
        )
        cls.baoan = open_demand(
            w.county_a2,
            w.city_admin_a,
            title="焊接培训需求",
            description="焊工培训",
            industry_codes=["3311"],
        )
        cls.closed = open_demand(w.county_a1, w.city_admin_a, title="已办结需求", status="closed")

    def test_page_lines_demands_up_with_service_items(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.get(reverse("matching:matchlist"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("-主轴异响", html)
        self.assertIn("主轴异响诊断", html)
        self.assertIn(self.cnc.name, html)
        self.assertNotIn("主轴异响诊断（广州）", html)
        self.assertNotIn("已办结需求", html)
        self.assertIn("导出Excel", html)

    def test_region_and_industry_filters(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.get(reverse("matching:matchlist"), {"region": "440306"})
        self.assertContains(response, "焊接培训需求")
        self.assertNotContains(response, "-主轴异响")
        response = self.client.get(reverse("matching:matchlist"), {"industry": "C34"})
        self.assertContains(response, "-主轴异响")
        self.assertNotContains(response, "焊接培训需求")
        closed = self.client.get(reverse("matching:matchlist"), {"status": "closed"})
        self.assertContains(closed, "已办结需求")

    def test_export_link_follows_filters_applied_without_a_reload(self) -> None:
        self.login(self.world.city_admin_a)
        partial = self.client.get(
            reverse("matching:matchlist"), {"region": "440306"}, HTTP_HX_REQUEST="true"
        ).content.decode()
        self.assertIn(reverse("matching:matchlist_export"), partial)
        self.assertIn('<input type="hidden" name="region" value="440306">', partial)
        partial = self.client.get(
            reverse("matching:matchlist"), {"region": "440306"}, headers={"HX-Request": "true"}
        )
        self.assertNotIn("<html", partial.content.decode())
        bad = self.client.get(reverse("matching:matchlist"), {"region": "不存在的地方"})
        self.assertEqual(bad.status_code, 200)
        self.assertContains(bad, "没有符合条件的需求")

    def test_excel_export(self) -> None:
        self.login(self.world.city_admin_a)
        refused = self.client.get(reverse("matching:matchlist_export"), follow=True)
        self.assertContains(refused, "请说明导出的用途")
        response = self.client.get(reverse("matching:matchlist_export"), {"_purpose": "派单"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn(".xlsx", response["Content-Disposition"])
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        sheet = workbook["清单匹配"]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        self.assertIn("共 2 条需求", rows[0][0])
        self.assertIn("用途：派单", rows[0][0])
        self.assertIn("导出人：", rows[0][0])
        self.assertEqual(tuple(rows[1][: len(HEADERS)]), HEADERS)
        data = rows[2:]
        by_title = {}
        for row in data:
            by_title.setdefault(row[1], []).append(row)
        self.assertIn("'-主轴异响", by_title, "a cell starting with - is neutralised")
        first = by_title["'-主轴异响"][0]
        self.assertEqual(first[4], "锅炉及辅助设备制造")  # industry label, not the code 3411
        self.assertEqual(first[5], "南山区")  # region label
        self.assertEqual(first[6], "已提交")
        self.assertEqual(first[9], self.cnc.name)
        self.assertTrue(first[12])
        titles = [row[8] for row in data if row[8]]
        self.assertTrue(any(str(t).startswith("'=HYPERLINK") for t in titles))
        self.assertFalse(any(str(t).startswith("=") for t in titles))
        self.assertNotIn("主轴异响诊断（广州）", titles)
        log = OperationLog.objects.get(business_type="export", module="供需匹配")
        self.assertEqual(log.extra["demands"], 2)

    def test_export_is_capped_with_a_clear_message(self) -> None:
        self.login(self.world.city_admin_a)
        with self.settings(JIANGQIAO_MATCH_EXPORT_MAX=1):
            response = self.client.get(reverse("matching:matchlist_export"), {"_purpose": "派单"})
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        note = workbook["清单匹配"]["A1"].value
        self.assertIn("仅导出前 1 条", note)
        self.assertIn("缩小筛选范围", note)

    def test_permissions(self) -> None:
        contact = make_user(
            "contact_ml", self.world.county_a1, Role.objects.get(code="enterprise_contact")
        )
        self.login(contact)
        self.assertEqual(self.client.get(reverse("matching:matchlist")).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("matching:matchlist_export"), {"_purpose": "派单"}).status_code,
            403,
        )
        self.client.logout()
        response = self.client.get(reverse("matching:matchlist"))
        self.assertEqual(response.status_code, 302)


def test_formula_neutralisation() -> None:
    assert safe("=1+1") == "'=1+1"
    assert safe("+86") == "'+86"
    assert safe("@SUM(A1)") == "'@SUM(A1)"
    assert safe("-5") == "'-5"
    assert safe("正常文本") == "正常文本"
    assert safe(3) == 3
