"""Suggestions across units (issue 14, point 1).

The 南山 county clerk (仅本级) asks for 推荐工匠 on a 南山 demand. Candidates are his own
craftsmen *and* those of any unit who agreed to serve 南山 (regions served, a team of a unit
covering 南山, or 接受跨地区服务 within the province), with the consent 公开展示个人档案 in force.
A 天河 craftsman then shows up with his public fields only — name, honours, skill level, team,
employer, owning unit — never his mobile, ID number, bio, or a link to his record (which answers
404 to the clerk), in the panel, the review queue and the API. Confirming him still works: the
offer goes to him and his owning unit's staff are told.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.casework.models import Offer
from jiangqiao.core.choices import DataScope
from jiangqiao.core.models import Notification
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user, scope_role
from jiangqiao.matching import services
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.selectors import public_profiles, serviceable_for
from jiangqiao.talents.tests.helpers import id_number, make_team, mobile

from .helpers import craftsman, enterprise, open_demand

HTMX = {"HX-Request": "true"}
BIO_SECRET = "家住天河区龙口西路十八号"
EXPERTISE = "数控机床主轴异响诊断与高速电主轴动平衡"
ITEMS = ["主轴异响诊断", "电主轴动平衡校正"]


def consent(person: Any, actor: Any) -> None:
    talent_services.consent_grant(actor=actor, craftsman=person, purpose="profile_publication")


class CrossUnitSuggestionTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.clerk = w.county_operator  # 仅本级 at 南山 (county_a1)
        cls.tianhe_staff = make_user("tianhe_staff", w.county_b1, scope_role(DataScope.ORG))
        # 天河 craftsman serving the whole of 深圳 (440300), with honour, team and consent.
        cls.outsider = craftsman(
            w.county_b1,
            w.city_admin_b,
            name="坪山动平衡专家",
            expertise=EXPERTISE,
            bio=f"高级技师，{BIO_SECRET}",
            items=ITEMS,
            regions_served=["440300"],
            employer_name="广州电机高速动平衡厂",
            id_number=id_number(7301),
            mobile=mobile(7302),
        )
        consent(cls.outsider, w.city_admin_b)
        talent_services.honour_add(
            actor=w.city_admin_b,
            craftsman=cls.outsider,
            data={"honour_type": "national_model_worker", "level": "national", "year": 2021},
        )
        team = make_team(w.county_b1, w.city_admin_b, name="天河电机服务队")
        talent_services.team_add_member(actor=w.city_admin_b, team=team, craftsman=cls.outsider)
        # Same expertise, but no consent / paused / serving only 天河: never suggested to 南山.
        cls.no_consent = craftsman(
            w.county_b1,
            w.city_admin_b,
            expertise=EXPERTISE,
            items=ITEMS,
            regions_served=["440300"],
            consents=(),
        )
        cls.paused = craftsman(
            w.county_b1,
            w.city_admin_b,
            expertise=EXPERTISE,
            items=ITEMS,
            regions_served=["440300"],
            pause_until=timezone.localdate() + dt.timedelta(days=30),
        )
        consent(cls.paused, w.city_admin_b)
        cls.tianhe_only = craftsman(
            w.county_b1, w.city_admin_b, expertise=EXPERTISE, items=ITEMS, regions_served=["440106"]
        )
        consent(cls.tianhe_only, w.city_admin_b)
        # Province-wide by consent (接受跨地区服务), and by a province team's membership.
        cls.anywhere = craftsman(
            w.county_b1,
            w.city_admin_b,
            expertise="焊接变形控制",
            regions_served=["440106"],
            cross_region_ok=True,
        )
        consent(cls.anywhere, w.city_admin_b)
        cls.province_team_member = craftsman(
            w.county_b1, w.city_admin_b, expertise="焊接工艺评定", regions_served=["440106"]
        )
        consent(cls.province_team_member, w.city_admin_b)
        province_team = make_team(w.province, w.province_admin, name="省劳模工匠服务队")
        talent_services.team_add_member(
            actor=w.province_admin, team=province_team, craftsman=cls.province_team_member
        )
        # The clerk's own craftsman: a weak match on the generic word 技师 only.
        cls.local = craftsman(
            w.county_a1, w.city_admin_a, expertise="衡器装配调试，高级技师", items=["衡器校准"]
        )
        cls.demand = open_demand(
            w.county_a1,
            w.city_admin_a,
            ent=enterprise(w.county_a1),
            title="数控机床主轴异响",
            description="加工中心主轴高速运转时异响，需要高级技师现场诊断主轴动平衡",
        )

    # ------------------------------------------------------------------ helpers

    def panel(self, user: Any) -> str:
        self.client.force_login(user)
        url = reverse("matching:demand_suggestions", args=[self.demand.pk])
        response = self.client.get(url, headers=HTMX)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def suggestion_of(self, person: Any) -> MatchSuggestion:
        return MatchSuggestion.objects.get(demand=self.demand, craftsman=person)

    def secrets(self) -> list[str]:
        c = self.outsider
        return [
            c.mobile,
            c.id_number,
            c.mobile[-4:] + "",  # masked forms keep the last digits
            c.id_number[-6:],
            BIO_SECRET,
            reverse("talents:craftsman_detail", args=[c.pk]),
        ]

    def assert_no_secrets(self, text: str) -> None:
        for secret in self.secrets():
            self.assertNotIn(secret, text)

    # ------------------------------------------------------------------ the candidate pool

    def test_the_pool_is_who_agreed_to_serve_the_area(self) -> None:
        pool = set(serviceable_for(self.demand).values_list("pk", flat=True))
        self.assertIn(self.outsider.pk, pool)
        self.assertIn(self.anywhere.pk, pool)  # 接受跨地区服务, same province
        self.assertIn(self.province_team_member.pk, pool)  # a province team serves 广东
        for person in (self.no_consent, self.paused, self.tianhe_only):
            self.assertNotIn(person.pk, pool)

    def test_withdrawing_the_consent_leaves_the_pool(self) -> None:
        talent_services.consent_withdraw(
            actor=self.world.city_admin_b,
            craftsman=self.outsider,
            purpose="profile_publication",
            reason="本人书面申请",
        )
        self.assertNotIn(
            self.outsider.pk, set(serviceable_for(self.demand).values_list("pk", flat=True))
        )

    # ------------------------------------------------------------------ the page

    def test_county_clerk_sees_the_outsider_with_public_fields_only(self) -> None:
        html = self.panel(self.clerk)
        ranked = {s.craftsman_id: s for s in MatchSuggestion.objects.filter(demand=self.demand)}
        self.assertIn(self.outsider.pk, ranked)
        for person in (self.no_consent, self.paused, self.tianhe_only):
            self.assertNotIn(person.pk, ranked)
        # The specialist from the other unit outranks the local match on the word 技师.
        self.assertLess(ranked[self.outsider.pk].rank, ranked[self.local.pk].rank)
        self.assertIn("坪山动平衡专家", html)
        self.assertIn("广州电机高速动平衡厂", html)
        self.assertIn("天河区总工会", html)
        self.assertIn("全国劳动模范", html)
        self.assertIn("天河电机服务队", html)
        self.assertIn("跨单位", html)
        self.assert_no_secrets(html)
        # His own unit's craftsman keeps his link.
        self.assertIn(reverse("talents:craftsman_detail", args=[self.local.pk]), html)

    def test_the_outsiders_record_stays_out_of_reach(self) -> None:
        self.panel(self.clerk)
        detail = reverse("talents:craftsman_detail", args=[self.outsider.pk])
        self.assertEqual(self.client.get(detail).status_code, 404)
        api = APIClient()
        api.force_authenticate(self.clerk)
        self.assertEqual(api.get(f"/api/v1/talents/craftsmen/{self.outsider.pk}/").status_code, 404)

    def test_review_queue_shows_no_link_and_no_private_reason(self) -> None:
        self.panel(self.clerk)
        listed = self.client.get(reverse("matching:matchsuggestion_list"), {"per_page": 200})
        html = listed.content.decode()
        self.assertIn("坪山动平衡专家", html)
        self.assert_no_secrets(html)

    # ------------------------------------------------------------------ the API

    def test_api_gives_the_public_profile_and_never_contact_details(self) -> None:
        api = APIClient()
        api.force_authenticate(self.clerk)
        refreshed = api.post(
            "/api/v1/matching/suggestions/refresh/", {"demand": self.demand.pk}, format="json"
        )
        self.assertEqual(refreshed.status_code, 200)
        listed = api.get("/api/v1/matching/suggestions/", {"demand_id": self.demand.pk})
        row = self.suggestion_of(self.outsider)
        detail = api.get(f"/api/v1/matching/suggestions/{row.pk}/")
        for response in (refreshed, listed, detail):
            self.assertEqual(response.status_code, 200)
            self.assert_no_secrets(response.content.decode())
        data = detail.json()
        self.assertTrue(data["cross_unit"])
        public = data["craftsman_public"]
        self.assertEqual(public["name"], "坪山动平衡专家")
        self.assertEqual(public["employer_name"], "广州电机高速动平衡厂")
        self.assertEqual(public["org_name"], "天河区总工会")
        self.assertEqual(public["teams"], ["天河电机服务队"])
        self.assertTrue(any("全国劳动模范" in h for h in public["honours"]))
        self.assertTrue(public["skill_level"])
        self.assertEqual(
            set(public), {"name", "employer_name", "skill_level", "honours", "teams", "org_name"}
        )
        self.assertTrue(0 <= data["relevance"] <= 100)
        local = api.get(f"/api/v1/matching/suggestions/{self.suggestion_of(self.local).pk}/").json()
        self.assertFalse(local["cross_unit"])
        self.assertIsNone(local["craftsman_public"])

    def test_public_profile_has_no_private_field(self) -> None:
        profile = public_profiles([self.outsider.pk])[self.outsider.pk]
        text = repr(profile)
        self.assert_no_secrets(text)
        self.assertNotIn("mobile", text)
        self.assertNotIn("id_number", text)

    # ------------------------------------------------------------------ confirming

    def test_confirming_an_outsider_offers_to_him_and_tells_his_unit(self) -> None:
        self.panel(self.clerk)
        row = self.suggestion_of(self.outsider)
        response = self.client.post(
            reverse("matching:suggestion_confirm", args=[row.pk]), headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        self.assert_no_secrets(response.content.decode())
        row.refresh_from_db()
        self.assertEqual(row.status, "confirmed")
        offer = Offer.objects.get(demand=self.demand, craftsman=self.outsider)
        self.assertEqual(offer.suggestion_id, row.pk)
        told = Notification.objects.filter(recipient=self.tianhe_staff)
        self.assertEqual(told.count(), 1)
        self.assertIn("坪山动平衡专家", told[0].title)
        self.assertIn(self.demand.title, told[0].body)
        # The clerk's own unit is not told about its own decision; nobody gets contact details.
        for note in Notification.objects.all():
            self.assert_no_secrets(note.body)

    def test_confirming_an_own_craftsman_tells_no_other_unit(self) -> None:
        self.panel(self.clerk)
        services.suggestion_confirm(actor=self.clerk, suggestion=self.suggestion_of(self.local))
        self.assertFalse(Notification.objects.filter(recipient=self.tianhe_staff).exists())

    # ------------------------------------------------------------------ scores and reasons

    def test_scores_are_relevance_0_100_and_reasons_whole_phrases(self) -> None:
        html = self.panel(self.clerk)
        self.assertNotIn("匹配分", html)
        rows = list(MatchSuggestion.objects.filter(demand=self.demand))
        self.assertTrue(rows)
        for s in rows:
            self.assertTrue(0 <= s.relevance <= 100)
            self.assertIn(f"匹配度 {s.relevance}", html)
            for line in s.why["summary"] + s.why["summary_public"]:
                self.assertEqual(line.count("《"), line.count("》"), line)
                self.assertEqual(line.count("“"), line.count("”"), line)
        # Generic words never stand as the matched keywords.
        for s in rows:
            for line in s.why["summary"]:
                if line.startswith("关键词“"):
                    terms = line[4 : line.index("”")].split("、")
                    self.assertNotIn("技师", terms)
                    self.assertNotIn("诊断", terms)
                    self.assertNotIn("现场", terms)
