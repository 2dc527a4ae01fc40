"""点菜·做菜·送菜 end to end, with time travel across 2025's 国庆 holiday (1–8 October, with
Sunday 28 September and Saturday 11 October worked as 调休): deadlines skip the holiday and count
the 调休 working weekend."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role
from jiangqiao.casework import kpi, services
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.choices import OfferSource, OfferStatus
from jiangqiao.casework.models import FollowUp, Offer, Outcome
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Notification, OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands.choices import DemandStatus
from jiangqiao.demands.models import Demand, DemandEvent, EnterpriseContact
from jiangqiao.matching import services as matching_services
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.matching.tests.helpers import craftsman, enterprise
from jiangqiao.talents.models import Craftsman

from .helpers import submitted_demand, triaged

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=TZ)


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(TZ).date()


def linked(person: Craftsman, user: Any) -> Craftsman:
    """The craftsman's own login (the 劳模工匠 role, 仅本人)."""
    Craftsman.objects.filter(pk=person.pk).update(user=user)
    return Craftsman.objects.get(pk=person.pk)


class CaseWorld(WorldTestCase):
    """Staff of 深圳, three craftsmen of 南山 with logins, an enterprise with its contact."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        craftsman_role = Role.objects.get(code="craftsman")
        contact_role = Role.objects.get(code="enterprise_contact")
        cls.staff = w.city_admin_a
        cls.user_a = make_user("gj_a", w.county_a1, craftsman_role)
        cls.user_b = make_user("gj_b", w.county_a1, craftsman_role)
        cls.user_c = make_user("gj_c", w.county_a1, craftsman_role)
        cls.cnc_a = linked(craftsman(w.county_a1, cls.staff, name="张主轴"), cls.user_a)
        cls.cnc_b = linked(craftsman(w.county_a1, cls.staff, name="李数控"), cls.user_b)
        cls.cnc_c = linked(craftsman(w.county_a1, cls.staff, name="王机床"), cls.user_c)
        cls.ent = enterprise(w.county_a1)
        cls.boss = make_user("qy_boss", w.county_a1, contact_role)
        EnterpriseContact.objects.create(enterprise=cls.ent, user=cls.boss, name="赵经理")
        other_ent = enterprise(w.county_a1)
        cls.other_boss = make_user("qy_other", w.county_a1, contact_role)
        EnterpriseContact.objects.create(enterprise=other_ent, user=cls.other_boss, name="钱经理")

    def new_demand(self) -> Demand:
        return submitted_demand(actor=self.boss, enterprise=self.ent)

    def triage(self, demand: Demand) -> Demand:
        return triaged(actor=self.staff, demand=demand)

    def propose(self, demand: Demand, *people: Any) -> list[MatchSuggestion]:
        return [
            matching_services.suggestion_add_manual(actor=self.staff, demand=demand, craftsman=c)
            for c in people
        ]

    def offer_of(self, craftsman_obj: Any, demand: Demand) -> Offer:
        return Offer.objects.get(demand=demand, craftsman=craftsman_obj)


class CaseFlowTests(CaseWorld):
    # ------------------------------------------------------------------------------ the walk

    def test_the_whole_walk_over_the_national_day_holiday(self) -> None:
        with time_machine.travel(at(2025, 9, 30), tick=False) as clock:
            # The enterprise contact submits from the phone form.
            self.client.force_login(self.boss)
            form = self.client.get(reverse("demands:demand_submit")).content.decode()
            token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
            response = self.client.post(
                reverse("demands:demand_submit"),
                {
                    "form_token": token,
                    "enterprise": self.ent.pk,
                    "kind": "tech_problem",
                    "title": "数控机床主轴异响",
                    "description": "加工中心主轴高速运转时异响，需要数控机床维修专家现场诊断",
                    "delivery_mode": "either",
                    "action": "submit",
                },
            )
            self.assertEqual(response.status_code, 302, response.content.decode()[:300])
            demand = Demand.objects.get(enterprise=self.ent, title="数控机床主轴异响")
            self.assertEqual((demand.status, demand.channel), (DemandStatus.SUBMITTED, "online"))
            demand = self.triage(demand)
            first, _second = self.propose(demand, self.cnc_a, self.cnc_b)
            matching_services.suggestion_confirm(actor=self.staff, suggestion=first)
            offer_a = self.offer_of(self.cnc_a, demand)
            # 5 working days after Tue 30 Sep: 9, 10, 11 (Saturday 调休), 13, 14 October.
            self.assertEqual(local_date(offer_a.accept_deadline), dt.date(2025, 10, 14))
            self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.MATCHING)
            self.assertTrue(Notification.objects.filter(recipient=self.user_a).exists())

            clock.move_to(at(2025, 10, 3))  # during the holiday
            with self.assertRaises(BusinessError) as refused:
                services.offer_decline(actor=self.user_a, offer=offer_a, reason="other")
            self.assertEqual(refused.exception.field, "note")
            services.offer_decline(actor=self.user_a, offer=offer_a, reason="busy", note="出差")
            offer_b = self.offer_of(self.cnc_b, demand)
            self.assertEqual(offer_b.source, OfferSource.AUTOMATIC)
            self.assertEqual(offer_b.status, OfferStatus.PENDING)
            # Five working days from inside the holiday: 9, 10, 11, 13, 14 October again.
            self.assertEqual(local_date(offer_b.accept_deadline), dt.date(2025, 10, 14))
            with self.assertRaises(BusinessError):  # a declined craftsman is not asked again
                services.check_can_offer(self.cnc_a, demand)
            self.assertEqual(MatchSuggestion.objects.get(pk=first.pk).status, "declined")

            clock.move_to(at(2025, 10, 11, 9))  # Saturday, a 调休 working day
            with self.assertRaises(PermissionDenied):  # not A's offer any more, nor C's
                services.offer_accept(actor=self.user_c, offer=offer_b)
            services.offer_accept(actor=self.user_b, offer=offer_b, note="周一上门")
            offer_b.refresh_from_db()
            # First contact within 2 working days of Saturday the 11th: the 13th and the 14th.
            self.assertEqual(local_date(offer_b.contact_deadline), dt.date(2025, 10, 14))
            demand.refresh_from_db()
            self.assertEqual(demand.status, DemandStatus.IN_SERVICE)

            clock.move_to(at(2025, 10, 13, 9))
            for reached in (False, False, True):
                services.contact_log(
                    actor=self.user_b, offer=offer_b, channel="phone", reached=reached
                )
            offer_b.refresh_from_db()
            self.assertIsNotNone(offer_b.first_contact_at)

            clock.move_to(at(2025, 10, 20, 16))
            # Two sessions logged by the craftsman himself, the second with a skill upgrade.
            upgrade = {
                "worker_code": "GH-0417",
                "worker_initials": "lm",
                "occupation": "6-18-01-01",
                "level_before": "intermediate_worker",
                "level_after": "senior_worker",
                "certificate_no": "S0000440100",
            }
            for day, upgrades in ((14, []), (20, [upgrade])):
                session_services.session_create(
                    actor=self.user_b,
                    offer=offer_b,
                    data={
                        "date": dt.date(2025, 10, day),
                        "mode": "onsite",
                        "duration_min": 180,
                        "trainees": 6,
                    },
                    skill_upgrades=upgrades,
                )
            services.outcome_record(
                actor=self.user_b,
                demand=demand,
                result="solved",
                summary="更换主轴轴承并重新动平衡，异响消除",
            )
            demand.refresh_from_db()
            self.assertEqual((demand.status, demand.outcome), (DemandStatus.RESOLVED, "solved"))
            self.assertEqual(self.offer_of(self.cnc_b, demand).status, OfferStatus.COMPLETED)

            clock.move_to(at(2025, 10, 22))
            with self.assertRaises(PermissionDenied):  # another enterprise's contact
                services.outcome_confirm(
                    actor=self.other_boss, demand=demand, answer="solved", rating=5
                )
            with self.assertRaises(BusinessError) as refused:
                services.outcome_confirm(actor=self.boss, demand=demand, answer="solved", rating=9)
            self.assertEqual(refused.exception.field, "rating")
            services.outcome_confirm(
                actor=self.boss, demand=demand, answer="solved", rating=5, comment="响应快"
            )
            demand.refresh_from_db()
            self.assertEqual(demand.status, DemandStatus.CONFIRMED)
            self.assertIsNotNone(demand.solved_confirmed_at)
            self.assertTrue(Outcome.objects.get(demand=demand).verified_solved)
            self.assertEqual(
                sorted(FollowUp.objects.filter(demand=demand).values_list("due_on", flat=True)),
                [dt.date(2026, 1, 20), dt.date(2026, 4, 20)],
            )

            clock.move_to(at(2026, 1, 21))
            counts = services.tick()
            self.assertEqual(counts.get("followups"), 1)
            self.assertEqual(services.tick().get("followups"), None)  # nothing twice
            followup = FollowUp.objects.get(demand=demand, kind="d90")
            services.followup_answer(actor=self.boss, followup=followup, held=True)
            figures = kpi.figures(
                user=self.staff,
                org=self.world.city_a,
                start=dt.date(2025, 10, 1),
                end=dt.date(2025, 10, 31),
            )
            self.assertEqual(
                (
                    figures["person_times"],
                    figures["workers_trained"],
                    figures["skill_upgrades"],
                    figures["problems_solved"],
                ),
                (2, 12, 1, 1),
            )
            demand = services.demand_close(actor=self.staff, demand=demand)
            self.assertEqual(demand.status, DemandStatus.CLOSED)
            # Labelled as the step from 企业已确认 (not "办结（企业逾期未确认）").
            self.assertEqual(DemandEvent.objects.filter(demand=demand).last().comment, "办结")

        steps = list(DemandEvent.objects.filter(demand=demand).values_list("to_status", flat=True))
        self.assertEqual(
            steps,
            [
                "draft",
                "submitted",
                "triaged",
                "matching",
                "matching",
                "in_service",
                "resolved",
                "confirmed",
                "closed",
            ],
        )
        self.assertTrue(
            OperationLog.objects.filter(module=services.MODULE, target_id=str(demand.pk)).exists()
        )

    # ------------------------------------------------------------------------ the deadline tick

    def test_an_unanswered_offer_expires_after_the_holiday_and_the_next_is_offered(self) -> None:
        with time_machine.travel(at(2025, 9, 30), tick=False) as clock:
            demand = self.triage(self.new_demand())
            first, _second = self.propose(demand, self.cnc_a, self.cnc_b)
            matching_services.suggestion_confirm(actor=self.staff, suggestion=first)
            clock.move_to(at(2025, 10, 14, 23, 50))  # still the due day
            self.assertEqual(services.tick().get("expired"), None)
            clock.move_to(at(2025, 10, 15, 0, 5))
            self.assertEqual(services.tick().get("expired"), 1)
            self.assertEqual(services.tick().get("expired"), None)
            self.assertEqual(self.offer_of(self.cnc_a, demand).status, OfferStatus.EXPIRED)
            self.assertEqual(self.offer_of(self.cnc_b, demand).status, OfferStatus.PENDING)
            self.assertTrue(
                Notification.objects.filter(
                    recipient=self.staff, title__contains="未被接受"
                ).exists()
            )

    def test_nobody_left_returns_the_demand_to_triaged(self) -> None:
        demand = self.triage(self.new_demand())
        (only,) = self.propose(demand, self.cnc_a)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=only)
        services.offer_decline(
            actor=self.user_a, offer=self.offer_of(self.cnc_a, demand), reason="expertise"
        )
        demand.refresh_from_db()
        self.assertEqual(demand.status, DemandStatus.TRIAGED)

    def test_an_unstaffed_demand_escalates_after_ten_working_days(self) -> None:
        with time_machine.travel(at(2025, 9, 26), tick=False) as clock:
            demand = self.triage(self.new_demand())
            # Working days after Fri 26 Sep: 28 (Sun 调休), 29, 30, 9, 10, 11, 13, 14, 15, 16.
            clock.move_to(at(2025, 10, 16, 12))
            self.assertEqual(services.tick().get("escalated"), None)
            clock.move_to(at(2025, 10, 17, 0, 1))
            self.assertEqual(services.tick().get("escalated"), 1)
            self.assertEqual(services.tick().get("escalated"), None)
        demand.refresh_from_db()
        self.assertEqual(
            (demand.status, demand.org_id, demand.owner_level),
            (DemandStatus.ESCALATED, self.world.city_a.pk, "city"),
        )

    # ------------------------------------------------------------------------ bad input and faults

    def test_out_of_order_steps_name_the_allowed_ones(self) -> None:
        demand = self.triage(self.new_demand())
        with self.assertRaises(BusinessError) as refused:
            services.outcome_record(
                actor=self.staff, demand=demand, result="solved", summary="已解决"
            )
        self.assertIn("可进行的操作：发出服务邀请", refused.exception.message)
        services.demand_cancel(actor=self.staff, demand=demand, comment="企业已自行解决")
        with self.assertRaises(BusinessError) as refused:
            self.triage(demand)
        self.assertIn("该需求已结束", refused.exception.message)

    def test_no_offer_or_suggestion_on_a_cancelled_demand_page_and_api(self) -> None:
        demand = self.triage(self.new_demand())
        (suggestion,) = self.propose(demand, self.cnc_a)
        services.demand_cancel(actor=self.staff, demand=demand, comment="企业撤销")
        with self.assertRaises(BusinessError):
            matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
        with self.assertRaises(BusinessError):
            matching_services.suggestion_add_manual(
                actor=self.staff, demand=demand, craftsman=self.cnc_b
            )
        api = APIClient()
        api.force_authenticate(self.staff)
        response = api.post(
            f"/api/v1/matching/suggestions/{suggestion.pk}/confirm/", {}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("取消", response.content.decode())
        self.login(self.staff)
        self.client.post(reverse("matching:suggestion_confirm", args=[suggestion.pk]))
        self.assertFalse(Offer.objects.filter(demand=demand).exists())

    def test_caps_open_services_and_new_per_month(self) -> None:
        self.cnc_a.max_open_services = 1
        self.cnc_a.max_new_per_month = 0
        self.cnc_a.save()
        d1 = self.triage(self.new_demand())
        d2 = self.triage(self.new_demand())
        (s1,) = self.propose(d1, self.cnc_a)
        (s2,) = self.propose(d2, self.cnc_a)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=s1)
        with self.assertRaises(BusinessError):
            matching_services.suggestion_confirm(actor=self.staff, suggestion=s2)
        self.assertEqual(MatchSuggestion.objects.get(pk=s2.pk).status, "proposed")  # rolled back
        # Capacity comes back when the service ends.
        offer = self.offer_of(self.cnc_a, d1)
        services.offer_accept(actor=self.user_a, offer=offer)
        services.outcome_record(actor=self.staff, demand=d1, result="partial", summary="部分解决")
        matching_services.suggestion_confirm(actor=self.staff, suggestion=s2)
        # The monthly cap.
        self.cnc_b.max_new_per_month = 1
        self.cnc_b.save()
        d3 = self.triage(self.new_demand())
        (s3, s4) = (self.propose(d3, self.cnc_b)[0], self.propose(d2, self.cnc_b)[0])
        matching_services.suggestion_confirm(actor=self.staff, suggestion=s3)
        with self.assertRaises(BusinessError) as refused:
            matching_services.suggestion_confirm(actor=self.staff, suggestion=s4)
        self.assertIn("本月新接服务已达上限", refused.exception.message)

    def test_two_answers_at_once_get_one_winner(self) -> None:
        demand = self.triage(self.new_demand())
        (s,) = self.propose(demand, self.cnc_a)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=s)
        offer = self.offer_of(self.cnc_a, demand)
        stale = Offer.objects.get(pk=offer.pk)
        services.offer_accept(actor=self.user_a, offer=offer)
        with self.assertRaises(BusinessError) as refused:
            services.offer_decline(actor=self.user_a, offer=stale, reason="busy")
        self.assertIn("服务中", refused.exception.message)

    def test_disagreement_reopens_the_case(self) -> None:
        demand = self.triage(self.new_demand())
        (s,) = self.propose(demand, self.cnc_a)
        matching_services.suggestion_confirm(actor=self.staff, suggestion=s)
        services.offer_accept(actor=self.user_a, offer=self.offer_of(self.cnc_a, demand))
        self.assertTrue(Demand.objects.get(pk=demand.pk).has_open_offer)
        services.outcome_record(actor=self.user_a, demand=demand, result="solved", summary="已修复")
        # The service ended: no open offer any more (the board's overdue rule reads the flag).
        self.assertFalse(Demand.objects.get(pk=demand.pk).has_open_offer)
        with self.assertRaises(BusinessError):  # "not solved" needs a word on what is left
            services.outcome_confirm(actor=self.boss, demand=demand, answer="unsolved", rating=2)
        services.outcome_confirm(
            actor=self.boss, demand=demand, answer="unsolved", rating=2, comment="异响仍在"
        )
        demand.refresh_from_db()
        self.assertEqual((demand.status, demand.outcome), (DemandStatus.IN_SERVICE, ""))
        self.assertIsNone(demand.solved_confirmed_at)
        self.assertEqual(self.offer_of(self.cnc_a, demand).status, OfferStatus.ACCEPTED)
        self.assertTrue(demand.has_open_offer)  # reopened: the craftsman's offer is open again
        self.assertEqual(Outcome.objects.get(demand=demand).reopened_count, 1)


class KpiTests(CaseWorld):
    """The counting rules of docs/kpi.md against hand counts."""

    def test_figures_against_hand_counts(self) -> None:
        from jiangqiao.casework import kpi

        with time_machine.travel(at(2025, 9, 30), tick=False) as clock:
            d1 = self.triage(self.new_demand())
            d2 = self.triage(self.new_demand())
            a1, b1 = self.propose(d1, self.cnc_a, self.cnc_b)
            (a2,) = self.propose(d2, self.cnc_c)
            matching_services.suggestion_confirm(actor=self.staff, suggestion=a1)
            matching_services.suggestion_confirm(actor=self.staff, suggestion=a2)
            clock.move_to(at(2025, 10, 9))
            services.offer_decline(
                actor=self.user_a, offer=self.offer_of(self.cnc_a, d1), reason="busy"
            )  # → B is offered d1
            services.offer_accept(actor=self.user_b, offer=self.offer_of(self.cnc_b, d1))
            services.offer_accept(actor=self.user_c, offer=self.offer_of(self.cnc_c, d2))
            clock.move_to(at(2025, 10, 13))  # three working days later: 10, 11 (调休) and 13 Oct
            services.contact_log(
                actor=self.user_b,
                offer=self.offer_of(self.cnc_b, d1),
                channel="phone",
                reached=True,
            )
            for suggestion, trainees in ((b1, 5), (b1, 3), (a2, 10)):
                session_services.session_create(
                    actor=self.staff,
                    match=MatchSuggestion.objects.get(pk=suggestion.pk),
                    data={"date": dt.date(2025, 10, 13), "mode": "onsite", "trainees": trainees},
                )
            services.outcome_record(actor=self.staff, demand=d1, result="solved", summary="修复")
            services.outcome_record(actor=self.staff, demand=d2, result="partial", summary="缓解")
            clock.move_to(at(2025, 10, 14))
            services.outcome_confirm(actor=self.boss, demand=d1, answer="solved", rating=5)
            services.outcome_confirm(actor=self.boss, demand=d2, answer="partial", rating=3)
            got = kpi.figures(
                user=self.staff,
                org=self.world.city_a,
                start=dt.date(2025, 9, 1),
                end=dt.date(2025, 10, 31),
            )
            outsider = kpi.figures(
                user=self.world.city_admin_b,
                org=self.world.city_a,
                start=dt.date(2025, 9, 1),
                end=dt.date(2025, 10, 31),
            )
        self.assertEqual(got["person_times"], 3)  # three sessions
        self.assertEqual(got["craftsmen_serving"], 2)  # B and C
        self.assertEqual(got["enterprises_served"], 1)
        self.assertEqual(got["workers_trained"], 18)
        self.assertEqual(got["problems_solved"], 1)  # d2 was only partly solved
        self.assertEqual(got["acceptance_rate"], round(2 / 3, 3))  # A declined, B and C accepted
        self.assertEqual(got["reassignment_rate"], 0.5)  # d1 of d1, d2
        self.assertEqual(got["first_contact_workdays_median"], 3.0)  # 9 Oct → 13 Oct
        self.assertEqual(got["triage_hours_median"], 0.0)  # triaged as soon as submitted
        self.assertEqual(got["satisfaction"], 4.0)
        self.assertEqual(outsider["person_times"], 0)  # another city's staff count nothing here
        self.assertEqual(outsider["problems_solved"], 0)

    def test_medians_of_triage_and_first_contact(self) -> None:
        """Even and odd counts, a contact counted on its Shanghai day (00:30 is the next day),
        the National Day holiday and its 调休 Saturday, rows outside the period left out."""
        from jiangqiao.casework import kpi

        people = [self.cnc_a, self.cnc_b, self.cnc_c, self.cnc_a, self.cnc_b]
        # (submitted, triaged; responded, first contact) of five demands.
        plan = [
            (at(2025, 9, 29, 9), at(2025, 9, 29, 10), at(2025, 9, 29, 10), at(2025, 9, 29, 16)),
            (at(2025, 9, 29, 8), at(2025, 9, 29, 10), at(2025, 9, 29, 10), at(2025, 9, 30, 0, 30)),
            (at(2025, 9, 29, 5), at(2025, 9, 29, 10), at(2025, 9, 30, 10), at(2025, 10, 13, 9)),
            (at(2025, 9, 29, 10), at(2025, 9, 30, 16), at(2025, 9, 30, 10), at(2025, 10, 13, 11)),
            (at(2025, 11, 2, 10), at(2025, 11, 6, 14), at(2025, 10, 9, 10), at(2025, 11, 3, 10)),
        ]
        with time_machine.travel(at(2025, 9, 29, 10), tick=False):
            for person, (submitted, triaged, responded, contacted) in zip(
                people, plan, strict=True
            ):
                demand = self.triage(self.new_demand())
                (suggestion,) = self.propose(demand, person)
                matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
                offer = self.offer_of(person, demand)
                services.offer_accept(actor=person.user, offer=offer)
                Demand.objects.filter(pk=demand.pk).update(
                    submitted_at=submitted, triaged_at=triaged
                )
                Offer.objects.filter(pk=offer.pk).update(
                    responded_at=responded, first_contact_at=contacted
                )
        october = kpi.process_figures(
            user=self.staff,
            org=self.world.city_a,
            start=dt.date(2025, 9, 1),
            end=dt.date(2025, 10, 31),
        )
        # Triaged in the period after 1, 2, 5 and 30 hours: (2 + 5) / 2.
        self.assertEqual(october["triage_hours_median"], 3.5)
        # Working days 0, 1 (00:30 on 30 Sep), 4 and 4 (9, 10, 11 调休 and 13 Oct): (1 + 4) / 2.
        self.assertEqual(october["first_contact_workdays_median"], 2.5)
        until_29 = kpi.process_figures(
            user=self.staff,
            org=self.world.city_a,
            start=dt.date(2025, 9, 1),
            end=dt.date(2025, 9, 29),
        )
        self.assertEqual(until_29["triage_hours_median"], 2.0)  # 1, 2 and 5 hours
        self.assertEqual(until_29["first_contact_workdays_median"], 0.0)  # the same-day contact
        # The same as every figure of docs/kpi.md counts them.
        whole = kpi.figures(
            user=self.staff,
            org=self.world.city_a,
            start=dt.date(2025, 9, 1),
            end=dt.date(2025, 10, 31),
        )
        self.assertEqual({k: whole[k] for k in october}, october)
