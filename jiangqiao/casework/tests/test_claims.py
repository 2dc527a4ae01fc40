"""The claim list (认领清单), claims, direct requests, task-force assignments and team offers.

Design choices these tests pin down (see ``casework/claims.py``):
* every user who may claim sees every listed demand of the instance — other units' too — with the
  enterprise anonymised; a demand not listed (not published, expired) is not shown at all;
* an approved claim becomes an offer that is already accepted (the claimant asked);
* the caps are checked when the claim is approved, through the same offer path as every offer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role
from jiangqiao.casework import claims, services
from jiangqiao.casework.choices import OfferSource, OfferStatus
from jiangqiao.casework.choices_claims import ClaimStatus, PublicationEnd
from jiangqiao.casework.models import Claim, Offer, Publication
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Notification
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import DataScopeMatrixTests, WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import Channel, DemandStatus
from jiangqiao.demands.models import Demand, EnterpriseContact
from jiangqiao.matching.tests.helpers import craftsman, enterprise
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import make_team

TZ = ZoneInfo("Asia/Shanghai")
ENTERPRISE_NAME = "深圳市南山精密机械有限公司"
DESCRIPTION = (
    "加工中心主轴高速运转时出现周期性异响，振动偏大，需要数控机床维修专家到现场诊断并给出整改方案"
)

CURRENT_STATE = "主轴转速 8000 转以上时异响明显，振动值约 4.5mm/s，本月已停机两次"
DESIRED_OUTCOME = "消除异响，主轴振动降到 2.8mm/s 以内"


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


def linked(person: Craftsman, user: Any) -> Craftsman:
    Craftsman.objects.filter(pk=person.pk).update(user=user)
    return Craftsman.objects.get(pk=person.pk)


class ClaimsTestBase(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        craftsman_role = Role.objects.get(code="craftsman")
        contact_role = Role.objects.get(code="enterprise_contact")
        cls.staff = w.city_admin_a
        cls.other_staff = w.city_admin_b
        cls.task_force = make_user(
            "zhuanban", w.province, Role.objects.get(code="provincial_task_force")
        )
        cls.user_a = make_user("gj_a", w.county_a1, craftsman_role)
        cls.user_b = make_user("gj_b", w.county_b1, craftsman_role)
        cls.user_lead = make_user("gj_lead", w.county_a1, craftsman_role)
        cls.user_member = make_user("gj_member", w.county_a1, craftsman_role)
        cls.cnc_a = linked(craftsman(w.county_a1, cls.staff, name="张主轴"), cls.user_a)
        # A craftsman of the other city (广州): outside city_a's scope.
        cls.cnc_b = linked(craftsman(w.county_b1, cls.other_staff, name="李广州"), cls.user_b)
        cls.lead = linked(craftsman(w.county_a1, cls.staff, name="王领衔"), cls.user_lead)
        cls.member = linked(craftsman(w.county_a1, cls.staff, name="赵队员"), cls.user_member)
        cls.ent = enterprise(w.county_a1, name=ENTERPRISE_NAME)
        cls.boss = make_user("qy_boss", w.county_a1, contact_role)
        EnterpriseContact.objects.create(
            enterprise=cls.ent, user=cls.boss, name="钱经理", mobile="13912345678"
        )

    def new_demand(self, **data: Any) -> Demand:
        values = {
            "kind": "tech_problem",
            "title": "数控机床主轴异响",
            "description": DESCRIPTION,
            "current_state": CURRENT_STATE,
            "desired_outcome": DESIRED_OUTCOME,
        }
        values.update(data)
        return demand_services.demand_create(
            actor=self.boss, enterprise=self.ent, channel=Channel.ONLINE, submit=True, data=values
        )

    def triaged(self, **data: Any) -> Demand:
        return services.demand_triage(
            actor=self.staff,
            demand=self.new_demand(**data),
            data={"category": "tech", "grade": "b", "owner_level": "county"},
        )

    def published(self, **data: Any) -> Demand:
        demand = self.triaged(**data)
        claims.demand_publish(actor=self.staff, demand=demand)
        return Demand.objects.get(pk=demand.pk)


# ----------------------------------------------------------------------------------------------
# Publication: the quality gate, expiry, scope
# ----------------------------------------------------------------------------------------------


class PublishTests(ClaimsTestBase):
    def test_publish_lists_the_demand_with_a_30_day_expiry(self) -> None:
        demand = self.triaged()
        pub = claims.demand_publish(actor=self.staff, demand=demand, comment="欢迎认领")
        demand.refresh_from_db()
        self.assertEqual(demand.status, DemandStatus.PUBLISHED)
        self.assertEqual(demand.visibility, "anonymised")
        self.assertEqual(pub.expires_on, claims.default_expiry())
        # The four sub-scores and their total (of 20) are kept with the publication.
        report = claims.quality_check(demand)
        self.assertEqual(pub.quality_score, report.total)
        self.assertEqual(
            [
                pub.clarity_score,
                pub.completeness_score,
                pub.verification_score,
                pub.feasibility_score,
            ],
            [c.score for c in report.criteria],
        )
        self.assertGreaterEqual(pub.quality_score, 12)
        fuller = self.triaged(industry_codes=["3421"], tags=["数控维修"])
        self.assertGreater(
            claims.demand_publish(actor=self.staff, demand=fuller).completeness_score,
            pub.completeness_score,
        )
        self.assertIn(demand.pk, set(claims.listed_demands().values_list("pk", flat=True)))
        # The lifecycle table names publish as a step of 已分级 and unpublish of 已发布.
        with self.assertRaises(BusinessError) as again:
            claims.demand_publish(actor=self.staff, demand=demand)
        self.assertIn("已发布", again.exception.message)
        self.assertIn("撤下认领清单", again.exception.message)

    def assert_refused(self, demand: Demand, field: str, text: str) -> None:
        with self.assertRaises(ValidationError) as refused:
            claims.demand_publish(actor=self.staff, demand=demand)
        errors = refused.exception.message_dict
        self.assertIn(field, errors, errors)
        self.assertIn(text, "".join(errors[field]))
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.TRIAGED)
        self.assertFalse(Publication.objects.filter(demand=demand).exists())

    def test_each_quality_criterion_is_refused_with_its_message(self) -> None:
        self.assert_refused(
            self.triaged(description="主轴异响，请帮忙看看"), "description", "至少 30 个字"
        )
        cases = [
            ({"category": ""}, "category", "需求类别：请在分级受理时确定需求类别"),
            ({"region_code": ""}, "region_code", "服务地点：请填写服务地点"),
            ({"kind": ""}, "kind", "需求类型：请选择需求类型"),
        ]
        for update, field, text in cases:
            with self.subTest(field=field):
                demand = self.triaged()
                Demand.objects.filter(pk=demand.pk).update(**update)  # data from before the rules
                self.assert_refused(Demand.objects.get(pk=demand.pk), field, text)

    def test_text_naming_the_enterprise_is_refused(self) -> None:
        for text, field in (
            (f"{DESCRIPTION}，联系{ENTERPRISE_NAME}设备科", "description"),
            (f"{DESCRIPTION}（南山精密机械）", "description"),
            (f"{DESCRIPTION}，电话 13912345678", "description"),
            (f"{DESCRIPTION}，信用代码 {self.ent.uscc}", "description"),
        ):
            with self.subTest(text=text[-20:]):
                self.assert_refused(self.triaged(description=text), field, "含有企业名称")
        self.assert_refused(self.triaged(title="南山精密机械主轴异响"), "title", "需求标题")

    def test_several_failures_are_reported_together(self) -> None:
        demand = self.triaged(description="太短了")
        Demand.objects.filter(pk=demand.pk).update(category="", kind="")
        with self.assertRaises(ValidationError) as refused:
            claims.demand_publish(actor=self.staff, demand=Demand.objects.get(pk=demand.pk))
        self.assertEqual(set(refused.exception.message_dict), {"description", "category", "kind"})

    def test_expiry_must_be_a_future_date_within_90_days(self) -> None:
        demand = self.triaged()
        today = dt.date.today()
        for value, text in (
            (today, "应晚于今天"),
            (today - dt.timedelta(days=3), "应晚于今天"),
            (today + dt.timedelta(days=91), "最长发布 90 天"),
            ("2026-13-45", "格式应为"),
            (12, "格式应为"),
        ):
            with self.subTest(value=value):
                with self.assertRaises(BusinessError) as refused:
                    claims.demand_publish(actor=self.staff, demand=demand, expires_on=value)
                self.assertEqual(refused.exception.field, "expires_on")
                self.assertIn(text, refused.exception.message)
        pub = claims.demand_publish(
            actor=self.staff, demand=demand, expires_on=(today + dt.timedelta(days=7)).isoformat()
        )
        self.assertEqual(pub.expires_on, today + dt.timedelta(days=7))

    def test_only_staff_in_scope_publish_and_only_from_triaged(self) -> None:
        submitted = self.new_demand()
        with self.assertRaises(BusinessError) as refused:
            claims.demand_publish(actor=self.staff, demand=submitted)
        self.assertIn("已提交", refused.exception.message)
        self.assertIn("可进行的操作", refused.exception.message)
        demand = self.triaged()
        with self.assertRaises(PermissionDenied):
            claims.demand_publish(actor=self.user_a, demand=demand)
        with self.assertRaises(ScopeViolation):
            claims.demand_publish(actor=self.other_staff, demand=demand)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.TRIAGED)

    def test_unpublish_needs_a_reason_and_returns_to_triaged(self) -> None:
        demand = self.published()
        with self.assertRaises(BusinessError) as refused:
            claims.demand_unpublish(actor=self.staff, demand=demand, comment=" ")
        self.assertEqual(refused.exception.field, "comment")
        claims.demand_unpublish(actor=self.staff, demand=demand, comment="企业已自行解决")
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.TRIAGED)
        pub = Publication.objects.get(demand=demand)
        self.assertEqual(pub.end_reason, PublicationEnd.UNPUBLISHED)
        self.assertFalse(claims.listed_demands().filter(pk=demand.pk).exists())

    def test_expiry_by_the_tick_and_no_escalation_while_listed(self) -> None:
        with time_machine.travel(at(2025, 9, 1), tick=False) as clock:
            demand = self.published()
            pub = Publication.objects.get(demand=demand)
            self.assertEqual(pub.expires_on, dt.date(2025, 10, 1))
            # Three weeks later: well past the 10 working days of the escalation rule.
            clock.move_to(at(2025, 9, 24))
            counts = services.tick()
            self.assertNotIn("escalated", counts)
            self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.PUBLISHED)
            clock.move_to(at(2025, 10, 1, 23))  # the expiry day itself still counts
            self.assertNotIn("unpublished", services.tick())
            self.assertTrue(claims.listed_demands().filter(pk=demand.pk).exists())
            clock.move_to(at(2025, 10, 2, 0))
            self.assertFalse(claims.listed_demands().filter(pk=demand.pk).exists())
            self.assertEqual(services.tick().get("unpublished"), 1)
            self.assertNotIn("unpublished", services.tick())  # nothing twice
            demand.refresh_from_db()
            self.assertEqual(demand.status, DemandStatus.TRIAGED)
            pub.refresh_from_db()
            self.assertEqual(pub.end_reason, PublicationEnd.EXPIRED)
            self.assertTrue(
                Notification.objects.filter(recipient=self.staff, title__contains="撤下").exists()
            )
            # Claims on an expired demand are refused like on any unlisted one.
            with self.assertRaises(BusinessError) as refused:
                claims.claim_create(actor=self.user_a, demand=demand, note="我可以去")
            self.assertEqual(refused.exception.message, claims.NOT_LISTED)


# ----------------------------------------------------------------------------------------------
# The public list: anonymised, cross-unit, filterable, for those who may claim
# ----------------------------------------------------------------------------------------------


class PublicListTests(ClaimsTestBase):
    def secrets(self) -> list[str]:
        return [
            ENTERPRISE_NAME,
            self.ent.uscc,
            "钱经理",
            "13912345678",
            self.world.county_a1.name,
            self.world.city_a.name,
        ]

    def test_list_and_detail_are_anonymised_and_cross_unit(self) -> None:
        demand = self.published()
        hidden = self.triaged(title="未发布的需求不出现")
        # A craftsman of another city (广州) sees 深圳's listed demand, without the enterprise.
        self.login(self.user_b)
        for url in (
            reverse("casework:published_list"),
            reverse("casework:published_detail", args=[demand.pk]),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                self.assertIn(demand.title, html)
                self.assertNotIn(hidden.title, html)
                for secret in self.secrets():
                    self.assertNotIn(secret, html)
        self.assertEqual(
            self.client.get(reverse("casework:published_detail", args=[hidden.pk])).status_code,
            404,
        )
        api = APIClient()
        api.force_authenticate(self.user_b)
        body = api.get("/api/v1/casework/published/").content.decode()
        self.assertIn(demand.title, body)
        for secret in self.secrets():
            self.assertNotIn(secret, body)
        self.assertEqual(api.get(f"/api/v1/casework/published/{hidden.pk}/").status_code, 404)

    def test_filters_by_region_industry_and_kind(self) -> None:
        demand = self.published()
        api = APIClient()
        api.force_authenticate(self.user_a)

        def ids(**params: str) -> set[int]:
            response = api.get("/api/v1/casework/published/", params)
            self.assertEqual(response.status_code, 200, response.content)
            return {row["id"] for row in response.json()["results"]}

        self.assertIn(demand.pk, ids(region="440300"))
        self.assertNotIn(demand.pk, ids(region="440100"))
        self.assertIn(demand.pk, ids(industry="C"))  # the enterprise's 3461 is in 制造业
        self.assertNotIn(demand.pk, ids(industry="A"))
        self.assertNotIn(demand.pk, ids(kind="skill_training"))
        # No text search: the demand's search text holds the enterprise's name.
        self.assertEqual(api.get("/api/v1/casework/published/", {"q": "南山"}).status_code, 400)
        self.login(self.user_a)
        page = self.client.get(reverse("casework:published_list"), {"region": "440100"})
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(demand.title, page.content.decode())

    def test_who_may_browse(self) -> None:
        self.published()
        url = reverse("casework:published_list")
        self.assertEqual(self.client.get(url).status_code, 302)  # login first
        self.login(self.boss)  # an enterprise contact: not a claimant
        self.assertEqual(self.client.get(url).status_code, 403)
        api = APIClient()
        api.force_authenticate(self.boss)
        self.assertEqual(api.get("/api/v1/casework/published/").status_code, 403)
        self.login(self.user_a)
        self.assertEqual(self.client.get(url).status_code, 200)


# ----------------------------------------------------------------------------------------------
# Claims: approve (caps), refuse, duplicates, unpublished, lapse
# ----------------------------------------------------------------------------------------------


class ClaimTests(ClaimsTestBase):
    def test_claim_approved_becomes_an_accepted_offer(self) -> None:
        demand = self.published()
        claim = claims.claim_create(actor=self.user_b, demand=demand, note="做过十年主轴维修")
        self.assertEqual(claim.status, ClaimStatus.PENDING)
        # The owning unit (南山区) is told; its staff decide, as do the units above.
        self.assertTrue(
            Notification.objects.filter(
                recipient=self.world.county_operator, title__contains="认领待审核"
            ).exists()
        )
        other = claims.claim_create(actor=self.user_a, demand=demand, note="我也可以")
        # The other city's staff can neither see nor decide it.
        with self.assertRaises(ScopeViolation):
            claims.claim_approve(actor=self.other_staff, claim=claim)
        with self.assertRaises(PermissionDenied):
            claims.claim_approve(actor=self.user_a, claim=claim)
        offer = claims.claim_approve(actor=self.staff, claim=claim, note="就近安排")
        self.assertEqual((offer.source, offer.status), (OfferSource.CLAIM, OfferStatus.ACCEPTED))
        self.assertEqual(offer.craftsman_id, self.cnc_b.pk)
        self.assertEqual(offer.responded_by_id, self.user_b.pk)
        self.assertIsNotNone(offer.contact_deadline)
        claim.refresh_from_db()
        self.assertEqual((claim.status, claim.offer_id), (ClaimStatus.APPROVED, offer.pk))
        demand.refresh_from_db()
        self.assertEqual(demand.status, DemandStatus.IN_SERVICE)
        self.assertEqual(Publication.objects.get(demand=demand).end_reason, PublicationEnd.MOVED_ON)
        self.assertTrue(
            Notification.objects.filter(
                recipient=self.user_b, title__contains="认领已通过"
            ).exists()
        )
        # Not the misleading "please accept or decline" notice: the offer is already accepted.
        self.assertFalse(
            Notification.objects.filter(
                recipient=self.user_b, title__startswith="服务邀请"
            ).exists()
        )
        # Approving twice: one winner, a clear message for the other.
        with self.assertRaises(BusinessError) as twice:
            claims.claim_approve(actor=self.staff, claim=claim)
        self.assertIn("已通过", twice.exception.message)
        # The other pending claim can no longer be served: approving it is refused …
        with self.assertRaises(BusinessError) as late:
            claims.claim_approve(actor=self.staff, claim=other)
        self.assertIn("服务中", late.exception.message)
        self.assertEqual(Claim.objects.get(pk=other.pk).status, ClaimStatus.PENDING)
        # … and the tick lets it lapse, telling the claimant, once.
        self.assertEqual(services.tick(now=dt.datetime.now(TZ)).get("claims_lapsed"), 1)
        self.assertNotIn("claims_lapsed", services.tick(now=dt.datetime.now(TZ)))
        self.assertEqual(Claim.objects.get(pk=other.pk).status, ClaimStatus.LAPSED)
        self.assertTrue(
            Notification.objects.filter(recipient=self.user_a, title__contains="失效").exists()
        )

    def test_caps_are_checked_at_approval(self) -> None:
        Craftsman.objects.filter(pk=self.cnc_a.pk).update(max_open_services=1)
        demand = self.published()
        claim = claims.claim_create(actor=self.user_a, demand=demand, note="可以周末去")
        # Meanwhile he is assigned another demand: his one open place is taken.
        claims.offer_assign(
            actor=self.staff, demand=self.triaged(), craftsman=self.cnc_a.pk, note="急需"
        )
        with self.assertRaises(BusinessError) as refused:
            claims.claim_approve(actor=self.staff, claim=claim)
        self.assertIn("同时进行的服务已达上限", refused.exception.message)
        self.assertFalse(Offer.objects.filter(demand=demand).exists())
        self.assertEqual(Claim.objects.get(pk=claim.pk).status, ClaimStatus.PENDING)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.PUBLISHED)
        # And a new claim is refused up front, said to him.
        with self.assertRaises(BusinessError) as upfront:
            claims.claim_create(actor=self.user_a, demand=self.published(), note="再认领一个")
        self.assertIn("您同时进行的服务已达上限", upfront.exception.message)

    def test_refuse_needs_a_reason_and_tells_the_claimant(self) -> None:
        demand = self.published()
        claim = claims.claim_create(actor=self.user_a, demand=demand, note="我来")
        with self.assertRaises(BusinessError) as refused:
            claims.claim_refuse(actor=self.staff, claim=claim, reason="")
        self.assertEqual(refused.exception.field, "reason")
        claims.claim_refuse(actor=self.staff, claim=claim, reason="需要现场经验更丰富的工匠")
        claim.refresh_from_db()
        self.assertEqual(claim.status, ClaimStatus.REFUSED)
        note = Notification.objects.get(recipient=self.user_a, title__contains="未通过")
        self.assertIn("现场经验", note.body)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.PUBLISHED)
        # Refused, he may claim again (one *pending* claim per demand and claimant).
        claims.claim_create(actor=self.user_a, demand=demand, note="补充：我有现场经验")

    def test_duplicate_claim_and_bad_input(self) -> None:
        demand = self.published()
        claims.claim_create(actor=self.user_a, demand=demand, note="我来")
        with self.assertRaises(BusinessError) as dup:
            claims.claim_create(actor=self.user_a, demand=demand, note="再来一次")
        self.assertIn("已认领该需求", dup.exception.message)
        with self.assertRaises(BusinessError) as empty:
            claims.claim_create(actor=self.user_b, demand=demand, note="  ")
        self.assertEqual(empty.exception.field, "note")
        with self.assertRaises(BusinessError) as long:
            claims.claim_create(actor=self.user_b, demand=demand, note="长" * 501)
        self.assertEqual(long.exception.field, "note")
        with self.assertRaises(PermissionDenied):  # staff and enterprise contacts do not claim
            claims.claim_create(actor=self.boss, demand=demand, note="我来")
        self.assertEqual(Claim.objects.filter(demand=demand).count(), 1)

    def test_claims_on_unlisted_demands_read_the_same(self) -> None:
        triaged = self.triaged()
        for target in (triaged, triaged.pk, 999_999):
            with self.subTest(target=target):
                with self.assertRaises(BusinessError) as refused:
                    claims.claim_create(actor=self.user_a, demand=target, note="我来")
                self.assertEqual(refused.exception.message, claims.NOT_LISTED)
        cancelled = self.published()
        services.demand_cancel(actor=self.staff, demand=cancelled, comment="企业已撤销")
        with self.assertRaises(BusinessError):
            claims.claim_create(actor=self.user_a, demand=cancelled, note="我来")
        self.assertFalse(Claim.objects.exists())

    def test_withdraw_by_the_claimant_only(self) -> None:
        claim = claims.claim_create(actor=self.user_a, demand=self.published(), note="我来")
        with self.assertRaises(PermissionDenied):
            claims.claim_withdraw(actor=self.user_b, claim=claim)
        claims.claim_withdraw(actor=self.user_a, claim=claim)
        self.assertEqual(Claim.objects.get(pk=claim.pk).status, ClaimStatus.WITHDRAWN)
        with self.assertRaises(BusinessError):
            claims.claim_approve(actor=self.staff, claim=claim)

    def test_pages_claim_then_staff_approve(self) -> None:
        demand = self.published()
        self.login(self.user_a)
        url = reverse("casework:published_detail", args=[demand.pk])
        self.assertEqual(self.client.post(url, {"note": ""}).status_code, 400)
        response = self.client.post(url, {"note": "我做过同型号主轴"})
        self.assertRedirects(response, reverse("casework:my_claims"))
        mine = self.client.get(reverse("casework:my_claims")).content.decode()
        self.assertIn("待审核", mine)
        self.assertEqual(self.client.get(reverse("casework:claim_list")).status_code, 403)
        claim = Claim.objects.get(demand=demand)
        self.login(self.other_staff)
        listing = self.client.get(reverse("casework:claim_list")).content.decode()
        self.assertNotIn(demand.title, listing)
        self.client.post(reverse("casework:claim_step", args=[claim.pk, "approve"]))
        self.assertEqual(Claim.objects.get(pk=claim.pk).status, ClaimStatus.PENDING)
        self.login(self.staff)
        listing = self.client.get(reverse("casework:claim_list")).content.decode()
        self.assertIn("我做过同型号主轴", listing)
        self.client.post(reverse("casework:claim_step", args=[claim.pk, "approve"]))
        self.assertEqual(Claim.objects.get(pk=claim.pk).status, ClaimStatus.APPROVED)

    def test_api_claim_approve_and_bad_input(self) -> None:
        demand = self.published()
        api = APIClient()
        api.force_authenticate(self.user_a)
        for payload in ({}, {"demand": "x", "note": "我"}, {"demand": demand.pk}, [1, 2]):
            with self.subTest(payload=payload):
                response = api.post("/api/v1/casework/claims/", payload, format="json")
                self.assertEqual(response.status_code, 400, response.content)
        response = api.post(
            "/api/v1/casework/claims/", {"demand": demand.pk, "note": "我来"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        claim_id = response.json()["id"]
        self.assertEqual(
            api.post(f"/api/v1/casework/claims/{claim_id}/approve/", {}).status_code, 403
        )
        staff = APIClient()
        staff.force_authenticate(self.staff)
        self.assertEqual(
            staff.post(f"/api/v1/casework/claims/{claim_id}/refuse/", {}).status_code, 400
        )
        response = staff.post(f"/api/v1/casework/claims/{claim_id}/approve/", {}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"]["value"], OfferStatus.ACCEPTED)
        other = APIClient()
        other.force_authenticate(self.other_staff)
        self.assertEqual(other.get(f"/api/v1/casework/claims/{claim_id}/").status_code, 404)

    def test_api_publish_reports_each_failing_field(self) -> None:
        demand = self.triaged(description="太短")
        api = APIClient()
        api.force_authenticate(self.staff)
        quality = api.get(f"/api/v1/casework/demands/{demand.pk}/quality/").json()
        self.assertFalse(quality["passed"])
        response = api.post(f"/api/v1/casework/demands/{demand.pk}/publish/", {}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("description", response.json())
        good = self.triaged()
        response = api.post(
            f"/api/v1/casework/demands/{good.pk}/publish/",
            {"expires_on": "not-a-date"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        response = api.post(f"/api/v1/casework/demands/{good.pk}/publish/", {}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        other = APIClient()
        other.force_authenticate(self.other_staff)
        self.assertEqual(
            other.post(
                f"/api/v1/casework/demands/{good.pk}/unpublish/", {"comment": "x"}
            ).status_code,
            404,
        )


# ----------------------------------------------------------------------------------------------
# Direct requests, task-force assignment, team offers
# ----------------------------------------------------------------------------------------------


class OfferRouteTests(ClaimsTestBase):
    def test_direct_request_by_the_demand_unit(self) -> None:
        demand = self.triaged()
        Demand.objects.filter(pk=demand.pk).update(
            preferred_craftsmen=[self.cnc_a.pk, self.cnc_b.pk]
        )
        demand.refresh_from_db()
        offer = claims.offer_direct(actor=self.staff, demand=demand, craftsman_id=self.cnc_a.pk)
        self.assertEqual((offer.source, offer.status), (OfferSource.DIRECT, OfferStatus.PENDING))
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.MATCHING)
        # The other city's craftsman: refused without a name (and without a database id).
        with self.assertRaises(BusinessError) as outside:
            claims.offer_direct(actor=self.staff, demand=demand, craftsman_id=self.cnc_b.pk)
        self.assertIn("不在您的数据范围内", outside.exception.message)
        self.assertNotIn(f"ID {self.cnc_b.pk}", outside.exception.message)
        self.assertNotIn(self.cnc_b.name, outside.exception.message)
        with self.assertRaises(BusinessError) as not_named:
            claims.offer_direct(actor=self.staff, demand=demand, craftsman_id=self.lead.pk)
        self.assertIn("不在企业点名的意向名单中", not_named.exception.message)
        with self.assertRaises(BusinessError):  # twice: the open offer
            claims.offer_direct(actor=self.staff, demand=demand, craftsman_id=self.cnc_a.pk)
        # The panel names the in-scope one and only counts the other (no name, no id).
        self.login(self.staff)
        html = self.client.get(reverse("casework:claims_panel", args=[demand.pk])).content.decode()
        self.assertIn(self.cnc_a.name, html)
        self.assertNotIn(self.cnc_b.name, html)
        self.assertIn("一位劳模工匠", html)
        self.assertNotIn(f"ID {self.cnc_b.pk}", html)
        # The demand page's panel for the enterprise does not load the staff block.
        self.login(self.boss)
        html = self.client.get(reverse("casework:claims_panel", args=[demand.pk])).content.decode()
        self.assertNotIn("认领清单与指派", html)

    def test_task_force_assigns_across_units(self) -> None:
        demand = self.triaged()
        with self.assertRaises(BusinessError) as refused:  # 深圳 staff cannot reach 广州
            claims.offer_assign(actor=self.staff, demand=demand, craftsman=self.cnc_b.pk, note="x")
        self.assertNotIn(self.cnc_b.name, refused.exception.message)
        with self.assertRaises(BusinessError) as no_note:
            claims.offer_assign(
                actor=self.task_force, demand=demand, craftsman=self.cnc_b.pk, note=""
            )
        self.assertEqual(no_note.exception.field, "note")
        with self.assertRaises(BusinessError):
            claims.offer_assign(
                actor=self.task_force, demand=demand, craftsman=self.cnc_b.pk, team=1, note="x"
            )
        offer = claims.offer_assign(
            actor=self.task_force, demand=demand, craftsman=self.cnc_b.pk, note="跨市协调"
        )
        self.assertEqual(offer.source, OfferSource.ASSIGNMENT)
        self.assertIn("省总工作专班", offer.note)
        self.assertEqual(offer.craftsman_id, self.cnc_b.pk)
        services.offer_accept(actor=self.user_b, offer=offer)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.IN_SERVICE)
        # Assignment on a cancelled demand is refused with the allowed steps.
        gone = self.triaged()
        services.demand_cancel(actor=self.staff, demand=gone, comment="重复")
        with self.assertRaises(BusinessError) as final:
            claims.offer_assign(
                actor=self.task_force, demand=gone, craftsman=self.cnc_a.pk, note="x"
            )
        self.assertIn("已取消", final.exception.message)

    def team(self, *, with_lead: bool = True) -> Any:
        team = make_team(self.world.county_a1, self.staff)
        talent_services.team_add_member(actor=self.staff, team=team, craftsman=self.member)
        if with_lead:
            talent_services.team_add_member(
                actor=self.staff, team=team, craftsman=self.lead, role="lead"
            )
        team.refresh_from_db()
        return team

    def test_team_offer_answered_by_the_lead_only(self) -> None:
        team = self.team()
        Craftsman.objects.filter(pk=self.lead.pk).update(max_open_services=1)
        demand = self.triaged()
        offer = claims.offer_assign(actor=self.staff, demand=demand, team=team.pk, note="联合攻关")
        self.assertEqual((offer.team_id, offer.craftsman_id), (team.pk, None))
        with self.assertRaises(PermissionDenied):
            services.offer_accept(actor=self.user_member, offer=offer)
        with self.assertRaises(PermissionDenied):
            services.offer_decline(actor=self.user_member, offer=offer, reason="busy")
        # The lead's phone page lists it.
        self.login(self.user_lead)
        self.assertIn(demand.title, self.client.get(reverse("casework:my_offers")).content.decode())
        services.offer_accept(actor=self.user_lead, offer=offer)
        self.assertEqual(Offer.objects.get(pk=offer.pk).status, OfferStatus.ACCEPTED)
        # Team offers do not count against the lead's own cap of one.
        services.check_can_offer(self.lead, self.triaged())
        # Once declined (or accepted), the team is not offered the same demand again.
        with self.assertRaises(BusinessError):
            claims.offer_assign(actor=self.staff, demand=demand, team=team.pk, note="再次")

    def test_team_lead_claims_for_the_team(self) -> None:
        team = self.team()
        demand = self.published()
        with self.assertRaises(BusinessError) as member:
            claims.claim_create(actor=self.user_member, demand=demand, note="我们队", team=team.pk)
        self.assertEqual(member.exception.field, "team")
        claim = claims.claim_create(
            actor=self.user_lead, demand=demand, note="我们队", team=team.pk
        )
        self.assertEqual((claim.team_id, claim.craftsman_id), (team.pk, None))
        offer = claims.claim_approve(actor=self.staff, claim=claim)
        self.assertEqual((offer.team_id, offer.status), (team.pk, OfferStatus.ACCEPTED))

    def test_team_without_a_usable_lead_or_disabled_is_refused(self) -> None:
        demand = self.triaged()
        leaderless = self.team(with_lead=False)
        with self.assertRaises(BusinessError) as refused:
            claims.offer_assign(actor=self.staff, demand=demand, team=leaderless.pk, note="x")
        self.assertIn("未设领衔人", refused.exception.message)
        team = self.team()
        self.user_lead.is_active = False
        self.user_lead.save(update_fields=["is_active"])
        with self.assertRaises(BusinessError) as no_login:
            claims.offer_assign(actor=self.staff, demand=demand, team=team.pk, note="x")
        self.assertIn("没有可用的登录账号", no_login.exception.message)
        self.user_lead.is_active = True
        self.user_lead.save(update_fields=["is_active"])
        talent_services.team_set_status(actor=self.staff, team=team, status="disabled")
        with self.assertRaises(BusinessError) as disabled:
            claims.offer_assign(actor=self.staff, demand=demand, team=team.pk, note="x")
        self.assertIn("已停用", disabled.exception.message)
        self.assertFalse(Offer.objects.filter(demand=demand).exists())


# ----------------------------------------------------------------------------------------------
# Data scope of claims and publications (through the demand's unit; 仅本人: the claimant's own)
# ----------------------------------------------------------------------------------------------


def _scope_demand(unit: Any, owner: Any) -> Demand:
    from jiangqiao.demands.tests.factories import make_demand, make_enterprise

    return make_demand(make_enterprise(unit, owner), owner, status="published")


class TestClaimScope(DataScopeMatrixTests):
    model = Claim
    __test__ = True

    def make_row(self, unit: Any, owner: Any) -> Claim:
        person = craftsman(unit, self.world.superuser)
        return Claim.objects.create(
            demand=_scope_demand(unit, owner),
            craftsman=person,
            claimant=owner,
            note="认领",
            created_by=owner,
            updated_by=owner,
        )


class TestPublicationScope(DataScopeMatrixTests):
    model = Publication
    __test__ = True

    def make_row(self, unit: Any, owner: Any) -> Publication:
        return Publication.objects.create(
            demand=_scope_demand(unit, owner),
            published_at=dt.datetime.now(TZ),
            expires_on=dt.date.today() + dt.timedelta(days=30),
            created_by=owner,
            updated_by=owner,
        )
