"""Duplicate demands flagged before saving (issue 18 point 4, ``demands.duplicates``).

Attacks first: another enterprise's contact and a unit that no longer sees the open demand learn
nothing of it; then the phone form, the staff form and the API flag a reworded duplicate, record
the confirmation, never create the same text twice, and leave an unrelated demand alone.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.casework import services as case_services
from jiangqiao.core.choices import ImportStatus
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user
from jiangqiao.core.testing.sheets import xlsx
from jiangqiao.demands import duplicates, services
from jiangqiao.demands.choices import Channel
from jiangqiao.demands.models import Demand, DemandEvent

from .factories import make_enterprise, new_uscc
from .test_import import DEM_HEADER
from .test_import import Base as ImportBase
from .test_services import Base, role

API = "/api/v1/demands/demands/"
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')

SPINDLE = {
    "kind": "tech_problem",
    "title": "数控车床主轴异响，加工精度下降",
    "description": "我司两台数控车床主轴在高速运转时出现异响，加工零件的圆度超差，需要专家现场诊断。",
}
SPINDLE_AGAIN = {
    "kind": "tech_problem",
    "title": "车床主轴有异常噪音",
    "description": "车间的数控车床主轴转速高时有明显噪声，工件圆度不合格，请派师傅来看看。",
}
WELDING = {
    "kind": "tech_problem",
    "title": "焊接机器人焊缝气孔多",
    "description": "机器人自动焊接的焊缝出现较多气孔，返修率高，希望优化焊接工艺参数。",
}


class DuplicateBase(Base):
    def setUp(self) -> None:
        super().setUp()
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="王经理", user=self.contact_user
        )
        self.existing = services.demand_create(
            actor=self.contact_user,
            enterprise=self.enterprise,
            data=dict(SPINDLE),
            channel=Channel.ONLINE,
            submit=True,
        )
        self.url = reverse("demands:demand_submit")

    def other_enterprise(self) -> tuple[Any, Any]:
        """Another enterprise of the same county and its contact."""
        other_user = make_user("ent_b_contact", self.world.county_a1, role("enterprise_contact"))
        other = services.enterprise_create(
            actor=self.staff_a1,
            org=self.world.county_a1,
            data={"uscc": new_uscc("440305"), "name": "宝安五金制品厂", "region_code": "440305"},
        )
        services.contact_add(actor=self.staff_a1, enterprise=other, name="李厂长", user=other_user)
        return other, other_user

    def phone_post(self, data: dict[str, Any], **extra: Any) -> Any:
        page = self.client.get(self.url).content.decode()
        token = TOKEN.search(page)
        body = {"delivery_mode": "either", "action": "submit", **data, **extra}
        if token:
            body["form_token"] = token.group(1)
        return self.client.post(self.url, body)


class NobodyLearnsOfOthersDemands(DuplicateBase):
    __test__ = True

    def test_a_contact_of_another_enterprise_never_learns_of_a_similar_demand(self) -> None:
        _, other_user = self.other_enterprise()
        self.login(other_user)
        # The same text for his own enterprise: saved at once, nothing about the first.
        response = self.phone_post(dict(SPINDLE))
        self.assertEqual(response.status_code, 302)
        page = self.client.get(response["Location"]).content.decode()
        self.assertNotIn(self.existing.number, page)
        self.assertNotIn(self.enterprise.name, page)
        # Naming the first enterprise in the form: refused as an unknown choice, nothing told.
        response = self.phone_post(dict(SPINDLE_AGAIN), enterprise=self.enterprise.pk)
        page = response.content.decode()
        self.assertEqual(response.status_code, 400)
        for secret in (self.existing.number, self.existing.title, self.enterprise.name):
            self.assertNotIn(secret, page)
        # Nor through the API.
        api = APIClient()
        api.force_authenticate(other_user)
        response = api.post(API, {**SPINDLE_AGAIN, "enterprise": self.enterprise.pk}, format="json")
        self.assertEqual(response.status_code, 400)
        for secret in (self.existing.number, self.existing.title, self.enterprise.name):
            self.assertNotIn(secret, response.content.decode())
        self.assertEqual(Demand.objects.filter(enterprise=self.enterprise).count(), 1)

    def test_a_similar_demand_the_user_may_not_see_is_not_mentioned(self) -> None:
        # The first demand went to another unit (转办): the county's staff no longer see it.
        case_services.demand_transfer(
            actor=self.staff_a1, demand=self.existing, org=self.world.county_a2, comment="属地调整"
        )
        self.assertFalse(
            Demand.objects.visible_to(self.staff_a1, "view").filter(pk=self.existing.pk).exists()
        )
        self.assertEqual(
            duplicates.similar_open_demands(self.staff_a1, self.enterprise, SPINDLE_AGAIN), []
        )
        created = services.demand_create(
            actor=self.staff_a1,
            enterprise=self.enterprise,
            data=dict(SPINDLE_AGAIN),
            check_duplicates=True,
        )
        history = " ".join(
            DemandEvent.objects.filter(demand=created).values_list("comment", flat=True)
        )
        self.assertNotIn(self.existing.number, history)
        # The enterprise's contact still sees his first demand, and is warned about it.
        seen = duplicates.similar_open_demands(self.contact_user, self.enterprise, SPINDLE_AGAIN)
        self.assertEqual([s.demand.pk for s in seen], [created.pk, self.existing.pk])
        self.assertTrue(seen[0].same_text)

    def test_another_units_staff_cannot_probe_through_the_check(self) -> None:
        self.assertEqual(
            duplicates.similar_open_demands(self.staff_a2, self.enterprise, SPINDLE_AGAIN), []
        )


class PhoneFormFlags(DuplicateBase):
    __test__ = True

    def test_a_reworded_duplicate_is_shown_then_confirmed_as_another_problem(self) -> None:
        self.login(self.contact_user)
        response = self.phone_post(dict(SPINDLE_AGAIN))
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        self.assertIn('id="duplicate-demands"', page)
        self.assertIn(self.existing.number, page)
        self.assertIn(self.existing.title, page)
        self.assertIn(self.existing.get_status_display(), page)
        self.assertIn(self.existing.get_absolute_url(), page)
        self.assertIn("需求描述：", page)
        self.assertIn('name="confirm_not_duplicate"', page)
        self.assertEqual(Demand.objects.filter(enterprise=self.enterprise).count(), 1)
        # Same page (its token was given back), now confirmed.
        token = TOKEN.search(page)
        assert token is not None
        response = self.client.post(
            self.url,
            {
                **SPINDLE_AGAIN,
                "delivery_mode": "either",
                "action": "submit",
                "form_token": token.group(1),
                "confirm_not_duplicate": "1",
            },
        )
        self.assertEqual(response.status_code, 302)
        created = Demand.objects.get(title=SPINDLE_AGAIN["title"])
        first_event = DemandEvent.objects.filter(demand=created).order_by("pk").first()
        assert first_event is not None
        self.assertIn("不是同一个问题", first_event.comment)
        self.assertIn(self.existing.number, first_event.comment)
        log = (
            OperationLog.objects.filter(target_id=str(created.pk), action__startswith="新增需求")
            .order_by("pk")
            .first()
        )
        assert log is not None
        self.assertEqual(log.extra.get("confirmed_not_duplicate_of"), [self.existing.pk])

    def test_an_unrelated_demand_of_the_same_enterprise_is_not_flagged(self) -> None:
        self.login(self.contact_user)
        response = self.phone_post(dict(WELDING))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Demand.objects.filter(title=WELDING["title"]).exists())

    def test_the_same_text_twice_in_a_second_makes_one_demand(self) -> None:
        self.login(self.contact_user)
        body = {**WELDING, "delivery_mode": "either", "action": "submit"}
        # Two tabs (two tokens), posted one right after the other, the second even "confirmed".
        first = self.phone_post(dict(WELDING))
        second = self.phone_post(dict(WELDING), confirm_not_duplicate="1")
        self.assertEqual(first.status_code, 302)
        self.assertEqual(second.status_code, 400)
        self.assertIn("完全相同", second.content.decode())
        self.assertNotIn('name="confirm_not_duplicate"', second.content.decode())
        # No token at all (an old client): the same.
        self.assertEqual(self.client.post(self.url, body).status_code, 400)
        self.assertEqual(Demand.objects.filter(title=WELDING["title"]).count(), 1)


class StaffFormAndApiFlag(DuplicateBase):
    __test__ = True

    def test_the_staff_form_flags_and_records_the_confirmation(self) -> None:
        self.login(self.staff_a1)
        url = reverse("demands:demand_create")
        page = self.client.get(url).content.decode()
        token = TOKEN.search(page)
        assert token is not None
        body = {
            **SPINDLE_AGAIN,
            "enterprise": self.enterprise.pk,
            "delivery_mode": "either",
            "visibility": "private",
            "form_token": token.group(1),
        }
        response = self.client.post(url, body)
        self.assertEqual(response.status_code, 400)
        self.assertIn(self.existing.number, response.content.decode())
        response = self.client.post(url, {**body, "confirm_not_duplicate": "1"})
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        created = Demand.objects.get(title=SPINDLE_AGAIN["title"])
        self.assertIn(
            "不是同一个问题",
            " ".join(DemandEvent.objects.filter(demand=created).values_list("comment", flat=True)),
        )

    def test_the_api_answers_409_with_the_visible_duplicates(self) -> None:
        api = APIClient()
        api.force_authenticate(self.contact_user)
        body = {**SPINDLE_AGAIN, "enterprise": self.enterprise.pk, "submit": True}
        response = api.post(API, body, format="json")
        self.assertEqual(response.status_code, 409)
        data = response.json()
        self.assertEqual(data["field"], "confirm_not_duplicate")
        self.assertEqual([d["number"] for d in data["similar"]], [self.existing.number])
        self.assertFalse(data["same_text"])
        response = api.post(API, {**body, "confirm_not_duplicate": True}, format="json")
        self.assertEqual(response.status_code, 201)
        # The same text again, even confirmed and under a fresh Idempotency-Key: 409, nothing new.
        response = api.post(
            API,
            {**body, "confirm_not_duplicate": True},
            format="json",
            HTTP_IDEMPOTENCY_KEY="retry-1",
        )
        self.assertEqual(response.status_code, 409)
        self.assertTrue(response.json()["same_text"])
        self.assertEqual(Demand.objects.filter(title=SPINDLE_AGAIN["title"]).count(), 1)
        # The refused request left its key free: the key is not bound to the 409.
        response = api.post(
            API,
            {**WELDING, "enterprise": self.enterprise.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY="retry-1",
        )
        self.assertEqual(response.status_code, 201)


class ImportRowWarning(ImportBase):
    def test_a_row_like_an_open_demand_is_a_warning_and_every_row_is_imported(self) -> None:
        staff = self.world.city_admin_a
        ent = make_enterprise(self.world.county_a1, staff)
        existing = services.demand_create(
            actor=staff, enterprise=ent, data=dict(SPINDLE), submit=True
        )
        rows = [
            DEM_HEADER,
            [
                ent.uscc,
                "技术难题",
                SPINDLE_AGAIN["title"],
                SPINDLE_AGAIN["description"],
                "",
                None,
                None,
            ],
            [ent.uscc, "技术难题", WELDING["title"], WELDING["description"], "", None, None],
        ]
        batch = self.run_import("demands.demand", xlsx(rows))
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.result)
        self.assertEqual(batch.counts["new"], 2)
        warnings = batch.result["warnings"]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertTrue(warnings[0].startswith("第2行【需求标题】"), warnings[0])
        self.assertIn(existing.number, warnings[0])
        self.assertEqual(Demand.objects.filter(enterprise=ent).count(), 3)
        self.login(staff)
        page = self.client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
        self.assertIn(existing.number, page)
        # Another city's clerk importing for his own enterprise learns nothing of this one.
        other = self.world.city_admin_b
        self.assertEqual(duplicates.similar_open_demands(other, ent, SPINDLE_AGAIN), [])
