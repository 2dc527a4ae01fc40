"""The service loop as the QA walk found it (issue i13): what the craftsman, the enterprise and
staff see on the offer page, the demand panel, the queue and the session list."""

from __future__ import annotations

from django.urls import reverse

from jiangqiao.casework import services
from jiangqiao.casework.models import Offer
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.models import OperationLog
from jiangqiao.demands.models import Demand, EnterpriseContact
from jiangqiao.matching import services as matching_services

from .test_flow import CaseWorld

MOBILE = "13800138000"


class OfferWorld(CaseWorld):
    def setUp(self) -> None:
        super().setUp()
        contact = EnterpriseContact.objects.get(enterprise=self.ent, user=self.boss)
        contact.mobile = MOBILE
        contact.title = "生产部经理"
        contact.save()

    def offered(self) -> tuple[Demand, Offer]:
        demand = self.triage(self.new_demand())
        (suggestion,) = self.propose(demand, self.cnc_a)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
        return demand, self.offer_of(self.cnc_a, demand)

    def accepted(self) -> tuple[Demand, Offer]:
        demand, offer = self.offered()
        services.offer_accept(actor=self.user_a, offer=offer)
        return demand, Offer.objects.get(pk=offer.pk)


class TestEnterpriseNumberForTheCraftsman(OfferWorld):
    def sensitive_reads(self) -> int:
        return OperationLog.objects.filter(business_type=BusinessType.VIEW_SENSITIVE).count()

    def test_pending_offer_shows_no_number_and_cannot_reveal(self) -> None:
        _demand, offer = self.offered()
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("casework:offer_detail", args=[offer.pk])).content.decode()
        self.assertNotIn(MOBILE, page)
        self.assertNotIn("查看完整号码", page)
        response = self.client.post(reverse("casework:offer_reveal_contacts", args=[offer.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.sensitive_reads(), 0)

    def test_accepted_offer_reveals_the_number_and_logs_it(self) -> None:
        _demand, offer = self.accepted()
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("casework:offer_detail", args=[offer.pk])).content.decode()
        self.assertIn("138****8000", page)
        self.assertNotIn(MOBILE, page)
        self.assertIn("查看完整号码", page)
        response = self.client.post(reverse("casework:offer_reveal_contacts", args=[offer.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'href="tel:{MOBILE}"', response.content.decode())
        self.assertEqual(response["Cache-Control"], "no-store")
        log = OperationLog.objects.get(business_type=BusinessType.VIEW_SENSITIVE)
        self.assertEqual(log.user_id, self.user_a.pk)
        self.assertTrue(log.extra["purpose"].startswith("联系企业"))
        # A GET of the revealing address only goes back to the page.
        response = self.client.get(reverse("casework:offer_reveal_contacts", args=[offer.pk]))
        self.assertEqual(response.status_code, 302)

    def test_another_craftsman_gets_nothing(self) -> None:
        _demand, offer = self.accepted()
        self.client.force_login(self.user_b)
        for response in (
            self.client.get(reverse("casework:offer_detail", args=[offer.pk])),
            self.client.post(reverse("casework:offer_reveal_contacts", args=[offer.pk])),
        ):
            self.assertEqual(response.status_code, 404)
        self.assertEqual(self.sensitive_reads(), 0)

    def test_staff_do_not_gain_access_here(self) -> None:
        _demand, offer = self.accepted()
        self.client.force_login(self.staff)
        page = self.client.get(reverse("casework:offer_detail", args=[offer.pk])).content.decode()
        self.assertNotIn(MOBILE, page)
        self.assertNotIn("查看完整号码", page)
        self.client.post(reverse("casework:offer_reveal_contacts", args=[offer.pk]))
        self.assertEqual(self.sensitive_reads(), 0)

    def test_ended_offer_is_masked_again(self) -> None:
        demand, offer = self.accepted()
        services.outcome_record(
            actor=self.user_a, demand=demand, result="solved", summary="更换主轴轴承，试运行正常"
        )
        self.assertEqual(Offer.objects.get(pk=offer.pk).status, "completed")
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("casework:offer_detail", args=[offer.pk])).content.decode()
        self.assertNotIn(MOBILE, page)
        self.assertNotIn("查看完整号码", page)
        response = self.client.post(reverse("casework:offer_reveal_contacts", args=[offer.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.sensitive_reads(), 0)
