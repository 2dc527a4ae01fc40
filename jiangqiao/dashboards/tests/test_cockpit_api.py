"""The cockpit as JSON (``/api/v1/dashboards/cockpit/``): the page's figures, against the
counting rules; a county never sees a sibling's figures or name; a unit outside the scope is a
404; bad periods name the field; no permission, 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiangqiao.casework import kpi
from jiangqiao.core.testing.personas import make_user, no_perm_role

from .test_cockpit import NATIONAL, CockpitWorld

API = "/api/v1/dashboards/cockpit/"


class CockpitApiTests(CockpitWorld):
    def get(self, user: Any, **params: Any) -> Any:
        self.client.force_login(user)
        return self.client.get(API, params)

    def test_the_province_answer_is_the_counting_rules(self) -> None:
        w = self.world
        response = self.get(w.province_admin, year=2026)
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["unit"]["id"], w.province.pk)
        got = {i["code"]: i for i in data["indicators"]}
        want = kpi.figures(
            user=w.province_admin,
            org=w.province,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 12, 31),
        )
        for code in NATIONAL:
            self.assertEqual(got[code]["actual"], want[code], code)
        self.assertEqual(got["person_times"]["target"], 40)
        self.assertAlmostEqual(got["person_times"]["completion"], 8 / 40)
        self.assertEqual(got["person_times"]["expected_basis"], "seasonal")
        self.assertIsNone(got["problems_solved"]["target"])
        self.assertIsNone(got["problems_solved"]["completion"])  # no target: no ratio
        self.assertEqual(got["problems_solved"]["pace"], "no_target")
        children = {c["unit"]["name"]: c for c in data["children"]}
        self.assertEqual(set(children), {"深圳市总工会", "广州市总工会"})
        shenzhen = {i["code"]: i for i in children["深圳市总工会"]["indicators"]}
        self.assertEqual(shenzhen["person_times"]["actual"], 6)
        self.assertEqual(shenzhen["person_times"]["target"], 20)
        self.assertEqual(data["trend"]["person_times"][2], 2)  # two sessions in March
        self.assertEqual(data["last_year"]["person_times"][4], 1)

    def test_a_county_never_sees_a_sibling(self) -> None:
        w = self.world
        county_user = make_user("county_api", w.county_a2, *w.city_admin_a.roles.all())
        response = self.get(county_user, year=2026)
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertNotIn("南山区总工会", body)
        self.assertNotIn("深圳市总工会", body)
        got = {i["code"]: i["actual"] for i in response.json()["indicators"]}
        self.assertEqual(got["person_times"], 2)  # 宝安's two sessions only
        # The sibling by id: 404, and its name is not echoed.
        sibling = self.get(county_user, unit=w.county_a1.pk, year=2026)
        self.assertEqual(sibling.status_code, 404)
        self.assertNotIn("南山", sibling.content.decode())
        self.assertEqual(self.get(county_user, unit=w.city_a.pk).status_code, 404)

    def test_bad_periods_name_the_field_and_no_permission_is_403(self) -> None:
        w = self.world
        bad = self.get(w.province_admin, period="custom", start="2026-05-01", end="2027-02-01")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("end", bad.json())
        self.assertEqual(self.get(w.province_admin, year="abc").status_code, 400)
        self.assertEqual(self.get(w.province_admin, unit="x").status_code, 400)
        nobody = make_user("no_cockpit", w.province, no_perm_role())
        self.assertEqual(self.get(nobody).status_code, 403)
