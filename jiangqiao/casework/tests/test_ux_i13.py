"""The service loop as the QA walk found it (issue i13): what the craftsman, the enterprise and
staff see on the offer page, the demand panel, the queue and the session list."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts.models import User
from jiangqiao.casework import selectors, services
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import Offer
from jiangqiao.casework.session_models import ServiceRecord
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.models import ChangeLog, OperationLog
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


class TestSessionNamesAndConfirmation(OfferWorld):
    def session(self, demand: Demand, offer: Offer, **data: object) -> ServiceRecord:
        return session_services.session_create(
            actor=self.user_a,
            offer=offer,
            data={"date": timezone.localdate(), "mode": "onsite", **data},
        )

    def test_a_session_is_named_by_its_demand_day_and_mode(self) -> None:
        demand, offer = self.accepted()
        record = self.session(demand, offer)
        name = f"数控机床主轴异响（{timezone.localdate().isoformat()} 现场）"
        self.assertEqual(str(record), name)
        self.client.force_login(self.staff)
        page = self.client.get(reverse("casework:servicerecord_list")).content.decode()
        self.assertIn(name, page)
        self.assertNotIn(f"服务记录 #{record.pk}", page)
        detail = self.client.get(record.get_absolute_url()).content.decode()
        self.assertNotIn(f"#{record.pk}", detail)

    def test_the_enterprise_confirmation_confirms_the_sessions(self) -> None:
        demand, offer = self.accepted()
        record = self.session(demand, offer)
        services.outcome_record(
            actor=self.user_a, demand=demand, result="solved", summary="更换主轴轴承，试运行正常"
        )
        self.assertFalse(ServiceRecord.objects.get(pk=record.pk).enterprise_confirmed)
        services.outcome_confirm(actor=self.boss, demand=demand, answer="solved", rating=5)
        self.assertTrue(ServiceRecord.objects.get(pk=record.pk).enterprise_confirmed)
        self.assertTrue(
            ChangeLog.objects.filter(
                object_id=str(record.pk), postchange_data__enterprise_confirmed=True
            ).exists()
        )

    def test_a_disagreement_leaves_the_sessions_unconfirmed(self) -> None:
        demand, offer = self.accepted()
        record = self.session(demand, offer)
        services.outcome_record(
            actor=self.user_a, demand=demand, result="solved", summary="更换主轴轴承，试运行正常"
        )
        services.outcome_confirm(
            actor=self.boss, demand=demand, answer="unsolved", rating=2, comment="仍有异响"
        )
        self.assertFalse(ServiceRecord.objects.get(pk=record.pk).enterprise_confirmed)


class TestTimelineNamesPeople(OfferWorld):
    def test_the_first_contact_names_the_craftsman(self) -> None:
        demand, offer = self.accepted()
        User.objects.filter(pk=self.user_a.pk).update(real_name="刘工匠")
        user = User.objects.get(pk=self.user_a.pk)
        services.contact_log(actor=user, offer=offer, channel="phone", reached=True)
        items = selectors.timeline(user=self.staff, demand=demand)
        contact = next(i for i in items if i.title.endswith("联系企业"))
        self.assertEqual(contact.who, "刘工匠")
        self.client.force_login(self.boss)
        panel = self.client.get(reverse("casework:demand_panel", args=[demand.pk])).content.decode()
        self.assertIn('<span title="登录账号：gj_a">刘工匠</span>', panel)
        self.assertNotIn("· 劳模工匠", panel)


class TestOfferPageForTheCraftsman(OfferWorld):
    def test_the_offer_page_shows_the_outcome_he_recorded(self) -> None:
        demand, offer = self.accepted()
        services.outcome_record(
            actor=self.user_a, demand=demand, result="partial", summary="更换主轴轴承，仍需调校"
        )
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("casework:offer_detail", args=[offer.pk])).content.decode()
        self.assertIn("data-outcome", page)
        self.assertIn("部分解决", page)
        self.assertIn("更换主轴轴承，仍需调校", page)
        self.assertIn("待企业确认", page)

    def test_he_logs_the_service_content_from_the_offer_page(self) -> None:
        _demand, offer = self.accepted()
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("casework:offer_detail", args=[offer.pk])).content.decode()
        self.assertIn('name="activities" value="tech_service"', page)
        response = self.client.post(
            reverse("casework:servicerecord_create") + f"?offer={offer.pk}",
            {
                "offer": offer.pk,
                "date": timezone.localdate().isoformat(),
                "mode": "onsite",
                "activities": ["tech_service", "skill_training"],
                "notes": "现场诊断",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])
        record = ServiceRecord.objects.get(offer=offer)
        self.assertEqual(record.activities, ["tech_service", "skill_training"])

    def test_pending_offers_have_one_order_on_the_home_page_and_the_inbox(self) -> None:
        first = self.triage(self.new_demand())
        second = self.triage(self.new_demand())
        for demand in (first, second):
            (suggestion,) = self.propose(demand, self.cnc_a)
            matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
        # The later offer is due first.
        late, early = self.offer_of(self.cnc_a, first), self.offer_of(self.cnc_a, second)
        Offer.objects.filter(pk=early.pk).update(
            accept_deadline=late.accept_deadline - dt.timedelta(days=2)
        )
        self.client.force_login(self.user_a)
        inbox = self.client.get(reverse("casework:my_offers")).content.decode()
        home = self.client.get(reverse("core:home")).content.decode()
        for page in (inbox, home):
            at_early = page.index(reverse("casework:offer_detail", args=[early.pk]))
            at_late = page.index(reverse("casework:offer_detail", args=[late.pk]))
            self.assertLess(at_early, at_late)
        self.assertEqual(
            [o.pk for o in selectors.my_offer_lists(user=self.user_a)["pending"]],
            [early.pk, late.pk],
        )


class TestPanelShowsTheNextStep(OfferWorld):
    def test_after_the_enterprise_confirmed_closing_is_the_visible_button(self) -> None:
        demand, _offer = self.accepted()
        services.outcome_record(
            actor=self.user_a, demand=demand, result="solved", summary="更换主轴轴承，试运行正常"
        )
        services.outcome_confirm(actor=self.boss, demand=demand, answer="solved", rating=5)
        self.client.force_login(self.staff)
        panel = self.client.get(reverse("casework:demand_panel", args=[demand.pk])).content.decode()
        self.assertIn('data-primary-step="close"', panel)
        self.assertNotIn("升级 / 转办 / 取消", panel)
        claims = self.client.get(reverse("casework:claims_panel", args=[demand.pk])).content
        self.assertNotIn("认领清单与指派", claims.decode())

    def test_while_matching_closing_stays_out_of_sight(self) -> None:
        demand, _offer = self.offered()
        self.client.force_login(self.staff)
        panel = self.client.get(reverse("casework:demand_panel", args=[demand.pk])).content.decode()
        self.assertNotIn('data-primary-step="close"', panel)
        self.assertIn("升级 / 转办 / 取消", panel)


class TestQueuePage(OfferWorld):
    def test_a_confirmed_demand_has_no_deadline_and_the_states_are_check_boxes(self) -> None:
        demand, _offer = self.accepted()
        services.outcome_record(
            actor=self.user_a, demand=demand, result="solved", summary="更换主轴轴承，试运行正常"
        )
        services.outcome_confirm(actor=self.boss, demand=demand, answer="solved", rating=5)
        self.client.force_login(self.staff)
        response = self.client.get(
            reverse("casework:queue"), {"subtree": "1", "status": ["confirmed"]}
        )
        self.assertEqual(response.status_code, 200)
        (row,) = response.context["rows"]
        self.assertIsNone(row.escalates_on)
        self.assertEqual(row.no_deadline, "无期限")
        html = response.content.decode()
        self.assertIn("无期限", html)
        self.assertIn('type="checkbox" name="status" value="confirmed"', html)
        self.assertNotIn('<select name="status"', html)
        self.assertNotIn("上级", " ".join(r.label for r in row.ladder))
        self.assertIn(self.world.city_a.name, [r.label for r in row.ladder])
