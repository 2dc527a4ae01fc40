"""企业自助注册: non-disclosure of registered enterprises first, then codes, the unit's queue,
the scope of the requests, and the way from registration to a submitted demand."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import time_machine
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts import phone_codes
from jiangqiao.accounts.choices import CodePurpose
from jiangqiao.accounts.models import PhoneCode, User
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Notification, OperationLog
from jiangqiao.core.testing.cases import DataScopeMatrixTests, WorldTestCase
from jiangqiao.demands import registration, views_intake
from jiangqiao.demands.choices import RegistrationKind, RegistrationStatus
from jiangqiao.demands.models import Demand, Enterprise, EnterpriseContact, EnterpriseRegistration
from jiangqiao.orgs.models import Organization

from .factories import make_enterprise, new_uscc
from .intake_helpers import sent_codes, wrong

PASSWORD = "Qiye@2026-pass"
REGISTER = "/demands/register/"


class RegistrationPage(WorldTestCase):
    """Drives the public page the way a phone does: fill in, get the code, register."""

    _n = 0

    def form(self, uscc: str, mobile: str, **extra: Any) -> dict[str, Any]:
        type(self)._n += 1
        data = {
            "enterprise_name": "深圳市自助注册精密有限公司",
            "uscc": uscc,
            "contact_name": "王联络",
            "contact_title": "行政经理",
            "mobile": mobile,
            "username": f"qiye_{type(self)._n}_{mobile[-4:]}",
            "password": PASSWORD,
            "password2": PASSWORD,
            "consent": "on",
        }
        data.update(extra)
        return data

    def page_key(self, client: Any = None, path: str = REGISTER) -> str:
        page = (client or self.client).get(path).content.decode()
        match = re.search(r'name="page_key" value="([^"]+)"', page)
        assert match is not None
        return match.group(1)

    def send(self, data: dict[str, Any], key: str, client: Any = None) -> tuple[Any, list[str]]:
        client = client or self.client
        return sent_codes(
            self, lambda: client.post(REGISTER, {**data, "page_key": key, "action": "send"})
        )

    def register(
        self, data: dict[str, Any], *, client: Any = None, code: str | None = None
    ) -> tuple[Any, str]:
        """Send the code, register with it; returns the registration's response and code."""
        client = client or self.client
        key = self.page_key(client)
        response, codes = self.send(data, key, client)
        self.assertEqual(response.status_code, 200, response.content.decode()[:2000])
        self.assertEqual(len(codes), 1)
        final = client.post(
            REGISTER,
            {**data, "page_key": key, "action": "register", "code": code or codes[0]},
        )
        return final, codes[0]


class TestExistingEnterpriseIsNeverDisclosed(RegistrationPage):
    """Attacking first: a registrant typing a registered USCC learns that it is registered and
    nothing else — not which enterprise, not its unit, not its contacts; and the answer is the
    same for every registered enterprise."""

    def setUp(self) -> None:
        super().setUp()
        self.first = make_enterprise(self.world.county_a1, name="甲秘密机械有限公司")
        self.second = make_enterprise(self.world.county_b1, name="乙隐秘电子有限公司")
        EnterpriseContact.objects.create(enterprise=self.first, name="甲联系人赵某")
        self.secrets = [
            self.first.name,
            self.second.name,
            "甲联系人赵某",
            self.world.county_a1.name,
            self.world.county_b1.name,
            self.world.city_a.name,
            self.world.city_b.name,
        ]

    def _pages(self, ent: Enterprise, mobile: str) -> tuple[str, str, User]:
        client = self.client_class()
        data = self.form(ent.uscc, mobile, enterprise_name="我填写的企业名称")
        key = self.page_key(client)
        sent, codes = self.send(data, key, client)
        final = client.post(
            REGISTER, {**data, "page_key": key, "action": "register", "code": codes[0]}
        )
        self.assertEqual(final.status_code, 302)
        done = client.get(final["Location"]).content.decode()
        user = User.objects.get(username=data["username"])
        return sent.content.decode(), done.replace(user.username, "USERNAME"), user

    def assert_nothing_of(self, text: str) -> None:
        for secret in self.secrets:
            self.assertNotIn(secret, text)

    def test_same_answer_for_any_registered_enterprise(self) -> None:
        sent_a, done_a, user_a = self._pages(self.first, "13800138001")
        sent_b, done_b, user_b = self._pages(self.second, "13800138002")
        self.assertEqual(done_a, done_b)
        self.assertIn(registration.EXISTING_MESSAGE, done_a)
        for text in (sent_a, sent_b, done_a, done_b):
            self.assert_nothing_of(text)
        # The account is made without a unit (his profile must not name the enterprise's unit).
        self.assertIsNone(user_a.org_id)
        self.assertIsNone(user_b.org_id)

    def test_the_code_step_does_not_tell_registered_from_new(self) -> None:
        registered = self.form(self.first.uscc, "13800138003")
        fresh = self.form(new_uscc("440305"), "13800138004")
        page_r, _ = self.send(registered, self.page_key())
        page_f, _ = self.send(fresh, self.page_key())

        def body(page: Any, data: dict[str, Any]) -> str:
            text = page.content.decode()
            for value in (data["uscc"], data["username"], data["mobile"][-4:]):
                text = text.replace(value, "")
            return re.sub(r'name="(page_key|csrfmiddlewaretoken)" value="[^"]+"', "", text)

        self.assertEqual(body(page_r, registered), body(page_f, fresh))

    def test_registrant_sees_nothing_of_the_enterprise_anywhere(self) -> None:
        _, _, user = self._pages(self.first, "13800138005")
        self.client.force_login(user)
        self.assertFalse(Enterprise.objects.visible_to(user, "view").exists())
        self.assertFalse(EnterpriseRegistration.objects.visible_to(user, "view").exists())
        for url in ("/", reverse("demands:demand_submit"), "/accounts/profile/"):
            self.assert_nothing_of(self.client.get(url).content.decode())
        for note in Notification.objects.filter(recipient=user):
            self.assert_nothing_of(note.title + note.body)
        # Nothing of the enterprise was changed or linked.
        self.assertFalse(self.first.contacts.filter(user=user).exists())
        self.assertEqual(self.first.contacts.count(), 1)

    def test_request_waits_for_the_owning_unit(self) -> None:
        _, _, user = self._pages(self.first, "13800138006")
        reg = EnterpriseRegistration.objects.get(user=user)
        self.assertEqual(reg.kind, RegistrationKind.NEW_CONTACT)
        self.assertEqual(reg.status, RegistrationStatus.PENDING)
        self.assertEqual(reg.org_id, self.world.county_a1.pk)
        self.assertEqual(reg.claimed_name, "我填写的企业名称")
        told = Notification.objects.filter(recipient=self.world.county_operator)
        self.assertTrue(told.filter(title__contains="新联系人").exists())
        # His phone form says the request waits (not "ask your union"), naming nothing of the
        # enterprise; once the unit approves, the form is there.
        self.client.force_login(user)
        form = self.client.get(reverse("demands:demand_submit")).content.decode()
        self.assertIn('id="registration-pending"', form)
        self.assert_nothing_of(form)
        # His home page (where he lands after login) says the same.
        home = self.client.get(reverse("core:home")).content.decode()
        self.assertIn('id="registration-pending"', home)
        self.assertIn("等待所属工会确认", home)
        self.assert_nothing_of(home)
        registration.registration_approve(actor=self.world.city_admin_a, registration=reg)
        form = self.client.get(reverse("demands:demand_submit")).content.decode()
        self.assertNotIn('id="registration-pending"', form)
        self.assertNotIn("尚未关联企业", form)
        home = self.client.get(reverse("core:home")).content.decode()
        self.assertNotIn('id="registration-pending"', home)


class TestNewEnterprise(RegistrationPage):
    def test_new_uscc_registers_enterprise_account_and_contact_then_a_demand(self) -> None:
        data = self.form(new_uscc("440305"), "13800138011")
        final, _ = self.register(data)
        self.assertEqual(final.status_code, 302)
        done = self.client.get(final["Location"]).content.decode()
        self.assertIn(registration.NEW_MESSAGE, done)

        ent = Enterprise.objects.get(uscc=data["uscc"])
        self.assertEqual(ent.org_id, self.world.county_a1.pk)  # the unit of the USCC's region
        self.assertFalse(ent.is_verified)
        user = User.objects.get(username=data["username"])
        self.assertIn("enterprise_contact", user.role_codes())
        self.assertFalse(user.must_change_password)
        contact = EnterpriseContact.objects.get(enterprise=ent, user=user)
        self.assertEqual(contact.mobile, "13800138011")
        reg = EnterpriseRegistration.objects.get(user=user)
        self.assertEqual((reg.kind, reg.status), (RegistrationKind.NEW_ENTERPRISE, "pending"))
        self.assertEqual(reg.consent_version, "2026.1")
        self.assertTrue(OperationLog.objects.filter(module=registration.MODULE).exists())

        # First login with the chosen password, then a demand at once (it waits for nobody).
        fresh = self.client_class()
        login = fresh.post(
            reverse("accounts:login"), {"username": data["username"], "password": PASSWORD}
        )
        self.assertEqual(login.status_code, 302)
        form = fresh.get(reverse("demands:demand_submit")).content.decode()
        self.assertNotIn("尚未关联企业", form)
        # His registration waits for verification, but he may submit: no “waiting” notice.
        home = fresh.get(reverse("core:home")).content.decode()
        self.assertNotIn('id="registration-pending"', home)
        posted = fresh.post(
            reverse("demands:demand_submit"),
            {
                "kind": "tech_problem",
                "title": "主轴异响需要诊断",
                "description": "数控机床主轴高速运转时异响",
                "delivery_mode": "either",
                "action": "submit",
            },
        )
        self.assertEqual(posted.status_code, 302)
        demand = Demand.objects.get(enterprise=ent)
        self.assertEqual(demand.status, "submitted")
        self.assertTrue(demand.number)

    def test_the_quality_gate_counts_the_units_confirmation(self) -> None:
        """A self-registered enterprise scores one point less on 企业核验 until its unit
        approves the registration (casework.quality.enterprise_verification)."""
        from jiangqiao.casework.quality import enterprise_verification

        data = self.form(new_uscc("440305"), "13800138019")
        self.register(data)
        ent = Enterprise.objects.get(uscc=data["uscc"])
        before = enterprise_verification(ent)
        self.assertIn("企业核实", [a.label for a in before.advice])
        reg = EnterpriseRegistration.objects.get(enterprise=ent)
        registration.registration_approve(actor=self.world.city_admin_a, registration=reg)
        ent.refresh_from_db()
        after = enterprise_verification(ent)
        self.assertEqual(after.score, before.score + 1)
        self.assertNotIn("企业核实", [a.label for a in after.advice])

    def test_falls_back_to_the_city_unit_when_the_county_has_none(self) -> None:
        data = self.form(new_uscc("440307"), "13800138012")  # 龙岗区: no unit in the tree
        final, _ = self.register(data)
        self.assertEqual(final.status_code, 302)
        self.assertEqual(Enterprise.objects.get(uscc=data["uscc"]).org_id, self.world.city_a.pk)

    def test_double_submit_registers_once(self) -> None:
        data = self.form(new_uscc("440305"), "13800138013")
        key = self.page_key()
        _, codes = self.send(data, key)
        post = {**data, "page_key": key, "action": "register", "code": codes[0]}
        first = self.client.post(REGISTER, post)
        second = self.client.post(REGISTER, post)
        self.assertEqual(first.status_code, 302)
        self.assertEqual(second.status_code, 302)
        self.assertEqual(first["Location"], second["Location"])
        self.assertEqual(EnterpriseRegistration.objects.filter(submit_key__isnull=False).count(), 1)
        self.assertEqual(User.objects.filter(username=data["username"]).count(), 1)

    def test_next_is_kept_only_when_local(self) -> None:
        local = self.client.get(REGISTER, {"next": "/demands/submit/?campaign=3"})
        self.assertIn('value="/demands/submit/?campaign=3"', local.content.decode())
        for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
            page = self.client.get(REGISTER, {"next": bad}).content.decode()
            self.assertNotIn("evil.example", page)
            self.assertNotIn("javascript:", page)


class TestBadInput(RegistrationPage):
    def assert_refused(self, data: dict[str, Any], field_message: str) -> None:
        before = (Enterprise.objects.count(), User.objects.count(), PhoneCode.objects.count())
        response = self.client.post(
            REGISTER, {**data, "page_key": self.page_key(), "action": "send"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(field_message, response.content.decode())
        after = (Enterprise.objects.count(), User.objects.count(), PhoneCode.objects.count())
        self.assertEqual(before, after)

    def test_wrong_check_character(self) -> None:
        good = new_uscc("440305")
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        self.assert_refused(self.form(bad, "13800138021"), "统一社会信用代码：校验位应为")

    def test_union_code_is_not_an_enterprise(self) -> None:
        from jiangqiao.core.identifiers import make_uscc

        union = make_uscc("8", "1", "440305", "12345678")
        self.assert_refused(self.form(union, "13800138022"), "统一社会信用代码：这是工会组织的代码")

    def test_region_without_any_unit(self) -> None:
        self.assert_refused(
            self.form(new_uscc("110105"), "13800138023"), "统一社会信用代码：第3–8位登记地区"
        )

    def test_missing_consent_mobile_password(self) -> None:
        self.assert_refused(
            self.form(new_uscc("440305"), "13800138024", consent=""), "个人信息处理告知："
        )
        self.assert_refused(self.form(new_uscc("440305"), "1380013"), "手机号码：")
        self.assert_refused(
            self.form(new_uscc("440305"), "13800138025", password2="other"),
            "确认密码：两次输入的密码不一致",
        )

    def test_taken_username(self) -> None:
        self.assert_refused(
            self.form(new_uscc("440305"), "13800138026", username="city_admin_a"),
            "登录账号：已被使用",
        )


class TestCodes(RegistrationPage):
    """Tries, pause, expiry, reuse, resend interval and hourly caps of the one-time codes."""

    mobile = "13900139000"

    def _send(self, subject: str = "") -> str:
        _, codes = sent_codes(
            self,
            lambda: phone_codes.code_send(
                purpose=CodePurpose.REGISTRATION, mobile=self.mobile, subject=subject
            ),
        )
        return codes[0]

    def _verify(self, code: str, subject: str = "") -> Any:
        return phone_codes.code_verify(
            purpose=CodePurpose.REGISTRATION, mobile=self.mobile, code=code, subject=subject
        )

    def test_code_is_kept_only_as_a_hash_and_the_mobile_encrypted(self) -> None:
        code = self._send()
        row = PhoneCode.objects.get()
        self.assertNotIn(code, row.code_hash)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT mobile FROM accounts_phonecode WHERE id = %s", [row.pk])
            raw = cursor.fetchone()[0]
        self.assertNotIn(self.mobile, raw)

    def test_five_wrong_codes_pause_with_the_time_in_the_message(self) -> None:
        code = self._send()
        for left in (4, 3, 2, 1):
            with self.assertRaisesMessage(BusinessError, f"验证码：不正确，还可再试 {left} 次"):
                self._verify(wrong(code))
        with self.assertRaisesMessage(BusinessError, "请 15 分钟后重新获取验证码"):
            self._verify(wrong(code))
        # Paused: not even the right code, and no new code is sent.
        with self.assertRaisesMessage(BusinessError, "验证码：输错次数过多"):
            self._verify(code)
        with self.assertRaisesMessage(BusinessError, "分钟后重新获取验证码"):
            phone_codes.code_send(purpose=CodePurpose.REGISTRATION, mobile=self.mobile)
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            fresh = self._send()
            self.assertEqual(self._verify(fresh).purpose, CodePurpose.REGISTRATION)

    def test_a_deployment_sets_its_own_limits(self) -> None:
        with self.settings(
            JIANGQIAO_SMS_CODE_MAX_ATTEMPTS=2,
            JIANGQIAO_SMS_CODE_PAUSE_MINUTES=30,
            JIANGQIAO_SMS_CODE_TTL_MINUTES=3,
        ):
            code = self._send()
            row = PhoneCode.objects.get()
            self.assertAlmostEqual((row.expires_at - row.created_at).total_seconds(), 180, delta=1)
            with self.assertRaisesMessage(BusinessError, "验证码：不正确，还可再试 1 次"):
                self._verify(wrong(code))
            with self.assertRaisesMessage(BusinessError, "请 30 分钟后重新获取验证码"):
                self._verify(wrong(code))

    def test_expired_code(self) -> None:
        code = self._send()
        with (
            time_machine.travel(timezone.now() + timedelta(minutes=11)),
            self.assertRaisesMessage(BusinessError, "验证码：已过期，请重新获取"),
        ):
            self._verify(code)

    def test_used_code_never_confirms_again(self) -> None:
        from django.db import transaction

        code = self._send()
        row = self._verify(code)
        with transaction.atomic():
            phone_codes.code_consume(row)
        with self.assertRaisesMessage(BusinessError, "验证码：已使用"):
            self._verify(code)
        with self.assertRaises(BusinessError), transaction.atomic():
            phone_codes.code_consume(row)

    def test_purpose_and_subject_bind_the_code(self) -> None:
        code = self._send(subject="demand:1")
        with self.assertRaisesMessage(BusinessError, "请先获取验证码"):
            self._verify(code, subject="demand:2")
        with self.assertRaisesMessage(BusinessError, "请先获取验证码"):
            phone_codes.code_verify(
                purpose=CodePurpose.ASSISTED_CONFIRM, mobile=self.mobile, code=code
            )

    def test_resend_interval_replaces_and_hourly_cap(self) -> None:
        first = self._send()
        with self.assertRaisesMessage(BusinessError, "秒后再获取"):
            phone_codes.code_send(purpose=CodePurpose.REGISTRATION, mobile=self.mobile)
        now = timezone.now()
        with time_machine.travel(now + timedelta(seconds=61)):
            second = self._send()
            if second != first:
                with self.assertRaises(BusinessError):
                    self._verify(first)  # the earlier code stopped working
            self.assertTrue(self._verify(second))
        for minutes in (3, 4, 5):
            with time_machine.travel(now + timedelta(minutes=minutes)):
                self._send()
        with (
            time_machine.travel(now + timedelta(minutes=6)),
            self.assertRaisesMessage(BusinessError, "手机号码：该号码一小时内获取验证码次数已达"),
        ):
            phone_codes.code_send(purpose=CodePurpose.REGISTRATION, mobile=self.mobile)

    def test_client_address_cap(self) -> None:
        now = timezone.now()
        for n in range(phone_codes.limits().client_hourly_cap):
            with time_machine.travel(now + timedelta(seconds=n)):
                phone_codes.code_send(
                    purpose=CodePurpose.REGISTRATION, mobile=f"137{n:08d}", client="10.0.0.9"
                )
        with self.assertRaisesMessage(BusinessError, "当前网络一小时内获取验证码次数过多"):
            phone_codes.code_send(
                purpose=CodePurpose.REGISTRATION, mobile="13600136000", client="10.0.0.9"
            )

    def test_wrong_code_on_the_page_saves_nothing_and_names_the_field(self) -> None:
        data = self.form(new_uscc("440305"), "13800138031")
        final, code = self.register(data, code="000000")
        if code == "000000":
            return  # one in a million: the wrong code was the right one
        self.assertEqual(final.status_code, 400)
        self.assertIn("验证码：不正确，还可再试 4 次", final.content.decode())
        self.assertFalse(Enterprise.objects.filter(uscc=data["uscc"]).exists())
        self.assertFalse(User.objects.filter(username=data["username"]).exists())


class TestUnitQueue(RegistrationPage):
    def _pending(self, ent: Enterprise | None = None) -> EnterpriseRegistration:
        uscc = ent.uscc if ent is not None else new_uscc("440305")
        data = self.form(uscc, f"1350013{self._n:04d}")
        final, _ = self.register(data, client=self.client_class())
        self.assertEqual(final.status_code, 302)
        return EnterpriseRegistration.objects.get(user__username=data["username"])

    def decide(self, user: User, reg: EnterpriseRegistration, **post: Any) -> Any:
        self.client.force_login(user)
        return self.client.post(reverse("demands:registration_decide", args=[reg.pk]), post)

    def test_other_units_staff_cannot_see_or_decide(self) -> None:
        reg = self._pending()
        self.client.force_login(self.world.city_admin_b)
        listing = self.client.get(reverse("demands:registration_list")).content.decode()
        self.assertNotIn(reg.claimed_name, listing)
        self.assertEqual(
            self.client.get(reverse("demands:registration_detail", args=[reg.pk])).status_code,
            404,
        )
        self.assertEqual(
            self.decide(self.world.city_admin_b, reg, action="approve").status_code, 404
        )
        self.assertEqual(
            self.decide(self.world.city_admin_b, reg, action="refuse", reason="x").status_code, 404
        )
        reg.refresh_from_db()
        self.assertEqual(reg.status, RegistrationStatus.PENDING)
        # The enterprise contact role has no access to the queue at all.
        self.client.force_login(reg.user)
        self.assertEqual(self.client.get(reverse("demands:registration_list")).status_code, 403)

    def test_approving_a_contact_links_the_account(self) -> None:
        ent = make_enterprise(self.world.county_a1, name="丙已登记科技有限公司")
        reg = self._pending(ent)
        self.client.force_login(self.world.city_admin_a)
        listing = self.client.get(reverse("demands:registration_list")).content.decode()
        self.assertIn(ent.name, listing)  # staff in scope see which enterprise it matched
        self.assertEqual(
            self.decide(self.world.city_admin_a, reg, action="approve").status_code, 302
        )
        reg.refresh_from_db()
        self.assertEqual(reg.status, RegistrationStatus.APPROVED)
        self.assertTrue(ent.contacts.filter(user=reg.user).exists())
        self.assertTrue(Enterprise.objects.visible_to(reg.user).filter(pk=ent.pk).exists())
        self.assertTrue(Notification.objects.filter(recipient=reg.user, title="联系人申请已确认"))
        # Decided once: a second decision is refused and changes nothing.
        self.decide(self.world.city_admin_a, reg, action="refuse", reason="重复")
        reg.refresh_from_db()
        self.assertEqual(reg.status, RegistrationStatus.APPROVED)

    def test_approving_a_new_enterprise_verifies_it_refusing_disables_it(self) -> None:
        reg = self._pending()
        self.decide(self.world.county_operator, reg, action="approve")
        reg.enterprise.refresh_from_db()
        self.assertTrue(reg.enterprise.is_verified)
        other = self._pending()
        response = self.decide(self.world.county_operator, other, action="refuse", reason="")
        self.assertEqual(response.status_code, 302)
        other.refresh_from_db()
        self.assertEqual(other.status, RegistrationStatus.PENDING)  # a reason is required
        self.decide(self.world.county_operator, other, action="refuse", reason="营业执照信息不符")
        other.refresh_from_db()
        other.enterprise.refresh_from_db()
        self.assertEqual(other.status, RegistrationStatus.REFUSED)
        self.assertEqual(other.enterprise.status, "disabled")
        note = Notification.objects.get(recipient=other.user, title="企业注册申请未通过")
        self.assertIn("营业执照信息不符", note.body)

    def test_queue_page_renders_for_staff(self) -> None:
        self._pending()
        self.client.force_login(self.world.county_operator)
        page = self.client.get(reverse("demands:registration_list"))
        self.assertEqual(page.status_code, 200)
        content = page.content.decode()
        self.assertIn("135****", content)  # the mobile is masked
        self.assertNotIn("13500130", content)

    def test_the_queue_pages_instead_of_dropping_rows(self) -> None:
        regs = [self._pending() for _ in range(3)]
        self.client.force_login(self.world.county_operator)
        url = reverse("demands:registration_list")
        with mock.patch.object(views_intake, "REGISTRATIONS_PER_PAGE", 2):
            first = self.client.get(url).content.decode()
            second = self.client.get(url, {"status": "pending", "page": 2}).content.decode()
            self.assertIn("第 1 页，共 3 条", first)
            self.assertIn("下一页", first)
            # Newest first: the oldest request is on the second page, and only there.
            self.assertIn(regs[0].get_absolute_url(), second)
            self.assertNotIn(regs[0].get_absolute_url(), first)
            self.assertIn(regs[2].get_absolute_url(), first)
            odd = self.client.get(url, {"status": '"><b>x', "page": "²"})
            self.assertEqual(odd.status_code, 200)
            self.assertNotIn('"><b>x', odd.content.decode())


class TestRegistrationScope(DataScopeMatrixTests):
    __test__ = True
    model = EnterpriseRegistration

    def make_row(self, unit: Organization, owner: Any) -> EnterpriseRegistration:
        ent = make_enterprise(unit, owner)
        return EnterpriseRegistration.objects.create(
            org=unit,
            kind=RegistrationKind.NEW_CONTACT,
            enterprise=ent,
            claimed_name=ent.name,
            contact_name="张三",
            mobile="13800000000",
            mobile_index="x",
            user=owner,
            consent_version="2026.1",
            consented_at=timezone.now(),
            submit_key=f"k{ent.pk}",
            created_by=owner,
        )
