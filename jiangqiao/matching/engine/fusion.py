"""Fusion weights: the one versioned place that says how much each signal counts.

Text signals (BM25 over words, character n-gram TF-IDF, dense cosine) are calibrated per demand:
each is turned into a z-score over the candidate experts of that demand, so a demand with long text
(high raw BM25) and a terse one weigh their signals alike. Structured signals are bounded values
in [-1, 1] (industry 1.0 for the same 小类 … 0.25 for the same 门类; region 1.0 for the same county …)
multiplied by their weight. ``score = Σ weight × value``.

The text weights were tuned on the tuning half of the CSL development set and reported on the
other half (``bench/match_quality.py``, docs/matching.md). Structured weights cannot be tuned on
that set (papers have no regions or skill levels); they are set so that a same-小类 industry match
is worth about one standard deviation of the text evidence, a local expert for an on-site job
about half of one, and an expert with no capacity left or below the required skill level falls
behind every qualified one. Changing any number here means bumping ``version``: the version is
stored with every suggestion the platform makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FusionConfig:
    version: str
    text: dict[str, float] = field(default_factory=dict)
    structured: dict[str, float] = field(default_factory=dict)
    # How an expert's evidence items combine for the sparse signals: max | mean | max_mean | top2.
    aggregate: str = "top2"
    # Dense: "items" scores each item and combines like the others; "centroid" scores the
    # normalised mean of the expert's item vectors.
    dense_aggregate: str = "items"
    max_share: float = 0.7  # max_mean: share of the best item (the rest is the mean of all items)
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    max_query_grams: int = 160  # the rarest n-grams of a long demand text that are looked up
    # Weight of a domain-generic word (``tokens.GENERIC_WORDS``: 技师, 诊断, 现场 …) in a demand's
    # query, for BM25 and for the n-gram bigrams; 0 = such words never count (measured, docs).
    generic_weight: float = 0.0
    # Corpus-generic words: a word in the evidence of more than this share of the experts weighs
    # ``generic_weight`` too (computed at index build from expert document frequencies, once the
    # index holds ``common_min_experts``); 1.0 switches it off (measured, docs/matching.md).
    common_share: float = 0.3
    common_min_experts: int = 50
    # Evidence strength: a candidate with neither a specific (non-generic) matched keyword nor
    # semantic support (dense z-score ≥ ``semantic_support``) is capped at this fused score
    # (relevance 38); the cap shows as its own contribution. None: no cap.
    weak_evidence_cap: float | None = 2.0
    semantic_support: float = 1.0


DEFAULT = FusionConfig(
    version="2026.12-2",
    aggregate="top2",
    dense_aggregate="centroid",
    text={"bm25": 0.5, "ngram": 1.0, "dense": 3.0},
    structured={
        "industry": 1.2,
        "occupation": 0.6,
        "region": 0.6,
        "skill": 1.5,
        "mode": 0.5,
        "capacity": 3.0,
        "track_record": 0.3,
        "honour": 0.2,
    },
)

#: The relevance shown to people: ``100 / (1 + exp(-(score - RELEVANCE_CENTRE) / RELEVANCE_SCALE))``.
#: Monotone in the fused score (the ranking is unchanged), never negative, never above 100. Set on
#: the demo province (top-10 fused scores mostly 5–20 among a few hundred candidates): a candidate
#: as good as the average one of his demand (fused score 0) shows 27, a score of 4 (one standard
#: deviation of text evidence plus a same-小类 industry) 50, 8 → 73, 12 → 88, 20 → 98.
RELEVANCE_CENTRE = 4.0
RELEVANCE_SCALE = 4.0


def relevance(score: float | None) -> int:
    """The fused ``score`` as a 0–100 relevance (monotone; see ``RELEVANCE_CENTRE``)."""
    if score is None:
        return 0
    z = (float(score) - RELEVANCE_CENTRE) / RELEVANCE_SCALE
    value = 100.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
    return max(0, min(100, round(value)))


SIGNAL_LABELS = {
    "bm25": "关键词（BM25）",
    "ngram": "字词片段（n-gram）",
    "dense": "语义相似（USE）",
    "industry": "行业",
    "occupation": "职业",
    "region": "地区",
    "skill": "技能等级",
    "mode": "服务方式",
    "capacity": "承接能力",
    "track_record": "服务记录",
    "honour": "荣誉",
    "evidence_cap": "证据不足封顶",
}
