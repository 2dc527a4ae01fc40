"""Find English sentences in messages meant for Chinese users (codes and names are fine)."""

from __future__ import annotations

import html
import re

_WORD = r"[A-Za-z][A-Za-z'’]*"
_GAP = r"[\s,.:;!?()\"“”/-]+"


def english_fragments(text: str, *, min_words: int = 4) -> list[str]:
    """Runs of ``min_words`` or more English words: “JSON parse error - Expecting value”,
    “field larger than field limit”. Codes and names (USCC, GB/T 2260, CSV UTF-8, If-Match,
    X-CSRFToken) are one or two words and pass."""
    pattern = re.compile(rf"{_WORD}(?:{_GAP}{_WORD}){{{min_words - 1},}}")
    return [m.group(0) for m in pattern.finditer(text)]


def visible_text(page: str) -> str:
    """The text of an HTML page a user reads (no markup, scripts or styles)."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return html.unescape(page)
