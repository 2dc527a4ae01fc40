"""Bad files: each gets a clear Chinese message and nothing is read (let alone written)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.test import SimpleTestCase, override_settings

from jiangqiao.core.io.files import FileRejected, read_table
from jiangqiao.core.io.values import CellError, to_date, to_decimal, to_identifier, to_int
from jiangqiao.core.testing.sheets import csv_bytes, xlsx


class TestFileTypes(SimpleTestCase):
    def rejected(self, data: bytes, name: str = "名单.xlsx") -> str:
        with self.assertRaises(FileRejected) as ctx:
            read_table(data, name)
        return ctx.exception.message

    def test_renamed_exe(self) -> None:
        self.assertIn("可执行程序", self.rejected(b"MZ\x90\x00" + b"\x00" * 200, "名单.xlsx"))

    def test_pdf_and_image(self) -> None:
        self.assertIn("PDF", self.rejected(b"%PDF-1.7\n...", "名单.csv"))
        self.assertIn("PNG", self.rejected(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20))

    def test_empty_file(self) -> None:
        self.assertIn("空的", self.rejected(b""))

    def test_legacy_xls_and_password_protected(self) -> None:
        ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
        self.assertIn(".xls", self.rejected(ole))
        encrypted = ole + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100
        self.assertIn("密码", self.rejected(encrypted))

    def test_corrupted_workbook(self) -> None:
        good = xlsx([["姓名", "身份证号"], ["张三", "x"]])
        self.assertIn("损坏", self.rejected(good[: len(good) // 2]))

    def test_docx_and_plain_zip(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("word/document.xml", "<w/>")
        self.assertIn("Word", self.rejected(buffer.getvalue()))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("a.txt", "hello")
        self.assertIn("压缩包", self.rejected(buffer.getvalue()))

    @override_settings(JIANGQIAO_IMPORT_MAX_UNCOMPRESSED=1024 * 1024)
    def test_zip_bomb_is_refused_from_its_declared_size(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/workbook.xml", "<workbook/>")
            z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (8 * 1024 * 1024))
        data = buffer.getvalue()
        self.assertLess(len(data), 100 * 1024)  # tiny on disk
        self.assertIn("解压后", self.rejected(data))

    @override_settings(JIANGQIAO_IMPORT_MAX_BYTES=1000)
    def test_file_size_limit(self) -> None:
        self.assertIn("超过上限", self.rejected(b"a,b\n" * 1000, "x.csv"))

    @override_settings(JIANGQIAO_IMPORT_MAX_ROWS=50)
    def test_row_limit_xlsx_and_csv(self) -> None:
        rows = [["姓名"]] + [[f"人{i}"] for i in range(200)]
        self.assertIn("50 行", self.rejected(xlsx(rows)))
        self.assertIn("50 行", self.rejected(csv_bytes(rows), "x.csv"))

    def test_million_rows_are_refused_without_reading_them(self) -> None:
        # A sheet declaring a million <row> elements (compressed it is small): the bounded scan
        # stops at the row limit long before the end.
        body = b"".join(
            b'<row r="%d"><c r="A%d" t="n"><v>1</v></c></row>' % (i, i) for i in range(1, 1_000_001)
        )
        sheet = (
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + body
            + b"</sheetData></worksheet>"
        )
        template = xlsx([["姓名"], ["a"]])
        src = zipfile.ZipFile(io.BytesIO(template))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in src.infolist():
                data = sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
                z.writestr(info.filename, data)
        self.assertIn("行的上限", self.rejected(out.getvalue()))

    def test_hidden_data_sheet_and_empty_sheets(self) -> None:
        data = xlsx([["姓名"], ["张三"]], hidden_first=True)
        self.assertIn("隐藏", self.rejected(data))
        self.assertIn("空的", self.rejected(xlsx([])))


class TestReading(SimpleTestCase):
    def test_csv_in_gbk_and_utf8_bom(self) -> None:
        rows = [["姓名", "工作单位"], ["张三", "深圳市精工有限公司"]]
        for encoding, label in (("gbk", "GB18030"), ("utf-8-sig", "UTF-8"), ("utf-8", "UTF-8")):
            table = read_table(csv_bytes(rows, encoding=encoding), "名单.csv")
            self.assertEqual(table.rows[1], ["张三", "深圳市精工有限公司"], encoding)
            self.assertEqual(table.encoding, label)

    def test_merged_cells_and_formulas_are_located(self) -> None:
        data = xlsx([["姓名", "手机号"], ["张三", "=A2&1"]], merge=["A3:B3"])
        table = read_table(data, "x.xlsx")
        self.assertEqual(table.merged, ["A3:B3"])
        self.assertEqual(table.formula_cells, ["B2"])

    def test_rows_keep_their_spreadsheet_numbers(self) -> None:
        table = read_table(xlsx([["姓名"], ["张三"]], title="2026年名单"), "x.xlsx")
        self.assertEqual(table.rows[0][0], "2026年名单")
        self.assertEqual(table.row_number(2), 3)
        self.assertEqual(table.rows[2][0], "张三")


class TestValues(SimpleTestCase):
    def test_identifiers(self) -> None:
        self.assertEqual(
            to_identifier("４４０３０５１９７５０３１５００１ｘ"), "44030519750315001X"
        )
        self.assertEqual(to_identifier(" 139-1234-5678 "), "13912345678")
        with self.assertRaises(CellError) as ctx:
            to_identifier(4.40305197503150e17)
        self.assertIn("文本", ctx.exception.message)

    def test_dates(self) -> None:
        import datetime as dt

        for raw in ("2026-03-01", "2026/3/1", "2026年3月1日", "20260301", 46082, "46082"):
            self.assertEqual(to_date(raw), dt.date(2026, 3, 1), raw)
        with self.assertRaises(CellError):
            to_date("明年春天")
        with self.assertRaises(CellError):
            to_date("2026-02-30")

    def test_numbers(self) -> None:
        from decimal import Decimal

        self.assertEqual(to_int("１,２００人"), 1200)
        self.assertEqual(to_int(12.0), 12)
        self.assertEqual(to_decimal("8,600.5万元"), Decimal("8600.50"))
        for bad in ("十二", "1.5"):
            with self.assertRaises(CellError):
                to_int(bad)
        with self.assertRaises(CellError):
            to_int(5, maximum=3)
        with self.assertRaises(CellError):
            to_decimal("-3")


class TestSheetScan(SimpleTestCase):
    def test_row_count_agrees_with_the_tag_pattern(self) -> None:
        from jiangqiao.core.io.files import _ROW_TAG, _count_rows

        samples = [
            b'<sheetData><row r="1"><c r="A1"/></row><row r="2"/><row>',
            b"<row\n r='3'><row\tspans='1:2'><rowBreaks count='1'/><rows><row/>",
            b'<x:sheetData><x:row r="1"></x:row><x:row\r r="2"/></x:sheetData>',
            b"<row\x0b><row\x0c>text :row <row",
            b"",
        ]
        for block in samples:
            with self.subTest(block=block):
                self.assertEqual(_count_rows(block), len(_ROW_TAG.findall(block)))

    def test_a_sheet_over_the_row_limit_is_refused_before_it_is_read(self) -> None:
        rows = [["姓名"]] + [[f"张{i}"] for i in range(30)]
        with (
            override_settings(JIANGQIAO_IMPORT_MAX_ROWS=10),
            self.assertRaises(FileRejected) as caught,
        ):
            read_table(xlsx(rows), "a.xlsx")
        self.assertIn("10 行的上限", caught.exception.message)


class TestCollectorPause(SimpleTestCase):
    def test_the_collector_is_paused_inside_and_restored_after_an_error(self) -> None:
        import gc

        from jiangqiao.core.io.engine import gc_paused

        self.assertTrue(gc.isenabled())
        with self.assertRaises(RuntimeError), gc_paused():
            self.assertFalse(gc.isenabled())
            raise RuntimeError("import failed")
        self.assertTrue(gc.isenabled())
        gc.disable()
        try:
            with gc_paused():
                pass
            self.assertFalse(gc.isenabled())  # left as the caller had it
        finally:
            gc.enable()


class TestXlsxWriterProcess(SimpleTestCase):
    """Large .xlsx exports are written by a forked process while this one produces the rows."""

    ROWS = [["编号", "名称", "金额", "启用"]] + [
        [i, f'=HYPERLINK("x") 需求{i}' if i % 7 == 0 else f"需求{i}", i * 1.5, i % 2 == 0]
        for i in range(1, 2500)
    ]

    def _write(self, rows: list[list[Any]], *, parallel: bool) -> tuple[int, bytes]:
        from jiangqiao.core.io.export import write_xlsx

        handle = io.BytesIO()
        count = write_xlsx(iter(rows), handle, title="需求", widths=[8, 20], parallel=parallel)
        return count, handle.getvalue()

    def test_the_same_cells_either_way(self) -> None:
        from jiangqiao.core.testing.sheets import read_xlsx

        count, data = self._write(self.ROWS, parallel=True)
        expected_count, expected = self._write(self.ROWS, parallel=False)
        self.assertEqual(count, expected_count)
        self.assertEqual(count, len(self.ROWS) - 1)
        self.assertEqual(read_xlsx(data), read_xlsx(expected))
        self.assertEqual(read_xlsx(data)[7], [7, '=HYPERLINK("x") 需求7', 10.5, False])

    def test_an_error_while_producing_rows_stops_the_writer_and_leaves_no_file(self) -> None:
        import tempfile
        from pathlib import Path

        before = set(Path(tempfile.gettempdir()).glob("*.xlsx"))

        def failing() -> Any:
            yield from self.ROWS[:1500]
            raise RuntimeError("database went away")

        from jiangqiao.core.io.export import write_xlsx

        with self.assertRaises(RuntimeError):
            write_xlsx(failing(), io.BytesIO(), title="需求", parallel=True)
        self.assertEqual(set(Path(tempfile.gettempdir()).glob("*.xlsx")), before)
