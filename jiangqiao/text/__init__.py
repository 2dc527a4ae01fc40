"""Text normalisation shared by the whole project (pure Python, no Django).

Use :func:`normalize` for every piece of free text that is stored, compared or
indexed; :func:`search_key` and :func:`pinyin_initials` derive lookup keys from it.
"""

from __future__ import annotations

from jiangqiao.text.normalize import (
    PINYIN_SYLLABLES,
    normalize,
    normalize_lines,
    pinyin_initials,
    search_key,
    search_key_of_normalized,
)

__all__ = [
    "PINYIN_SYLLABLES",
    "normalize",
    "normalize_lines",
    "pinyin_initials",
    "search_key",
    "search_key_of_normalized",
]
