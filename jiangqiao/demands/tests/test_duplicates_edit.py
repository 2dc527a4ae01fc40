"""Duplicate demands flagged on edit (``demand_update(check_duplicates=True)``).

A draft, a submitted or a returned demand edited into a copy of another open demand of its
enterprise is flagged like a new one, on the phone/staff edit form and the API. Attacks first:
another enterprise's contact and a unit that no longer sees the open demand learn nothing of it;
the demand is never its own duplicate.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.casework import claims
from jiangqiao.casework import services as case_services
from jiangqiao.core.models import OperationLog
from jiangqiao.demands import duplicates, services
from jiangqiao.demands.choices import Channel, DemandStatus
from jiangqiao.demands.models import Demand, DemandEvent

from .test_duplicates import API, SPINDLE, SPINDLE_AGAIN, WELDING, DuplicateBase


class EditBase(DuplicateBase):
    def setUp(self) -> None:
        super().setUp()
        # The enterprise's second demand, a draft about something else.
        self.draft = services.demand_create(
            actor=self.contact_user,
            enterprise=self.enterprise,
            data=dict(WELDING),
            channel=Channel.ONLINE,
        )

    def edit_post(self, demand: Demand, data: dict[str, Any], **extra: Any) -> Any:
        demand.refresh_from_db()
        body = {"delivery_mode": "either", "version": demand.version, **data, **extra}
        return self.client.post(reverse("demands:demand_edit", args=[demand.pk]), body)

    def history(self, demand: Demand) -> str:
        return " ".join(DemandEvent.objects.filter(demand=demand).values_list("comment", flat=True))


class NobodyLearnsOfOthersDemandsOnEdit(EditBase):
    __test__ = True

    def test_another_enterprises_contact_edits_into_the_same_text_unwarned(self) -> None:
        other, other_user = self.other_enterprise()
        own = services.demand_create(
            actor=other_user, enterprise=other, data=dict(WELDING), channel=Channel.ONLINE
        )
        self.login(other_user)
        response = self.edit_post(own, dict(SPINDLE))
        self.assertEqual(response.status_code, 302)
        page = self.client.get(response["Location"]).content.decode()
        for secret in (self.existing.number, self.enterprise.name):
            self.assertNotIn(secret, page)
        self.assertNotIn(self.existing.number, self.history(own))
        # Nor through the API.
        api = APIClient()
        api.force_authenticate(other_user)
        own.refresh_from_db()
        response = api.patch(
            f"{API}{own.pk}/", {**SPINDLE_AGAIN, "version": own.version}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content.decode()[:500])
        for secret in (self.existing.number, self.existing.title, self.enterprise.name):
            self.assertNotIn(secret, response.content.decode())

    def test_a_similar_demand_the_editor_may_not_see_is_not_mentioned(self) -> None:
        case_services.demand_transfer(
            actor=self.staff_a1, demand=self.existing, org=self.world.county_a2, comment="属地调整"
        )
        self.login(self.staff_a1)
        response = self.edit_post(self.draft, dict(SPINDLE_AGAIN), visibility="private")
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertNotIn(self.existing.number, self.history(self.draft))
        self.assertEqual(Demand.objects.get(pk=self.draft.pk).title, SPINDLE_AGAIN["title"])

    def test_the_demand_is_never_its_own_duplicate(self) -> None:
        # The submitted demand reworded by its enterprise: like only itself, so saved at once.
        self.login(self.contact_user)
        response = self.edit_post(self.existing, dict(SPINDLE_AGAIN))
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(Demand.objects.get(pk=self.existing.pk).title, SPINDLE_AGAIN["title"])
        self.assertEqual(
            duplicates.check(
                self.contact_user, self.enterprise, dict(SPINDLE_AGAIN), exclude=self.existing.pk
            ),
            [],
        )


class EditFormsFlag(EditBase):
    __test__ = True

    def test_the_phone_edit_flags_a_draft_edited_into_a_near_copy_then_confirmed(self) -> None:
        self.login(self.contact_user)
        response = self.edit_post(self.draft, dict(SPINDLE_AGAIN))
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        self.assertIn('id="duplicate-demands"', page)
        self.assertIn(self.existing.number, page)
        self.assertIn(self.existing.get_absolute_url(), page)
        self.assertIn("与本企业在办的需求相似", page)
        self.assertIn('name="confirm_not_duplicate"', page)
        self.assertEqual(Demand.objects.get(pk=self.draft.pk).title, WELDING["title"])
        response = self.edit_post(self.draft, dict(SPINDLE_AGAIN), confirm_not_duplicate="1")
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(Demand.objects.get(pk=self.draft.pk).title, SPINDLE_AGAIN["title"])
        self.assertIn("不是同一个问题", self.history(self.draft))
        self.assertIn(self.existing.number, self.history(self.draft))
        log = (
            OperationLog.objects.filter(target_id=str(self.draft.pk), action__startswith="修改需求")
            .order_by("-pk")
            .first()
        )
        assert log is not None
        self.assertEqual(log.extra.get("confirmed_not_duplicate_of"), [self.existing.pk])

    def test_identical_text_is_refused_even_confirmed(self) -> None:
        self.login(self.contact_user)
        response = self.edit_post(self.draft, dict(SPINDLE), confirm_not_duplicate="1")
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        self.assertIn("完全相同", page)
        self.assertNotIn('name="confirm_not_duplicate"', page)
        self.assertEqual(Demand.objects.get(pk=self.draft.pk).title, WELDING["title"])
        with self.assertRaises(duplicates.DuplicateDemand):
            services.demand_update(
                actor=self.contact_user,
                demand=self.draft,
                data=dict(SPINDLE),
                check_duplicates=True,
                duplicate_confirmed=True,
            )

    def test_the_staff_edit_form_flags_a_category_or_text_change(self) -> None:
        self.login(self.staff_a1)
        body = {**SPINDLE_AGAIN, "visibility": "private"}
        response = self.edit_post(self.draft, body)
        self.assertEqual(response.status_code, 400)
        self.assertIn(self.existing.number, response.content.decode())
        response = self.edit_post(self.draft, body, confirm_not_duplicate="1")
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertIn("不是同一个问题", self.history(self.draft))

    def test_a_returned_demand_edited_into_a_copy_is_flagged_before_resubmission(self) -> None:
        case_services.demand_submit(actor=self.contact_user, demand=self.draft)
        claims.demand_return(actor=self.staff_a1, demand=self.draft, comment="请补充设备型号")
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, DemandStatus.RETURNED)
        self.login(self.contact_user)
        response = self.edit_post(self.draft, dict(SPINDLE_AGAIN))
        self.assertEqual(response.status_code, 400)
        self.assertIn(self.existing.number, response.content.decode())

    def test_a_triaged_demand_is_not_checked_on_edit(self) -> None:
        # Past triage the unit owns the demand and merges duplicates itself.
        case_services.demand_submit(actor=self.contact_user, demand=self.draft)
        case_services.demand_triage(
            actor=self.staff_a1,
            demand=self.draft,
            data={"category": "tech", "grade": "a", "owner_level": "county"},
        )
        self.draft.refresh_from_db()
        saved = services.demand_update(
            actor=self.staff_a1,
            demand=self.draft,
            data=dict(SPINDLE_AGAIN),
            version=self.draft.version,
            check_duplicates=True,
        )
        self.assertEqual(saved.title, SPINDLE_AGAIN["title"])

    def test_an_edit_leaving_text_kind_and_category_alone_does_not_check_again(self) -> None:
        # A confirmed near copy, then edited elsewhere (and its text sent back with other line
        # ends and spacing, as a browser does): saved without asking again.
        services.demand_update(
            actor=self.contact_user,
            demand=self.draft,
            data=dict(SPINDLE_AGAIN),
            check_duplicates=True,
            duplicate_confirmed=True,
        )
        self.login(self.contact_user)
        body = {
            **SPINDLE_AGAIN,
            "description": f"  {SPINDLE_AGAIN['description']}\r\n",
            "desired_outcome": "主轴运转平稳，圆度合格",
        }
        response = self.edit_post(self.draft, body)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(
            Demand.objects.get(pk=self.draft.pk).desired_outcome, "主轴运转平稳，圆度合格"
        )
        # The check itself still finds the pair: only the unchanged edit skipped it.
        self.assertIsNone(duplicates.edited_fields(self.draft, {"title": self.draft.title}))
        self.assertTrue(
            duplicates.similar_open_demands(
                self.contact_user, self.enterprise, dict(SPINDLE_AGAIN), exclude=self.draft.pk
            )
        )


class ApiUpdateFlags(EditBase):
    __test__ = True

    def test_the_api_answers_409_with_the_same_body_as_on_create(self) -> None:
        api = APIClient()
        api.force_authenticate(self.contact_user)
        body = {**SPINDLE_AGAIN, "enterprise": self.enterprise.pk}
        created = api.post(API, body, format="json")
        self.assertEqual(created.status_code, 409)
        response = api.patch(
            f"{API}{self.draft.pk}/",
            {**SPINDLE_AGAIN, "version": self.draft.version},
            format="json",
        )
        self.assertEqual(response.status_code, 409)
        data = response.json()
        self.assertEqual(set(data), set(created.json()))
        self.assertEqual(data["field"], "confirm_not_duplicate")
        self.assertEqual([d["number"] for d in data["similar"]], [self.existing.number])
        self.assertEqual(set(data["similar"][0]), set(created.json()["similar"][0]))
        self.assertFalse(data["same_text"])
        self.assertEqual(Demand.objects.get(pk=self.draft.pk).title, WELDING["title"])
        response = api.patch(
            f"{API}{self.draft.pk}/",
            {**SPINDLE_AGAIN, "version": self.draft.version, "confirm_not_duplicate": True},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content.decode()[:500])
        self.assertIn("不是同一个问题", self.history(self.draft))
        # Identical text: 409 even confirmed.
        self.draft.refresh_from_db()
        response = api.patch(
            f"{API}{self.draft.pk}/",
            {**SPINDLE, "version": self.draft.version, "confirm_not_duplicate": True},
            format="json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertTrue(response.json()["same_text"])
