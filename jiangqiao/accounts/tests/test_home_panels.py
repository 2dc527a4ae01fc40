"""The home panels of the three administrators (三员): who sees which, each count equals the list it
links to, a unit's administrator counts his unit's rows only, and nobody gets raw totals of
organisations and users any more."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts import services
from jiangqiao.accounts.home import attention_items, audit_events, audit_items, security_items
from jiangqiao.accounts.models import LoginLog, User
from jiangqiao.core import approvals, jobs
from jiangqiao.core.choices import BusinessType, OperationStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io.exporting import EXPORT_APPROVAL
from jiangqiao.core.models import OperationLog
from jiangqiao.core.operations import record_operation
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import admin_user, make_user, scope_role

ADMIN_PANELS = {"accounts.attention", "accounts.security", "accounts.audit"}


@jobs.job_kind("home_panel_fail", title="测试：首页失败任务")
def _failing_job(job: Any, progress: Any) -> Any:
    raise BusinessError("测试失败")


class HomePanelCase(WorldTestCase):
    def panels(self, user: User) -> dict[str, str]:
        self.login(user)
        response = self.client.get(reverse("core:home"))
        self.assertEqual(response.status_code, 200)
        return {p.name: str(p.html) for p in response.context["panels"]}

    def listed(self, user: User, url: str) -> set[int]:
        """The primary keys the list page behind ``url`` shows to ``user`` (all pages)."""
        self.login(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return set(response.context["table"].data.data.values_list("pk", flat=True))


class WhoSeesWhatTests(HomePanelCase):
    def test_each_administrator_sees_the_panel_of_his_duty_and_no_raw_totals(self) -> None:
        w = self.world
        system = admin_user("sys_home", w.province, "system_admin")
        security = admin_user("sec_home", w.province, "security_admin")
        expected = {
            system: {"accounts.attention", "taxonomy.versions"},
            security: {"accounts.security"},
            w.auditor: {"accounts.audit"},
        }
        for user, mine in expected.items():
            with self.subTest(user=user.username):
                shown = self.panels(user)
                self.assertEqual(set(shown) & (ADMIN_PANELS | {"taxonomy.versions"}), mine)
                html = "".join(shown.values())
                # The old 系统概况 cards: the number of organisations and of users.
                self.assertNotIn(reverse("orgs:organization_list") + '"', html)
                self.assertNotIn("系统概况", html)

    def test_staff_enterprise_contacts_and_craftsmen_get_no_administrator_panel(self) -> None:
        from jiangqiao.accounts.models import Role

        w = self.world
        for code in ("union_staff", "enterprise_contact", "craftsman", "academy_admin"):
            user = make_user(f"home_{code}", w.county_a1, Role.objects.get(code=code))
            with self.subTest(role=code):
                self.assertFalse(set(self.panels(user)) & ADMIN_PANELS)


class AccountAttentionTests(HomePanelCase):
    """账号待处理 of a unit's system administrator (city_admin_a: accounts of city_a and below)."""

    def setUp(self) -> None:
        w = self.world
        now = timezone.now()
        role = scope_role("org_and_below")
        self.me = w.city_admin_a
        User.objects.filter(pk=self.me.pk).update(last_login=now)
        # Accounts of my city, each in one state (the world's own accounts are counted too).
        self.fresh = self.account("a_fresh", w.county_a1, role, last_login=now)
        self.never = self.account("a_never", w.county_a2, role)
        self.expired = self.account(
            "a_expired", w.county_a1, role, last_login=now, changed=now - dt.timedelta(days=95)
        )
        self.expiring = self.account(
            "a_expiring", w.county_a1, role, last_login=now, changed=now - dt.timedelta(days=80)
        )
        self.dormant = self.account(
            "a_dormant", w.county_a1, role, last_login=now - dt.timedelta(days=120)
        )
        self.disabled = self.account(
            "a_disabled",
            w.county_a1,
            role,
            last_login=now - dt.timedelta(days=200),
            is_active=False,
        )
        self.locked = self.account("a_locked", w.county_a1, role, last_login=now)
        self.attempt(self.locked.username, failures=5, minutes_ago=3)
        self.attempt(self.fresh.username, failures=2, minutes_ago=1)  # not yet locked
        self.attempt(self.expired.username, failures=5, minutes_ago=30)  # the lock has ended
        # Another city's accounts in every state: never counted for city_a.
        self.theirs = self.account("b_never", w.county_b1, role)
        self.account("b_dormant", w.county_b1, role, last_login=now - dt.timedelta(days=120))
        locked_b = self.account("b_locked", w.county_b1, role, last_login=now)
        self.attempt(locked_b.username, failures=6, minutes_ago=1)

    def account(
        self,
        username: str,
        org: Any,
        role: Any,
        *,
        last_login: Any = None,
        changed: Any = None,
        is_active: bool = True,
    ) -> User:
        user = make_user(username, org, role, is_active=is_active)
        User.objects.filter(pk=user.pk).update(
            last_login=last_login, password_changed_at=changed or timezone.now()
        )
        return User.objects.get(pk=user.pk)

    def attempt(self, username: str, *, failures: int, minutes_ago: int) -> None:
        row = AccessAttempt.objects.create(
            username=username,
            ip_address="10.0.0.1",
            user_agent="test",
            get_data="",
            post_data="",
            http_accept="",
            path_info="/accounts/login/",
            failures_since_start=failures,
        )
        AccessAttempt.objects.filter(pk=row.pk).update(
            attempt_time=timezone.now() - dt.timedelta(minutes=minutes_ago)
        )

    def test_each_count_is_its_list_and_holds_only_my_citys_accounts(self) -> None:
        w = self.world
        items = {i.key: i for i in attention_items(user=self.me)}
        expected = {
            "locked": {self.locked.pk},
            # the world's accounts of city_a that never logged in, and the new one
            "never": {self.never.pk, w.county_operator.pk, w.grassroots_clerk.pk},
            "password_expired": {self.expired.pk},
            "password_expiring": {self.expiring.pk},
            "dormant": {self.dormant.pk},
        }
        self.assertEqual(set(items), set(expected))
        for key, pks in expected.items():
            with self.subTest(key=key):
                self.assertEqual(items[key].count, len(pks))
                self.assertEqual(self.listed(self.me, items[key].url), pks)
        self.assertTrue(items["locked"].red)
        self.assertFalse(items["never"].red)

    def test_the_panel_links_every_count(self) -> None:
        html = self.panels(self.me)["accounts.attention"]
        for item in attention_items(user=self.me):
            self.assertIn(f'href="{item.url}" data-work="{item.key}"', html)
        self.assertNotIn("b_never", html)

    def test_job_counts_equal_the_job_list_of_my_units(self) -> None:
        from jiangqiao.core.home import job_counts

        w = self.world
        with self.captureOnCommitCallbacks(execute=True):
            failed = jobs.job_start(actor=w.city_admin_a, kind="home_panel_fail")
            jobs.job_start(actor=w.city_admin_b, kind="home_panel_fail")  # another city's
        queued = jobs.job_start(actor=w.city_admin_a, kind="home_panel_fail")  # not run yet
        items = {i.key: i for i in job_counts(user=self.me)}
        self.assertEqual(items["failed"].count, 1)
        self.assertTrue(items["failed"].red)
        self.assertEqual(self.listed(self.me, items["failed"].url), {failed.pk})
        self.assertEqual(self.listed(self.me, items["queued"].url), {queued.pk})
        self.assertEqual(items["running"].count, 0)
        html = self.panels(self.me)["accounts.attention"]
        self.assertIn(f'href="{items["failed"].url}" data-work="failed"', html)

    def test_the_province_system_administrator_counts_every_city(self) -> None:
        system = admin_user("sys_all", self.world.province, "system_admin")
        items = {i.key: i for i in attention_items(user=system)}
        self.assertEqual(
            self.listed(system, items["locked"].url), {self.locked.pk, self.b_locked()}
        )
        self.assertIn(self.theirs.pk, self.listed(system, items["never"].url))

    def b_locked(self) -> int:
        return User.objects.get(username="b_locked").pk

    def test_an_unknown_attention_value_is_a_form_error_not_a_500(self) -> None:
        self.login(self.me)
        response = self.client.get(reverse("accounts:user_list"), {"attention": "bogus"})
        self.assertIn(response.status_code, (200, 400))
        self.assertNotIn(self.never.username, response.content.decode())


class SecurityPanelTests(HomePanelCase):
    def setUp(self) -> None:
        w = self.world
        self.sec = admin_user("sec_prov", w.province, "security_admin")
        self.sec_a = admin_user("sec_city_a", w.city_a, "security_admin")
        now = timezone.now()
        a_user, b_user = w.county_operator, w.city_admin_b
        self.logs = {
            "a_fail_now": self.log(a_user, "failure", now - dt.timedelta(hours=1)),
            "a_fail_3d": self.log(a_user, "failure", now - dt.timedelta(days=3)),
            "a_fail_10d": self.log(a_user, "failure", now - dt.timedelta(days=10)),
            "a_locked_2h": self.log(a_user, "locked", now - dt.timedelta(hours=2)),
            "a_success": self.log(a_user, "success", now - dt.timedelta(hours=1)),
            "b_fail_now": self.log(b_user, "failure", now - dt.timedelta(hours=1)),
            "b_locked_5d": self.log(b_user, "locked", now - dt.timedelta(days=5)),
        }
        # Tokens: one expiring within 30 days, one later, one expired, one revoked.
        holder = w.city_admin_a
        self.soon, _ = services.token_issue(actor=holder, name="数据交换", days=10)
        services.token_issue(actor=holder, name="报表脚本", days=60)
        expired, _ = services.token_issue(actor=holder, name="旧脚本", days=5)
        from jiangqiao.accounts.models import ApiToken

        ApiToken.objects.filter(pk=expired.pk).update(expires_at=now - dt.timedelta(days=1))
        revoked, _ = services.token_issue(actor=holder, name="作废", days=5)
        services.token_revoke(actor=holder, token=revoked)
        theirs, _ = services.token_issue(actor=w.city_admin_b, name="广州交换", days=7)
        self.theirs_token = theirs
        # Approvals: two exports waiting (one withdrawn), a user move waiting (another kind).
        self.export = self.request_export(w.city_admin_a, "导出需求（12000 条）")
        withdrawn = self.request_export(w.city_admin_a, "导出人才（9000 条）")
        approvals.approval_cancel(actor=w.city_admin_a, request=withdrawn)
        from jiangqiao.accounts.models import Role

        clerk = make_user("clerk_move", w.county_a1, Role.objects.get(code="union_staff"))
        move = services.user_move(
            actor=admin_user("sys_mover", w.province, "system_admin"),
            user=clerk,
            org=w.city_b,
            reason="调往广州",
        )
        self.assertIsNotNone(move)  # a request of another kind, waiting too

    def log(self, user: User, status: str, when: Any) -> LoginLog:
        row = LoginLog.objects.create(
            username=user.username, user=user, org_id=user.org_id, status=status
        )
        LoginLog.objects.filter(pk=row.pk).update(time=when)
        return row

    def request_export(self, actor: User, title: str) -> Any:
        return approvals.approval_request(
            actor=actor,
            kind=EXPORT_APPROVAL,
            title=title,
            payload={"rows": 12000, "format": "xlsx"},
            org=actor.org,
        )

    def test_counts_equal_their_lists(self) -> None:
        items = {i.key: i for i in security_items(user=self.sec)}
        pk = {k: v.pk for k, v in self.logs.items()}
        expected_logs = {
            "failures_24h": {pk["a_fail_now"], pk["b_fail_now"]},
            "failures_7d": {pk["a_fail_now"], pk["a_fail_3d"], pk["b_fail_now"]},
            "lockouts_24h": {pk["a_locked_2h"]},
            "lockouts_7d": {pk["a_locked_2h"], pk["b_locked_5d"]},
        }
        for key, pks in expected_logs.items():
            with self.subTest(key=key):
                self.assertEqual(items[key].count, len(pks))
                self.assertEqual(self.listed(self.sec, items[key].url), pks)
        self.assertTrue(items["lockouts_24h"].red)
        privileged = self.listed(self.sec, items["privileged"].url)
        self.assertEqual(items["privileged"].count, len(privileged))
        # The 三员 (the security duty, the auditor, the system administrator who filed the move),
        # the superuser, and the test world's unit staff, who manage accounts in their units
        # (a system duty's account permissions); not the ordinary 工会工作人员 who was moved.
        self.assertEqual(
            privileged,
            set(
                User.objects.filter(
                    username__in=[
                        "sec_prov",
                        "sec_city_a",
                        "auditor",
                        "superuser",
                        "sys_mover",
                        "province_admin",
                        "city_admin_a",
                        "city_admin_b",
                        "county_operator",
                        "grassroots_clerk",
                    ]
                ).values_list("pk", flat=True)
            ),
        )
        self.assertNotIn(User.objects.get(username="clerk_move").pk, privileged)
        self.assertEqual(items["tokens_expiring"].count, 2)  # 10 days, and 广州's 7 days
        self.login(self.sec)
        page = self.client.get(items["tokens_expiring"].url).content.decode()
        self.assertIn("数据交换", page)
        self.assertNotIn("报表脚本", page)
        self.assertNotIn("旧脚本", page)
        self.assertNotIn("作废", page)
        self.assertEqual(items["exports_pending"].count, 1)
        self.assertTrue(items["exports_pending"].red)
        page = self.client.get(items["exports_pending"].url).content.decode()
        self.assertIn(self.export.title, page)
        self.assertNotIn("导出人才", page)
        self.assertNotIn("用户调动", page)

    def test_a_citys_security_administrator_counts_his_citys_logins_only(self) -> None:
        items = {i.key: i for i in security_items(user=self.sec_a)}
        pk = {k: v.pk for k, v in self.logs.items()}
        self.assertEqual(self.listed(self.sec_a, items["failures_24h"].url), {pk["a_fail_now"]})
        self.assertEqual(items["failures_24h"].count, 1)
        self.assertEqual(items["lockouts_7d"].count, 1)
        html = self.panels(self.sec_a)["accounts.security"]
        self.assertIn(items["failures_24h"].url.replace("&", "&amp;"), html)

    def test_bad_filter_values_answer_without_error(self) -> None:
        self.login(self.sec)
        for url, params in (
            (reverse("accounts:loginlog_list"), {"within": "1y"}),
            (reverse("accounts:token_all"), {"state": "bogus"}),
            (reverse("core:approval_list"), {"kind": "nope", "status": "pending"}),
        ):
            with self.subTest(url=url):
                response = self.client.get(url, params)
                self.assertIn(response.status_code, (200, 400))
        page = self.client.get(reverse("accounts:token_all"), {"state": "bogus"})
        self.assertNotIn("数据交换", page.content.decode())


class AuditPanelTests(HomePanelCase):
    def setUp(self) -> None:
        w = self.world
        now = timezone.now()
        a, b = w.city_admin_a, w.city_admin_b
        self.ops = {
            "grant": self.op(a, "用户管理", BusinessType.GRANT, "设置用户“张三”的角色", now),
            "grant_old": self.op(
                a,
                "用户管理",
                BusinessType.GRANT,
                "设置用户“李四”的角色",
                now - dt.timedelta(days=9),
            ),
            "role": self.op(b, "角色管理", BusinessType.GRANT, "修改角色“审核员”的数据范围", now),
            "token": self.op(a, "API 令牌", BusinessType.GRANT, "签发 API 令牌“交换”", now),
            # A craftsman's consent is a 授权 too, of personal data: not a grant of rights.
            "consent": self.op(a, "人才库", BusinessType.GRANT, "“王五”同意：公开展示", now),
            "export": self.op(b, "数据导出", BusinessType.EXPORT, "导出需求 300 条", now),
            "sensitive": self.op(a, "人才库", BusinessType.VIEW_SENSITIVE, "查看身份证号", now),
            "failed": self.op(
                a, "企业库", BusinessType.UPDATE, "修改企业", now, status=OperationStatus.FAIL
            ),
            "insert": self.op(a, "企业库", BusinessType.INSERT, "新增企业", now),
        }
        LoginLog.objects.create(username="nobody", status="failure", org_id=None)
        LoginLog.objects.create(
            username=w.county_operator.username,
            user=w.county_operator,
            org_id=w.county_a1.pk,
            status="failure",
        )

    def op(
        self, actor: User, module: str, kind: str, action: str, when: Any, **extra: Any
    ) -> OperationLog:
        row = record_operation(
            actor=actor, module=module, business_type=kind, action=action, **extra
        )
        OperationLog.objects.filter(pk=row.pk).update(time=when)
        return OperationLog.objects.get(pk=row.pk)

    def test_counts_equal_the_filtered_logs(self) -> None:
        auditor = self.world.auditor
        items = {i.key: i for i in audit_items(user=auditor)}
        pk = {k: v.pk for k, v in self.ops.items()}
        expected = {
            "user_grants": {pk["grant"]},
            "role_changes": {pk["role"]},
            "tokens": {pk["token"]},
            "exports": {pk["export"]},
            "sensitive": {pk["sensitive"]},
            "forced": set(),
            "failed_operations": {pk["failed"]},
        }
        for key, pks in expected.items():
            with self.subTest(key=key):
                self.assertEqual(items[key].count, len(pks))
                self.assertEqual(self.listed(auditor, items[key].url), pks)
        failed_logins = self.listed(auditor, items["failed_logins"].url)
        self.assertEqual(items["failed_logins"].count, len(failed_logins))
        self.assertEqual(len(failed_logins), 2)  # the unknown name too: the auditor reads all

    def test_recent_events_are_the_counted_kinds_linked_to_their_rows(self) -> None:
        events = [e.pk for e in audit_events(user=self.world.auditor)]
        pk = {k: v.pk for k, v in self.ops.items()}
        self.assertEqual(
            set(events),
            {pk[k] for k in ("grant", "grant_old", "role", "token", "export", "sensitive")},
        )
        self.assertEqual(events[-1], pk["grant_old"])  # newest first
        html = self.panels(self.world.auditor)["accounts.audit"]
        self.assertIn(self.ops["grant"].get_absolute_url(), html)
        self.assertNotIn("新增企业", html)
        self.assertNotIn("同意：公开展示", html)

    def test_the_audit_panel_is_the_auditors_only(self) -> None:
        self.assertNotIn("accounts.audit", self.panels(self.world.city_admin_a))
