"""Collection campaigns (征集活动, issue 18 point 2).

Attacks first: another unit's staff, the public link (wrong token, a draft, nothing but the
campaign), then the enterprise's path (link → login → form with the campaign → submit → count),
the deadline (tick and at submit), bad input, the roll-up, the poster and its QR code.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import CrudApiTests, CrudPageTests, DataScopeMatrixTests
from jiangqiao.core.testing.personas import PASSWORD
from jiangqiao.demands import campaigns, poster, services
from jiangqiao.demands import selectors_campaigns as selectors
from jiangqiao.demands.choices_campaigns import CampaignStatus
from jiangqiao.demands.models import Campaign, Demand
from jiangqiao.demands.views_campaigns import registration_url, submit_path

from .factories import make_demand, make_enterprise
from .test_services import Base

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
_n = iter(range(1, 10_000))


def make_campaign_row(unit: Any, owner: Any, **fields: Any) -> Campaign:
    """A campaign written straight to the database (no scope checks), for the scope matrix."""
    today = timezone.localdate()
    n = next(_n)
    values: dict[str, Any] = {
        "title": f"测试征集活动{n}",
        "announcement": "征集企业需求",
        "categories": ["equipment"],
        "starts_on": today,
        "deadline": today + dt.timedelta(days=10),
        "target_count": 10,
        "token": f"testtoken{n:06d}abcdefg",
    }
    values.update(fields)
    return Campaign.objects.create(org=unit, created_by=owner, updated_by=owner, **values)


class CampaignBase(Base):
    __test__ = False

    def setUp(self) -> None:
        super().setUp()
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="王经理", user=self.contact_user
        )
        self.today = timezone.localdate()

    def make_campaign(
        self, actor: Any = None, org: Any = None, publish: bool = True, **extra: Any
    ) -> Campaign:
        data = {
            "title": "南山区设备改造需求征集",
            "announcement": "征集企业在设备维护改造中遇到的难题",
            "categories": ["equipment"],
            "starts_on": self.today - dt.timedelta(days=1),
            "deadline": self.today + dt.timedelta(days=10),
            "target_count": 5,
        } | extra
        actor = actor or self.staff_a1
        campaign = campaigns.campaign_create(
            actor=actor, org=org or self.world.county_a1, data=data
        )
        if publish:
            campaign = campaigns.campaign_transition(
                actor=actor, campaign=campaign, action="publish"
            )
        return campaign

    def through(
        self,
        campaign: Campaign,
        title: str,
        *,
        actor: Any = None,
        enterprise: Any = None,
        **kw: Any,
    ) -> Demand:
        """A demand created through ``campaign`` by the service (a draft unless ``submit``)."""
        data = {"kind": "other", "category": "equipment", "title": title, "description": "说明"}
        return services.demand_create(
            actor=actor or self.contact_user,
            enterprise=enterprise or self.enterprise,
            data=data | kw.pop("data", {}),
            campaign=campaign,
            **kw,
        )

    #: Different problems, one per form: the same problem twice is a duplicate (demands.duplicates).
    PROBLEMS = (
        ("数控机床主轴异响", "两台加工中心主轴高速运转时有异响"),
        ("注塑件表面缩痕", "注塑件厚壁处表面缩痕明显，返工率高"),
        ("空压机能耗偏高", "车间空压站夜间空载运行，电费居高不下"),
        ("新员工焊接培训", "新招焊工二十人，需要系统的氩弧焊实操培训"),
        ("涂装线色差", "喷涂线批次之间色差超标，客户投诉增多"),
        ("仓库叉车安全", "叉车与行人混行，近期发生两起险情"),
    )
    _problem = 0

    def form(self, campaign: Campaign, token: str = "", **extra: Any) -> dict[str, Any]:
        title, description = self.PROBLEMS[type(self)._problem % len(self.PROBLEMS)]
        type(self)._problem += 1
        return {
            "campaign": campaign.token,
            "kind": "tech_problem",
            "category": campaign.categories[0],
            "title": title,
            "description": description,
            "delivery_mode": "either",
            "action": "submit",
            "form_token": token,
        } | extra

    def open_form(self, campaign: Campaign) -> str:
        response = self.client.get(submit_path(campaign))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        found = TOKEN.search(html)
        self.assertIsNotNone(found)
        return found.group(1) if found else ""


class TestOtherUnitsAndAnonymous(CampaignBase):
    __test__ = True

    def test_other_units_staff_cannot_see_or_change_a_campaign(self) -> None:
        campaign = self.make_campaign()
        self.login(self.staff_a2)  # 宝安区: a sibling of 南山区
        pk = campaign.pk
        for url in (
            reverse("demands:campaign_detail", args=[pk]),
            reverse("demands:campaign_edit", args=[pk]),
            reverse("demands:campaign_poster", args=[pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        response = self.client.post(
            reverse("demands:campaign_action", args=[pk]), {"action": "close"}
        )
        self.assertEqual(response.status_code, 404)
        response = self.client.post(
            reverse("demands:campaign_edit", args=[pk]), {"title": "改名", "org": ""}
        )
        self.assertEqual(response.status_code, 404)
        listing = self.client.get(reverse("demands:campaign_list")).content.decode()
        self.assertNotIn(campaign.title, listing)
        summary = self.client.get(
            reverse("demands:campaign_summary"), {"unit": self.world.county_a1.pk}
        )
        self.assertEqual(summary.status_code, 404)
        api = APIClient()
        api.force_authenticate(self.staff_a2)
        self.assertEqual(api.get(f"/api/v1/demands/campaigns/{pk}/").status_code, 404)
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, CampaignStatus.OPEN)
        with self.assertRaises(ScopeViolation):
            campaigns.campaign_transition(actor=self.staff_a2, campaign=campaign, action="close")
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, CampaignStatus.OPEN)

    def test_an_enterprise_contact_cannot_open_the_staff_pages(self) -> None:
        campaign = self.make_campaign()
        self.login(self.contact_user)
        self.assertEqual(self.client.get(reverse("demands:campaign_list")).status_code, 403)
        detail = self.client.get(reverse("demands:campaign_detail", args=[campaign.pk]))
        self.assertEqual(detail.status_code, 403)

    def test_anonymous_staff_pages_ask_for_login(self) -> None:
        campaign = self.make_campaign()
        for url in (
            reverse("demands:campaign_list"),
            reverse("demands:campaign_detail", args=[campaign.pk]),
            reverse("demands:campaign_poster", args=[campaign.pk]),
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn(reverse("accounts:login"), response["Location"])

    def test_the_public_page_shows_nothing_but_the_campaign(self) -> None:
        campaign = self.make_campaign()
        other = self.make_campaign(
            title="宝安区另一个征集", actor=self.staff_a2, org=self.world.county_a2
        )
        demand = self.through(campaign, "保密的需求标题", submit=True)
        response = self.client.get(campaign.public_path())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for shown in (
            campaign.title,
            "南山区总工会",
            "生产设备改造、设施维护改进",
            "提交前请准备",
            "登录后填写需求",
        ):
            self.assertIn(shown, html)
        for hidden in (
            demand.title,
            demand.number,
            self.enterprise.name,
            other.title,
            "已征集",
            "目标",
            str(campaign.target_count) + " 条",
        ):
            self.assertNotIn(hidden, html)
        self.assertNotIn("nav-link-title", html)  # no menu for a visitor
        login = re.search(r'href="([^"]*/accounts/login/[^"]*)"', html)
        assert login is not None
        nxt = parse_qs(urlsplit(login.group(1).replace("&amp;", "&")).query)["next"][0]
        self.assertEqual(nxt, submit_path(campaign))
        register = registration_url(submit_path(campaign))
        if register is None:  # the registration page is not installed on this branch
            self.assertNotIn("企业注册", html)
        else:
            self.assertIn("企业注册", html)

    def test_a_wrong_token_or_a_draft_answers_404_in_chinese(self) -> None:
        draft = self.make_campaign(publish=False)
        for url in (
            reverse("demands:campaign_public", args=["x" * 22]),
            reverse("demands:campaign_public", args=["<script>"]),
            draft.public_path(),
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertIn("征集活动链接：无效或已失效", response.content.decode())
            self.assertNotIn(draft.title, response.content.decode())
        self.login(self.contact_user)
        response = self.client.get(f"{reverse('demands:demand_submit')}?campaign={'y' * 22}")
        self.assertEqual(response.status_code, 404)
        response = self.client.post(reverse("demands:demand_submit"), self.form(draft))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Demand.objects.filter(campaign=draft).exists())


class TestEnterprisePath(CampaignBase):
    __test__ = True

    def test_login_returns_to_the_form_with_the_campaign(self) -> None:
        campaign = self.make_campaign()
        target = submit_path(campaign)
        response = self.client.post(
            f"{reverse('accounts:login')}?next={target.replace('?', '%3F').replace('=', '%3D')}",
            {"username": self.contact_user.username, "password": PASSWORD, "next": target},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], target)
        # Signed in, the link goes straight to the form.
        self.assertRedirects(self.client.get(campaign.public_path()), target)

    def test_login_never_follows_a_foreign_next(self) -> None:
        response = self.client.post(
            reverse("accounts:login"),
            {
                "username": self.contact_user.username,
                "password": PASSWORD,
                "next": "https://evil.example/c/x/",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("evil.example", response["Location"])

    def test_the_form_is_prefilled_and_its_categories_limited(self) -> None:
        single = self.make_campaign()
        self.login(self.contact_user)
        html = self.client.get(submit_path(single)).content.decode()
        self.assertIn(single.title, html)
        self.assertIn(f'name="campaign" value="{single.token}"', html)
        select = re.search(r'<select name="category"[^>]*>(.*?)</select>', html, re.S)
        assert select is not None
        options = re.findall(r'<option value="([^"]*)"( selected)?', select.group(1))
        self.assertEqual(options, [("equipment", " selected")])
        several = self.make_campaign(title="双类别征集", categories=["innovate", "green"])
        html = self.client.get(submit_path(several)).content.decode()
        select = re.search(r'<select name="category"[^>]*>(.*?)</select>', html, re.S)
        assert select is not None
        values = re.findall(r'<option value="([^"]*)"', select.group(1))
        self.assertEqual(values, ["", "innovate", "green"])
        plain = self.client.get(reverse("demands:demand_submit")).content.decode()
        self.assertNotIn('name="category"', plain)  # the ordinary phone form is unchanged

    def test_a_submission_records_the_campaign_and_counts(self) -> None:
        campaign = self.make_campaign()
        self.login(self.contact_user)
        token = self.open_form(campaign)
        response = self.client.post(reverse("demands:demand_submit"), self.form(campaign, token))
        self.assertEqual(response.status_code, 302)
        demand = Demand.objects.get(campaign=campaign)
        self.assertEqual(demand.category, "equipment")
        self.assertEqual(demand.channel, "online")
        self.assertTrue(demand.number)
        self.assertEqual(selectors.campaign_figures(campaign)["submitted"], 1)
        # A draft saved through the campaign is counted apart, not as collected.
        token = self.open_form(campaign)
        self.client.post(
            reverse("demands:demand_submit"),
            self.form(campaign, token, action="draft", title="草稿"),
        )
        figures = selectors.campaign_figures(campaign)
        self.assertEqual((figures["submitted"], figures["drafts"]), (1, 1))
        self.login(self.staff_a1)
        page = self.client.get(campaign.get_absolute_url()).content.decode()
        self.assertRegex(page, r'id="campaign-count">1<')
        self.assertIn(demand.title, page)
        detail = self.client.get(demand.get_absolute_url()).content.decode()
        self.assertIn(f'征集活动</div><div class="datagrid-content">{campaign.title}<', detail)
        listing = self.client.get(reverse("demands:campaign_list")).content.decode()
        self.assertIn("1 / 5", listing)
        api = APIClient()
        api.force_authenticate(self.staff_a1)
        row = api.get(f"/api/v1/demands/campaigns/{campaign.pk}/").json()
        self.assertEqual((row["submitted_count"], row["draft_count"]), (1, 1))
        self.assertNotIn("token", row)
        # A withdrawn demand no longer counts.
        from jiangqiao.casework import services as case_services

        case_services.demand_withdraw(actor=self.contact_user, demand=demand, comment="重复")
        self.assertEqual(selectors.campaign_figures(campaign)["submitted"], 0)

    def test_a_category_outside_the_campaign_saves_nothing(self) -> None:
        campaign = self.make_campaign()
        self.login(self.contact_user)
        token = self.open_form(campaign)
        response = self.client.post(
            reverse("demands:demand_submit"), self.form(campaign, token, category="green")
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("需求类别：请选择本次征集活动的征集类别之一", response.content.decode())
        self.assertFalse(Demand.objects.exists())
        with self.assertRaises(BusinessError) as caught:
            self.through(campaign, "类别不符", data={"category": "green"})
        self.assertEqual(caught.exception.field, "category")
        self.assertFalse(Demand.objects.exists())

    def test_submitting_twice_within_a_second_creates_one_demand(self) -> None:
        campaign = self.make_campaign()
        self.login(self.contact_user)
        token = self.open_form(campaign)
        first = self.client.post(reverse("demands:demand_submit"), self.form(campaign, token))
        second = self.client.post(reverse("demands:demand_submit"), self.form(campaign, token))
        self.assertEqual(first.status_code, 302)
        self.assertEqual(second.status_code, 302)
        self.assertEqual(first["Location"], second["Location"])
        self.assertEqual(Demand.objects.filter(campaign=campaign).count(), 1)


class TestDeadline(CampaignBase):
    __test__ = True

    def test_after_the_deadline_the_link_refuses_and_keeps_drafts(self) -> None:
        campaign = self.make_campaign()
        draft = self.through(campaign, "未完成的草稿")
        self.login(self.contact_user)
        token = self.open_form(campaign)
        # The deadline passes while the form is open; the tick has not run (still 征集中).
        yesterday = self.today - dt.timedelta(days=1)
        campaigns.campaign_update(
            actor=self.staff_a1,
            campaign=campaign,
            data={"starts_on": self.today - dt.timedelta(days=8), "deadline": yesterday},
        )
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, CampaignStatus.OPEN)
        message = f"该征集活动已于 {yesterday:%Y-%m-%d} 截止"
        for response in (
            self.client.get(campaign.public_path()),
            self.client.get(submit_path(campaign)),
            self.client.post(reverse("demands:demand_submit"), self.form(campaign, token)),
            self.client.post(
                reverse("demands:demand_submit"), self.form(campaign, token, action="draft")
            ),
        ):
            self.assertEqual(response.status_code, 410)
            html = response.content.decode()
            self.assertIn(message, html)
        self.assertIn("未完成的草稿", html)  # the draft is kept and shown
        with self.assertRaises(campaigns.CampaignClosed):
            self.through(campaign, "迟到")
        self.assertEqual(list(Demand.objects.filter(campaign=campaign)), [draft])
        self.assertTrue(Demand.objects.filter(pk=draft.pk, status="draft").exists())

    def test_a_campaign_closed_while_the_form_was_open_saves_nothing(self) -> None:
        campaign = self.make_campaign()
        self.login(self.contact_user)
        token = self.open_form(campaign)
        campaigns.campaign_transition(actor=self.staff_a1, campaign=campaign, action="close")
        response = self.client.post(reverse("demands:demand_submit"), self.form(campaign, token))
        self.assertEqual(response.status_code, 410)
        self.assertIn("该征集活动已关闭", response.content.decode())
        self.assertFalse(Demand.objects.exists())

    def test_the_tick_ends_overdue_campaigns_once(self) -> None:
        due = self.make_campaign(deadline=self.today)
        later = self.make_campaign(title="仍在征集", deadline=self.today + dt.timedelta(days=3))
        self.assertEqual(campaigns.tick()["ended"], 0)
        with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
            self.assertEqual(campaigns.tick()["ended"], 1)
            self.assertEqual(campaigns.tick()["ended"], 0)
        due.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(due.status, CampaignStatus.ENDED)
        self.assertEqual(later.status, CampaignStatus.OPEN)
        self.assertTrue(
            OperationLog.objects.filter(module="征集活动", action__contains="已截止").exists()
        )
        from jiangqiao.core import periodic

        self.assertIn("demands_campaign_tick", {job.name for job in periodic.registered()})

    def test_reopening_needs_a_deadline_of_today_or_later(self) -> None:
        campaign = self.make_campaign(deadline=self.today)
        with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
            campaigns.tick()
            campaign.refresh_from_db()
            with self.assertRaises(BusinessError) as caught:
                campaigns.campaign_transition(
                    actor=self.staff_a1, campaign=campaign, action="reopen"
                )
            self.assertEqual(caught.exception.field, "deadline")
            campaigns.campaign_update(
                actor=self.staff_a1,
                campaign=campaign,
                data={"deadline": timezone.localdate() + dt.timedelta(days=5)},
            )
            reopened = campaigns.campaign_transition(
                actor=self.staff_a1, campaign=campaign, action="reopen"
            )
            self.assertEqual(reopened.status, CampaignStatus.OPEN)
            self.assertEqual(reopened.public_state(), "open")


class TestBadInput(CampaignBase):
    __test__ = True

    def post_form(self, **extra: Any) -> Any:
        self.login(self.staff_a1)
        html = self.client.get(reverse("demands:campaign_create")).content.decode()
        found = TOKEN.search(html)
        data = {
            "form_token": found.group(1) if found else "",
            "org": self.world.county_a1.pk,
            "title": "坏输入征集",
            "announcement": "说明",
            "categories": ["equipment"],
            "starts_on": "2026-03-01",
            "deadline": "2026-03-31",
            "target_count": "10",
        } | extra
        return self.client.post(reverse("demands:campaign_create"), data)

    def test_each_bad_field_is_named_and_nothing_is_saved(self) -> None:
        cases = (
            ({"deadline": "2026-02-01"}, "截止日期：不能早于开始日期"),
            ({"target_count": "0"}, "目标征集数不能小于 1"),
            ({"target_count": "-3"}, "目标征集数不能小于 1"),
            ({"target_count": "很多"}, "目标征集数"),
            ({"categories": []}, "征集类别：请至少选择一项"),
            ({"categories": ["nonsense"]}, "征集类别"),
            ({"starts_on": "2026-13-40"}, "开始日期"),
            ({"title": ""}, "活动名称"),
        )
        for extra, message in cases:
            with self.subTest(extra=extra):
                response = self.post_form(**extra)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.content.decode())
        self.assertFalse(Campaign.objects.exists())
        self.assertEqual(self.post_form().status_code, 302)
        self.assertEqual(Campaign.objects.count(), 1)

    def test_the_service_and_the_database_refuse_what_the_form_lets_by(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.make_campaign(publish=False, deadline=self.today - dt.timedelta(days=5))
        self.assertIn("deadline", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            self.make_campaign(publish=False, target_count=0)
        with self.assertRaises(BusinessError) as not_code:
            self.make_campaign(publish=False, categories=["equipment", "no_such"])
        self.assertEqual(not_code.exception.field, "categories")
        campaign = self.make_campaign(publish=False)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(target_count=0)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(
                starts_on=self.today + dt.timedelta(days=90)
            )
        self.assertEqual(Campaign.objects.count(), 1)

    def test_publishing_a_past_deadline_is_refused_by_name(self) -> None:
        campaign = self.make_campaign(
            publish=False,
            starts_on=self.today - dt.timedelta(days=9),
            deadline=self.today - dt.timedelta(days=2),
        )
        self.login(self.staff_a1)
        response = self.client.post(
            reverse("demands:campaign_action", args=[campaign.pk]),
            {"action": "publish"},
            follow=True,
        )
        self.assertIn("截止日期：已过", response.content.decode())
        response = self.client.post(
            reverse("demands:campaign_action", args=[campaign.pk]), {"action": "end"}, follow=True
        )
        self.assertIn("操作：不支持该操作", response.content.decode())
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, CampaignStatus.DRAFT)


class TestRollUp(CampaignBase):
    __test__ = True

    def test_a_city_counts_its_districts_campaigns_and_never_another_citys(self) -> None:
        w = self.world
        nanshan = self.make_campaign()
        baoan = self.make_campaign(
            title="宝安区征集", actor=self.staff_a2, org=w.county_a2, target_count=7
        )
        self.make_campaign(title="深圳市征集", actor=w.city_admin_a, org=w.city_a, target_count=20)
        tianhe = self.make_campaign(
            title="天河区征集", actor=w.city_admin_b, org=w.county_b1, target_count=99
        )
        for c in (nanshan, nanshan, baoan, tianhe):
            tianhe_side = c == tianhe
            self.through(
                c,
                "征集需求",
                actor=w.city_admin_b if tianhe_side else None,
                enterprise=make_enterprise(w.county_b1, w.city_admin_b) if tianhe_side else None,
                submit=True,
            )
        rollup = selectors.campaign_rollup(user=w.city_admin_a, unit=w.city_a)
        rows = {
            row["unit"].name: (row["campaigns"], row["target"], row["submitted"])
            for row in rollup["rows"]
        }
        self.assertEqual(
            rows,
            {"深圳市总工会": (1, 20, 0), "南山区总工会": (1, 5, 2), "宝安区总工会": (1, 7, 1)},
        )
        self.assertEqual(
            (rollup["total"]["campaigns"], rollup["total"]["target"], rollup["total"]["submitted"]),
            (3, 32, 3),
        )
        county = selectors.campaign_rollup(user=self.staff_a1, unit=w.county_a1)
        self.assertEqual((county["total"]["campaigns"], county["total"]["submitted"]), (1, 2))
        self.login(w.city_admin_a)
        page = self.client.get(reverse("demands:campaign_summary")).content.decode()
        self.assertIn("宝安区总工会", page)
        self.assertNotIn("天河区", page)
        self.assertRegex(page, r'id="rollup-total">3<')
        self.assertEqual(
            self.client.get(
                reverse("demands:campaign_summary"), {"unit": w.county_b1.pk}
            ).status_code,
            404,
        )
        for bad in ("x", "²", "١٢", "9" * 30, "-1"):
            with self.subTest(unit=bad):
                self.assertEqual(
                    self.client.get(reverse("demands:campaign_summary"), {"unit": bad}).status_code,
                    400,
                )
        listing = self.client.get(reverse("demands:campaign_list")).content.decode()
        for title in ("南山区设备改造需求征集", "宝安区征集", "深圳市征集"):
            self.assertIn(title, listing)
        self.assertNotIn("天河区征集", listing)


class TestQueriesDoNotGrowWithRows(CampaignBase):
    """The list, the roll-up and a campaign's page read in a fixed number of queries."""

    __test__ = True

    def pages(self, campaign: Campaign) -> dict[str, int]:
        counts = {}
        for name, url in (
            ("list", reverse("demands:campaign_list")),
            ("summary", reverse("demands:campaign_summary")),
            ("detail", campaign.get_absolute_url()),
        ):
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(url).status_code, 200)
            counts[name] = len(ctx.captured_queries)
        return counts

    def add(self, n: int) -> None:
        w = self.world
        for i in range(n):
            unit, actor = (w.county_a1, self.staff_a1) if i % 2 else (w.county_a2, self.staff_a2)
            campaign = self.make_campaign(title=f"征集{i}", actor=actor, org=unit)
            ent = make_enterprise(unit, actor, name=f"测试企业{i}号有限公司")
            self.through(
                campaign,
                self.PROBLEMS[i % len(self.PROBLEMS)][0],
                actor=actor,
                enterprise=ent,
                submit=True,
            )

    def test_more_campaigns_and_submissions_cost_no_more_queries(self) -> None:
        first = self.make_campaign()
        self.through(first, "数控机床主轴异响", submit=True)
        self.login(self.world.city_admin_a)
        self.pages(first)  # warm the caches (permissions, menu)
        before = self.pages(first)
        self.add(6)
        for _ in range(3):
            self.through(first, f"第{_}个新问题：{self.PROBLEMS[_ + 1][1]}", submit=True)
        self.assertEqual(self.pages(first), before)


class TestPosterAndQr(CampaignBase):
    __test__ = True

    def test_the_poster_is_an_a4_pdf_with_the_title_and_the_qr_of_the_link(self) -> None:
        from pypdf import PdfReader

        campaign = self.make_campaign(categories=["equipment", "innovate"])
        self.login(self.staff_a1)
        response = self.client.get(reverse("demands:campaign_poster", args=[campaign.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        reader = PdfReader(io.BytesIO(response.content))
        self.assertEqual(len(reader.pages), 1)
        page = reader.pages[0]
        self.assertEqual(
            (round(float(page.mediabox.width)), round(float(page.mediabox.height))), (595, 842)
        )
        text = page.extract_text()
        url = f"http://testserver{campaign.public_path()}"
        for expected in (campaign.title, "南山区总工会", "生产设备改造、设施维护改进", url):
            self.assertIn(expected, text.replace("\n", ""))
        # The squares drawn are exactly the QR code of the link (segno's matrix, border included).
        self.assertEqual(drawn_qr(page.get_contents().get_data().decode("latin-1")), qr_matrix(url))

    def test_the_qr_page_shows_the_link_and_a_draft_has_none(self) -> None:
        draft = self.make_campaign(publish=False)
        self.login(self.staff_a1)
        html = self.client.get(draft.get_absolute_url()).content.decode()
        self.assertNotIn('id="campaign-qr"', html)
        self.assertIn("草稿尚未发布", html)
        response = self.client.get(reverse("demands:campaign_poster", args=[draft.pk]), follow=True)
        self.assertIn("征集海报：请先发布征集活动", response.content.decode())
        campaign = campaigns.campaign_transition(
            actor=self.staff_a1, campaign=draft, action="publish"
        )
        html = self.client.get(campaign.get_absolute_url()).content.decode()
        self.assertRegex(html, r'id="campaign-qr"><svg')
        self.assertIn(f"http://testserver{campaign.public_path()}", html)
        self.assertEqual(poster.qr_code(f"http://testserver{campaign.public_path()}").error, "M")


def qr_matrix(url: str) -> list[list[int]]:
    return [[1 if dark else 0 for dark in row] for row in poster.qr_code(url).matrix_iter(border=4)]


def drawn_qr(content: str) -> list[list[int]]:
    """The dark squares of the poster's QR code, read back from the page's drawing commands."""
    squares = [
        tuple(float(v) for v in m.groups())
        for m in re.finditer(r"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re f", content)
    ]
    background = max(squares, key=lambda s: s[2] * s[3] if s[2] == s[3] else 0)
    x0, y0, size, _h = background
    cells = [s for s in squares if s != background and abs(s[2] - s[3]) < 1e-6 and s[2] < size / 20]
    cell = cells[0][2]
    n = round(size / cell)
    matrix = [[0] * n for _ in range(n)]
    for x, y, _w, _h in cells:
        col = round((x - x0) / cell)
        row = n - 1 - round((y - y0) / cell)
        matrix[row][col] = 1
    return matrix


class TestCampaignScope(DataScopeMatrixTests):
    __test__ = True
    model = Campaign

    def make_row(self, unit: Any, owner: Any) -> Campaign:
        return make_campaign_row(unit, owner)


class TestCampaignPages(CrudPageTests):
    __test__ = True
    model = Campaign
    url_prefix = "demands:campaign"

    def make_row(self, unit: Any, owner: Any) -> Campaign:
        return make_campaign_row(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "title": f"页面新建征集{next(_n)}",
            "announcement": "征集说明",
            "categories": ["equipment", "workforce"],
            "starts_on": "2026-03-01",
            "deadline": "2026-04-30",
            "target_count": "50",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}


class TestCampaignApi(CrudApiTests):
    __test__ = True
    model = Campaign
    api_url = "/api/v1/demands/campaigns/"
    writable = False

    def make_row(self, unit: Any, owner: Any) -> Campaign:
        row = make_campaign_row(unit, owner)
        make_demand(make_enterprise(unit, owner), owner, campaign=row)
        return row
