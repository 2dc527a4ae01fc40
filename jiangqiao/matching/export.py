"""清单匹配 to Excel for staff who work offline.

The workbook is written row by row (openpyxl ``write_only``) into a spooled temporary file and sent
as a file response. Codes are exported as labels. A cell whose text starts with ``= + - @`` (or a
tab / carriage return) is prefixed with ``'`` so that Excel never evaluates it as a formula (CSV /
formula injection). The number of demands is capped (``JIANGQIAO_MATCH_EXPORT_MAX``); when the
filter matches more, the first row of the sheet says so.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from jiangqiao.core.io.export import neutralise
from jiangqiao.taxonomy.selectors import term_label, term_labels

from .selectors import DemandLine

HEADERS = (
    "需求编号",
    "需求标题",
    "企业",
    "需求类型",
    "所属行业",
    "服务地点",
    "需求状态",
    "名次",
    "服务项目",
    "劳模工匠",
    "工匠所属工会",
    "匹配度",
    "匹配理由",
)
WIDTHS = (24, 30, 28, 12, 28, 20, 10, 6, 30, 12, 20, 8, 60)
# The platform's one formula-injection guard (text starting with = + - @ gets a leading quote).
safe = neutralise


def demand_cells(demand: Any) -> list[Any]:
    industries = term_labels("industry", demand.industry_codes or [])
    return [
        demand.number or "（草稿）",
        demand.title,
        demand.enterprise.name,
        demand.get_kind_display(),
        "、".join(industries.get(c, c) for c in demand.industry_codes or []),
        term_label("region", demand.region_code, demand.region_code),
        demand.get_status_display(),
    ]


def write_workbook(
    lines: Iterable[DemandLine], *, total: int, cap: int, watermark: str = ""
) -> Any:
    """A spooled file holding the workbook (positioned at its start). ``watermark`` (who
    exported it, when and why) leads the note in the first row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("清单匹配")
    for i, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    note = (watermark + " " if watermark else "") + (
        f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}；共 {total} 条需求"
    )
    if total > cap:
        note += f"，仅导出前 {cap} 条，请缩小筛选范围后分批导出"
    note_cell = WriteOnlyCell(sheet, value=note)
    note_cell.font = Font(italic=True, color="666666")
    sheet.append([note_cell])
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in lines:
        base = demand_cells(line.demand)
        if not line.items:
            sheet.append([safe(v) for v in base] + ["", "（无匹配的服务项目）"])
            continue
        for rank, item in enumerate(line.items, start=1):
            values = [
                *base,
                rank,
                item.title,
                item.craftsman_name,
                item.craftsman_org,
                item.relevance,
            ]
            row: list[Any] = [safe(v) for v in values]
            reason = WriteOnlyCell(sheet, value=safe("；".join(item.summary)))
            reason.alignment = wrap
            row.append(reason)
            sheet.append(row)
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle
