"""推荐工匠 on a demand: computed with explanations, decided by a person, scoped, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import EnterpriseContact
from jiangqiao.matching import services
from jiangqiao.matching.engine import DEFAULT
from jiangqiao.matching.models import DeclaredConflict, MatchSuggestion
from jiangqiao.talents import services as talent_services

from .helpers import craftsman, enterprise, open_demand

HTMX = {"HX-Request": "true"}


class SuggestionTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.cnc = craftsman(
            w.county_a1,
            w.city_admin_a,
            expertise="数控机床故障诊断与主轴维修",
            items=["主轴异响诊断", "数控系统维修"],
        )
        cls.welder = craftsman(
            w.county_a1, w.city_admin_a, expertise="焊接变形控制", items=["焊接工艺评定"]
        )
        cls.far = craftsman(
            w.county_b1,
            w.city_admin_b,
            expertise="数控机床主轴异响诊断",
            items=["主轴异响诊断"],
        )
        cls.ent = enterprise(w.county_a1)
        cls.demand = open_demand(w.county_a1, w.city_admin_a, ent=cls.ent)
        cls.other_county = open_demand(
            w.county_a2,
            w.city_admin_a,
            title="宝安数控车床精度恢复",
            description="数控车床精度下降",
        )

    def panel(self, user: Any, demand: Any = None) -> Any:
        self.login(user)
        url = reverse("matching:demand_suggestions", args=[(demand or self.demand).pk])
        return self.client.get(url, headers=HTMX)

    def suggestions(self, demand: Any = None) -> list[MatchSuggestion]:
        return list(
            MatchSuggestion.objects.filter(demand=demand or self.demand).order_by("rank", "pk")
        )

    # ---------------------------------------------------------------- computing and showing

    def test_panel_computes_and_shows_explained_suggestions(self) -> None:
        response = self.panel(self.world.city_admin_a)
        self.assertEqual(response.status_code, 200)
        rows = self.suggestions()
        self.assertEqual(rows[0].craftsman_id, self.cnc.pk)
        self.assertEqual(rows[0].fusion_version, DEFAULT.version)
        self.assertEqual(rows[0].source, "recommend")
        self.assertEqual(rows[0].status, "proposed")
        self.assertTrue(rows[0].why["summary"])
        self.assertEqual(rows[0].why["fusion_version"], DEFAULT.version)
        total = sum(c["contribution"] for c in rows[0].why["contributions"])
        self.assertAlmostEqual(total, rows[0].score, places=2)
        html = response.content.decode()
        self.assertIn("推荐工匠", html)
        self.assertIn(self.cnc.name, html)
        self.assertIn(rows[0].why["summary"][0], html)
        self.assertIn("各信号的贡献", html)
        self.assertIn("确认", html)
        self.assertIn("拒绝理由", html)
        self.assertIn(reverse("talents:craftsman_list"), html)
        self.assertIn(DEFAULT.version, html)

    def test_only_craftsmen_within_the_users_scope_are_suggested(self) -> None:
        self.panel(self.world.city_admin_a)
        self.assertNotIn(self.far.pk, {s.craftsman_id for s in self.suggestions()})

    def test_demand_page_links_the_panel(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.client.get(self.demand.get_absolute_url()).content.decode()
        self.assertIn(reverse("matching:demand_suggestions", args=[self.demand.pk]), html)
        self.assertIn('id="match-suggestions"', html)

    def test_panel_without_htmx_redirects_to_the_demand(self) -> None:
        self.login(self.world.city_admin_a)
        url = reverse("matching:demand_suggestions", args=[self.demand.pk])
        response = self.client.get(url)
        self.assertRedirects(response, self.demand.get_absolute_url() + "#match-suggestions")

    def test_second_view_does_not_recompute_until_the_demand_changes(self) -> None:
        self.panel(self.world.city_admin_a)
        first = OperationLog.objects.filter(module="供需匹配").count()
        self.panel(self.world.city_admin_a)
        self.assertEqual(OperationLog.objects.filter(module="供需匹配").count(), first)
        demand_services.demand_update(
            actor=self.world.city_admin_a,
            demand=self.demand,
            data={"title": "焊接变形控制", "description": "焊接件变形，需要焊接专家"},
        )
        self.panel(self.world.city_admin_a)
        rows = {s.craftsman_id: s for s in self.suggestions()}
        self.assertEqual(
            min(rows.values(), key=lambda s: s.rank or 99).craftsman_id, self.welder.pk
        )

    def test_county_staff_sees_his_county_only(self) -> None:
        self.panel(self.world.city_admin_a)
        self.panel(self.world.city_admin_a, self.other_county)
        operator = self.world.county_operator
        self.assertEqual(self.panel(operator).status_code, 200)
        self.assertEqual(self.panel(operator, self.other_county).status_code, 404)
        listed = self.client.get(reverse("matching:matchsuggestion_list"), {"per_page": 200})
        self.assertContains(listed, self.demand.title)
        self.assertNotContains(listed, self.other_county.title)
        api = APIClient()
        api.force_authenticate(operator)
        ids = {
            row["demand"]
            for row in api.get("/api/v1/matching/suggestions/", {"page_size": 200}).json()[
                "results"
            ]
        }
        self.assertEqual(ids, {self.demand.pk})

    def test_enterprise_contact_and_craftsman_get_no_suggestions(self) -> None:
        contact = make_user(
            "ent_contact_m", self.world.county_a1, Role.objects.get(code="enterprise_contact")
        )
        EnterpriseContact.objects.create(enterprise=self.ent, user=contact, name="联系人")
        self.login(contact)
        self.assertEqual(self.client.get(self.demand.get_absolute_url()).status_code, 200)
        self.assertNotIn(
            "match-suggestions", self.client.get(self.demand.get_absolute_url()).content.decode()
        )
        self.assertEqual(self.panel(contact).status_code, 403)
        person = make_user("craftsman_m", self.world.county_a1, Role.objects.get(code="craftsman"))
        self.assertEqual(self.panel(person).status_code, 403)
        for user in (contact, person):
            api = APIClient()
            api.force_authenticate(user)
            self.assertEqual(api.get("/api/v1/matching/suggestions/").status_code, 403)

    # ---------------------------------------------------------------- decisions

    def test_confirm_writes_change_log_and_operation_log(self) -> None:
        self.panel(self.world.city_admin_a)
        top = self.suggestions()[0]
        response = self.client.post(
            reverse("matching:suggestion_confirm", args=[top.pk]), headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "已确认")
        top.refresh_from_db()
        self.assertEqual(top.status, "confirmed")
        self.assertEqual(top.decided_by, self.world.city_admin_a)
        self.assertIsNotNone(top.decided_at)
        log = ChangeLog.objects.get(
            content_type=ContentType.objects.get_for_model(MatchSuggestion),
            object_id=str(top.pk),
            action="update",
        )
        self.assertEqual(log.user, self.world.city_admin_a)
        self.assertEqual(log.org_id, self.world.county_a1.pk)
        self.assertEqual(log.prechange_data["status"], "proposed")
        self.assertEqual(log.postchange_data["status"], "confirmed")
        self.assertTrue(
            OperationLog.objects.filter(business_type="confirm", target_id=str(top.pk)).exists()
        )

    def test_reject_needs_a_reason(self) -> None:
        self.panel(self.world.city_admin_a)
        top = self.suggestions()[0]
        url = reverse("matching:suggestion_reject", args=[top.pk])
        response = self.client.post(url, {"reason": "  "}, headers=HTMX)
        self.assertContains(response, "拒绝理由：请填写")
        top.refresh_from_db()
        self.assertEqual(top.status, "proposed")
        self.client.post(url, {"reason": "距离太远"}, headers=HTMX)
        top.refresh_from_db()
        self.assertEqual((top.status, top.reason), ("rejected", "距离太远"))

    def test_a_second_decision_on_the_same_suggestion_is_refused(self) -> None:
        self.panel(self.world.city_admin_a)
        top = self.suggestions()[0]
        services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=top)
        stale = MatchSuggestion.objects.get(pk=top.pk)
        stale.status = "proposed"  # what the second person's page still shows
        with self.assertRaisesMessage(BusinessError, "当前状态为“已确认”"):
            services.suggestion_reject(
                actor=self.world.province_admin, suggestion=stale, reason="重复"
            )
        response = self.client.post(
            reverse("matching:suggestion_confirm", args=[top.pk]), headers=HTMX
        )
        self.assertContains(response, "可能已被他人处理")
        self.assertEqual(
            ChangeLog.objects.filter(
                content_type=ContentType.objects.get_for_model(MatchSuggestion),
                object_id=str(top.pk),
            ).count(),
            1,
        )

    def test_rejected_craftsmen_are_not_suggested_again(self) -> None:
        self.panel(self.world.city_admin_a)
        top = self.suggestions()[0]
        services.suggestion_reject(actor=self.world.city_admin_a, suggestion=top, reason="不合适")
        services.suggestions_refresh(actor=self.world.city_admin_a, demand=self.demand)
        top.refresh_from_db()
        self.assertEqual(top.status, "rejected")
        open_ids = {s.craftsman_id for s in self.suggestions() if s.status == "proposed"}
        self.assertNotIn(top.craftsman_id, open_ids)

    def test_confirm_respects_capacity(self) -> None:
        talent_services.craftsman_update(
            actor=self.world.city_admin_a, craftsman=self.cnc, data={"max_open_services": 1}
        )
        second = open_demand(self.world.county_a1, self.world.city_admin_a)
        first = services.suggestion_add_manual(
            actor=self.world.city_admin_a, demand=self.demand, craftsman=self.cnc
        )
        services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=first)
        other = services.suggestion_add_manual(
            actor=self.world.city_admin_a, demand=second, craftsman=self.cnc
        )
        with self.assertRaisesMessage(BusinessError, "同时进行的服务已达上限"):
            services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=other)
        # and the full craftsman is no longer suggested for new demands
        rows = services.suggestions_refresh(actor=self.world.city_admin_a, demand=second)
        self.assertNotIn(self.cnc.pk, {s.craftsman_id for s in rows if s.pk != other.pk})

    def test_declared_conflict_excludes_and_blocks_confirmation(self) -> None:
        manual = services.suggestion_add_manual(
            actor=self.world.city_admin_a, demand=self.demand, craftsman=self.cnc
        )
        services.conflict_create(
            actor=self.world.city_admin_a,
            craftsman=self.cnc,
            enterprise=self.ent,
            reason="配偶在该企业任职",
        )
        with self.assertRaisesMessage(BusinessError, "已申报与"):
            services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=manual)
        rows = services.suggestions_refresh(actor=self.world.city_admin_a, demand=self.demand)
        self.assertNotIn(self.cnc.pk, {s.craftsman_id for s in rows})
        self.assertTrue(DeclaredConflict.objects.filter(craftsman=self.cnc).exists())

    def test_same_employer_is_never_suggested(self) -> None:
        talent_services.craftsman_update(
            actor=self.world.city_admin_a, craftsman=self.cnc, data={"employer_uscc": self.ent.uscc}
        )
        rows = services.suggestions_refresh(actor=self.world.city_admin_a, demand=self.demand)
        self.assertNotIn(self.cnc.pk, {s.craftsman_id for s in rows})

    def test_manual_suggestion_and_decline(self) -> None:
        self.login(self.world.city_admin_a)
        url = reverse("matching:demand_suggestion_add", args=[self.demand.pk])
        response = self.client.post(
            url, {"craftsman": self.welder.pk, "reason": "企业点名"}, headers=HTMX
        )
        self.assertContains(response, "已添加人工推荐")
        row = MatchSuggestion.objects.get(demand=self.demand, craftsman=self.welder)
        self.assertEqual((row.source, row.status), ("manual", "proposed"))
        again = self.client.post(url, {"craftsman": self.welder.pk}, headers=HTMX)
        self.assertContains(again, "已在本需求的匹配建议中")
        hidden = self.client.post(url, {"craftsman": self.far.pk}, headers=HTMX)
        self.assertContains(hidden, "不在您的数据范围内")
        services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=row)
        decline = reverse("matching:suggestion_decline", args=[row.pk])
        self.client.post(decline, {"reason": "近期出差"}, headers=HTMX)
        row.refresh_from_db()
        self.assertEqual(row.status, "declined")

    def test_decisions_without_htmx_redirect_back(self) -> None:
        self.panel(self.world.city_admin_a)
        top = self.suggestions()[0]
        response = self.client.post(
            reverse("matching:suggestion_reject", args=[top.pk]),
            {"reason": "不合适", "next": reverse("matching:matchsuggestion_list")},
        )
        self.assertRedirects(response, reverse("matching:matchsuggestion_list"))
        evil = self.client.post(
            reverse("matching:suggestion_confirm", args=[self.suggestions()[1].pk]),
            {"next": "//evil.example/"},
        )
        self.assertEqual(evil.status_code, 302)
        self.assertTrue(evil["Location"].startswith("/demands/"))

    def test_deciding_out_of_scope_is_404(self) -> None:
        self.panel(self.world.city_admin_a)
        top = self.suggestions()[0]
        self.login(self.world.city_admin_b)
        response = self.client.post(reverse("matching:suggestion_confirm", args=[top.pk]))
        self.assertEqual(response.status_code, 404)
        top.refresh_from_db()
        self.assertEqual(top.status, "proposed")

    def test_closed_demands_are_not_recomputed(self) -> None:
        closed = open_demand(self.world.county_a1, self.world.city_admin_a, status="closed")
        response = self.panel(self.world.city_admin_a, closed)
        self.assertContains(response, "不计算推荐")
        self.assertFalse(MatchSuggestion.objects.filter(demand=closed).exists())

    def test_panel_waits_for_the_embedding_job_when_many_vectors_are_missing(self) -> None:
        from jiangqiao.core.models import Job

        with self.settings(JIANGQIAO_MATCH_INLINE_ENCODE_MAX=1):
            response = self.panel(self.world.city_admin_a)
            self.assertContains(response, "语义向量尚未计算完成")
            self.assertContains(response, 'hx-trigger="every 3s"')
            job = Job.objects.get(kind="matching.embed")
            again = self.panel(self.world.city_admin_a)
            self.assertEqual(Job.objects.filter(kind="matching.embed").count(), 1)
            self.assertContains(again, job.get_absolute_url())
            from jiangqiao.core.jobs import execute

            execute(job.pk)
            job.refresh_from_db()
            self.assertEqual(job.status, "succeeded", job.error)
            ready = self.panel(self.world.city_admin_a)
        self.assertNotContains(ready, "语义向量尚未计算完成")
        self.assertTrue(self.suggestions())

    # ---------------------------------------------------------------- API

    def test_api_refresh_confirm_reject(self) -> None:
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.post(
            "/api/v1/matching/suggestions/refresh/", {"demand": self.demand.pk, "top": 2}
        )
        self.assertEqual(response.status_code, 200, response.content)
        rows = response.json()
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0]["craftsman"], self.cnc.pk)
        self.assertTrue(rows[0]["why"]["summary"])
        self.assertEqual(rows[0]["fusion_version"], DEFAULT.version)
        listed = api.get("/api/v1/matching/suggestions/", {"demand_id": self.demand.pk}).json()
        self.assertEqual(listed["count"], 2)
        first, second = rows[0]["id"], rows[1]["id"]
        no_reason = api.post(f"/api/v1/matching/suggestions/{second}/reject/", {})
        self.assertEqual(no_reason.status_code, 400)
        self.assertIn("reason", no_reason.json())
        ok = api.post(f"/api/v1/matching/suggestions/{first}/confirm/", {})
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertEqual(ok.json()["status"]["value"], "confirmed")
        twice = api.post(f"/api/v1/matching/suggestions/{first}/confirm/", {})
        self.assertEqual(twice.status_code, 400)
        other = APIClient()
        other.force_authenticate(self.world.city_admin_b)
        self.assertEqual(
            other.post(f"/api/v1/matching/suggestions/{second}/confirm/", {}).status_code, 404
        )
        hidden = other.post("/api/v1/matching/suggestions/refresh/", {"demand": self.demand.pk})
        self.assertEqual(hidden.status_code, 404)

    def test_api_manual(self) -> None:
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.post(
            "/api/v1/matching/suggestions/manual/",
            {"demand": self.demand.pk, "craftsman": self.welder.pk, "reason": "点名"},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["source"]["value"], "manual")
        bad = api.post(
            "/api/v1/matching/suggestions/manual/",
            {"demand": self.demand.pk, "craftsman": 999999},
        )
        self.assertEqual(bad.status_code, 400)
