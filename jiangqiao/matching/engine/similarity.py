"""How alike two demand texts are: the engine's sparse signals, one text against another.

Used to flag a new demand that repeats an open one of the same enterprise (``demands.duplicates``).
Pure Python, no Django. Both texts are expected normalised (``jiangqiao.text.normalize``).

Two of the ranking's text signals (``tokens``), compared symmetrically instead of as a query
against an index:

* **words**: jieba content words (the platform's industry and occupation names kept whole), stop
  words dropped and the domain-generic words (技术, 现场, 指导, 问题 …, ``tokens.GENERIC_WORDS``)
  left out, so two demands are not alike because both ask for 现场指导; Dice coefficient of the
  two word sets;
* **grams**: character bigrams without the generic ones (``tokens.GENERIC_GRAMS``), cosine of the
  two count vectors — it catches a rewording that segments differently (异响 / 异常响声).

``score = WORD_WEIGHT × words + (1 − WORD_WEIGHT) × grams`` over the title and the description
together, and the same over the titles alone; the higher of the two counts (a short title often
says the whole problem). The dense signal of the ranking (USE) is not used here: a submission
would load the 32 MB model into the web process for one comparison, and the two sparse signals
separate the measured pairs (docs/intake.md "重复需求").
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import jieba

from . import tokens as tk
from .vocab import load_vocabulary

#: Share of the word signal in a score (the rest is the character-bigram signal).
WORD_WEIGHT = 0.5
#: From this score on, two texts are flagged as probably the same demand (measured, docs).
THRESHOLD = 0.31


@dataclass(frozen=True)
class Profile:
    """A text cut into the signals' units once, to compare with many others."""

    words: frozenset[str]
    grams: Counter[str]
    title_words: frozenset[str]
    title_grams: Counter[str]
    exact: str


#: Words of a request's tone, not of its topic (请派人来看看, 我厂, 经常 …).
_FILLER_TEXT = """
    请 请求 麻烦 看看 看一下 帮忙 尽快 尽早 我们 我厂 我司 本厂 厂里 厂区 公司 车间 单位 两台 几台
    经常 总是 明显 较多 很多 严重 一直 最近 今年 去年 想 想请 想要 希望 需要 要求 急需
    """
FILLER_WORDS = frozenset(_FILLER_TEXT.split())


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    """The ranking's segmenter (industry and occupation names as words), looked up once."""
    return tk.tokenizer(load_vocabulary().terms())


def _uninformative(word: str) -> bool:
    return word in tk.STOPWORDS or word in tk.GENERIC_WORDS or word in FILLER_WORDS


def _words(text: str) -> frozenset[str]:
    """Content words of two characters or more (a single character — 时, 请, 快 — is a particle
    or a fragment; the bigram signal still sees it), generic and filler words left out."""
    return frozenset(
        w for w in tk.words(text, _tokenizer()) if len(w) > 1 and not _uninformative(w)
    )


def _grams(text: str) -> Counter[str]:
    """Character bigrams of the runs of content words: stop, generic and filler words cut the
    text, so no bigram spans them (技术|指导 gives no 术指) nor consists of them."""
    tok = _tokenizer()
    runs: list[str] = []
    run = ""
    for word in tok.lcut(text.casefold()):
        word = "".join(ch for ch in word if tk._WORD.match(ch))
        if not word or _uninformative(word):
            runs.append(run)
            run = ""
        else:
            run += word
    runs.append(run)
    return Counter(r[i : i + 2] for r in runs for i in range(len(r) - 1))


def profile(title: str, description: str = "") -> Profile:
    title = (title or "").strip()
    body = f"{title}\n{(description or '').strip()}"
    return Profile(
        words=_words(body),
        grams=_grams(body),
        title_words=_words(title),
        title_grams=_grams(title),
        exact="".join(body.split()).casefold(),
    )


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[g] for g, count in a.items() if g in b)
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def _mix(words: float, grams: float) -> float:
    return WORD_WEIGHT * words + (1 - WORD_WEIGHT) * grams


def similarity(a: Profile, b: Profile) -> float:
    """0 (nothing in common) … 1 (the same text)."""
    if a.exact and a.exact == b.exact:
        return 1.0
    whole = _mix(_dice(a.words, b.words), _cosine(a.grams, b.grams))
    title = _mix(_dice(a.title_words, b.title_words), _cosine(a.title_grams, b.title_grams))
    return round(max(whole, title), 4)


def same_text(a: Profile, b: Profile) -> bool:
    """The same title and description, white space and letter case aside."""
    return bool(a.exact) and a.exact == b.exact
