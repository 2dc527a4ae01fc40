"""上报统计表: the report a union sends upward — an Excel workbook and a printable PDF of the cockpit.

Both files are drawn from one :func:`selectors.cockpit` answer (the one the cockpit page shows), so
the exported figures are the screen's: the unit itself as 合计, each unit below it that the reader
may see by name, and 其他下级单位 for the figures of units below that he may not see by name —
exactly ``cockpit.children`` and ``cockpit.other``.

* :func:`build_report` turns the cockpit into one table per indicator set (国家指标 / 其他指标,
  ``Indicator.national``): per indicator 目标, 完成, 完成率, 序时进度 and 状态.
* :func:`workbook_bytes` writes it as .xlsx (one sheet per set and a 说明 sheet with each
  indicator's counting rule and the pace rule); :func:`pdf_bytes` as an A4 landscape PDF with the
  same tables and status words (ReportLab and the built-in CID font, as the certificate PDF).
* The report is **always** produced by a background job (:data:`REPORT_JOB`, ``core.jobs``), run
  as the user who asked (his data scope) and kept encrypted for him alone under
  ``MEDIA_ROOT/exports/``: one way for a county and for a province with hundreds of units below,
  progress on the page, nothing computed twice. :func:`report_start` starts it; the job writes
  the operation-log row of the export.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io.export import neutralise
from jiangqiao.core.io.exporting import _cleanup_old_files, read_stored_file, store_file
from jiangqiao.core.jobs import job_kind, job_start
from jiangqiao.core.models import Job
from jiangqiao.core.operations import record_operation
from jiangqiao.core.pdf import cjk_font
from jiangqiao.orgs.models import Organization

from . import indicators as registry
from .choices import AHEAD_RATIO, SLOW_RATIO, Campaign, Pace
from .selectors import Cockpit, Standing, cockpit, ratio

PERMISSION = "dashboards.export_report"
REPORT_JOB = "dashboards_report"
MODULE = "统计驾驶舱"
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

#: The indicator sets, one sheet (and one PDF table) each.
SETS = (("国家指标", True), ("其他指标", False))
#: Per indicator, the columns of the table.
COLUMNS = ("目标", "完成", "完成率", "序时进度", "状态")
OTHER_LABEL = "其他下级单位"
#: Shown where a figure cannot be given (no target: no completion, no pace).
NONE_TEXT = "—"


# ------------------------------------------------------------------------------------------------
# The report: the cockpit as tables
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One indicator of one row."""

    actual: int
    target: int | None = None
    #: 完成 ÷ 目标 (``None`` without a target).
    completion: float | None = None
    #: The share of the target expected by the 统计截止日期 (序时进度), ``None`` without a target.
    expected_share: float | None = None
    #: ``Pace`` code; "" for the 其他下级单位 row, which is not judged.
    pace: str = ""

    @classmethod
    def of(cls, st: Standing) -> Figure:
        expected = ratio(st.expected, st.target) if st.expected is not None else None
        return cls(st.actual, st.target, st.completion, expected, str(st.pace))

    @property
    def status(self) -> str:
        return str(Pace(self.pace).label) if self.pace else NONE_TEXT


@dataclass(frozen=True)
class Row:
    label: str
    #: "total" (the unit itself), "child" (a unit below) or "other" (units below not named).
    kind: str
    figures: dict[str, Figure]
    unit_id: int | None = None


@dataclass(frozen=True)
class Sheet:
    title: str
    indicators: list[registry.Indicator]
    rows: list[Row]


@dataclass(frozen=True)
class Report:
    cockpit: Cockpit
    sheets: list[Sheet]
    exporter: str
    exported_at: dt.datetime

    @property
    def unit(self) -> Organization:
        return self.cockpit.unit

    @property
    def indicators(self) -> list[registry.Indicator]:
        """Every indicator of the report (registered, then the unit's custom ones)."""
        return [s.indicator for s in self.cockpit.standings]

    @property
    def campaign_label(self) -> str:
        return str(Campaign(self.cockpit.campaign).label)

    def title(self, sheet: Sheet | None = None) -> str:
        cp = self.cockpit
        suffix = f"（{sheet.title}）" if sheet else ""
        return f"{cp.unit.name} {cp.year}年{self.campaign_label}目标完成情况{suffix}"

    def meta(self) -> list[str]:
        cp = self.cockpit
        return [
            f"统计期间：{cp.start:%Y-%m-%d} 至 {cp.end:%Y-%m-%d}",
            f"统计截止日期：{cp.as_of:%Y-%m-%d}",
            f"填报单位：{cp.unit.name}",
            f"导出：{self.exporter}，{timezone.localtime(self.exported_at):%Y-%m-%d %H:%M}",
        ]

    def pace_basis(self, code: str) -> str:
        """How the 合计 row's 序时进度 of ``code`` was reckoned."""
        st = next((s for s in self.cockpit.standings if s.indicator.code == code), None)
        if st is None or st.target is None or not st.target:
            return "未设目标"
        return "季节性（按上年各月分布）" if st.expected_seasonal is not None else "线性"


def total_label(unit: Organization) -> str:
    return f"{unit.name}（合计）"


def exporter_name(user: Any) -> str:
    name = getattr(user, "display_name", "") or getattr(user, "username", "")
    return f"{name}（{getattr(user, 'username', '')}）"


def build_report(cp: Cockpit, *, user: Any, now: dt.datetime | None = None) -> Report:
    """The cockpit's figures as the report's tables (rows: 合计, the units below, 其他下级单位)."""
    by_code = {s.indicator.code: s for s in cp.standings}
    sheets = []
    for title, national in SETS:
        # Registered indicators first, then the unit's custom ones (其他指标).
        chosen = [s.indicator for s in cp.standings if s.indicator.national is national]
        if not chosen:
            continue
        codes = [i.code for i in chosen]
        rows = [Row(total_label(cp.unit), "total", {c: Figure.of(by_code[c]) for c in codes})]
        for child in cp.children:
            rows.append(
                Row(
                    child.unit.name,
                    "child",
                    {c: Figure.of(child.standings[c]) for c in codes},
                    unit_id=child.unit.pk,
                )
            )
        if cp.other:
            rows.append(Row(OTHER_LABEL, "other", {c: Figure(cp.other.get(c, 0)) for c in codes}))
        sheets.append(Sheet(title, chosen, rows))
    return Report(cp, sheets, exporter_name(user), now or timezone.now())


def rules() -> list[tuple[str, str]]:
    """The general rules of the report (the 说明 sheet, the PDF's notes)."""
    return [
        (
            "完成",
            "统计期间开始至统计截止日期的完成数，按各指标的统计口径（见上表），只读取汇总数据。",
        ),
        ("目标", "本年度为该单位设定的目标值（由上级单位分解下达）；空白表示未设目标。"),
        ("完成率", "完成 ÷ 全年目标，以百分数表示；未设目标的为空白。"),
        (
            "序时进度",
            "截至统计截止日期应完成的目标比例。线性：统计期间开始至截止日期的天数占全年天数的比例"
            "（期间从 1 月 1 日开始时即全年已过天数 ÷ 全年天数）；季节性：上年同期完成数占上年全年的比例"
            "（当月按已过天数折算）。合计行在有上年按月数据时按季节性，否则按线性；下级单位行一律按线性。"
            "每个指标合计行所用的口径见各指标的说明。",
        ),
        (
            "状态",
            f"完成 ÷ 序时进度应完成数：不低于 {AHEAD_RATIO:.0%} 为“{Pace.AHEAD.label}”，"
            f"不低于 100% 为“{Pace.ON_TRACK.label}”，不低于 {SLOW_RATIO:.0%} 为“{Pace.SLOW.label}”，"
            f"低于 {SLOW_RATIO:.0%} 为“{Pace.BEHIND.label}”；未设目标的为“{Pace.NO_TARGET.label}”。",
        ),
        (
            "合计与下级单位",
            "合计是本单位及其全部下级单位的数字，包括登记在本单位本身（直属）的数据，"
            "所以下级单位各行之和可能小于合计。",
        ),
        (
            OTHER_LABEL,
            "导出人的数据范围内、但不能按名称显示的下级单位的数字之和；不设目标，不判断状态。",
        ),
        ("数据范围", "只统计导出人的数据范围内的数据，与导出人在统计驾驶舱中看到的数字一致。"),
    ]


# ------------------------------------------------------------------------------------------------
# Excel
# ------------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="FFEEF3FB")  # the list exports' header colour
TOTAL_FILL = PatternFill("solid", fgColor="FFF5F7FB")
THIN = Side(style="thin", color="FFB7C3D7")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
PACE_FILLS = {
    Pace.AHEAD: "FFC6EFCE",
    Pace.ON_TRACK: "FFD9F2EF",
    Pace.SLOW: "FFFFEB9C",
    Pace.BEHIND: "FFFFC7CE",
    Pace.NO_TARGET: "FFEDEDED",
}
#: Rows above the table: the title, the period / 截止日期, the exporter, a blank one.
TITLE_ROWS = 4
HEADER_ROWS = 2
UNIT_WIDTH = 30
NOTES_WIDTH = 90


def first_column(index: int) -> int:
    """The sheet column (1-based) of the first of an indicator's columns (``index`` from 0)."""
    return 2 + index * len(COLUMNS)


def _write_sheet(ws: Any, report: Report, sheet: Sheet) -> None:
    width = 1 + len(sheet.indicators) * len(COLUMNS)
    ws.cell(row=1, column=1, value=neutralise(report.title(sheet))).font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    meta = report.meta()
    ws.cell(row=2, column=1, value=neutralise("；".join(meta[:3])))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(row=3, column=1, value=neutralise(meta[3]))
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)

    top = TITLE_ROWS + 1
    ws.cell(row=top, column=1, value="单位")
    ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    for i, indicator in enumerate(sheet.indicators):
        col = first_column(i)
        ws.cell(row=top, column=col, value=f"{indicator.label}（{indicator.unit}）")
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + 4)
        for j, name in enumerate(COLUMNS):
            ws.cell(row=top + 1, column=col + j, value=name)
    for r in (top, top + 1):
        for c in range(1, width + 1):
            cell = ws.cell(row=r, column=c)
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.alignment = CENTER
            cell.border = BORDER

    r = top + HEADER_ROWS
    for row in sheet.rows:
        total = row.kind == "total"
        label = ws.cell(row=r, column=1, value=neutralise(row.label))
        label.border = BORDER
        if total:
            label.font = BOLD
            label.fill = TOTAL_FILL
        for i, indicator in enumerate(sheet.indicators):
            fig = row.figures[indicator.code]
            col = first_column(i)
            values: list[tuple[Any, str]] = [
                (fig.target, COUNT_FORMAT),
                (fig.actual, COUNT_FORMAT),
                (fig.completion, PERCENT_FORMAT),
                (fig.expected_share, PERCENT_FORMAT),
                (fig.status, ""),
            ]
            for j, (value, number_format) in enumerate(values):
                cell = ws.cell(row=r, column=col + j, value=value)
                cell.border = BORDER
                if number_format:
                    cell.number_format = number_format
                if total:
                    cell.font = BOLD
                    cell.fill = TOTAL_FILL
            status = ws.cell(row=r, column=col + 4)
            status.alignment = Alignment(horizontal="center")
            if fig.pace:
                status.fill = PatternFill("solid", fgColor=PACE_FILLS[Pace(fig.pace)])
        r += 1

    ws.column_dimensions["A"].width = UNIT_WIDTH
    for i in range(len(sheet.indicators)):
        col = first_column(i)
        for j, w in enumerate((11, 11, 9, 9, 9)):
            ws.column_dimensions[get_column_letter(col + j)].width = w
    ws.row_dimensions[top].height = 30
    ws.freeze_panes = ws.cell(row=top + HEADER_ROWS, column=2)
    ws.print_title_rows = f"{top}:{top + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_notes(ws: Any, report: Report) -> None:
    ws.append([neutralise(report.title()) + " · 说明"])
    ws["A1"].font = TITLE_FONT
    ws.append(["；".join(report.meta()[:2])])
    ws.append([])
    ws.append(["指标", "统计口径", "指标组", "计量单位", "本表合计行序时进度"])
    header = ws.max_row
    for cell in ws[header]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
    for indicator in report.indicators:
        ws.append(
            [
                indicator.label,
                indicator.rule,
                "国家指标" if indicator.national else "其他指标",
                indicator.unit,
                report.pace_basis(indicator.code),
            ]
        )
    ws.append([])
    ws.append(["项目", "说明"])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
    for label, text in rules():
        ws.append([label, text])
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column == 2)
        text = str(row[1].value or "")
        if text:
            # Not every reader fits a wrapped row's height: a Chinese character is two widths.
            lines = -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) // (NOTES_WIDTH - 2))
            ws.row_dimensions[row[1].row].height = 15 * max(1, lines)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = NOTES_WIDTH
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 10
    ws.column_dimensions["E"].width = 24
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def workbook_bytes(report: Report) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for sheet in report.sheets:
        _write_sheet(wb.create_sheet(sheet.title), report, sheet)
    _write_notes(wb.create_sheet("说明"), report)
    wb.properties.title = report.title()
    wb.properties.creator = report.exporter
    handle = io.BytesIO()
    wb.save(handle)
    return handle.getvalue()


# ------------------------------------------------------------------------------------------------
# PDF
# ------------------------------------------------------------------------------------------------

PDF_PACE_COLORS = {code: colors.HexColor("#" + rgb[2:]) for code, rgb in PACE_FILLS.items()}


def count_text(value: int | None) -> str:
    return NONE_TEXT if value is None else f"{value:,}"


def percent_text(value: float | None) -> str:
    return NONE_TEXT if value is None else f"{value:.1%}"


def _styles(font: str) -> dict[str, ParagraphStyle]:
    cjk = {"fontName": font, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("t", fontSize=15, leading=20, spaceAfter=4, **cjk),
        "meta": ParagraphStyle("m", fontSize=8.5, leading=12, textColor="#444444", **cjk),
        "h": ParagraphStyle("h", fontSize=11, leading=15, spaceBefore=8, **cjk),
        "cell": ParagraphStyle("c", fontSize=7.5, leading=9, **cjk),
        "note": ParagraphStyle("n", fontSize=8, leading=11, spaceAfter=3, **cjk),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf_table(sheet: Sheet, styles: dict[str, ParagraphStyle], width: float) -> Table:
    n = len(sheet.indicators)
    unit_width = 118.0
    col = (width - unit_width) / (n * len(COLUMNS))
    head1: list[Any] = ["单位"]
    head2: list[Any] = [""]
    for indicator in sheet.indicators:
        head1 += [
            Paragraph(_escape(f"{indicator.label}（{indicator.unit}）"), styles["cell"]),
            "",
            "",
            "",
            "",
        ]
        head2 += list(COLUMNS)
    data: list[list[Any]] = [head1, head2]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), styles["cell"].fontName, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#B7C3D7")),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#EEF3FB")),
        ("SPAN", (0, 0), (0, 1)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, 1), "CENTER"),
        ("ALIGN", (1, 2), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    for i in range(n):
        c = 1 + i * len(COLUMNS)
        commands.append(("SPAN", (c, 0), (c + 4, 0)))
    for r, row in enumerate(sheet.rows, start=2):
        cells: list[Any] = [Paragraph(_escape(row.label), styles["cell"])]
        for i, indicator in enumerate(sheet.indicators):
            fig = row.figures[indicator.code]
            cells += [
                count_text(fig.target),
                count_text(fig.actual),
                percent_text(fig.completion),
                percent_text(fig.expected_share),
                fig.status,
            ]
            status_col = 1 + i * len(COLUMNS) + 4
            commands.append(("ALIGN", (status_col, r), (status_col, r), "CENTER"))
            if fig.pace:
                commands.append(
                    (
                        "BACKGROUND",
                        (status_col, r),
                        (status_col, r),
                        PDF_PACE_COLORS[Pace(fig.pace)],
                    )
                )
        if row.kind == "total":
            commands.append(("BACKGROUND", (0, r), (0, r), colors.HexColor("#F5F7FB")))
        data.append(cells)
    table = Table(
        data, colWidths=[unit_width] + [col] * (n * len(COLUMNS)), repeatRows=2, hAlign="LEFT"
    )
    table.setStyle(TableStyle(commands))
    return table


def pdf_bytes(report: Report) -> bytes:
    """The cockpit as a printable A4 landscape PDF: the same tables and status words."""
    font = cjk_font()
    styles = _styles(font)
    buf = io.BytesIO()
    page = landscape(A4)
    margin = 12 * mm
    doc = SimpleDocTemplate(
        buf,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=report.title(),
        author=report.exporter,
    )
    footer = f"{report.unit.name} · 上报统计表 · " + report.meta()[3]

    def on_page(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(margin, margin - 2 * mm, footer)
        canvas.drawRightString(page[0] - margin, margin - 2 * mm, f"第 {doc_.page} 页")
        canvas.restoreState()

    story: list[Any] = [
        Paragraph(_escape(report.title()), styles["title"]),
        Paragraph(_escape("；".join(report.meta()[:3])), styles["meta"]),
        Spacer(1, 2),
    ]
    width = page[0] - 2 * margin
    for sheet in report.sheets:
        # A heading is never left alone at the foot of a page.
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(_escape(sheet.title), styles["h"]))
        story.append(_pdf_table(sheet, styles, width))
    notes = [CondPageBreak(40 * mm), Paragraph("说明", styles["h"])]
    for indicator in report.indicators:
        basis = report.pace_basis(indicator.code)
        notes.append(
            Paragraph(
                _escape(f"{indicator.label}：{indicator.rule}（合计行序时进度：{basis}）"),
                styles["note"],
            )
        )
    notes += [Paragraph(_escape(f"{label}：{text}"), styles["note"]) for label, text in rules()]
    story += notes
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------
# The job: start, run, the stored files
# ------------------------------------------------------------------------------------------------


def report_units(user: Any) -> Any:
    """The units whose report ``user`` may export (the units he may see)."""
    return Organization.objects.visible_to(user, "view")


def period_text(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


@transaction.atomic
def report_start(
    *,
    actor: Any,
    unit: Organization,
    year: int,
    start: dt.date,
    end: dt.date,
    campaign: str = Campaign.ZHUQIXING,
) -> Job:
    """Start the job that writes the report of ``unit`` for ``actor`` (his data scope)."""
    if not actor.has_perm(PERMISSION):
        raise BusinessError("您没有导出上报统计表的权限")
    if not report_units(actor).filter(pk=unit.pk).exists():
        raise BusinessError("统计单位不存在或不在您的数据范围内", field="unit")
    if start > end or start.year != year or end.year != year:
        raise BusinessError("统计期间须在所选年度之内，且开始日期不晚于结束日期", field="start")
    if campaign not in Campaign.values:
        raise BusinessError("专项行动不正确", field="campaign")
    params = {
        "unit": unit.pk,
        "year": year,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "campaign": campaign,
        # The report is the cockpit of the day it was asked for, whenever the worker runs it.
        "today": timezone.localdate().isoformat(),
    }
    return job_start(
        actor=actor,
        kind=REPORT_JOB,
        params=params,
        title=f"导出上报统计表：{unit.name} {period_text(start, end)}"[:200],
    )


def file_name(unit: Organization, start: dt.date, end: dt.date, fmt: str) -> str:
    return f"上报统计表_{unit.name}_{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"


@job_kind(REPORT_JOB, title="导出上报统计表", permission=PERMISSION)
def _report_job(job: Job, progress: Any) -> dict[str, Any]:
    params = job.params
    user = job.created_by
    if user is None or not user.has_perm(PERMISSION):
        raise BusinessError("导出人已没有导出上报统计表的权限")
    unit = report_units(user).filter(pk=params.get("unit")).first()
    if unit is None:
        raise BusinessError("统计单位不存在或已不在导出人的数据范围内")
    start = dt.date.fromisoformat(str(params["start"]))
    end = dt.date.fromisoformat(str(params["end"]))
    steps = 4
    progress(0, steps, "正在汇总数据")
    cp = cockpit(
        user=user,
        unit=unit,
        year=int(params["year"]),
        start=start,
        end=end,
        campaign=str(params.get("campaign") or Campaign.ZHUQIXING),
        today=dt.date.fromisoformat(str(params["today"])),
    )
    report = build_report(cp, user=user)
    rows = len(report.sheets[0].rows) if report.sheets else 0
    progress(1, steps, f"正在生成 Excel（{rows} 行）")
    xlsx = workbook_bytes(report)
    progress(2, steps, "正在生成 PDF")
    pdf = pdf_bytes(report)
    progress(3, steps, "正在保存文件")
    _cleanup_old_files()
    files = {"xlsx": store_file(xlsx, "xlsx"), "pdf": store_file(pdf, "pdf")}
    record_operation(
        actor=user,
        module=MODULE,
        business_type=BusinessType.EXPORT,
        action=f"导出上报统计表：{unit.name} {period_text(start, end)}（Excel、PDF）",
        org_id=unit.pk,
        target=job,
        extra={
            "unit": unit.pk,
            "year": cp.year,
            "start": params["start"],
            "end": params["end"],
            "as_of": cp.as_of.isoformat(),
            "rows": rows,
        },
    )
    progress(steps, steps, "已完成")
    return {
        "files": files,
        "names": {fmt: file_name(unit, start, end, fmt) for fmt in files},
        "unit": unit.pk,
        "rows": rows,
    }


def stored_file(job: Job, fmt: str) -> tuple[bytes, str]:
    """The decrypted file of a finished report job and its download name."""
    result = job.result or {}
    name = str((result.get("files") or {}).get(fmt, ""))
    if fmt not in FORMATS:
        raise BusinessError("导出文件：文件不存在")
    data = read_stored_file(name)
    return data, str((result.get("names") or {}).get(fmt) or f"report.{fmt}")
