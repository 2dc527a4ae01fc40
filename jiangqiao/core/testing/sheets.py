"""Spreadsheets for import tests, written with openpyxl the way Excel/WPS users produce them."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook


def xlsx(
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    title: str | None = None,
    merge: Iterable[str] = (),
    hidden_first: bool = False,
    extra_sheets: dict[str, list[list[Any]]] | None = None,
) -> bytes:
    """A workbook whose first sheet holds ``rows`` (optionally below a merged ``title`` row)."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    if title is not None:
        ws.append([title])
    for row in rows:
        ws.append(list(row))
    for ref in merge:
        ws.merge_cells(ref)
    for name, data in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for row in data:
            other.append(row)
    if hidden_first:
        ws.sheet_state = "hidden"
        if not extra_sheets:
            book.create_sheet("空白")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8-sig") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


def read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    ws = book.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]
