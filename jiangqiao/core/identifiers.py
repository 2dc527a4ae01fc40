"""Chinese identifier algorithms: USCC, resident ID number and mobile number.

Pure Python on purpose (no Django import) so import scripts, demo-data generators and the
API layer can share one implementation. The Django wrappers live in
:mod:`jiangqiao.core.validators`.

Conventions used throughout:

* ``clean_*(raw)`` normalises user input (trims, drops spaces/hyphens/invisible characters,
  maps full-width to half-width, upper-cases where letters are meaningful). It never raises.
* ``validate_*(code)`` checks an already-clean value *strictly* and raises
  :class:`IdentifierError`; if the value is only badly formatted (it would pass after
  ``clean_*``) the error says so instead of pointing at a character position.
* ``normalize_*(raw)`` = clean, then validate; returns the canonical form.
* Error messages are Chinese and do **not** contain the field name; use
  :meth:`IdentifierError.with_label` (or :func:`label_message`) to prefix one, e.g.
  ``统一社会信用代码：校验位应为“3”，实际为“Z”``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "ID_CHECK_CHARS",
    "ID_NUMBER_LABEL",
    "ID_PROVINCE_PREFIXES",
    "ID_WEIGHTS",
    "MIN_BIRTH_DATE",
    "MOBILE_LABEL",
    "USCC_CHARSET",
    "USCC_DEPARTMENTS",
    "USCC_LABEL",
    "USCC_WEIGHTS",
    "IdInfo",
    "IdentifierError",
    "UsccDepartment",
    "UsccInfo",
    "clean_id_number",
    "clean_mobile",
    "clean_uscc",
    "id_check_char",
    "is_union_uscc",
    "label_message",
    "make_id_number",
    "make_uscc",
    "mask_id_number",
    "mask_mobile",
    "normalize_id_number",
    "normalize_mobile",
    "normalize_uscc",
    "org_code_check_char",
    "parse_id_number",
    "parse_uscc",
    "uscc_check_char",
    "validate_id_number",
    "validate_mobile",
    "validate_union_uscc",
    "validate_uscc",
]

USCC_LABEL: Final = "统一社会信用代码"
ID_NUMBER_LABEL: Final = "居民身份证号"
MOBILE_LABEL: Final = "手机号码"


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class IdentifierError(ValueError):
    """An identifier failed validation.

    ``message`` is a short Chinese sentence without the field name; ``code`` is a stable
    machine-readable reason such as ``"uscc_check"`` (reused as the Django
    ``ValidationError`` code).
    """

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message: str = message
        self.code: str = code

    def __reduce__(self) -> tuple[type[IdentifierError], tuple[str, str]]:
        # Keep ``code`` when pickled (e.g. when an import task reports back from a worker).
        return (type(self), (self.message, self.code))

    def with_label(self, label: str) -> str:
        """Return the message prefixed with a field label: ``“标签：消息”``."""
        return label_message(label, self.message)


def label_message(label: str, message: str) -> str:
    """Prefix ``message`` with a field label using a full-width colon."""
    return f"{label}：{message}"


# ---------------------------------------------------------------------------
# Shared cleaning helpers
# ---------------------------------------------------------------------------

_DIGITS: Final = frozenset("0123456789")
# Full-width ASCII block (U+FF01..U+FF5E) and the ideographic space.
_FULLWIDTH_TO_HALFWIDTH: Final[dict[int, int]] = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)},
    0x3000: 0x20,
}
# Hyphen-like characters people type or paste between digit groups.
_SEPARATORS: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# Zero-width characters that sneak in through copy and paste.
_INVISIBLE: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def _to_halfwidth(text: str) -> str:
    return text.translate(_FULLWIDTH_TO_HALFWIDTH)


def _is_noise(ch: str) -> bool:
    return ch.isspace() or ch in _SEPARATORS or ch in _INVISIBLE


def _strip_noise(text: str) -> str:
    return "".join(ch for ch in text if not _is_noise(ch))


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() is also true for full-width and other Unicode digits; we want 0-9 only.
    return bool(text) and all(ch in _DIGITS for ch in text)


def _blank_char(pos: int, ch: str) -> str | None:
    """Message for a space or an invisible character at ``pos``, or ``None``."""
    if ch.isspace():
        return f"第{pos}位不应为空格"
    if ch in _INVISIBLE or not ch.isprintable():
        return f"第{pos}位含不可见字符（U+{ord(ch):04X}）"
    return None


def _generic_bad_char(pos: int, ch: str) -> str | None:
    """Message for characters that are wrong in every identifier, or ``None``."""
    blank = _blank_char(pos, ch)
    if blank is not None:
        return blank
    if _to_halfwidth(ch) != ch:
        return f"第{pos}位字符“{ch}”为全角字符，应使用半角"
    return None


def _format_problems(raw: str, *, letters: bool, country_code: bool = False) -> list[str]:
    """Describe what ``clean_*`` would change in ``raw`` (for the *_format error)."""
    problems: list[str] = ["国家代码"] if country_code else []
    if any(ch.isspace() for ch in raw):
        problems.append("空格")
    if any(ch in _INVISIBLE for ch in raw):
        problems.append("不可见字符")
    if any(_to_halfwidth(ch) in _SEPARATORS for ch in raw):
        problems.append("连字符")
    if _to_halfwidth(raw) != raw:
        problems.append("全角字符")
    if letters and raw != raw.upper():
        problems.append("小写字母")
    return problems


def _reraise_if_only_formatting(
    raw: str,
    error: IdentifierError,
    clean: Callable[[str], str],
    strict: Callable[[str], object],
    prefix: str,
    problems: list[str],
) -> None:
    """Replace ``error`` by a formatting hint when ``clean(raw)`` would be valid."""
    cleaned = clean(raw)
    if cleaned == raw or not problems:
        return
    try:
        strict(cleaned)
    except IdentifierError:
        return
    raise IdentifierError(f"格式不规范，含有{'、'.join(problems)}", f"{prefix}_format") from error


# ---------------------------------------------------------------------------
# Unified social credit code (统一社会信用代码), GB 32100-2015
# ---------------------------------------------------------------------------

USCC_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE: Final[Mapping[str, int]] = MappingProxyType(
    {ch: value for value, ch in enumerate(USCC_CHARSET)}
)
# W_i = 3^(i-1) mod 31 for positions 1..17.
USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_FORBIDDEN_LETTERS: Final = frozenset("IOSVZ")

# GB 11714 organisation code (pos 9-17 of a USCC): 8-character body + check character.
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True, slots=True)
class UsccDepartment:
    """A registration department (pos 1) and the institution categories it uses (pos 2)."""

    code: str
    name: str
    categories: Mapping[str, str]


def _department(code: str, name: str, categories: dict[str, str]) -> tuple[str, UsccDepartment]:
    return code, UsccDepartment(code, name, MappingProxyType(categories))


USCC_DEPARTMENTS: Final[Mapping[str, UsccDepartment]] = MappingProxyType(
    dict(
        [
            _department(
                "1",
                "机构编制",
                {
                    "1": "机关",
                    "2": "事业单位",
                    "3": "编办直接管理机构编制的群众团体",
                    "9": "其他",
                },
            ),
            _department("2", "外交", {"1": "外国常驻新闻机构", "9": "其他"}),
            _department(
                "3",
                "司法行政",
                {
                    "1": "律师执业机构",
                    "2": "公证处",
                    "3": "基层法律服务所",
                    "4": "司法鉴定机构",
                    "5": "仲裁委员会",
                    "9": "其他",
                },
            ),
            _department("4", "文化", {"1": "外国在华文化中心", "9": "其他"}),
            _department(
                "5",
                "民政",
                {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
            ),
            _department(
                "6",
                "旅游",
                {
                    "1": "外国旅游部门常驻代表机构",
                    "2": "港澳台地区旅游部门常驻内地(大陆)代表机构",
                    "9": "其他",
                },
            ),
            _department("7", "宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
            _department("8", "工会", {"1": "基层工会", "9": "其他"}),
            _department("9", "工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
            _department("A", "中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
            _department(
                "N",
                "农业",
                {
                    "1": "组级集体经济组织",
                    "2": "村级集体经济组织",
                    "3": "乡镇级集体经济组织",
                    "9": "其他",
                },
            ),
            _department("Y", "其他", {"1": "其他"}),
        ]
    )
)


@dataclass(frozen=True, slots=True)
class UsccInfo:
    """The parts of a valid USCC.

    ``org_code`` is positions 9-17 (GB 11714 body + check character). Its check character
    is advisory only: ``org_code_check_ok`` reports it but validation never fails on it,
    because codes issued to e.g. individual businesses do not embed a real organisation code.
    """

    code: str
    department_code: str
    department_name: str
    category_code: str
    category_name: str
    region_code: str
    org_code: str
    org_code_check_ok: bool

    @property
    def is_union(self) -> bool:
        """True for a grassroots trade union (registration department 8, category 1)."""
        return is_union_uscc(self.code)


def clean_uscc(raw: str) -> str:
    """Normalise user input: trim, drop spaces/hyphens, full-width → half-width, upper-case."""
    return _strip_noise(_to_halfwidth(raw)).upper()


def _uscc_bad_char(pos: int, ch: str) -> str:
    generic = _generic_bad_char(pos, ch)
    if generic is not None:
        return generic
    if ch.upper() in _USCC_FORBIDDEN_LETTERS:
        return f"第{pos}位字符“{ch}”不是合法字符（不使用I、O、S、V、Z）"
    if ch.upper() in _USCC_VALUE:
        return f"第{pos}位字符“{ch}”应为大写"
    return f"第{pos}位字符“{ch}”不是合法字符"


def _check_char_18(ch: str, expected: str, prefix: str) -> None:
    """Report a wrong check character together with the expected one."""
    if ch == expected:
        return
    blank = _blank_char(18, ch)
    if blank is not None:
        raise IdentifierError(blank, f"{prefix}_char")
    raise IdentifierError(f"校验位应为“{expected}”，实际为“{ch}”", f"{prefix}_check")


def _check_uscc_chars(text: str) -> None:
    for pos, ch in enumerate(text, start=1):
        if ch not in _USCC_VALUE:
            raise IdentifierError(_uscc_bad_char(pos, ch), "uscc_char")


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character (pos 18) for the first 17 characters."""
    if len(first17) != 17:
        raise IdentifierError(f"计算校验位需要前17位，实际为{len(first17)}位", "uscc_length")
    _check_uscc_chars(first17)
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def _org_char_value(ch: str) -> int:
    if ch in _DIGITS:
        return ord(ch) - ord("0")
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise IdentifierError(f"组织机构代码含非法字符“{ch}”", "org_code_char")


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation code body."""
    if len(body8) != 8:
        raise IdentifierError(f"组织机构代码本体应为8位，实际为{len(body8)}位", "org_code_length")
    total = sum(_org_char_value(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def _validate_uscc_strict(code: str) -> UsccDepartment:
    if not code:
        raise IdentifierError("不能为空", "uscc_required")
    if len(code) != 18:
        raise IdentifierError(f"应为18位，实际为{len(code)}位", "uscc_length")
    _check_uscc_chars(code[:17])
    department = USCC_DEPARTMENTS.get(code[0])
    if department is None:
        raise IdentifierError(f"第1位登记管理部门代码“{code[0]}”不存在", "uscc_department")
    if code[1] not in department.categories:
        allowed = "、".join(department.categories)
        raise IdentifierError(
            f"第2位机构类别代码“{code[1]}”不适用于登记管理部门“{department.name}”"
            f"（可选：{allowed}）",
            "uscc_category",
        )
    region = code[2:8]
    if not _is_ascii_digits(region):
        raise IdentifierError(f"第3至8位行政区划码“{region}”应为6位数字", "uscc_region")
    _check_char_18(code[17], uscc_check_char(code[:17]), "uscc")
    return department


def validate_uscc(code: str) -> None:
    """Validate a USCC strictly; raise :class:`IdentifierError` with a specific message.

    Positions 3-8 must be six digits (GB/T 2260 region, ``100000`` for central-level
    registrants); whether the region code exists is checked elsewhere (taxonomy app).
    """
    try:
        _validate_uscc_strict(code)
    except IdentifierError as error:
        _reraise_if_only_formatting(
            code,
            error,
            clean_uscc,
            _validate_uscc_strict,
            "uscc",
            _format_problems(code, letters=True),
        )
        raise


def normalize_uscc(raw: str) -> str:
    """Clean ``raw`` and validate it; return the canonical 18-character code."""
    code = clean_uscc(raw)
    validate_uscc(code)
    return code


def parse_uscc(code: str) -> UsccInfo:
    """Validate ``code`` strictly and split it into its parts."""
    validate_uscc(code)
    department = USCC_DEPARTMENTS[code[0]]
    org_code = code[8:17]
    return UsccInfo(
        code=code,
        department_code=department.code,
        department_name=department.name,
        category_code=code[1],
        category_name=department.categories[code[1]],
        region_code=code[2:8],
        org_code=org_code,
        org_code_check_ok=org_code_check_char(org_code[:8]) == org_code[8],
    )


def is_union_uscc(code: str) -> bool:
    """True if ``code`` has the grassroots trade-union prefix ``81`` (does not validate)."""
    return code.startswith("81")


def validate_union_uscc(code: str) -> None:
    """Validate a USCC and require the grassroots trade-union prefix ``81``."""
    validate_uscc(code)
    if not is_union_uscc(code):
        raise IdentifierError("基层工会的统一社会信用代码应以 81 开头", "uscc_not_union")


def make_uscc(department: str, category: str, region: str, body8: str) -> str:
    """Build a valid USCC, computing the organisation-code and USCC check characters.

    Intended for demo data and tests; raises :class:`IdentifierError` on bad parts.
    """
    if len(department) != 1 or len(category) != 1:
        raise IdentifierError("登记管理部门代码和机构类别代码应各为1位", "uscc_part")
    if len(region) != 6:
        raise IdentifierError(f"行政区划码应为6位，实际为{len(region)}位", "uscc_part")
    first17 = f"{department}{category}{region}{body8}{org_code_check_char(body8)}"
    code = first17 + uscc_check_char(first17)
    validate_uscc(code)
    return code


# ---------------------------------------------------------------------------
# Resident identity card number (居民身份证号), GB 11643-1999
# ---------------------------------------------------------------------------

ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Indexed by (Σ a_i·W_i) mod 11.
ID_CHECK_CHARS: Final = "10X98765432"
# GB/T 2260 province-level prefixes (71 Taiwan, 81 Hong Kong, 82 Macao).
ID_PROVINCE_PREFIXES: Final = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip
MIN_BIRTH_DATE: Final = dt.date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class IdInfo:
    """The parts of a valid resident ID number. ``gender`` comes from pos 17 (odd = M)."""

    region_code: str
    birth_date: dt.date
    gender: Literal["M", "F"]


def clean_id_number(raw: str) -> str:
    """Normalise user input: trim, drop spaces/hyphens, full-width → half-width, ``x`` → ``X``."""
    return _strip_noise(_to_halfwidth(raw)).upper()


def _check_id_digits(first17: str) -> None:
    for pos, ch in enumerate(first17, start=1):
        if ch not in _DIGITS:
            message = _generic_bad_char(pos, ch) or f"第{pos}位字符“{ch}”应为数字"
            raise IdentifierError(message, "id_number_char")


def id_check_char(first17: str) -> str:
    """Return the GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17:
        raise IdentifierError(f"计算校验位需要前17位，实际为{len(first17)}位", "id_number_length")
    _check_id_digits(first17)
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _parse_date(yyyymmdd: str) -> dt.date | None:
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def _validate_id_strict(code: str, today: dt.date | None = None) -> dt.date:
    if not code:
        raise IdentifierError("不能为空", "id_number_required")
    if len(code) == 15 and _is_ascii_digits(code):
        raise IdentifierError("应为18位（15位旧号码已停止使用）", "id_number_legacy")
    if len(code) != 18:
        raise IdentifierError(f"应为18位，实际为{len(code)}位", "id_number_length")
    _check_id_digits(code[:17])
    if code[:2] not in ID_PROVINCE_PREFIXES:
        raise IdentifierError(f"前2位省级行政区划代码“{code[:2]}”不存在", "id_number_region")
    raw_birth = code[6:14]
    birth = _parse_date(raw_birth)
    if birth is None:
        raise IdentifierError(f"第7至14位出生日期“{raw_birth}”不是有效日期", "id_number_birth_date")
    if birth < MIN_BIRTH_DATE:
        raise IdentifierError(f"出生日期“{raw_birth}”早于1900年1月1日", "id_number_birth_date")
    if birth > (today or dt.date.today()):
        raise IdentifierError(f"出生日期“{raw_birth}”晚于今天", "id_number_birth_date")
    _check_char_18(code[17], id_check_char(code[:17]), "id_number")
    return birth


def validate_id_number(code: str, *, today: dt.date | None = None) -> None:
    """Validate an 18-digit resident ID number strictly; raise :class:`IdentifierError`.

    ``today`` (default: the system date) bounds the birth date from above.
    """
    try:
        _validate_id_strict(code, today)
    except IdentifierError as error:
        _reraise_if_only_formatting(
            code,
            error,
            clean_id_number,
            lambda c: _validate_id_strict(c, today),
            "id_number",
            _format_problems(code, letters=True),
        )
        raise


def normalize_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """Clean ``raw`` and validate it; return the canonical 18-character number."""
    code = clean_id_number(raw)
    validate_id_number(code, today=today)
    return code


def parse_id_number(code: str, *, today: dt.date | None = None) -> IdInfo:
    """Validate ``code`` strictly and return region, birth date and gender."""
    validate_id_number(code, today=today)
    return IdInfo(
        region_code=code[:6],
        birth_date=dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14])),
        gender="M" if int(code[16]) % 2 else "F",
    )


def make_id_number(region: str, birth_date: dt.date, seq3: int | str) -> str:
    """Build a valid ID number from a region code, birth date and 3-digit sequence.

    Intended for demo data and tests; an odd ``seq3`` gives a male number, even a female one.
    """
    if isinstance(seq3, int):
        if not 0 <= seq3 <= 999:
            raise IdentifierError(f"顺序码应在0至999之间，实际为{seq3}", "id_number_part")
        seq = f"{seq3:03d}"
    else:
        seq = seq3
    if len(region) != 6 or not _is_ascii_digits(region):
        raise IdentifierError(f"行政区划码“{region}”应为6位数字", "id_number_part")
    if len(seq) != 3 or not _is_ascii_digits(seq):
        raise IdentifierError(f"顺序码“{seq}”应为3位数字", "id_number_part")
    birth = f"{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"
    first17 = f"{region}{birth}{seq}"
    code = first17 + id_check_char(first17)
    validate_id_number(code)
    return code


def mask_id_number(code: str) -> str:
    """Keep the first 4 and last 4 characters: ``4403**********1234``.

    Values of 8 characters or fewer are masked completely.
    """
    if len(code) <= 8:
        return "*" * len(code)
    return f"{code[:4]}{'*' * (len(code) - 8)}{code[-4:]}"


# ---------------------------------------------------------------------------
# Mainland mobile numbers (中国大陆手机号)
# ---------------------------------------------------------------------------

_MOBILE_SECOND_DIGITS: Final = frozenset("3456789")


def _split_country_code(text: str) -> tuple[bool, str]:
    """Strip ``+86`` / ``0086`` / ``86`` (the last only if 11 digits remain)."""
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return True, text[len(prefix) :]
    if text.startswith("86") and len(text) == 13:
        return True, text[2:]
    return False, text


def clean_mobile(raw: str) -> str:
    """Normalise user input: full-width → half-width, drop spaces/hyphens and ``+86``/``86``."""
    return _split_country_code(_strip_noise(_to_halfwidth(raw)))[1]


def _validate_mobile_strict(code: str) -> None:
    if not code:
        raise IdentifierError("不能为空", "mobile_required")
    if len(code) != 11:
        raise IdentifierError(f"应为11位，实际为{len(code)}位", "mobile_length")
    for pos, ch in enumerate(code, start=1):
        if ch not in _DIGITS:
            message = _generic_bad_char(pos, ch) or f"第{pos}位字符“{ch}”应为数字"
            raise IdentifierError(message, "mobile_char")
    if code[0] != "1":
        raise IdentifierError("应以1开头", "mobile_prefix")
    if code[1] not in _MOBILE_SECOND_DIGITS:
        raise IdentifierError(f"第2位应为3至9，实际为“{code[1]}”", "mobile_prefix")


def validate_mobile(code: str) -> None:
    """Validate an 11-digit mainland mobile number strictly; raise :class:`IdentifierError`."""
    try:
        _validate_mobile_strict(code)
    except IdentifierError as error:
        has_country_code = _split_country_code(_strip_noise(_to_halfwidth(code)))[0]
        _reraise_if_only_formatting(
            code,
            error,
            clean_mobile,
            _validate_mobile_strict,
            "mobile",
            _format_problems(code, letters=False, country_code=has_country_code),
        )
        raise


def normalize_mobile(raw: str) -> str:
    """Clean ``raw`` and validate it; return the canonical 11-digit number."""
    code = clean_mobile(raw)
    validate_mobile(code)
    return code


def mask_mobile(code: str) -> str:
    """Keep the first 3 and last 4 digits: ``138****5678``.

    Values of 7 characters or fewer are masked completely.
    """
    if len(code) <= 7:
        return "*" * len(code)
    return f"{code[:3]}{'*' * (len(code) - 7)}{code[-4:]}"
