"""Tests for the pure identifier algorithms (no Django needed).

Expected check characters are never taken from the code under test: they come from published
examples or from the independent oracles below, which use the ISO 7064 / "sum ≡ constant"
formulation of each standard (Horner evaluation) rather than the weight tables.
"""

from __future__ import annotations

import ast
import datetime as dt
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jiangqiao.core import identifiers as ids
from jiangqiao.core.identifiers import IdentifierError

# ---------------------------------------------------------------------------
# Independent oracles
# ---------------------------------------------------------------------------

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 table 1 (no I, O, S, V, Z)
DIGITS = "0123456789"


def uscc_oracle_ok(code: str) -> bool:
    """GB 32100: Σ_{i=1..17} C_i·3^(i-1) + C_18 ≡ 0 (mod 31), evaluated with Horner."""
    acc = 0
    for ch in reversed(code[:17]):
        acc = (acc * 3 + CHARSET.index(ch)) % 31
    return (acc + CHARSET.index(code[17])) % 31 == 0


def uscc_oracle_check(first17: str) -> str:
    (check,) = [c for c in CHARSET if uscc_oracle_ok(first17 + c)]
    return check


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_oracle_check(first17)


def org_oracle_ok(code9: str) -> bool:
    """GB 11714: Σ w_i·c_i + c_9 ≡ 0 (mod 11), letters valued via base 36, X = 10."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * w for ch, w in zip(code9[:8], weights, strict=True))
    last = 10 if code9[8] == "X" else int(code9[8])
    return (total + last) % 11 == 0


def id_oracle_ok(code: str) -> bool:
    """ISO 7064 MOD 11-2: Σ_{i=1..18} a_i·2^(18-i) ≡ 1 (mod 11), X = 10, Horner."""
    acc = 0
    for ch in code:
        acc = (acc * 2 + (10 if ch == "X" else int(ch))) % 11
    return acc == 1


def id_oracle_check(first17: str) -> str:
    (check,) = [c for c in DIGITS + "X" if id_oracle_ok(first17 + c)]
    return check


def with_id_check(first17: str) -> str:
    return first17 + id_oracle_check(first17)


def error_of(func: Callable[..., object], *args: object, **kwargs: object) -> IdentifierError:
    with pytest.raises(IdentifierError) as info:
        func(*args, **kwargs)
    return info.value


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


# Published / brief examples
USCC_EXAMPLE = "91350100M000100Y43"
USCC_TENCENT = "9144030071526726XG"
ID_EXAMPLE = "11010519491231002X"  # GB 11643-1999 example: 北京朝阳, 1949-12-31, female
ID_EXAMPLE_1880 = "440524188001010014"  # GB 11643-1999 example, born 1880


# ---------------------------------------------------------------------------
# Oracle self-checks against published examples
# ---------------------------------------------------------------------------


def test_oracles_agree_with_published_examples() -> None:
    assert uscc_oracle_ok(USCC_EXAMPLE)
    assert uscc_oracle_ok(USCC_TENCENT)
    assert not uscc_oracle_ok("91350100M000100Y4Z"[:17] + "4")
    assert org_oracle_ok("71526726X")
    assert org_oracle_ok("M000100Y4")
    assert id_oracle_ok(ID_EXAMPLE)
    assert id_oracle_ok(ID_EXAMPLE_1880)
    assert not id_oracle_ok("110105194912310021")


# ---------------------------------------------------------------------------
# IdentifierError
# ---------------------------------------------------------------------------


def test_identifier_error_is_value_error_with_label_and_code() -> None:
    error = IdentifierError("校验位应为“3”，实际为“Z”", "uscc_check")
    assert isinstance(error, ValueError)
    assert error.message == "校验位应为“3”，实际为“Z”"
    assert str(error) == error.message
    assert error.code == "uscc_check"
    assert error.with_label("统一社会信用代码") == "统一社会信用代码：校验位应为“3”，实际为“Z”"
    assert ids.label_message("手机号码", "不能为空") == "手机号码：不能为空"


def test_identifier_error_survives_pickling() -> None:
    restored = pickle.loads(pickle.dumps(IdentifierError("不能为空", "mobile_required")))  # noqa: S301
    assert (restored.message, restored.code) == ("不能为空", "mobile_required")


def test_identifiers_module_does_not_import_django() -> None:
    tree = ast.parse(Path(ids.__file__).read_text(encoding="utf-8"))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    assert modules
    assert not [m for m in modules if m == "django" or m.startswith("django.")]


# ---------------------------------------------------------------------------
# USCC: tables and check character
# ---------------------------------------------------------------------------


def test_uscc_charset_and_weights_follow_the_standard() -> None:
    assert ids.USCC_CHARSET == CHARSET
    weights, w = [], 1
    for _ in range(17):
        weights.append(w)
        w = w * 3 % 31
    assert list(ids.USCC_WEIGHTS) == weights
    assert list(ids.USCC_WEIGHTS) == [
        1,
        3,
        9,
        27,
        19,
        26,
        16,
        17,
        20,
        29,
        25,
        13,
        8,
        24,
        10,
        30,
        28,
    ]


def test_uscc_department_table() -> None:
    expected = {
        "1": "1239",
        "2": "19",
        "3": "123459",
        "4": "19",
        "5": "1239",
        "6": "129",
        "7": "129",
        "8": "19",
        "9": "123",
        "A": "19",
        "N": "1239",
        "Y": "1",
    }
    assert {code: "".join(d.categories) for code, d in ids.USCC_DEPARTMENTS.items()} == expected
    assert ids.USCC_DEPARTMENTS["8"].name == "工会"
    assert ids.USCC_DEPARTMENTS["8"].categories["1"] == "基层工会"
    assert ids.USCC_DEPARTMENTS["9"].categories["2"] == "个体工商户"
    assert ids.USCC_DEPARTMENTS["A"].name == "中央军委改革和编制办公室"


def test_uscc_brief_worked_sum() -> None:
    # Brief: Σ C_i·W_i over 9144030071526726X is 1782 → 31 - 1782 mod 31 = 16 → 'G'.
    total = sum(
        CHARSET.index(ch) * w for ch, w in zip("9144030071526726X", ids.USCC_WEIGHTS, strict=True)
    )
    assert total == 1782
    assert CHARSET[31 - total % 31] == "G"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("91350100M000100Y4", "3"), ("9144030071526726X", "G")],
)
def test_uscc_check_char_published(first17: str, expected: str) -> None:
    assert ids.uscc_check_char(first17) == expected


def test_uscc_check_char_zero_case() -> None:
    # Find a prefix whose weighted sum is ≡ 0 (mod 31): the check must be '0', not CHARSET[31].
    for n in range(1000):
        first17 = f"9144030071526{n:04d}"
        if uscc_oracle_check(first17) == "0":
            assert ids.uscc_check_char(first17) == "0"
            return
    pytest.fail("no prefix with check character 0 found")  # pragma: no cover


def test_uscc_check_char_rejects_bad_input() -> None:
    assert error_of(ids.uscc_check_char, "9135").code == "uscc_length"
    assert error_of(ids.uscc_check_char, "9135I100M000100Y4").message == (
        "第5位字符“I”不是合法字符（不使用I、O、S、V、Z）"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [("71526726", "X"), ("M000100Y", "4")],
)
def test_org_code_check_char_published(body: str, expected: str) -> None:
    assert ids.org_code_check_char(body) == expected


def test_org_code_check_char_eleven_maps_to_zero() -> None:
    # Σ ≡ 0 (mod 11) → 11 - 0 = 11 → '0'.
    assert ids.org_code_check_char("00000000") == "0"
    assert org_oracle_ok("000000000")


def test_org_code_check_char_rejects_bad_input() -> None:
    assert error_of(ids.org_code_check_char, "7152672").code == "org_code_length"
    assert error_of(ids.org_code_check_char, "7152672#").code == "org_code_char"


# ---------------------------------------------------------------------------
# USCC: validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        USCC_EXAMPLE,
        USCC_TENCENT,
        with_uscc_check("11100000MB0000001"),  # central-level registrant, region 100000
        with_uscc_check("Y1440300MA5F12345"),
        with_uscc_check("N3440300MA5F12345"),
    ],
)
def test_validate_uscc_accepts_valid(code: str) -> None:
    ids.validate_uscc(code)


def test_uscc_brief_invalid_example_names_expected_check() -> None:
    error = error_of(ids.validate_uscc, "91350100M000100Y4Z")
    assert error.code == "uscc_check"
    assert error.message == "校验位应为“3”，实际为“Z”"
    assert error.with_label("统一社会信用代码") == "统一社会信用代码：校验位应为“3”，实际为“Z”"


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("", "uscc_required", "不能为空"),
        ("91350100M000100Y4", "uscc_length", "应为18位，实际为17位"),
        ("91350100M000100Y433", "uscc_length", "应为18位，实际为19位"),
        (
            "9135I100M000100Y43",
            "uscc_char",
            "第5位字符“I”不是合法字符（不使用I、O、S、V、Z）",
        ),
        (
            "91350100O000100Y43",
            "uscc_char",
            "第9位字符“O”不是合法字符（不使用I、O、S、V、Z）",
        ),
        (
            "91350100M000100s43",
            "uscc_char",
            "第16位字符“s”不是合法字符（不使用I、O、S、V、Z）",
        ),
        ("91350100M000100#43", "uscc_char", "第16位字符“#”不是合法字符"),
        ("91350100m000100Y4Z", "uscc_char", "第9位字符“m”应为大写"),
        (
            "91350100" + fullwidth("M") + "000100Y4Z",
            "uscc_char",
            "第9位字符“" + fullwidth("M") + "”为全角字符，应使用半角",
        ),
        ("91350100 000100Y43", "uscc_char", "第9位不应为空格"),
        ("91350100M000100Y4 ", "uscc_char", "第18位不应为空格"),
        ("91350100M000100Y4\u200b", "uscc_char", "第18位含不可见字符（U+200B）"),
        (
            with_uscc_check("B1350100M000100Y4"),
            "uscc_department",
            "第1位登记管理部门代码“B”不存在",
        ),
        (
            with_uscc_check("54350100M000100Y4"),
            "uscc_category",
            "第2位机构类别代码“4”不适用于登记管理部门“民政”（可选：1、2、3、9）",
        ),
        (
            with_uscc_check("99350100M000100Y4"),
            "uscc_category",
            "第2位机构类别代码“9”不适用于登记管理部门“工商”（可选：1、2、3）",
        ),
        (
            with_uscc_check("Y2350100M000100Y4"),
            "uscc_category",
            "第2位机构类别代码“2”不适用于登记管理部门“其他”（可选：1）",
        ),
        (
            with_uscc_check("9135A100M000100Y4"),
            "uscc_region",
            "第3至8位行政区划码“35A100”应为6位数字",
        ),
        ("91350100M000100Y44", "uscc_check", "校验位应为“3”，实际为“4”"),
        ("9144030071526726X3", "uscc_check", "校验位应为“G”，实际为“3”"),
    ],
)
def test_validate_uscc_errors(code: str, error_code: str, message: str) -> None:
    error = error_of(ids.validate_uscc, code)
    assert (error.code, error.message) == (error_code, message)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9144030071526726xg", "格式不规范，含有小写字母"),
        ("9144 0300 7152 6726 XG", "格式不规范，含有空格"),
        ("91440300-71526726-XG", "格式不规范，含有连字符"),
        (fullwidth(USCC_TENCENT), "格式不规范，含有全角字符"),
        (" 9144030071526726xg\u3000", "格式不规范，含有空格、全角字符、小写字母"),
        ("9144030071526726\u200bXG", "格式不规范，含有不可见字符"),
    ],
)
def test_validate_uscc_reports_formatting_problems(raw: str, message: str) -> None:
    error = error_of(ids.validate_uscc, raw)
    assert (error.code, error.message) == ("uscc_format", message)
    assert ids.normalize_uscc(raw) == USCC_TENCENT


@pytest.mark.parametrize(
    "raw",
    [
        "9144030071526726XG",
        "9144030071526726xg",
        "  9144 0300 7152 6726 XG  ",
        "9144-0300-7152-6726-XG",
        "9144\u20140300\u20137152\uff0d6726XG",
        fullwidth("9144030071526726xg"),
        "\ufeff9144030071526726XG\u200b",
        "\t9144030071526726XG\n",
    ],
)
def test_clean_uscc(raw: str) -> None:
    assert ids.clean_uscc(raw) == USCC_TENCENT


def test_normalize_uscc_reports_errors_of_the_cleaned_value() -> None:
    error = error_of(ids.normalize_uscc, "9135 0100 M000 100Y 4z")
    assert (error.code, error.message) == ("uscc_check", "校验位应为“3”，实际为“Z”")


def test_parse_uscc() -> None:
    info = ids.parse_uscc(USCC_TENCENT)
    assert info == ids.UsccInfo(
        code=USCC_TENCENT,
        department_code="9",
        department_name="工商",
        category_code="1",
        category_name="企业",
        region_code="440300",
        org_code="71526726X",
        org_code_check_ok=True,
    )
    assert not info.is_union
    assert ids.parse_uscc(USCC_EXAMPLE).org_code == "M000100Y4"


def test_parse_uscc_org_code_check_is_advisory() -> None:
    code = with_uscc_check("92350100M000100Y5")  # body check should be 4, not 5
    ids.validate_uscc(code)
    info = ids.parse_uscc(code)
    assert info.org_code == "M000100Y5"
    assert info.org_code_check_ok is False
    assert info.category_name == "个体工商户"


def test_parse_uscc_validates() -> None:
    assert error_of(ids.parse_uscc, "91350100M000100Y4Z").code == "uscc_check"


def test_union_uscc() -> None:
    union = with_uscc_check("8144030071526726X")
    assert ids.is_union_uscc(union)
    assert ids.parse_uscc(union).is_union
    assert ids.parse_uscc(union).category_name == "基层工会"
    ids.validate_union_uscc(union)

    assert not ids.is_union_uscc(USCC_TENCENT)
    error = error_of(ids.validate_union_uscc, USCC_TENCENT)
    assert (error.code, error.message) == (
        "uscc_not_union",
        "基层工会的统一社会信用代码应以 81 开头",
    )
    other_union_body = with_uscc_check("8944030071526726X")  # 工会 / 其他
    assert error_of(ids.validate_union_uscc, other_union_body).code == "uscc_not_union"
    # Structural errors win over the prefix rule.
    broken = union[:17] + ("0" if union[17] != "0" else "1")
    assert error_of(ids.validate_union_uscc, broken).code == "uscc_check"


def test_make_uscc_rebuilds_published_examples() -> None:
    assert ids.make_uscc("9", "1", "440300", "71526726") == USCC_TENCENT
    assert ids.make_uscc("9", "1", "350100", "M000100Y") == USCC_EXAMPLE


@pytest.mark.parametrize(
    ("args", "error_code"),
    [
        (("9", "9", "440300", "71526726"), "uscc_category"),
        (("B", "1", "440300", "71526726"), "uscc_department"),
        (("9", "1", "4403A0", "71526726"), "uscc_region"),
        (("9", "1", "440300", "7152672I"), "uscc_char"),
        (("91", "", "440300", "71526726"), "uscc_part"),
        (("9", "1", "44030", "71526726"), "uscc_part"),
        (("9", "1", "440300", "7152672"), "org_code_length"),
    ],
)
def test_make_uscc_rejects_bad_parts(args: tuple[str, str, str, str], error_code: str) -> None:
    assert error_of(ids.make_uscc, *args).code == error_code


# ---------------------------------------------------------------------------
# USCC: properties
# ---------------------------------------------------------------------------


@st.composite
def uscc_parts(draw: st.DrawFn) -> tuple[str, str, str, str]:
    department = draw(st.sampled_from(sorted(ids.USCC_DEPARTMENTS)))
    category = draw(st.sampled_from(sorted(ids.USCC_DEPARTMENTS[department].categories)))
    region = draw(st.text(alphabet=DIGITS, min_size=6, max_size=6))
    body = draw(st.text(alphabet=CHARSET, min_size=8, max_size=8))
    return department, category, region, body


valid_usccs = uscc_parts().map(lambda parts: ids.make_uscc(*parts))


@given(uscc_parts())
def test_make_uscc_round_trip(parts: tuple[str, str, str, str]) -> None:
    department, category, region, body = parts
    code = ids.make_uscc(*parts)
    ids.validate_uscc(code)
    assert uscc_oracle_ok(code)
    assert org_oracle_ok(code[8:17])
    info = ids.parse_uscc(code)
    assert (info.department_code, info.category_code, info.region_code) == (
        department,
        category,
        region,
    )
    assert info.org_code[:8] == body
    assert info.org_code_check_ok
    assert info.is_union == ((department, category) == ("8", "1"))


@given(st.text(alphabet=CHARSET, min_size=17, max_size=17))
def test_uscc_check_char_matches_oracle(first17: str) -> None:
    assert ids.uscc_check_char(first17) == uscc_oracle_check(first17)


@given(st.text(alphabet=DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
def test_org_code_check_char_matches_oracle(body: str) -> None:
    assert org_oracle_ok(body + ids.org_code_check_char(body))


@given(valid_usccs, st.integers(0, 17), st.sampled_from(CHARSET))
def test_uscc_single_substitution_is_detected(code: str, pos: int, ch: str) -> None:
    assume(code[pos] != ch)
    mutated = code[:pos] + ch + code[pos + 1 :]
    assert not uscc_oracle_ok(mutated)
    with pytest.raises(IdentifierError):
        ids.validate_uscc(mutated)


@given(valid_usccs, st.integers(0, 15))
def test_uscc_adjacent_transposition_is_detected(code: str, pos: int) -> None:
    assume(code[pos] != code[pos + 1])
    swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
    with pytest.raises(IdentifierError):
        ids.validate_uscc(swapped)


separators = st.sampled_from(["", "", "", " ", "-", "\u3000", "\u2014", "\uff0d"])


@st.composite
def mangled(draw: st.DrawFn, code: str) -> str:
    """Re-type ``code`` the way data-entry staff might: case, width and separators vary."""
    out = [draw(st.sampled_from(["", " ", "\t"]))]
    for ch in code:
        variant = draw(st.sampled_from([ch, ch.lower(), fullwidth(ch), fullwidth(ch.lower())]))
        out.append(variant + draw(separators))
    return "".join(out)


@given(valid_usccs.flatmap(lambda code: st.tuples(st.just(code), mangled(code))))
def test_uscc_cleaning_round_trip(pair: tuple[str, str]) -> None:
    code, raw = pair
    assert ids.clean_uscc(raw) == code
    assert ids.normalize_uscc(raw) == code
    if raw != code:
        assert error_of(ids.validate_uscc, raw).code == "uscc_format"


# ---------------------------------------------------------------------------
# Resident ID number
# ---------------------------------------------------------------------------

BRIEF_PROVINCES = [
    *("11", "12", "13", "14", "15", "21", "22", "23"),
    *("31", "32", "33", "34", "35", "36", "37"),
    *("41", "42", "43", "44", "45", "46"),
    *("50", "51", "52", "53", "54", "61", "62", "63", "64", "65"),
    *("71", "81", "82"),
]
TODAY = dt.date(2024, 1, 1)


def test_id_weights_and_check_chars_follow_the_standard() -> None:
    assert list(ids.ID_WEIGHTS) == [pow(2, 17 - i, 11) for i in range(17)]
    # Check char for weighted sum S must make S + value(check) ≡ 1 (mod 11).
    for s, ch in enumerate(ids.ID_CHECK_CHARS):
        assert (s + (10 if ch == "X" else int(ch))) % 11 == 1


def test_id_province_prefixes() -> None:
    assert set(BRIEF_PROVINCES) == ids.ID_PROVINCE_PREFIXES


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("11010519491231002", "X"), ("44052418800101001", "4")],
)
def test_id_check_char_published(first17: str, expected: str) -> None:
    assert ids.id_check_char(first17) == expected


def test_id_check_char_rejects_bad_input() -> None:
    assert error_of(ids.id_check_char, "1101051949").code == "id_number_length"
    assert error_of(ids.id_check_char, "1101051949123100A").code == "id_number_char"
    # str.isdigit() accepts full-width digits; the algorithm must not.
    assert error_of(ids.id_check_char, "1101051949123100" + fullwidth("2")).code == "id_number_char"


def test_parse_id_number_published_example() -> None:
    assert ids.parse_id_number(ID_EXAMPLE) == ids.IdInfo(
        region_code="110105", birth_date=dt.date(1949, 12, 31), gender="F"
    )


@pytest.mark.parametrize(
    ("birth", "valid"),
    [
        ("19000229", False),  # 1900 is not a leap year
        ("20000229", True),  # 2000 is
        ("19990229", False),
        ("19960229", True),
        ("20230229", False),
        ("19000101", True),
        ("20231231", True),
        ("20240101", True),  # == TODAY
        ("19901301", False),
        ("19900100", False),
        ("19900431", False),
        ("00000101", False),
    ],
)
def test_id_birth_dates(birth: str, valid: bool) -> None:
    code = with_id_check(f"440305{birth}123")
    if valid:
        info = ids.parse_id_number(code, today=TODAY)
        assert info.birth_date == dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    else:
        error = error_of(ids.validate_id_number, code, today=TODAY)
        assert (error.code, error.message) == (
            "id_number_birth_date",
            f"第7至14位出生日期“{birth}”不是有效日期",
        )


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("", "id_number_required", "不能为空"),
        ("110105491231002", "id_number_legacy", "应为18位（15位旧号码已停止使用）"),
        ("11010519491231002", "id_number_length", "应为18位，实际为17位"),
        ("11010519491231002X1", "id_number_length", "应为18位，实际为19位"),
        ("1101051949123100AX", "id_number_char", "第17位字符“A”应为数字"),
        (
            "11010519491" + fullwidth("2") + "310021",
            "id_number_char",
            "第12位字符“" + fullwidth("2") + "”为全角字符，应使用半角",
        ),
        ("110105 19491231002", "id_number_char", "第7位不应为空格"),
        ("11010519491231002 ", "id_number_char", "第18位不应为空格"),
        ("110105194912310021", "id_number_check", "校验位应为“X”，实际为“1”"),
        ("11010519491231002Y", "id_number_check", "校验位应为“X”，实际为“Y”"),
        ("440524188001010014", "id_number_birth_date", "出生日期“18800101”早于1900年1月1日"),
        (
            with_id_check("44030518991231123"),
            "id_number_birth_date",
            "出生日期“18991231”早于1900年1月1日",
        ),
        (
            with_id_check("44030520240102123"),
            "id_number_birth_date",
            "出生日期“20240102”晚于今天",
        ),
        (
            with_id_check("99030519900101123"),
            "id_number_region",
            "前2位省级行政区划代码“99”不存在",
        ),
        (
            with_id_check("83030519900101123"),
            "id_number_region",
            "前2位省级行政区划代码“83”不存在",
        ),
        (
            with_id_check("00000019900101123"),
            "id_number_region",
            "前2位省级行政区划代码“00”不存在",
        ),
    ],
)
def test_validate_id_number_errors(code: str, error_code: str, message: str) -> None:
    error = error_of(ids.validate_id_number, code, today=TODAY)
    assert (error.code, error.message) == (error_code, message)


def test_validate_id_number_lower_x() -> None:
    error = error_of(ids.validate_id_number, ID_EXAMPLE.lower())
    assert (error.code, error.message) == ("id_number_format", "格式不规范，含有小写字母")
    assert ids.normalize_id_number(ID_EXAMPLE.lower()) == ID_EXAMPLE
    # An 'x' where the check should be a digit is reported as a wrong check character.
    first17 = "44030519900101124"
    check = id_oracle_check(first17)
    assert check != "X"
    error = error_of(ids.validate_id_number, first17 + "x")
    assert (error.code, error.message) == ("id_number_check", f"校验位应为“{check}”，实际为“x”")


def test_validate_id_number_default_today_is_system_date() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    code = with_id_check(f"440305{tomorrow:%Y%m%d}123")
    assert error_of(ids.validate_id_number, code).code == "id_number_birth_date"
    ids.validate_id_number(code, today=tomorrow)


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "110105-19491231-002x",
        fullwidth("11010519491231002x"),
        "1101\u200b0519491231002X",
    ],
)
def test_clean_id_number(raw: str) -> None:
    assert ids.clean_id_number(raw) == ID_EXAMPLE
    assert ids.normalize_id_number(raw) == ID_EXAMPLE


@pytest.mark.parametrize(
    ("seq", "gender"),
    [(1, "M"), (2, "F"), (0, "F"), (999, "M"), ("013", "M"), ("120", "F")],
)
def test_gender_from_sequence(seq: int | str, gender: str) -> None:
    code = ids.make_id_number("440305", dt.date(1990, 5, 17), seq)
    assert ids.parse_id_number(code).gender == gender


def test_make_id_number_rebuilds_published_example() -> None:
    assert ids.make_id_number("110105", dt.date(1949, 12, 31), 2) == ID_EXAMPLE
    assert ids.make_id_number("110105", dt.date(1949, 12, 31), "002") == ID_EXAMPLE


@pytest.mark.parametrize(
    ("args", "error_code"),
    [
        (("440305", dt.date(1990, 1, 1), 1000), "id_number_part"),
        (("440305", dt.date(1990, 1, 1), -1), "id_number_part"),
        (("440305", dt.date(1990, 1, 1), "12"), "id_number_part"),
        (("440305", dt.date(1990, 1, 1), "1a2"), "id_number_part"),
        (("44030", dt.date(1990, 1, 1), 1), "id_number_part"),
        (("990305", dt.date(1990, 1, 1), 1), "id_number_region"),
        (("440305", dt.date(1899, 12, 31), 1), "id_number_birth_date"),
        (("440305", dt.date(9999, 12, 31), 1), "id_number_birth_date"),
    ],
)
def test_make_id_number_rejects_bad_parts(
    args: tuple[str, dt.date, int | str], error_code: str
) -> None:
    assert error_of(ids.make_id_number, *args).code == error_code


@pytest.mark.parametrize(
    ("code", "masked"),
    [
        ("440301199001011234", "4403**********1234"),
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_mask_id_number(code: str, masked: str) -> None:
    assert ids.mask_id_number(code) == masked


@st.composite
def id_parts(draw: st.DrawFn) -> tuple[str, dt.date, int]:
    province = draw(st.sampled_from(BRIEF_PROVINCES))
    region = province + draw(st.text(alphabet=DIGITS, min_size=4, max_size=4))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)))
    return region, birth, draw(st.integers(0, 999))


valid_ids = id_parts().map(lambda parts: ids.make_id_number(*parts))


@given(id_parts())
def test_make_id_number_round_trip(parts: tuple[str, dt.date, int]) -> None:
    region, birth, seq = parts
    code = ids.make_id_number(*parts)
    assert id_oracle_ok(code)
    assert code[14:17] == f"{seq:03d}"
    assert ids.parse_id_number(code) == ids.IdInfo(region, birth, "M" if seq % 2 else "F")
    assert ids.mask_id_number(code) == code[:4] + "*" * 10 + code[-4:]


@given(st.text(alphabet=DIGITS, min_size=17, max_size=17))
def test_id_check_char_matches_oracle(first17: str) -> None:
    assert ids.id_check_char(first17) == id_oracle_check(first17)


@given(valid_ids, st.integers(0, 17), st.sampled_from(DIGITS + "X"))
def test_id_single_substitution_is_detected(code: str, pos: int, ch: str) -> None:
    assume(code[pos] != ch)
    mutated = code[:pos] + ch + code[pos + 1 :]
    with pytest.raises(IdentifierError):
        ids.validate_id_number(mutated)


@given(valid_ids, st.integers(0, 15))
def test_id_adjacent_transposition_is_detected(code: str, pos: int) -> None:
    assume(code[pos] != code[pos + 1])
    swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
    with pytest.raises(IdentifierError):
        ids.validate_id_number(swapped)


@given(valid_ids.flatmap(lambda code: st.tuples(st.just(code), mangled(code))))
def test_id_cleaning_round_trip(pair: tuple[str, str]) -> None:
    code, raw = pair
    assert ids.clean_id_number(raw) == code
    assert ids.normalize_id_number(raw) == code
    if raw != code:
        assert error_of(ids.validate_id_number, raw).code == "id_number_format"


# ---------------------------------------------------------------------------
# Mobile numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("second", list("3456789"))
def test_validate_mobile_accepts_second_digits_3_to_9(second: str) -> None:
    ids.validate_mobile(f"1{second}812345678")


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("", "mobile_required", "不能为空"),
        ("1381234567", "mobile_length", "应为11位，实际为10位"),
        ("138123456789", "mobile_length", "应为11位，实际为12位"),
        ("1381234567a", "mobile_char", "第11位字符“a”应为数字"),
        (
            fullwidth("12812345678"),
            "mobile_char",
            "第1位字符“" + fullwidth("1") + "”为全角字符，应使用半角",
        ),
        ("23812345678", "mobile_prefix", "应以1开头"),
        ("10812345678", "mobile_prefix", "第2位应为3至9，实际为“0”"),
        ("11812345678", "mobile_prefix", "第2位应为3至9，实际为“1”"),
        ("12812345678", "mobile_prefix", "第2位应为3至9，实际为“2”"),
        ("+8613812345678", "mobile_format", "格式不规范，含有国家代码"),
        ("8613812345678", "mobile_format", "格式不规范，含有国家代码"),
        ("+86 138-1234-5678", "mobile_format", "格式不规范，含有国家代码、空格、连字符"),
        ("138 1234 5678", "mobile_format", "格式不规范，含有空格"),
        (fullwidth("13812345678"), "mobile_format", "格式不规范，含有全角字符"),
    ],
)
def test_validate_mobile_errors(code: str, error_code: str, message: str) -> None:
    error = error_of(ids.validate_mobile, code)
    assert (error.code, error.message) == (error_code, message)


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        " 13812345678 ",
        "138 1234 5678",
        "138-1234-5678",
        "138\uff0d1234\uff0d5678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "+8613812345678",
        "86 13812345678",
        "8613812345678",
        "008613812345678",
        fullwidth("13812345678"),
        fullwidth("+86") + "\u3000" + fullwidth("138 1234 5678"),
    ],
)
def test_clean_mobile(raw: str) -> None:
    assert ids.clean_mobile(raw) == "13812345678"
    assert ids.normalize_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["8612345", "86138123456789", "13886123456"])
def test_clean_mobile_only_strips_86_when_eleven_digits_remain(raw: str) -> None:
    assert ids.clean_mobile(raw) == raw


@pytest.mark.parametrize(
    ("code", "masked"),
    [("13812345678", "138****5678"), ("1381234", "*******"), ("", "")],
)
def test_mask_mobile(code: str, masked: str) -> None:
    assert ids.mask_mobile(code) == masked


valid_mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet=DIGITS, min_size=9, max_size=9),
)


@given(
    valid_mobiles,
    st.sampled_from(["", "+86", "+86 ", "86", "0086", fullwidth("+86")]),
    st.lists(separators, min_size=11, max_size=11),
    st.booleans(),
)
def test_mobile_cleaning_round_trip(code: str, prefix: str, seps: list[str], wide: bool) -> None:
    ids.validate_mobile(code)
    body = "".join(ch + sep for ch, sep in zip(code, seps, strict=True))
    raw = prefix + (fullwidth(body) if wide else body)
    assert ids.normalize_mobile(raw) == code
    assert ids.mask_mobile(code) == code[:3] + "****" + code[-4:]


@given(valid_mobiles, st.integers(0, 10), st.sampled_from(DIGITS))
def test_mobile_prefix_rule(code: str, pos: int, ch: str) -> None:
    mutated = code[:pos] + ch + code[pos + 1 :]
    ok = mutated[0] == "1" and mutated[1] in "3456789"
    if ok:
        ids.validate_mobile(mutated)
    else:
        assert error_of(ids.validate_mobile, mutated).code == "mobile_prefix"
