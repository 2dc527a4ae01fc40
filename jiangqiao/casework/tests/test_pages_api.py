"""Each party does his part from his own screen, and nobody acts on another unit's case."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.casework import services
from jiangqiao.casework.models import Offer
from jiangqiao.core.navigation import menu_for
from jiangqiao.demands.choices import DemandStatus
from jiangqiao.demands.models import Demand
from jiangqiao.matching import services as matching_services

from .test_flow import CaseWorld

HTMX = {"HX-Request": "true"}


def labels(user: Any) -> list[str]:
    return [item["label"] for group in menu_for(user) for item in group["items"]]


class PagesTests(CaseWorld):
    def offered(self) -> tuple[Demand, Offer]:
        demand = self.triage(self.new_demand())
        (s,) = self.propose(demand, self.cnc_a)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=s)
        return Demand.objects.get(pk=demand.pk), self.offer_of(self.cnc_a, demand)

    def panel(self, user: Any, demand: Demand) -> Any:
        self.client.force_login(user)
        return self.client.get(reverse("casework:demand_panel", args=[demand.pk]), headers=HTMX)

    # ------------------------------------------------------------------ the craftsman's screen

    def test_the_craftsman_answers_from_his_offer_page(self) -> None:
        demand, offer = self.offered()
        self.assertIn("我的服务邀请", labels(self.user_a))
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("casework:my_offers"))
        self.assertContains(page, demand.title)
        page = self.client.get(offer.get_absolute_url())
        self.assertContains(page, "接受邀请")
        self.assertContains(page, demand.description)
        self.assertNotContains(page, "13800")  # no contact details before he accepts
        response = self.client.post(
            reverse("casework:offer_step", args=[offer.pk, "decline"]), {"reason": "other"}
        )
        self.assertEqual(response.status_code, 302)
        offer.refresh_from_db()
        self.assertEqual(offer.status, "pending")  # 其他原因 without a word is refused
        self.client.post(reverse("casework:offer_step", args=[offer.pk, "accept"]), {"note": "好"})
        offer.refresh_from_db()
        self.assertEqual(offer.status, "accepted")
        page = self.client.get(offer.get_absolute_url())
        self.assertContains(page, "登记联系")
        self.assertContains(page, "赵经理")  # now he may reach the enterprise

    def test_another_craftsman_cannot_see_or_answer_it(self) -> None:
        _demand, offer = self.offered()
        self.client.force_login(self.user_b)
        self.assertEqual(self.client.get(offer.get_absolute_url()).status_code, 404)
        response = self.client.post(reverse("casework:offer_step", args=[offer.pk, "accept"]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Offer.objects.get(pk=offer.pk).status, "pending")
        self.assertNotContains(self.client.get(reverse("casework:my_offers")), "数控机床主轴异响")

    # ------------------------------------------------------------------ the enterprise's screen

    def test_the_enterprise_follows_and_confirms_from_its_demand_page(self) -> None:
        demand, offer = self.offered()
        services.offer_accept(actor=self.user_a, offer=offer)
        services.outcome_record(actor=self.user_a, demand=demand, result="solved", summary="已修复")
        page = self.panel(self.boss, demand)
        self.assertContains(page, "请确认服务结果")
        self.assertContains(page, "张主轴")  # who serves it
        self.assertNotContains(page, "升级 / 转办")  # staff steps are not his
        response = self.client.post(
            reverse("casework:demand_step", args=[demand.pk, "confirm"]),
            {"answer": "solved", "rating": "4", "comment": "满意"},
        )
        self.assertEqual(response.status_code, 302)
        demand.refresh_from_db()
        self.assertEqual(demand.status, DemandStatus.CONFIRMED)

    def test_the_enterprise_contact_gets_his_own_list_and_menu(self) -> None:
        self.new_demand()
        menu = labels(self.boss)
        self.assertIn("提交需求", menu)
        for staff_only in ("后台任务", "API 文档", "匹配建议", "服务邀请"):
            self.assertNotIn(staff_only, menu)
        self.client.force_login(self.boss)
        page = self.client.get(reverse("demands:demand_list"))
        self.assertContains(page, "我的需求")
        self.assertContains(page, "提交新需求")
        self.assertNotContains(page, "承办层级")  # no 14-field filter panel
        self.assertNotContains(page, reverse("demands:demand_create"))  # no 代录 form

    def test_the_enterprise_cannot_change_the_unions_fields_or_edit_after_triage(self) -> None:
        demand = self.new_demand()
        api = APIClient()
        api.force_authenticate(self.boss)
        url = f"/api/v1/demands/demands/{demand.pk}/"
        response = api.patch(
            url, {"visibility": "public", "version": demand.version}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("由工会", response.content.decode())
        response = api.patch(
            url, {"title": "主轴异响（补充）", "version": demand.version}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        demand = self.triage(Demand.objects.get(pk=demand.pk))
        response = api.patch(url, {"title": "再改", "version": demand.version}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.client.force_login(self.boss)
        page = self.client.get(demand.get_absolute_url())
        self.assertNotContains(page, reverse("demands:demand_edit", args=[demand.pk]))

    # ------------------------------------------------------------------ staff and other units

    def test_staff_see_the_next_steps_and_other_units_see_nothing(self) -> None:
        demand, _offer = self.offered()
        page = self.panel(self.staff, demand)
        self.assertContains(page, "工匠接受邀请 → 服务中")
        self.assertContains(page, "张主轴")
        for outsider in (self.world.city_admin_b, self.other_boss):
            self.assertEqual(self.panel(outsider, demand).status_code, 404)
            self.client.force_login(outsider)
            response = self.client.post(
                reverse("casework:demand_step", args=[demand.pk, "cancel"]), {"comment": "x"}
            )
            self.assertEqual(response.status_code, 404)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.MATCHING)

    def test_a_refused_step_says_what_is_allowed(self) -> None:
        demand = self.triage(self.new_demand())
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("casework:demand_step", args=[demand.pk, "close"]),
            {"comment": "x"},
            follow=True,
        )
        self.assertContains(response, "可进行的操作：发出服务邀请")


class ApiTests(CaseWorld):
    def api(self, user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_the_whole_case_over_the_api(self) -> None:
        demand = self.new_demand()
        staff = self.api(self.staff)
        base = f"/api/v1/casework/demands/{demand.pk}"
        response = staff.post(
            f"{base}/triage/",
            {"category": "tech", "grade": "b", "owner_level": "county"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"]["value"], "triaged")
        (s,) = self.propose(demand, self.cnc_a)
        response = staff.post(f"/api/v1/matching/suggestions/{s.pk}/confirm/", {}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        craftsman = self.api(self.user_a)
        offers = craftsman.get("/api/v1/casework/offers/").json()
        self.assertEqual([o["demand"] for o in offers["results"]], [demand.pk])
        self.assertEqual(self.api(self.user_b).get("/api/v1/casework/offers/").json()["count"], 0)
        offer_id = offers["results"][0]["id"]
        response = craftsman.post(
            f"/api/v1/casework/offers/{offer_id}/decline/", {"reason": "nope"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        response = craftsman.post(f"/api/v1/casework/offers/{offer_id}/accept/", {}, format="json")
        self.assertEqual(response.json()["status"]["value"], "accepted")
        response = craftsman.post(
            f"/api/v1/casework/offers/{offer_id}/contact/",
            {"channel": "phone", "reached": True},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNotNone(response.json()["first_contact_at"])
        response = staff.post(
            f"{base}/outcome/", {"result": "solved", "summary": "已修复"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        response = self.api(self.other_boss).post(
            f"{base}/confirm/", {"answer": "solved", "rating": 5}, format="json"
        )
        self.assertEqual(response.status_code, 404)  # not his enterprise's demand
        response = self.api(self.boss).post(
            f"{base}/confirm/", {"answer": "solved", "rating": 6}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        response = self.api(self.boss).post(
            f"{base}/confirm/", {"answer": "solved", "rating": 5}, format="json"
        )
        self.assertEqual(response.json()["rating"], 5)
        response = staff.post(f"{base}/close/", {}, format="json")
        self.assertEqual(response.json()["status"]["value"], "closed")
        response = staff.post(f"{base}/cancel/", {"comment": "x"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("该需求已结束", response.content.decode())

    def test_other_units_get_404_and_change_nothing(self) -> None:
        demand = self.triage(self.new_demand())
        outsider = self.api(self.world.city_admin_b)
        for step, data in (
            ("cancel", {"comment": "x"}),
            ("escalate", {"comment": "x"}),
            ("outcome", {"result": "solved", "summary": "x"}),
        ):
            response = outsider.post(
                f"/api/v1/casework/demands/{demand.pk}/{step}/", data, format="json"
            )
            self.assertEqual(response.status_code, 404, (step, response.content))
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.TRIAGED)
