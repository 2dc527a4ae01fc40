"""Consents are enforced (PIPL art. 14, 15, 23): a craftsman without 公开展示个人档案 is never
used in matching, one without 向服务对象企业提供联系方式 is never invited; a withdrawal counts
at once, is audited, and ends what depended on it through the owning apps' services."""

from __future__ import annotations

from django.urls import reverse

from jiangqiao.casework import claims
from jiangqiao.casework.choices import OfferStatus
from jiangqiao.casework.models import Offer
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.matching import services as matching_services
from jiangqiao.matching.choices import SuggestionStatus
from jiangqiao.matching.evidence import load_craftsmen
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.matching.selectors import demand_ranking, matchlist_lines
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Consent
from jiangqiao.talents.selectors import matchable_craftsmen

from .helpers import PrivacyWorld


class MatchingNeedsTheConsentTests(PrivacyWorld):
    def ranked(self, demand) -> set[int]:
        return {r.craftsman_id for r in demand_ranking(user=self.staff, demand=demand, top=10)}

    def test_withdrawn_consent_drops_out_of_suggestions_at_once(self) -> None:
        demand = self.new_demand()
        self.assertEqual(self.ranked(demand), {self.a.pk, self.b.pk})  # the index is built now
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="profile_publication"
        )
        # Not suggested, not in 平台匹配's pool, not in 清单匹配 — without rebuilding the index.
        self.assertEqual(self.ranked(demand), {self.b.pk})
        self.assertNotIn(self.a.pk, {r.pk for r in load_craftsmen()})
        self.assertNotIn(self.a.pk, set(matchable_craftsmen().values_list("pk", flat=True)))
        owners = {
            i.craftsman_id
            for line in matchlist_lines(user=self.staff, demands=[demand])
            for i in line.items
        }
        self.assertNotIn(self.a.pk, owners)
        self.assertIn(self.b.pk, owners)

    def test_results_are_filtered_at_query_time_even_on_a_stale_index(self) -> None:
        # A shared index another process synced before the withdrawal still holds him: the
        # ranking reads consents when it answers.
        from jiangqiao.matching.indexing import HOLDER
        from jiangqiao.matching.selectors import rank_demand

        demand = self.new_demand()
        self.ranked(demand)
        stale = HOLDER.peek()
        self.assertIn(self.a.pk, stale.stamps)
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="profile_publication"
        )
        self.assertIn(self.a.pk, stale.stamps)  # not synced yet
        with HOLDER.lock:
            ranked = rank_demand(
                demand, state=stale, vector=None, top=10, visible=None, exclude=set()
            )
        self.assertEqual({r.craftsman_id for r in ranked}, {self.b.pk})

    def test_refresh_lapses_open_proposals_and_never_stores_the_craftsman(self) -> None:
        demand = self.new_demand()
        stored = matching_services.suggestions_refresh(actor=self.staff, demand=demand)
        self.assertIn(self.a.pk, {s.craftsman_id for s in stored})
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="profile_publication"
        )
        row = MatchSuggestion.objects.get(demand=demand, craftsman=self.a)
        self.assertEqual(row.status, SuggestionStatus.SUPERSEDED)
        again = matching_services.suggestions_refresh(actor=self.staff, demand=demand)
        self.assertNotIn(self.a.pk, {s.craftsman_id for s in again})

    def test_manual_suggestion_of_a_craftsman_without_consent_is_refused(self) -> None:
        demand = self.new_demand()
        talent_services.consent_withdraw(
            actor=self.staff, craftsman=self.a, purpose="profile_publication", reason="本人电话申请"
        )
        with self.assertRaises(BusinessError) as refused:
            matching_services.suggestion_add_manual(
                actor=self.staff, demand=demand, craftsman=self.a
            )
        self.assertIn("未同意“公开展示个人档案”", refused.exception.message)
        self.assertIn("不能用于匹配推荐", refused.exception.message)
        self.assertFalse(MatchSuggestion.objects.filter(demand=demand, craftsman=self.a).exists())


class ContactNeedsTheConsentTests(PrivacyWorld):
    def test_no_offer_without_the_contact_consent_and_nothing_saved(self) -> None:
        demand = self.new_demand()
        suggestion = matching_services.suggestion_add_manual(
            actor=self.staff, demand=demand, craftsman=self.a
        )
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="contact_sharing"
        )
        with self.assertRaises(BusinessError) as refused:
            matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
        message = refused.exception.message
        self.assertIn("劳模工匠“张主轴”未同意“向服务对象企业提供联系方式”", message)
        self.assertIn("不能向其发出服务邀请", message)
        self.assertFalse(Offer.objects.filter(craftsman=self.a).exists())
        self.assertEqual(
            MatchSuggestion.objects.get(pk=suggestion.pk).status, SuggestionStatus.PROPOSED
        )

    def test_direct_offer_page_shows_the_reason_to_staff(self) -> None:
        demand = self.new_demand()
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="contact_sharing"
        )
        suggestion = matching_services.suggestion_add_manual(
            actor=self.staff, demand=demand, craftsman=self.a
        )
        self.client.force_login(self.staff)
        response = self.client.post(
            reverse("matching:suggestion_confirm", args=[suggestion.pk]),
            {"reason": ""},
            follow=True,
        )
        self.assertContains(response, "未同意“向服务对象企业提供联系方式”")
        self.assertFalse(Offer.objects.filter(craftsman=self.a).exists())

    def test_withdrawal_ends_pending_offers_and_is_audited(self) -> None:
        demand = self.new_demand()
        suggestion = matching_services.suggestion_add_manual(
            actor=self.staff, demand=demand, craftsman=self.a
        )
        matching_services.suggestion_confirm(actor=self.staff, suggestion=suggestion)
        offer = Offer.objects.get(craftsman=self.a, demand=demand)
        self.assertEqual(offer.status, OfferStatus.PENDING)
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="contact_sharing"
        )
        offer.refresh_from_db()
        self.assertEqual(offer.status, OfferStatus.WITHDRAWN)
        self.assertIn("撤回了个人信息授权", offer.note)
        self.assertEqual(
            MatchSuggestion.objects.get(pk=suggestion.pk).status, SuggestionStatus.SUPERSEDED
        )
        log = OperationLog.objects.filter(action__contains="撤回同意", target_id=str(self.a.pk))
        self.assertEqual(log.count(), 1)
        self.assertEqual(log.get().user_id, self.user_a.pk)
        self.assertTrue(
            OperationLog.objects.filter(action__contains="自动撤回待答复邀请 1 项").exists()
        )
        # The consent row stays as history, withdrawn.
        row = Consent.objects.get(craftsman=self.a, purpose="contact_sharing")
        self.assertIsNotNone(row.withdrawn_at)

    def test_direct_invitation_is_refused_too(self) -> None:
        demand = self.new_demand()
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="contact_sharing"
        )
        demand.preferred_craftsmen = [self.a.pk]
        demand.save(update_fields=["preferred_craftsmen"])
        with self.assertRaises(BusinessError) as refused:
            claims.offer_direct(actor=self.staff, demand=demand, craftsman_id=self.a.pk)
        self.assertIn("未同意", refused.exception.message)
        self.assertFalse(Offer.objects.filter(craftsman=self.a).exists())

    def test_team_invitation_needs_the_leads_consent(self) -> None:
        from jiangqiao.talents.tests.helpers import make_team

        demand = self.new_demand()
        team = make_team(self.world.county_a1, self.world.city_admin_a, name="南山主轴服务队")
        talent_services.team_add_member(actor=self.world.city_admin_a, team=team, craftsman=self.a)
        talent_services.team_set_lead(actor=self.world.city_admin_a, team=team, craftsman=self.a)
        talent_services.consent_withdraw(
            actor=self.user_a, craftsman=self.a, purpose="contact_sharing"
        )
        with self.assertRaises(BusinessError) as refused:
            claims.offer_assign(actor=self.staff, demand=demand, team=team, note="请服务队上门")
        self.assertIn("服务队“南山主轴服务队”的领衔人“张主轴”未同意", refused.exception.message)
        self.assertFalse(Offer.objects.filter(team=team).exists())


class WithdrawalRulesTests(PrivacyWorld):
    def test_staff_must_give_a_reason_and_nothing_changes_without_one(self) -> None:
        with self.assertRaises(BusinessError) as refused:
            talent_services.consent_withdraw(
                actor=self.staff, craftsman=self.a, purpose="contact_sharing", reason="  "
            )
        self.assertIn("【撤回原因】", refused.exception.message)
        self.assertTrue(
            Consent.objects.filter(
                craftsman=self.a, purpose="contact_sharing", withdrawn_at__isnull=True
            ).exists()
        )

    def test_staff_of_another_unit_cannot_withdraw(self) -> None:
        with self.assertRaises(ScopeViolation):
            talent_services.consent_withdraw(
                actor=self.other_staff, craftsman=self.a, purpose="contact_sharing", reason="x"
            )
        self.assertTrue(
            Consent.objects.filter(
                craftsman=self.a, purpose="contact_sharing", withdrawn_at__isnull=True
            ).exists()
        )

    def test_staff_withdrawal_records_the_reason(self) -> None:
        talent_services.consent_withdraw(
            actor=self.staff, craftsman=self.a, purpose="contact_sharing", reason="本人书面申请"
        )
        log = OperationLog.objects.get(action__contains="撤回同意", target_id=str(self.a.pk))
        self.assertIn("工作人员代为撤回", log.action)
        self.assertEqual(log.user_id, self.staff.pk)
        self.assertIn("本人书面申请", str(log.params))

    def test_the_craftsman_withdraws_from_his_phone_page(self) -> None:
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("privacy:me"))
        self.assertContains(page, 'data-withdraw="profile_publication"')
        response = self.client.post(
            reverse("privacy:my_consent", args=["profile_publication", "withdraw"]), follow=True
        )
        self.assertContains(response, "即时生效")
        self.assertNotIn(self.a.pk, set(matchable_craftsmen().values_list("pk", flat=True)))
        # Another craftsman's consent is never touched by this page (it acts on his own only).
        self.assertIn(self.b.pk, set(matchable_craftsmen().values_list("pk", flat=True)))
