"""Import pages and API, list exports (filters, scope, masking, formula injection, jobs)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role
from jiangqiao.core.choices import ImportStatus
from jiangqiao.core.models import ImportBatch, Job, OperationLog
from jiangqiao.core.testing.cases import DataScopeMatrixTests, WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.core.testing.sheets import read_xlsx, xlsx
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import id_number, make_craftsman

HEADER = ["姓名", "身份证号", "工作单位", "所属行业"]


PURPOSE = "数据核对"


def csv_rows(content: bytes) -> list[list[str]]:
    """The rows of an exported CSV below its watermark line (which must be there)."""
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][0].startswith("导出人：") and f"用途：{PURPOSE}" in rows[0][0], rows[0]
    return rows[1:]


def export_xlsx(content: bytes) -> list[list[Any]]:
    """The rows of an exported workbook below its watermark row (which must be there)."""
    rows = read_xlsx(content)
    assert str(rows[0][0]).startswith("导出人：") and f"用途：{PURPOSE}" in str(rows[0][0])
    return rows[1:]


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class TestImportBatchScope(DataScopeMatrixTests):
    __test__ = True
    model = ImportBatch

    def make_row(self, unit: Any, owner: Any) -> ImportBatch:
        return ImportBatch.objects.create(
            spec="talents.craftsman",
            file_name="x.xlsx",
            file_sha256="0" * 64,
            file_data=b"v1:",
            org=unit,
            created_by=owner,
            updated_by=owner,
        )


class TestImportPages(WorldTestCase):
    def test_upload_check_and_commit_through_the_pages(self) -> None:
        user = self.world.city_admin_a
        self.login(user)
        start = reverse("core:import_start", args=["talents.craftsman"])
        page = self.client.get(start)
        self.assertContains(page, "下载导入模板")
        self.assertContains(page, "身份证号")
        template = self.client.get(reverse("core:import_template", args=["talents.craftsman"]))
        self.assertEqual(template.status_code, 200)
        self.assertIn("attachment", template["Content-Disposition"])
        data = xlsx(
            [HEADER, ["王工", id_number(351), "甲厂", "C3421"], ["钱工", "123", "乙厂", "C3421"]]
        )
        response = self.client.post(
            start,
            {
                "file": SimpleUploadedFile("名单.xlsx", data),
                "source_label": "宝安区名单",
                "mode": "all",
                "policy": "fill",
            },
        )
        batch = ImportBatch.objects.latest("pk")
        self.assertRedirects(response, batch.get_absolute_url())
        detail = self.client.get(batch.get_absolute_url())
        self.assertContains(detail, "第3行【身份证号】")
        self.assertContains(detail, "下载错误数据表")
        self.assertFalse(Craftsman.objects.filter(name="王工").exists())  # checked, not written
        errors = self.client.get(reverse("core:import_errors", args=[batch.pk]))
        self.assertEqual(read_xlsx(errors.content)[1][0], "钱工")
        # All-or-nothing refuses; "valid rows" imports the good one.
        action = reverse("core:import_action", args=[batch.pk])
        self.client.post(action, {"action": "commit", "mode": "all", "policy": "fill"})
        self.assertFalse(Craftsman.objects.filter(name="王工").exists())
        self.client.post(action, {"action": "commit", "mode": "valid", "policy": "fill"})
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        self.assertTrue(Craftsman.objects.filter(name="王工").exists())
        craftsman = Craftsman.objects.get(name="王工")
        changes = self.client.get(craftsman.get_absolute_url() + "?tab=changelog")
        self.assertContains(changes, "宝安区名单")

    def test_bad_file_is_refused_with_a_message(self) -> None:
        self.login(self.world.city_admin_a)
        start = reverse("core:import_start", args=["talents.craftsman"])
        self.client.post(
            start,
            {
                "file": SimpleUploadedFile("名单.xlsx", b"MZ\x90\x00virus"),
                "mode": "all",
                "policy": "fill",
            },
        )
        batch = ImportBatch.objects.latest("pk")
        self.assertEqual(batch.status, ImportStatus.REJECTED)
        self.assertContains(self.client.get(batch.get_absolute_url()), "可执行程序")

    def test_other_peoples_batches_are_404_and_unknown_kinds_too(self) -> None:
        self.login(self.world.city_admin_b)
        batch = ImportBatch.objects.create(
            spec="talents.craftsman",
            file_name="x.xlsx",
            file_sha256="0" * 64,
            file_data=b"v1:",
            org=self.world.city_a,
            created_by=self.world.city_admin_a,
        )
        self.assertEqual(self.client.get(batch.get_absolute_url()).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("core:import_errors", args=[batch.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("core:import_start", args=["nope.nope"])).status_code, 404
        )

    def test_large_file_runs_as_a_job_with_progress(self) -> None:
        self.login(self.world.city_admin_a)
        data = xlsx([HEADER, ["孙工", id_number(352), "丙厂", "C3421"]])
        with (
            override_settings(JIANGQIAO_IMPORT_INLINE_MAX_BYTES=10),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.client.post(
                reverse("core:import_start", args=["talents.craftsman"]),
                {
                    "file": SimpleUploadedFile("名单.xlsx", data),
                    "mode": "all",
                    "policy": "fill",
                },
            )
        batch = ImportBatch.objects.latest("pk")
        self.assertEqual(batch.job.kind, "import_check")
        self.assertEqual(batch.job.status, "succeeded")
        self.assertEqual(batch.status, ImportStatus.CHECKED)
        with (
            override_settings(JIANGQIAO_IMPORT_INLINE_MAX_BYTES=10),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.client.post(
                reverse("core:import_action", args=[batch.pk]),
                {"action": "commit", "mode": "all", "policy": "fill"},
            )
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.job.error if batch.job else "")
        self.assertTrue(Craftsman.objects.filter(name="孙工").exists())


class TestExports(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.mine = make_craftsman(
            self.world.county_a1, self.world.city_admin_a, name='=HYPERLINK("http://x")'
        )
        self.other = make_craftsman(self.world.county_a2, self.world.city_admin_a, name="宝安工匠")
        self.theirs = make_craftsman(self.world.county_b1, self.world.city_admin_b, name="天河工匠")

    def test_links_carry_the_filters_and_the_export_respects_filter_and_scope(self) -> None:
        self.login(self.world.city_admin_a)
        url = reverse("talents:craftsman_list")
        page = self.client.get(url, {"q": "宝安"}, HTTP_HX_REQUEST="true").content.decode()
        self.assertIn('<input type="hidden" name="q" value="宝安">', page)
        self.assertIn('name="_purpose"', page)
        response = self.client.get(url, {"q": "工匠", "_export": "csv", "_purpose": PURPOSE})
        rows = csv_rows(streamed(response))
        self.assertEqual(rows[0][:2], ["编号", "姓名"])
        names = {r[1] for r in rows[1:]}
        self.assertEqual(names, {"宝安工匠"})  # filter applied; 天河工匠 is out of scope
        log = OperationLog.objects.filter(business_type="export").latest("pk")
        self.assertIn("1 条", log.action)

    def test_formula_injection_is_neutralised_in_xlsx_and_csv(self) -> None:
        self.login(self.world.city_admin_a)
        url = reverse("talents:craftsman_list")
        rows = export_xlsx(streamed(self.client.get(url, {"_export": "xlsx", "_purpose": PURPOSE})))
        names = [r[1] for r in rows[1:]]
        self.assertIn('\'=HYPERLINK("http://x")', names)
        csv_names = [
            r[1]
            for r in csv_rows(
                streamed(self.client.get(url, {"_export": "csv", "_purpose": PURPOSE}))
            )[1:]
        ]
        self.assertIn('\'=HYPERLINK("http://x")', csv_names)

    def test_identifiers_masked_without_permission_and_logged_with_it(self) -> None:
        url = reverse("talents:craftsman_list")
        task_force = Role.objects.get(code="provincial_task_force")
        self.client.force_login(make_user("tf", self.world.province, task_force))
        rows = csv_rows(streamed(self.client.get(url, {"_export": "csv", "_purpose": PURPOSE})))
        ids = {r[4] for r in rows[1:]}
        self.assertNotIn(self.mine.id_number, ids)
        self.assertIn(self.mine.id_number[:4] + "**********" + self.mine.id_number[-4:], ids)
        self.login(self.world.city_admin_a)  # holds view_sensitive_craftsman
        rows = csv_rows(streamed(self.client.get(url, {"_export": "csv", "_purpose": PURPOSE})))
        self.assertIn(self.mine.id_number, {r[4] for r in rows[1:]})
        log = OperationLog.objects.filter(business_type="export").latest("pk")
        self.assertTrue(log.extra["unmasked"])
        self.assertIn("明文", log.action)

    def test_without_export_permission_there_is_no_export(self) -> None:
        enterprise_contact = Role.objects.get(code="enterprise_contact")
        self.client.force_login(make_user("ec", self.world.county_a1, enterprise_contact))
        response = self.client.get(
            reverse("demands:demand_list"), {"_export": "csv", "_purpose": PURPOSE}
        )
        self.assertEqual(response["Content-Type"].split(";")[0], "text/html")
        self.assertNotContains(response, "导出Excel")

    def test_more_rows_than_an_excel_sheet_holds_is_refused_before_any_work(self) -> None:
        from unittest import mock

        from jiangqiao.core.io import export as X

        self.login(self.world.city_admin_a)
        url = reverse("talents:craftsman_list")
        jobs = Job.objects.count()
        with mock.patch.object(X, "XLSX_MAX_ROWS", 1):
            response = self.client.get(url, {"_export": "xlsx", "_purpose": PURPOSE}, follow=True)
            self.assertContains(response, "共 2 条，超过 Excel 单个工作表 1 行的上限")
            self.assertEqual(Job.objects.count(), jobs)
            api = self.client.get(
                "/api/v1/talents/craftsmen/export/", {"file_format": "xlsx", "purpose": PURPOSE}
            )
            self.assertEqual(api.status_code, 400)
            self.assertIn("超过 Excel", str(api.json()))
            # CSV has no such limit
            rows = csv_rows(streamed(self.client.get(url, {"_export": "csv", "_purpose": PURPOSE})))
            self.assertEqual(len(rows), 3)
        self.assertFalse(OperationLog.objects.filter(action__contains="xlsx").exists())

    @override_settings(JIANGQIAO_EXPORT_INLINE_MAX=1)
    def test_large_export_is_a_job_whose_file_only_its_owner_downloads(self) -> None:
        self.login(self.world.city_admin_a)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.get(
                reverse("talents:craftsman_list"), {"_export": "xlsx", "_purpose": PURPOSE}
            )
        job = Job.objects.filter(kind="export_list").latest("pk")
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        job.refresh_from_db()
        self.assertEqual(job.status, "succeeded", job.error)
        self.assertEqual(job.result["rows"], 2)
        download = self.client.get(reverse("core:export_download", args=[job.pk]))
        self.assertEqual(download["Cache-Control"], "no-store, private")
        rows = export_xlsx(download.content)
        self.assertEqual(len(rows), 3)
        self.client.force_login(self.world.province_admin)
        self.assertEqual(
            self.client.get(reverse("core:export_download", args=[job.pk])).status_code, 404
        )

    def test_generic_lists_export_their_table(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.get(
            reverse("core:job_list"), {"_export": "csv", "_purpose": PURPOSE}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("名称", csv_rows(streamed(response))[0])


class TestApi(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.api = APIClient()
        self.api.force_authenticate(self.world.city_admin_a)

    def test_specs_template_upload_commit_and_errors(self) -> None:
        specs = self.api.get("/api/v1/imports/specs/").json()
        keys = {s["key"] for s in specs}
        self.assertLessEqual({"talents.craftsman", "demands.enterprise", "demands.demand"}, keys)
        template = self.api.get("/api/v1/imports/specs/talents.craftsman/template/")
        self.assertEqual(template.status_code, 200)
        data = xlsx(
            [HEADER, ["周工", id_number(353), "丁厂", "C3421"], ["吴工", "1", "戊厂", "C3421"]]
        )
        created = self.api.post(
            "/api/v1/imports/batches/",
            {
                "spec": "talents.craftsman",
                "file": SimpleUploadedFile("a.xlsx", data),
                "mode": "valid",
            },
            format="multipart",
        )
        self.assertEqual(created.status_code, 201, created.content)
        body = created.json()
        self.assertEqual(body["counts"]["error"], 1)
        self.assertTrue(body["messages"][0].startswith("第3行【身份证号】"))
        committed = self.api.post(
            f"/api/v1/imports/batches/{body['id']}/commit/", {}, format="json"
        )
        self.assertEqual(committed.status_code, 200, committed.content)
        self.assertEqual(committed.json()["committed_counts"]["new"], 1)
        errors = self.api.get(f"/api/v1/imports/batches/{body['id']}/errors/")
        self.assertEqual(read_xlsx(errors.content)[1][0], "吴工")

    def test_bad_uploads_answer_400_not_500(self) -> None:
        for payload in (
            {"spec": "talents.craftsman"},
            {"spec": "nope", "file": SimpleUploadedFile("a.xlsx", b"x")},
            {"spec": "talents.craftsman", "file": SimpleUploadedFile("a.xlsx", b"")},
        ):
            response = self.api.post("/api/v1/imports/batches/", payload, format="multipart")
            self.assertEqual(response.status_code, 400, (payload, response.content))

    def test_api_export_with_filters(self) -> None:
        make_craftsman(self.world.county_a1, self.world.city_admin_a, name="甲工匠")
        make_craftsman(self.world.county_b1, self.world.city_admin_b, name="乙工匠")
        response = self.api.get(
            "/api/v1/talents/craftsmen/export/", {"file_format": "csv", "purpose": PURPOSE}
        )
        self.assertEqual(response.status_code, 200)
        names = {r[1] for r in csv_rows(streamed(response))[1:]}
        self.assertEqual(names, {"甲工匠"})
        bad = self.api.get(
            "/api/v1/talents/craftsmen/export/", {"file_format": "pdf", "purpose": PURPOSE}
        )
        self.assertEqual(bad.status_code, 400)


class TestAliases(WorldTestCase):
    def test_a_configured_alias_lets_another_sheet_load_and_bad_aliases_are_refused(self) -> None:
        from jiangqiao.core.io import services as io_services

        admin = make_user("sysadm", self.world.province, Role.objects.get(code="system_admin"))
        self.client.force_login(admin)
        create = reverse("core:importalias_create")
        self.assertEqual(self.client.get(create).status_code, 200)
        response = self.client.post(
            create, {"target": "talents.craftsman|name", "alias": "人员名称"}
        )
        self.assertEqual(response.status_code, 302)
        clash = self.client.post(create, {"target": "talents.craftsman|name", "alias": "身份证号"})
        self.assertContains(clash, "已对应【身份证号】", status_code=400)
        listing = self.client.get(reverse("core:importalias_list"))
        self.assertContains(listing, "人员名称")
        user = self.world.city_admin_a
        data = xlsx([["人员名称", "身份证号"], ["郑工", id_number(361)]])
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=data
        )
        io_services.import_check(actor=user, batch=batch)
        self.assertEqual(batch.counts.get("new"), 1, batch.result)
        # Disabled, the alias no longer matches.
        from jiangqiao.core.models import ImportAlias

        alias = ImportAlias.objects.get(alias="人员名称")
        self.client.post(
            reverse("core:importalias_status", args=[alias.pk]), {"status": "disabled"}
        )
        io_services.import_check(actor=user, batch=batch)
        self.assertIn("缺少必填列：姓名", batch.result["file_errors"][0])
        # Staff without the permission do not manage aliases.
        self.client.force_login(user)
        self.assertEqual(
            self.client.get(create).status_code,
            200 if user.has_perm("core.add_importalias") else 403,
        )


def test_api_export_of_a_list_with_hyperlinked_fields_and_as_a_job(db: Any) -> None:
    """Lists without their own export spec export their serializer (links need the request)."""
    from django.test import override_settings

    from jiangqiao.core.testing.personas import build_world

    world = build_world()
    api = APIClient()
    api.force_authenticate(world.superuser)
    response = api.get(
        "/api/v1/accounts/roles/export/", {"file_format": "xlsx", "purpose": PURPOSE}
    )
    assert response.status_code == 200, response.content
    rows = export_xlsx(streamed(response))
    assert rows[0] and len(rows) > 1
    with override_settings(JIANGQIAO_EXPORT_INLINE_MAX=0):
        job_response = api.get(
            "/api/v1/accounts/roles/export/", {"file_format": "csv", "purpose": PURPOSE}
        )
    assert job_response.status_code == 302
    job = Job.objects.filter(kind="export_list").latest("pk")
    assert job.params["view"].startswith("api:")


class TestInterruptedJobs(WorldTestCase):
    def test_a_killed_commit_job_leaves_nothing_and_the_batch_can_be_committed_again(self) -> None:
        import datetime as dt

        from django.utils import timezone

        from jiangqiao.core.io import services as io_services

        user = self.world.city_admin_a
        data = xlsx([HEADER, ["冯工", id_number(371), "己厂", "C3421"]])
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=data
        )
        io_services.import_check(actor=user, batch=batch)
        # A commit job that a killed worker left "running": no heartbeat for an hour.
        job = Job.objects.create(
            kind="import_commit",
            title="导入",
            params={"batch": batch.pk},
            org=self.world.city_a,
            created_by=user,
            status="running",
        )
        Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
        job.refresh_from_db()
        batch.job = job
        batch.status = ImportStatus.COMMITTING
        batch.save()
        self.assertTrue(io_services.interrupted(batch))
        self.assertFalse(Craftsman.objects.filter(name="冯工").exists())
        self.login(user)
        page = self.client.get(batch.get_absolute_url())
        self.assertContains(page, "后台任务已中断")
        self.assertContains(page, "确认导入")
        self.client.post(
            reverse("core:import_action", args=[batch.pk]),
            {"action": "commit", "mode": "all", "policy": "fill"},
        )
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        self.assertEqual(Craftsman.objects.filter(name="冯工").count(), 1)

    def test_a_running_job_blocks_a_second_commit(self) -> None:
        from jiangqiao.core.exceptions import BusinessError
        from jiangqiao.core.io import services as io_services

        user = self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=xlsx([HEADER])
        )
        job = Job.objects.create(
            kind="import_commit",
            title="导入",
            params={},
            org=self.world.city_a,
            created_by=user,
            status="running",
        )
        batch.job, batch.status = job, ImportStatus.COMMITTING
        batch.save()
        with self.assertRaises(BusinessError):
            io_services.import_commit(actor=user, batch=batch)


class TestUploadLimits(WorldTestCase):
    @override_settings(JIANGQIAO_IMPORT_MAX_BYTES=100)
    def test_an_oversized_upload_is_refused_before_anything_is_stored(self) -> None:
        from jiangqiao.core.tests.test_security_headers import upload_import
        from jiangqiao.core.uploads import human_size

        before = ImportBatch.objects.count()
        data = xlsx([HEADER, ["王工", id_number(381), "甲厂", "C3421"]])
        page, api = upload_import(self.client, self.world.city_admin_a, data)
        # The message names the field and both sizes (core/uploads.py).
        expected = f"导入文件：文件大小 {human_size(len(data))}，超过上限 {human_size(100)}"
        self.assertContains(page, expected, status_code=400)
        self.assertEqual(api.status_code, 400)
        self.assertEqual(api.json()["file"], [expected])
        self.assertEqual(ImportBatch.objects.count(), before)


class TestImportNeedsTheImportPermission(WorldTestCase):
    def test_an_enterprise_contact_adds_a_demand_but_does_not_bulk_import(self) -> None:
        contact = make_user(
            "ec_imp", self.world.county_a1, Role.objects.get(code="enterprise_contact")
        )
        self.assertTrue(contact.has_perm("demands.add_demand"))
        self.client.force_login(contact)
        self.assertEqual(
            self.client.get(reverse("core:import_start", args=["demands.demand"])).status_code, 403
        )
        self.assertNotContains(
            self.client.get(reverse("demands:demand_list")),
            reverse("core:import_start", args=["demands.demand"]),
        )
        api = APIClient()
        api.force_authenticate(contact)
        response = api.post(
            "/api/v1/imports/batches/",
            {"spec": "demands.demand", "file": SimpleUploadedFile("a.xlsx", xlsx([["需求标题"]]))},
            format="multipart",
        )
        self.assertIn(response.status_code, (400, 403))
        self.assertFalse(ImportBatch.objects.filter(created_by=contact).exists())
