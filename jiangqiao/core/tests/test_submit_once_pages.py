"""No duplicates from the browser on the hand-written create pages (issue 14, point 4).

The generic create view, the phone demand form and the import commit are checked in
``test_submit_once.py`` and ``demands/tests/test_double_submission.py``. Here: the pages that
render their own form — 签订结对协议, 新增荣誉, 新增联系人, 认领需求 — and the panels that post
to a creating step (指派, 人工推荐, 启动平台匹配). Replaying a POST with the same token
creates one record and answers “该表单已提交过”.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiangqiao.casework.models import Agreement, Claim
from jiangqiao.casework.tests.test_claims import ClaimsTestBase
from jiangqiao.casework.tests.test_flow import CaseWorld
from jiangqiao.core import submissions
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.demands.models import EnterpriseContact
from jiangqiao.demands.tests.test_services import Base as DemandBase
from jiangqiao.talents.models import Honour
from jiangqiao.talents.tests.helpers import make_craftsman

from .test_submit_once import said, token_of


class ReplayMixin:
    client: Any

    def replay(self, page: str, url: str, data: dict[str, Any]) -> tuple[Any, Any]:
        """GET ``page`` (its token), then POST ``data`` to ``url`` twice with that token."""
        token = token_of(self.client.get(page).content.decode())
        self.assertTrue(token, "the page carries no form_token")  # type: ignore[attr-defined]
        data = {**data, submissions.TOKEN_FIELD: token}
        return self.client.post(url, data), self.client.post(url, data)


class AgreementOnce(ReplayMixin, CaseWorld):
    def test_replayed_agreement_post_signs_once(self) -> None:
        self.client.force_login(self.staff)
        url = reverse("casework:agreement_create")
        data = {
            "title": "结对",
            "enterprise": self.ent.pk,
            "craftsman": self.cnc_b.pk,
            "scope_text": "季度培训",
            "start_on": "2026-01-01",
            "end_on": "2026-12-31",
            "review_months": 6,
        }
        first, second = self.replay(url, url, data)
        self.assertEqual(first.status_code, 302, first.content.decode()[:400])
        row = Agreement.objects.get()
        self.assertRedirects(second, row.get_absolute_url(), fetch_redirect_response=False)
        self.assertIn(submissions.REPLAYED_MESSAGE, said(second))
        self.assertEqual(Agreement.objects.count(), 1)


class HonourOnce(ReplayMixin, WorldTestCase):
    def test_replayed_honour_post_adds_once(self) -> None:
        user = self.world.city_admin_a
        craftsman = make_craftsman(self.world.county_a1, user)
        self.login(user)
        url = reverse("talents:honour_create", args=[craftsman.pk])
        data = {"honour_type": "national_model_worker", "level": "national", "year": 2020}
        first, second = self.replay(url, url, data)
        self.assertEqual(first.status_code, 302, first.content.decode()[:400])
        self.assertEqual(second.status_code, 302)
        self.assertIn(submissions.REPLAYED_MESSAGE, said(second))
        self.assertEqual(Honour.objects.filter(craftsman=craftsman).count(), 1)
        # The edit page is not a creation: no token, and it saves as before.
        honour = Honour.objects.get(craftsman=craftsman)
        edit = reverse("talents:honour_edit", args=[craftsman.pk, honour.pk])
        self.assertEqual(token_of(self.client.get(edit).content.decode()), "")


class ContactOnce(ReplayMixin, DemandBase):
    __test__ = True

    def test_replayed_contact_post_adds_once(self) -> None:
        self.login(self.staff_a1)
        url = reverse("demands:enterprise_contact_add", args=[self.enterprise.pk])
        first, second = self.replay(url, url, {"name": "李联络", "mobile": "13800138000"})
        self.assertEqual(first.status_code, 302, first.content.decode()[:400])
        self.assertRedirects(
            second, self.enterprise.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertEqual(EnterpriseContact.objects.filter(name="李联络").count(), 1)


class ClaimOnce(ReplayMixin, ClaimsTestBase):
    def test_replayed_claim_post_claims_once(self) -> None:
        demand = self.published()
        self.login(self.user_a)
        url = reverse("casework:published_detail", args=[demand.pk])
        first, second = self.replay(url, url, {"note": "我做过同型号主轴"})
        self.assertRedirects(first, reverse("casework:my_claims"), fetch_redirect_response=False)
        self.assertRedirects(second, reverse("casework:my_claims"), fetch_redirect_response=False)
        self.assertIn(submissions.REPLAYED_MESSAGE, said(second))
        self.assertEqual(Claim.objects.filter(demand=demand).count(), 1)
