"""Pairs of industries and occupations built from the reference data, for plausible demo texts.

Each GB/T 4754 小类 of the manufacturing-heavy sections is paired with the 大典 2022 occupations
whose names and definitions share the most character bigrams with the industry's name and 说明.
The occupation's 主要工作任务 then supply concrete process steps ("操作碾米、抛光、色选设备…"), so a
cement plant's problems read differently from a rice mill's.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

# Sections whose enterprises typically ask craftsmen for help (制造, 采矿, 电力, 建筑, 交通, 信息…).
SECTIONS = ("B", "C", "D", "E", "G", "I", "M")
STOP_BIGRAMS = {
    "制造",
    "生产",
    "活动",
    "包括",
    "人员",
    "工作",
    "设备",
    "操作",
    "进行",
    "其他",
    "以及",
    "制作",
    "加工",
    "设计",
    "技术",
    "工程",
    "使用",
    "相关",
    "产品",
    "服务",
    "管理",
}
# 大典 marks green (L) and digital (S) occupations with a trailing letter; drop it in texts.
MARKER = re.compile(r"[SL]+$")
# Occupation groups that serve enterprises' production (2-02 engineering, 4 services, 6 production).
OCCUPATION_GROUPS = ("2-02", "4-", "6-")
TASK_SPLIT = re.compile(r"\s*\d+\.\s*")


@dataclass
class Occupation:
    code: str
    name: str
    definition: str
    tasks: list[str]


@dataclass
class Industry:
    code: str
    name: str
    description: str
    occupations: list[Occupation] = field(default_factory=list)

    @property
    def product(self) -> str:
        """A short product word: 水泥制造 → 水泥, 汽车零部件及配件制造 → 汽车零部件及配件."""
        name = self.name
        for suffix in ("制造", "加工", "生产", "开采", "服务", "业"):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                return name[: -len(suffix)]
        return name


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in itertools.pairwise(chars)} - STOP_BIGRAMS


def split_tasks(tasks: str) -> list[str]:
    parts = [p.strip(" 。；;") for p in TASK_SPLIT.split(tasks or "") if p.strip()]
    return [p for p in parts if 6 <= len(p) <= 80]


def build(
    industries: list[tuple[str, str, str]],
    occupations: list[tuple[str, str, str, str]],
    *,
    per_industry: int = 4,
) -> list[Industry]:
    """``industries``: (code, name, description) of 小类; ``occupations``: (code, name, definition, tasks)."""
    occs = [
        Occupation(code, MARKER.sub("", name), definition, split_tasks(tasks))
        for code, name, definition, tasks in occupations
        if split_tasks(tasks) and code.startswith(OCCUPATION_GROUPS)
    ]
    index: dict[str, list[int]] = defaultdict(list)
    for i, occ in enumerate(occs):
        for bg in _bigrams(occ.name) | _bigrams(occ.definition):
            index[bg].append(i)
    # Rare bigrams say more than common ones (IDF weighting); the occupation's own name counts double.
    idf = {bg: math.log(len(occs) / len(ids)) for bg, ids in index.items()}
    name_grams = [_bigrams(occ.name) for occ in occs]
    result = []
    for code, name, description in industries:
        grams = _bigrams(name) | _bigrams(description)
        scores: dict[int, float] = defaultdict(float)
        for bg in grams:
            for i in index.get(bg, ()):
                scores[i] += idf[bg] * (2.0 if bg in name_grams[i] else 1.0)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], occs[kv[0]].code))[:per_industry]
        if best and best[0][1] >= 6.0:
            result.append(Industry(code, name, description, [occs[i] for i, _ in best]))
    return result
