"""The academy staff's home panel: each count equals the filtered class list it links to, other
units' classes are not counted, the coming week's sessions link to their check-in codes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.urls import reverse
from django.utils import timezone

from jiangqiao.academy import classes
from jiangqiao.academy.home import upcoming_sessions, work_items
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.demands.tests.factories import make_demand

from .helpers import make_class, make_contact, make_order, worker


class AcademyHomeTests(WorldTestCase):
    def setUp(self) -> None:
        w = self.world
        self.me = w.city_admin_a
        today = timezone.localdate()
        self.today = today
        span = {
            "start_date": today - dt.timedelta(days=2),
            "end_date": today + dt.timedelta(days=9),
        }
        # Mine: one open class with a waitlist, one running class with a session tomorrow.
        self.open = make_class(w.city_a, self.me, capacity=1, **span)
        classes.class_move(actor=self.me, training_class=self.open, to="open")
        classes.enrol(actor=self.me, training_class=self.open, worker=worker())
        classes.enrol(actor=self.me, training_class=self.open, worker=worker())
        self.running = make_class(w.city_a, self.me, **span)
        self.tomorrow = classes.session_add(
            actor=self.me,
            training_class=self.running,
            data={
                "date": today + dt.timedelta(days=1),
                "start_time": "09:00",
                "end_time": "11:00",
                "hours": 2,
            },
        )
        classes.session_add(  # beyond the week: not listed
            actor=self.me,
            training_class=self.running,
            data={
                "date": today + dt.timedelta(days=8),
                "start_time": "09:00",
                "end_time": "11:00",
                "hours": 2,
            },
        )
        classes.class_move(actor=self.me, training_class=self.running, to="open")
        classes.class_move(actor=self.me, training_class=self.running, to="running")
        # Another city's open class with a waitlist and a session tomorrow.
        other = w.city_admin_b
        self.theirs = make_class(w.city_b, other, capacity=1, **span)
        classes.session_add(
            actor=other,
            training_class=self.theirs,
            data={
                "date": today + dt.timedelta(days=1),
                "start_time": "09:00",
                "end_time": "11:00",
                "hours": 2,
            },
        )
        classes.class_move(actor=other, training_class=self.theirs, to="open")
        classes.enrol(actor=other, training_class=self.theirs, worker=worker())
        classes.enrol(actor=other, training_class=self.theirs, worker=worker())
        # One order waiting for each city's academy.
        contact, enterprise = make_contact(w.county_a1, "qy_home_a")
        make_order(contact, enterprise, self.open.course)
        self.order_enterprise_a = enterprise
        contact, enterprise = make_contact(w.county_b1, "qy_home_b")
        make_order(contact, enterprise, self.theirs.course)
        # A 技能培训 demand waiting in each city (convertible into an order), and one of ours
        # already offered to a craftsman (not convertible).
        self.to_convert = self.training_demand(self.order_enterprise_a, "车工培训")
        self.training_demand(enterprise, "钳工培训")
        self.training_demand(self.order_enterprise_a, "焊工培训", has_open_offer=True)

    def training_demand(self, enterprise: Any, title: str, **extra: Any) -> Any:
        return make_demand(
            enterprise,
            kind="skill_training",
            trainee_count=20,
            status="submitted",
            title=title,
            **extra,
        )

    def test_counts_equal_the_lists_they_link_to_and_leave_out_other_units(self) -> None:
        items = {i.key: i for i in work_items(user=self.me)}
        self.assertEqual(
            {k: i.count for k, i in items.items()},
            {
                "orders_pending": 1,
                "orders_accepted": 0,
                "demands_to_convert": 1,
                "open": 1,
                "running": 1,
                "waitlist": 1,
                "certificates": 0,
            },
        )
        self.assertTrue(items["orders_pending"].red)
        self.login(self.me)
        for item in items.values():
            page = self.client.get(item.url)
            self.assertEqual(page.status_code, 200)
            if item.key == "demands_to_convert":
                prefix = reverse("academy:order_from_demand", args=[0]).replace("/0/", "/")
                shown = set(re.findall(rf'href="{prefix}(\d+)/"', page.content.decode()))
                self.assertEqual(shown, {str(self.to_convert.pk)})
                continue
            kind = "orders" if item.key.startswith("orders") else "classes"
            shown = set(re.findall(rf'href="/academy/{kind}/(\d+)/"', page.content.decode()))
            self.assertEqual(len(shown), item.count, item.key)
            if kind == "classes":
                self.assertNotIn(str(self.theirs.pk), shown)

    def test_the_week_lists_my_sessions_with_check_in_links(self) -> None:
        self.assertEqual([s.pk for s in upcoming_sessions(user=self.me)], [self.tomorrow.pk])
        self.login(self.me)
        page = self.client.get(reverse("core:home")).content.decode()
        self.assertIn("学院工作", page)
        self.assertIn(reverse("academy:session_qr", args=[self.running.pk, self.tomorrow.pk]), page)
        self.assertNotIn(self.theirs.title, page)

    def test_pending_certificates_counts_a_finished_class_with_a_passed_trainee(self) -> None:
        e = classes.enrol(actor=self.me, training_class=self.running, worker=worker())
        classes.assess(actor=self.me, enrolment=e, score=80)
        classes.class_move(actor=self.me, training_class=self.running, to="finished")
        items = {i.key: i.count for i in work_items(user=self.me)}
        self.assertEqual(items["certificates"], 1)
        classes.certificates_issue_for_class(actor=self.me, training_class=self.running)
        self.assertEqual({i.key: i.count for i in work_items(user=self.me)}["certificates"], 0)

    def test_the_panel_is_not_shown_without_the_class_permission(self) -> None:
        self.assertFalse(self.world.auditor.has_perm("academy.change_trainingclass"))
        self.login(self.world.auditor)
        page = self.client.get(reverse("core:home")).content.decode()
        self.assertNotIn("学院工作", page)
