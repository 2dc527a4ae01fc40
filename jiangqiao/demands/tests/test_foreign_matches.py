"""Duplicate checks against another unit's enterprises and demands (issue 12, item 6).

A USCC or a demand number of 南山, typed by a user of 宝安 or 广州 into an import sheet, the
enterprise form or the API, is answered with "registered in another unit, handle it there" — not
with the enterprise's name or the demand's title — and the record is left alone. Each request or
import that hits such records writes one sensitive-read row with the count.
"""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.core.choices import DataScope
from jiangqiao.core.io import services as io_services
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user, scope_role
from jiangqiao.core.testing.sheets import read_xlsx, xlsx
from jiangqiao.demands.choices import DemandStatus
from jiangqiao.demands.models import Demand, Enterprise

from .factories import make_demand, make_enterprise, new_uscc
from .test_import import DEM_HEADER, ENT_HEADER, Base

ENTERPRISE_ELSEWHERE = "该企业已在其他单位登记，请联系其所属工会处理"
DEMAND_ELSEWHERE = "该需求已在其他单位登记，请联系其所属工会处理"


class ForeignBase(Base):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.baoan = make_user("baoan_operator", w.county_a2, scope_role(DataScope.ORG))
        cls.theirs = make_enterprise(w.county_a1, w.county_operator, name="南山秘密精工有限公司")
        cls.their_demand = make_demand(
            cls.theirs,
            w.county_operator,
            title="南山秘密主轴攻关",
            number="GD-440305-2026-000777",
            status=DemandStatus.SUBMITTED,
        )

    def attackers(self) -> list[Any]:
        return [self.baoan, self.world.city_admin_b]

    def secrets(self) -> list[str]:
        return [
            self.theirs.name,
            self.their_demand.title,
            self.world.county_a1.name,
            self.theirs.get_absolute_url(),
            self.their_demand.get_absolute_url(),
        ]

    def assert_discloses_nothing(self, text: str) -> None:
        for secret in self.secrets():
            self.assertNotIn(secret, text)

    def reads(self, user: Any) -> list[OperationLog]:
        return list(OperationLog.objects.filter(business_type="view_sensitive", user=user))

    def answer_text(self, batch: Any) -> str:
        data = io_services.error_workbook_bytes(batch)
        cells = read_xlsx(data) if data else []
        return json.dumps([batch.result, cells], ensure_ascii=False, default=str)


class TestImportMatches(ForeignBase):
    def test_a_uscc_of_another_unit_says_only_that_the_enterprise_is_elsewhere(self) -> None:
        for user in self.attackers():
            with self.subTest(user=user.username):
                sheet = xlsx(
                    [ENT_HEADER, [self.theirs.uscc, "改名公司", "C3421", 10, 10, "", "", "否"]]
                )
                batch = self.run_import("demands.enterprise", sheet, user=user, mode="valid")
                self.assertEqual(
                    batch.result["messages"], [f"第2行【统一社会信用代码】{ENTERPRISE_ELSEWHERE}"]
                )
                self.assert_discloses_nothing(self.answer_text(batch))
                self.theirs.refresh_from_db()
                self.assertEqual(self.theirs.name, "南山秘密精工有限公司")
                self.assertEqual(len(self.reads(user)), 2)  # the check and the commit

    def test_a_demand_number_of_another_unit_does_not_give_its_title(self) -> None:
        for user in self.attackers():
            with self.subTest(user=user.username):
                own = make_enterprise(user.org, user)
                sheet = xlsx(
                    [
                        ["需求编号", *DEM_HEADER],
                        [
                            self.their_demand.number,
                            own.uscc,
                            "技术难题",
                            "我的标题",
                            "我的描述",
                            "",
                            None,
                            None,
                        ],
                    ]
                )
                batch = self.run_import("demands.demand", sheet, user=user, mode="valid")
                self.assertEqual(batch.result["messages"], [f"第2行【需求编号】{DEMAND_ELSEWHERE}"])
                self.assert_discloses_nothing(self.answer_text(batch))
                demand = Demand.objects.get(pk=self.their_demand.pk)
                self.assertEqual(
                    (demand.title, demand.description),
                    (self.their_demand.title, self.their_demand.description),
                )

    def test_an_unknown_number_is_still_reported_as_unknown(self) -> None:
        own = make_enterprise(self.baoan.org, self.baoan)
        sheet = xlsx(
            [
                ["需求编号", *DEM_HEADER],
                ["GD-440306-2026-999999", own.uscc, "技术难题", "标题", "描述", "", None, None],
            ]
        )
        batch = self.run_import("demands.demand", sheet, user=self.baoan, mode="valid")
        self.assertIn("不存在", batch.result["messages"][0])
        self.assertEqual(self.reads(self.baoan), [])

    def test_an_enterprise_within_the_users_scope_is_still_updated(self) -> None:
        sheet = xlsx(
            [ENT_HEADER, [self.theirs.uscc, self.theirs.name, "C3421", 99, 10, "", "", "否"]]
        )
        batch = self.run_import("demands.enterprise", sheet, user=self.world.city_admin_a)
        self.assertEqual(batch.counts["update"], 1, batch.result)
        self.theirs.refresh_from_db()
        self.assertEqual(self.theirs.staff_count, 99)
        self.assertEqual(self.reads(self.world.city_admin_a), [])


class TestEnterpriseFormAndApi(ForeignBase):
    def form_data(self, user: Any, uscc: str, *, api: bool = False) -> dict[str, Any]:
        return {
            "org": user.org_id,
            "uscc": uscc,
            "name": "宝安新企业有限公司",
            "region_code": user.org.region_code,
            "industry_code": "3461" if api else "C3461",
            "staff_count": "120",
            "revenue": "3500",
        }

    def test_the_form_and_the_api_say_only_that_the_enterprise_is_elsewhere(self) -> None:
        for user in self.attackers():
            with self.subTest(user=user.username):
                self.login(user)
                page = self.client.post(
                    reverse("demands:enterprise_create"), self.form_data(user, self.theirs.uscc)
                )
                self.assertContains(page, ENTERPRISE_ELSEWHERE, status_code=400)
                self.assert_discloses_nothing(page.content.decode())
                api = APIClient()
                api.force_authenticate(user)
                response = api.post(
                    "/api/v1/demands/enterprises/",
                    self.form_data(user, self.theirs.uscc, api=True),
                    format="json",
                )
                self.assertEqual(response.status_code, 409, response.content)
                self.assertEqual(
                    response.json(),
                    {"detail": f"统一社会信用代码：{ENTERPRISE_ELSEWHERE}", "field": "uscc"},
                )
                self.assertFalse(Enterprise.objects.filter(name="宝安新企业有限公司").exists())
                self.assertEqual(len(self.reads(user)), 2)

    def test_a_uscc_within_the_users_scope_keeps_todays_message(self) -> None:
        user = self.world.city_admin_a
        api = APIClient()
        api.force_authenticate(user)
        response = api.post(
            "/api/v1/demands/enterprises/",
            self.form_data(user, self.theirs.uscc, api=True),
            format="json",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("该统一社会信用代码的企业已登记", response.content.decode())
        fresh = api.post(
            "/api/v1/demands/enterprises/",
            self.form_data(user, new_uscc(), api=True),
            format="json",
        )
        self.assertEqual(fresh.status_code, 201, fresh.content)
        self.assertEqual(self.reads(user), [])


class TestPreferredCraftsmenPicker(ForeignBase):
    """意向劳模工匠 is a picker: it may only name craftsmen the user can see, and an id of another
    unit's craftsman reads exactly like an id that does not exist (issue 12: side doors)."""

    def test_another_units_craftsman_is_refused_like_a_missing_one(self) -> None:
        from jiangqiao.core.exceptions import BusinessError
        from jiangqiao.demands import services
        from jiangqiao.talents.tests.helpers import make_craftsman

        w = self.world
        nanshan = make_craftsman(w.county_a1, w.county_operator, name="南山秘密工匠")
        baoan_ent = make_enterprise(w.county_a2, self.baoan, name="宝安精工")
        missing = nanshan.pk + 100_000
        messages = []
        for ids in ([nanshan.pk], [missing]):
            with self.assertRaises(BusinessError) as exc:
                services.demand_create(
                    actor=self.baoan,
                    enterprise=baoan_ent,
                    data={
                        "title": "主轴异响",
                        "kind": "tech_problem",
                        "description": "数控机床主轴异响",
                        "preferred_craftsmen": ids,
                    },
                )
            self.assertEqual(exc.exception.field, "preferred_craftsmen")
            self.assertNotIn("南山秘密工匠", exc.exception.message)
            messages.append(exc.exception.message.replace(str(ids[0]), "<id>"))
        self.assertEqual(messages[0], messages[1])
        # The 南山 unit itself may name its craftsman.
        own = make_enterprise(w.county_a1, w.county_operator, name="南山精工二厂")
        demand = services.demand_create(
            actor=w.county_operator,
            enterprise=own,
            data={
                "title": "主轴异响",
                "kind": "tech_problem",
                "description": "数控机床主轴异响",
                "preferred_craftsmen": [nanshan.pk],
            },
        )
        self.assertEqual(demand.preferred_craftsmen, [nanshan.pk])
