"""The trainee sheet import (``academy.enrolment``): row checks with row numbers and fields,
all-or-nothing vs valid rows, capacity and waitlist, scope (another city's class is neither
reachable nor named), masked identifiers in every stored message, and the page flow from the class
page (upload → preview → commit)."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiangqiao.academy import classes
from jiangqiao.academy.enrolment_io import CONTEXT_KEY
from jiangqiao.academy.models import Enrolment, Trainee, TrainingClass
from jiangqiao.core.choices import ImportStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import services as io
from jiangqiao.core.models import ChangeLog, ImportBatch, OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.sheets import read_xlsx, xlsx

from .helpers import SHEET_HEADER, make_class, next_no, trainee_sheet, worker

KEY = "academy.enrolment"


class ImportMixin(WorldTestCase):
    def upload(self, user: Any, data: bytes, tc: TrainingClass | None = None) -> ImportBatch:
        batch = io.import_upload(actor=user, spec_key=KEY, file_name="学员名单.xlsx", data=data)
        if tc is not None:
            io.import_set_options(
                actor=user, batch=batch, decisions={CONTEXT_KEY: {"pk": str(tc.pk)}}
            )
        return io.import_check(actor=user, batch=batch)

    def commit(self, user: Any, batch: ImportBatch, mode: str) -> ImportBatch:
        io.import_set_options(actor=user, batch=batch, mode=mode)
        return io.import_commit(actor=user, batch=batch)

    def workers(self, count: int) -> list[dict[str, Any]]:
        base = next_no() * 100
        return [worker(base + i) for i in range(count)]


class TestSheetChecks(ImportMixin):
    def test_thirty_rows_two_bad_all_or_nothing_then_valid_rows(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a, capacity=40)
        people = self.workers(30)
        data = trainee_sheet(people, bad={4: "id_number", 11: "duplicate"}, class_code=tc.code)
        batch = self.upload(w.city_admin_a, data)
        self.assertEqual(batch.counts["error"], 2)
        self.assertEqual(batch.counts["new"], 28)
        messages = batch.result["messages"]
        self.assertEqual(len(messages), 2)
        self.assertTrue(messages[0].startswith("第6行【身份证号】"), messages)
        self.assertIn("校验位不正确", messages[0])
        self.assertTrue(messages[1].startswith("第13行【身份证号】"), messages)
        self.assertIn("与本表第12行的身份证号重复", messages[1])
        with self.assertRaises(BusinessError) as ctx:
            self.commit(w.city_admin_a, batch, "all")
        self.assertIn("一条也没有导入", ctx.exception.message)
        self.assertFalse(Enrolment.objects.filter(training_class=tc).exists())
        self.assertFalse(Trainee.objects.filter(org=w.city_a).exists())
        batch = self.commit(w.city_admin_a, ImportBatch.objects.get(pk=batch.pk), "valid")
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        enrolled = Enrolment.objects.filter(training_class=tc)
        self.assertEqual(enrolled.count(), 28)
        self.assertEqual(set(enrolled.values_list("source", flat=True)), {"import"})
        self.assertEqual(set(enrolled.values_list("status", flat=True)), {"enrolled"})

    def test_capacity_25_puts_three_on_the_waitlist_in_sheet_order(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a, capacity=25)
        people = self.workers(28)
        batch = self.upload(w.city_admin_a, trainee_sheet(people), tc)
        self.assertEqual(batch.counts["new"], 28)
        self.commit(w.city_admin_a, batch, "all")
        rows = Enrolment.objects.filter(training_class=tc).select_related("trainee")
        self.assertEqual(rows.filter(status="enrolled").count(), 25)
        waiting = rows.filter(status="waitlisted").order_by("queued_at", "pk")
        self.assertEqual([e.trainee.name for e in waiting], [p["name"] for p in people[25:]])

    def test_each_fault_is_named_by_row_and_field_in_chinese(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a, code="BC2026-101")
        finished = make_class(w.city_a, w.city_admin_a, code="BC2026-102")
        classes.class_move(actor=w.city_admin_a, training_class=finished, to="cancelled")
        already = worker(next_no() * 100)
        classes.enrol(actor=w.city_admin_a, training_class=tc, worker=already)
        people = self.workers(6)
        rows = [
            SHEET_HEADER,
            [tc.code, people[0]["name"], people[0]["id_number"], "1234567", "甲厂", ""],
            [tc.code, people[1]["name"], people[1]["id_number"], "", "乙厂", "91440300MA5XXXXXX1"],
            [tc.code, already["name"], already["id_number"], "", "", ""],
            [finished.code, people[2]["name"], people[2]["id_number"], "", "", ""],
            ["BC2099-999", people[3]["name"], people[3]["id_number"], "", "", ""],
            ["", people[4]["name"], people[4]["id_number"], "", "", ""],
            [tc.code, people[5]["name"], "123", "", "", ""],
        ]
        batch = self.upload(w.city_admin_a, xlsx(rows))
        text = "\n".join(batch.result["messages"])
        self.assertIn("第2行【手机号】", text)
        self.assertIn("第3行【统一社会信用代码】", text)
        self.assertIn("第4行【身份证号】该学员已在本班次名单中（已报名）", text)
        self.assertIn("第5行【班次编号】班次已取消，不能再导入学员", text)
        self.assertIn("第6行【班次编号】班次不存在", text)
        self.assertIn("第7行【班次编号】不能为空", text)
        self.assertIn("第8行【身份证号】应为18位", text)
        self.assertEqual(batch.counts["error"], 7)
        for p in [*people, already]:
            self.assertNotIn(p["id_number"], text)
            self.assertNotIn(p["mobile"], text)

    def test_id_faults_do_not_echo_digits_and_an_ambiguous_code_is_refused(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a, code="BC2026-201")
        make_class(w.city_a, w.city_admin_a, code="BC2026-201")  # same code, another academy
        rows = [
            SHEET_HEADER,
            ["", "甲", "440305199913450012", "", "", ""],
            ["", "乙", "990305199001010012", "", "", ""],
            ["BC2026-201", "丙", worker(next_no() * 100)["id_number"], "", "", ""],
        ]
        batch = self.upload(w.city_admin_a, xlsx(rows), tc)
        text = "\n".join(batch.result["messages"])
        self.assertIn("第2行【身份证号】第7至14位出生日期不是有效日期", text)
        self.assertIn("第3行【身份证号】前2位省级行政区划代码不存在", text)
        self.assertNotIn("19991345", text)
        self.assertNotIn("“99”", text)
        self.assertEqual(batch.counts["new"], 1)  # the class page decides which BC2026-201
        plain = self.upload(w.city_admin_a, xlsx(rows[:1] + rows[3:]))
        self.assertIn("多个班次", plain.result["messages"][0])

    def test_class_page_context_and_a_different_code_in_the_sheet(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a)
        other = make_class(w.city_a, w.city_admin_a, code="BC2026-777")
        people = self.workers(2)
        rows = [
            SHEET_HEADER,
            ["", people[0]["name"], people[0]["id_number"], "", "", ""],
            [other.code, people[1]["name"], people[1]["id_number"], "", "", ""],
        ]
        batch = self.upload(w.city_admin_a, xlsx(rows), tc)
        self.assertEqual(batch.counts["new"], 1)
        self.assertIn("与所选班次的编号", batch.result["messages"][0])
        self.commit(w.city_admin_a, batch, "valid")
        self.assertEqual(tc.enrolments.count(), 1)
        self.assertFalse(other.enrolments.exists())

    def test_a_known_trainee_under_another_name_is_refused_on_the_name(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a)
        first = make_class(w.city_a, w.city_admin_a)
        person = worker(next_no() * 100)
        classes.enrol(actor=w.city_admin_a, training_class=first, worker=person)
        renamed = {**person, "name": "别的名字"}
        batch = self.upload(w.city_admin_a, trainee_sheet([renamed]), tc)
        self.assertIn("第2行【姓名】", batch.result["messages"][0])
        same = self.upload(w.city_admin_a, trainee_sheet([person]), tc)
        self.commit(w.city_admin_a, same, "all")
        self.assertEqual(Trainee.objects.filter(org=tc.org).count(), 1)  # found, not duplicated
        self.assertEqual(tc.enrolments.get().trainee.name, person["name"])


class TestImportScope(ImportMixin):
    def test_another_citys_staff_cannot_import_into_the_class(self) -> None:
        w = self.world
        theirs = make_class(w.city_b, w.city_admin_b, title="广州保密班次")
        people = self.workers(2)
        batch = self.upload(w.city_admin_a, trainee_sheet(people, class_code=theirs.code))
        text = json.dumps(batch.result, ensure_ascii=False)
        self.assertEqual(batch.counts["error"], 2)
        self.assertIn("【班次编号】该班次已在其他单位登记", text)
        self.assertNotIn("广州", text)
        self.assertNotIn(theirs.academy.name, text)
        with self.assertRaises(BusinessError):
            self.commit(w.city_admin_a, batch, "all")
        self.commit(w.city_admin_a, ImportBatch.objects.get(pk=batch.pk), "valid")
        self.assertFalse(theirs.enrolments.exists())
        self.assertFalse(Trainee.objects.filter(org=w.city_b).exists())
        # Through a forged class context (the batch's options) it is refused the same way.
        forged = self.upload(w.city_admin_a, trainee_sheet(self.workers(1)), theirs)
        self.assertEqual(forged.counts["error"], 1)
        self.assertNotIn("广州", json.dumps(forged.result, ensure_ascii=False))
        self.assertFalse(theirs.enrolments.exists())
        # The class page import is 404.
        self.login(w.city_admin_a)
        url = reverse("academy:class_import", args=[theirs.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(url, {"file": SimpleUploadedFile("a.xlsx", b"x")})
        self.assertEqual(response.status_code, 404)

    def test_identifiers_never_stored_in_clear_in_the_report_or_logs(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a)
        people = self.workers(4)
        data = trainee_sheet(people, bad={1: "id_number", 2: "mobile", 3: "duplicate"})
        batch = self.upload(w.city_admin_a, data, tc)
        self.commit(w.city_admin_a, batch, "valid")
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        stored = json.dumps(batch.result, ensure_ascii=False)
        self.assertIn("【身份证号】", stored)
        self.assertIn("【手机号】", stored)
        logs = json.dumps(
            [
                list(OperationLog.objects.values_list("action", "extra")),
                list(
                    ChangeLog.objects.values_list(
                        "object_repr", "prechange_data", "postchange_data"
                    )
                ),
            ],
            ensure_ascii=False,
            default=str,
        )
        sheet_ids = {row[2] for row in read_xlsx(data)[1:]}
        for value in sheet_ids | {p["mobile"] for p in people} | {"1234567"}:
            self.assertNotIn(value, stored)
            self.assertNotIn(value, logs)
            self.assertNotIn(value.encode(), bytes(batch.file_data))  # encrypted at rest
        self.assertNotIn(people[0]["id_number"].encode(), bytes(batch.error_workbook or b""))


class TestImportPages(ImportMixin):
    def test_upload_preview_commit_from_the_class_page(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a, capacity=2)
        self.login(w.city_admin_a)
        page = self.client.get(tc.get_absolute_url())
        url = reverse("academy:class_import", args=[tc.pk])
        self.assertContains(page, url)
        self.assertContains(page, "批量导入学员")
        start = self.client.get(url)
        self.assertContains(start, f"批量导入学员：{tc.title}")
        self.assertContains(start, reverse("core:import_template", args=[KEY]))
        template = self.client.get(reverse("core:import_template", args=[KEY]))
        self.assertEqual(read_xlsx(template.content)[0][:2], ["班次编号", "姓名*"])
        people = self.workers(4)
        data = trainee_sheet(people, bad={3: "id_number"})
        response = self.client.post(
            url,
            {
                "file": SimpleUploadedFile("名单.xlsx", data),
                "source_label": "五月班名单",
                "mode": "all",
                "policy": "fill",
            },
        )
        batch = ImportBatch.objects.latest("pk")
        self.assertRedirects(response, batch.get_absolute_url())
        detail = self.client.get(batch.get_absolute_url())
        self.assertContains(detail, "第5行【身份证号】")
        # The batch page leads back to the class, and 上传新文件 opens the class's import again.
        self.assertContains(detail, f'href="{tc.get_absolute_url()}" class="btn btn-primary"')
        self.assertContains(detail, f'<a href="{url}" class="btn">上传新文件</a>', html=False)
        self.assertNotContains(detail, people[3]["id_number"][:-1])
        self.assertFalse(tc.enrolments.exists())  # checked, not written
        action = reverse("core:import_action", args=[batch.pk])
        self.client.post(action, {"action": "commit", "mode": "all", "policy": "fill"})
        self.assertFalse(tc.enrolments.exists())
        self.client.post(action, {"action": "commit", "mode": "valid", "policy": "fill"})
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        self.assertEqual(tc.enrolments.filter(status="enrolled").count(), 2)
        self.assertEqual(tc.enrolments.filter(status="waitlisted").count(), 1)
        page = self.client.get(tc.get_absolute_url())
        for p in people[:3]:
            self.assertContains(page, p["name"])
            self.assertNotContains(page, p["id_number"])

    def test_the_button_is_hidden_without_the_import_permission(self) -> None:
        from jiangqiao.accounts.models import Role
        from jiangqiao.core.testing.personas import make_user

        w = self.world
        tc = make_class(w.city_a, w.city_admin_a)
        role = Role.objects.get(code="union_staff")
        reader = make_user(f"reader{next_no()}", w.city_a, role)
        self.login(reader)
        page = self.client.get(tc.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "批量导入学员")
        self.assertIn(
            self.client.get(reverse("academy:class_import", args=[tc.pk])).status_code, (403, 404)
        )
