"""“我的个人信息” of an enterprise contact who registered himself (企业自助注册): the notice he
agreed to (version, time, what it covers) on his page and in his copy — and nothing of another
registrant's registration of the same enterprise. Attacks first."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts.models import Role
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands.choices import (
    REGISTRATION_CONSENT_TEXT,
    REGISTRATION_CONSENT_VERSION,
    RegistrationKind,
)
from jiangqiao.demands.models import EnterpriseRegistration
from jiangqiao.privacy import services
from jiangqiao.privacy.choices import RequestKind

from .helpers import PrivacyWorld

A_TIME = dt.datetime(2026, 11, 2, 1, 15, tzinfo=dt.UTC)  # 09:15 北京时间
B_TIME = dt.datetime(2026, 11, 20, 6, 40, tzinfo=dt.UTC)  # 14:40 北京时间


def registration(
    user: Any, ent: Any, kind: str, *, claimed: str, name: str, mobile: str, at: dt.datetime
) -> EnterpriseRegistration:
    """A registration as ``demands.registration`` writes it (status left at 待核实)."""
    return EnterpriseRegistration.objects.create(
        org=ent.org,
        kind=kind,
        enterprise=ent,
        claimed_name=claimed,
        contact_name=name,
        mobile=mobile,
        mobile_index=blind_index(mobile, purpose="mobile"),
        user=user,
        consent_version=REGISTRATION_CONSENT_VERSION,
        consented_at=at,
        submit_key=f"key-{user.username}",
        created_by=user,
        updated_by=user,
    )


class RegistrationConsentTests(PrivacyWorld):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # A (the enterprise's contact, self-registered) and B (asking to be a contact of the
        # same enterprise, waiting for the unit).
        cls.reg_a = registration(
            cls.boss,
            cls.ent,
            RegistrationKind.NEW_ENTERPRISE,
            claimed="甲填写的精密机械厂",
            name="赵经理",
            mobile="13711110001",
            at=A_TIME,
        )
        cls.user_reg_b = make_user("qy_reg_b", None, Role.objects.get(code="enterprise_contact"))
        cls.reg_b = registration(
            cls.user_reg_b,
            cls.ent,
            RegistrationKind.NEW_CONTACT,
            claimed="乙填写的秘密名称",
            name="钱秘密",
            mobile="13922220002",
            at=B_TIME,
        )

    def b_secrets(self) -> list[str]:
        return ["乙填写的秘密名称", "钱秘密", "13922220002", "2026-11-20", "qy_reg_b"]

    def a_secrets(self) -> list[str]:
        return ["甲填写的精密机械厂", "13711110001", "2026-11-02"]

    def page(self, user: Any) -> str:
        self.client.force_login(user)
        response = self.client.get(reverse("privacy:me"))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_a_page_and_copy_hold_nothing_of_b_registration(self) -> None:
        page = self.page(self.boss)
        dsr = services.request_submit(actor=self.boss, kind=RequestKind.ACCESS)
        _, blob = services.export_download(actor=self.boss, dsr=dsr)
        copy = blob.decode("utf-8")
        for text in (page, copy):
            for secret in self.b_secrets():
                self.assertNotIn(secret, text)
        # and B (waiting, no contact yet) sees nothing of A's.
        page_b = self.page(self.user_reg_b)
        for secret in self.a_secrets():
            self.assertNotIn(secret, page_b)
        self.assertIn("乙填写的秘密名称", page_b)

    def test_contact_page_shows_his_registration_consent_and_contact_wording(self) -> None:
        page = self.page(self.boss)
        self.assertIn('id="registration-consents"', page)
        self.assertIn(f"版本 {REGISTRATION_CONSENT_VERSION}", page)
        self.assertIn("2026-11-02 09:15", page)  # local time
        self.assertIn(REGISTRATION_CONSENT_TEXT[:20], page)
        self.assertIn("甲填写的精密机械厂", page)
        self.assertIn('data-copy="contact"', page)
        self.assertIn("注册时的告知同意、本人提交的需求", page)
        for craftsman_words in ("劳模工匠档案", "服务邀请与记录", "撤回同意"):
            self.assertNotIn(craftsman_words, page)

    def test_craftsman_page_keeps_craftsman_wording_without_registration(self) -> None:
        page = self.page(self.user_a)
        self.assertIn('data-copy="craftsman"', page)
        self.assertIn("服务邀请与记录", page)
        self.assertNotIn('id="registration-consents"', page)

    def test_waiting_registrant_sees_his_consent_and_why_no_requests_yet(self) -> None:
        page = self.page(self.user_reg_b)
        self.assertIn('data-copy="registrant"', page)
        self.assertIn("2026-11-20 14:40", page)
        self.assertNotIn("未关联劳模工匠档案或企业联系人", page)
        self.assertNotIn('id="rights"', page)  # requests come with the contact link
        self.assertNotIn(self.ent.name, page)  # the enterprise he matched is never named

    def test_access_copy_holds_the_registration_consent_record(self) -> None:
        dsr = services.request_submit(actor=self.boss, kind=RequestKind.ACCESS)
        _, blob = services.export_download(actor=self.boss, dsr=dsr)
        data = json.loads(blob.decode("utf-8"))
        rows = data["企业自助注册与告知同意"]
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["告知同意文本版本"], REGISTRATION_CONSENT_VERSION)
        self.assertEqual(row["同意时间"], timezone.localtime(A_TIME).strftime("%Y-%m-%d %H:%M:%S"))
        self.assertEqual(row["告知同意文本"], REGISTRATION_CONSENT_TEXT)
        self.assertEqual(row["填写的企业名称"], "甲填写的精密机械厂")
        self.assertEqual(row["手机号码"], "13711110001")
        for hidden in ("企业", "所属组织", "手机号索引", "提交令牌"):
            self.assertNotIn(hidden, row)
