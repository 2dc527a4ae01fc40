"""Tests for :mod:`jiangqiao.text.normalize` (pure Python, no Django needed)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiangqiao.text import (
    PINYIN_SYLLABLES,
    normalize,
    normalize_lines,
    pinyin_initials,
    search_key,
    search_key_of_normalized,
)

# ---------------------------------------------------------------------------
# Pinyin annotation removal
# ---------------------------------------------------------------------------

PINYIN_REMOVED = [
    ("貴陽(yang)市", "贵阳市"),
    ("工匠(jiang)學院(yuan)", "工匠学院"),
    ("產(chǎn)業(yè)", "产业"),
    ("產(chan3)業(ye4)", "产业"),
    ("貴陽（yáng）市", "贵阳市"),
    ("貴陽（yang）市", "贵阳市"),
    ("貴陽(Yang)市", "贵阳市"),
    ("貴陽(YAng)市", "贵阳市"),
    ("学院(xue yuan)", "学院"),
    ("学院(xueyuan)", "学院"),
    ("学院(XueYuan)", "学院"),
    ("学院(xué yuàn)", "学院"),
    ("学院(xue2yuan4)", "学院"),
    ("学院(xue2 yuan4)", "学院"),
    ("学院( xue  yuan )", "学院"),
    ("西安(Xī'ān)", "西安"),
    ("西安(xi’an)", "西安"),
    ("旅(lǚ)游", "旅游"),
    ("旅(lü)游", "旅游"),
    ("旅(lv3)游", "旅游"),
    ("女(nv3)工", "女工"),
    ("女(nǚ)工", "女工"),
    ("女(NÜ)工", "女(NÜ)工"),  # all upper-case: treated as an acronym
    ("略(lue4)", "略"),
    ("略(lüè)", "略"),
    ("绿(lǜ)色", "绿色"),
    ("驴(lǘ)", "驴"),
    ("吕(lǚ)", "吕"),
    ("㨫(lǖ)", "㨫"),
    ("妈(mā)麻(má)马(mǎ)骂(mà)", "妈麻马骂"),
    ("科(kē)咳(ké)可(kě)课(kè)", "科咳可课"),
    ("衣(yī)移(yí)以(yǐ)亿(yì)", "衣移以亿"),
    ("波(bō)博(bó)跛(bǒ)簸(bò)", "波博跛簸"),
    ("屋(wū)无(wú)五(wǔ)物(wù)", "屋无五物"),
    ("诶(ēi)", "诶"),
    ("诶(éi)诶(ěi)诶(èi)", "诶诶诶"),
    ("吗(ma5)", "吗"),
    ("阳(yang)(yang)", "阳"),
    ("学(xue)院(xue yuan)", "学院"),
    ("深 圳(shen zhen)", "深圳"),
    ("贵阳(yang) 市", "贵阳市"),
    ("公司(an)", "公司"),  # documented: lower-case English that is valid pinyin
    ("公司(men)", "公司"),
    ("中国(china)", "中国"),  # documented: 2 syllables after 2 Han characters
    ("貴陽\u200b(yang)市", "贵阳市"),
]


@pytest.mark.parametrize(("raw", "expected"), PINYIN_REMOVED)
def test_pinyin_annotations_are_removed(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


PARENTHESES_KEPT = [
    ("貴州機電(集團)有限公司", "贵州机电(集团)有限公司"),
    ("貴州機電（集團）有限公司", "贵州机电(集团)有限公司"),
    ("產(行)業", "产(行)业"),
    ("(MRP)", "(MRP)"),
    ("ERP(企业资源计划)", "ERP(企业资源计划)"),
    ("管理(MRP)系统", "管理(MRP)系统"),
    ("型号(abc123)", "型号(abc123)"),
    ("公司(MA)", "公司(MA)"),
    ("公司(AN)", "公司(AN)"),
    ("公司(XUE YUAN)", "公司(XUE YUAN)"),
    ("公司(YÁNG)", "公司(YÁNG)"),
    ("条款(a)", "条款(a)"),
    ("条款(e)", "条款(e)"),
    ("条款(A)", "条款(A)"),
    ("阿(ā)", "阿(ā)"),  # single letter: treated as content
    ("型号(a1)", "型号(a1)"),
    ("国(china)", "国(china)"),  # 2 syllables need 2 Han characters
    ("院(xue yuan)", "院(xue yuan)"),
    ("公司(hello)", "公司(hello)"),
    ("公司(yang22)", "公司(yang22)"),
    ("公司(yang0)", "公司(yang0)"),
    ("公司(yang6)", "公司(yang6)"),
    ("公司(3yang)", "公司(3yang)"),
    ("公司 (yang)", "公司 (yang)"),  # space before the group: not an annotation
    ("(yang)公司", "(yang)公司"),
    ("abc(yang)", "abc(yang)"),
    ("你好。(yang)", "你好。(yang)"),
    ("公司()", "公司()"),
    ("公司(yang", "公司(yang"),
    ("公司(ng)", "公司(ng)"),  # vowel-less interjections are not in the table
    ("公司(x-ray)", "公司(x-ray)"),
    ("⑴第一条", "(1)第一条"),
    ("㈠总则", "(一)总则"),
]


@pytest.mark.parametrize(("raw", "expected"), PARENTHESES_KEPT)
def test_real_parenthesised_content_is_kept(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


# ---------------------------------------------------------------------------
# NFKC, punctuation, traditional -> simplified
# ---------------------------------------------------------------------------

CHARACTER_CASES = [
    ("２０２６年", "2026年"),
    ("１２３", "123"),
    ("（１２３）", "(123)"),
    ("ＡＢＣ　ｄｅｆ", "ABC def"),
    ("ＧＢ／Ｔ　４７５４", "GB/T 4754"),
    ("ﾃｽﾄ", "テスト"),  # half-width katakana -> full-width (NFKC)
    ("ﬁle", "file"),  # ligature
    ("㎡", "m2"),
    ("你好，世界；好：吗！？", "你好，世界；好：吗！？"),  # Chinese punctuation kept
    ("他说：“你好。”、《规定》【附件】", "他说：“你好。”、《规定》【附件】"),
    ("１，２", "1，2"),  # full-width comma is kept, digits are converted
    ("貴州機電集團", "贵州机电集团"),
    ("產業工人隊伍建設", "产业工人队伍建设"),
    ("臺灣", "台湾"),
    ("乾隆", "乾隆"),  # phrase-aware conversion
    ("乾 隆", "乾隆"),  # spaces removed before conversion
    ("薴", "苎"),  # OpenCC maps 薴 -> 苧 -> 苎; iterated to a fixed point
    ("e\u200b\u0301", "é"),  # invisible char removed before NFKC composition
    ("e\u0301", "é"),
    ("\u2f00", "一"),  # Kangxi radical -> unified ideograph
    ("\uf900", "岂"),  # compatibility ideograph 豈 -> unified -> simplified
]


@pytest.mark.parametrize(("raw", "expected"), CHARACTER_CASES)
def test_character_normalisation(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


# ---------------------------------------------------------------------------
# Whitespace and invisible characters
# ---------------------------------------------------------------------------

WHITESPACE_CASES = [
    ("深 圳 市", "深圳市"),
    ("深\u3000圳\t市", "深圳市"),
    ("  深圳市  ", "深圳市"),
    ("深圳市 南山区  科技园", "深圳市南山区科技园"),
    ("Hello   World ", "Hello World"),
    ("a  b\tc\u00a0d\u3000e\u2003f\u202fg", "a b c d e f g"),
    ("GB/T 4754", "GB/T 4754"),
    ("深圳 Shenzhen 市", "深圳 Shenzhen 市"),
    ("Hello 世界", "Hello 世界"),
    ("2026年 3月", "2026年 3月"),
    ("第一章 《总则》", "第一章《总则》"),
    ("你好 ， 世界 。", "你好，世界。"),
    ("テスト 中文", "テスト中文"),
    ("第一行\n第二行", "第一行第二行"),
    ("line one\r\nline two", "line one line two"),
    ("a\x00b\x07c\x1bd\x7fe\x9ff", "abcdef"),
    ("a\u200bb\u200cc\u200dd\ufeffe\u2060f\u00adg", "abcdefg"),
    ("\ufeff深圳", "深圳"),
    ("a\u200eb\u200fc\u202ad\u202ee\u2066f\u2069g", "abcdefg"),
    ("a\x0bb\x0cc\x85d", "a b c d"),
    ("a\ud800b", "ab"),  # lone surrogate
    ("深\u200b圳", "深圳"),
    ("", ""),
    ("   \t\n ", ""),
    ("\u200b", ""),
]


@pytest.mark.parametrize(("raw", "expected"), WHITESPACE_CASES)
def test_whitespace_and_invisible_characters(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


UNCHANGED = [
    "贵州机电(集团)有限公司",
    "全国劳动模范，高级技师。",
    "ERP系统",
    "2026年3月1日",
    "GB/T 4754-2017 国民经济行业分类",
    "Hello World",
    "张三",
    "a",
    "条款(a)",
    "“工匠学院”",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_already_normal_text_is_unchanged(text: str) -> None:
    assert normalize(text) == text


def test_mixed_text() -> None:
    raw = "  貴州省 貴陽(yáng)市\u3000觀山湖區，ＥＲＰ（企業資源計劃）　系統\u200b２０２６年  "
    assert normalize(raw) == "贵州省贵阳市观山湖区，ERP(企业资源计划) 系统2026年"


# ---------------------------------------------------------------------------
# Arguments, newlines
# ---------------------------------------------------------------------------


def test_none_gives_empty_string() -> None:
    assert normalize(None) == ""
    assert normalize(None, keep_newlines=True) == ""


@pytest.mark.parametrize("value", [b"abc", 123, 1.5, ["a"], object()])
def test_non_str_raises_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        normalize(value)  # type: ignore[arg-type]


def test_keep_newlines_normalises_each_line() -> None:
    raw = "第一行\r\n 第 二 行 \n\n貴陽(yang)\r ＥＮＤ "
    assert normalize(raw, keep_newlines=True) == "第一行\n第二行\n\n贵阳\nEND"


def test_keep_newlines_preserves_line_count() -> None:
    raw = "\n\na\r\n\r\nb\n"
    result = normalize(raw, keep_newlines=True)
    assert result == "\n\na\n\nb\n"
    assert result.count("\n") == 5


def test_default_mode_never_returns_newlines() -> None:
    assert "\n" not in normalize("a\nb\r\nc\rd\u2028e")
    assert normalize("a\nb\r\nc\rd\u2028e") == "a b c d e"


def test_normalize_lines() -> None:
    lines = ["  貴陽(yang)市\n", None, "", "ＡＢＣ\r\n"]
    assert list(normalize_lines(lines)) == ["贵阳市", "", "", "ABC"]


def test_normalize_lines_is_lazy() -> None:
    def lines() -> Iterator[str]:
        yield "a"
        raise AssertionError("consumed too far")

    iterator = normalize_lines(lines())
    assert next(iterator) == "a"


def test_normalize_lines_rejects_a_single_string() -> None:
    with pytest.raises(TypeError):
        list(normalize_lines("abc"))


# ---------------------------------------------------------------------------
# search_key / pinyin_initials
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ABC 深圳", "abc 深圳"),
        ("ＡＢＣ", "abc"),
        ("Straße", "strasse"),
        ("貴陽(Yang)市 ERP", "贵阳市 erp"),
        ("管理(MRP)系统", "管理(mrp)系统"),
        ("公司(BA)", "公司"),  # the acronym rule does not survive case folding
        ("公司(ba)", "公司"),
        (None, ""),
    ],
)
def test_search_key(raw: str | None, expected: str) -> None:
    assert search_key(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("深圳市", "szs"),
        ("广州市", "gzs"),
        ("重庆市", "cqs"),
        ("貴陽市", "gys"),
        ("音乐", "yy"),
        ("GB/T 4754", "gbt4754"),
        ("ABC公司", "abcgs"),
        ("２０２６年", "2026n"),
        ("工匠(jiang)学院", "gjxy"),
        ("，。！", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_pinyin_initials(raw: str | None, expected: str) -> None:
    assert pinyin_initials(raw) == expected


# ---------------------------------------------------------------------------
# Syllable table
# ---------------------------------------------------------------------------


def _pypinyin_syllables() -> set[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    syllables: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
            syllables.add("".join(ch for ch in plain if not unicodedata.combining(ch)))
    return syllables


def test_syllable_table_matches_pypinyin_data() -> None:
    from_pypinyin = _pypinyin_syllables()
    interjections = {"m", "n", "ng", "hm", "hng"}
    keyboard_spellings = {"lue", "nue"}
    assert PINYIN_SYLLABLES - keyboard_spellings == from_pypinyin - interjections


def test_syllable_table_sanity() -> None:
    assert 400 <= len(PINYIN_SYLLABLES) <= 430
    for syllable in ["a", "er", "zhuang", "chuang", "shuang", "lv", "nve", "xue", "yuan"]:
        assert syllable in PINYIN_SYLLABLES
    for word in ["ng", "hello", "abc", "v", "lu:", "zh"]:
        assert word not in PINYIN_SYLLABLES


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

FRAGMENTS = [
    *"貴陽阳市學院学院产業业乾隆干薴苧苎深圳重庆中国",
    *"()（）[]",
    "yang",
    "Yang",
    "YANG",
    "xue yuan",
    "xueyuan",
    "chǎn",
    "chan3",
    "nv3",
    "lǚ",
    "Xī'ān",
    "a",
    "MA",
    "an",
    "abc123",
    "china",
    *" \t\n\r\u3000\u00a0\u200b\u200d\ufeff\x00\x85",
    *"，。、；：！？“”《》",
    *"１２３ＡＢＣ",
    *"e\u0301\u0308u",
    "ü",
    "ﬁ",
    "㈠",
    "⑴",
]

_interesting_text = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
_any_text = st.one_of(st.text(), _interesting_text)


@settings(max_examples=400, database=None, deadline=None)
@given(_any_text)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=400, database=None, deadline=None)
@given(_any_text)
def test_key_of_a_normalized_text_is_its_search_key(text: str) -> None:
    once = normalize(text)
    assert search_key_of_normalized(once) == search_key(once) == search_key(text)


def test_key_of_a_normalized_text_folds_case() -> None:
    assert search_key_of_normalized("深圳ABC精密") == "深圳abc精密"
    assert search_key_of_normalized("张建国") == "张建国"


@settings(max_examples=200, database=None, deadline=None)
@given(_any_text)
def test_keep_newlines_is_idempotent_and_preserves_lines(text: str) -> None:
    once = normalize(text, keep_newlines=True)
    assert normalize(once, keep_newlines=True) == once
    line_breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    assert once.count("\n") == line_breaks


@settings(max_examples=200, database=None, deadline=None)
@given(_any_text)
def test_search_key_is_idempotent(text: str) -> None:
    key = search_key(text)
    assert search_key(key) == key
    assert key == key.casefold()


@settings(max_examples=300, database=None, deadline=None)
@given(_any_text)
def test_output_shape(text: str) -> None:
    result = normalize(text)
    assert "\n" not in result
    assert result == result.strip()
    assert "  " not in result
    assert "\u200b" not in result
    assert "\ufeff" not in result
    assert unicodedata.is_normalized("NFC", result)
