"""The statistics report as an Excel workbook: the same :class:`~.statistics.Report` the page
shows (the drill-down table with every figure, the unit's breakdown) and a notes sheet with the
counting rules."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from jiangqiao.core.io.export import neutralise

from .choices import AcademyLevel
from .statistics import REGISTRY, Report, period_label

BOLD = Font(bold=True)


def report_title(report: Report) -> list[tuple[str, str]]:
    q = report.query
    level = dict(AcademyLevel.choices).get(q.level, "全部级别") if q.level else "全部级别"
    return [
        ("统计单位", " › ".join(o.name for o in report.trail) or q.unit.name),
        ("统计期间", period_label(q.start, q.end)),
        ("学院级别", str(level)),
    ]


def table_rows(report: Report) -> list[list[object]]:
    """The drill-down table as rows of cells (header rows included): every figure, the rows of
    the page and the total."""
    head1: list[object] = ["单位"]
    head2: list[object] = [""]
    for col in report.columns:
        head1.append(col.indicator.label)
        head2.append(col.figure.label)
    out: list[list[object]] = [head1, head2]
    for row in report.rows:
        out.append([row.label, *(row.value(c.key) for c in report.columns)])
    out.append(["合计", *(report.total.get(c.key, 0) for c in report.columns)])
    return out


def workbook_bytes(report: Report) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "下级单位"
    for label, value in report_title(report):
        ws.append([label, neutralise(value)])
    ws.append([])
    first = ws.max_row + 1
    for cells in table_rows(report):
        ws.append([neutralise(c) for c in cells])
    for cell in ws[first] + ws[first + 1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True)
    ws.column_dimensions["A"].width = 28
    ws.freeze_panes = ws.cell(row=first + 2, column=2)

    detail = wb.create_sheet("构成")
    for label, value in report_title(report):
        detail.append([label, neutralise(value)])
    detail.append([])
    detail.append(["指标", "分项", "数值"])
    for cell in detail[detail.max_row]:
        cell.font = BOLD
    for indicator, parts in report.breakdown():
        for col, count in parts:
            detail.append([indicator.label, col.figure.label, count])
    detail.column_dimensions["A"].width = 16
    detail.column_dimensions["B"].width = 24

    notes = wb.create_sheet("统计口径")
    notes.append(["指标", "类别", "统计口径"])
    for cell in notes[1]:
        cell.font = BOLD
    for indicator in REGISTRY.values():
        notes.append(
            [indicator.label, "存量（现有数）" if indicator.stock else "期间数", indicator.rule]
        )
    notes.append(
        [
            "汇总",
            "",
            "一个单位的数字包含其全部下级单位；“本级（直属）”是登记在该单位本身的数据；"
            "“其他下级单位”是您的数据范围内、但不能按名称显示的下级单位的数据。"
            "只统计您的数据范围内的数据。",
        ]
    )
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 100
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")

    handle = io.BytesIO()
    wb.save(handle)
    return handle.getvalue()
