"""Importing craftsman lists: headers, values, duplicates, scope, counts that add up, idempotence."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from jiangqiao.core.choices import ImportStatus, MergePolicy
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import services as io_services
from jiangqiao.core.models import ChangeLog, ImportBatch, OperationLog, RecordSource
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.sheets import csv_bytes, read_xlsx, xlsx
from jiangqiao.talents.models import Craftsman, CraftsmanCode, Honour, ServiceItem

from .helpers import id_number, make_craftsman, mobile

HEADER = [
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "工作单位",
    "所属行业",
    "职业技能等级",
    "荣誉称号",
    "技术服务项目",
    "服务地区",
]


def row(n: int, **over: Any) -> list[Any]:
    values = {
        "name": f"李工{n}",
        "gender": "男",
        "id": id_number(300 + n),
        "mobile": mobile(70000 + n),
        "employer": f"深圳市第{n}精密机械厂",
        "industry": "C3421",
        "level": "高级技师",
        "honours": "全国劳动模范(2015)",
        "items": "技术攻关：数控机床精度恢复、五轴加工编程培训",
        "regions": "深圳市南山区",
    }
    values.update(over)
    return [
        values[k]
        for k in (
            "name",
            "gender",
            "id",
            "mobile",
            "employer",
            "industry",
            "level",
            "honours",
            "items",
            "regions",
        )
    ]


class ImportBase(WorldTestCase):
    def run_import(
        self,
        data: bytes,
        *,
        user: Any = None,
        name: str = "名单.xlsx",
        mode: str = "all",
        policy: str = MergePolicy.FILL_BLANKS,
        label: str = "",
    ) -> ImportBatch:
        user = user or self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name=name, data=data, source_label=label
        )
        io_services.import_set_options(actor=user, batch=batch, mode=mode, policy=policy)
        io_services.import_check(actor=user, batch=batch)
        self.refusal = ""
        if batch.status == ImportStatus.CHECKED:
            try:
                io_services.import_commit(actor=user, batch=batch)
            except BusinessError as exc:  # refused as a whole (errors in the all-or-nothing mode)
                self.refusal = exc.message
        batch.refresh_from_db()
        return batch


class TestCraftsmanImport(ImportBase):
    def test_new_rows_are_imported_with_codes_honours_items_and_audit(self) -> None:
        data = xlsx([HEADER, row(1), row(2)])
        batch = self.run_import(data, label="深圳市劳模名单")
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.result)
        self.assertEqual(batch.counts["new"], 2)
        self.assertEqual(batch.counts["total"], 2)
        c = Craftsman.objects.get(name="李工1")
        self.assertEqual(c.id_number, id_number(301))
        self.assertEqual(c.org, self.world.city_admin_a.org)
        self.assertEqual(c.industries, ["3421"])
        self.assertEqual(c.skill_level, "senior_technician")
        self.assertEqual(c.regions_served, ["440305"])
        self.assertTrue(
            CraftsmanCode.objects.filter(craftsman=c, scheme="industry", code="3421").exists()
        )
        self.assertEqual(
            list(Honour.objects.filter(craftsman=c).values_list("honour_type", "year")),
            [("national_model_worker", 2015)],
        )
        self.assertEqual(
            sorted(ServiceItem.objects.filter(craftsman=c).values_list("service_type", "title")),
            [("tech_breakthrough", "数控机床精度恢复"), ("tech_consulting", "五轴加工编程培训")],
        )
        self.assertTrue(ChangeLog.objects.filter(object_id=str(c.pk), action="create").exists())
        self.assertTrue(OperationLog.objects.filter(business_type="import").exists())
        self.assertEqual(
            list(
                RecordSource.objects.filter(object_id=str(c.pk)).values_list("source_label", "row")
            ),
            [("深圳市劳模名单", 2)],
        )

    def test_reimport_is_idempotent(self) -> None:
        data = xlsx([HEADER, row(1), row(2)])
        self.run_import(data)
        logs = ChangeLog.objects.count()
        batch = self.run_import(data)
        self.assertEqual(batch.counts["new"], 0)
        self.assertEqual(batch.counts["unchanged"], 2)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工").count(), 2)
        self.assertEqual(Honour.objects.filter(craftsman__name__startswith="李工").count(), 2)
        self.assertEqual(ChangeLog.objects.count(), logs)


class TestHeadersValuesAndErrors(ImportBase):
    def test_other_cities_headers_traditional_text_and_codes_by_name(self) -> None:
        header = [
            "序号",
            "名字",
            "證件號碼",
            "联系电话",
            "單位",
            "行业",
            "技能等级",
            "服务地区",
            "备注",
        ]
        rows = [
            header,
            [
                1,
                "陳 志 強",
                id_number(401).lower(),
                "139 0000 1111",
                "深圳市（南山）精密廠",
                "金属切削机床制造",
                "高级技师",
                "南山区",
                "x",
            ],
        ]
        batch = self.run_import(xlsx(rows, title="2026年南山区劳模工匠名单"))
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.result)
        self.assertEqual(batch.result["header_row"], 2)
        self.assertEqual(batch.result["ignored_headers"], ["序号", "备注"])
        c = Craftsman.objects.get(id_number_index__isnull=False, name="陈志强")
        self.assertEqual(c.employer_name, "深圳市(南山)精密厂")
        self.assertEqual(c.mobile, "13900001111")
        self.assertEqual(c.industries, ["3421"])
        # 南山区 exists in Shenzhen and in Hegang: the importer's province decides.
        self.assertEqual(c.regions_served, ["440305"])

    def test_every_error_is_reported_with_row_and_column_and_nothing_is_written(self) -> None:
        rows = [
            HEADER,
            row(11),
            row(12, id="440305197503150012"),  # wrong check digit
            row(13, industry="Z9999", level="九级工"),
            row(14, regions="火星"),
            row(15, name="<script>alert(1)</script>" * 5),
            row(16, honours="全国劳动模范"),  # no year
        ]
        before = Craftsman.objects.count()
        batch = self.run_import(xlsx(rows))
        self.assertEqual(Craftsman.objects.count(), before)
        self.assertEqual(batch.status, ImportStatus.CHECKED)
        self.assertIn("一条也没有导入", self.refusal)
        messages = batch.result["messages"]
        self.assertTrue(any(m.startswith("第3行【身份证号】") for m in messages), messages)
        self.assertTrue(any(m.startswith("第4行【所属行业】") for m in messages), messages)
        self.assertTrue(any(m.startswith("第4行【职业技能等级】") for m in messages), messages)
        self.assertTrue(
            any(m.startswith("第5行【服务地区】") and "火星" in m for m in messages), messages
        )
        self.assertTrue(
            any(m.startswith("第6行【姓名】") and "最多 50 个字" in m for m in messages), messages
        )
        self.assertTrue(
            any(m.startswith("第7行【荣誉称号】") and "年份" in m for m in messages), messages
        )
        counts = batch.counts
        self.assertEqual(counts["error"], 5)
        self.assertEqual(counts["new"], 1)
        self.assertEqual(
            sum(counts[k] for k in ("new", "update", "unchanged", "duplicate", "error")),
            counts["total"],
        )

    def test_valid_rows_mode_imports_the_rest_and_returns_the_errors(self) -> None:
        rows = [HEADER, row(21), row(22, id="123"), row(23)]
        batch = self.run_import(xlsx(rows), mode="valid")
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        self.assertEqual(batch.counts["new"], 2)
        self.assertEqual(batch.counts["error"], 1)
        self.assertTrue(Craftsman.objects.filter(name="李工21").exists())
        self.assertFalse(Craftsman.objects.filter(name="李工22").exists())
        workbook = read_xlsx(io_services.error_workbook_bytes(batch) or b"")
        self.assertEqual(workbook[0][-2:], ["错误原因", "原行号"])
        self.assertEqual(len(workbook), 2)  # the header and the one bad row, as it was
        self.assertEqual(workbook[1][0], "李工22")
        self.assertIn("身份证号", workbook[1][-2])
        self.assertEqual(workbook[1][-1], 3)

    def test_formulas_merged_headers_and_example_rows(self) -> None:
        formula = xlsx([HEADER, [*row(31)[:3], "=1+1", *row(31)[4:]]])
        batch = self.run_import(formula)
        self.assertTrue(
            any("公式" in m and m.startswith("第2行【手机号】") for m in batch.result["messages"])
        )
        merged = xlsx([HEADER, row(32)], merge=["A1:B1"])
        batch = self.run_import(merged)
        self.assertEqual(batch.status, ImportStatus.REJECTED)
        self.assertIn("合并单元格", batch.result["file_errors"][0])
        self.assertFalse(Craftsman.objects.filter(name="李工31").exists())

    def test_missing_required_column_and_no_header(self) -> None:
        batch = self.run_import(xlsx([["甲", "乙"], ["男", "13900000000"]]))
        self.assertEqual(batch.status, ImportStatus.REJECTED)
        self.assertIn("没有找到表头", batch.result["file_errors"][0])
        batch = self.run_import(
            xlsx([["性别", "身份证号", "手机号"], ["男", id_number(433), "13900000000"]])
        )
        self.assertIn("缺少必填列：姓名", batch.result["file_errors"][0])

    def test_csv_in_gbk(self) -> None:
        data = csv_bytes([HEADER, row(41)], encoding="gbk")
        batch = self.run_import(data, name="名单.csv")
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.result)
        self.assertEqual(batch.result["encoding"], "GB18030")
        self.assertTrue(Craftsman.objects.filter(name="李工41").exists())

    def test_template_round_trip(self) -> None:
        from io import BytesIO

        from openpyxl import load_workbook

        from jiangqiao.core.io.template import build_template
        from jiangqiao.talents.io import CRAFTSMAN_SPEC

        data = build_template(CRAFTSMAN_SPEC)
        book = load_workbook(BytesIO(data))
        sheet = book.worksheets[0]
        self.assertEqual(sheet.title, "劳模工匠")
        self.assertEqual(sheet["A1"].value, "姓名*")
        self.assertEqual(book["选项"].sheet_state, "hidden")
        self.assertTrue(sheet.data_validations.dataValidation)
        id_col = next(c.column_letter for c in sheet[1] if c.value == "身份证号")
        self.assertEqual(sheet.column_dimensions[id_col].number_format, "@")
        # Left as it is, the example row is refused (never imported as a real person).
        batch = self.run_import(data)
        self.assertEqual(batch.counts["error"], 1)
        self.assertIn("示例行", batch.result["messages"][0])
        self.assertFalse(Craftsman.objects.filter(name="张建国").exists())
        # Filled in below the header, it imports.
        sheet.delete_rows(2)
        values = dict(zip([c.value for c in sheet[1]], [None] * sheet.max_column, strict=False))
        values.update({"姓名*": "赵工", "身份证号": id_number(451), "职业技能等级": "技师"})
        sheet.append([values[c.value] for c in sheet[1]])
        out = BytesIO()
        book.save(out)
        batch = self.run_import(out.getvalue())
        self.assertEqual(batch.counts["new"], 1, batch.result)
        self.assertEqual(Craftsman.objects.get(name="赵工").skill_level, "technician")


class TestDuplicatesAndMerging(ImportBase):
    def test_same_person_twice_in_a_file_is_merged_with_union_of_honours(self) -> None:
        first = row(61, honours="全国劳动模范(2015)", items="数控机床精度恢复", regions="")
        second = row(
            61,
            name="李工61",
            mobile="",
            honours="全国技术能手(2010)",
            items="五轴加工",
            regions="深圳市南山区",
        )
        batch = self.run_import(xlsx([HEADER, first, second]))
        self.assertEqual((batch.counts["new"], batch.counts["duplicate"]), (1, 1), batch.result)
        c = Craftsman.objects.get(name="李工61")
        self.assertEqual(c.regions_served, ["440305"])  # blank filled from the second row
        self.assertEqual(c.mobile, mobile(70061))
        self.assertEqual(Honour.objects.filter(craftsman=c).count(), 2)
        self.assertEqual(ServiceItem.objects.filter(craftsman=c).count(), 2)
        self.assertEqual(RecordSource.objects.filter(object_id=str(c.pk)).count(), 2)

    def test_same_person_in_db_found_without_id_number_tolerant_to_script_and_spaces(self) -> None:
        existing = make_craftsman(
            self.world.county_a1,
            self.world.city_admin_a,
            name="陈志强",
            mobile="13900002222",
            employer_name="深圳市南山精密厂",
            id_number="",
        )
        rows = [
            HEADER,
            row(
                71,
                id="",
                name="陳 志強",
                mobile="139-0000-2222",
                employer="深圳市 南山 精密廠",
                level="技师",
            ),
        ]
        batch = self.run_import(xlsx(rows))
        self.assertEqual(batch.counts["duplicate"], 1, batch.result)
        self.assertEqual(Craftsman.objects.filter(name="陈志强").count(), 1)
        existing.refresh_from_db()
        self.assertEqual(existing.industries, ["3411"])  # kept (fill blanks only)
        self.assertEqual(existing.skill_level, "technician")

    def test_conflicts_are_offered_field_by_field_and_choices_apply(self) -> None:
        existing = make_craftsman(
            self.world.county_a1,
            self.world.city_admin_a,
            id_number=id_number(481),
            skill_level="technician",
        )
        rows = [HEADER, row(81, id=id_number(481), name=existing.name, level="高级技师")]
        user = self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=xlsx(rows)
        )
        io_services.import_check(actor=user, batch=batch)
        conflict = batch.result["conflicts"][0]
        field = next(f for f in conflict["fields"] if f["name"] == "skill_level")
        self.assertEqual([o["source"] for o in field["options"]], ["db", "2"])
        self.assertEqual([o["value"] for o in field["options"]], ["二级/技师", "一级/高级技师"])
        self.assertTrue(field["options"][0]["chosen"])  # default: keep existing values
        io_services.import_set_options(
            actor=user, batch=batch, decisions={conflict["key"]: {"skill_level": "2"}}
        )
        io_services.import_commit(actor=user, batch=batch)
        existing.refresh_from_db()
        self.assertEqual(existing.skill_level, "senior_technician")
        self.assertEqual(existing.version, 2)
        self.assertEqual(batch.counts["update"], 1)
        log = ChangeLog.objects.filter(object_id=str(existing.pk), action="update").latest("pk")
        self.assertEqual(log.postchange_data["skill_level"], "senior_technician")
        self.assertNotIn("id_number", log.postchange_data)

    def test_prefer_file_policy(self) -> None:
        existing = make_craftsman(
            self.world.county_a1,
            self.world.city_admin_a,
            id_number=id_number(491),
            skill_level="technician",
        )
        rows = [HEADER, row(91, id=id_number(491), name=existing.name, level="高级技师")]
        self.run_import(xlsx(rows), policy=MergePolicy.PREFER_FILE)
        existing.refresh_from_db()
        self.assertEqual(existing.skill_level, "senior_technician")


class TestScope(ImportBase):
    def test_county_user_cannot_import_into_another_county(self) -> None:
        header = [*HEADER, "所属工会"]
        other = self.world.county_b1.name
        rows = [header, [*row(101), other], [*row(102), self.world.county_a1.name]]
        batch = self.run_import(xlsx(rows), user=self.world.county_operator, mode="valid")
        self.assertTrue(
            any(m.startswith("第2行【所属工会】") for m in batch.result["messages"]), batch.result
        )
        self.assertFalse(Craftsman.objects.filter(name="李工101").exists())
        self.assertEqual(Craftsman.objects.get(name="李工102").org, self.world.county_a1)

    def test_a_record_of_another_unit_is_not_changed_nor_duplicated(self) -> None:
        theirs = make_craftsman(
            self.world.county_b1, self.world.city_admin_b, id_number=id_number(511)
        )
        rows = [HEADER, row(111, id=id_number(511), name=theirs.name, level="高级技师")]
        batch = self.run_import(xlsx(rows), user=self.world.city_admin_a)
        self.assertEqual(batch.counts["error"], 1)
        self.assertIn("已在其他单位登记", batch.result["messages"][0])
        self.assertNotIn(theirs.id_number, str(batch.result))
        self.assertNotIn(theirs.name, str(batch.result))
        theirs.refresh_from_db()
        self.assertEqual(theirs.skill_level, "technician")
        self.assertEqual(
            Craftsman.objects.filter(id_number_index=theirs.id_number_index).count(), 1
        )

    def test_user_without_add_permission_cannot_upload(self) -> None:
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        with self.assertRaises((PermissionDenied, Http404, BusinessError)):
            io_services.import_upload(
                actor=self.world.auditor,
                spec_key="talents.craftsman",
                file_name="a.xlsx",
                data=xlsx([HEADER]),
            )


class TestAtomicity(ImportBase):
    def test_a_crash_in_the_middle_of_the_write_leaves_nothing(self) -> None:
        from unittest import mock

        from jiangqiao.talents.io import CraftsmanImporter

        rows = [HEADER] + [row(200 + i) for i in range(30)]
        user = self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=xlsx(rows)
        )
        io_services.import_check(actor=user, batch=batch)
        before = (Craftsman.objects.count(), Honour.objects.count(), ChangeLog.objects.count())
        real = CraftsmanImporter._create

        def crash_after_first_chunk(self: Any, groups: Any) -> None:
            real(self, groups[:10])
            raise RuntimeError("worker killed")

        with (
            mock.patch.object(CraftsmanImporter, "_create", crash_after_first_chunk),
            self.assertRaises(RuntimeError),
        ):
            io_services.import_commit(actor=user, batch=batch)
        self.assertEqual(
            (Craftsman.objects.count(), Honour.objects.count(), ChangeLog.objects.count()), before
        )
        batch.refresh_from_db()
        self.assertNotEqual(batch.status, ImportStatus.COMMITTED)
        # Re-run: everything goes in once.
        io_services.import_commit(actor=user, batch=batch)
        self.assertEqual(Craftsman.objects.count(), before[0] + 30)


@override_settings(JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS=0)
class TestWritingWhileChecking(ImportBase):
    """A commit writes the rows that are new records of their own (no other row and no existing
    record shares their keys) in batches while it checks the rest of the file.

    The one-transaction commit (PostgreSQL's; SQLite checks first and writes in short
    transactions unless ``JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS`` is 0, as here)."""

    def setUp(self) -> None:
        super().setUp()
        from unittest import mock

        from jiangqiao.core.io import engine

        patcher = mock.patch.object(engine._Stream, "BATCH", 2)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _sheet(self) -> bytes:
        rows = [HEADER] + [row(150 + i) for i in range(8)]
        # Row 10: the person of row 3 again, without ID number, in traditional characters.
        rows.append(row(151, id="", name="李工151", employer="深圳市第151精密機械廠"))
        rows.append(row(159, gender="不详"))  # row 11: an error
        return xlsx(rows)

    def test_rows_are_written_while_later_rows_are_checked_and_counts_add_up(self) -> None:
        from unittest import mock

        from jiangqiao.talents.io import CraftsmanImporter

        seen: list[int] = []
        real = CraftsmanImporter.prepare

        def prepare(importer: Any, values: dict[str, Any]) -> dict[str, Any]:
            seen.append(Craftsman.objects.filter(name__startswith="李工1").count())
            return real(importer, values)

        user = self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=self._sheet()
        )
        io_services.import_set_options(actor=user, batch=batch, mode="valid")
        io_services.import_check(actor=user, batch=batch)
        preview = dict(batch.counts)
        with mock.patch.object(CraftsmanImporter, "prepare", prepare):
            io_services.import_commit(actor=user, batch=batch)
        batch.refresh_from_db()
        # The last rows were checked after the first records had been written.
        self.assertEqual(seen[0], 0)
        self.assertGreater(seen[-1], 0)
        counts = batch.result["committed_counts"]
        self.assertEqual(counts, preview)
        self.assertEqual(
            (counts["new"], counts["duplicate"], counts["error"], counts["total"]), (8, 1, 1, 10)
        )
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工1").count(), 8)
        merged = Craftsman.objects.get(name="李工151")
        self.assertEqual(
            sorted(
                RecordSource.objects.filter(object_id=str(merged.pk)).values_list("row", flat=True)
            ),
            [3, 10],
        )
        self.assertEqual(RecordSource.objects.filter(batch=batch).count(), 9)
        self.assertEqual(
            CraftsmanCode.objects.filter(craftsman__name__startswith="李工1", scheme="industry")
            .values("craftsman")
            .distinct()
            .count(),
            8,
        )
        self.assertEqual(
            ChangeLog.objects.filter(action="create", object_repr__startswith="李工1").count(), 8
        )

    def test_all_or_nothing_refused_after_rows_were_written_leaves_nothing(self) -> None:
        before = (
            Craftsman.objects.count(),
            CraftsmanCode.objects.count(),
            ChangeLog.objects.count(),
        )
        batch = self.run_import(self._sheet(), mode="all")
        self.assertIn("一条也没有导入", self.refusal)
        self.assertEqual(
            (Craftsman.objects.count(), CraftsmanCode.objects.count(), ChangeLog.objects.count()),
            before,
        )
        self.assertEqual(batch.status, ImportStatus.CHECKED)
        self.assertEqual(batch.result["error_rows"], 1)
        self.assertTrue(any("第11行【性别】" in m for m in batch.result["messages"]))

    def test_a_crash_while_checking_leaves_nothing_and_a_rerun_imports_once(self) -> None:
        from unittest import mock

        from jiangqiao.talents.io import CraftsmanImporter

        user = self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=self._sheet()
        )
        io_services.import_set_options(actor=user, batch=batch, mode="valid")
        io_services.import_check(actor=user, batch=batch)
        calls = {"n": 0}
        real = CraftsmanImporter.prepare

        def prepare(importer: Any, values: dict[str, Any]) -> dict[str, Any]:
            calls["n"] += 1
            if calls["n"] == 7:  # three batches of two have been written by now
                raise RuntimeError("worker killed")
            return real(importer, values)

        with (
            mock.patch.object(CraftsmanImporter, "prepare", prepare),
            self.assertRaises(RuntimeError),
        ):
            io_services.import_commit(actor=user, batch=batch)
        self.assertFalse(Craftsman.objects.filter(name__startswith="李工1").exists())
        self.assertFalse(RecordSource.objects.filter(batch=batch).exists())
        io_services.import_commit(actor=user, batch=batch)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工1").count(), 8)

    def test_a_repeated_bad_value_is_reported_on_every_row_and_lists_are_not_shared(self) -> None:
        from jiangqiao.talents.io import CRAFTSMAN_SPEC, CraftsmanImporter

        rows = [HEADER, row(170, gender="不详"), row(171, gender="不详"), row(172), row(173)]
        batch = self.run_import(xlsx(rows), mode="valid")
        self.assertEqual((batch.counts["error"], batch.counts["new"]), (2, 2))
        messages = batch.result["messages"]
        self.assertTrue(any(m.startswith("第2行【性别】") for m in messages), messages)
        self.assertTrue(any(m.startswith("第3行【性别】") for m in messages), messages)
        importer = CraftsmanImporter(user=self.world.city_admin_a)
        column = next(c for c in CRAFTSMAN_SPEC.columns if c.name == "industries")
        first = importer.converted(column, "C3421")
        second = importer.converted(column, "C3421")
        self.assertEqual(first, ["3421"])
        self.assertEqual(first, second)
        self.assertIsNot(first, second)

    def test_an_importer_without_its_own_write_new_streams_through_write(self) -> None:
        from unittest import mock

        from jiangqiao.core.io.engine import Importer
        from jiangqiao.talents.io import CraftsmanImporter

        with mock.patch.object(CraftsmanImporter, "write_new", Importer.write_new):
            batch = self.run_import(self._sheet(), mode="valid")
        counts = batch.result["committed_counts"]
        self.assertEqual((counts["new"], counts["duplicate"], counts["error"]), (8, 1, 1))
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工1").count(), 8)
        self.assertEqual(RecordSource.objects.filter(batch=batch).count(), 9)
