"""The project's single text normaliser.

Everything that stores, compares or indexes free text (names of enterprises, unions,
craftsmen, addresses, skills, imported spreadsheet cells, ...) should go through
:func:`normalize` so that the same input always produces the same string.

This module is pure Python: it does not import Django and can be used from import
scripts, the CLI and background jobs alike.

Pipeline applied by :func:`normalize` to each line, in this order:

1. **Invisible characters are removed**: C0/C1 control characters (except the
   whitespace controls TAB, LF, VT, FF, CR and NEL, which are treated as whitespace),
   zero-width characters (U+200B..U+200D, U+2060..U+2064, U+FEFF), the soft hyphen
   U+00AD, bidirectional formatting marks (U+200E, U+200F, U+202A..U+202E,
   U+2066..U+2069) and lone surrogates.  This happens *before* NFKC so that removing
   e.g. a zero-width space between a base letter and a combining mark still yields a
   fully composed result.
2. **Unicode NFKC**, which maps full-width ASCII to half-width (``（１２３）`` ->
   ``(123)``, full-width letters, ideographic space -> space, ...).  Exception: the
   full-width sentence punctuation ``，；：！？`` is Chinese punctuation and is
   preserved as is (plain NFKC would turn it into ``,;:!?``).  Punctuation that NFKC
   does not touch (``。、“”‘’《》【】`` ...) is of course preserved too.
3. **Whitespace is collapsed**: every run of whitespace (spaces, tabs, newlines,
   NBSP, ideographic space, ...) becomes one ASCII space; the result is stripped.
4. **Spaces between two CJK characters are removed** (``深 圳 市`` -> ``深圳市``).
   "CJK" here means Han ideographs, CJK symbols and punctuation (U+3001..U+303F),
   kana and the preserved full-width punctuation ``，；：！？``.  Spaces between Latin
   words, or between Latin and CJK text, are kept.  Consequently, in the default
   single-line mode a line break between two Chinese lines disappears completely
   (``第一行\n第二行`` -> ``第一行第二行``); use ``keep_newlines=True`` to keep it.
5. **Pinyin annotations are removed**: a parenthesised group that directly follows a
   Han character (no space in between) and whose content is one or more valid Mandarin
   pinyin syllables (see :data:`PINYIN_SYLLABLES`) is deleted, e.g.
   ``贵阳(yang)市`` -> ``贵阳市``, ``产(chǎn)业(yè)`` -> ``产业``,
   ``学院(xue yuan)`` -> ``学院``.  Details:

   * tone marks (``āáǎà`` ... ``ǖǘǚǜ``) and per-syllable tone digits ``1``-``5``
     are accepted; ``ü`` may be written ``ü`` or ``v``; ``lue``/``nue`` are accepted
     as the common keyboard spellings of ``lüe``/``nüe``;
   * syllables may be separated by spaces or apostrophes, or written together
     (``xueyuan``); the content may be in any letter case (``Yang``, ``XueYuan``);
   * an annotation of *n* syllables is only removed if it directly follows at least
     *n* consecutive Han characters (``院(xue yuan)`` is kept, ``学院(xue yuan)``
     is removed), which avoids deleting e.g. ``国(china)``;
   * an **all-uppercase** group with two or more letters is an acronym and is kept
     (``管理(MRP)``, ``(MA)``, ``(AN)``);
   * a group with fewer than two letters is kept: it is usually a list marker
     (``条款(a)``, ``(e)``);
   * known limitation: lower-case English words that happen to be valid pinyin
     (``(an)``, ``(men)``, ``(china)`` after two Han characters) are removed when they
     follow Han characters.  This is accepted; such parentheticals are rare in our data.

   Real parenthesised content is kept: ``贵州机电(集团)有限公司``, ``产(行)业``,
   ``ERP(企业资源计划)``, ``型号(abc123)``.
6. **Traditional -> simplified Chinese** with OpenCC's ``t2s`` configuration (phrase
   aware, e.g. ``乾隆`` stays ``乾隆``).  It runs last so that OpenCC sees whole words
   (spaces and pinyin already removed), and it is iterated to a fixed point because a
   handful of OpenCC mappings are not idempotent (``薴`` -> ``苧`` -> ``苎``).

:func:`normalize` is idempotent: ``normalize(normalize(x)) == normalize(x)``.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opencc import OpenCC

__all__ = [
    "PINYIN_SYLLABLES",
    "normalize",
    "normalize_lines",
    "pinyin_initials",
    "search_key",
]

# ---------------------------------------------------------------------------
# Pinyin syllables
# ---------------------------------------------------------------------------

# The standard table of toneless Mandarin pinyin syllables, "ü" written as "v".  It
# equals the set of readings in pypinyin's character dictionary, minus the vowel-less
# interjections "m n ng hm hng", plus the keyboard spellings "lue" and "nue" (a test
# keeps it in sync with pypinyin's data).
_SYLLABLE_TABLE = """
    a ai an ang ao e ei en eng er o ou
    wa wai wan wang wei wen weng wo wong wu
    ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun
    ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu
    pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu
    ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu
    fa fan fang fei fen feng fiao fo fou fu
    da dai dan dang dao de dei den deng di dia dian diao die din ding diu dong dou du
    duan dui dun duo
    ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
    na nai nan nang nao ne nei nen neng ni nia nian niang niao nie nin ning niu nong
    nou nu nuan nun nuo nv nve nue
    la lai lan lang lao le lei len leng li lia lian liang liao lie lin ling liu lo long
    lou lu luan lun luo lv lve lue
    ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
    ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo
    ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
    ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
    qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
    xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
    zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan
    zhuang zhui zhun zhuo
    cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang
    chui chun chuo
    sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang
    shui shun shuo
    ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
    za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo
    ca cai can cang cao ce cei cen ceng ci cong cou cu cuan cui cun cuo
    sa sai san sang sao se sen seng si song sou su suan sui sun suo
"""

#: All valid toneless pinyin syllables (lower case, ``ü`` written as ``v``).
PINYIN_SYLLABLES: frozenset[str] = frozenset(_SYLLABLE_TABLE.split())

_MAX_SYLLABLE_LEN = max(len(s) for s in PINYIN_SYLLABLES)
_TONE_DIGITS = frozenset("12345")

# ---------------------------------------------------------------------------
# Character classes and precompiled patterns
# ---------------------------------------------------------------------------

# Han ideographs: 〇, Extension A, URO, compatibility block (the few unified ideographs
# that live there survive NFKC), and planes 2-3 (Extensions B-H).
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Characters between which spaces are dropped.
_PROTECTED_PUNCT = "\uff01\uff0c\uff1a\uff1b\uff1f"  # ！，：；？
_CJK = _HAN + "\u3001-\u303f\u3040-\u30ff" + _PROTECTED_PUNCT

_INVISIBLE_RE = re.compile(
    "["
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"  # C0/C1 controls except TAB LF VT FF CR NEL
    "\u00ad"  # soft hyphen
    "\u200b-\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\ufeff"  # BOM / zero-width no-break space
    "\ud800-\udfff"  # lone surrogates (cannot be encoded to UTF-8)
    "]+"
)
_PROTECTED_RE = re.compile(f"[{_PROTECTED_PUNCT}]")
_PROTECTED_SPLIT_RE = re.compile(f"([{_PROTECTED_PUNCT}])")
_WHITESPACE_RE = re.compile(r"\s+")
_CJK_SPACE_RE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_HAN_CHAR_RE = re.compile(f"[{_HAN}]")
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")

# Candidate pinyin annotation: "(" + Latin letters (with tone marks), digits, spaces or
# apostrophes + ")" directly after a Han character.  Whether it really is pinyin is
# decided by _pinyin_syllable_count().
_PINYIN_GROUP_RE = re.compile(
    f"(?<=[{_HAN}])"
    r"\(([A-Za-z0-9\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f'\u2019 ]{1,64})\)"
)
_COMBINING_RE = re.compile("[\u0300-\u036f]+")
_PINYIN_SEPARATOR_RE = re.compile("[ '\u2019]+")
_PINYIN_TOKEN_RE = re.compile("[a-z][a-z1-5]*")

# ---------------------------------------------------------------------------
# OpenCC (lazy, constructed once per process)
# ---------------------------------------------------------------------------

_converter: OpenCC | None = None
_converter_lock = threading.Lock()
_MAX_T2S_ROUNDS = 4


def _get_converter() -> OpenCC:
    """Return the shared OpenCC ``t2s`` converter, creating it on first use."""
    global _converter
    converter = _converter
    if converter is None:
        with _converter_lock:
            converter = _converter
            if converter is None:
                from opencc import OpenCC

                converter = OpenCC("t2s")
                _converter = converter
    return converter


def _to_simplified(text: str) -> str:
    """Convert traditional to simplified Chinese, iterating to a fixed point."""
    convert = _get_converter().convert
    for _ in range(_MAX_T2S_ROUNDS):
        converted = str(convert(text))
        if converted == text:
            break
        text = converted
    return text


# ---------------------------------------------------------------------------
# Pipeline steps
# ---------------------------------------------------------------------------


def _nfkc(text: str) -> str:
    """NFKC-normalise ``text`` but keep the full-width punctuation ``，；：！？``."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    if _PROTECTED_RE.search(text) is None:
        return unicodedata.normalize("NFKC", text)
    parts = _PROTECTED_SPLIT_RE.split(text)
    # Even indexes are the text between protected characters, odd ones the characters.
    parts[::2] = [unicodedata.normalize("NFKC", part) for part in parts[::2]]
    return "".join(parts)


def _min_syllables(token: str) -> int | None:
    """Return the minimal number of pinyin syllables ``token`` splits into, or None.

    ``token`` is lower-case ASCII; each syllable may be followed by one tone digit.
    """
    n = len(token)
    unreachable = n + 1
    best = [0] + [unreachable] * n
    for i in range(n):
        count = best[i]
        if count == unreachable:
            continue
        for j in range(i + 1, min(i + _MAX_SYLLABLE_LEN, n) + 1):
            if token[i:j] in PINYIN_SYLLABLES:
                if count + 1 < best[j]:
                    best[j] = count + 1
                if j < n and token[j] in _TONE_DIGITS and count + 1 < best[j + 1]:
                    best[j + 1] = count + 1
    return best[n] if best[n] != unreachable else None


@functools.lru_cache(maxsize=8192)
def _pinyin_syllable_count(content: str) -> int | None:
    """Return how many syllables the annotation ``content`` has, or None if not pinyin.

    Groups with fewer than two letters (list markers such as ``a``) and all-uppercase
    groups (acronyms such as ``MA``) are never considered pinyin.
    """
    letters = sum(1 for ch in content if ch.isalpha())
    if letters < 2 or content.isupper():
        return None
    plain = unicodedata.normalize("NFD", content.lower()).replace("u\u0308", "v")
    plain = _COMBINING_RE.sub("", plain)
    total = 0
    for token in _PINYIN_SEPARATOR_RE.split(plain):
        if not token:
            continue
        if _PINYIN_TOKEN_RE.fullmatch(token) is None:
            return None
        count = _min_syllables(token)
        if count is None:
            return None
        total += count
    return total or None


def _drop_pinyin_group(match: re.Match[str]) -> str:
    """``re.sub`` callback: delete the group if it is a pinyin annotation."""
    needed = _pinyin_syllable_count(match.group(1))
    if needed is None:
        return match.group(0)
    text = match.string
    index = match.start() - 1
    run = 0
    while run < needed and index >= 0 and _HAN_CHAR_RE.match(text, index) is not None:
        run += 1
        index -= 1
    return "" if run >= needed else match.group(0)


def _remove_cjk_spaces(text: str) -> str:
    """Drop single spaces that sit between two CJK characters."""
    if " " not in text:
        return text
    return _CJK_SPACE_RE.sub("", text)


def _remove_pinyin(text: str) -> str:
    """Remove pinyin annotations, repeating until nothing changes.

    Removing one group can make another one eligible (``阳(yang)(yang)``, or a Han run
    that gets longer once a space between CJK characters disappears), hence the loop.
    """
    if "(" not in text:
        return text
    while True:
        stripped = _PINYIN_GROUP_RE.sub(_drop_pinyin_group, text)
        if stripped == text:
            return text
        text = _remove_cjk_spaces(stripped)


def _normalize_line(text: str) -> str:
    """Normalise text in which newlines are plain whitespace."""
    text = _INVISIBLE_RE.sub("", text)
    if text.isascii():
        # ASCII is already NFKC and contains nothing CJK-specific.
        return _WHITESPACE_RE.sub(" ", text).strip()
    text = _nfkc(text)
    text = _WHITESPACE_RE.sub(" ", text).strip()
    text = _remove_cjk_spaces(text)
    text = _remove_pinyin(text)
    if text.isascii():
        return text
    return _to_simplified(text)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def normalize(text: str | None, *, keep_newlines: bool = False) -> str:
    """Return the canonical form of ``text`` (see the module docstring for the rules).

    ``None`` gives ``""``; any other non-``str`` value raises :class:`TypeError`.

    By default newlines are ordinary whitespace, so the result is a single line.  With
    ``keep_newlines=True`` the text is split on ``\\r\\n``, ``\\r`` and ``\\n``, each line
    is normalised on its own and the lines are joined with ``\\n``; the number of lines
    (including empty ones) is preserved.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str or None, got {type(text).__name__}")
    if keep_newlines:
        return "\n".join(_normalize_line(line) for line in _NEWLINE_RE.split(text))
    return _normalize_line(text)


def normalize_lines(lines: Iterable[str | None]) -> Iterator[str]:
    """Lazily normalise every item of ``lines``; yields exactly one string per item.

    Trailing newlines on the items (as produced by iterating over a file) are removed
    like any other whitespace.  Passing a single ``str`` is rejected because it would
    be iterated character by character; use ``normalize(text, keep_newlines=True)``.
    """
    if isinstance(lines, str):
        raise TypeError(
            "normalize_lines() expects an iterable of lines, not a str; "
            "use normalize(text, keep_newlines=True) instead"
        )
    for line in lines:
        yield normalize(line)


_MAX_SEARCH_KEY_ROUNDS = 3


def search_key(text: str | None) -> str:
    """Return ``normalize(text)`` case-folded, for case-insensitive indexing/matching.

    Case folding can make text eligible for another normalisation step (an upper-case
    acronym such as ``公司(BA)`` becomes the pinyin-looking ``公司(ba)``), so the key is
    re-normalised until it is stable.  This makes ``search_key`` idempotent, and the
    same key is obtained for stored values and for user queries whatever their case.
    """
    normalized = normalize(text)
    key = normalized.casefold()
    if key == normalized:
        return key
    for _ in range(_MAX_SEARCH_KEY_ROUNDS):
        again = normalize(key).casefold()
        if again == key:
            break
        key = again
    return key


def search_key_of_normalized(text: str) -> str:
    """``search_key(text)`` of a text that is already ``normalize``d (a fixed point, since
    ``normalize`` is idempotent): when case folding changes nothing, the text is its own key
    and the second normalisation is skipped (bulk imports derive keys from checked cells)."""
    key = text.casefold()
    return key if key == text else search_key(text)


def pinyin_initials(text: str | None) -> str:
    """Return the pinyin initials of ``text`` for initial-letter search.

    The text is normalised first; each Han character contributes the lower-case first
    letter of its reading (pypinyin, phrase aware, so ``重庆市`` -> ``cqs``), other
    letters and digits are kept case-folded, and everything else (spaces, punctuation)
    is dropped: ``深圳市`` -> ``szs``, ``GB/T 4754`` -> ``gbt4754``.
    """
    normalized = normalize(text)
    if not normalized:
        return ""
    from pypinyin import Style, lazy_pinyin

    pieces = lazy_pinyin(normalized, style=Style.FIRST_LETTER)
    return "".join(ch for piece in pieces for ch in piece.casefold() if ch.isalnum())
