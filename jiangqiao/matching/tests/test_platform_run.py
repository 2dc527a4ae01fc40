"""平台匹配: a background job over the open demands of a scope, respecting capacities and conflicts."""

from __future__ import annotations

from collections import Counter

from django.urls import reverse

from jiangqiao.core.models import Job
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.matching import services
from jiangqiao.matching.models import MatchRun, MatchSuggestion

from .helpers import craftsman, enterprise, open_demand


class PlatformRunTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        admin = w.city_admin_a
        cls.best = craftsman(
            w.county_a1,
            admin,
            expertise="数控机床故障诊断",
            items=["主轴异响诊断", "数控系统维修"],
            max_open_services=1,
        )
        cls.second = craftsman(
            w.county_a1,
            admin,
            expertise="数控机床维修",
            items=["数控车床调试"],
            max_open_services=1,
        )
        cls.third = craftsman(
            w.county_a2,
            admin,
            expertise="机床电气维修",
            items=["机床电气故障排查"],
            max_open_services=2,
        )
        cls.ent = enterprise(w.county_a1)
        cls.demands = [
            open_demand(w.county_a1, admin, ent=cls.ent),
            open_demand(w.county_a1, admin, title="数控系统报警", description="数控系统频繁报警"),
            open_demand(w.county_a2, admin, title="机床电气故障", description="机床电气柜跳闸"),
            open_demand(w.county_a2, admin, title="数控车床调试", status="triaged"),
        ]
        cls.out_of_scope = open_demand(w.county_b1, w.city_admin_b, title="广州数控维修")
        cls.draft = open_demand(w.county_a1, admin, title="草稿需求", status="draft")

    def start(self, user=None, org=None, top_k: int = 5) -> MatchRun:
        with self.captureOnCommitCallbacks(execute=True):
            run = services.run_start(
                actor=user or self.world.city_admin_a, org=org or self.world.city_a, top_k=top_k
            )
        run.refresh_from_db()
        return run

    def test_run_reaches_100_percent_and_respects_capacities(self) -> None:
        run = self.start()
        job = Job.objects.get(pk=run.job_id)
        self.assertEqual(job.status, "succeeded", job.error)
        self.assertEqual(job.percent, 100)
        self.assertEqual(job.done, job.total)
        self.assertEqual(run.status, "succeeded")
        self.assertEqual(run.demand_count, 4)
        rows = list(MatchSuggestion.objects.filter(run=run))
        self.assertEqual(run.suggestion_count, len(rows))
        self.assertEqual(run.staffed_count, len(rows))
        self.assertEqual(len(rows), 4)  # capacities 1 + 1 + 2 cover the four demands
        per_craftsman = Counter(s.craftsman_id for s in rows)
        self.assertLessEqual(per_craftsman[self.best.pk], 1)
        self.assertLessEqual(per_craftsman[self.second.pk], 1)
        self.assertLessEqual(per_craftsman[self.third.pk], 2)
        self.assertTrue(all(s.source == "platform" and s.status == "proposed" for s in rows))
        self.assertTrue(all(s.why["summary"] and s.why["assignment"] for s in rows))
        self.assertEqual(Counter(s.demand_id for s in rows), Counter(d.pk for d in self.demands))
        self.assertFalse(MatchSuggestion.objects.filter(demand=self.out_of_scope).exists())
        self.assertFalse(MatchSuggestion.objects.filter(demand=self.draft).exists())

    def test_unstaffed_demands_are_explained(self) -> None:
        services.conflict_create(
            actor=self.world.city_admin_a,
            craftsman=self.best,
            enterprise=self.ent,
            reason="曾在该企业任职",
        )
        for c in (self.second, self.third):
            services.conflict_create(
                actor=self.world.city_admin_a, craftsman=c, enterprise=self.ent, reason="亲属"
            )
        run = self.start()
        self.assertFalse(MatchSuggestion.objects.filter(run=run, demand=self.demands[0]).exists())
        reasons = {d["demand"]: d["reasons"] for d in run.result["not_staffed"]}
        self.assertIn(self.demands[0].pk, reasons)
        self.assertTrue(reasons[self.demands[0].pk])

    def test_confirmed_demands_are_skipped_and_a_new_run_supersedes_old_proposals(self) -> None:
        first = self.start()
        pick = MatchSuggestion.objects.filter(run=first, demand=self.demands[0]).get()
        services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=pick)
        second = self.start()
        self.assertEqual(second.demand_count, 3)
        self.assertFalse(
            MatchSuggestion.objects.filter(run=second, demand=self.demands[0]).exists()
        )
        used = Counter(
            MatchSuggestion.objects.filter(run=second).values_list("craftsman_id", flat=True)
        )
        self.assertEqual(used[pick.craftsman_id], 0, "a craftsman at full capacity is not proposed")

    def test_a_second_run_of_the_same_scope_waits_for_the_first(self) -> None:
        services.run_start(actor=self.world.city_admin_a, org=self.world.city_a)
        with self.assertRaisesMessage(Exception, "正在进行"):
            services.run_start(actor=self.world.city_admin_a, org=self.world.city_a)

    def test_a_failed_run_can_be_retried_from_its_job(self) -> None:
        from jiangqiao.core.jobs import job_retry

        run = services.run_start(actor=self.world.city_admin_a, org=self.world.city_a)
        Job.objects.filter(pk=run.job_id).update(status="failed")
        MatchRun.objects.filter(pk=run.pk).update(status="running")  # the worker died mid-run
        with self.captureOnCommitCallbacks(execute=True):
            new_job = job_retry(actor=self.world.city_admin_a, job=Job.objects.get(pk=run.job_id))
        run.refresh_from_db()
        self.assertEqual(run.job_id, new_job.pk)
        self.assertEqual(run.status, "succeeded")
        self.assertEqual(run.suggestion_count, 4)
        # a run stuck as "running" behind a finished job does not block the next one
        Job.objects.filter(pk=new_job.pk).update(status="failed")
        MatchRun.objects.filter(pk=run.pk).update(status="running")
        self.assertIsNotNone(
            services.run_start(actor=self.world.city_admin_a, org=self.world.city_a)
        )

    def test_county_run_only_covers_the_county(self) -> None:
        run = self.start(org=self.world.county_a2)
        self.assertEqual(run.demand_count, 2)

    def test_pages(self) -> None:
        self.login(self.world.city_admin_a)
        page = self.client.get(reverse("matching:matchrun_list"))
        self.assertContains(page, "启动平台匹配")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("matching:matchrun_create"), {"org": self.world.city_a.pk, "top_k": 5}
            )
        run = MatchRun.objects.get()
        self.assertRedirects(response, run.get_absolute_url())
        detail = self.client.get(run.get_absolute_url())
        self.assertContains(detail, "待审核的建议匹配（4）")
        self.assertContains(detail, "100%")
        progress = self.client.get(
            reverse("matching:matchrun_progress", args=[run.pk]), headers={"HX-Request": "true"}
        )
        self.assertEqual(progress["HX-Refresh"], "true")
        pick = MatchSuggestion.objects.filter(run=run).first()
        assert pick is not None
        response = self.client.post(
            reverse("matching:suggestion_reject", args=[pick.pk]),
            {"reason": "另有安排", "next": run.get_absolute_url()},
        )
        self.assertRedirects(response, run.get_absolute_url())
        bad = self.client.post(
            reverse("matching:matchrun_create"), {"org": self.world.county_b1.pk}
        )
        self.assertRedirects(bad, reverse("matching:matchrun_list"))
        self.assertEqual(MatchRun.objects.count(), 1)

    def test_out_of_scope_run_is_404_and_queued_run_polls(self) -> None:
        run = services.run_start(actor=self.world.city_admin_b, org=self.world.city_b)
        self.login(self.world.city_admin_a)
        self.assertEqual(self.client.get(run.get_absolute_url()).status_code, 404)
        self.login(self.world.city_admin_b)
        progress = self.client.get(
            reverse("matching:matchrun_progress", args=[run.pk]), headers={"HX-Request": "true"}
        )
        self.assertNotIn("HX-Refresh", progress)
        self.assertContains(progress, "hx-trigger")
