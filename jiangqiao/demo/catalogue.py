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

# Sections whose enterprises typically ask craftsmen for help (采矿, 制造, 电力热力燃气水, 建筑);
# every division (大类) of them has its production occupations in ``OCCUPATIONS_OF_DIVISION``.
SECTIONS = ("B", "C", "D", "E")
_MINING = ("6-16",)
_MACHINES = (
    "6-18",
)  # 机械制造基础加工人员 (车工, 铣工, 焊工 …) work in every machine-building division
#: The coherence rule of the demo: a craftsman's occupation (大典 2022 中类) must be one that the
#: employer's industry (GB/T 4754 大类) employs in production. The 大典's sixth 大类
#: (生产制造及有关人员) is organised along the same lines as GB/T 4754's section C, so the table
#: pairs them name by name; mining, utilities and construction take 6-16, 6-28 and 6-29.
OCCUPATIONS_OF_DIVISION: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("06", "07", "08", "09", "10", "11", "12"), _MINING),
    "13": ("6-01",),  # 农副食品加工业 → 农副产品加工人员
    "14": ("6-02",),  # 食品制造业 → 食品、饮料生产加工人员
    "15": ("6-02",),  # 酒、饮料和精制茶制造业
    "16": ("6-03",),  # 烟草制品业
    "17": ("6-04",),  # 纺织业
    "18": ("6-05",),  # 纺织服装、服饰业
    "19": ("6-05",),  # 皮革、毛皮、羽毛及其制品和制鞋业
    "20": ("6-06",),  # 木材加工
    "21": ("6-06",),  # 家具制造业
    "22": ("6-07",),  # 造纸和纸制品业
    "23": ("6-08",),  # 印刷和记录媒介复制业
    "24": ("6-09",),  # 文教、工美、体育和娱乐用品制造业
    "25": ("6-10",),  # 石油、煤炭及其他燃料加工业
    "26": ("6-11",),  # 化学原料和化学制品制造业
    "27": ("6-12",),  # 医药制造业
    "28": ("6-13",),  # 化学纤维制造业
    "29": ("6-14",),  # 橡胶和塑料制品业
    "30": ("6-15",),  # 非金属矿物制品业
    "31": ("6-17",),  # 黑色金属冶炼和压延加工业
    "32": ("6-17",),  # 有色金属冶炼和压延加工业
    "33": ("6-19", *_MACHINES),  # 金属制品业
    "34": ("6-20", *_MACHINES),  # 通用设备制造业
    "35": ("6-21", *_MACHINES),  # 专用设备制造业
    "36": ("6-22", *_MACHINES),  # 汽车制造业
    "37": ("6-23", *_MACHINES),  # 铁路、船舶、航空航天和其他运输设备制造业
    "38": ("6-24",),  # 电气机械和器材制造业
    "39": ("6-25",),  # 计算机、通信和其他电子设备制造业
    "40": ("6-26",),  # 仪器仪表制造业
    "41": ("6-09",),  # 其他制造业
    "42": ("6-27",),  # 废弃资源综合利用业
    "43": ("6-20", "6-21", *_MACHINES),  # 金属制品、机械和设备修理业
    **dict.fromkeys(("44", "45", "46"), ("6-28",)),  # 电力、热力、燃气、水的生产和供应
    **dict.fromkeys(("47", "48", "49", "50"), ("6-29",)),  # 建筑业
}


def occupation_fits(industry_code: str, occupation_code: str) -> bool:
    """Whether the demo's coherence rule lets a worker of ``occupation_code`` (大典 细类) work
    in ``industry_code`` (GB/T 4754 小类)."""
    return occupation_code.startswith(OCCUPATIONS_OF_DIVISION.get(industry_code[:2], ("none",)))


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
# Occupations of production (大典 大类 6), the ones ``OCCUPATIONS_OF_DIVISION`` pairs with industries.
OCCUPATION_GROUPS = ("6-",)
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


# Quotation marks and 书名号 inside a task: dropped, since demo texts put the task in “…”
# and cut it short (a cut must never leave half a pair behind).
QUOTES = re.compile("[“”‘’「」『』《》〈〉\"']")


def split_tasks(tasks: str) -> list[str]:
    parts = [QUOTES.sub("", p).strip(" 。；;") for p in TASK_SPLIT.split(tasks or "") if p.strip()]
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
                if occupation_fits(code, occs[i].code):
                    scores[i] += idf[bg] * (2.0 if bg in name_grams[i] else 1.0)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], occs[kv[0]].code))[:per_industry]
        if best and best[0][1] >= 6.0:
            result.append(Industry(code, name, description, [occs[i] for i, _ in best]))
    return result
