"""Data-subject requests (PIPL art. 44–47): attacks first, then the lifecycle."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.privacy import services
from jiangqiao.privacy.choices import RequestKind, RequestStatus
from jiangqiao.privacy.models import DataSubjectRequest
from jiangqiao.privacy.selectors import overdue, request_queue
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Consent, Craftsman
from jiangqiao.talents.services import ERASED_NAME

from .helpers import PrivacyWorld


def copy_of(dsr: DataSubjectRequest, user) -> dict:
    _, blob = services.export_download(actor=user, dsr=dsr)
    return json.loads(blob.decode("utf-8"))


class AttackTests(PrivacyWorld):
    def test_access_copy_of_a_holds_nothing_of_b(self) -> None:
        # B shares A's unit, expertise and enterprise world; his name, number and ID never leak.
        dsr = services.request_submit(actor=self.user_a, kind=RequestKind.ACCESS)
        self.assertEqual(dsr.status, RequestStatus.DONE)
        text = json.dumps(copy_of(dsr, self.user_a), ensure_ascii=False)
        self.assertIn("张主轴", text)
        self.assertIn(self.a.mobile, text)  # his own number in clear: it is his copy
        for secret in (self.b.name, self.b.mobile, self.b.id_number, self.user_b.username):
            self.assertNotIn(secret, text)

    def test_nobody_else_downloads_the_copy(self) -> None:
        dsr = services.request_submit(actor=self.user_a, kind=RequestKind.ACCESS)
        for intruder in (self.user_b, self.staff, self.world.superuser):
            with self.assertRaises(PermissionDenied):
                services.export_download(actor=intruder, dsr=dsr)
        self.client.force_login(self.user_b)
        response = self.client.get(reverse("privacy:export_download", args=[dsr.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(DataSubjectRequest.objects.get(pk=dsr.pk).downloads, 0)

    def test_staff_of_another_unit_neither_see_nor_handle(self) -> None:
        dsr = services.request_submit(
            actor=self.user_a, kind=RequestKind.CORRECT, corrections={"employer_name": "新单位"}
        )
        self.assertFalse(request_queue(user=self.other_staff).filter(pk=dsr.pk).exists())
        with self.assertRaises(ScopeViolation):
            services.request_start(actor=self.other_staff, dsr=dsr)
        with self.assertRaises(ScopeViolation):
            services.request_reject(actor=self.other_staff, dsr=dsr, reason="不予处理")
        self.client.force_login(self.other_staff)
        self.assertEqual(
            self.client.get(reverse("privacy:request_detail", args=[dsr.pk])).status_code, 404
        )
        listing = self.client.get(reverse("privacy:request_list")).content.decode()
        self.assertNotIn("张主轴", listing)
        self.assertEqual(DataSubjectRequest.objects.get(pk=dsr.pk).status, "submitted")

    def test_a_craftsman_cannot_handle_requests(self) -> None:
        dsr = services.request_submit(
            actor=self.user_b, kind=RequestKind.DELETE, details="不再参与"
        )
        with self.assertRaises(PermissionDenied):
            services.request_start(actor=self.user_a, dsr=dsr)
        self.client.force_login(self.user_a)
        self.assertEqual(self.client.get(reverse("privacy:request_list")).status_code, 403)
        self.assertEqual(DataSubjectRequest.objects.get(pk=dsr.pk).status, "submitted")

    def test_staff_accounts_have_no_subject_page_requests(self) -> None:
        with self.assertRaises(BusinessError):
            services.request_submit(actor=self.staff, kind=RequestKind.ACCESS)
        self.assertFalse(DataSubjectRequest.objects.exists())


class BadInputTests(PrivacyWorld):
    def test_empty_correction(self) -> None:
        with self.assertRaises(BusinessError) as refused:
            services.request_submit(actor=self.user_a, kind=RequestKind.CORRECT, corrections={})
        self.assertEqual(refused.exception.message, "【更正内容】请至少填写一项要更正的信息")
        self.assertFalse(DataSubjectRequest.objects.exists())

    def test_unknown_field(self) -> None:
        with self.assertRaises(BusinessError) as refused:
            services.request_submit(
                actor=self.user_a, kind=RequestKind.CORRECT, corrections={"org": "省总工会"}
            )
        self.assertIn("【更正字段】“org”不是可更正的信息", refused.exception.message)
        self.assertFalse(DataSubjectRequest.objects.exists())

    def test_blank_value_and_bad_kind(self) -> None:
        with self.assertRaises(BusinessError) as refused:
            services.request_submit(
                actor=self.user_a, kind=RequestKind.CORRECT, corrections={"name": "  "}
            )
        self.assertIn("【姓名】", refused.exception.message)
        with self.assertRaises(BusinessError):
            services.request_submit(actor=self.user_a, kind="portability")
        self.assertFalse(DataSubjectRequest.objects.exists())

    def test_empty_correction_form_page(self) -> None:
        self.client.force_login(self.user_a)
        response = self.client.post(reverse("privacy:request_create", args=["correct"]), {})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "【更正内容】请至少填写一项要更正的信息", status_code=400)
        self.assertFalse(DataSubjectRequest.objects.exists())

    def test_wrong_id_number_is_refused_when_applied_and_nothing_saved(self) -> None:
        dsr = services.request_submit(
            actor=self.user_a,
            kind=RequestKind.CORRECT,
            corrections={"id_number": "123", "employer_name": "新单位"},
        )
        services.request_start(actor=self.staff, dsr=dsr)
        with self.assertRaises(BusinessError):
            services.request_complete(actor=self.staff, dsr=dsr)
        fresh = Craftsman.objects.get(pk=self.a.pk)
        self.assertNotEqual(fresh.employer_name, "新单位")
        self.assertEqual(DataSubjectRequest.objects.get(pk=dsr.pk).status, "processing")

    def test_reject_needs_a_reason(self) -> None:
        dsr = services.request_submit(actor=self.user_a, kind=RequestKind.DELETE)
        with self.assertRaises(BusinessError) as refused:
            services.request_reject(actor=self.staff, dsr=dsr, reason="")
        self.assertEqual(refused.exception.message, "【拒绝理由】不能为空")
        self.assertEqual(DataSubjectRequest.objects.get(pk=dsr.pk).status, "submitted")

    def test_one_open_request_per_kind(self) -> None:
        services.request_submit(actor=self.user_a, kind=RequestKind.DELETE)
        with self.assertRaises(BusinessError) as refused:
            services.request_submit(actor=self.user_a, kind=RequestKind.DELETE)
        self.assertIn("未办结的删除申请", refused.exception.message)
        self.assertEqual(DataSubjectRequest.objects.count(), 1)


class LifecycleTests(PrivacyWorld):
    def test_access_copy_content_and_logged_download(self) -> None:
        dsr = services.request_submit(actor=self.user_a, kind=RequestKind.ACCESS)
        data = copy_of(dsr, self.user_a)
        self.assertEqual(data["劳模工匠档案"]["姓名"], "张主轴")
        self.assertEqual(len(data["个人信息授权"]), 2)
        self.assertEqual(data["账号"]["登录账号"], "gj_a")
        self.assertIn("登录记录", data)
        self.assertEqual(DataSubjectRequest.objects.get(pk=dsr.pk).downloads, 1)
        self.assertTrue(
            OperationLog.objects.filter(
                action="下载本人个人信息副本", user=self.user_a, target_id=str(dsr.pk)
            ).exists()
        )

    def test_access_copy_names_coded_lists_by_their_chinese_labels(self) -> None:
        talent_services.craftsman_update(
            actor=self.world.city_admin_a,
            craftsman=self.a,
            data={
                "industries": ["3411"],
                "service_modes": ["onsite", "mentoring"],
                "expertise_tags": ["innovate.process"],
            },
        )
        dsr = services.request_submit(actor=self.user_a, kind=RequestKind.ACCESS)
        profile = copy_of(dsr, self.user_a)["劳模工匠档案"]
        self.assertEqual(profile["所属行业"], ["锅炉及辅助设备制造（3411）"])
        self.assertEqual(profile["接受的服务方式"], ["现场指导（onsite）", "名师带徒（mentoring）"])
        self.assertEqual(profile["专长领域"], ["工艺改进（innovate.process）"])
        region = self.world.county_a1.region_code
        self.assertEqual(len(profile["服务地区"]), 1)
        self.assertTrue(profile["服务地区"][0].endswith(f"（{region}）"))
        self.assertIn("南山", profile["服务地区"][0])

    def test_contact_copy(self) -> None:
        dsr = services.request_submit(actor=self.boss, kind=RequestKind.ACCESS)
        data = copy_of(dsr, self.boss)
        self.assertEqual(data["企业联系人"][0]["姓名"], "赵经理")
        self.assertNotIn("劳模工匠档案", data)
        self.assertEqual(dsr.org_id, self.ent.org_id)

    def test_correction_is_applied_by_the_owning_service(self) -> None:
        dsr = services.request_submit(
            actor=self.user_a,
            kind=RequestKind.CORRECT,
            corrections={"employer_name": "深圳精工集团"},
            details="已调动",
        )
        self.assertEqual(dsr.due_date, timezone.localdate() + dt.timedelta(days=15))
        dsr = services.request_start(actor=self.staff, dsr=dsr)
        self.assertEqual((dsr.status, dsr.handler_id), ("processing", self.staff.pk))
        dsr = services.request_complete(actor=self.staff, dsr=dsr)
        self.assertEqual(dsr.status, "done")
        self.assertEqual(Craftsman.objects.get(pk=self.a.pk).employer_name, "深圳精工集团")
        self.assertEqual(Craftsman.objects.get(pk=self.b.pk).employer_name, self.b.employer_name)
        steps = OperationLog.objects.filter(module="个人信息保护", target_id=str(dsr.pk))
        self.assertEqual(steps.count(), 3)  # submitted, taken, done
        with self.assertRaises(BusinessError):  # done is final
            services.request_reject(actor=self.staff, dsr=dsr, reason="晚了")

    def test_deletion_erases_and_closes_the_account(self) -> None:
        dsr = services.request_submit(actor=self.user_a, kind=RequestKind.DELETE)
        services.request_start(actor=self.staff, dsr=dsr)
        services.request_complete(actor=self.staff, dsr=dsr, note="核实身份后删除")
        erased = Craftsman.objects.get(pk=self.a.pk)
        self.assertEqual(erased.name, ERASED_NAME)
        self.assertEqual((erased.id_number, erased.mobile, erased.user_id), ("", "", None))
        self.assertEqual(erased.status, "removed")
        self.assertFalse(
            Consent.objects.filter(craftsman=erased, withdrawn_at__isnull=True).exists()
        )
        self.user_a.refresh_from_db()
        self.assertFalse(self.user_a.is_active)
        # B is untouched.
        self.assertEqual(Craftsman.objects.get(pk=self.b.pk).name, "李秘密")
        self.assertTrue(self.user_b.__class__.objects.get(pk=self.user_b.pk).is_active)

    def test_overdue_after_fifteen_days(self) -> None:
        dsr = services.request_submit(actor=self.user_a, kind=RequestKind.DELETE)
        qs = DataSubjectRequest.objects.filter(pk=dsr.pk)
        self.assertFalse(overdue(qs).exists())
        with time_machine.travel(timezone.now() + dt.timedelta(days=16)):
            self.assertTrue(overdue(qs).exists())
            self.assertTrue(DataSubjectRequest.objects.get(pk=dsr.pk).is_overdue)
            self.client.force_login(self.staff)
            page = self.client.get(reverse("privacy:request_list") + "?overdue=true")
            self.assertContains(page, "已超期")
            self.assertContains(page, "张主轴")
        services.request_reject(actor=self.staff, dsr=dsr, reason="身份未能核实")
        with time_machine.travel(timezone.now() + dt.timedelta(days=16)):
            self.assertFalse(overdue(qs).exists())  # answered: no longer overdue

    def test_staff_pages_walk(self) -> None:
        dsr = services.request_submit(
            actor=self.user_a, kind=RequestKind.CORRECT, corrections={"position": "首席技师"}
        )
        self.client.force_login(self.staff)
        page = self.client.get(reverse("privacy:request_detail", args=[dsr.pk]))
        self.assertContains(page, "首席技师")
        self.client.post(reverse("privacy:request_step", args=[dsr.pk, "start"]))
        self.client.post(
            reverse("privacy:request_step", args=[dsr.pk, "complete"]), {"answer": "已更正"}
        )
        self.assertEqual(DataSubjectRequest.objects.get(pk=dsr.pk).status, "done")
        self.assertEqual(Craftsman.objects.get(pk=self.a.pk).position, "首席技师")

    def test_person_page_lists_only_his_requests(self) -> None:
        services.request_submit(actor=self.user_b, kind=RequestKind.DELETE, details="李秘密的申请")
        services.request_submit(actor=self.user_a, kind=RequestKind.ACCESS)
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("privacy:me")).content.decode()
        self.assertIn("下载副本", page)
        self.assertNotIn("李秘密", page)
        self.assertEqual(page.count("data-request="), 1)


class MenuTests(PrivacyWorld):
    def test_my_page_is_in_the_menu_of_the_people_only(self) -> None:
        from jiangqiao.core.navigation import menu_for

        def labels(user) -> set[str]:
            return {item["label"] for group in menu_for(user) for item in group["items"]}

        self.assertIn("我的个人信息", labels(self.user_a))
        self.assertIn("我的个人信息", labels(self.boss))
        self.assertNotIn("我的个人信息", labels(self.staff))
        self.assertIn("个人信息权利申请", labels(self.staff))
        self.assertNotIn("个人信息权利申请", labels(self.user_a))


class NamingTests(PrivacyWorld):
    def test_the_title_uses_the_local_date(self) -> None:
        # 23:30 UTC on 5 December is 07:30 on 6 December in 北京时间.
        late = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)
        with time_machine.travel(late, tick=False):
            dsr = services.request_submit(actor=self.user_a, kind=RequestKind.DELETE)
        self.assertIn("2026-12-06", str(dsr))
        self.assertEqual(dsr.due_date, dt.date(2026, 12, 21))


class DeletionFormTests(PrivacyWorld):
    def test_unconfirmed_deletion_is_refused_with_a_chinese_message(self) -> None:
        self.client.force_login(self.boss)
        response = self.client.post(reverse("privacy:request_create", args=["delete"]), {})
        self.assertContains(response, "【确认】请勾选", status_code=400)
        self.assertFalse(DataSubjectRequest.objects.exists())
        response = self.client.post(
            reverse("privacy:request_create", args=["delete"]), {"confirm": "on"}
        )
        self.assertEqual(response.status_code, 302)
        dsr = DataSubjectRequest.objects.get()
        self.assertEqual((dsr.subject_kind, dsr.org_id), ("contact", self.ent.org_id))

    def test_contact_deletion_removes_the_contact_and_closes_the_account(self) -> None:
        from jiangqiao.demands.models import EnterpriseContact

        dsr = services.request_submit(actor=self.boss, kind=RequestKind.DELETE)
        services.request_start(actor=self.staff, dsr=dsr)
        services.request_complete(actor=self.staff, dsr=dsr)
        self.assertFalse(EnterpriseContact.objects.filter(pk=self.contact.pk).exists())
        self.boss.refresh_from_db()
        self.assertFalse(self.boss.is_active)
        dsr.refresh_from_db()
        self.assertEqual((dsr.status, dsr.requester_name), ("done", "（已删除）"))
