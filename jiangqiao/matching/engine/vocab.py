"""Code vocabularies for the engine, read straight from the reference data files (no Django).

The files are the platform's own copies in ``jiangqiao/taxonomy/data/`` (provenance there):
GB/T 4754-2017 industries, GB/T 2260 divisions and the 2022 occupation classification. The engine
uses them to check codes, to walk code hierarchies (same 小类 > 中类 > 大类 > 门类) and to name
codes in explanations; the names also feed the word segmenter as a user dictionary.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "taxonomy" / "data"

INDUSTRY_LEVELS = {1: "门类", 2: "大类", 3: "中类", 4: "小类"}
OCCUPATION_LEVELS = {1: "大类", 2: "中类", 3: "小类", 4: "细类"}


@dataclass
class Vocabulary:
    industries: dict[str, str] = field(default_factory=dict)  # code → name
    industry_parent: dict[str, str] = field(default_factory=dict)
    occupations: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)

    def industry_path(self, code: str) -> list[str]:
        """``3461`` → ``['C', '34', '346', '3461']`` (root first)."""
        path = []
        seen = set()
        while code and code not in seen:
            seen.add(code)
            path.append(code)
            code = self.industry_parent.get(code, "")
        return path[::-1]

    def terms(self) -> list[str]:
        """Words for the segmenter: industry and occupation names (without 其他… catch-alls)."""
        words = set()
        for name in (*self.industries.values(), *self.occupations.values()):
            for part in name.replace("（", "、").replace("）", "、").split("、"):
                part = part.strip()
                if 2 <= len(part) <= 12 and not part.startswith("其他") and "和" not in part:
                    words.add(part)
        return sorted(words)


def occupation_path(code: str) -> list[str]:
    """``6-28-01-01`` → ``['6-00-00-00', '6-28-00-00', '6-28-01-00', '6-28-01-01']``."""
    parts = code.split("-")
    parts += ["00"] * (4 - len(parts))
    path = []
    for depth in range(1, 5):
        if depth > 1 and parts[depth - 1] == "00":
            break
        path.append("-".join(parts[:depth] + ["00"] * (4 - depth)))
    return path


@lru_cache(maxsize=2)
def load_vocabulary(data_dir: Path = DATA_DIR) -> Vocabulary:
    vocab = Vocabulary()
    with (data_dir / "industry_gbt4754_2017.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            vocab.industries[row["code"]] = row["name"]
            if row["parent_code"]:
                vocab.industry_parent[row["code"]] = row["parent_code"]
    with (data_dir / "occupations_2022.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            vocab.occupations.setdefault(row["code"], row["name"])
    with (data_dir / "divisions_gbt2260.json").open(encoding="utf-8") as f:
        for _level, code, _parent, name in json.load(f)["divisions"]:
            vocab.regions[code] = name
    return vocab
