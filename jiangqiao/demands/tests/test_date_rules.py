"""Date rules of enterprises and demands (issue 14, point 5): page, API and service.

期望完成日期 is a plan: from today to ``JIANGQIAO_DATE_MAX_YEARS_AHEAD`` years ahead (2020-01-01
and 2099-12-31 used to pass); 认定日期 of a quality-tier certificate is not in the future. A
value is checked when it is new or changed, so a demand whose deadline has passed stays editable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.demands import services
from jiangqiao.demands.models import Demand

from .test_services import Base

API = "/api/v1/demands/demands/"


class DemandDeadline(Base):
    __test__ = True

    def test_phone_form_refuses_past_and_far_deadlines_naming_the_field(self) -> None:
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="王经理", user=self.contact_user
        )
        self.login(self.contact_user)
        url = reverse("demands:demand_submit")
        form = {
            "kind": "other",
            "title": "设备改造咨询",
            "description": "老旧产线改造",
            "delivery_mode": "either",
            "action": "submit",
        }
        for day, said in (
            ("2020-01-01", "期望完成日期不能早于今天"),
            ("2099-12-31", "期望完成日期不能晚于"),
        ):
            response = self.client.post(url, form | {"deadline": day})
            self.assertContains(response, said, status_code=400)
        self.assertFalse(Demand.objects.filter(title="设备改造咨询").exists())
        soon = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
        self.assertEqual(self.client.post(url, form | {"deadline": soon}).status_code, 302)

    def test_api_refuses_them_too(self) -> None:
        client = APIClient()
        client.force_authenticate(self.staff_a1)
        body: dict[str, Any] = {
            "enterprise": self.enterprise.pk,
            "kind": "tech_problem",
            "title": "接口需求",
            "description": "接口提交",
        }
        for day, said in (("2020-01-01", "不能早于今天"), ("2099-12-31", "不能晚于")):
            response = client.post(API, body | {"deadline": day}, format="json")
            self.assertEqual(response.status_code, 400, response.content)
            self.assertIn("期望完成日期" + said, response.json()["deadline"][0])
        self.assertFalse(Demand.objects.filter(title="接口需求").exists())

    def test_a_passed_deadline_does_not_block_other_edits(self) -> None:
        demand = services.demand_create(
            actor=self.staff_a1,
            enterprise=self.enterprise,
            data=self.demand_data(deadline=timezone.localdate() + dt.timedelta(days=1)),
        )
        Demand.objects.filter(pk=demand.pk).update(deadline=dt.date(2024, 6, 1))
        demand.refresh_from_db()
        updated = services.demand_update(
            actor=self.staff_a1, demand=demand, data={"title": "主轴异响诊断（补充）"}
        )
        self.assertEqual(updated.deadline, dt.date(2024, 6, 1))
        with self.assertRaises((ValidationError, Exception)) as caught:
            services.demand_update(
                actor=self.staff_a1, demand=updated, data={"deadline": dt.date(2024, 6, 2)}
            )
        self.assertIn("期望完成日期不能早于今天", str(caught.exception))


class EnterpriseTierDate(Base):
    __test__ = True

    def test_a_certificate_is_not_issued_in_the_future(self) -> None:
        future = timezone.localdate() + dt.timedelta(days=1)
        with self.assertRaises(ValidationError) as caught:
            services.enterprise_update(
                actor=self.staff_a1,
                enterprise=self.enterprise,
                data={"tier_issued_on": future},
            )
        self.assertIn("认定日期不能晚于今天", str(caught.exception))
        client = APIClient()
        client.force_authenticate(self.staff_a1)
        response = client.patch(
            f"/api/v1/demands/enterprises/{self.enterprise.pk}/",
            {"tier_issued_on": future.isoformat(), "version": self.enterprise.version},
            format="json",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("认定日期不能晚于今天", response.json()["tier_issued_on"][0])
