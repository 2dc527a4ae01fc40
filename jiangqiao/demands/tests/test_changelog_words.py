"""After a real case (submit → triage → offer → contact → sessions → outcome → confirm → follow-up
→ close, all through the services), the 变更记录 of the demand and the change-log detail pages of
everything the case wrote read in words: no choice code, no True/False, no ids."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiangqiao.casework import services
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import FollowUp
from jiangqiao.casework.tests.test_flow import CaseWorld, at
from jiangqiao.core.models import ChangeLog
from jiangqiao.demands.models import Demand
from jiangqiao.matching import services as matching_services

RAW = re.compile(r"\b(confirmed|closed|solved|county|onsite|senior_worker|d180|True|False)\b")


def change_rows(page: str) -> str:
    """The text of the rows of the change-log table (tags stripped)."""
    body = page.split("<tbody>", 1)[-1].split("</tbody>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


class ChangeLogInWordsTests(CaseWorld):
    def walk(self) -> Demand:
        with time_machine.travel(at(2025, 9, 30), tick=False) as clock:
            demand = self.triage(self.new_demand())
            (first,) = self.propose(demand, self.cnc_b)
            matching_services.suggestion_confirm(actor=self.staff, suggestion=first)
            offer = self.offer_of(self.cnc_b, demand)
            clock.move_to(at(2025, 10, 11, 9))
            services.offer_accept(actor=self.user_b, offer=offer, note="周一上门")
            clock.move_to(at(2025, 10, 13, 9))
            for reached in (False, True):
                services.contact_log(
                    actor=self.user_b, offer=offer, channel="phone", reached=reached
                )
            clock.move_to(at(2025, 10, 20, 16))
            upgrade = {
                "worker_code": "GH-0417",
                "worker_initials": "lm",
                "occupation": "6-18-01-01",
                "level_before": "intermediate_worker",
                "level_after": "senior_worker",
                "certificate_no": "S0000440100",
            }
            session_services.session_create(
                actor=self.user_b,
                offer=offer,
                data={"date": dt.date(2025, 10, 20), "mode": "onsite", "duration_min": 180},
                skill_upgrades=[upgrade],
            )
            services.outcome_record(
                actor=self.user_b, demand=demand, result="solved", summary="更换主轴轴承，异响消除"
            )
            clock.move_to(at(2025, 10, 22))
            services.outcome_confirm(actor=self.boss, demand=demand, answer="solved", rating=5)
            clock.move_to(at(2026, 1, 21))
            services.tick()
            followup = FollowUp.objects.get(demand=demand, kind="d90")
            services.followup_answer(actor=self.boss, followup=followup, held=True)
            demand.refresh_from_db()
            return services.demand_close(actor=self.staff, demand=demand)

    def test_the_demand_change_log_and_every_change_page_read_in_words(self) -> None:
        demand = self.walk()
        self.client.force_login(self.staff)
        url = demand.get_absolute_url() + "?tab=changelog"
        page = self.client.get(url).content.decode()
        rows = change_rows(page)
        self.assertIn("已办结", rows)
        self.assertIn("B级", rows)
        self.assertIsNone(RAW.search(rows), RAW.search(rows) and rows)
        self.assertNotRegex(rows, r"\d{4}-\d\d-\d\dT\d\d:")  # no ISO timestamps
        self.assertNotIn("[]", rows)

        # Every row the case wrote (offers, contacts, sessions, outcome, follow-ups…).
        self.client.force_login(self.world.auditor)
        logs = ChangeLog.objects.exclude(
            content_type__in=ContentType.objects.filter(app_label__in=["accounts", "auth"])
        )
        checked = 0
        for log in logs:
            detail = self.client.get(reverse("core:changelog_detail", args=[log.pk]))
            self.assertEqual(detail.status_code, 200)
            text = change_rows(detail.content.decode().split("变更内容", 1)[-1])
            with self.subTest(log=str(log)):
                self.assertIsNone(RAW.search(text), text)
                self.assertNotRegex(text, r"'\w+': ")  # no Python dict repr
                self.assertNotRegex(text, r"^\s*ID\b")
            checked += 1
        self.assertGreater(checked, 10)

    def test_the_demand_change_log_queries_do_not_grow_with_the_rows(self) -> None:
        demand = self.walk()
        self.client.force_login(self.staff)
        url = demand.get_absolute_url() + "?tab=changelog"
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        ct = ContentType.objects.get_for_model(Demand)
        template = ChangeLog.objects.filter(content_type=ct, object_id=str(demand.pk)).latest("pk")
        template.pk = None
        ChangeLog.objects.bulk_create(
            [
                ChangeLog(
                    **{
                        f.attname: getattr(template, f.attname)
                        for f in ChangeLog._meta.concrete_fields
                        if f.attname not in ("id", "time")
                    }
                )
                for _ in range(50)
            ]
        )
        with CaptureQueriesContext(connection) as after:
            self.client.get(url)
        self.assertEqual(len(after), len(before))
