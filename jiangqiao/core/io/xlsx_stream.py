"""A lean one-sheet .xlsx writer for large exports: rows in, a valid Office Open XML workbook out.

Exports are plain tables (a styled header row, then text and numbers), and for them XlsxWriter's
general machinery was the slow part of a large export: its per-cell bookkeeping took about 36 s
for 300,000 demands and its default compression another 10 s (docs/performance.md). This writer
does only what an export needs:

* cells are inline strings (``t="inlineStr"``), so no shared-string table is kept in memory; a
  row's XML is built with one f-string per cell and a whole batch of rows is encoded at once;
* escaping is checked once per row: only a row whose text holds ``& < >``, a character XML 1.0
  forbids, or text that Excel would read as its own ``_xHHHH_`` escape goes through the careful
  per-cell path (control characters become ``_xHHHH_``, as Excel writes them);
* the worksheet is streamed into the zip member as it is built, at zlib's default level
  (``COMPRESS_LEVEL``). Level 1 is faster, but large exports are written by a second process
  that waits for rows anyway (``export.write_xlsx``): 300,000 demands took 21.5 s at level 1
  and 22.7 s at level 6, and the file is 19 % smaller at 6 (61.1 MB against 75.6 MB).

The header row is bold on a light fill and frozen; column widths follow XlsxWriter's character
widths, so workbooks look as before. Templates, with drop-downs, hidden sheets and notes, are
still made by XlsxWriter (``template.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from typing import Any, BinaryIO
from xml.sax.saxutils import escape as _xml_escape

#: zlib level for the worksheet (6: zlib's default; see the module notes).
COMPRESS_LEVEL = 6
#: Excel's limits: characters in a cell and rows in a sheet.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
#: Rows built before they are encoded and handed to the compressor together.
_FLUSH_ROWS = 500

# A character XML 1.0 does not allow (control characters, U+FFFE/U+FFFF, lone surrogates), markup
# that needs escaping, or text Excel would decode as an escape of its own (``_x0041_`` is "A").
_NEEDS_CARE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff&<>]|_x[0-9A-Fa-f]{4}_")
#: Characters written as ``_xHHHH_``: those XML 1.0 forbids, and CR (a parser would read it as LF).
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_EXCEL_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_CONTENT_TYPES = (
    _DECL + f'<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_SML}.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _DECL + f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/relationships/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG}/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC}/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _DECL + f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 0: the default cell; style 1: the header (bold on #EEF3FB, as the XlsxWriter export had).
_STYLES = (
    _DECL + f"<styleSheet {_NS}>"
    '<fonts count="2">'
    '<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font>'
    '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEEF3FB"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_APP = (
    _DECL + f'<Properties xmlns="{_DOC}/extended-properties" '
    f'xmlns:vt="{_DOC}/docPropsVTypes"><Application>匠桥</Application></Properties>'
)


def column_letters(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_name(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[ ] : * ? / \\``."""
    name = _SHEET_NAME_BAD.sub("_", title).strip("'")[:31]
    return name or "导出"


def excel_width(chars: float) -> float:
    """The stored width of a column ``chars`` characters wide (Calibri 11: 7-pixel digits and
    5 pixels of padding; XlsxWriter's conversion, so widths match the other workbooks)."""
    if chars <= 0:
        return 0.0
    pixels = int(chars * 12 + 0.5) if chars < 1 else int(chars * 7 + 0.5) + 5
    return int(pixels / 7 * 256) / 256


def careful_text(value: str) -> str:
    """XML text of a cell value with everything unusual in it: markup escaped, Excel's own
    ``_xHHHH_`` pattern protected, forbidden characters written as ``_xHHHH_``, lone surrogates
    replaced, at most ``MAX_CELL_CHARS`` characters."""
    if len(value) > MAX_CELL_CHARS:
        value = value[:MAX_CELL_CHARS]
    value = _EXCEL_ESCAPE.sub("_x005F_", value)
    value = _FORBIDDEN.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    value = _SURROGATE.sub("\ufffd", value)
    return _xml_escape(value)


class SheetWriter:
    """Writes one worksheet into ``handle`` (a writable, seekable binary file).

    ``header(labels, widths)`` once, then ``rows(iterable)`` any number of times, then
    ``close()``, which returns the number of data rows written. Use as a context manager so
    that a failure still closes the zip (the caller discards the file)."""

    def __init__(
        self, handle: BinaryIO, *, title: str, compresslevel: int = COMPRESS_LEVEL
    ) -> None:
        self._zip = zipfile.ZipFile(
            handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        self._title = sheet_name(title)
        self._sheet: Any = None
        self._row = 0  # the last row number written (1-based, as in the XML)
        self._header_row = 1
        self._letters: list[str] = []

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:  # the file is discarded by the caller; just release it
            if self._sheet is not None:
                self._sheet.close()
            self._zip.close()

    def header(
        self, labels: list[Any], widths: list[int] | None = None, *, watermark: str = ""
    ) -> None:
        """The header row (bold, frozen). ``watermark``: a line above it naming who exported
        the file, when and why (the header then sits on row 2; importers find it there)."""
        if self._sheet is not None:
            raise RuntimeError("表头只能写一次")
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{excel_width(w)}" customWidth="1"/>'
            for n, w in enumerate(
                (widths[i] if widths and i < len(widths) else 16 for i in range(len(labels))),
                start=1,
            )
        )
        top = 2 if watermark else 1
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._sheet.write(
            (
                _DECL + f"<worksheet {_NS} {_NS_R}>"
                '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
                f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" '
                'state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="A{top + 1}" sqref="A{top + 1}"/>'
                "</sheetView></sheetViews>"
                '<sheetFormatPr defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "")
                + "<sheetData>"
            ).encode()
        )
        self._letters = [column_letters(i) for i in range(len(labels))]
        if watermark:
            self._sheet.write(
                f'<row r="1"><c r="A1" t="inlineStr"><is><t>{careful_text(watermark)}</t></is></c>'
                "</row>".encode()
            )
        self._header_row = top
        self._row = top
        cells = "".join(
            f'<c r="{letter}{top}" s="1" t="inlineStr"><is><t>{careful_text(str(label))}</t>'
            "</is></c>"
            for letter, label in zip(self._letters, labels, strict=True)
        )
        self._sheet.write(f'<row r="{top}">{cells}</row>'.encode())

    def rows(self, rows: Iterable[list[Any]]) -> None:
        if self._sheet is None:
            raise RuntimeError("请先写表头")
        letters = self._letters
        width = len(letters)
        needs_care = _NEEDS_CARE.search
        parts: list[str] = []
        n = self._row
        for row in rows:
            n += 1
            if n > MAX_ROWS:
                raise ValueError(
                    f"Excel 工作表最多 {MAX_ROWS - 1} 行数据，请改用 CSV 或缩小筛选范围"
                )
            if len(row) > width:
                # Columns beyond the header get letters too (a row should not be longer, but
                # nothing is dropped if one is).
                letters.extend(column_letters(i) for i in range(width, len(row)))
                width = len(letters)
            r = str(n)
            texts = [v for v in row if v.__class__ is str]
            careful = bool(texts) and needs_care("".join(texts)) is not None
            cells = []
            for letter, value in zip(letters, row, strict=False):
                kind = value.__class__
                if kind is str:
                    if not value:
                        continue
                    if careful or len(value) > MAX_CELL_CHARS:
                        value = careful_text(value)
                    if value[0].isspace() or value[-1].isspace():
                        cells.append(
                            f'<c r="{letter}{r}" t="inlineStr"><is>'
                            f'<t xml:space="preserve">{value}</t></is></c>'
                        )
                    else:
                        cells.append(
                            f'<c r="{letter}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
                        )
                elif kind is int:
                    cells.append(f'<c r="{letter}{r}"><v>{value}</v></c>')
                else:
                    cells.append(_other_cell(f"{letter}{r}", value))
            parts.append(f'<row r="{r}">{"".join(cells)}</row>')
            if len(parts) >= _FLUSH_ROWS:
                self._sheet.write("".join(parts).encode())
                parts = []
        if parts:
            self._sheet.write("".join(parts).encode())
        self._row = n

    def close(self) -> int:
        if self._zip.fp is None:  # closed already
            return max(self._row - self._header_row, 0)
        if self._sheet is None:
            self.header([])
        self._sheet.write(
            b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
            b'header="0.3" footer="0.3"/></worksheet>'
        )
        self._sheet.close()
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", _ROOT_RELS)
        self._zip.writestr(
            "xl/workbook.xml",
            _DECL + f"<workbook {_NS} {_NS_R}>"
            '<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="16384" '
            'windowHeight="8192"/></bookViews>'
            f'<sheets><sheet name="{_xml_escape(self._title, {chr(34): "&quot;"})}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.writestr("docProps/core.xml", _core_properties())
        self._zip.writestr("docProps/app.xml", _APP)
        self._zip.close()
        return max(self._row - self._header_row, 0)


def _other_cell(ref: str, value: Any) -> str:
    """Cells that are neither text nor int (rare in exports: ``export._cell`` makes most values
    text): booleans, floats (NaN and infinities, which a number cell cannot hold, as text),
    anything else as its text."""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{int(value)}</v></c>'
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if value is None:
        return ""
    text = str(value)
    if not text:
        return ""
    return (
        f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{careful_text(text)}</t></is></c>'
    )


def _core_properties() -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        _DECL + f'<cp:coreProperties xmlns:cp="{_PKG}/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>匠桥</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def write_sheet(
    row_iter: Iterable[list[Any]],
    handle: BinaryIO,
    *,
    title: str,
    widths: list[int] | None = None,
    compresslevel: int = COMPRESS_LEVEL,
    watermark: str = "",
) -> int:
    """The first row of ``row_iter`` is the header; returns the number of data rows."""
    iterator = iter(row_iter)
    with SheetWriter(handle, title=title, compresslevel=compresslevel) as writer:
        writer.header(list(next(iterator, [])), widths, watermark=watermark)
        writer.rows(iterator)
        return writer.close()
