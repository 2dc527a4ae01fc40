"""Class pages: masked identifiers, scope 404, the QR page, the check-in page, the certificate PDF
and the public verification by number."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse

from jiangqiao.academy import classes
from jiangqiao.core.testing.cases import WorldTestCase

from .helpers import make_class, worker


class ClassPageTests(WorldTestCase):
    def setUp(self) -> None:
        self.me = self.world.city_admin_a
        self.tc = make_class(self.world.city_a, self.me, capacity=5)
        self.data = worker()
        self.e = classes.enrol(actor=self.me, training_class=self.tc, worker=self.data)
        self.s = classes.session_add(
            actor=self.me,
            training_class=self.tc,
            data={"date": "2026-05-04", "start_time": "09:00", "end_time": "12:00", "hours": 3},
        )

    def test_class_page_masks_id_numbers_and_other_cities_get_404(self) -> None:
        self.login(self.me)
        response = self.client.get(self.tc.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertNotIn(self.data["id_number"], body)
        self.assertNotIn(self.data["mobile"], body)
        self.assertIn(self.data["id_number"][:4] + "**********" + self.data["id_number"][-4:], body)
        self.login(self.world.city_admin_b)
        self.assertEqual(self.client.get(self.tc.get_absolute_url()).status_code, 404)
        qr = reverse("academy:session_qr", args=[self.tc.pk, self.s.pk])
        self.assertEqual(self.client.get(qr).status_code, 404)

    def test_qr_page_shows_an_svg_code(self) -> None:
        self.login(self.me)
        response = self.client.get(reverse("academy:session_qr", args=[self.tc.pk, self.s.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIn("<svg", response.content.decode())

    def test_checkin_page_refuses_a_forged_code_in_chinese(self) -> None:
        response = self.client.get(reverse("academy:checkin", args=[self.tc.pk, "forged"]))
        self.assertEqual(response.status_code, 400)
        self.assertIn("签到码无效", response.content.decode())

    def test_certificate_pdf_and_public_verification(self) -> None:
        from pypdf import PdfReader

        classes.class_move(actor=self.me, training_class=self.tc, to="open")
        classes.class_move(actor=self.me, training_class=self.tc, to="running")
        classes.attendance_mark(actor=self.me, session=self.s, enrolment=self.e, status="present")
        classes.assess(actor=self.me, enrolment=self.e, score=90)
        classes.class_move(actor=self.me, training_class=self.tc, to="finished")
        cert = classes.certificate_issue(
            actor=self.me, enrolment=self.e, issued_on=dt.date(2026, 5, 8)
        )
        self.login(self.me)
        pdf = self.client.get(reverse("academy:certificate_pdf", args=[self.tc.pk, cert.pk]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        self.assertIn("结 业 证 书", text)
        self.assertIn(self.data["name"], text)
        self.assertIn(cert.number, text)
        self.client.logout()
        url = reverse("academy:verify")
        found = self.client.get(url, {"no": cert.number.lower()}).content.decode()
        self.assertIn("证书有效", found)
        self.assertIn(self.data["name"][:1] + "***", found)
        self.assertNotIn(self.data["name"], found)
        self.assertNotIn(self.data["id_number"][-4:], found)
        missing = self.client.get(url, {"no": "GDZS-2026-999999"})
        self.assertEqual(missing.status_code, 404)
        self.assertIn("未找到编号为“GDZS-2026-999999”的证书", missing.content.decode())

    def test_self_registration_page_sets_the_key_used_at_checkin(self) -> None:
        classes.class_move(actor=self.me, training_class=self.tc, to="open")
        url = reverse("academy:signup", args=[self.tc.signup_token])
        data = worker()
        bad = self.client.post(url, {**data, "consent": "on", "id_number": "123"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("身份证号", bad.content.decode())
        ok = self.client.post(url, {**data, "consent": "on"})
        self.assertEqual(ok.status_code, 200)
        self.assertIn("报名成功", ok.content.decode())
        self.assertTrue(ok.cookies.get(f"jq_trainee_{self.tc.pk}"))
