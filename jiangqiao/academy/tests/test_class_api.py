"""Class API: scoped CRUD, the class actions (move, sessions, enrol, withdraw, attendance,
assess, certificates) and masked identifiers in every response."""

from __future__ import annotations

from typing import Any

from jiangqiao.academy.models import TrainingClass
from jiangqiao.core.testing.cases import CrudApiTests

from .helpers import make_academy, make_class, make_course, next_no, worker

URL = "/api/v1/academy/classes/"


class TestClassApi(CrudApiTests):
    __test__ = True
    model = TrainingClass
    api_url = URL

    def make_row(self, unit: Any, owner: Any) -> TrainingClass:
        return make_class(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        academy = make_academy(unit, self.world.superuser)
        course = make_course(unit, self.world.superuser, academy=academy, publish=True)
        return {
            "academy": academy.pk,
            "course": course.pk,
            "title": f"接口班次{next_no():04d}",
            "start_date": "2026-06-01",
            "end_date": "2026-06-03",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}

    def test_actions_and_masked_identifiers(self) -> None:
        me = self.world.city_admin_a
        tc = make_class(self.world.city_a, me, capacity=1)
        client = self.api(me)
        base = f"{URL}{tc.pk}/"
        r = client.post(
            f"{base}sessions/",
            {"date": "2026-05-04", "start_time": "09:00", "end_time": "12:00", "hours": "3"},
            format="json",
        )
        self.assertEqual(r.status_code, 201, r.content)
        session_id = r.json()["id"]
        bad = client.post(
            f"{base}sessions/",
            {"date": "2027-01-01", "start_time": "09:00", "end_time": "10:00", "hours": "1"},
            format="json",
        )
        self.assertEqual(bad.status_code, 400)
        one, two = worker(), worker()
        r = client.post(f"{base}enrol/", one, format="json")
        self.assertEqual(r.status_code, 201, r.content)
        first = r.json()
        self.assertNotIn(one["id_number"], r.content.decode())
        self.assertNotIn(one["mobile"], r.content.decode())
        self.assertEqual(
            first["id_number"], one["id_number"][:4] + "**********" + one["id_number"][-4:]
        )
        r = client.post(f"{base}enrol/", two, format="json")
        self.assertEqual(r.json()["status"]["value"], "waitlisted")
        second = r.json()["id"]
        dup = client.post(f"{base}enrol/", one, format="json")
        self.assertEqual(dup.status_code, 400)
        self.assertIn("身份证号", dup.content.decode())
        r = client.post(f"{base}withdraw/", {"enrolment": first["id"]}, format="json")
        self.assertEqual(r.json()["status"]["value"], "withdrawn")
        listing = client.get(f"{base}enrolments/")
        body = listing.content.decode()
        for data in (one, two):
            self.assertNotIn(data["id_number"], body)
            self.assertNotIn(data["mobile"], body)
        self.assertEqual(
            {row["status"]["value"] for row in listing.json()}, {"withdrawn", "enrolled"}
        )
        self.assertEqual(
            client.post(f"{base}move/", {"to": "finished"}, format="json").status_code, 400
        )
        for to in ("open", "running"):
            self.assertEqual(
                client.post(f"{base}move/", {"to": to}, format="json").status_code, 200
            )
        r = client.post(
            f"{base}attendance/",
            {"session": session_id, "enrolment": second, "status": "present"},
            format="json",
        )
        self.assertEqual(r.status_code, 200, r.content)
        r = client.post(f"{base}assess/", {"enrolment": second, "score": "75"}, format="json")
        self.assertTrue(r.json()["passed"])
        client.post(f"{base}move/", {"to": "finished"}, format="json")
        r = client.post(f"{base}certificates/", {}, format="json")
        self.assertEqual(len(r.json()), 1)
        self.assertTrue(r.json()[0]["certificate_number"])
        other = self.api(self.world.city_admin_b)
        self.assertEqual(other.post(f"{base}enrol/", worker(), format="json").status_code, 404)
        self.assertEqual(other.get(f"{base}enrolments/").status_code, 404)
