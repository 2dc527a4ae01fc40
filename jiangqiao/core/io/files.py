"""Reading uploaded spreadsheets safely: .xlsx and .csv (UTF-8 or GB18030) into rows of cells.

Every way a file can be wrong ends in :class:`FileRejected` with a Chinese message, before a single
row is interpreted:

* the type is decided by the content, not the name: an .xlsx is a ZIP holding ``xl/workbook.xml``;
  a renamed .exe (``MZ``), a PDF, a .docx or any other ZIP is refused; a legacy .xls or an
  encrypted (password-protected) workbook is an OLE2 compound file and is told apart by its
  ``EncryptionInfo`` stream;
* size limits come from settings (``JIANGQIAO_IMPORT_MAX_BYTES``, ``JIANGQIAO_IMPORT_MAX_ROWS``,
  ``JIANGQIAO_IMPORT_MAX_UNCOMPRESSED``): a ZIP bomb is refused from its central directory (declared
  uncompressed sizes and compression ratio) and, because the directory can lie, the worksheet is
  also decompressed in a bounded stream while its ``<row>`` elements are counted — a sheet of a
  million rows is refused without building it in memory;
* merged cells in the header row or the table, and formulas (whose cached values may be stale or
  missing), are reported with their cell addresses; hidden sheets are never read;
* a CSV must decode as UTF-8 (with or without BOM) or GB18030 (a superset of GBK/GB2312).

:func:`read_table` returns the first visible sheet's rows as lists of Python values (``str``,
``int``/``float``, ``bool``, ``datetime.date``/``datetime``, ``None``), untouched: interpretation
is the job of :mod:`jiangqiao.core.io.values`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from jiangqiao.core.messages import csv_error_zh
from jiangqiao.core.uploads import upload_limit

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
#: Signatures of files people upload by mistake, for a helpful message.
KNOWN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "可执行程序（.exe）"),
    (b"\x7fELF", "可执行程序"),
    (b"%PDF", "PDF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
)
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")  # the ends ``[\s>/]`` allows
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGE_TAG = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
#: How many leading rows are searched for the header row (a title row often sits above it).
HEADER_SEARCH_ROWS = 10


class FileRejected(Exception):
    """The file cannot be imported at all; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The cells of one sheet (or CSV). ``rows[i]`` is spreadsheet row ``first_row + i``."""

    kind: str  # "xlsx" | "csv"
    sheet: str
    rows: list[list[Any]]
    first_row: int = 1
    encoding: str = ""
    merged: list[str] = field(default_factory=list)
    formula_cells: list[str] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        return self.first_row + index


def limits() -> tuple[int, int, int]:
    return (
        upload_limit("import"),
        int(getattr(settings, "JIANGQIAO_IMPORT_MAX_ROWS", 200_000)),
        int(getattr(settings, "JIANGQIAO_IMPORT_MAX_UNCOMPRESSED", 768 * 1024 * 1024)),
    )


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def sniff_kind(data: bytes, filename: str) -> str:
    """``"xlsx"`` or ``"csv"`` from the content (the extension only breaks ties for text)."""
    if not data:
        raise FileRejected("文件是空的（0 字节），请重新选择文件")
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise FileRejected("工作簿设置了打开密码（已加密），请在 Excel 中取消密码后另存再导入")
        raise FileRejected(
            "这是旧版 Excel 97-2003 工作簿（.xls），请在 Excel 中“另存为” .xlsx 格式后再导入"
        )
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    for magic, what in KNOWN_SIGNATURES:
        if data.startswith(magic):
            raise FileRejected(f"文件内容是{what}，不是 Excel 工作簿（.xlsx）或 CSV 文件")
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise FileRejected("文件扩展名是 Excel，但内容不是有效的 Excel 工作簿（文件可能已损坏）")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("文件内容不是文本表格，只支持 .xlsx 和 .csv 文件")
    return "csv"


def read_table(data: bytes, filename: str) -> Table:
    """The rows of the uploaded file (first visible sheet for .xlsx)."""
    max_bytes, _, _ = limits()
    if len(data) > max_bytes:
        raise FileRejected(f"文件大小 {_mb(len(data))} 超过上限 {_mb(max_bytes)}，请拆分后分批导入")
    kind = sniff_kind(data, filename)
    return _read_xlsx(data) if kind == "xlsx" else _read_csv(data)


# ------------------------------------------------------------------------------------------------
# xlsx
# ------------------------------------------------------------------------------------------------


@dataclass
class _SheetScan:
    rows: int
    formulas: bool
    merged: list[str]


def _check_zip(data: bytes) -> zipfile.ZipFile:
    _, _, max_uncompressed = limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected("Excel 工作簿已损坏，无法打开，请在 Excel 中打开并另存后再导入") from exc
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise FileRejected("文件是 Word 文档（.docx），不是 Excel 工作簿")
        if "ppt/presentation.xml" in names:
            raise FileRejected("文件是 PowerPoint 演示文稿，不是 Excel 工作簿")
        raise FileRejected("文件是压缩包，不是 Excel 工作簿（.xlsx）")
    if len(infos) > 10_000:
        raise FileRejected("工作簿内部文件数量异常，拒绝导入")
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed:
        raise FileRejected(
            f"工作簿解压后大小 {_mb(total)} 超过上限 {_mb(max_uncompressed)}，"
            "可能是异常文件，请拆分后分批导入"
        )
    for info in infos:
        if (
            info.compress_size
            and info.file_size / info.compress_size > 200
            and info.file_size > (50 * 1024 * 1024)
        ):
            raise FileRejected("工作簿压缩比异常（疑似“压缩炸弹”），拒绝导入")
    return archive


def _scan_sheet(archive: zipfile.ZipFile, member: str, max_rows: int) -> _SheetScan:
    """Stream-decompress a worksheet: count rows, spot formulas and merged cells, bounded."""
    _, _, max_uncompressed = limits()
    rows = 0
    formulas = False
    merged: list[str] = []
    read = 0
    tail = b""
    try:
        with archive.open(member) as stream:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                read += len(chunk)
                if read > max_uncompressed:
                    raise FileRejected(
                        f"工作表解压后超过 {_mb(max_uncompressed)}，可能是异常文件，拒绝导入"
                    )
                block = tail + chunk
                # Count tags that start in this block but not in the carried-over tail.
                rows += _count_rows(block) - _count_rows(tail)
                if not formulas and (b"<f" in block or b":f" in block):
                    formulas = _FORMULA_TAG.search(block) is not None
                if b"mergeCell" in block:
                    merged.extend(
                        m.decode() for m in _MERGE_TAG.findall(block) if m.decode() not in merged
                    )
                if rows > max_rows + HEADER_SEARCH_ROWS:
                    raise FileRejected(
                        f"文件超过 {max_rows} 行的上限，请拆分后分批导入（上限可由管理员调整）"
                    )
                tail = block[-64:]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileRejected("Excel 工作簿已损坏，无法读取工作表") from exc
    return _SheetScan(rows=rows, formulas=formulas, merged=merged)


def _count_rows(block: bytes) -> int:
    """``len(_ROW_TAG.findall(block))``, by plain substring counts where no namespace prefix
    is used (the regular expression took seconds on a 100,000-row sheet)."""
    if b":row" in block:
        return len(_ROW_TAG.findall(block))
    return sum(block.count(b"<row" + end) for end in _ROW_ENDS)


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from workbook.xml and its relationships."""
    workbook = archive.read("xl/workbook.xml")
    rels = (
        archive.read("xl/_rels/workbook.xml.rels")
        if "xl/_rels/workbook.xml.rels" in (archive.namelist())
        else b""
    )
    targets = {
        m.group(1).decode(): m.group(2).decode()
        for m in re.finditer(rb"<Relationship\s[^>]*Id=\"([^\"]+)\"[^>]*Target=\"([^\"]+)\"", rels)
    }
    targets.update(
        {
            m.group(2).decode(): m.group(1).decode()
            for m in re.finditer(
                rb"<Relationship\s[^>]*Target=\"([^\"]+)\"[^>]*Id=\"([^\"]+)\"", rels
            )
        }
    )
    members: dict[str, str] = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\s([^>]*)/?>", workbook):
        attrs = m.group(1)
        name = re.search(rb'name="([^"]*)"', attrs)
        rid = re.search(rb'r:id="([^"]*)"', attrs) or re.search(rb'\bid="([^"]*)"', attrs)
        if not name or not rid:
            continue
        target = targets.get(rid.group(1).decode(), "")
        target = target.lstrip("/")
        if not target.startswith("xl/"):
            target = "xl/" + target
        members[_xml_unescape(name.group(1).decode())] = target
    return members


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _read_xlsx(data: bytes) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetVisibleEnum

    _, max_rows, _ = limits()
    archive = _check_zip(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as exc:
        raise FileRejected("工作簿设置了密码，请取消密码后再导入") from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected("Excel 工作簿已损坏，无法打开，请在 Excel 中打开并另存后再导入") from exc
    except Exception as exc:  # calamine raises its own XmlError/ZipError types
        raise FileRejected("Excel 工作簿已损坏，无法打开，请在 Excel 中打开并另存后再导入") from exc
    visible = [
        meta.name
        for meta in workbook.sheets_metadata
        if meta.visible == SheetVisibleEnum.Visible and str(meta.typ).endswith("WorkSheet")
    ]
    if not visible:
        raise FileRejected("工作簿中没有可见的工作表（工作表被隐藏），请取消隐藏后再导入")
    members = _sheet_members(archive)
    hidden_with_data = [
        meta.name for meta in workbook.sheets_metadata if meta.visible != SheetVisibleEnum.Visible
    ]
    for name in visible:
        member = members.get(name)
        scan = _scan_sheet(archive, member, max_rows) if member in archive.namelist() else None
        try:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise FileRejected(f"工作表“{name}”无法读取，文件可能已损坏") from exc
        rows = _trim(rows)
        if not rows:
            continue
        # ``skip_empty_area=False``: the rows start at A1, so list index + 1 is the row number.
        table = Table(kind="xlsx", sheet=name, rows=rows, first_row=1)
        table.merged = list(scan.merged) if scan else []
        if scan and scan.formulas:
            table.formula_cells = _formula_cells(data, name)
        return table
    if hidden_with_data:
        raise FileRejected(
            "可见的工作表都是空的；数据可能在隐藏的工作表"
            f"（{'、'.join(hidden_with_data[:3])}）中，请取消隐藏或把数据放到第一个工作表"
        )
    raise FileRejected("工作表是空的，没有可导入的数据")


def col_name(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA`` (spreadsheet column letters)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def col_index(name: str) -> int:
    value = 0
    for ch in name:
        value = value * 26 + (ord(ch) - 64)
    return value - 1


def cell_ref(row: int, col: int) -> str:
    """``(5, 0)`` → ``A5`` (row is the spreadsheet row number, col zero-based)."""
    return f"{col_name(col)}{row}"


def _formula_cells(data: bytes, sheet: str) -> list[str]:
    """Addresses of formula cells (a slow second pass, only when the scan saw formulas)."""
    from openpyxl import load_workbook

    found: list[str] = []
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        ws = wb[sheet]
        for row in ws.iter_rows():
            for cell in row:
                if getattr(cell, "data_type", "") == "f" and hasattr(cell, "coordinate"):
                    found.append(cell.coordinate)
    finally:
        wb.close()
    return found


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing empty rows and normalise empty strings to ``None``."""
    out = [[None if v == "" else v for v in row] for row in rows]
    while out and all(v is None for v in out[-1]):
        out.pop()
    return out


# ------------------------------------------------------------------------------------------------
# csv
# ------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding that decoded it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    for encoding, label in (("utf-8-sig", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise FileRejected("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 GBK 编码后再导入")


def _read_csv(data: bytes) -> Table:
    _, max_rows, _ = limits()
    text, encoding = decode_text(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;；")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            rows.append([cell if cell.strip() != "" else None for cell in row])
            if len(rows) > max_rows + HEADER_SEARCH_ROWS:
                raise FileRejected(
                    f"文件超过 {max_rows} 行的上限，请拆分后分批导入（上限可由管理员调整）"
                )
    except csv.Error as exc:  # its text is English: say it in Chinese, naming the line
        raise FileRejected(f"CSV 文件格式有误：{csv_error_zh(exc, reader.line_num)}") from exc
    rows = _trim(rows)
    if not rows:
        raise FileRejected("文件是空的，没有可导入的数据")
    return Table(kind="csv", sheet="CSV", rows=rows, encoding=encoding)


def iter_nonempty(rows: list[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    for index, row in enumerate(rows):
        if any(v is not None and str(v).strip() != "" for v in row):
            yield index, row


def excel_serial_to_date(value: float) -> dt.date | None:
    """An Excel serial day number (1900 system) as a date, or ``None`` when out of range."""
    if not 1 <= value < 2958466:
        return None
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))


def merged_cells_in(table: Table, first_row: int) -> list[str]:
    """Merged ranges that reach the header row or below (a merged title above is fine)."""
    bad = []
    for ref in table.merged:
        last = ref.split(":")[-1]
        m = _CELL_REF.match(last)
        if m and int(m.group(2)) >= first_row:
            bad.append(ref)
    return bad
