"""联络员代录: a draft until the enterprise contact's code; scope and bad input first."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import time_machine
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts.models import Role
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands.models import Demand, Enterprise, EnterpriseContact

from .factories import make_enterprise, new_uscc
from .intake_helpers import sent_codes, wrong

ENTRY = "/demands/assisted/"


class AssistedCase(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.staff = self.world.city_admin_a
        self.ent = make_enterprise(self.world.county_a1, name="走访机械有限公司")
        self.client.force_login(self.staff)

    def token(self) -> str:
        page = self.client.get(ENTRY).content.decode()
        match = re.search(r'name="form_token" value="([^"]+)"', page)
        assert match is not None
        return match.group(1)

    def entry(self, **extra: Any) -> dict[str, Any]:
        data = {
            "enterprise": self.ent.pk,
            "intake_channel": "visit",
            "intake_place": "走访机械有限公司车间",
            "kind": "tech_problem",
            "title": "焊接变形控制",
            "description": "薄板焊接后变形超差，需要工艺指导",
            "contact_name": "李厂长",
            "contact_mobile": "13700137001",
            "form_token": self.token(),
        }
        data.update(extra)
        return data

    def post_entry(self, data: dict[str, Any]) -> tuple[Any, list[str]]:
        return sent_codes(self, lambda: self.client.post(ENTRY, data))


class TestAssistedEntry(AssistedCase):
    def test_end_to_end_draft_then_code_then_submitted(self) -> None:
        response, codes = self.post_entry(self.entry())
        self.assertEqual(response.status_code, 302)
        demand = Demand.objects.get(enterprise=self.ent)
        self.assertEqual(demand.status, "draft")  # not submitted before the contact confirms
        self.assertEqual((demand.intake_channel, demand.channel), ("visit", "offline"))
        self.assertEqual(demand.intake_contact.mobile, "13700137001")
        self.assertEqual(
            response["Location"], reverse("demands:assisted_confirm", args=[demand.pk])
        )
        page = self.client.get(response["Location"]).content.decode()
        self.assertIn("137****7001", page)
        self.assertNotIn("13700137001", page)

        url = response["Location"]
        bad = self.client.post(url, {"action": "confirm", "code": wrong(codes[0])})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("验证码：不正确，还可再试 4 次", bad.content.decode())
        demand.refresh_from_db()
        self.assertEqual(demand.status, "draft")

        good = self.client.post(url, {"action": "confirm", "code": codes[0]})
        self.assertEqual(good.status_code, 302)
        demand.refresh_from_db()
        self.assertEqual(demand.status, "submitted")
        self.assertTrue(demand.number)
        self.assertIsNotNone(demand.intake_confirmed_at)
        # A second confirm (double submit) changes nothing and says so.
        again = self.client.post(url, {"action": "confirm", "code": codes[0]})
        self.assertEqual(again.status_code, 302)
        self.assertEqual(Demand.objects.filter(enterprise=self.ent).count(), 1)

    def test_after_the_code_staff_read_staff_wording_and_go_back_to_assisted_entry(self) -> None:
        response, codes = self.post_entry(self.entry())
        demand = Demand.objects.get(enterprise=self.ent)
        url = response["Location"]
        confirm_page = self.client.get(url).content.decode()
        code_box = re.search(r'<input[^>]*name="code"[^>]*>', confirm_page)
        assert code_box is not None
        self.assertIn('maxlength="12"', code_box.group(0))
        self.assertNotIn("data-counter", code_box.group(0))  # no “0 / 12 字” under the code
        done = self.client.post(url, {"action": "confirm", "code": codes[0]})
        done_url = reverse("demands:assisted_done", args=[demand.pk])
        self.assertEqual(done["Location"], done_url)
        demand.refresh_from_db()
        page = self.client.get(done_url).content.decode()
        self.assertIn("已代企业提交需求", page)
        self.assertIn(demand.number, page)
        self.assertIn(f'href="{ENTRY}"', page)
        self.assertNotIn("请留意后续联系", page)  # the enterprise's wording
        self.assertNotIn("再提交一条", page)
        # A second confirm lands there too; another unit's staff and a contact may not see it.
        again = self.client.post(url, {"action": "confirm", "code": codes[0]})
        self.assertEqual(again["Location"], done_url)
        self.client.force_login(self.world.city_admin_b)
        self.assertEqual(self.client.get(done_url).status_code, 404)
        contact = make_user("done_contact", None, Role.objects.get(code="enterprise_contact"))
        self.client.force_login(contact)
        self.assertEqual(self.client.get(done_url).status_code, 403)

    def test_the_done_page_of_an_unconfirmed_draft_leads_back_to_the_code(self) -> None:
        self.post_entry(self.entry())
        demand = Demand.objects.get(enterprise=self.ent)
        response = self.client.get(reverse("demands:assisted_done", args=[demand.pk]))
        self.assertRedirects(
            response,
            reverse("demands:assisted_confirm", args=[demand.pk]),
            fetch_redirect_response=False,
        )

    def test_the_code_of_one_demand_does_not_confirm_another(self) -> None:
        _, first_codes = self.post_entry(self.entry())
        first = Demand.objects.get(enterprise=self.ent)
        other = make_enterprise(self.world.county_a1, name="另一家企业")
        # The same contact a minute later (the resend interval is per mobile).
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            self.post_entry(self.entry(enterprise=other.pk))
            second = Demand.objects.get(enterprise=other)
            url = reverse("demands:assisted_confirm", args=[second.pk])
            response = self.client.post(url, {"action": "confirm", "code": first_codes[0]})
        self.assertEqual(response.status_code, 400)
        second.refresh_from_db()
        first.refresh_from_db()
        self.assertEqual((first.status, second.status), ("draft", "draft"))

    def test_double_submit_of_the_entry_page_creates_one_demand(self) -> None:
        data = self.entry()
        self.post_entry(data)
        repeat = self.client.post(ENTRY, data)
        self.assertEqual(repeat.status_code, 302)
        self.assertEqual(Demand.objects.filter(enterprise=self.ent).count(), 1)

    def test_a_demand_like_an_open_one_is_shown_first_and_needs_confirming(self) -> None:
        """Taken down on a visit, the same problem the enterprise already reported is flagged
        before anything is saved; 「这是另一个问题」 saves it (demands.duplicates)."""
        self.post_entry(self.entry())
        first = Demand.objects.get(enterprise=self.ent)
        reworded = {
            "title": "薄板焊接变形控制",
            "description": "薄板焊接以后变形超差，需要焊接工艺指导",
        }
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            flagged = self.client.post(ENTRY, self.entry(**reworded))
            self.assertEqual(flagged.status_code, 400)
            page = flagged.content.decode()
            self.assertIn('id="duplicate-demands"', page)
            self.assertIn(first.title, page)
            self.assertEqual(Demand.objects.filter(enterprise=self.ent).count(), 1)
            confirmed, _codes = self.post_entry(self.entry(confirm_not_duplicate="1", **reworded))
        self.assertEqual(confirmed.status_code, 302)
        self.assertEqual(Demand.objects.filter(enterprise=self.ent).count(), 2)

    def test_new_enterprise_on_the_spot(self) -> None:
        uscc = new_uscc("440306")
        response, codes = self.post_entry(
            self.entry(enterprise="", new_name="现场登记电子有限公司", new_uscc=uscc)
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        ent = Enterprise.objects.get(uscc=uscc)
        self.assertEqual(ent.org_id, self.world.county_a2.pk)  # the unit of its region
        self.assertTrue(ent.is_verified)  # registered by staff
        self.assertTrue(EnterpriseContact.objects.filter(enterprise=ent, name="李厂长").exists())
        self.assertEqual(len(codes), 1)

    def test_other_units_enterprise_is_neither_named_nor_touched(self) -> None:
        foreign = make_enterprise(self.world.county_b1, name="天河保密企业有限公司")
        before = Demand.objects.count()
        response = self.client.post(
            ENTRY, self.entry(enterprise="", new_name="随便写的名字", new_uscc=foreign.uscc)
        )
        self.assertEqual(response.status_code, 400)
        content = response.content.decode()
        self.assertIn("该企业已在其他单位登记", content)
        self.assertNotIn(foreign.name, content)
        self.assertNotIn(self.world.county_b1.name, content)
        self.assertEqual(Demand.objects.count(), before)
        # Picking it by id is refused as not found (the scoped picker).
        picked = self.client.post(ENTRY, self.entry(enterprise=foreign.pk))
        self.assertEqual(picked.status_code, 400)
        self.assertNotIn(foreign.name, picked.content.decode())
        self.assertEqual(Demand.objects.count(), before)

    def test_bad_input_names_the_field_and_saves_nothing(self) -> None:
        cases = {
            "intake_channel": ("", "代录方式"),
            "intake_place": ("", "代录地点"),
            "contact_mobile": ("12345", "企业联系人手机号码："),
        }
        for field, (value, label) in cases.items():
            with self.subTest(field=field):
                response = self.client.post(ENTRY, self.entry(**{field: value}))
                self.assertEqual(response.status_code, 400)
                self.assertIn(label, response.content.decode())
        self.assertFalse(Demand.objects.filter(enterprise=self.ent).exists())

    def test_confirm_page_of_another_units_demand_is_404(self) -> None:
        self.post_entry(self.entry())
        demand = Demand.objects.get(enterprise=self.ent)
        self.client.force_login(self.world.city_admin_b)
        url = reverse("demands:assisted_confirm", args=[demand.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"code": "123456"}).status_code, 404)

    def test_enterprise_contact_may_not_take_demands_down(self) -> None:
        contact = make_user("assist_contact", None, Role.objects.get(code="enterprise_contact"))
        self.client.force_login(contact)
        self.assertEqual(self.client.get(ENTRY).status_code, 403)

    def test_union_staff_role_has_the_page_in_its_menu(self) -> None:
        staff = make_user(
            "assist_staff", self.world.county_a1, Role.objects.get(code="union_staff")
        )
        self.client.force_login(staff)
        self.assertEqual(self.client.get(ENTRY).status_code, 200)
