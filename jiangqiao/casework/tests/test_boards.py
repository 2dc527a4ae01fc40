"""Home panels per role, the triage queue, the task force's queue, the aging board and the batch
confirmation of a 平台匹配 run — with other units' data present (a county sees itself and below)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from jiangqiao.accounts.models import Role
from jiangqiao.casework import queues, services
from jiangqiao.casework.models import Offer
from jiangqiao.core import home
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.core.workdays import age_cutoff, workdays_between
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import Channel
from jiangqiao.demands.models import Demand, EnterpriseContact
from jiangqiao.matching import services as matching_services
from jiangqiao.matching.models import MatchRun, MatchSuggestion
from jiangqiao.matching.tests.helpers import craftsman, enterprise
from jiangqiao.talents.models import Craftsman

TZ = ZoneInfo("Asia/Shanghai")
# Monday 20 October 2025, after the 国庆 holiday (1–8 October; Saturday 11 October worked).
NOW = dt.datetime(2025, 10, 20, 10, 0, tzinfo=TZ)


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def set_changed(demand: Demand, when: dt.datetime, **extra: Any) -> Demand:
    Demand.objects.filter(pk=demand.pk).update(status_changed_at=when, **extra)
    return Demand.objects.get(pk=demand.pk)


class AgeCutoffTests(WorldTestCase):
    def test_cutoff_agrees_with_workdays_between_across_the_holiday(self) -> None:
        today = dt.date(2025, 10, 20)
        for n in range(1, 15):
            cutoff = age_cutoff(today, n)
            assert cutoff is not None
            just_before = cutoff - dt.timedelta(minutes=1)
            self.assertGreaterEqual(workdays_between(just_before, today), n, n)
            self.assertLess(workdays_between(cutoff, today), n, n)


class BoardWorld(WorldTestCase):
    """Demands in several units and states, with known ages on 20 October 2025."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.ent_a1 = enterprise(w.county_a1)
        cls.ent_b1 = enterprise(w.county_b1)
        cls.ent_a2 = enterprise(w.county_a2)
        contact_role = Role.objects.get(code="enterprise_contact")
        craftsman_role = Role.objects.get(code="craftsman")
        cls.boss = make_user("qy_boss_b", w.county_a1, contact_role)
        EnterpriseContact.objects.create(enterprise=cls.ent_a1, user=cls.boss, name="赵经理")
        cls.gj_user = make_user("gj_board", w.county_a1, craftsman_role)
        person = craftsman(w.county_a1, w.city_admin_a, name="张主轴")
        Craftsman.objects.filter(pk=person.pk).update(user=cls.gj_user)
        cls.person = Craftsman.objects.get(pk=person.pk)
        cls.other_person = craftsman(w.county_a1, w.city_admin_a, name="李数控")
        cls.task_force = make_user(
            "zb_board", w.province, Role.objects.get(code="provincial_task_force")
        )
        cls.county_staff = make_user(
            "ns_staff_b", w.county_a1, Role.objects.get(code="union_staff")
        )
        with time_machine.travel(at(2025, 9, 1), tick=False):
            cls.d = {
                # county_a1: submitted 2 working days ago, triaged 4, submitted 12 (overdue)
                "fresh": cls.new(cls.ent_a1, "主轴异响"),
                "mid": cls.new(cls.ent_a1, "焊缝气孔"),
                "old": cls.new(cls.ent_a1, "涂装橘皮"),
                # another county of the same city, and another city
                "a2": cls.new(cls.ent_a2, "宝安需求"),
                "b1": cls.new(cls.ent_b1, "天河需求"),
            }
        staff = w.city_admin_a
        cls.d["mid"] = services.demand_triage(
            actor=staff,
            demand=cls.d["mid"],
            data={"category": "tech", "grade": "b", "owner_level": "county"},
        )
        cls.d["fresh"] = set_changed(cls.d["fresh"], at(2025, 10, 16))  # Thu → 2 (Fri, Mon)
        cls.d["mid"] = set_changed(cls.d["mid"], at(2025, 10, 14))  # Tue → 4
        cls.d["old"] = set_changed(cls.d["old"], at(2025, 9, 26))  # Fri → 12 (28.9, 29, 30, 9–20)
        cls.d["a2"] = set_changed(cls.d["a2"], at(2025, 9, 26))
        cls.d["b1"] = set_changed(cls.d["b1"], at(2025, 9, 26))

    @classmethod
    def new(cls, ent: Any, title: str) -> Demand:
        return demand_services.demand_create(
            actor=cls.world.city_admin_a
            if ent.org_id != cls.world.county_b1.pk
            else cls.world.city_admin_b,
            enterprise=ent,
            channel=Channel.OFFLINE,
            submit=True,
            data={
                "kind": "tech_problem",
                "title": title,
                "description": f"{title}，需要劳模工匠现场诊断",
            },
        )


class AgingBoardTests(BoardWorld):
    def board_cell(self, board: queues.Board, status: str, band: int) -> queues.BoardCell:
        row = next(r for r in board.rows if r.status == status)
        return row.cells[band]

    def test_ages_bands_and_overdue(self) -> None:
        self.assertEqual(workdays_between(self.d["old"].status_changed_at, NOW.date()), 12)
        with time_machine.travel(NOW, tick=False):
            board = queues.aging_board(user=self.world.city_admin_a)
        submitted = next(r for r in board.rows if r.status == "submitted")
        # fresh (2) in 0–2; old and a2 (12) in >10; b1 is another city's
        self.assertEqual([c.count for c in submitted.cells], [1, 0, 0, 2])
        self.assertEqual(submitted.overdue.count, 2)  # type: ignore[union-attr]
        self.assertTrue(submitted.cells[3].red)
        triaged = next(r for r in board.rows if r.status == "triaged")
        self.assertEqual([c.count for c in triaged.cells], [0, 1, 0, 0])
        self.assertEqual(board.total, 4)

    def assert_flag_follows_offers(self) -> None:
        for d in Demand.objects.all():
            has = Offer.objects.filter(demand=d, status__in=["pending", "accepted"]).exists()
            self.assertEqual(d.has_open_offer, has, f"{d.title}: {d.status}")

    def test_an_offer_takes_a_demand_off_the_overdue_count_and_its_end_puts_it_back(self) -> None:
        from jiangqiao.casework import claims

        def overdue() -> int:
            board = queues.aging_board(user=self.world.city_admin_a)
            return sum(r.overdue.count for r in board.rows if r.overdue)

        with time_machine.travel(NOW, tick=False):
            self.assertEqual(overdue(), 2)
            offer = claims.offer_assign(
                actor=self.world.city_admin_a,
                demand=self.d["old"],
                craftsman=self.other_person,
                note="主轴专家",
            )
            self.assertTrue(Demand.objects.get(pk=self.d["old"].pk).has_open_offer)
            self.assert_flag_follows_offers()
            # Staffed now (匹配中 with an open offer): the old one is no longer overdue.
            self.assertEqual(overdue(), 1)
            services.offer_withdraw(actor=self.world.city_admin_a, offer=offer, note="改派")
            self.assertFalse(Demand.objects.get(pk=self.d["old"].pk).has_open_offer)
            self.assert_flag_follows_offers()
            again = claims.offer_assign(
                actor=self.world.city_admin_a,
                demand=self.d["old"],
                craftsman=self.other_person,
                note="再次邀请",
            )
        # The answer deadline passes unanswered: the tick expires it, and the flag follows.
        with time_machine.travel(again.accept_deadline + dt.timedelta(hours=1), tick=False):
            services.tick()
        self.assertEqual(Offer.objects.get(pk=again.pk).status, "expired")
        self.assert_flag_follows_offers()

    def test_county_sees_itself_and_below_only(self) -> None:
        with time_machine.travel(NOW, tick=False):
            board = queues.aging_board(user=self.world.county_operator)
            province = queues.aging_board(user=self.world.province_admin)
        self.assertEqual(board.total, 3)  # county_a1 only: not a2, not b1
        self.assertEqual(province.total, 5)

    def test_each_number_links_to_a_list_showing_exactly_its_rows(self) -> None:
        self.login(self.world.city_admin_a)
        with time_machine.travel(NOW, tick=False):
            board = queues.aging_board(user=self.world.city_admin_a)
            for row in board.rows:
                for cell in [*row.cells, row.total, *([row.overdue] if row.overdue else [])]:
                    if not cell.count:
                        continue
                    response = self.client.get(cell.url)
                    self.assertEqual(response.status_code, 200, cell.url)
                    html = response.content.decode()
                    shown = [d for d in self.d.values() if d.title in html]
                    self.assertEqual(len(shown), cell.count, cell.url)
            page = self.client.get(reverse("casework:aging"))
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn("超期看板", html)
        self.assertNotIn("天河需求", html)

    def test_out_of_scope_unit_is_404_and_craftsman_403(self) -> None:
        self.login(self.world.city_admin_a)
        url = reverse("casework:aging")
        self.assertEqual(self.client.get(url, {"unit": self.world.county_b1.pk}).status_code, 404)
        self.assertEqual(self.client.get(url, {"unit": self.world.county_a2.pk}).status_code, 200)
        for bad in ("x", "²", "١٢", "9" * 30):
            with self.subTest(unit=bad):
                self.assertEqual(self.client.get(url, {"unit": bad}).status_code, 404)
        self.login(self.gj_user)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.boss)
        self.assertEqual(self.client.get(reverse("casework:queue")).status_code, 403)


class QueueTests(BoardWorld):
    def test_county_queue_lists_its_own_demands_oldest_first_with_ladder(self) -> None:
        self.login(self.county_staff)
        with time_machine.travel(NOW, tick=False):
            response = self.client.get(reverse("casework:queue"))
        self.assertEqual(response.status_code, 200)
        rows = response.context["rows"]
        self.assertEqual(
            [r.demand.pk for r in rows], [self.d["old"].pk, self.d["mid"].pk, self.d["fresh"].pk]
        )
        self.assertEqual([r.age for r in rows], [12, 4, 2])
        self.assertTrue(rows[0].overdue)
        self.assertFalse(rows[2].overdue)
        # the ladder starts at the owner and names the real unions above it (the county's own
        # ancestors), not placeholders such as 上级市级工会
        self.assertEqual(rows[0].ladder[0].label, self.world.county_a1.name)
        self.assertTrue(rows[0].ladder[0].current)
        labels = [r.label for r in rows[0].ladder]
        self.assertEqual(
            labels, [self.world.county_a1.name, self.world.city_a.name, self.world.province.name]
        )
        self.assertNotIn("上级", "".join(labels))
        html = response.content.decode()
        self.assertNotIn("宝安需求", html)
        self.assertNotIn("天河需求", html)

    def test_overdue_filter_and_escalation_moves_it_up(self) -> None:
        self.login(self.world.city_admin_a)
        with time_machine.travel(NOW, tick=False):
            html = self.client.get(
                reverse("casework:queue"), {"subtree": "1", "overdue": "true"}
            ).content.decode()
            self.assertIn("涂装橘皮", html)
            self.assertIn("宝安需求", html)
            self.assertNotIn("主轴异响", html)
            services.tick()
            services.tick()  # twice: the second run finds nothing (the clock restarted)
        old = Demand.objects.get(pk=self.d["old"].pk)
        self.assertEqual((old.status, old.org_id), ("escalated", self.world.city_a.pk))
        self.assertEqual(old.events.filter(to_status="escalated").count(), 1)

    def test_task_force_queue(self) -> None:
        Demand.objects.filter(pk=self.d["mid"].pk).update(owner_level="province")
        province_demand = set_changed(
            self.d["b1"], NOW - dt.timedelta(days=1), org_id=self.world.province.pk
        )
        url = reverse("casework:taskforce_queue")
        self.login(self.task_force)
        with time_machine.travel(NOW, tick=False):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        found = {r.demand.pk: r.reason for r in response.context["rows"]}
        self.assertEqual(set(found), {self.d["mid"].pk, province_demand.pk})
        self.assertIn("省总协调", found[self.d["mid"].pk])
        self.login(self.world.city_admin_a)  # staff, not the task force
        self.assertEqual(self.client.get(url).status_code, 403)


class HomePanelTests(BoardWorld):
    def panel_names(self, user: Any) -> list[str]:
        self.login(user)
        response = self.client.get(reverse("core:home"))
        self.assertEqual(response.status_code, 200)
        return [p.name for p in response.context["panels"]]

    def test_each_role_sees_its_own_panel_only(self) -> None:
        staff = self.panel_names(self.county_staff)
        self.assertIn("casework.todo", staff)
        self.assertNotIn("casework.my_demands", staff)
        self.assertNotIn("casework.my_offers", staff)
        for admin_panel in ("accounts.attention", "accounts.security", "accounts.audit"):
            self.assertNotIn(admin_panel, staff)  # the administrators' work is theirs
        boss = self.panel_names(self.boss)
        self.assertIn("casework.my_demands", boss)
        self.assertNotIn("casework.todo", boss)
        self.assertNotIn("casework.my_offers", boss)
        gj = self.panel_names(self.gj_user)
        self.assertIn("casework.my_offers", gj)
        self.assertNotIn("casework.todo", gj)
        self.assertNotIn("casework.my_demands", gj)
        admin = make_user("sys_board", self.world.province, Role.objects.get(code="system_admin"))
        admin_panels = self.panel_names(admin)
        self.assertIn("accounts.attention", admin_panels)
        self.assertNotIn("accounts.security", admin_panels)  # 三员: not the security duty's

    def test_core_registers_no_panel_that_knows_an_app(self) -> None:
        for panel in home.registry.panels():
            if panel.name.startswith("core."):
                self.assertTrue(panel.template.startswith("core/"), panel)

    def test_todo_counts_match_their_lists(self) -> None:
        self.login(self.county_staff)
        with time_machine.travel(NOW, tick=False):
            response = self.client.get(reverse("core:home"))
            items = {i.key: i for i in queues.todo_items(user=self.county_staff)}
            self.assertEqual(items["triage"].count, 2)  # fresh, old (county_a1; mid is triaged)
            self.assertEqual(items["overdue_demands"].count, 1)  # old
            for item in items.values():
                listed = self.client.get(item.url)
                self.assertEqual(listed.status_code, 200, item.url)
        html = response.content.decode()
        self.assertIn("待分级", html)
        self.assertIn(items["triage"].url.replace("&", "&amp;"), html)

    def test_enterprise_panel_asks_to_confirm_the_outcome(self) -> None:
        demand = self.d["fresh"]
        suggestion = matching_services.suggestion_add_manual(
            actor=self.world.city_admin_a, demand=demand, craftsman=self.person
        )
        matching_services.suggestion_confirm(actor=self.world.city_admin_a, suggestion=suggestion)
        offer = Offer.objects.get(demand=demand, craftsman=self.person)
        self.login(self.boss)
        html = self.client.get(reverse("core:home")).content.decode()
        self.assertIn("劳模工匠答复邀请", html)
        self.assertNotIn("请确认服务结果", html)
        services.offer_accept(actor=self.gj_user, offer=offer)
        services.outcome_record(
            actor=self.gj_user, demand=demand, result="solved", summary="更换轴承，异响消除"
        )
        html = self.client.get(reverse("core:home")).content.decode()
        self.assertIn("请确认服务结果", html)
        self.assertNotIn("宝安需求", html)
        # the craftsman's panel: his figures and nothing pending
        self.login(self.gj_user)
        response = self.client.get(reverse("core:home"))
        self.assertIn('data-figure="completed">1<', response.content.decode())


class BatchConfirmTests(BoardWorld):
    def test_batch_confirms_each_row_and_reports_failures(self) -> None:
        staff = self.world.city_admin_a
        run = MatchRun.objects.create(org=self.world.city_a, created_by=staff, updated_by=staff)
        ok = matching_services.suggestion_add_manual(
            actor=staff, demand=self.d["fresh"], craftsman=self.person
        )
        refused = matching_services.suggestion_add_manual(
            actor=staff, demand=self.d["mid"], craftsman=self.other_person
        )
        MatchSuggestion.objects.filter(pk__in=[ok.pk, refused.pk]).update(run=run)
        Craftsman.objects.filter(pk=self.other_person.pk).update(status="paused")
        other_city = matching_services.suggestion_add_manual(
            actor=self.world.city_admin_b,
            demand=self.d["b1"],
            craftsman=craftsman(self.world.county_b1, self.world.city_admin_b, name="王广州"),
        )
        self.login(staff)
        response = self.client.post(
            reverse("matching:matchrun_confirm", args=[run.pk]),
            {"suggestion": [ok.pk, refused.pk, other_city.pk]},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        texts = [str(m) for m in response.context["messages"]]
        self.assertTrue(any(t.startswith("已确认 1 条") for t in texts), texts)
        self.assertEqual(sum(t.startswith("未确认") for t in texts), 2, texts)
        self.assertTrue(any("不属于本批次或不在您的数据范围内" in t for t in texts), texts)
        self.assertFalse(any("王广州" in t or "天河" in t for t in texts), texts)
        self.assertEqual(MatchSuggestion.objects.get(pk=ok.pk).status, "confirmed")
        self.assertTrue(Offer.objects.filter(suggestion=ok).exists())
        self.assertEqual(MatchSuggestion.objects.get(pk=refused.pk).status, "proposed")
        self.assertFalse(Offer.objects.filter(suggestion=refused).exists())  # nothing partial
        self.assertEqual(MatchSuggestion.objects.get(pk=other_city.pk).status, "proposed")
