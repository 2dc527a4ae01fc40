"""结对/长期协议: signed within scope, reviewed on a cadence, ended; the tick reminds and expires."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from jiangqiao.casework import services
from jiangqiao.casework.models import Agreement
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Notification
from jiangqiao.matching.tests.helpers import craftsman as make_craftsman

from .test_flow import CaseWorld, at


class AgreementTests(CaseWorld):
    def sign(self, **data: object) -> Agreement:
        values = {
            "title": "主轴维护结对",
            "scope_text": "每月上门巡检主轴",
            "start_on": dt.date(2025, 11, 3),
            "end_on": dt.date(2026, 11, 2),
            "review_months": 3,
            **data,
        }
        return services.agreement_create(
            actor=self.staff, enterprise=self.ent, craftsman=self.cnc_a, data=values
        )

    def test_signed_reviewed_reminded_and_ended(self) -> None:
        with time_machine.travel(at(2025, 11, 3), tick=False) as clock:
            row = self.sign()
            self.assertEqual(row.next_review_on, dt.date(2026, 2, 3))
            self.assertTrue(Notification.objects.filter(recipient=self.boss).exists())
            clock.move_to(at(2026, 2, 3))
            self.assertEqual(services.tick().get("agreement_reviews"), 1)
            self.assertIsNone(services.tick().get("agreement_reviews"))  # once a day
            row = services.agreement_review(actor=self.staff, agreement=row, note="巡检正常")
            self.assertEqual(row.next_review_on, dt.date(2026, 5, 3))
            clock.move_to(at(2026, 11, 3))
            self.assertEqual(services.tick().get("agreements_ended"), 1)
        row.refresh_from_db()
        self.assertEqual((row.status, row.ended_reason), ("ended", "协议期满"))
        with self.assertRaises(BusinessError):
            services.agreement_review(actor=self.staff, agreement=row, note="x")

    def test_bad_input_is_refused_with_the_field_named(self) -> None:
        for data, field in (
            ({"end_on": dt.date(2025, 1, 1)}, "end_on"),
            ({"end_on": dt.date(2030, 1, 1)}, "end_on"),
            ({"title": ""}, "title"),
            ({"review_months": 13}, "review_months"),
        ):
            with self.assertRaises(BusinessError) as refused:
                self.sign(**data)
            self.assertEqual(refused.exception.field, field, data)
        with self.assertRaises(BusinessError):
            services.agreement_create(
                actor=self.staff, enterprise=self.ent, craftsman=None, data={}
            )
        self.assertFalse(Agreement.objects.exists())

    def test_another_city_can_neither_sign_with_nor_see_it(self) -> None:
        far = make_craftsman(self.world.county_b1, self.world.city_admin_b, name="广州工匠")
        with self.assertRaises(BusinessError) as refused:
            services.agreement_create(
                actor=self.staff,
                enterprise=self.ent,
                craftsman=far,
                data={
                    "title": "x",
                    "scope_text": "x",
                    "start_on": dt.date(2025, 1, 1),
                    "end_on": dt.date(2025, 6, 1),
                },
            )
        self.assertNotIn("广州工匠", refused.exception.message)
        row = self.sign()
        self.client.force_login(self.world.city_admin_b)
        self.assertEqual(self.client.get(row.get_absolute_url()).status_code, 404)
        self.client.force_login(self.boss)  # the enterprise sees its own agreement
        self.assertContains(self.client.get(row.get_absolute_url()), "主轴维护结对")
        self.client.force_login(self.user_a)  # and so does the craftsman
        self.assertEqual(self.client.get(reverse("casework:agreement_list")).status_code, 200)
        self.assertContains(self.client.get(row.get_absolute_url()), "每月上门巡检主轴")
        self.assertNotContains(self.client.get(row.get_absolute_url()), "记录回顾")

    def test_staff_sign_from_the_page(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("casework:agreement_create"),
            {
                "title": "结对",
                "enterprise": self.ent.pk,
                "craftsman": self.cnc_b.pk,
                "scope_text": "季度培训",
                "start_on": "2026-01-01",
                "end_on": "2026-12-31",
                "review_months": 6,
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:500])
        self.assertEqual(Agreement.objects.get().craftsman, self.cnc_b)
