"""The enterprise contact's and the craftsman's home panels: their demands by stage and the
craftsman's standing this year, each count equal to the list it links to, nobody else's rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts.models import Role
from jiangqiao.casework import queues, services
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import Offer
from jiangqiao.casework.selectors import craftsman_rating
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import EnterpriseContact
from jiangqiao.matching import services as matching_services

from .test_boards import BoardWorld

SESSION = {
    "duration_min": 120,
    "mode": "onsite",
    "activities": ["tech_service"],
    "attendees": 4,
    "notes": "现场诊断主轴异响",
}


class StandingWorld(BoardWorld):
    """The board's demands, plus: a draft of the contact, ``fresh`` served by the craftsman
    (two sessions, one of them last year) with an outcome waiting for the contact, ``mid``
    offered to him (open), and ``a2`` (another enterprise) served by another craftsman."""

    def setUp(self) -> None:
        w = self.world
        staff = w.city_admin_a
        self.today = timezone.localdate()
        self.draft = demand_services.demand_create(
            actor=self.boss,
            enterprise=self.ent_a1,
            submit=False,
            data={"kind": "tech_problem", "title": "草稿需求", "description": "还没写完"},
        )
        self.served = self.d["fresh"]
        offer = self.offer(self.served, self.person)
        services.offer_accept(actor=self.gj_user, offer=offer)
        self.last_year = session_services.session_create(
            actor=staff,
            offer=offer,
            data={**SESSION, "date": dt.date(self.today.year - 1, 12, 20), "trainees": 9},
        )
        self.this_year = session_services.session_create(
            actor=staff,
            offer=offer,
            data={
                **SESSION,
                "date": dt.date(self.today.year, 3, 2),
                "experts": 2,
                "trainees": 5,
            },
        )
        services.outcome_record(
            actor=self.gj_user, demand=self.served, result="solved", summary="更换轴承，异响消除"
        )
        self.pending = self.offer(self.d["mid"], self.person)
        # Another craftsman serves another enterprise's demand.
        other = self.offer(self.d["a2"], self.other_person)
        services.offer_accept(actor=staff, offer=other)
        self.theirs = session_services.session_create(
            actor=staff,
            offer=other,
            data={**SESSION, "date": dt.date(self.today.year, 4, 1), "trainees": 30},
        )

    def offer(self, demand: Any, person: Any) -> Offer:
        suggestion = matching_services.suggestion_add_manual(
            actor=self.world.city_admin_a, demand=demand, craftsman=person
        )
        matching_services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=suggestion)
        return Offer.objects.get(demand=demand, craftsman=person, status="pending")

    def listed(self, user: Any, url: str) -> set[int]:
        self.login(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return set(response.context["table"].data.data.values_list("pk", flat=True))


class EnterprisePanelTests(StandingWorld):
    def test_demands_by_stage_equal_the_filtered_list(self) -> None:
        items = {i.key: i for i in queues.my_demand_counts(user=self.boss)}
        expected = {
            "draft": {self.draft.pk},
            "waiting": {self.d["mid"].pk, self.d["old"].pk},
            "serving": set(),
            "confirm": {self.served.pk},
            "done": set(),
        }
        self.assertEqual(list(items), list(expected))  # in the order of the life cycle
        for key, pks in expected.items():
            with self.subTest(stage=key):
                self.assertEqual(items[key].count, len(pks))
                self.assertEqual(self.listed(self.boss, items[key].url), pks)
        self.assertTrue(items["confirm"].red)
        self.assertTrue(items["draft"].red)
        self.assertFalse(items["waiting"].red)

    def test_the_outcome_to_confirm_comes_first_and_other_enterprises_stay_out(self) -> None:
        self.login(self.boss)
        html = self.client.get(reverse("core:home")).content.decode()
        first_row = html.index('data-demand="')
        self.assertEqual(html.index(f'data-demand="{self.served.pk}"'), first_row)
        self.assertIn("请确认服务结果", html)
        self.assertNotIn("宝安需求", html)
        self.assertNotIn("天河需求", html)
        self.assertIn('data-work="confirm"', html)

    def test_another_contact_counts_only_his_own_enterprise(self) -> None:
        other = make_user(
            "qy_boss_a2", self.world.county_a2, Role.objects.get(code="enterprise_contact")
        )
        EnterpriseContact.objects.create(enterprise=self.ent_a2, user=other, name="钱经理")
        items = {i.key: i for i in queues.my_demand_counts(user=other)}
        self.assertNotIn("draft", items)  # no draft: the card is left out
        self.assertEqual(items["serving"].count, 1)  # a2, served by the other craftsman
        self.assertEqual(self.listed(other, items["serving"].url), {self.d["a2"].pk})
        self.assertEqual(items["waiting"].count + items["confirm"].count, 0)

    def test_a_bad_stage_value_answers_without_error(self) -> None:
        self.login(self.boss)
        response = self.client.get(reverse("demands:demand_list"), {"stage": "x" * 300})
        self.assertIn(response.status_code, (200, 400))


class CraftsmanPanelTests(StandingWorld):
    def test_this_years_standing_equals_his_session_list(self) -> None:
        items = {i.key: i for i in queues.my_year_items(user=self.gj_user)}
        self.assertEqual(items["sessions"].count, 1)  # last year's session is not this year's
        self.assertEqual(self.listed(self.gj_user, items["sessions"].url), {self.this_year.pk})
        self.assertEqual(items["person_times"].count, 2)  # 参与工匠人数 2
        self.assertEqual(items["trainees"].count, 5)
        self.assertEqual(items["open_offers"].count, 1)  # mid, waiting for his answer
        page = self.client.get(items["open_offers"].url).content.decode()
        self.assertIn(f"/casework/offers/{self.pending.pk}/", page)

    def test_his_session_list_links_only_to_pages_he_may_open(self) -> None:
        self.login(self.gj_user)
        page = self.client.get(reverse("casework:servicerecord_list")).content.decode()
        self.assertNotIn(f"/demands/{self.this_year.demand_id}/", page)  # 403 for a craftsman
        self.assertIn(f"/casework/offers/{self.this_year.offer_id}/", page)
        for href in sorted(set(re.findall(r'href="(/(?:demands|casework)/[^"?#]+/)"', page))):
            self.assertEqual(self.client.get(href).status_code, 200, href)
        self.login(self.county_staff)  # staff still reach the demand from the same list
        page = self.client.get(reverse("casework:servicerecord_list")).content.decode()
        self.assertIn(f"/demands/{self.this_year.demand_id}/", page)

    def test_the_enterprises_rating_is_his(self) -> None:
        self.assertEqual(craftsman_rating(user=self.gj_user), {"mean": None, "count": 0})
        services.outcome_confirm(actor=self.boss, demand=self.served, answer="solved", rating=4)
        self.assertEqual(craftsman_rating(user=self.gj_user), {"mean": 4.0, "count": 1})
        self.login(self.gj_user)
        html = self.client.get(reverse("core:home")).content.decode()
        self.assertIn("<strong>4.0</strong> 分（1 次评价）", html)
        self.assertIn(f"{self.today.year}年服务场次", html)

    def test_another_craftsmans_sessions_are_not_counted(self) -> None:
        other_user = make_user("gj_other", self.world.county_a2, Role.objects.get(code="craftsman"))
        from jiangqiao.talents.models import Craftsman

        Craftsman.objects.filter(pk=self.other_person.pk).update(user=other_user)
        mine = {i.key: i.count for i in queues.my_year_items(user=self.gj_user)}
        theirs = {i.key: i for i in queues.my_year_items(user=other_user)}
        self.assertEqual(theirs["sessions"].count, 1)
        self.assertEqual(theirs["trainees"].count, 30)
        self.assertEqual(self.listed(other_user, theirs["sessions"].url), {self.theirs.pk})
        self.assertEqual(mine["trainees"], 5)
