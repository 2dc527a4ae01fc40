"""The demand's 附件 on the craftsman's offer page (docs/intake.md "附件"): read-only, shown while
his offer serves the demand, by the same rule as the download views (attacks first)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiangqiao.casework import services
from jiangqiao.casework.choices import OfferStatus
from jiangqiao.casework.models import Offer
from jiangqiao.demands import attachments
from jiangqiao.demands.tests.test_attachments import photo_bytes, upload
from jiangqiao.matching import services as matching_services

from .test_flow import CaseWorld

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"


class OfferAttachmentTests(CaseWorld):
    def setUp(self) -> None:
        super().setUp()
        self.temporary_dir_setting("JIANGQIAO_PRIVATE_ROOT")
        self.demand = self.triage(self.new_demand())
        self.photo = attachments.attachment_add(
            actor=self.boss, demand=self.demand, upload=upload("主轴现场.jpg", photo_bytes())
        )
        self.pdf = attachments.attachment_add(
            actor=self.staff,
            demand=self.demand,
            upload=upload("主轴图纸.pdf", PDF, "application/pdf"),
        )
        (suggestion,) = self.propose(self.demand, self.cnc_a)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
        self.offer = self.offer_of(self.cnc_a, self.demand)
        self.file_urls = [
            reverse("demands:attachment_download", args=[self.photo.pk]),
            reverse("demands:attachment_thumbnail", args=[self.photo.pk]),
            reverse("demands:attachment_download", args=[self.pdf.pk]),
        ]
        self.controls = [
            reverse("demands:attachment_add", args=[self.demand.pk]),
            reverse("demands:attachment_delete", args=[self.photo.pk]),
            reverse("demands:attachment_delete", args=[self.pdf.pk]),
            "data-attachment-form",
        ]

    def page(self, user: Any, offer: Offer | None = None) -> Any:
        self.login(user)
        return self.client.get((offer or self.offer).get_absolute_url())

    def downloads(self, user: Any) -> list[int]:
        self.login(user)
        return [self.client.get(url).status_code for url in self.file_urls]

    def assert_no_files(self, content: str) -> None:
        self.assertNotIn("data-attachments", content)
        for text in (*self.file_urls, self.photo.name, self.pdf.name):
            self.assertNotIn(text, content)

    def assert_files(self, content: str) -> None:
        self.assertIn("data-attachments", content)
        self.assertIn("data-thumbnail", content)
        for text in (*self.file_urls, self.photo.name, self.pdf.name):
            self.assertIn(text, content)
        for control in self.controls:
            self.assertNotIn(control, content)

    def accept(self) -> None:
        services.offer_accept(actor=self.user_a, offer=self.offer)

    # ------------------------------------------------------------------------------- attacks

    def test_an_invited_craftsman_sees_no_files_and_cannot_open_them(self) -> None:
        self.assertEqual(Offer.objects.get(pk=self.offer.pk).status, OfferStatus.PENDING)
        response = self.page(self.user_a)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "接受邀请")
        self.assertContains(response, "data-files-hint")  # said whether files exist or not
        self.assert_no_files(response.content.decode())
        self.assertEqual(self.downloads(self.user_a), [404, 404, 404])

    def test_another_craftsmans_offer_page_and_files_stay_closed_to_him(self) -> None:
        self.accept()
        self.assertEqual(self.page(self.user_b).status_code, 404)
        self.assertEqual(self.downloads(self.user_b), [404, 404, 404])
        # Serving another demand of the same enterprise opens nothing of this one.
        other = self.triage(self.new_demand())
        (suggestion,) = self.propose(other, self.cnc_b)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
        services.offer_accept(actor=self.user_b, offer=self.offer_of(self.cnc_b, other))
        self.assertEqual(self.page(self.user_b).status_code, 404)
        self.assertEqual(self.downloads(self.user_b), [404, 404, 404])
        # His own page of that demand lists its files (none), never this demand's.
        own = self.page(self.user_b, self.offer_of(self.cnc_b, other)).content.decode()
        self.assertIn("暂无附件", own)
        for text in (*self.file_urls, self.photo.name, self.pdf.name):
            self.assertNotIn(text, own)

    def test_a_declined_offer_shows_no_files(self) -> None:
        services.offer_decline(actor=self.user_a, offer=self.offer, reason="busy")
        self.assert_no_files(self.page(self.user_a).content.decode())
        self.assertEqual(self.downloads(self.user_a), [404, 404, 404])

    # ---------------------------------------------------------------------------- serving

    def test_once_he_accepts_he_sees_the_card_and_opens_the_photo_without_controls(self) -> None:
        self.accept()
        response = self.page(self.user_a)
        self.assertEqual(response.status_code, 200)
        self.assert_files(response.content.decode())
        self.assertNotContains(response, "data-files-hint")
        self.assertEqual(self.downloads(self.user_a), [200, 200, 200])
        photo = self.client.get(self.file_urls[0])
        self.assertEqual(photo["Content-Type"], "image/jpeg")
        self.assertIn("sandbox", photo["Content-Security-Policy"])
        # Nor may he post to the demand's add and delete addresses.
        self.client.post(self.controls[0], {"attachment": upload("他的.jpg", photo_bytes())})
        self.client.post(self.controls[1])
        self.assertEqual(
            sorted(self.demand.attachments.values_list("pk", flat=True)),
            sorted([self.photo.pk, self.pdf.pk]),
        )

    def test_staff_read_the_same_card_without_the_demand_pages_controls(self) -> None:
        self.accept()
        self.login(self.staff)
        demand_page = self.client.get(self.demand.get_absolute_url()).content.decode()
        for control in self.controls:  # he may add and remove on the demand's own page
            self.assertIn(control, demand_page)
        self.assert_files(self.page(self.staff).content.decode())

    # ------------------------------------------------------------- after the service ended

    def test_after_the_outcome_the_page_follows_the_download_rule(self) -> None:
        self.accept()
        services.outcome_record(
            actor=self.user_a, demand=self.demand, result="solved", summary="修好"
        )
        services.outcome_confirm(actor=self.boss, demand=self.demand, answer="solved", rating=5)
        services.demand_close(actor=self.staff, demand=self.demand)
        self.assertEqual(self.offer_of(self.cnc_a, self.demand).status, OfferStatus.COMPLETED)
        # A completed offer still serves the demand: the download views let him open the files,
        # and the page lists them.
        self.assertEqual(self.downloads(self.user_a), [200, 200, 200])
        self.assert_files(self.page(self.user_a).content.decode())

    def test_a_demand_cancelled_during_the_service_closes_page_and_files(self) -> None:
        self.accept()
        services.demand_cancel(actor=self.staff, demand=self.demand, comment="企业停产")
        self.assertEqual(self.offer_of(self.cnc_a, self.demand).status, OfferStatus.WITHDRAWN)
        self.assertEqual(self.downloads(self.user_a), [404, 404, 404])
        response = self.page(self.user_a)
        self.assertEqual(response.status_code, 200)
        self.assert_no_files(response.content.decode())
