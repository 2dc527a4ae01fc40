"""Search keys stored with every term: normalised name, pinyin initials and full pinyin.

Names are stored as in the source; these derived keys are what the search matches. The
normaliser is the project's single one (:mod:`jiangqiao.text`); pinyin comes from pypinyin
(phrase aware) with a small table of readings that are specific to place names, applied to the
``region`` scheme only (pypinyin reads 长治 as *zhang zhi*, 什邡 as *shen fang*, 花都 as
*hua dou*, 闵行 as *min xing* …).
"""

from __future__ import annotations

from typing import NamedTuple

from pypinyin import Style, lazy_pinyin

from jiangqiao.text import normalize, search_key

from .choices import Scheme

# Readings of whole words in place names, checked before the per-character table.
_PLACE_PHRASES: dict[str, tuple[str, ...]] = {
    "长子": ("zhang", "zi"),
    "乐亭": ("lao", "ting"),
    "乐清": ("yue", "qing"),
    "筠连": ("jun", "lian"),
    "荥经": ("ying", "jing"),
    "洪洞": ("hong", "tong"),
    "闵行": ("min", "hang"),
}
# Readings of characters that are (almost) always read this way in place names.
_PLACE_CHARS: dict[str, str] = {
    "长": "chang",
    "什": "shi",
    "都": "du",
    "曾": "zeng",
    "乐": "le",
    "朝": "chao",
    "卡": "ka",
    "勒": "le",
}


class SearchKeys(NamedTuple):
    search_name: str
    initials: str
    pinyin: str


def _syllables(text: str, *, place_name: bool) -> list[str]:
    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)
    # lazy_pinyin yields one item per Han character and one per run of other characters;
    # the place-name table only applies when the name is all Han characters.
    if not place_name or len(syllables) != len(text):
        return syllables
    result: list[str] = []
    i = 0
    while i < len(text):
        phrase = text[i : i + 2]
        if phrase in _PLACE_PHRASES:
            result.extend(_PLACE_PHRASES[phrase])
            i += 2
            continue
        result.append(_PLACE_CHARS.get(text[i], syllables[i]))
        i += 1
    return result


def _ascii_key(pieces: list[str]) -> str:
    return "".join(
        ch for piece in pieces for ch in piece.casefold() if ch.isascii() and ch.isalnum()
    )


def pinyin_keys(name: str, *, place_name: bool = False) -> tuple[str, str]:
    """Return ``(initials, full_pinyin)`` of ``name``, lower-case ASCII letters and digits.

    ``深圳市`` → ``("szs", "shenzhenshi")``; letters and digits in the name are kept
    (``GB/T 4754`` → ``("gbt4754", "gbt4754")``), punctuation is dropped.
    """
    text = normalize(name)
    if not text:
        return "", ""
    syllables = _syllables(text, place_name=place_name)
    if len(syllables) == len(text):  # all Han characters: one syllable each
        initials = [syllable[:1] for syllable in syllables]
    else:
        initials = lazy_pinyin(text, style=Style.FIRST_LETTER)
    return _ascii_key(initials), _ascii_key(syllables)


def search_keys(scheme: str, name: str) -> SearchKeys:
    """All derived keys of a term name."""
    initials, full = pinyin_keys(name, place_name=scheme == Scheme.REGION)
    return SearchKeys(search_name=search_key(name), initials=initials, pinyin=full)
