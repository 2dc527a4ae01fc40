"""Turning spreadsheet cells into clean values, with Chinese messages that name the problem.

Every converter takes the raw cell (``str``, number, ``bool``, date or ``None``) and returns a clean
Python value or raises :class:`CellError`. Normalisation applied everywhere: Unicode NFKC (full-width
digits and letters become half-width), surrounding blanks stripped; text goes through the platform's
one normaliser (traditional → simplified, pinyin annotations removed). Numbers stored as text, Excel
serial dates, ``2026/3/1``, ``2026年3月1日``, ``20260301`` are all understood.

Codes (GB/T 4754, GB/T 2260, 大典, code lists) may be given by code or by name: :class:`CodeResolver`
loads each scheme once per import and resolves names (``深圳市南山区``, ``南山区``, ``金属切削机床制造``,
``高级技师``) without a query per row; an ambiguous name is resolved inside the importing user's
province when that makes it unique, otherwise the candidates are listed in the error.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from jiangqiao.text import normalize, search_key

from .files import excel_serial_to_date

SEPARATORS = re.compile(r"[、,，;；|\n]+")
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "对", "已建", "同意"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗", "没有", "未建", "不同意"}
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_NUMBER_NOISE = re.compile(r"[,，\s]")


class CellError(ValueError):
    """A cell value is unusable; the message is Chinese and does not repeat the column name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def nfkc(value: Any) -> str:
    """The cell as stripped, NFKC-normalised text (numbers without a spurious ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return True
        # Not blank as soon as the first character stays something after NFKC (nearly always;
        # only then is the whole text normalised).
        return not unicodedata.normalize("NFKC", text[0]).strip() and nfkc(text) == ""
    return False


def to_text(value: Any, *, max_length: int = 0, keep_newlines: bool = False) -> str:
    # ``normalize`` applies NFKC itself; numbers and dates are spelt out by ``nfkc`` first.
    raw = value if isinstance(value, str) else nfkc(value)
    text = normalize(raw, keep_newlines=keep_newlines).strip()
    if max_length and len(text) > max_length:
        raise CellError(f"最多 {max_length} 个字（当前 {len(text)} 个字）")
    return text


def to_identifier(value: Any) -> str:
    """ID numbers, mobiles and USCCs: half-width, no blanks or dashes, ``x`` → ``X``."""
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15:
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell has
        # already lost its last digits (and may show as 4.40305E+17).
        raise CellError("被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写")
    text = nfkc(value)
    text = re.sub(r"[\s\-–—]", "", text)
    return text.upper()


def to_int(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise CellError("应为整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"应为整数（当前为 {value}）")
        number = int(value)
    else:
        text = _NUMBER_NOISE.sub("", nfkc(value)).removesuffix("人").removesuffix("名")
        try:
            parsed = Decimal(text)
            if not parsed.is_finite() or parsed != int(parsed):
                raise ValueError(text)
        except (InvalidOperation, ValueError) as exc:
            raise CellError(f"应为整数（当前为“{nfkc(value)[:20]}”）") from exc
        number = int(parsed)
    if minimum is not None and number < minimum:
        raise CellError(f"不能小于 {minimum}")
    if maximum is not None and number > maximum:
        raise CellError(f"不能大于 {maximum}")
    return number


def to_decimal(value: Any, *, places: int = 2, maximum: Decimal | None = None) -> Decimal:
    if isinstance(value, bool):
        raise CellError("应为数字")
    text = _NUMBER_NOISE.sub("", nfkc(value)).removesuffix("万元").removesuffix("万")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"应为数字（当前为“{nfkc(value)[:20]}”）") from exc
    if not number.is_finite():
        raise CellError("应为数字")
    if number < 0:
        raise CellError("不能为负数")
    if maximum is not None and number > maximum:
        raise CellError(f"不能大于 {maximum}")
    return number.quantize(Decimal(1).scaleb(-places))


def to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        date = excel_serial_to_date(float(value))
        if date is None:
            raise CellError(f"不是有效日期（{value}）")
        return date
    text = nfkc(value)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as exc:
                raise CellError(f"不是有效日期（“{text}”）") from exc
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        date = excel_serial_to_date(float(text))
        if date is not None:
            return date
    raise CellError(f"日期格式应为 2026-03-01（当前为“{text[:20]}”）")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = nfkc(value).casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(f"应填写“是”或“否”（当前为“{nfkc(value)[:20]}”）")


def to_choice(value: Any, choices: tuple[tuple[str, str], ...]) -> str:
    """A choice given by its label (技术难题) or its value (technical)."""
    text = nfkc(value)
    key = search_key(text)
    for code, label in choices:
        if key in (search_key(label), code.casefold()):
            return code
    labels = "、".join(label for _, label in choices)
    raise CellError(f"“{text[:20]}”不是可选值，可选：{labels}")


def split_many(value: Any) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(nfkc(value)) if part.strip()]


def _name_key(text: str) -> str:
    return re.sub(r"[\s/／>]+", "", search_key(text))


class CodeResolver:
    """Codes of the reference data by code or by name, loaded once per scheme."""

    def __init__(self, *, prefer_region: str = "") -> None:
        self.prefer_region = prefer_region
        self._codes: dict[str, dict[str, tuple[str, int, bool, str]]] = {}
        self._memo: dict[tuple[str, Any, tuple[int, ...]], str | CellError] = {}
        self._names: dict[str, dict[str, list[str]]] = {}

    def _load(self, scheme: str) -> None:
        if scheme in self._codes:
            return
        from jiangqiao.taxonomy.models import Term

        codes: dict[str, tuple[str, int, bool, str]] = {}
        names: dict[str, list[str]] = defaultdict(list)
        rows = Term.objects.filter(scheme=scheme).values_list(
            "code", "name", "level", "is_active", "path_label", "extra"
        )
        for code, name, level, active, path_label, extra in rows:
            codes[code] = (name, level, active, path_label)
            if not active:
                continue
            keys = {_name_key(name)}
            # Other names the entry is known by (``extra.aliases``: a short name, a former name).
            keys.update(_name_key(str(a)) for a in (extra or {}).get("aliases") or ())
            # "一级/高级技师" is also found as "高级技师" and "一级".
            keys.update(_name_key(part) for part in re.split(r"[/／]", name) if part.strip())
            # "广东省 / 深圳市 / 南山区" is also found as "深圳市南山区" and "广东省深圳市南山区".
            parts = [p.strip() for p in (path_label or "").split("/") if p.strip()]
            for start in range(len(parts) - 1):
                keys.add(_name_key("".join(parts[start:])))
            for key in keys:
                if key and code not in names[key]:
                    names[key].append(code)
        self._codes[scheme] = codes
        self._names[scheme] = dict(names)

    def label(self, scheme: str, code: str) -> str:
        self._load(scheme)
        entry = self._codes[scheme].get(code)
        return entry[0] if entry else code

    def all_labels(self, scheme: str, *, levels: tuple[int, ...] = ()) -> list[str]:
        self._load(scheme)
        return [
            name
            for code, (name, level, active, _) in self._codes[scheme].items()
            if active and (not levels or level in levels)
        ]

    def resolve(self, scheme: str, value: Any, *, levels: tuple[int, ...] = ()) -> str:
        """The code ``value`` designates (memoised: sheets repeat the same few codes)."""
        key = (scheme, value if isinstance(value, str | int | float) else str(value), levels)
        found = self._memo.get(key)
        if found is None:
            try:
                found = self._resolve(scheme, value, levels)
            except CellError as exc:
                found = exc
            self._memo[key] = found
        if isinstance(found, CellError):
            raise CellError(found.message)
        return found

    def _resolve(self, scheme: str, value: Any, levels: tuple[int, ...]) -> str:
        from jiangqiao.taxonomy.selectors import canonical_code

        self._load(scheme)
        text = nfkc(value)
        if not text:
            raise CellError("不能为空")
        codes = self._codes[scheme]
        # "440305 南山区" or "C3421 金属切削机床制造": a code followed by its name.
        head = text.split()[0] if " " in text else text
        for candidate in (text, head):
            try:
                canonical = canonical_code(scheme, candidate)
            except Exception:
                canonical = ""
            if canonical in codes:
                name, level, active, _ = codes[canonical]
                if not active:
                    raise CellError(f"代码“{canonical}”（{name}）已停用")
                if levels and level not in levels:
                    raise CellError(f"“{name}”的层级不符合要求")
                return canonical
        key = _name_key(text)
        found = [c for c in self._names[scheme].get(key, []) if not levels or codes[c][1] in levels]
        found = list(dict.fromkeys(found))
        if len(found) > 1 and self.prefer_region and scheme == "region":
            near = [c for c in found if c.startswith(self.prefer_region)]
            if len(near) == 1:
                found = near
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            options = "、".join(f"{c} {codes[c][3] or codes[c][0]}" for c in found[:5])
            raise CellError(f"“{text[:30]}”有多个同名项，请填写代码：{options}")
        raise CellError(f"“{text[:30]}”不是有效的代码或名称")

    def resolve_many(
        self, scheme: str, value: Any, *, levels: tuple[int, ...] = (), limit: int = 20
    ) -> list[str]:
        parts = split_many(value)
        if len(parts) > limit:
            raise CellError(f"最多 {limit} 项（当前 {len(parts)} 项）")
        codes: list[str] = []
        for part in parts:
            code = self.resolve(scheme, part, levels=levels)
            if code not in codes:
                codes.append(code)
        return codes
