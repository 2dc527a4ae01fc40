"""Training orders (issue 15 point 4): lifecycle, scope, bad input, double booking, the demand
round trip, the API and the enterprise contact's phone pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.academy import classes, orders, selectors, services
from jiangqiao.academy.models import OrderEvent, TrainingOrder
from jiangqiao.accounts.models import Role
from jiangqiao.casework import services as casework
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation, assert_visible
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands.models import Demand, DemandEvent
from jiangqiao.demands.tests.factories import make_demand, make_enterprise

from .helpers import (
    course_data,
    make_academy,
    make_contact,
    make_course,
    make_lecturer,
    make_order,
    order_data,
)


def _day(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


class OrderWorld(WorldTestCase):
    """深圳 (city A) runs an academy with a lecturer and a published course; an enterprise of 南山
    has a contact; 另一个城市 (city B) has its own academy, course and contact."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.staff = w.city_admin_a
        cls.academy = make_academy(w.county_a1, cls.staff)
        cls.lecturer = make_lecturer(w.county_a1, cls.staff, academy=cls.academy)
        cls.course = services.course_create(
            actor=cls.staff, academy=cls.academy, data=course_data(), lecturers=[cls.lecturer]
        )
        cls.course = services.course_publish(actor=cls.staff, course=cls.course)
        cls.contact, cls.ent = make_contact(w.county_a1, "qy_order")
        cls.other_contact, cls.other_ent = make_contact(w.county_a1, "qy_other_order")
        cls.b_academy = make_academy(w.county_b1, w.city_admin_b)
        cls.b_lecturer = make_lecturer(w.county_b1, w.city_admin_b, academy=cls.b_academy)
        cls.b_course = services.course_create(
            actor=w.city_admin_b,
            academy=cls.b_academy,
            data=course_data(),
            lecturers=[cls.b_lecturer],
        )
        services.course_publish(actor=w.city_admin_b, course=cls.b_course)

    def order(self, **extra: Any) -> TrainingOrder:
        return make_order(self.contact, self.ent, self.course, **extra)

    def schedule(self, order: TrainingOrder, **extra: Any) -> TrainingOrder:
        return orders.order_schedule(
            actor=self.staff,
            order=order,
            academy=self.academy,
            data={"start_date": _day(20), "end_date": _day(22), **extra},
            sessions=[{"date": _day(20), "start_time": "09:00", "end_time": "12:00", "hours": "3"}],
        )

    def run_class(self, order: TrainingOrder, to: str = "finished") -> TrainingOrder:
        tc = order.training_class
        assert tc is not None
        for step in ("open", "running", to):
            tc = classes.class_move(actor=self.staff, training_class=tc, to=step)
        return TrainingOrder.objects.get(pk=order.pk)


class OrderLifecycleTests(OrderWorld):
    def test_a_menu_order_is_numbered_pending_and_has_a_timeline(self) -> None:
        order = self.order()
        self.assertEqual(order.status, "pending")
        self.assertRegex(order.number, r"^GDDD-\d{4}-\d{6}$")
        self.assertEqual(order.academy, self.academy)
        self.assertEqual(order.org_id, self.academy.org_id)
        self.assertEqual(order.topic, self.course.title)
        self.assertEqual(order.course_edition, self.course.edition)
        self.assertEqual(list(order.events.values_list("to_status", flat=True)), ["pending"])
        second = self.order()
        self.assertNotEqual(order.number, second.number)

    def test_every_allowed_move_to_evaluated(self) -> None:
        order = orders.order_accept(actor=self.staff, order=self.order())
        self.assertEqual(order.status, "accepted")
        order = self.schedule(order)
        self.assertEqual(order.status, "scheduled")
        tc = order.training_class
        assert tc is not None
        self.assertEqual(tc.course, self.course)
        self.assertEqual(tc.capacity, 20)
        self.assertEqual(list(tc.lecturers.all()), [self.lecturer])
        self.assertEqual(tc.sessions.count(), 1)
        order = self.run_class(order)
        self.assertEqual(order.status, "delivered")
        order = orders.order_evaluate(
            actor=self.contact, order=order, satisfaction=5, comment="讲得实在"
        )
        self.assertEqual((order.status, order.satisfaction), ("evaluated", 5))
        self.assertEqual(
            list(order.events.values_list("to_status", flat=True)),
            ["pending", "accepted", "scheduled", "delivered", "evaluated"],
        )

    def test_return_needs_a_reason_and_is_final(self) -> None:
        order = self.order()
        with self.assertRaises(BusinessError) as caught:
            orders.order_return(actor=self.staff, order=order, reason="  ")
        self.assertEqual(caught.exception.field, "reason")
        order = orders.order_return(actor=self.staff, order=order, reason="本月师资已排满")
        self.assertEqual((order.status, order.return_reason), ("returned", "本月师资已排满"))
        with self.assertRaises(BusinessError) as caught:
            orders.order_accept(actor=self.staff, order=order)
        self.assertEqual(caught.exception.field, "status")
        self.assertIn("已退回", caught.exception.message)

    def test_the_enterprise_withdraws_pending_and_accepted_but_not_scheduled(self) -> None:
        pending = orders.order_withdraw(actor=self.contact, order=self.order(), reason="计划调整")
        self.assertEqual(pending.status, "withdrawn")
        accepted = orders.order_accept(actor=self.staff, order=self.order())
        self.assertEqual(
            orders.order_withdraw(actor=self.contact, order=accepted).status, "withdrawn"
        )
        scheduled = self.schedule(orders.order_accept(actor=self.staff, order=self.order()))
        with self.assertRaises(BusinessError):
            orders.order_withdraw(actor=self.contact, order=scheduled)

    def test_staff_cannot_withdraw_or_evaluate_and_contacts_cannot_accept(self) -> None:
        order = self.order()
        with self.assertRaises(PermissionDenied):
            orders.order_withdraw(actor=self.staff, order=order)
        with self.assertRaises((PermissionDenied, ScopeViolation)):
            orders.order_accept(actor=self.contact, order=order)
        with self.assertRaises(ScopeViolation):
            orders.order_withdraw(actor=self.other_contact, order=order)

    def test_refused_moves_name_the_state(self) -> None:
        order = self.order()
        with self.assertRaises(BusinessError) as caught:
            orders.order_evaluate(actor=self.contact, order=order, satisfaction=4)
        self.assertIn("待受理", caught.exception.message)
        with self.assertRaises(BusinessError):
            self.schedule(order)  # not accepted yet
        accepted = orders.order_accept(actor=self.staff, order=order)
        with self.assertRaises(BusinessError) as caught:
            orders.order_accept(actor=self.staff, order=accepted)
        self.assertEqual(caught.exception.code, "conflict")

    def test_a_cancelled_class_puts_the_order_back_to_accepted(self) -> None:
        order = self.schedule(orders.order_accept(actor=self.staff, order=self.order()))
        tc = order.training_class
        assert tc is not None
        classes.class_move(actor=self.staff, training_class=tc, to="cancelled")
        order.refresh_from_db()
        self.assertEqual((order.status, order.training_class_id), ("accepted", None))
        self.assertEqual(self.schedule(order).status, "scheduled")

    def test_evaluation_is_1_to_5(self) -> None:
        order = self.run_class(
            self.schedule(orders.order_accept(actor=self.staff, order=self.order()))
        )
        for bad in (0, 6, "好"):
            with self.assertRaises(BusinessError) as caught:
                orders.order_evaluate(actor=self.contact, order=order, satisfaction=bad)
            self.assertEqual(caught.exception.field, "satisfaction")

    def test_a_custom_order_needs_a_course_of_the_academy_to_be_scheduled(self) -> None:
        order = orders.order_place(
            actor=self.contact,
            enterprise=self.ent,
            kind="custom",
            academy=self.academy,
            data=order_data(topic="焊接机器人编程", site="enterprise", address="南山区科技园"),
        )
        order = orders.order_accept(actor=self.staff, order=order)
        with self.assertRaises(BusinessError) as caught:
            orders.order_schedule(
                actor=self.staff,
                order=order,
                academy=self.academy,
                data={"start_date": _day(20), "end_date": _day(21)},
            )
        self.assertEqual(caught.exception.field, "course")
        draft = make_course(self.world.county_a1, self.staff, academy=self.academy)
        with self.assertRaises(BusinessError) as caught:
            orders.order_schedule(
                actor=self.staff,
                order=order,
                academy=self.academy,
                course=draft,
                data={"start_date": _day(20), "end_date": _day(21)},
            )
        self.assertEqual(caught.exception.field, "course")
        done = orders.order_schedule(
            actor=self.staff,
            order=order,
            academy=self.academy,
            course=self.course,
            data={"start_date": _day(20), "end_date": _day(21)},
        )
        self.assertEqual(done.status, "scheduled")


class OrderScopeTests(OrderWorld):
    def test_another_citys_staff_neither_sees_nor_handles_the_order(self) -> None:
        order = self.order()
        outsider = self.world.city_admin_b
        self.assertFalse(selectors.order_list(user=outsider).filter(pk=order.pk).exists())
        with self.assertRaises(ScopeViolation):
            orders.order_accept(actor=outsider, order=order)
        self.client.force_login(outsider)
        self.assertEqual(self.client.get(order.get_absolute_url()).status_code, 404)
        api = APIClient()
        api.force_authenticate(outsider)
        self.assertEqual(api.get(f"/api/v1/academy/orders/{order.pk}/").status_code, 404)
        response = api.post(f"/api/v1/academy/orders/{order.pk}/accept/", {}, format="json")
        self.assertEqual(response.status_code, 404)
        TrainingOrder.objects.filter(pk=order.pk).update()
        self.assertEqual(TrainingOrder.objects.get(pk=order.pk).status, "pending")

    def test_an_enterprise_contact_sees_his_enterprises_orders_only(self) -> None:
        mine = self.order()
        theirs = make_order(self.other_contact, self.other_ent, self.course)
        self.assertEqual(set(selectors.order_list(user=self.contact)), {mine})
        self.assertEqual(set(selectors.order_list(user=self.other_contact)), {theirs})
        self.client.force_login(self.contact)
        self.assertEqual(self.client.get(theirs.get_absolute_url()).status_code, 404)
        page = self.client.get(reverse("academy:order_list"))
        self.assertContains(page, mine.number)
        self.assertNotContains(page, theirs.number)

    def test_a_contact_cannot_order_for_another_enterprise(self) -> None:
        with self.assertRaises(BusinessError) as caught:
            make_order(self.contact, self.other_ent, self.course)
        self.assertEqual(caught.exception.field, "enterprise")
        self.assertNotIn(self.other_ent.name, caught.exception.message)


class OrderBadInputTests(OrderWorld):
    def assert_refused(self, field: str, **data: Any) -> None:
        with self.assertRaises(BusinessError) as caught:
            self.order(**data)
        self.assertEqual(caught.exception.field, field, caught.exception.message)

    def test_dates_trainees_and_site(self) -> None:
        self.assert_refused("period_from", period_from=_day(-1), period_to=_day(5))
        self.assert_refused("period_to", period_from=_day(10), period_to=_day(9))
        self.assert_refused("trainees_planned", trainees_planned=0)
        self.assert_refused("trainees_planned", trainees_planned=100000)
        self.assert_refused("site", site="moon")
        self.assert_refused("address", site="enterprise", address="")
        self.assertFalse(TrainingOrder.objects.exists())

    def test_a_draft_course_and_a_lecturer_outside_the_alliance(self) -> None:
        draft = make_course(self.world.county_a1, self.staff, academy=self.academy)
        with self.assertRaises(BusinessError) as caught:
            make_order(self.contact, self.ent, draft)
        self.assertEqual(caught.exception.field, "course")
        with self.assertRaises(BusinessError) as caught:
            orders.order_place(
                actor=self.contact,
                enterprise=self.ent,
                kind="menu",
                course=self.course,
                lecturer=self.b_lecturer,
                data=order_data(),
            )
        self.assertEqual(caught.exception.field, "lecturer")

    def test_a_shared_lecturer_of_the_same_alliance_may_be_invited(self) -> None:
        w = self.world
        alliance = services.alliance_create(
            actor=self.staff, org=w.county_a1, data={"name": "湾区联盟"}
        )
        other = make_academy(w.county_a1, self.staff)
        shared = make_lecturer(w.county_a1, self.staff, academy=other, shared=True)
        for academy in (self.academy, other):
            services.alliance_add_member(actor=self.staff, alliance=alliance, academy=academy)
        self.academy.refresh_from_db()
        order = orders.order_place(
            actor=self.contact,
            enterprise=self.ent,
            kind="menu",
            course=self.course,
            lecturer=shared,
            data=order_data(),
        )
        self.assertEqual(order.lecturer, shared)

    def test_unknown_course_over_the_api(self) -> None:
        api = APIClient()
        api.force_authenticate(self.contact)
        body = {**order_data(), "kind": "menu", "enterprise": self.ent.pk, "course": 999999}
        response = api.post("/api/v1/academy/orders/", body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("course", response.json())


class DoubleBookingTests(OrderWorld):
    def make(self, place: str = "实训楼101", lecturers: Any = None, first: int = 30) -> Any:
        return classes.class_create(
            actor=self.staff,
            academy=self.academy,
            course=self.course,
            data={"start_date": _day(first), "end_date": _day(first + 2), "place": place},
            lecturers=lecturers,
        )

    def session(self, tc: Any, start: str = "09:00", end: str = "12:00") -> Any:
        return classes.session_add(
            actor=self.staff,
            training_class=tc,
            data={"date": _day(30), "start_time": start, "end_time": end, "hours": "3"},
        )

    def test_a_lecturer_on_two_overlapping_sessions_is_refused(self) -> None:
        first, second = self.make(), self.make(place="实训楼202")
        self.session(first)
        with self.assertRaises(BusinessError) as caught:
            self.session(second, "11:00", "13:00")
        self.assertEqual(caught.exception.field, "lecturers")
        self.assertIn(self.lecturer.display_name, caught.exception.message)
        self.session(second, "12:00", "14:00")  # back to back is fine

    def test_session_update_is_checked_too(self) -> None:
        first, second = self.make(), self.make(place="实训楼202")
        self.session(first)
        later = self.session(second, "14:00", "16:00")
        with self.assertRaises(BusinessError) as caught:
            classes.session_update(actor=self.staff, session=later, data={"start_time": "10:00"})
        self.assertEqual(caught.exception.field, "lecturers")

    def test_changing_a_classs_lecturers_is_checked(self) -> None:
        first = self.make()
        second = self.make(place="实训楼202", lecturers=[])
        self.session(first)
        self.session(second, "10:00", "11:00")
        with self.assertRaises(BusinessError) as caught:
            classes.class_update(
                actor=self.staff, training_class=second, data={}, lecturers=[self.lecturer]
            )
        self.assertEqual(caught.exception.field, "lecturers")
        second.refresh_from_db()
        self.assertFalse(second.lecturers.exists())

    def test_the_same_base_and_place_is_refused_another_room_is_not(self) -> None:
        first = self.make(lecturers=[])
        same_room = self.make(lecturers=[])
        other_room = self.make(place="实训楼202", lecturers=[])
        self.session(first)
        with self.assertRaises(BusinessError) as caught:
            self.session(same_room, "10:00", "11:00")
        self.assertEqual(caught.exception.field, "start_time")
        self.session(other_room, "10:00", "11:00")

    def test_cancelled_classes_do_not_count(self) -> None:
        first, second = self.make(), self.make()
        self.session(first)
        classes.class_move(actor=self.staff, training_class=first, to="cancelled")
        self.session(second)

    def test_the_api_refuses_a_double_booked_session(self) -> None:
        first, second = self.make(), self.make(place="实训楼202")
        self.session(first)
        api = APIClient()
        api.force_authenticate(self.staff)
        body = {"date": str(_day(30)), "start_time": "10:00", "end_time": "11:00", "hours": "1"}
        response = api.post(f"/api/v1/academy/classes/{second.pk}/sessions/", body, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("lecturers", response.json())

    def test_scheduling_an_order_goes_through_the_same_check(self) -> None:
        busy = self.make(place="", first=20)
        classes.session_add(
            actor=self.staff,
            training_class=busy,
            data={"date": _day(20), "start_time": "08:00", "end_time": "10:00", "hours": "2"},
        )
        order = orders.order_accept(actor=self.staff, order=self.order())
        with self.assertRaises(BusinessError) as caught:
            self.schedule(order)
        self.assertEqual(caught.exception.field, "lecturers")
        order.refresh_from_db()
        self.assertEqual((order.status, order.training_class_id), ("accepted", None))

    def test_the_schedule_page_shows_a_place_clash_on_its_time_box(self) -> None:
        busy = self.make(place="实训楼101", lecturers=[], first=20)
        classes.session_add(
            actor=self.staff,
            training_class=busy,
            data={"date": _day(20), "start_time": "09:00", "end_time": "12:00", "hours": "3"},
        )
        order = orders.order_accept(actor=self.staff, order=self.order())
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("academy:order_schedule", args=[order.pk]),
            {
                "academy": self.academy.pk,
                "start_date": _day(20).isoformat(),
                "end_date": _day(21).isoformat(),
                "place": "实训楼101",
                "session_date": _day(20).isoformat(),
                "session_start": "10:00",
                "session_end": "11:00",
                "session_hours": "1",
                "session_hour_type": "theory",
            },
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["form"].errors
        self.assertIn("session_start", errors)
        self.assertIn("同一场地同一时间不能重复安排", errors["session_start"][0])
        self.assertNotIn("__all__", errors)


class DemandConversionTests(OrderWorld):
    def training_demand(self, unit: Any = None, **extra: Any) -> Demand:
        ent = self.ent if unit is None else make_enterprise(unit)
        return make_demand(
            ent,
            self.contact if unit is None else None,
            kind="skill_training",
            trainee_count=25,
            status=extra.pop("status", "submitted"),
            title="数控车工技能提升培训",
            description="25名车工，希望提升编程与故障诊断",
            min_skill_level="senior_worker",
            **extra,
        )

    def convert(self, demand: Demand) -> TrainingOrder:
        return orders.order_from_demand(
            actor=self.staff, demand=demand, academy=self.academy, data=order_data()
        )

    def status(self, demand: Demand) -> str:
        return Demand.objects.get(pk=demand.pk).status

    def test_round_trip_returned_then_delivered_and_evaluated(self) -> None:
        demand = self.training_demand()
        order = self.convert(demand)
        self.assertEqual(order.kind, "custom")
        self.assertEqual(
            (order.enterprise, order.topic, order.description, order.trainees_planned),
            (demand.enterprise, demand.title, demand.description, 25),
        )
        self.assertEqual(order.skill_level, "senior_worker")
        self.assertEqual(self.status(demand), "in_service")
        self.assertTrue(casework.handed_over(Demand.objects.get(pk=demand.pk)))
        with self.assertRaises(BusinessError) as caught:
            self.convert(demand)
        self.assertIn("已转为学院订单", caught.exception.message)
        orders.order_return(actor=self.staff, order=order, reason="请改约下月")
        self.assertEqual(self.status(demand), "submitted")
        order = orders.order_accept(actor=self.staff, order=self.convert(demand))
        order = orders.order_schedule(
            actor=self.staff,
            order=order,
            academy=self.academy,
            course=self.course,
            data={"start_date": _day(20), "end_date": _day(21)},
            sessions=[{"date": _day(20), "start_time": "09:00", "end_time": "12:00", "hours": "3"}],
        )
        order = self.run_class(order)
        fresh = Demand.objects.get(pk=demand.pk)
        self.assertEqual((fresh.status, fresh.outcome), ("resolved", "solved"))
        orders.order_evaluate(actor=self.contact, order=order, satisfaction=4)
        fresh = Demand.objects.get(pk=demand.pk)
        self.assertEqual(fresh.status, "closed")
        self.assertIsNotNone(fresh.solved_confirmed_at)
        trail = list(DemandEvent.objects.filter(demand=demand).values_list("to_status", flat=True))
        self.assertEqual(
            trail,
            ["in_service", "submitted", "in_service", "resolved", "confirmed", "closed"],
        )

    def test_a_withdrawn_order_puts_the_demand_back_where_it_was(self) -> None:
        demand = self.training_demand(status="triaged")  # made in that state, not moved there
        order = self.convert(demand)
        self.assertEqual(order.demand_status_before, "triaged")
        orders.order_withdraw(actor=self.contact, order=order)
        self.assertEqual(self.status(demand), "triaged")

    def test_casework_will_not_record_an_outcome_on_a_handed_over_demand(self) -> None:
        demand = self.training_demand()
        self.convert(demand)
        with self.assertRaises(BusinessError) as caught:
            casework.outcome_record(
                actor=self.staff, demand=demand, result="solved", summary="已培训"
            )
        self.assertIn("学院订单", caught.exception.message)

    def test_an_offered_or_non_training_demand_is_refused(self) -> None:
        offered = self.training_demand(has_open_offer=True)
        with self.assertRaises(BusinessError) as caught:
            self.convert(offered)
        self.assertIn("服务邀请", caught.exception.message)
        matching = self.training_demand(status="matching")
        with self.assertRaises(BusinessError):
            self.convert(matching)
        tech = make_demand(self.ent, kind="tech_problem", status="submitted")
        with self.assertRaises(BusinessError) as caught:
            self.convert(tech)
        self.assertIn("技能培训", caught.exception.message)
        self.assertFalse(TrainingOrder.objects.exists())

    def test_another_units_demand_cannot_be_converted(self) -> None:
        theirs = self.training_demand(unit=self.world.county_b1)
        with self.assertRaises(ScopeViolation):
            self.convert(theirs)
        self.client.force_login(self.staff)
        url = reverse("academy:order_from_demand", args=[theirs.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {}).status_code, 404)
        listing = self.client.get(reverse("academy:order_demands"))
        self.assertNotContains(listing, theirs.title + str(theirs.pk), status_code=200)
        self.assertEqual(self.status(theirs), "submitted")

    def test_the_convert_page_creates_the_order_without_retyping(self) -> None:
        demand = self.training_demand()
        self.client.force_login(self.staff)
        listing = self.client.get(reverse("academy:order_demands"))
        self.assertContains(listing, reverse("academy:order_from_demand", args=[demand.pk]))
        url = reverse("academy:order_from_demand", args=[demand.pk])
        page = self.client.get(url)
        self.assertContains(page, demand.description)
        response = self.client.post(
            url,
            {
                "academy": self.academy.pk,
                "period_from": _day(14).isoformat(),
                "period_to": _day(40).isoformat(),
                "site": "academy",
            },
        )
        order = TrainingOrder.objects.get(source_demand=demand)
        self.assertRedirects(response, order.get_absolute_url())
        self.assertEqual(order.topic, demand.title)

    def test_the_demand_page_offers_the_conversion_only_where_it_is_allowed(self) -> None:
        demand = self.training_demand()
        button = 'data-action="academy.order_from_demand"'
        convert_url = reverse("academy:order_from_demand", args=[demand.pk])
        self.client.force_login(self.staff)
        page = self.client.get(demand.get_absolute_url())
        self.assertContains(page, button)
        self.assertContains(page, convert_url)
        tech = make_demand(self.ent, kind="tech_problem", status="submitted")
        self.assertNotContains(self.client.get(tech.get_absolute_url()), button)
        self.convert(demand)  # converted once: no button any more
        self.assertNotContains(self.client.get(demand.get_absolute_url()), button)
        other = self.training_demand()
        clerk = make_user(
            "union_clerk_conv", self.world.county_a1, Role.objects.get(code="union_staff")
        )
        self.assertTrue(clerk.has_perm("demands.view_demand"))
        self.assertFalse(clerk.has_perm("academy.convert_demand"))
        self.client.force_login(clerk)
        page = self.client.get(other.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, button)


class OrderApiTests(OrderWorld):
    def api(self, user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_the_whole_flow_over_the_api(self) -> None:
        contact, staff = self.api(self.contact), self.api(self.staff)
        body = {
            **{k: str(v) for k, v in order_data().items()},
            "kind": "menu",
            "enterprise": self.ent.pk,
            "course": self.course.pk,
        }
        created = contact.post("/api/v1/academy/orders/", body, format="json")
        self.assertEqual(created.status_code, 201, created.content)
        pk = created.json()["id"]
        base = f"/api/v1/academy/orders/{pk}/"
        self.assertEqual(contact.post(f"{base}accept/", {}, format="json").status_code, 403)
        self.assertEqual(staff.post(f"{base}accept/", {}, format="json").status_code, 200)
        scheduled = staff.post(
            f"{base}schedule/",
            {
                "academy": self.academy.pk,
                "start_date": str(_day(20)),
                "end_date": str(_day(21)),
                "sessions": [
                    {
                        "date": str(_day(20)),
                        "start_time": "09:00",
                        "end_time": "11:00",
                        "hours": "2",
                    }
                ],
            },
            format="json",
        )
        self.assertEqual(scheduled.status_code, 200, scheduled.content)
        self.assertEqual(scheduled.json()["status"]["value"], "scheduled")
        order = TrainingOrder.objects.get(pk=pk)
        self.run_class(order)
        bad = contact.post(f"{base}evaluate/", {"satisfaction": 9}, format="json")
        self.assertEqual(bad.status_code, 400)
        done = contact.post(f"{base}evaluate/", {"satisfaction": 5}, format="json")
        self.assertEqual(done.status_code, 200, done.content)
        statuses = [e["to_status"]["value"] for e in done.json()["events"]]
        self.assertEqual(statuses, ["pending", "accepted", "scheduled", "delivered", "evaluated"])

    def test_return_and_withdraw_and_filters(self) -> None:
        staff, contact = self.api(self.staff), self.api(self.contact)
        first, second = self.order(), self.order()
        no_reason = staff.post(f"/api/v1/academy/orders/{first.pk}/return/", {}, format="json")
        self.assertEqual(no_reason.status_code, 400)
        self.assertIn("reason", no_reason.json())
        ok = staff.post(
            f"/api/v1/academy/orders/{first.pk}/return/", {"reason": "不在服务范围"}, format="json"
        )
        self.assertEqual(ok.status_code, 200)
        withdrawn = contact.post(f"/api/v1/academy/orders/{second.pk}/withdraw/", {}, format="json")
        self.assertEqual(withdrawn.status_code, 200, withdrawn.content)
        listed = staff.get("/api/v1/academy/orders/", {"status": "returned"}).json()
        self.assertEqual([r["id"] for r in listed["results"]], [first.pk])
        listed = staff.get("/api/v1/academy/orders/", {"academy_id": self.academy.pk}).json()
        self.assertEqual({r["id"] for r in listed["results"]}, {first.pk, second.pk})


class PhonePageTests(OrderWorld):
    def test_the_menu_offers_order_and_invite_buttons(self) -> None:
        page = self.client.get(reverse("academy:menu"))
        self.assertContains(page, f'data-order="{self.course.pk}"')
        self.assertContains(page, f'data-invite="{self.lecturer.pk}"')
        self.assertContains(page, "定制培训（院企订单式）")

    def test_anonymous_is_sent_to_login_and_staff_get_a_clear_message(self) -> None:
        url = f"{reverse('academy:order_place')}?course={self.course.pk}"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        clerk = make_user("union_only", self.world.county_a1, Role.objects.get(code="union_staff"))
        self.client.force_login(clerk)
        refused = self.client.get(url)
        self.assertContains(refused, "只有企业联络人可以", status_code=403)

    def test_a_course_or_lecturer_key_that_is_not_ascii_digits_is_a_message_not_a_500(
        self,
    ) -> None:
        self.client.force_login(self.contact)
        for name in ("course", "lecturer"):
            for bad in ("²", "١", "9" * 30):
                with self.subTest(name=name, value=bad):
                    page = self.client.get(reverse("academy:order_place"), {name: bad})
                    self.assertContains(page, "请从课程菜单选择课程或讲师后再点单", status_code=400)

    def test_a_contact_orders_follows_withdraws_on_his_phone(self) -> None:
        self.client.force_login(self.contact)
        url = f"{reverse('academy:order_place')}?course={self.course.pk}"
        form = self.client.get(url)
        self.assertContains(form, self.course.title)
        self.assertContains(form, 'name="viewport"')
        token = re.search(r'name="form_token" value="([^"]+)"', form.content.decode())
        data = {k: str(v) for k, v in order_data().items()}
        data["enterprise"] = str(self.ent.pk)
        if token:
            data["form_token"] = token.group(1)
        response = self.client.post(url, data)
        order = TrainingOrder.objects.get(enterprise=self.ent)
        self.assertRedirects(response, order.get_absolute_url())
        detail = self.client.get(order.get_absolute_url())
        self.assertContains(detail, "办理进度")
        self.assertContains(detail, "撤回订单")
        self.assertNotContains(detail, "受理</button>")
        mine = self.client.get(reverse("academy:order_list"))
        self.assertContains(mine, "我的培训订单")
        self.assertContains(mine, order.number)
        self.client.post(reverse("academy:order_withdraw", args=[order.pk]), {"reason": "改期"})
        order.refresh_from_db()
        self.assertEqual(order.status, "withdrawn")
        home = self.client.get("/")
        self.assertContains(home, "我的培训订单")

    def test_the_custom_form_and_a_past_date(self) -> None:
        self.client.force_login(self.contact)
        url = reverse("academy:order_custom")
        self.assertContains(self.client.get(url), "承接学院")
        data = {k: str(v) for k, v in order_data(period_from=_day(-3)).items()}
        data.update({"enterprise": str(self.ent.pk), "academy": str(self.academy.pk)})
        data["topic"] = "工业机器人运维"
        response = self.client.post(url, data)
        self.assertContains(response, "不能早于今天", status_code=400)
        self.assertFalse(TrainingOrder.objects.exists())

    def test_the_contact_evaluates_a_delivered_order(self) -> None:
        order = self.run_class(
            self.schedule(orders.order_accept(actor=self.staff, order=self.order()))
        )
        self.client.force_login(self.contact)
        self.assertContains(self.client.get(order.get_absolute_url()), "请评价")
        self.client.post(
            reverse("academy:order_evaluate", args=[order.pk]),
            {"satisfaction": "4", "comment": "实用"},
        )
        order.refresh_from_db()
        self.assertEqual((order.status, order.satisfaction), ("evaluated", 4))

    def test_staff_pages_list_detail_accept_return_schedule(self) -> None:
        order = self.order()
        self.client.force_login(self.staff)
        listing = self.client.get(reverse("academy:order_list"), {"status": "pending"})
        self.assertContains(listing, order.number)
        detail = self.client.get(order.get_absolute_url())
        self.assertContains(detail, "受理")
        self.assertContains(detail, "退回原因")
        self.client.post(reverse("academy:order_accept", args=[order.pk]))
        order.refresh_from_db()
        self.assertEqual(order.status, "accepted")
        form = self.client.get(reverse("academy:order_schedule", args=[order.pk]))
        self.assertEqual(form.status_code, 200)
        response = self.client.post(
            reverse("academy:order_schedule", args=[order.pk]),
            {
                "academy": self.academy.pk,
                "lecturers": [self.lecturer.pk],
                "start_date": _day(20).isoformat(),
                "end_date": _day(21).isoformat(),
                "session_date": _day(20).isoformat(),
                "session_start": "09:00",
                "session_end": "11:00",
                "session_hours": "2",
                "session_hour_type": "theory",
            },
        )
        self.assertRedirects(response, order.get_absolute_url())
        order.refresh_from_db()
        self.assertEqual(order.status, "scheduled")
        self.assertEqual(OrderEvent.objects.filter(order=order).count(), 3)
        assert_visible(TrainingOrder, self.staff, order.pk, "change")


class MyOrdersPanelTests(OrderWorld):
    """我的培训订单 on the contact's home page: his orders by state, each count that of 我的培训订单
    filtered by the state; 已交付 (waiting for his evaluation) first and red."""

    def test_counts_by_state_equal_his_list_and_leave_out_other_enterprises(self) -> None:
        from jiangqiao.academy.home import my_order_items

        waiting = self.order()
        accepted = orders.order_accept(actor=self.staff, order=self.order())
        delivered = self.run_class(
            self.schedule(orders.order_accept(actor=self.staff, order=self.order()))
        )
        make_order(self.other_contact, self.other_ent, self.course)  # another enterprise's
        items = {i.key: i for i in my_order_items(user=self.contact)}
        expected = {
            "pending": {waiting.pk},
            "accepted": {accepted.pk},
            "scheduled": set(),
            "to_evaluate": {delivered.pk},
        }
        self.client.force_login(self.contact)
        for key, pks in expected.items():
            with self.subTest(key=key):
                self.assertEqual(items[key].count, len(pks))
                page = self.client.get(items[key].url)
                self.assertEqual(page.status_code, 200)
                shown = set(page.context["table"].data.data.values_list("pk", flat=True))
                self.assertEqual(shown, pks)
        self.assertTrue(items["to_evaluate"].red)
        self.assertFalse(items["pending"].red)
        html = self.client.get(reverse("core:home")).content.decode()
        self.assertLess(
            html.index(f'data-order="{delivered.pk}"'), html.index(f'data-order="{waiting.pk}"')
        )
        self.assertIn("培训已交付，请评价", html)
        other = {i.key: i.count for i in my_order_items(user=self.other_contact)}
        self.assertEqual(other, {"pending": 1, "accepted": 0, "scheduled": 0, "to_evaluate": 0})
