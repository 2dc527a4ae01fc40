"""Bulk exports and reveals (issue 12 item 8): a stated purpose, a watermark naming the exporter,
the security administrator's approval above a threshold, and no caching."""

from __future__ import annotations

from typing import Any

from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role
from jiangqiao.core.approvals import approval_decide
from jiangqiao.core.models import ApprovalRequest, Job, OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.core.testing.sheets import read_xlsx
from jiangqiao.talents.tests.helpers import make_craftsman


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class TestExportPurposeAndWatermark(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        for n in range(3):
            make_craftsman(self.world.county_a1, self.world.city_admin_a, name=f"南山工匠{n}")
        self.url = reverse("talents:craftsman_list")

    def test_an_export_without_a_purpose_is_refused(self) -> None:
        self.login(self.world.city_admin_a)
        before = OperationLog.objects.filter(business_type="export").count()
        for purpose in ("", " ", "x"):
            response = self.client.get(
                self.url, {"_export": "xlsx", "_purpose": purpose, "q": "南山"}, follow=True
            )
            self.assertEqual(response["Content-Type"].split(";")[0], "text/html")
            self.assertContains(response, "请说明导出的用途")
            self.assertEqual(response.redirect_chain[-1][0], f"{self.url}?q=%E5%8D%97%E5%B1%B1")
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.get("/api/v1/talents/craftsmen/export/", {"file_format": "csv"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("purpose", response.json())
        self.assertEqual(OperationLog.objects.filter(business_type="export").count(), before)

    def test_the_file_names_the_exporter_and_the_purpose_and_the_log_keeps_it(self) -> None:
        user = self.world.city_admin_a
        self.login(user)
        response = self.client.get(self.url, {"_export": "xlsx", "_purpose": "上报省总统计"})
        self.assertEqual(response["Cache-Control"], "no-store, private")
        rows = read_xlsx(_body(response))
        mark = str(rows[0][0])
        self.assertIn(f"导出人：{user.display_name}（{user.username}）", mark)
        self.assertIn("深圳市总工会", mark)
        self.assertIn("用途：上报省总统计", mark)
        self.assertEqual(rows[1][:2], ["编号", "姓名"])
        self.assertEqual(len(rows), 2 + 3)
        log = OperationLog.objects.filter(business_type="export").latest("pk")
        self.assertEqual(log.extra["purpose"], "上报省总统计")
        self.assertIn("用途：上报省总统计", log.action)
        csv_text = _body(
            self.client.get(self.url, {"_export": "csv", "_purpose": "上报省总统计"})
        ).decode()
        self.assertTrue(csv_text.lstrip("\ufeff").startswith("导出人："))

    def test_an_exported_file_can_be_imported_again_despite_the_watermark(self) -> None:
        from jiangqiao.core.io import services as io_services

        self.login(self.world.city_admin_a)
        data = _body(self.client.get(self.url, {"_export": "xlsx", "_purpose": "数据核对"}))
        batch = io_services.import_upload(
            actor=self.world.city_admin_a,
            spec_key="talents.craftsman",
            file_name="导出.xlsx",
            data=data,
        )
        io_services.import_check(actor=self.world.city_admin_a, batch=batch)
        self.assertFalse(batch.result.get("file_errors"), batch.result)

    def test_signed_in_pages_are_not_cached(self) -> None:
        self.login(self.world.city_admin_a)
        self.assertEqual(self.client.get(self.url)["Cache-Control"], "no-store, private")
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.get("/api/v1/talents/craftsmen/")
        self.assertEqual(response["Cache-Control"], "no-store, private")


@override_settings(JIANGQIAO_EXPORT_APPROVAL_ROWS=2, JIANGQIAO_EXPORT_APPROVAL_UNMASKED_ROWS=1)
class TestExportApproval(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        for n in range(3):
            make_craftsman(self.world.county_a1, self.world.city_admin_a, name=f"南山工匠{n}")
        self.url = reverse("talents:craftsman_list")
        self.sec = make_user("sec_x", self.world.province, Role.objects.get(code="security_admin"))

    def test_a_large_export_waits_for_the_security_admin_then_runs_as_the_requester(self) -> None:
        user = self.world.city_admin_a  # sees ID numbers in clear: the smaller threshold applies
        self.login(user)
        response = self.client.get(self.url, {"_export": "csv", "_purpose": "年度核对"})
        request = ApprovalRequest.objects.get(kind="core.export")
        self.assertRedirects(response, request.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(request.payload["rows"], 3)
        self.assertTrue(request.payload["unmasked"])
        self.assertEqual(request.reason, "年度核对")
        self.assertFalse(Job.objects.filter(kind="export_list").exists())
        # The requester cannot approve it himself (he lacks the permission and is the requester).
        page = self.client.post(request.get_absolute_url(), {"action": "approve"})
        self.assertEqual(page.status_code, 400)
        self.client.force_login(self.sec)
        detail = self.client.get(request.get_absolute_url()).content.decode()
        self.assertIn("明文", detail)
        with self.captureOnCommitCallbacks(execute=True):
            approval_decide(actor=self.sec, request=request, approve=True, note="同意")
        request.refresh_from_db()
        job = Job.objects.get(pk=request.result["job"])
        self.assertEqual(job.created_by, user)
        self.assertEqual(job.status, "succeeded", job.error)
        # The approver does not get the file; the requester does.
        self.assertEqual(
            self.client.get(reverse("core:export_download", args=[job.pk])).status_code, 404
        )
        self.login(user)
        download = self.client.get(reverse("core:export_download", args=[job.pk]))
        self.assertEqual(download.status_code, 200)
        self.assertIn("用途：年度核对", download.content.decode("utf-8-sig").splitlines()[0])

    def test_the_api_answers_202_with_the_approval(self) -> None:
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.get(
            "/api/v1/talents/craftsmen/export/", {"file_format": "csv", "purpose": "年度核对"}
        )
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json()["status"], "pending")
        self.assertTrue(ApprovalRequest.objects.filter(pk=response.json()["approval"]).exists())

    def test_a_masked_export_below_the_row_threshold_needs_no_approval(self) -> None:
        task_force = make_user(
            "tf_x", self.world.province, Role.objects.get(code="provincial_task_force")
        )
        self.client.force_login(task_force)
        with override_settings(JIANGQIAO_EXPORT_APPROVAL_ROWS=3):
            response = self.client.get(self.url, {"_export": "csv", "_purpose": "数据核对"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ApprovalRequest.objects.exists())


class TestRevealPurpose(WorldTestCase):
    def test_revealing_identifiers_needs_a_purpose_which_is_logged(self) -> None:
        craftsman = make_craftsman(self.world.county_a1, self.world.city_admin_a, name="甲工")
        self.login(self.world.city_admin_a)
        url = reverse("talents:craftsman_reveal", args=[craftsman.pk])
        refused = self.client.post(url, {"purpose": ""}, follow=True)
        self.assertNotContains(refused, craftsman.id_number)
        self.assertContains(refused, "请说明查看明文的用途")
        shown = self.client.post(url, {"purpose": "核实身份"})
        self.assertContains(shown, craftsman.id_number)
        self.assertEqual(shown["Cache-Control"], "no-store")
        log = OperationLog.objects.filter(business_type="view_sensitive").latest("pk")
        self.assertEqual(log.extra["purpose"], "核实身份")
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        bad = api.post(f"/api/v1/talents/craftsmen/{craftsman.pk}/reveal/", {}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("用途", str(bad.json()))
        ok = api.post(
            f"/api/v1/talents/craftsmen/{craftsman.pk}/reveal/",
            {"purpose": "安排服务"},
            format="json",
        )
        self.assertEqual(ok.json()["id_number"], craftsman.id_number)
