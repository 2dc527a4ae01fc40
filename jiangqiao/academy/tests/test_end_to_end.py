"""The whole academy flow of issue 15, end to end through the services and the phone pages:

an enterprise orders a course from the menu → the academy accepts it and schedules a class at a
training base → 30 trainees come from the enterprise's sheet (2 bad rows reported, 28 enrolled)
→ QR attendance for two sessions on the trainees' phones → assessment → the class finishes (the
order is delivered) → certificates → a skill upgrade → the enterprise rates the order → the
statistics change by exactly those numbers, and the figures another city sees do not move.

Time is travelled (``time_machine``) so that the QR codes are scanned during their sessions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.urls import reverse
from django.utils import timezone

from jiangqiao.academy import classes, orders, services, upgrades
from jiangqiao.academy.enrolment_io import CONTEXT_KEY
from jiangqiao.academy.models import Attendance, Certificate, Enrolment, TrainingOrder
from jiangqiao.academy.statistics import StatsQuery, period_bounds, statistics_report
from jiangqiao.core.io import services as io
from jiangqiao.core.testing.cases import WorldTestCase

from .helpers import (
    course_data,
    make_academy,
    make_contact,
    make_lecturer,
    make_order,
    trainee_sheet,
    worker,
)

FIGURES = (
    "trainings.classes",
    "trainings.trained",
    "trainings.certs",
    "upgrades.total",
    "upgrades.source:training",
    "orders.partners",
    "orders.orders",
    "orders.delivered",
)


def at(day: dt.date, hm: str) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time.fromisoformat(hm)), timezone.get_current_timezone()
    )


class AcademyEndToEndTests(WorldTestCase):
    def figures(self, user: Any, unit: Any) -> dict[str, int]:
        start, end = period_bounds("year", year=2026)
        query = StatsQuery(user=user, unit=unit, start=start, end=end)
        total = statistics_report(user=user, query=query).total
        return {key: total.get(key, 0) for key in FIGURES}

    def test_order_to_certificate_to_skill_upgrade_moves_the_statistics_by_exactly_that(
        self,
    ) -> None:
        w = self.world
        staff = w.city_admin_a
        day1, day2 = dt.date(2026, 6, 3), dt.date(2026, 6, 4)
        with time_machine.travel(at(dt.date(2026, 6, 1), "10:00"), tick=False):
            hq = make_academy(w.city_a, staff)
            base = make_academy(
                w.county_a1, staff, level="enterprise", academy_type="training_base", parent=hq
            )
            lecturer = make_lecturer(w.city_a, staff, academy=hq)
            course = services.course_create(
                actor=staff, academy=hq, data=course_data(), lecturers=[lecturer]
            )
            course = services.course_publish(actor=staff, course=course)
            contact, enterprise = make_contact(w.county_a1, "qy_e2e")
            # Another city's figures must not move.
            b_before = self.figures(w.city_admin_b, w.city_b)
            before = self.figures(w.province_admin, w.province)

            # 1. The enterprise orders the course from the menu; the academy accepts it and
            #    schedules a class at its training base with two sessions.
            order = make_order(contact, enterprise, course, trainees_planned=30)
            order = orders.order_accept(actor=staff, order=order)
            order = orders.order_schedule(
                actor=staff,
                order=order,
                academy=base,
                data={"start_date": day1, "end_date": day2, "capacity": 30},
                sessions=[
                    {"date": day1, "start_time": "09:00", "end_time": "12:00", "hours": "3"},
                    {
                        "date": day2,
                        "start_time": "14:00",
                        "end_time": "17:00",
                        "hours": "3",
                        "hour_type": "practice",
                    },
                ],
            )
            tc = order.training_class
            assert tc is not None
            self.assertEqual((order.status, tc.academy), ("scheduled", base))
            tc = classes.class_move(actor=staff, training_class=tc, to="open")

            # 2. The enterprise's HR sheet: 30 rows, one bad ID number and one duplicate.
            people = [worker(9000 + i) for i in range(30)]
            sheet = trainee_sheet(people, bad={4: "id_number", 11: "duplicate"})
            batch = io.import_upload(
                actor=staff, spec_key="academy.enrolment", file_name="学员.xlsx", data=sheet
            )
            io.import_set_options(
                actor=staff, batch=batch, decisions={CONTEXT_KEY: {"pk": str(tc.pk)}}
            )
            batch = io.import_check(actor=staff, batch=batch)
            self.assertEqual((batch.counts["error"], batch.counts["new"]), (2, 28))
            reported = batch.result["messages"]
            self.assertTrue(reported[0].startswith("第6行【身份证号】"), reported)
            self.assertTrue(reported[1].startswith("第13行【身份证号】"), reported)
            io.import_set_options(actor=staff, batch=batch, mode="valid")
            io.import_commit(actor=staff, batch=batch)
            seated = list(
                Enrolment.objects.filter(training_class=tc, status="enrolled").select_related(
                    "trainee"
                )
            )
            self.assertEqual(len(seated), 28)
            tc = classes.class_move(actor=staff, training_class=tc, to="running")
        sessions = list(tc.sessions.order_by("date"))
        by_name = {p["name"]: p for p in people}

        # 3. QR attendance on the trainees' phones: everyone at session 1; one absent at 2.
        absent = seated[-1]
        for session, scan_time in ((sessions[0], "09:05"), (sessions[1], "14:20")):
            with time_machine.travel(at(session.date, scan_time), tick=False):
                url = classes.checkin_url(session)
                phone = self.client_class()
                for enrolment in seated:
                    if session == sessions[1] and enrolment == absent:
                        continue
                    person = by_name[enrolment.trainee.name]
                    page = phone.post(
                        url, {"name": person["name"], "last4": person["id_number"][-4:]}
                    )
                    self.assertEqual(page.status_code, 200, page.content.decode()[:300])
        marks = Attendance.objects.filter(session__training_class=tc)
        self.assertEqual(marks.filter(session=sessions[0], status="present").count(), 28)
        self.assertEqual(marks.filter(session=sessions[1], status="late").count(), 27)
        self.assertEqual(marks.filter(method="qr").count(), 55)

        with time_machine.travel(at(dt.date(2026, 6, 8), "10:00"), tick=False):
            # 4. Assessment: two fail; the class finishes and the order is delivered.
            for i, enrolment in enumerate(seated):
                classes.assess(actor=staff, enrolment=enrolment, score=50 if i < 2 else 85)
            tc = classes.class_move(actor=staff, training_class=tc, to="finished")
            self.assertEqual(TrainingOrder.objects.get(pk=order.pk).status, "delivered")
            # 5. Certificates for the 26 who passed, hours credited from the QR attendance.
            issued = classes.certificates_issue_for_class(actor=staff, training_class=tc)
            self.assertEqual(len(issued), 26)
            full = Certificate.objects.get(enrolment=seated[2])
            self.assertEqual(full.hours, 6)
            verify = self.client_class().get(reverse("academy:verify"), {"no": full.number})
            self.assertContains(verify, "证书有效")
            # 6. One trainee's skill upgrade, from this class and its lecturer.
            upgrades.trainee_upgrade_record(
                actor=staff,
                enrolment=seated[2],
                lecturer=lecturer,
                occupation="6-18-01-01",
                level_before="intermediate_worker",
                level_after="senior_worker",
                certificate_no="Y440300202600555",
                issuer="深圳市职业技能鉴定中心",
                issued_on=dt.date(2026, 6, 8),
            )
            # 7. The enterprise rates the delivered order.
            order = orders.order_evaluate(actor=contact, order=order, satisfaction=5)
            self.assertEqual(order.status, "evaluated")

            after = self.figures(w.province_admin, w.province)
            self.assertEqual(
                {key: after[key] - before[key] for key in FIGURES},
                {
                    "trainings.classes": 1,
                    "trainings.trained": 28,  # the 28 seated trainees all attended
                    "trainings.certs": 26,
                    "upgrades.total": 1,
                    "upgrades.source:training": 1,
                    "orders.partners": 1,
                    "orders.orders": 1,
                    "orders.delivered": 1,
                },
            )
            self.assertEqual(self.figures(w.city_admin_b, w.city_b), b_before)
