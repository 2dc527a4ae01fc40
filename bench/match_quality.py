"""Matching quality on the CSL development set: every signal alone, the fusion, and plain jieba + BM25.

Tasks (bench/data/csl-dev, 1,000 Chinese paper records with 13 categories and 67 disciplines):

* **Expert retrieval.** Each paper's title + keywords is an expert's short profile; each paper's
  abstract is a demand. For every demand, the other papers' experts are ranked (the paper's own
  profile is excluded). Graded relevance: 2 = same discipline, 1 = same category. nDCG@10, P@10
  (same discipline), MRR (first same-discipline expert).
* **Routing.** The 67 disciplines are experts whose evidence items are the title + keywords of the
  papers of the *tuning* half; abstracts of the *report* half are routed to a discipline.
  acc@1 and MRR, for each way of aggregating an expert's items (max, mean, max+mean, best two).

The data is split once, seeded, into a tuning half and a report half. Fusion weights are chosen on
the tuning half (``--tune``) and every figure below is measured on the report half.

    .venv/bin/python bench/match_quality.py            # report (≈ 1 min with cached embeddings)
    .venv/bin/python bench/match_quality.py --tune     # also grid-search the text weights

Embeddings are cached in bench/out/embeddings-*.npz (the first run encodes ≈ 2,000 texts).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiangqiao.matching.engine.dense import USEEncoder  # noqa: E402
from jiangqiao.matching.engine.fusion import DEFAULT, FusionConfig  # noqa: E402
from jiangqiao.matching.engine.index import MatchIndex  # noqa: E402
from jiangqiao.matching.engine.model import Evidence, Expert, Query  # noqa: E402
from jiangqiao.matching.engine.vocab import load_vocabulary  # noqa: E402
from jiangqiao.text import normalize  # noqa: E402

DATA = ROOT / "bench" / "data" / "csl-dev" / "papers.csv"
OUT = ROOT / "bench" / "out"
SEED = 20261122


class CachedEncoder:
    """Wraps an encoder with an on-disk cache keyed by the text's hash (benchmark reruns)."""

    def __init__(self, inner: USEEncoder, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.path = path
        self.cache: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path)
            self.cache = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        self.seconds = 0.0
        self.encoded = 0

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if self.key(t) not in self.cache]
        if missing:
            started = time.perf_counter()
            vectors = self.inner.encode(missing)
            self.seconds += time.perf_counter() - started
            self.encoded += len(missing)
            for t, v in zip(missing, vectors, strict=True):
                self.cache[self.key(t)] = v
        return np.vstack([self.cache[self.key(t)] for t in texts])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.cache)
        np.savez(self.path, keys=np.array(keys), vectors=np.vstack([self.cache[k] for k in keys]))


def load() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def split(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    half = len(rows) // 2
    return [rows[i] for i in order[:half]], [rows[i] for i in order[half:]]


def profile(row: dict[str, str]) -> str:
    return normalize(row["title"] + " " + row["keywords"].replace("_", " "))


# --------------------------------------------------------------------------- metrics


def gains(query: dict[str, str], expert: dict[str, str]) -> int:
    if expert["discipline"] == query["discipline"]:
        return 2
    return 1 if expert["category"] == query["category"] else 0


def retrieval_metrics(
    rows: list[dict[str, str]], rankings: dict[str, list[str]]
) -> dict[str, float]:
    by_id = {r["idx"]: r for r in rows}
    ndcg, p10, mrr = [], [], []
    for qid, ranking in rankings.items():
        q = by_id[qid]
        g = [gains(q, by_id[e]) for e in ranking]
        dcg = sum((2**x - 1) / math.log2(i + 2) for i, x in enumerate(g[:10]))
        ideal = sorted((gains(q, r) for r in rows if r["idx"] != qid), reverse=True)[:10]
        idcg = sum((2**x - 1) / math.log2(i + 2) for i, x in enumerate(ideal))
        ndcg.append(dcg / idcg if idcg else 0.0)
        p10.append(sum(1 for x in g[:10] if x == 2) / 10)
        first = next((i for i, x in enumerate(g) if x == 2), None)
        mrr.append(1 / (first + 1) if first is not None else 0.0)
    return {
        "ndcg@10": round(float(np.mean(ndcg)), 4),
        "p@10": round(float(np.mean(p10)), 4),
        "mrr": round(float(np.mean(mrr)), 4),
    }


# --------------------------------------------------------------------------- baseline


def plain_bm25_scores(
    docs_text: list[str], queries: list[str], k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    """Plain jieba (default dictionary, no stop words) + BM25: the reference point."""
    import jieba

    jieba.setLogLevel(60)

    def tokens(text: str) -> list[str]:
        return [w for w in jieba.lcut(text) if re.search(r"\w", w)]

    docs = [Counter(tokens(t)) for t in docs_text]
    lengths = np.array([sum(d.values()) for d in docs], dtype=float)
    avg = lengths.mean()
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
    out = np.zeros((len(queries), n))
    for i, text in enumerate(queries):
        q = Counter(tokens(text))
        for j, d in enumerate(docs):
            s = 0.0
            for w in q:
                f = d.get(w)
                if f:
                    s += idf[w] * f * (k1 + 1) / (f + k1 * (1 - b + b * lengths[j] / avg))
            out[i, j] = s
    return out


def plain_bm25(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    scores = plain_bm25_scores([profile(r) for r in rows], [normalize(r["abstract"]) for r in rows])
    np.fill_diagonal(scores, -np.inf)
    return {
        r["idx"]: [rows[j]["idx"] for j in np.argsort(-scores[i], kind="stable")[:100]]
        for i, r in enumerate(rows)
    }


def routing_from_scores(
    report: list[dict[str, str]], names: list[str], scores: np.ndarray
) -> dict[str, float]:
    hits, rr = [], []
    for r, row in zip(report, scores, strict=True):
        order = [names[j] for j in np.argsort(-row, kind="stable")]
        hits.append(1.0 if order[0] == r["discipline"] else 0.0)
        rr.append(1 / (order.index(r["discipline"]) + 1) if r["discipline"] in order else 0.0)
    return {"acc@1": round(float(np.mean(hits)), 4), "mrr": round(float(np.mean(rr)), 4)}


def routing_baselines(
    tune: list[dict[str, str]], report: list[dict[str, str]], encoder: CachedEncoder
) -> dict[str, dict[str, float]]:
    """Plain BM25 over one concatenated profile per discipline, and the dense centroid."""
    names = sorted({r["discipline"] for r in tune})
    members = {d: [profile(r) for r in tune if r["discipline"] == d] for d in names}
    queries = [normalize(r["abstract"]) for r in report]
    concatenated = [" ".join(members[d]) for d in names]
    out = {
        "plain jieba + BM25, concatenated profile": routing_from_scores(
            report, names, plain_bm25_scores(concatenated, queries)
        )
    }
    centroids = np.vstack([encoder.encode(members[d]).mean(axis=0) for d in names])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    out["dense / centroid"] = routing_from_scores(
        report, names, encoder.encode(queries) @ centroids.T
    )
    return out


# --------------------------------------------------------------------------- engine runs


def retrieval_index(
    rows: list[dict[str, str]], encoder: CachedEncoder, config: FusionConfig
) -> MatchIndex:
    index = MatchIndex(encoder, load_vocabulary(), config)
    index.add([Expert(id=r["idx"], evidence=[Evidence("expertise", profile(r))]) for r in rows])
    return index


def run_retrieval(
    rows: list[dict[str, str]], encoder: CachedEncoder, config: FusionConfig
) -> dict[str, list[str]]:
    index = retrieval_index(rows, encoder, config)
    queries = [Query(id=r["idx"], description=normalize(r["abstract"])) for r in rows]
    vectors = encoder.encode([q.text for q in queries])
    out = {}
    for q, v in zip(queries, vectors, strict=True):
        ranked = index.rank(q, 100, query_vector=v, explain=False)
        out[q.id] = [r.expert.id for r in ranked if r.expert.id != q.id]
    return out


def run_routing(
    tune: list[dict[str, str]],
    report: list[dict[str, str]],
    encoder: CachedEncoder,
    config: FusionConfig,
) -> dict[str, float]:
    disciplines: dict[str, list[Evidence]] = {}
    for r in tune:
        disciplines.setdefault(r["discipline"], []).append(Evidence("case", profile(r)))
    index = MatchIndex(encoder, load_vocabulary(), config)
    index.add([Expert(id=d, evidence=items) for d, items in sorted(disciplines.items())])
    queries = [Query(id=r["idx"], description=normalize(r["abstract"])) for r in report]
    vectors = encoder.encode([q.text for q in queries])
    hits, rr = [], []
    for r, q, v in zip(report, queries, vectors, strict=True):
        ranked = [
            x.expert.id for x in index.rank(q, len(disciplines), query_vector=v, explain=False)
        ]
        hits.append(1.0 if ranked and ranked[0] == r["discipline"] else 0.0)
        rr.append(1 / (ranked.index(r["discipline"]) + 1) if r["discipline"] in ranked else 0.0)
    return {"acc@1": round(float(np.mean(hits)), 4), "mrr": round(float(np.mean(rr)), 4)}


def only(signals: dict[str, float]) -> FusionConfig:
    return replace(DEFAULT, text=signals, structured={})


def tune_weights(
    tune: list[dict[str, str]], encoder: CachedEncoder
) -> list[tuple[dict[str, float], float]]:
    grid = [0.0, 0.5, 1.0, 2.0]
    results = []
    for bm25, ngram, dense in itertools.product(grid, grid, [1.0, 2.0, 3.0, 4.0]):
        weights = {"bm25": bm25, "ngram": ngram, "dense": dense}
        score = retrieval_metrics(tune, run_retrieval(tune, encoder, only(weights)))["ndcg@10"]
        results.append((weights, score))
    results.sort(key=lambda x: -x[1])
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--tune", action="store_true", help="grid-search the text weights on the tuning half"
    )
    parser.add_argument("--out", default=str(OUT / "match_quality.json"))
    args = parser.parse_args()

    rows = load()
    tune, report = split(rows)
    encoder = CachedEncoder(USEEncoder(), OUT / "embeddings-use.npz")
    results: dict[str, object] = {"split": {"tune": len(tune), "report": len(report), "seed": SEED}}
    started = time.perf_counter()

    if args.tune:
        grid = tune_weights(tune, encoder)
        results["tuning"] = [{"weights": w, "ndcg@10": s} for w, s in grid[:10]]
        print("best weights on the tuning half:", grid[0])

    table: dict[str, dict[str, float]] = {}
    table["plain jieba + BM25 (baseline)"] = retrieval_metrics(report, plain_bm25(report))
    for name, weights in [
        ("bm25 (engine: user dictionary, stop words)", {"bm25": 1.0}),
        ("char 1-2-gram TF-IDF", {"ngram": 1.0}),
        ("dense USE-m3", {"dense": 1.0}),
        (f"fusion {DEFAULT.version} {DEFAULT.text}", DEFAULT.text),
    ]:
        table[name] = retrieval_metrics(report, run_retrieval(report, encoder, only(weights)))
    results["retrieval"] = table
    base = table["plain jieba + BM25 (baseline)"]["ndcg@10"]
    fused = table[f"fusion {DEFAULT.version} {DEFAULT.text}"]["ndcg@10"]
    results["fusion_vs_baseline"] = round(fused / base - 1, 4)

    routing: dict[str, dict[str, float]] = dict(routing_baselines(tune, report, encoder))
    for signal in ("bm25", "ngram", "dense"):
        for how in ("max", "mean", "max_mean", "top2"):
            cfg = replace(only({signal: 1.0}), aggregate=how, dense_aggregate="items")
            routing[f"{signal} / {how}"] = run_routing(tune, report, encoder, cfg)
    routing["dense / centroid (engine)"] = run_routing(
        tune, report, encoder, replace(only({"dense": 1.0}), dense_aggregate="centroid")
    )
    for how in ("max", "mean", "max_mean", "top2"):
        cfg = replace(only(DEFAULT.text), aggregate=how, dense_aggregate="items")
        routing[f"fusion / {how}, dense per item"] = run_routing(tune, report, encoder, cfg)
    for how in ("max", "mean", "max_mean", "top2"):
        cfg = replace(only(DEFAULT.text), aggregate=how, dense_aggregate="centroid")
        routing[f"fusion / {how}, dense centroid"] = run_routing(tune, report, encoder, cfg)
    results["routing"] = routing
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["encoded"] = {"texts": encoder.encoded, "seconds": round(encoder.seconds, 1)}
    encoder.save()

    print(f"expert retrieval on the report half ({len(report)} papers):")
    for name, m in table.items():
        print(f"  {name:60} nDCG@10 {m['ndcg@10']:.3f}  P@10 {m['p@10']:.3f}  MRR {m['mrr']:.3f}")
    print(f"  fusion vs plain BM25: {results['fusion_vs_baseline']:+.1%} nDCG@10")
    print("routing to disciplines (profiles from the tuning half):")
    for name, m in routing.items():
        print(f"  {name:42} acc@1 {m['acc@1']:.3f}  MRR {m['mrr']:.3f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"details: {args.out} ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
