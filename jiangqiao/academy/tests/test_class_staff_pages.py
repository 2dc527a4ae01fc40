"""Staff pages of classes: list (scope, filters), create/edit, sessions, enrolment, withdrawal,
status moves by the class state table, manual attendance, assessment, certificates; masked
identifiers on every page; another city's class is 404 on each of them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiangqiao.academy import classes
from jiangqiao.academy.models import Attendance, Certificate, Enrolment, TrainingClass
from jiangqiao.core.testing.cases import CrudPageTests, WorldTestCase

from .helpers import make_academy, make_class, make_course, next_no, worker


class TestClassPages(CrudPageTests):
    __test__ = True
    model = TrainingClass
    url_prefix = "academy:trainingclass"

    def url(self, action: str, *args: Any) -> str:
        name = {"detail": "class_detail"}.get(action)
        return reverse(f"academy:{name}" if name else f"{self.url_prefix}_{action}", args=args)

    def make_row(self, unit: Any, owner: Any) -> TrainingClass:
        return make_class(unit, owner, title=f"页面班次{next_no():04d}")

    def form_data(self, unit: Any) -> dict[str, Any]:
        academy = make_academy(unit, self.world.superuser)
        course = make_course(unit, self.world.superuser, academy=academy, publish=True)
        return {
            "academy": academy.pk,
            "course": course.pk,
            "title": f"新开班次{next_no():04d}",
            "capacity": 20,
            "start_date": "2026-06-01",
            "end_date": "2026-06-05",
            "place": "实训楼 301",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}

    def test_a_draft_course_cannot_be_picked(self) -> None:
        self.login(self.world.city_admin_a)
        data = self.form_data(self.world.county_a1)
        draft = make_course(self.world.county_a1, self.world.superuser)
        data["course"] = draft.pk
        response = self.client.post(self.url("create"), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("course", response.context["form"].errors)

    def test_list_filters_by_status_and_date(self) -> None:
        me = self.world.city_admin_a
        running = make_class(self.world.city_a, me, title=f"筛选班次{next_no():04d}")
        later = make_class(
            self.world.city_a,
            me,
            title=f"筛选班次{next_no():04d}",
            start_date="2026-09-01",
            end_date="2026-09-03",
        )
        classes.class_move(actor=me, training_class=running, to="open")
        self.login(me)
        body = self.client.get(self.url("list"), {"status": "open"}).content.decode()
        self.assertIn(running.title, body)
        self.assertNotIn(later.title, body)
        body = self.client.get(self.url("list"), {"on_date": "2026-09-02"}).content.decode()
        self.assertIn(later.title, body)
        self.assertNotIn(running.title, body)


class ClassWorkflowPageTests(WorldTestCase):
    def setUp(self) -> None:
        self.me = self.world.city_admin_a
        self.tc = make_class(self.world.city_a, self.me, capacity=1)
        self.login(self.me)

    def _url(self, name: str, *extra: int) -> str:
        return reverse(f"academy:{name}", args=[self.tc.pk, *extra])

    def test_the_whole_class_through_the_pages(self) -> None:
        # session
        r = self.client.post(
            self._url("session_create"),
            {
                "date": "2026-05-04",
                "start_time": "09:00",
                "end_time": "12:00",
                "hours": "3",
                "hour_type": "theory",
            },
        )
        self.assertEqual(r.status_code, 302)
        session = self.tc.sessions.get()
        bad = self.client.post(
            self._url("session_edit", session.pk),
            {
                "date": "2026-07-01",
                "start_time": "09:00",
                "end_time": "12:00",
                "hours": "3",
                "hour_type": "theory",
            },
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("date", bad.context["form"].errors)
        # enrol two: one seat, one waitlisted
        first, second = worker(), worker()
        form = self.client.get(self._url("enrol"))
        token = form.context["form_token"]
        r = self.client.post(self._url("enrol"), {**first, "form_token": token})
        self.assertEqual(r.status_code, 302)
        again = self.client.post(self._url("enrol"), {**first, "form_token": token})
        self.assertEqual(again.status_code, 302)  # replay: nothing enrolled twice
        self.assertEqual(self.tc.enrolments.count(), 1)
        self.client.post(self._url("enrol"), second)
        e1 = Enrolment.objects.get(training_class=self.tc, trainee__name=first["name"])
        e2 = Enrolment.objects.get(training_class=self.tc, trainee__name=second["name"])
        self.assertEqual((e1.status, e2.status), ("enrolled", "waitlisted"))
        # the page masks ID numbers and mobiles
        body = self.client.get(self.tc.get_absolute_url()).content.decode()
        for data in (first, second):
            self.assertNotIn(data["id_number"], body)
            self.assertNotIn(data["mobile"], body)
        self.assertIn(first["id_number"][:4] + "**********" + first["id_number"][-4:], body)
        self.assertIn("开放报名", body)
        # withdraw the first: the second is promoted
        self.client.post(self._url("withdraw", e1.pk))
        e2.refresh_from_db()
        self.assertEqual(e2.status, "enrolled")
        # status moves; a move the table refuses is a message, not a change
        self.client.post(self._url("class_status"), {"to": "finished"})
        self.tc.refresh_from_db()
        self.assertEqual(self.tc.status, "planned")
        for to in ("open", "running"):
            self.client.post(self._url("class_status"), {"to": to})
        self.tc.refresh_from_db()
        self.assertEqual(self.tc.status, "running")
        # manual attendance, assessment, finish, certificates
        sheet = self.client.get(self._url("session_attendance", session.pk))
        self.assertNotIn(second["id_number"], sheet.content.decode())
        self.client.post(
            self._url("session_attendance", session.pk), {f"status_{e2.pk}": "present"}
        )
        self.assertEqual(Attendance.objects.get(enrolment=e2).method, "manual")
        self.assertEqual(self.client.get(self._url("assess")).status_code, 200)
        self.client.post(self._url("assess"), {f"score_{e2.pk}": "85"})
        e2.refresh_from_db()
        self.assertTrue(e2.passed)
        self.client.post(self._url("class_status"), {"to": "finished"})
        self.client.post(self._url("certificates_issue"))
        cert = Certificate.objects.get(enrolment=e2)
        self.assertEqual(cert.hours, 3)
        self.assertIn(cert.number, self.client.get(self.tc.get_absolute_url()).content.decode())

    def test_every_class_page_of_another_city_is_404(self) -> None:
        session = classes.session_add(
            actor=self.me,
            training_class=self.tc,
            data={"date": "2026-05-04", "start_time": "09:00", "end_time": "12:00", "hours": 3},
        )
        e = classes.enrol(actor=self.me, training_class=self.tc, worker=worker())
        self.login(self.world.city_admin_b)
        gets = [
            self._url("trainingclass_edit"),
            self._url("session_create"),
            self._url("session_edit", session.pk),
            self._url("session_attendance", session.pk),
            self._url("enrol"),
            self._url("assess"),
        ]
        for url in gets:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        posts = [
            self._url("class_status"),
            self._url("withdraw", e.pk),
            self._url("certificates_issue"),
        ]
        for url in posts:
            self.assertEqual(self.client.post(url, {"to": "open"}).status_code, 404, url)
        self.tc.refresh_from_db()
        self.assertEqual(self.tc.status, "planned")
