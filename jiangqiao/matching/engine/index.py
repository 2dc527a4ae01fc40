"""The matching index: experts' evidence as sparse and dense matrices, ranked per demand.

Layout
------
* Each expert contributes **evidence items** (expertise, bio, skills, each service item, each case…).
  Items are scored one by one and aggregated per expert (``FusionConfig.aggregate``), so a long
  list of service items neither drowns a short, precise profile nor gets diluted into one blurred
  concatenation.
* Items live in **segments**: immutable blocks holding, for their items, a BM25 term-frequency
  matrix over jieba words (CSC, saturated tf; idf is applied at query time from live document
  frequencies), an L2-normalised character 1–2-gram TF-IDF matrix (CSC) and the dense embeddings.
  Adding or changing experts appends a small segment and tombstones the old items: edits never
  rebuild the index. ``compact()`` merges segments (reusing stored embeddings) when many small ones
  pile up.
* Structured fields (industries, occupations, regions, skill level, capacity, modes, record) are
  kept per expert, with inverted lists for the code hierarchies.

Ranking one demand
------------------
1. Hard filters (``Filters``) and conflicts give the candidate experts.
2. Text signals per item (BM25, n-gram cosine, dense cosine over the candidates' items only),
   aggregated per expert, then calibrated per demand: z-scores over the candidates.
3. Structured signals, bounded values in [-1, 1].
4. ``score = Σ weight × value`` (``fusion.FusionConfig``); the best ``top`` are explained.
"""

from __future__ import annotations

import math
import uuid
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import tokens as tk
from .dense import Encoder
from .fusion import DEFAULT, FusionConfig
from .model import Expert, Query
from .vocab import Vocabulary, occupation_path

INDUSTRY_LEVEL_VALUE = {1: 0.25, 2: 0.5, 3: 0.75, 4: 1.0}
OCCUPATION_LEVEL_VALUE = {1: 0.2, 2: 0.5, 3: 0.8, 4: 1.0}
REGION_VALUE = {"covers": 1.0, "county": 1.0, "city": 0.6, "province": 0.3, "none": 0.0}
MODE_ONSITE = "现场指导"
MODE_ONLINE = "线上"
#: Below this share of a segment's items, text signals are computed row by row (see text_signals).
ROW_PATH_SHARE = 0.2
#: The contribution that lowers a weakly supported candidate to ``weak_evidence_cap``.
EVIDENCE_CAP = "evidence_cap"


@dataclass
class Filters:
    """Hard filters: an expert outside them is not a candidate at all."""

    industries: Sequence[str] = ()  # subtree of any of these GB/T 4754 codes
    region: str = ""  # own region or a served region within this GB/T 2260 subtree
    max_skill_level: int | None = None  # national scale: 2 = 技师 or more senior
    exclude: Iterable[str] = ()  # expert ids (declined, already proposed, declared conflicts)
    only: Iterable[str] | None = None  # restrict to these expert ids
    need_capacity: bool = False  # drop experts with no capacity left


@dataclass
class Ranked:
    expert: Expert
    score: float
    contributions: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Segment:
    experts: np.ndarray  # item → expert position
    kinds: list[str]
    texts: list[str]
    titles: list[str]  # the item's name where its text begins with one (explanations), else ""
    bm25: sp.csc_matrix  # items × words (saturated, length-normalised tf)
    bm25_rows: sp.csr_matrix  # same, by row (matched terms for explanations)
    grams: sp.csc_matrix  # items × grams (L2-normalised tf-idf)
    gram_rows: sp.csr_matrix  # same, by row
    dense: np.ndarray  # items × dim
    alive: np.ndarray  # bool per item
    centroid_experts: np.ndarray  # expert positions of this segment
    centroids: np.ndarray  # their normalised mean item vectors (dense_aggregate="centroid")
    # The expert positions added with this segment, [expert_lo, expert_hi) (snapshots store them
    # per segment), and the segment's name in a snapshot (``snapshot.write_index``).
    expert_lo: int = 0
    expert_hi: int = 0
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def size(self) -> int:
        return len(self.kinds)


def region_prefix(code: str) -> str:
    """``440000`` → ``44``, ``440300`` → ``4403``, ``440305`` → ``440305``."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def region_relation(query_region: str, own: str, served: Sequence[str]) -> str:
    if not query_region:
        return "none"
    for code in served:
        if query_region.startswith(region_prefix(code)):
            return "covers"
    candidates = [own, *served]
    best = "none"
    for code in candidates:
        if not code:
            continue
        if code == query_region:
            return "county"
        if code[:4] == query_region[:4] and query_region[2:4] != "00":
            best = "city"
        elif code[:2] == query_region[:2] and best == "none":
            best = "province"
    return best


class MatchIndex:
    def __init__(
        self,
        encoder: Encoder,
        vocab: Vocabulary | None = None,
        config: FusionConfig = DEFAULT,
        extra_words: Iterable[str] = (),
    ) -> None:
        self.encoder = encoder
        self.vocab = vocab or Vocabulary()
        self.config = config
        self.tokenizer = tk.tokenizer([*self.vocab.terms(), *extra_words])
        self.experts: list[Expert] = []
        self.position: dict[str, int] = {}
        self.alive = np.zeros(0, dtype=bool)
        self.segments: list[_Segment] = []
        self.words: dict[str, int] = {}
        self.grams: dict[str, int] = {}
        self.word_df = np.zeros(0, dtype=np.int64)
        # Experts (not items) whose evidence contains the word: the corpus-generic words.
        self.word_expert_df = np.zeros(0, dtype=np.int64)
        self._common: tuple[frozenset[int], frozenset[str]] | None = None
        self.gram_df = np.zeros(0, dtype=np.int64)
        self.total_len = 0.0
        self.live_items = 0
        self._expert_items: list[list[tuple[int, int]]] = []
        self._industry: dict[str, list[int]] = {}
        self._occupation: dict[str, list[int]] = {}
        self._region: dict[str, list[int]] = {}
        self._served: dict[str, list[int]] = {}
        self._arrays: dict[str, np.ndarray] | None = None
        self._words_by_id: list[str] = []
        self._member_arrays: dict[tuple[int, str], np.ndarray] = {}
        self._employers = np.zeros(0, dtype=object)

    # ------------------------------------------------------------------ building

    def __len__(self) -> int:
        return int(self.alive.sum())

    def add(
        self,
        experts: Sequence[Expert],
        embeddings: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Add (or replace) experts. ``embeddings[expert.id]`` may hold the item vectors
        already computed (one row per evidence item, in order); otherwise they are encoded."""
        if not experts:
            return
        replaced = [e.id for e in experts if e.id in self.position]
        if replaced:
            self.remove(replaced)
        positions = []
        for expert in experts:
            pos = len(self.experts)
            self.experts.append(expert)
            self.position[expert.id] = pos
            self._expert_items.append([])
            positions.append(pos)
            self._index_structured(expert, pos)
        self.alive = np.concatenate([self.alive, np.ones(len(experts), dtype=bool)])
        self._employers = np.concatenate(
            [self._employers, np.array([e.employer_uscc for e in experts], dtype=object)]
        )
        self._arrays = None
        self._member_arrays.clear()

        item_expert: list[int] = []
        kinds: list[str] = []
        texts: list[str] = []
        titles: list[str] = []
        vectors: list[np.ndarray] = []
        missing: list[int] = []
        for pos, expert in zip(positions, experts, strict=True):
            given = embeddings.get(expert.id) if embeddings else None
            usable = given is not None and len(given) == len(expert.evidence)
            for i, ev in enumerate(expert.evidence):
                item_expert.append(pos)
                kinds.append(ev.kind)
                texts.append(ev.text)
                titles.append(ev.title if ev.title and ev.text.startswith(ev.title) else "")
                if usable and given is not None:
                    vectors.append(np.asarray(given[i], dtype=np.float32))
                else:
                    vectors.append(np.zeros(0, dtype=np.float32))
                    missing.append(len(texts) - 1)
        if missing:
            encoded = self.encoder.encode([texts[i] for i in missing])
            for row, i in enumerate(missing):
                vectors[i] = encoded[row]
        dim = self.encoder.dim
        dense = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, dim), np.float32)
        self._add_segment(np.asarray(item_expert, dtype=np.int32), kinds, texts, titles, dense)
        self.segments[-1].expert_lo = positions[0]
        self.segments[-1].expert_hi = positions[-1] + 1

    def _add_segment(
        self,
        item_expert: np.ndarray,
        kinds: list[str],
        texts: list[str],
        titles: list[str],
        dense: np.ndarray,
    ) -> None:
        cfg = self.config
        n = len(texts)
        # Column ids of every token/gram occurrence, row by row, in compact arrays; duplicates are
        # summed by scipy (sum_duplicates) into term frequencies. 400,000 items stay well under a GB.
        word_cols, word_ptr = array("i"), array("q", [0])
        gram_cols, gram_ptr = array("i"), array("q", [0])
        words, grams = self.words, self.grams
        for text in texts:
            for w in tk.words(text, self.tokenizer):
                j = words.get(w)
                if j is None:
                    j = words[w] = len(words)
                word_cols.append(j)
            word_ptr.append(len(word_cols))
            for g in tk.char_grams(text):
                j = grams.get(g)
                if j is None:
                    j = grams[g] = len(grams)
                gram_cols.append(j)
            gram_ptr.append(len(gram_cols))
        bm25 = _tf_matrix(word_cols, word_ptr, n, len(words))
        gram_tf = _tf_matrix(gram_cols, gram_ptr, n, len(grams))
        self.word_df = _grow(self.word_df, len(words))
        self.gram_df = _grow(self.gram_df, len(grams))
        self.word_df += np.bincount(bm25.indices, minlength=len(words))
        self.word_expert_df = _grow(self.word_expert_df, len(words))
        owners = np.repeat(item_expert.astype(np.int64), np.diff(bm25.indptr))
        pairs = np.unique(owners * len(words) + bm25.indices)
        self.word_expert_df += np.bincount(pairs % len(words), minlength=len(words))
        self._common = None
        self.gram_df += np.bincount(gram_tf.indices, minlength=len(grams))

        lengths = np.diff(np.frombuffer(word_ptr, dtype=np.int64)).astype(np.float64)
        self.total_len += float(lengths.sum())
        self.live_items += n
        avg = self.total_len / max(self.live_items, 1) or 1.0
        norm = cfg.bm25_k1 * (1 - cfg.bm25_b + cfg.bm25_b * lengths / avg)
        per_entry = np.repeat(norm, np.diff(bm25.indptr))
        tf = bm25.data
        bm25.data = tf * (cfg.bm25_k1 + 1) / (tf + per_entry)

        idf = self._gram_idf()
        gram_tf.data = (1 + np.log(gram_tf.data)) * idf[gram_tf.indices]
        rows = np.repeat(np.arange(n), np.diff(gram_tf.indptr))
        norms = np.sqrt(np.bincount(rows, weights=gram_tf.data**2, minlength=n))
        norms[norms == 0] = 1.0
        gram_tf.data = gram_tf.data / norms[rows]
        grams_matrix = gram_tf

        seg_no = len(self.segments)
        for row, pos in enumerate(item_expert):
            self._expert_items[int(pos)].append((seg_no, row))
        self.segments.append(
            _Segment(
                experts=item_expert,
                kinds=kinds,
                texts=texts,
                titles=titles,
                bm25=bm25.tocsc(),
                bm25_rows=bm25,
                grams=grams_matrix.tocsc(),
                gram_rows=grams_matrix,
                dense=dense,
                alive=np.ones(len(texts), dtype=bool),
                **_centroids(item_expert, dense),
            )
        )

    def remove(self, ids: Iterable[str]) -> None:
        """Tombstone experts (their items stop counting at once)."""
        for expert_id in ids:
            pos = self.position.pop(expert_id, None)
            if pos is None or not self.alive[pos]:
                continue
            self.alive[pos] = False
            own_words: set[int] = set()
            for seg_no, row in self._expert_items[pos]:
                seg = self.segments[seg_no]
                if not seg.alive[row]:
                    continue
                seg.alive[row] = False
                r = seg.bm25_rows
                self.word_df[r.indices[r.indptr[row] : r.indptr[row + 1]]] -= 1
                own_words.update(r.indices[r.indptr[row] : r.indptr[row + 1]].tolist())
                gram_ids = [self.grams[g] for g in set(tk.char_grams(seg.texts[row]))]
                self.gram_df[gram_ids] -= 1
                self.live_items -= 1
            self.word_expert_df[list(own_words)] -= 1
            self._unindex_structured(pos)
        self._common = None
        self._arrays = None
        self._member_arrays.clear()

    def compact(self) -> None:
        """Merge all segments into one, dropping tombstoned items (embeddings are reused)."""
        alive = [e for e, a in zip(self.experts, self.alive, strict=True) if a]
        vectors = {e.id: self.item_vectors(e.id) for e in alive}
        encoder, vocab, config = self.encoder, self.vocab, self.config
        tokenizer = self.tokenizer
        self.__init__(encoder, vocab, config)  # type: ignore[misc]
        self.tokenizer = tokenizer
        self.add(alive, embeddings=vectors)

    def item_vectors(self, expert_id: str) -> np.ndarray:
        pos = self.position[expert_id]
        rows = [self.segments[s].dense[r] for s, r in self._expert_items[pos]]
        return np.vstack(rows) if rows else np.zeros((0, self.encoder.dim), np.float32)

    # ------------------------------------------------------------------ structured fields

    def _index_structured(self, expert: Expert, pos: int) -> None:
        for code in {c for i in expert.industries for c in self.vocab.industry_path(i) or [i]}:
            self._industry.setdefault(code, []).append(pos)
        for code in {c for o in expert.occupations for c in occupation_path(o)}:
            self._occupation.setdefault(code, []).append(pos)
        for code in {c for r in [expert.region] if r for c in (r[:2], r[:4], r)}:
            self._region.setdefault(code, []).append(pos)
        for code in {region_prefix(r) for r in expert.regions_served}:
            self._served.setdefault(code, []).append(pos)

    def _unindex_structured(self, pos: int) -> None:
        expert = self.experts[pos]
        for table, codes in (
            (
                self._industry,
                {c for i in expert.industries for c in self.vocab.industry_path(i) or [i]},
            ),
            (self._occupation, {c for o in expert.occupations for c in occupation_path(o)}),
            (self._region, {c for r in [expert.region] if r for c in (r[:2], r[:4], r)}),
            (self._served, {region_prefix(r) for r in expert.regions_served}),
        ):
            for code in codes:
                members = table.get(code)
                if members and pos in members:
                    members.remove(pos)

    def _structured_arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            n = len(self.experts)
            skill = np.full(n, np.nan)
            capacity = np.full(n, np.nan)
            record = np.zeros(n)
            honour = np.zeros(n)
            onsite_ok = np.zeros(n)
            online_ok = np.zeros(n)
            cross = np.ones(n, dtype=bool)
            for i, e in enumerate(self.experts):
                if e.skill_level is not None:
                    skill[i] = e.skill_level
                if e.capacity is not None:
                    capacity[i] = e.capacity
                value = min(math.log1p(e.solved) / math.log1p(20), 1.0)
                if e.rating is not None:
                    value += (e.rating - 3.0) / 4.0
                record[i] = max(-0.5, min(value, 1.0))
                honour[i] = min(len(e.honours), 3) / 3.0
                if e.modes:
                    onsite_ok[i] = 0.0 if MODE_ONSITE in e.modes else -1.0
                    online_ok[i] = 0.0 if MODE_ONLINE in e.modes else -1.0
                cross[i] = e.cross_region
            self._arrays = {
                "skill": skill,
                "capacity": capacity,
                "record": record,
                "honour": honour,
                "onsite_ok": onsite_ok,
                "online_ok": online_ok,
                "cross": cross,
            }
        return self._arrays

    def _members(self, table: dict[str, list[int]], code: str) -> np.ndarray:
        """Expert positions listed under ``code`` as an array (cached until the next change)."""
        key = (id(table), code)
        cached = self._member_arrays.get(key)
        if cached is None:
            cached = np.asarray(table.get(code, ()), dtype=np.int64)
            self._member_arrays[key] = cached
        return cached

    def candidates(self, query: Query, filters: Filters | None) -> np.ndarray:
        mask = self.alive.copy()
        f = filters or Filters()
        if f.industries:
            keep = np.zeros_like(mask)
            for code in f.industries:
                keep[self._members(self._industry, code)] = True
            mask &= keep
        if f.region:
            prefix = region_prefix(f.region)
            keep = np.zeros_like(mask)
            keep[self._members(self._region, prefix)] = True
            for served in self._served:
                if served.startswith(prefix) or prefix.startswith(served):
                    keep[self._members(self._served, served)] = True
            mask &= keep
        arrays = self._structured_arrays()
        if f.max_skill_level is not None:
            with np.errstate(invalid="ignore"):
                mask &= arrays["skill"] <= f.max_skill_level
        if f.need_capacity:
            mask &= ~(arrays["capacity"] <= 0)
        mask[self._positions(f.exclude)] = False
        if f.only is not None:
            keep = np.zeros_like(mask)
            keep[self._positions(f.only)] = True
            mask &= keep
        if query.employer_uscc:
            mask &= self._other_employer(query.employer_uscc)
        return mask

    def _positions(self, ids: Iterable[str]) -> np.ndarray:
        """Positions of the live experts among ``ids`` (unknown ids are skipped)."""
        found = (self.position.get(expert_id) for expert_id in ids)
        return np.fromiter((p for p in found if p is not None), dtype=np.int64)

    def _other_employer(self, uscc: str) -> np.ndarray:
        """Per expert position: employed elsewhere than ``uscc`` (conflict of interest)."""
        return np.asarray(self._employers != uscc, dtype=bool)

    def structured(self, query: Query, mask: np.ndarray) -> dict[str, np.ndarray]:
        n = len(self.experts)
        arrays = self._structured_arrays()
        out: dict[str, np.ndarray] = {}
        if query.industries:
            value = np.zeros(n)
            for code in query.industries:
                for level, ancestor in enumerate(self.vocab.industry_path(code) or [code], 1):
                    members = self._members(self._industry, ancestor)
                    value[members] = np.maximum(value[members], INDUSTRY_LEVEL_VALUE[min(level, 4)])
            out["industry"] = value
        if query.occupations:
            value = np.zeros(n)
            for code in query.occupations:
                for level, ancestor in enumerate(occupation_path(code), 1):
                    members = self._members(self._occupation, ancestor)
                    value[members] = np.maximum(value[members], OCCUPATION_LEVEL_VALUE[level])
            out["occupation"] = value
        if query.region:
            q = query.region
            value = np.zeros(n)
            value[self._members(self._region, q[:2])] = REGION_VALUE["province"]
            if q[2:4] != "00":
                value[self._members(self._region, q[:4])] = REGION_VALUE["city"]
            value[self._members(self._region, q)] = REGION_VALUE["county"]
            for prefix in {q[:2], q[:4], q}:
                value[self._members(self._served, prefix)] = REGION_VALUE["covers"]
            if query.onsite:
                value[(value == 0) & ~arrays["cross"]] = -1.0
            factor = 1.0 if query.onsite else 0.3 if query.onsite is False else 0.7
            out["region"] = value * factor
        skill = arrays["skill"]
        if query.min_skill_level is not None:
            gap = np.nan_to_num(skill - query.min_skill_level, nan=1.0)
            out["skill"] = np.where(gap <= 0, 0.0, -np.minimum(gap, 2) / 2)
        else:
            out["skill"] = np.nan_to_num((5 - skill) / 20, nan=0.0)
        if query.onsite is True:
            out["mode"] = arrays["onsite_ok"]
        elif query.onsite is False:
            out["mode"] = arrays["online_ok"]
        capacity = arrays["capacity"]
        out["capacity"] = np.where(capacity <= 0, -1.0, np.nan_to_num(np.minimum(capacity, 3) / 30))
        out["track_record"] = arrays["record"]
        out["honour"] = arrays["honour"]
        return out

    # ------------------------------------------------------------------ text signals

    def _gram_idf(self) -> np.ndarray:
        n = max(self.live_items, 1)
        return np.log((1 + n) / (1 + np.maximum(self.gram_df, 0))) + 1.0

    def _word_idf(self) -> np.ndarray:
        n = max(self.live_items, 1)
        df = np.maximum(self.word_df, 0)
        return np.log(1 + (n - df + 0.5) / (df + 0.5))

    def common_words(self) -> tuple[frozenset[int], frozenset[str]]:
        """Corpus-generic words (ids) and their character bigrams: words found in the evidence
        of more than ``FusionConfig.common_share`` of the live experts, once the index holds at
        least ``common_min_experts`` (a small index says nothing about what is common). Computed
        from the expert document frequencies kept at build time; cached until the index changes."""
        if self._common is None:
            cfg = self.config
            live = len(self)
            ids: frozenset[int] = frozenset()
            if cfg.common_share < 1.0 and live >= cfg.common_min_experts:
                limit = cfg.common_share * live
                ids = frozenset(np.flatnonzero(self.word_expert_df > limit).tolist())
            inverse = self._word_list()
            grams = frozenset(inverse[j] for j in ids if len(inverse[j]) == 2)
            self._common = (ids, grams)
        return self._common

    def is_generic(self, word: str) -> bool:
        """A word that cannot carry a match: on the hand list or common in the corpus."""
        j = self.words.get(word)
        return word in tk.GENERIC_WORDS or (j is not None and j in self.common_words()[0])

    def query_terms(self, query: Query) -> tuple[dict[int, float], dict[int, float]]:
        """Query vectors: BM25 word weights and the normalised n-gram TF-IDF (rarest grams).
        Generic words — the hand list ``tokens.GENERIC_WORDS`` and the corpus-common words
        (``common_words``) — weigh ``generic_weight``, for words and their bigrams alike."""
        text = query.text
        generic = self.config.generic_weight
        common_ids, common_grams = self.common_words()
        word_idf = self._word_idf()
        words: dict[int, float] = {}
        for w, f in Counter(tk.words(text, self.tokenizer)).items():
            j = self.words.get(w)
            weight = generic if w in tk.GENERIC_WORDS or j in common_ids else 1.0
            if j is not None and weight > 0:
                words[j] = float(word_idf[j]) * (1.0 + math.log(f)) * weight
        gram_idf = self._gram_idf()
        grams: dict[int, float] = {}
        for g, f in Counter(tk.char_grams(text)).items():
            j = self.grams.get(g)
            weight = generic if g in tk.GENERIC_GRAMS or g in common_grams else 1.0
            if j is not None and weight > 0:
                grams[j] = (1 + math.log(f)) * float(gram_idf[j]) * weight
        if len(grams) > self.config.max_query_grams:
            kept = sorted(grams, key=lambda j: -gram_idf[j])[: self.config.max_query_grams]
            grams = {j: grams[j] for j in kept}
        norm = math.sqrt(sum(v * v for v in grams.values())) or 1.0
        return words, {j: v / norm for j, v in grams.items()}

    def _aggregate(self, item_scores: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
        """Per-expert aggregate of per-item scores ``[(expert positions, scores)]``."""
        if not item_scores:
            return np.zeros(n)
        experts = np.concatenate([e for e, _ in item_scores])
        scores = np.concatenate([s for _, s in item_scores])
        how = self.config.aggregate
        best = np.full(n, -np.inf)
        np.maximum.at(best, experts, scores)
        best[np.isinf(best)] = 0.0
        if how == "max":
            return best
        count = np.bincount(experts, minlength=n)
        mean = np.bincount(experts, weights=scores, minlength=n) / np.maximum(count, 1)
        if how == "mean":
            return mean
        if how == "top2":
            rest = np.where(scores >= best[experts], -np.inf, scores)
            second = np.full(n, -np.inf)
            np.maximum.at(second, experts, rest)
            second = np.where(np.isinf(second), best, second)
            return (best + second) / 2
        share = self.config.max_share
        return share * best + (1 - share) * mean

    def text_signals(
        self, query: Query, mask: np.ndarray, query_vector: np.ndarray | None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        n = len(self.experts)
        words, grams = self.query_terms(query)
        word_cols = np.fromiter(words.keys(), dtype=np.int64, count=len(words))
        word_w = np.fromiter(words.values(), dtype=np.float64, count=len(words))
        gram_cols = np.fromiter(grams.keys(), dtype=np.int64, count=len(grams))
        gram_w = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))
        per_signal: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {
            "bm25": [],
            "ngram": [],
            "dense": [],
        }
        for seg in self.segments:
            live = seg.alive & mask[seg.experts]
            if not live.any():
                continue
            rows = np.flatnonzero(live)
            owners = seg.experts[rows]
            # Few candidate items (structured filters): score their rows only, cost ∝ candidates.
            # Many: walk the query terms' posting lists (columns), cost ∝ postings.
            by_rows = len(rows) < ROW_PATH_SHARE * seg.size
            for signal, by_col, by_row, cols, weights in (
                ("bm25", seg.bm25, seg.bm25_rows, word_cols, word_w),
                ("ngram", seg.grams, seg.gram_rows, gram_cols, gram_w),
            ):
                inside = cols < by_col.shape[1]
                if not inside.any():
                    continue
                if by_rows:
                    dense_query = np.zeros(by_row.shape[1])
                    dense_query[cols[inside]] = weights[inside]
                    scores = by_row[rows] @ dense_query
                else:
                    scores = (by_col[:, cols[inside]] @ weights[inside])[rows]
                per_signal[signal].append((owners, scores))
            if query_vector is None or not len(rows):
                continue
            if self.config.dense_aggregate == "centroid":
                chosen = seg.centroid_experts[mask[seg.centroid_experts]]
                keep = mask[seg.centroid_experts]
                dense = seg.centroids[keep] @ query_vector.astype(np.float32)
                per_signal["dense"].append((chosen, dense.astype(np.float64)))
            else:
                dense = seg.dense[rows] @ query_vector.astype(np.float32)
                per_signal["dense"].append((owners, dense.astype(np.float64)))
        signals = {s: self._aggregate(pairs, n) for s, pairs in per_signal.items() if pairs}
        return signals, {"words": words, "grams": grams, "vector": query_vector}

    # ------------------------------------------------------------------ ranking

    def rank(
        self,
        query: Query,
        top: int = 10,
        *,
        filters: Filters | None = None,
        query_vector: np.ndarray | None = None,
        explain: bool = True,
    ) -> list[Ranked]:
        if query_vector is None and self.config.text.get("dense"):
            query_vector = self.encoder.encode([query.text])[0]
        mask = self.candidates(query, filters)
        cand = np.flatnonzero(mask)
        if not len(cand):
            return []
        raw, info = self.text_signals(query, mask, query_vector)
        total = np.zeros(len(self.experts))
        values: dict[str, np.ndarray] = {}
        for signal, weight in self.config.text.items():
            if signal not in raw or not weight:
                continue
            s = raw[signal]
            mean, std = s[cand].mean(), s[cand].std()
            z = (s - mean) / std if std > 1e-12 else np.zeros_like(s)
            values[signal] = z
            total += weight * z
        for signal, value in self.structured(query, mask).items():
            weight = self.config.structured.get(signal, 0.0)
            if weight:
                values[signal] = value
                total += weight * value
        cap = self._evidence_cap(raw, values, total)
        if cap is not None:
            total += cap
        scores = total[cand]
        k = min(top, len(cand))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(cand) else np.arange(len(cand))
        order = best[np.lexsort((best, -scores[best]))]
        ranked = []
        for i in order:
            pos = int(cand[i])
            contributions = {
                s: round(float(self._weight(s) * v[pos]), 4) for s, v in values.items()
            }
            if cap is not None and cap[pos] < 0:
                contributions[EVIDENCE_CAP] = round(float(cap[pos]), 4)
            r = Ranked(self.experts[pos], round(float(total[pos]), 4), contributions)
            if explain:
                r.details = self._details(query, pos, raw, values, info)
            ranked.append(r)
        return ranked

    def _weight(self, signal: str) -> float:
        return self.config.text.get(signal, self.config.structured.get(signal, 0.0))

    def _evidence_cap(
        self, raw: dict[str, np.ndarray], values: dict[str, np.ndarray], total: np.ndarray
    ) -> np.ndarray | None:
        """How much each expert loses to ``weak_evidence_cap`` (0 or negative), or None.

        Weak evidence: no specific keyword (the BM25 score counts only non-generic words, as
        ``generic_weight`` is 0) and no semantic support (dense z-score below
        ``semantic_support``). Such a candidate's fused score is lowered to the cap, so the order
        and the 0–100 relevance both say that words like 检查, 发现, 加工 are not a match.
        Applies only when both the BM25 and the dense signal are in the fusion."""
        cap = self.config.weak_evidence_cap
        if cap is None or "bm25" not in raw or "dense" not in values:
            return None
        keyword = raw["bm25"] > 1e-9
        semantic = values["dense"] >= self.config.semantic_support
        weak = ~(keyword | semantic) & (total > cap)
        return np.where(weak, cap - total, 0.0)

    def _details(
        self,
        query: Query,
        pos: int,
        raw: dict[str, np.ndarray],
        values: dict[str, np.ndarray],
        info: dict[str, Any],
    ) -> dict[str, Any]:
        expert = self.experts[pos]
        details: dict[str, Any] = {"text": {}}
        best_items = self._best_items(pos, info)
        for signal in ("bm25", "ngram", "dense"):
            if signal not in values:
                continue
            entry: dict[str, Any] = {
                "raw": round(float(raw[signal][pos]), 4),
                "calibrated": round(float(values[signal][pos]), 4),
            }
            best = best_items.get(signal)
            if best is not None:
                seg_no, row, extra = best
                seg = self.segments[seg_no]
                entry["item_kind"] = seg.kinds[row]
                entry["item_text"] = seg.texts[row][:120]
                title = seg.titles[row]
                if title:
                    entry["item_title"] = title
                    entry["item_description"] = seg.texts[row][len(title) :].strip()[:200]
                if extra:
                    entry["terms"] = extra
            details["text"][signal] = entry
        if query.industries and "industry" in values:
            details["industry"] = self._code_match(
                query.industries, expert.industries, self.vocab.industry_path
            )
        if query.occupations and "occupation" in values:
            details["occupation"] = self._code_match(
                query.occupations, expert.occupations, occupation_path
            )
        if query.region:
            details["region"] = {
                "relation": region_relation(query.region, expert.region, expert.regions_served),
                "expert_region": expert.region,
                "onsite": query.onsite,
            }
        details["skill_level"] = expert.skill_level
        details["min_skill_level"] = query.min_skill_level
        details["capacity"] = expert.capacity
        details["solved"] = expert.solved
        details["rating"] = expert.rating
        details["honours"] = expert.honours[:3]
        return details

    def _best_items(self, pos: int, info: dict[str, Any]) -> dict[str, tuple[int, int, list[str]]]:
        """For each text signal, the expert's item that scores best, with the matched words."""
        words: dict[int, float] = info["words"]
        grams: dict[int, float] = info["grams"]
        vector = info["vector"]
        best: dict[str, tuple[float, int, int, list[str]]] = {}
        for seg_no, row in self._expert_items[pos]:
            seg = self.segments[seg_no]
            if not seg.alive[row]:
                continue
            r = seg.bm25_rows
            cols = r.indices[r.indptr[row] : r.indptr[row + 1]]
            vals = r.data[r.indptr[row] : r.indptr[row + 1]]
            hits = [(j, v * words[j]) for j, v in zip(cols, vals, strict=True) if j in words]
            scores: dict[str, tuple[float, list[str]]] = {}
            if hits:
                inverse = self._word_list()
                hits.sort(key=lambda h: -h[1])
                terms = [inverse[int(j)] for j, _ in hits]
                terms = [t for t in terms if not self.is_generic(t)][:8]
                scores["bm25"] = (sum(h[1] for h in hits), terms)
            item_grams = {self.grams.get(g) for g in tk.char_grams(seg.texts[row])}
            shared = sum(grams[j] for j in item_grams if j is not None and j in grams)
            if shared:
                scores["ngram"] = (shared, [])
            if vector is not None:
                scores["dense"] = (float(seg.dense[row] @ vector), [])
            for signal, (value, terms) in scores.items():
                if signal not in best or value > best[signal][0]:
                    best[signal] = (value, seg_no, row, terms)
        return {s: (b[1], b[2], b[3]) for s, b in best.items()}

    def _word_list(self) -> list[str]:
        """Words by column id (grown lazily as the vocabulary grows)."""
        cached = self._words_by_id
        if len(cached) < len(self.words):
            cached.extend([""] * (len(self.words) - len(cached)))
            for w, j in self.words.items():
                cached[j] = w
        return cached

    @staticmethod
    def _code_match(query_codes: Sequence[str], expert_codes: Sequence[str], path: Any) -> dict:
        best: dict[str, Any] = {"level": 0}
        for q in query_codes:
            q_path = path(q) or [q]
            for e in expert_codes:
                e_path = set(path(e) or [e])
                shared = [c for c in q_path if c in e_path]
                if shared and len(shared) > best["level"]:
                    best = {"level": len(shared), "code": shared[-1], "query": q, "expert": e}
        return best


def _grow(values: np.ndarray, size: int) -> np.ndarray:
    if len(values) >= size:
        return values
    return np.concatenate([values, np.zeros(size - len(values), dtype=values.dtype)])


def _centroids(item_expert: np.ndarray, dense: np.ndarray) -> dict[str, Any]:
    """Per expert of a segment, the normalised mean of its item vectors (items are contiguous)."""
    if not len(item_expert):
        return {"centroid_experts": item_expert, "centroids": dense}
    starts = np.flatnonzero(np.r_[True, item_expert[1:] != item_expert[:-1]])
    sums = np.add.reduceat(dense, starts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return {"centroid_experts": item_expert[starts], "centroids": (sums / norms).astype(np.float32)}


def _tf_matrix(cols: array, ptr: array, rows: int, width: int) -> sp.csr_matrix:
    """Rows of column occurrences → CSR of counts (float64, sorted, no duplicates)."""
    indices = np.frombuffer(cols, dtype=np.int32) if len(cols) else np.zeros(0, np.int32)
    indptr = np.frombuffer(ptr, dtype=np.int64)
    matrix = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float64), indices.copy(), indptr.copy()),
        shape=(rows, width),
    )
    matrix.sum_duplicates()
    return matrix
