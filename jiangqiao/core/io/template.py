"""The downloadable .xlsx template, generated from the same spec the importer reads.

* Row 1: the Chinese headers, required columns marked ``*`` (red); a cell comment carries the note.
* Row 2: an example row (grey, italic) — the importer ignores nothing, so the example is a real,
  valid row and the note on the sheet says to delete it before importing.
* Identifier columns (ID number, mobile, USCC) are formatted as text so Excel keeps leading zeros
  and never shows 18-digit numbers in scientific notation.
* Coded columns with a short list (choices, code lists) get a drop-down: the options live on a
  hidden sheet ``选项`` and a list data validation points at them (the RuoYi / django-vue3-admin way).
* A ``填写说明`` sheet lists every column: required or not, format, allowed values and notes.
"""

from __future__ import annotations

import io
from typing import Any

from .files import col_name
from .spec import Column, ImportSpec
from .values import CodeResolver

TEMPLATE_ROWS = 5000
OPTION_SHEET = "选项"


def kind_hint(column: Column) -> str:
    return {
        "text": "文本" + (f"，最多 {column.max_length} 字" if column.max_length else ""),
        "longtext": "文本，可换行"
        + (f"，最多 {column.max_length} 字" if column.max_length else ""),
        "int": "整数",
        "decimal": "数字",
        "date": "日期，如 2026-03-01",
        "bool": "是 / 否",
        "choice": "从下拉列表选择",
        "code": f"填写代码或名称（{_scheme_label(column.scheme)}）",
        "codes": f"可填多个，用“、”分隔；代码或名称（{_scheme_label(column.scheme)}）",
        "identifier": "文本格式",
        "org": "工会组织全称、简称或统一社会信用代码；不填则为您所在的工会",
        "list": "可填多项，用“、”或换行分隔",
    }[column.kind]


def _scheme_label(scheme: str) -> str:
    from jiangqiao.taxonomy.choices import Scheme

    try:
        return str(Scheme(scheme).label)
    except ValueError:
        return scheme


def options(column: Column, resolver: CodeResolver) -> list[str]:
    if column.choices:
        return [label for _, label in column.choices]
    if column.kind == "bool":
        return ["是", "否"]
    if column.dropdown and column.scheme:
        return resolver.all_labels(column.scheme, levels=column.levels)
    return []


def build_template(spec: ImportSpec) -> bytes:
    import xlsxwriter

    resolver = CodeResolver()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(spec.title[:31])
    notes_sheet = book.add_worksheet("填写说明")
    option_sheet = book.add_worksheet(OPTION_SHEET)
    header = book.add_format(
        {"bold": True, "bg_color": "#EEF3FB", "border": 1, "align": "center", "valign": "vcenter"}
    )
    header_required = book.add_format(
        {
            "bold": True,
            "bg_color": "#EEF3FB",
            "font_color": "#C00000",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
        }
    )
    text = book.add_format({"num_format": "@"})
    example = book.add_format({"italic": True, "font_color": "#808080"})
    example_text = book.add_format({"italic": True, "font_color": "#808080", "num_format": "@"})
    sheet.set_row(0, 24)
    option_col = 0
    for col_no, column in enumerate(spec.columns):
        is_text = column.kind == "identifier"
        # Chinese characters are about twice as wide as the default width unit.
        width = max(column.width, int(len(column.header) * 2.1) + 2)
        sheet.set_column(col_no, col_no, width, text if is_text else None)
        sheet.write_string(0, col_no, column.header, header_required if column.required else header)
        note = f"{kind_hint(column)}。{column.note}".strip("。") + "。"
        sheet.write_comment(0, col_no, note, {"x_scale": 2, "y_scale": 1.5})
        value = column.example
        if value not in ("", None):
            fmt = example_text if is_text else example
            if isinstance(value, int | float) and not is_text:
                sheet.write_number(1, col_no, value, example)
            else:
                sheet.write_string(1, col_no, str(value), fmt)
        choices = options(column, resolver)
        if choices:
            option_sheet.write_string(0, option_col, column.label)
            for i, label in enumerate(choices, start=1):
                option_sheet.write_string(i, option_col, label)
            letter = col_name(option_col)
            source = f"='{OPTION_SHEET}'!${letter}$2:${letter}${len(choices) + 1}"
            validation: dict[str, Any] = {
                "validate": "list",
                "source": source,
                "error_title": column.label,
                "error_message": f"请从下拉列表选择{column.label}",
                "error_type": "warning" if column.kind in ("codes",) else "stop",
            }
            sheet.data_validation(1, col_no, TEMPLATE_ROWS, col_no, validation)
            option_col += 1
    option_sheet.hide()
    sheet.freeze_panes(1, 0)
    sheet.activate()
    _write_notes(book, notes_sheet, spec)
    book.close()
    return buffer.getvalue()


def _write_notes(book: Any, sheet: Any, spec: ImportSpec) -> None:
    bold = book.add_format({"bold": True, "bg_color": "#EEF3FB", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 40)
    sheet.set_column(3, 3, 60)
    row = 0
    sheet.write_string(row, 0, f"{spec.title}导入模板 · 填写说明", bold)
    row += 1
    general = [
        "第1行是表头，请勿修改列名；带 * 的列必须填写。第2行是示例，导入前请删除或改成真实数据。",
        "身份证号、手机号、统一社会信用代码列已设为文本格式，请直接粘贴，不要转换为数字。",
        "代码类列（行业、地区、职业等）可以填写代码，也可以填写名称；同名地区请加上上级名称，如“深圳市南山区”。",
        "可以只保留需要的列；列的顺序可以调整；表头上方可以有一行标题。",
        *spec.notes,
    ]
    for line in general:
        sheet.write_string(row, 0, line)
        row += 1
    row += 1
    for col, title in enumerate(("列名", "必填", "格式", "说明")):
        sheet.write_string(row, col, title, bold)
    row += 1
    for column in spec.columns:
        sheet.write_string(row, 0, column.label)
        sheet.write_string(row, 1, "是" if column.required else "")
        sheet.write_string(row, 2, kind_hint(column), wrap)
        note = column.note
        if column.aliases:
            note = f"{note}（也可用列名：{'、'.join(column.aliases)}）".strip()
        sheet.write_string(row, 3, note, wrap)
        row += 1
