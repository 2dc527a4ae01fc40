"""Staff merge duplicate demands (issue 18 point 4): ``services.demand_merge``, the ``merge`` step
of the lifecycle, the merge page, and both numbers resolving to the survivor.

Attacks first: another unit's staff neither sees nor merges; demands of two enterprises are never
merged; a contact cannot merge.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.casework import claims, kpi, lifecycle, services
from jiangqiao.casework.choices import OfferStatus
from jiangqiao.casework.choices_claims import ClaimStatus, PublicationEnd
from jiangqiao.casework.models import Claim, Offer, Publication
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, Notification, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.demands.choices import NOT_COLLECTED, DemandStatus
from jiangqiao.demands.models import Demand, DemandEvent
from jiangqiao.matching.tests.helpers import enterprise

from .test_claims import ClaimsTestBase

AGAIN = {
    "title": "加工中心主轴噪音大",
    "description": "加工中心主轴转速升高后有周期性噪声，振动大，请数控维修专家现场诊断整改。",
}


class MergeTestBase(ClaimsTestBase):
    def pair(self, **again: Any) -> tuple[Demand, Demand]:
        first = self.new_demand()
        second = self.new_demand(**{**AGAIN, **again})
        return first, second

    def merge(self, demand: Demand, survivor: Demand, actor: Any = None, **kw: Any) -> Demand:
        return services.demand_merge(
            actor=actor or self.staff, demand=demand, survivor=survivor, **kw
        )


class MergeAttacks(MergeTestBase):
    def test_another_units_staff_neither_sees_nor_merges(self) -> None:
        first, second = self.pair()
        self.login(self.other_staff)
        self.assertEqual(
            self.client.get(reverse("casework:demand_merge", args=[second.pk])).status_code, 404
        )
        response = self.client.post(
            reverse("casework:demand_merge", args=[second.pk]), {"survivor": first.pk}
        )
        self.assertEqual(response.status_code, 404)
        with self.assertRaises(ScopeViolation):
            self.merge(second, first, actor=self.other_staff)
        second.refresh_from_db()
        self.assertEqual(second.status, DemandStatus.SUBMITTED)
        self.assertIsNone(second.merged_into_id)

    def test_a_survivor_out_of_scope_reads_like_a_missing_one(self) -> None:
        _first, second = self.pair()
        foreign_ent = enterprise(self.world.county_b1, name="广州某某电子有限公司")
        foreign = Demand.objects.create(
            org=foreign_ent.org,
            enterprise=foreign_ent,
            kind="tech_problem",
            title="广州的需求",
            description="广州的需求描述",
            region_code=foreign_ent.region_code,
        )
        with self.assertRaises(BusinessError) as ctx:
            self.merge(second, foreign)
        self.assertEqual(ctx.exception.message, "保留的需求：不存在或不在您的数据范围内")
        self.assertNotIn(foreign_ent.name, ctx.exception.message)

    def test_demands_of_two_enterprises_are_never_merged(self) -> None:
        first = self.new_demand()
        other_ent = enterprise(self.world.county_a1, name="南山另一家企业有限公司")
        other = Demand.objects.create(
            org=other_ent.org,
            enterprise=other_ent,
            kind="tech_problem",
            title=AGAIN["title"],
            description=AGAIN["description"],
            region_code=other_ent.region_code,
        )
        with self.assertRaises(BusinessError) as ctx:
            self.merge(other, first)
        self.assertIn("不属于同一企业", ctx.exception.message)
        self.assertTrue(ctx.exception.message.startswith("保留的需求："))
        self.assertEqual(Demand.objects.get(pk=other.pk).status, DemandStatus.DRAFT)
        # The merge page never offers another enterprise's demand.
        self.login(self.staff)
        page = self.client.get(reverse("casework:demand_merge", args=[other.pk])).content.decode()
        self.assertNotIn(first.title, page)

    def test_an_enterprise_contact_cannot_merge(self) -> None:
        first, second = self.pair()
        with self.assertRaises(PermissionDenied):
            self.merge(second, first, actor=self.boss)
        self.login(self.boss)
        url = reverse("casework:demand_merge", args=[second.pk])
        self.assertEqual(self.client.post(url, {"survivor": first.pk}).status_code, 403)

    def test_a_demand_in_service_a_final_survivor_and_itself_are_refused(self) -> None:
        first, second = self.pair()
        with self.assertRaises(BusinessError) as ctx:
            self.merge(second, second)
        self.assertEqual(ctx.exception.field, "survivor")
        services.demand_cancel(actor=self.staff, demand=first, comment="企业已自行解决")
        with self.assertRaises(BusinessError) as ctx:
            self.merge(second, first)
        self.assertIn("已取消", ctx.exception.message)
        self.assertNotIn("merge", [s.action for s in lifecycle.steps_from(DemandStatus.IN_SERVICE)])


class MergeKeepsHistory(MergeTestBase):
    def test_merge_ends_the_duplicate_and_keeps_both_histories(self) -> None:
        first, second = self.pair()
        merged = self.merge(second, first, comment="企业重复提交")
        self.assertEqual(merged.status, DemandStatus.MERGED)
        self.assertEqual(merged.merged_into_id, first.pk)
        self.assertIn(DemandStatus.MERGED, lifecycle.FINAL_STATES)
        on_merged = DemandEvent.objects.filter(demand=second).order_by("pk").last()
        assert on_merged is not None
        self.assertEqual(on_merged.to_status, DemandStatus.MERGED)
        self.assertIn(first.number, on_merged.comment)
        on_survivor = DemandEvent.objects.filter(demand=first).order_by("pk").last()
        assert on_survivor is not None
        self.assertIn(second.number, on_survivor.comment)
        self.assertEqual(on_survivor.to_status, first.status)
        for demand in (first, second):
            self.assertTrue(
                ChangeLog.objects.filter(
                    object_id=str(demand.pk), message__contains="合并"
                ).exists()
            )
            self.assertTrue(
                OperationLog.objects.filter(
                    target_id=str(demand.pk), action__contains="合并"
                ).exists()
            )
        # The enterprise is told.
        self.assertTrue(
            Notification.objects.filter(
                recipient=self.boss, title__contains="作为重复需求合并"
            ).exists()
        )
        # A merged demand takes no further step.
        with self.assertRaises(BusinessError):
            services.demand_withdraw(actor=self.boss, demand=merged)

    def test_open_offers_publication_and_claims_are_ended_by_their_owners(self) -> None:
        first = self.new_demand()
        listed = self.published(**AGAIN)
        claim = claims.claim_create(actor=self.user_a, demand=listed, note="我做过主轴维修")
        self.merge(listed, first)
        claim.refresh_from_db()
        self.assertEqual(claim.status, ClaimStatus.LAPSED)
        pub = Publication.objects.get(demand=listed)
        self.assertEqual(pub.end_reason, PublicationEnd.MERGED)
        self.assertIsNotNone(pub.ended_at)
        self.assertTrue(
            Notification.objects.filter(
                recipient=self.user_a, title__contains="认领已失效"
            ).exists()
        )
        # An offer sent to a craftsman: withdrawn, and he is told.
        matching = self.triaged(title="主轴噪声问题")
        # The enterprise named the craftsman (as test_claims does: not a status write).
        Demand.objects.filter(pk=matching.pk).update(preferred_craftsmen=[self.cnc_a.pk])
        matching.refresh_from_db()
        offer = claims.offer_direct(actor=self.staff, demand=matching, craftsman_id=self.cnc_a.pk)
        self.assertEqual(Demand.objects.get(pk=matching.pk).status, DemandStatus.MATCHING)
        self.merge(matching, first)
        offer.refresh_from_db()
        self.assertEqual(offer.status, OfferStatus.WITHDRAWN)
        self.assertFalse(Demand.objects.get(pk=matching.pk).has_open_offer)
        self.assertEqual(Claim.objects.filter(demand=listed, status=ClaimStatus.PENDING).count(), 0)
        self.assertEqual(
            Offer.objects.filter(demand=matching, status=OfferStatus.PENDING).count(), 0
        )

    def test_a_chain_of_merges_points_to_the_last_survivor(self) -> None:
        first, second = self.pair()
        third = self.new_demand(title="主轴异响又来了", description="主轴又有异响")
        self.merge(third, second)
        self.merge(second, first)
        self.assertEqual(Demand.objects.get(pk=third.pk).merged_into_id, first.pk)


class BothNumbersResolve(MergeTestBase):
    def test_the_merged_number_finds_the_survivor_by_url_search_and_api(self) -> None:
        first, second = self.pair()
        self.merge(second, first)
        assert second.number is not None and first.number is not None
        for user in (self.staff, self.boss):
            self.login(user)
            page = self.client.get(second.get_absolute_url()).content.decode()
            self.assertIn('id="merged-into"', page)
            self.assertIn(first.get_absolute_url(), page)
            self.assertIn(first.number, page)
            survivor_page = self.client.get(first.get_absolute_url()).content.decode()
            self.assertIn(second.number, survivor_page)
            listing = self.client.get(reverse("demands:demand_list"), {"q": second.number})
            self.assertIn(first.title, listing.content.decode())
        api = APIClient()
        api.force_authenticate(self.staff)
        rows = api.get("/api/v1/demands/demands/", {"q": second.number}).json()["results"]
        numbers = {row["number"] for row in rows}
        self.assertIn(first.number, numbers)
        merged_row = next(row for row in rows if row["number"] == second.number)
        self.assertEqual(merged_row["merged_into"], first.number)
        self.assertEqual(
            merged_row["status"]["value"]
            if isinstance(merged_row["status"], dict)
            else merged_row["status"],
            DemandStatus.MERGED,
        )

    def test_the_merge_page_merges_and_opens_the_survivor(self) -> None:
        first, second = self.pair()
        self.login(self.staff)
        url = reverse("casework:demand_merge", args=[second.pk])
        page = self.client.get(url).content.decode()
        self.assertIn(first.number, page)
        self.assertIn('type="radio"', page)
        response = self.client.post(url, {"survivor": "", "comment": ""})
        self.assertEqual(response.status_code, 400)
        self.assertIn("合并后保留的需求：请选择", response.content.decode())
        response = self.client.post(url, {"survivor": first.pk, "comment": "重复提交"})
        self.assertRedirects(response, first.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(Demand.objects.get(pk=second.pk).status, DemandStatus.MERGED)


class KpisCountOnce(MergeTestBase):
    def test_a_merged_demand_is_collected_once(self) -> None:
        first, second = self.pair()
        today = timezone.localdate()
        span = {"start": today - dt.timedelta(days=1), "end": today + dt.timedelta(days=1)}
        org = self.world.county_a1
        before = kpi.national_figures(user=self.staff, org=org, **span)["demands_collected"]
        self.merge(second, first)
        after = kpi.national_figures(user=self.staff, org=org, **span)["demands_collected"]
        self.assertEqual(after, before - 1)
        self.assertIn(DemandStatus.MERGED, NOT_COLLECTED)
