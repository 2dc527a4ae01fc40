"""Double submission creates one demand (issue 12, item 8.2, and the daily-use issue).

* The phone form answers its POST with a redirect (post/redirect/get): reloading “需求已提交”
  is a GET and creates nothing.
* The phone form and the staff form carry a one-time token (per user, expiring): a second POST
  with the same token — double click, reload, back and resubmit — shows the demand already
  created instead of creating another.
* ``POST /api/v1/demands/demands/`` accepts ``Idempotency-Key``: the same key from the same user
  within 24 h answers the first response again and creates nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import services
from jiangqiao.demands.models import Demand

from .test_services import Base, role

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
API = "/api/v1/demands/demands/"


def token_of(html: str) -> str:
    found = TOKEN.search(html)
    return found.group(1) if found else ""


class PhoneForm(Base):
    __test__ = True

    def setUp(self) -> None:
        super().setUp()
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="王经理", user=self.contact_user
        )
        self.login(self.contact_user)
        self.url = reverse("demands:demand_submit")

    def form(self, token: str, **extra: Any) -> dict[str, Any]:
        return {
            "kind": "other",
            "title": "设备改造咨询",
            "description": "老旧产线改造",
            "delivery_mode": "either",
            "action": "submit",
            "form_token": token,
        } | extra

    def test_the_phone_form_counts_characters_of_its_text_boxes(self) -> None:
        html = self.client.get(self.url).content.decode()
        for name, limit in (("description", 5000), ("current_state", 2000)):
            box = re.search(rf'<textarea[^>]*name="{name}"[^>]*>', html)
            if box is None:
                continue  # the phone form may leave the optional box out
            self.assertIn(f'maxlength="{limit}"', box.group(0), name)
            self.assertIn("data-counter", box.group(0), name)
        self.assertRegex(html, r'<textarea[^>]*name="description"[^>]*data-counter')

    def test_submit_redirects_and_reloading_the_success_page_creates_nothing(self) -> None:
        token = token_of(self.client.get(self.url).content.decode())
        response = self.client.post(self.url, self.form(token))
        self.assertEqual(response.status_code, 302)
        demand = Demand.objects.get(title="设备改造咨询")
        done = response["Location"]
        for _ in range(2):  # the first view and a reload
            page = self.client.get(done)
            self.assertEqual(page.status_code, 200)
            self.assertIn(demand.number, page.content.decode())
        self.assertEqual(Demand.objects.filter(title="设备改造咨询").count(), 1)

    def test_two_posts_with_the_same_token_make_one_demand(self) -> None:
        token = token_of(self.client.get(self.url).content.decode())
        first = self.client.post(self.url, self.form(token))
        second = self.client.post(self.url, self.form(token, title="设备改造咨询（改）"))
        self.assertEqual(
            Demand.objects.filter(enterprise=self.enterprise, title__startswith="设备改造").count(),
            1,
        )
        demand = Demand.objects.get(title="设备改造咨询")
        self.assertEqual(second.status_code, 302)
        self.assertEqual(second["Location"], first["Location"])
        page = self.client.get(second["Location"]).content.decode()
        self.assertIn(demand.number, page)
        self.assertIn("已提交过", page)  # says so, rather than pretending a new submission

    def test_a_new_page_gives_a_new_token(self) -> None:
        first = token_of(self.client.get(self.url).content.decode())
        second = token_of(self.client.get(self.url).content.decode())
        self.assertTrue(first and second and first != second)
        self.client.post(self.url, self.form(first))
        # The second page's token is fresh; the same text again is still one demand
        # (demands.duplicates), another problem under the same title is a second one.
        self.assertEqual(self.client.post(self.url, self.form(second)).status_code, 400)
        another = self.form(second, description="二号包装线改造", confirm_not_duplicate="1")
        self.assertEqual(self.client.post(self.url, another).status_code, 302)
        self.assertEqual(Demand.objects.filter(title="设备改造咨询").count(), 2)

    def test_a_failed_post_keeps_the_token_usable(self) -> None:
        token = token_of(self.client.get(self.url).content.decode())
        bad = self.client.post(self.url, self.form(token, title=""))
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(token_of(bad.content.decode()), token)
        self.assertEqual(self.client.post(self.url, self.form(token)).status_code, 302)
        self.assertEqual(Demand.objects.filter(title="设备改造咨询").count(), 1)

    def test_tokens_are_per_user_and_expire(self) -> None:
        token = token_of(self.client.get(self.url).content.decode())
        other = make_user("ent_contact_2", self.world.county_a1, role("enterprise_contact"))
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="李经理", user=other
        )
        self.login(other)
        stolen = self.client.post(self.url, self.form(token))
        self.assertEqual(stolen.status_code, 400)
        self.assertIn("重新提交", stolen.content.decode())
        self.assertNotEqual(token_of(stolen.content.decode()), token)  # a fresh one to retry
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            self.login(self.contact_user)  # a fresh session: only the page is old
            late = self.client.post(self.url, self.form(token))
        self.assertEqual(late.status_code, 400)
        self.assertIn("重新提交", late.content.decode())
        self.assertFalse(Demand.objects.filter(title="设备改造咨询").exists())


class StaffForm(Base):
    __test__ = True

    def test_two_posts_with_the_same_token_make_one_demand(self) -> None:
        self.login(self.staff_a1)
        url = reverse("demands:demand_create")
        token = token_of(self.client.get(url).content.decode())
        data = {
            "enterprise": self.enterprise.pk,
            "kind": "tech_problem",
            "title": "焊接变形",
            "description": "薄板焊接变形",
            "delivery_mode": "either",
            "visibility": "private",
            "form_token": token,
        }
        first = self.client.post(url, data)
        second = self.client.post(url, data)
        self.assertEqual(first.status_code, 302)
        self.assertEqual(second.status_code, 302)
        self.assertEqual(second["Location"], first["Location"])
        self.assertEqual(Demand.objects.filter(title="焊接变形").count(), 1)


class IdempotencyKeyApi(Base):
    __test__ = True

    def api(self, user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def payload(self, **extra: Any) -> dict[str, Any]:
        return {
            "enterprise": self.enterprise.pk,
            "kind": "tech_problem",
            "title": "接口需求",
            "description": "接口提交",
            "submit": True,
        } | extra

    def test_same_key_same_user_gives_the_first_response_again(self) -> None:
        client = self.api(self.staff_a1)
        headers = {"Idempotency-Key": "c1f0a2e4-7d1b-4b8e-9f00-000000000001"}
        first = client.post(API, self.payload(), format="json", headers=headers)
        second = client.post(API, self.payload(), format="json", headers=headers)
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual(second.status_code, 201, second.content)
        self.assertEqual(second.json(), first.json())
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertEqual(Demand.objects.filter(title="接口需求").count(), 1)

    def test_other_user_other_key_or_no_key_creates_again(self) -> None:
        key = {"Idempotency-Key": "same-key"}

        # Each a different problem under the same title (the same text twice is one demand,
        # demands.duplicates), confirmed as such.
        def other(n: int) -> dict[str, Any]:
            return self.payload(description=f"第{n}条产线接口", confirm_not_duplicate=True)

        self.api(self.staff_a1).post(API, self.payload(), format="json", headers=key)
        self.api(self.world.city_admin_a).post(API, other(2), format="json", headers=key)
        self.api(self.staff_a1).post(
            API, other(3), format="json", headers={"Idempotency-Key": "other-key"}
        )
        self.api(self.staff_a1).post(API, other(4), format="json")
        self.assertEqual(Demand.objects.filter(title="接口需求").count(), 4)

    def test_the_key_expires_after_24_hours(self) -> None:
        client = self.api(self.staff_a1)
        key = {"Idempotency-Key": "daily"}
        client.post(API, self.payload(), format="json", headers=key)
        late_body = self.payload(description="次日的另一个问题", confirm_not_duplicate=True)
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            late = client.post(API, late_body, format="json", headers=key)
        self.assertEqual(late.status_code, 201, late.content)
        self.assertEqual(Demand.objects.filter(title="接口需求").count(), 2)

    def test_same_key_with_another_body_is_refused(self) -> None:
        client = self.api(self.staff_a1)
        key = {"Idempotency-Key": "k-1"}
        client.post(API, self.payload(), format="json", headers=key)
        other = client.post(API, self.payload(title="另一条"), format="json", headers=key)
        self.assertEqual(other.status_code, 422, other.content)
        self.assertIn("Idempotency-Key", other.json())
        self.assertFalse(Demand.objects.filter(title="另一条").exists())

    def test_a_failed_request_does_not_use_up_the_key(self) -> None:
        client = self.api(self.staff_a1)
        key = {"Idempotency-Key": "k-2"}
        bad = client.post(API, self.payload(title=""), format="json", headers=key)
        self.assertEqual(bad.status_code, 400)
        good = client.post(API, self.payload(title=""), format="json", headers=key)
        self.assertEqual(good.status_code, 400)  # the same bad body is checked again, not replayed
        ok = client.post(API, self.payload(), format="json", headers=key)
        self.assertEqual(ok.status_code, 201, ok.content)

    def test_malformed_key_is_400_naming_the_header(self) -> None:
        client = self.api(self.staff_a1)
        for bad in ("x" * 256, "密钥", "has space"):
            response = client.post(
                API, self.payload(), format="json", headers={"Idempotency-Key": bad}
            )
            self.assertEqual(response.status_code, 400, (bad, response.content))
            self.assertIn("Idempotency-Key", response.json())
        self.assertFalse(Demand.objects.filter(title="接口需求").exists())
