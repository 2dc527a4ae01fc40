"""The lean .xlsx writer used by exports: valid workbooks that Excel-compatible readers (calamine,
the reader of our own importer, and openpyxl) read back cell for cell."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree import ElementTree

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from jiangqiao.core.io import xlsx_stream as XS


def written(rows: list[list[Any]], **kwargs: Any) -> bytes:
    handle = io.BytesIO()
    XS.write_sheet(iter(rows), handle, title=kwargs.pop("title", "需求"), **kwargs)
    return handle.getvalue()


def read_back(data: bytes) -> list[list[Any]]:
    """The cells as the importer reads them (calamine, which decodes ``_xHHHH_`` like Excel)."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


class TestCellsComeBack(SimpleTestCase):
    def test_text_numbers_and_booleans(self) -> None:
        rows: list[list[Any]] = [
            ["编号", "标题", "金额", "启用"],
            [1, "数控机床主轴异响", 12.5, True],
            [-2, "焊接 & 装配 <急>", 0.1, False],
            [3, "引号\"和'单引号", 1e20, True],
        ]
        self.assertEqual(
            read_back(written(rows)),
            [
                ["编号", "标题", "金额", "启用"],
                [1.0, "数控机床主轴异响", 12.5, True],
                [-2.0, "焊接 & 装配 <急>", 0.1, False],
                [3.0, "引号\"和'单引号", 1e20, True],
            ],
        )

    def test_unusual_text_is_kept_exactly(self) -> None:
        texts = [
            "控制\x01字符\x1f",
            "_x0041_ 像 Excel 转义",
            "回车\r\n换行\n",
            "  前后空格  ",
            "\t制表",
            "emoji 🛠️ 𠀀",
            "'=SUM(A1)",
        ]
        rows = [["值"]] + [[t] for t in texts]
        self.assertEqual([r[0] for r in read_back(written(rows))[1:]], texts)

    def test_empty_and_none_cells_stay_empty_and_keep_their_columns(self) -> None:
        rows: list[list[Any]] = [["甲", "乙", "丙"], ["", None, "丙1"], ["甲2", "", ""]]
        self.assertEqual(
            read_back(written(rows)), [["甲", "乙", "丙"], ["", "", "丙1"], ["甲2", "", ""]]
        )

    def test_not_a_number_is_written_as_text(self) -> None:
        rows: list[list[Any]] = [["值"], [float("nan")], [float("inf")]]
        self.assertEqual(read_back(written(rows))[1:], [["nan"], ["inf"]])

    def test_over_long_text_is_cut_to_excels_cell_limit(self) -> None:
        rows = [["值", "后"], ["长" * 40_000, "后面的列"]]
        back = read_back(written(rows))
        self.assertEqual(back[1][0], "长" * XS.MAX_CELL_CHARS)
        self.assertEqual(back[1][1], "后面的列")

    def test_a_lone_surrogate_becomes_a_replacement_character(self) -> None:
        rows = [["值"], ["坏\ud800字"]]
        self.assertEqual(read_back(written(rows))[1], ["坏\ufffd字"])

    def test_cells_beyond_the_header_are_kept(self) -> None:
        rows = [["甲"], ["a", "b", "c"]]
        self.assertEqual(read_back(written(rows))[1], ["a", "b", "c"])

    def test_row_count_is_returned(self) -> None:
        handle = io.BytesIO()
        rows = [["甲"]] + [[str(i)] for i in range(1234)]
        self.assertEqual(XS.write_sheet(iter(rows), handle, title="x"), 1234)
        self.assertEqual(XS.write_sheet(iter([["甲"]]), io.BytesIO(), title="x"), 0)

    def test_a_header_only_and_an_empty_export_are_valid_workbooks(self) -> None:
        self.assertEqual(read_back(written([["甲", "乙"]])), [["甲", "乙"]])
        self.assertEqual(read_back(written([])), [])

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(
            st.lists(
                st.one_of(
                    st.text(max_size=30),
                    st.integers(min_value=-(2**53), max_value=2**53),
                    st.booleans(),
                ),
                min_size=1,
                max_size=4,
            ),
            min_size=1,
            max_size=6,
        )
    )
    def test_any_text_round_trips(self, body: list[list[Any]]) -> None:
        width = max(len(r) for r in body)
        header = [f"列{i}" for i in range(width)]
        back = read_back(written([header, *body]))

        def expected(value: Any) -> Any:
            if isinstance(value, bool):
                return value
            if isinstance(value, int):
                return float(value)
            return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)

        want = [[expected(v) for v in row] + [""] * (width - len(row)) for row in body]
        # calamine trims trailing empty rows and columns of the used range
        self.assertEqual(back[1:], _trim(want)[: len(back) - 1])
        self.assertEqual(len(back) - 1, len(_trim(want)))


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    while rows and all(v == "" for v in rows[-1]):
        rows = rows[:-1]
    return rows


class TestWorkbookShape(SimpleTestCase):
    def test_every_part_is_well_formed_and_declared(self) -> None:
        data = written([["甲 & 乙"], ["<x>"]], title='a"b')
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        self.assertEqual(
            names,
            {
                "[Content_Types].xml",
                "_rels/.rels",
                "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels",
                "xl/styles.xml",
                "xl/worksheets/sheet1.xml",
                "docProps/core.xml",
                "docProps/app.xml",
            },
        )
        for name in names:
            ElementTree.fromstring(archive.read(name))  # noqa: S314 (our own output; raises if not well-formed)
        types = archive.read("[Content_Types].xml").decode()
        for name in names - {"[Content_Types].xml", "_rels/.rels"}:
            if not name.endswith(".rels"):
                self.assertIn(f'PartName="/{name}"', types)

    def test_header_style_frozen_pane_widths_and_sheet_name(self) -> None:
        from openpyxl import load_workbook

        book = load_workbook(
            io.BytesIO(
                written(
                    [["编号", "标题", "备注"], ["1", "x", "y"]],
                    widths=[8, 40],
                    title="需求/清单[2026]",
                )
            )
        )
        sheet = book.active
        assert sheet is not None
        self.assertEqual(sheet.title, "需求_清单_2026_")
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertTrue(sheet["A1"].font.b)
        self.assertEqual(sheet["A1"].fill.fgColor.rgb, "FFEEF3FB")
        self.assertFalse(sheet["A2"].font.b)
        widths = [sheet.column_dimensions[c].width for c in "ABC"]
        self.assertEqual(widths, [XS.excel_width(8), XS.excel_width(40), XS.excel_width(16)])

    def test_widths_match_xlsxwriter(self) -> None:
        import xlsxwriter
        from openpyxl import load_workbook

        handle = io.BytesIO()
        book = xlsxwriter.Workbook(handle)
        sheet = book.add_worksheet()
        for col, chars in enumerate([0.5, 8, 16, 40]):
            sheet.set_column(col, col, chars)
        sheet.write(0, 0, "x")
        book.close()
        theirs = load_workbook(io.BytesIO(handle.getvalue())).active
        assert theirs is not None
        self.assertEqual(
            [theirs.column_dimensions[c].width for c in "ABCD"],
            [XS.excel_width(w) for w in (0.5, 8, 16, 40)],
        )

    def test_sheet_names(self) -> None:
        self.assertEqual(XS.sheet_name("需求"), "需求")
        self.assertEqual(XS.sheet_name("a:b*c?d"), "a_b_c_d")
        self.assertEqual(len(XS.sheet_name("长" * 50)), 31)
        self.assertEqual(XS.sheet_name(""), "导出")
        self.assertEqual(XS.sheet_name("''"), "导出")

    def test_column_letters(self) -> None:
        self.assertEqual(
            [XS.column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)],
            ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"],
        )


class TestLimitsAndFailures(SimpleTestCase):
    def test_more_rows_than_a_sheet_holds_is_refused(self) -> None:
        from unittest import mock

        with mock.patch.object(XS, "MAX_ROWS", 5), self.assertRaisesRegex(ValueError, "最多 4 行"):
            written([["甲"]] + [[str(i)] for i in range(5)])

    def test_exactly_the_limit_is_written(self) -> None:
        from unittest import mock

        with mock.patch.object(XS, "MAX_ROWS", 5):
            self.assertEqual(len(read_back(written([["甲"]] + [[str(i)] for i in range(4)]))), 5)

    def test_an_error_from_the_rows_is_not_masked(self) -> None:
        def failing() -> Any:
            yield ["甲"]
            yield ["1"]
            raise RuntimeError("database went away")

        with self.assertRaisesRegex(RuntimeError, "database went away"):
            XS.write_sheet(failing(), io.BytesIO(), title="x")

    def test_header_twice_or_rows_before_header_is_a_programming_error(self) -> None:
        writer = XS.SheetWriter(io.BytesIO(), title="x")
        with self.assertRaises(RuntimeError):
            writer.rows([["1"]])
        writer.header(["甲"])
        with self.assertRaises(RuntimeError):
            writer.header(["乙"])
        self.assertEqual(writer.close(), 0)
        self.assertEqual(writer.close(), 0)  # closing twice is harmless
