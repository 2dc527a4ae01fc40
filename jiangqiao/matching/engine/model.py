"""Plain data the engine works on: experts (craftsmen with their evidence) and queries (demands).

Both are built from dicts (the JSON Lines of the command line, or the app's rows) by
:func:`expert_from_dict` / :func:`query_from_dict`, which check every field and raise
:class:`InputError` naming the field in Chinese. Unknown fields are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jiangqiao.text import normalize


class InputError(ValueError):
    """A field of an input record is wrong; ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"【{field}】{message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Evidence:
    """One piece of an expert's evidence, scored on its own (profile, a service item, a case…)."""

    kind: str  # profile | expertise | skill | service_item | case | course | honour
    text: str
    # The item's name when ``text`` begins with it (a service item's title, the expertise tags):
    # explanations quote it in 《》 and the rest apart in 「」, never the two run together.
    title: str = ""


#: Chinese names of the evidence kinds, for explanations.
EVIDENCE_LABELS = {
    "profile": "个人简介",
    "expertise": "专长",
    "skill": "技能",
    "service_item": "服务项目",
    "case": "解决案例",
    "course": "培训课程",
    "honour": "荣誉",
}


@dataclass
class Expert:
    id: str
    name: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    occupations: list[str] = field(default_factory=list)
    region: str = ""
    regions_served: list[str] = field(default_factory=list)
    cross_region: bool = True
    skill_level: int | None = None  # national scale, 1 = 高级技师 (most senior) … 5 = 初级工
    honours: list[str] = field(default_factory=list)
    capacity: int | None = None  # services the expert can still take; None = not stated
    modes: list[str] = field(default_factory=list)
    employer_uscc: str = ""
    solved: int = 0  # services completed
    rating: float | None = None  # mean rating 1–5 of completed services


@dataclass
class Query:
    id: str
    title: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    occupations: list[str] = field(default_factory=list)
    region: str = ""
    onsite: bool | None = None
    min_skill_level: int | None = None
    kind: str = ""
    modes: list[str] = field(default_factory=list)
    employer_uscc: str = ""

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.title, self.title, self.description, *self.tags) if p)


_INDUSTRY = re.compile(r"^(?:[A-T]|\d{2,4})$")
_OCCUPATION = re.compile(r"^\d(?:-\d{2}){1,3}$")
_REGION = re.compile(r"^\d{6}$")


def _text(record: Mapping[str, Any], name: str, limit: int = 20000) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(name, "应为文本")
    if len(value) > limit:
        raise InputError(name, f"过长（{len(value)} 字，最多 {limit} 字）")
    return normalize(value)


def _text_list(record: Mapping[str, Any], name: str, limit: int = 200) -> list[str]:
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(name, "应为文本数组")
    if len(value) > limit:
        raise InputError(name, f"条目过多（{len(value)} 条，最多 {limit} 条）")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InputError(f"{name}[{i}]", "应为文本")
        item = normalize(item)
        if item:
            out.append(item)
    return out


def _int(record: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(name, "应为整数")
    if not low <= value <= high:
        raise InputError(name, f"应在 {low}–{high} 之间，收到 {value}")
    return value


def _codes(
    record: Mapping[str, Any], name: str, pattern: re.Pattern[str], known: Any, noun: str
) -> list[str]:
    value = record.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InputError(name, f"应为{noun}代码数组")
    out: list[str] = []
    for item in value:
        code = str(item).strip().upper() if isinstance(item, (str, int)) else ""
        if not code or not pattern.match(code) or (known is not None and code not in known):
            raise InputError(name, f"未知的{noun}代码：{item!r}")
        if code not in out:
            out.append(code)
    return out


def _region(record: Mapping[str, Any], name: str, known: Any) -> str:
    value = record.get(name)
    if value is None or value == "":
        return ""
    code = str(value).strip()
    if not _REGION.match(code) or (known is not None and code not in known):
        raise InputError(name, f"未知的行政区划代码：{value!r}")
    return code


def _id(record: Mapping[str, Any]) -> str:
    value = record.get("id")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError("id", "缺少编号")
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InputError("id", "编号应为文本")
    return str(value).strip()


def expert_from_dict(record: Mapping[str, Any], vocab: Any = None) -> Expert:
    """Build an :class:`Expert`; ``vocab`` (a :class:`~.vocab.Vocabulary`) checks codes."""
    if not isinstance(record, Mapping):
        raise InputError("(整行)", "应为 JSON 对象")
    evidence: list[Evidence] = []
    title = _text(record, "title", 500)
    expertise = _text(record, "expertise")
    bio = _text(record, "bio")
    name = _text(record, "name", 100)
    if title or expertise:
        evidence.append(
            Evidence("expertise", " ".join(p for p in (title, expertise) if p), title=title)
        )
    if bio:
        evidence.append(Evidence("profile", bio))
    skills = _text_list(record, "skills")
    if skills:
        evidence.append(Evidence("skill", "、".join(skills)))
    for case in _text_list(record, "cases"):
        evidence.append(Evidence("case", case))
    for course in _text_list(record, "courses"):
        evidence.append(Evidence("course", course))
    items = record.get("service_items")
    if items is not None:
        if not isinstance(items, list):
            raise InputError("service_items", "应为对象数组")
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise InputError(f"service_items[{i}]", "应为对象")
            item_title = _text(item, "title", 500)
            if not item_title:
                raise InputError(f"service_items[{i}].title", "缺少服务项目名称")
            desc = _text(item, "description")
            evidence.append(
                Evidence("service_item", f"{item_title} {desc}".strip(), title=item_title)
            )
    honours = _text_list(record, "honours")
    capacity = _int(record, "capacity", 0, 10000)
    known = vocab
    return Expert(
        id=_id(record),
        name=name,
        evidence=evidence,
        tags=_text_list(record, "tags"),
        industries=_codes(
            record, "industries", _INDUSTRY, known.industries if known else None, "行业"
        ),
        occupations=_codes(
            record, "occupations", _OCCUPATION, known.occupations if known else None, "职业"
        ),
        region=_region(record, "region", known.regions if known else None),
        regions_served=[
            _region({"regions_served": c}, "regions_served", known.regions if known else None)
            for c in _list(record, "regions_served")
        ],
        cross_region=bool(record.get("cross_region", True)),
        skill_level=_int(record, "skill_level", 1, 5),
        honours=honours,
        capacity=capacity,
        modes=_text_list(record, "modes"),
        employer_uscc=_text(record, "employer_uscc", 18).upper(),
        solved=_int(record, "solved", 0, 100000) or 0,
        rating=_rating(record),
    )


def _list(record: Mapping[str, Any], name: str) -> list[Any]:
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(name, "应为数组")
    return value


def _rating(record: Mapping[str, Any]) -> float | None:
    value = record.get("rating")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 5:
        raise InputError("rating", "应为 1–5 之间的数")
    return float(value)


def query_from_dict(record: Mapping[str, Any], vocab: Any = None) -> Query:
    if not isinstance(record, Mapping):
        raise InputError("(整行)", "应为 JSON 对象")
    onsite = record.get("onsite")
    if onsite is not None and not isinstance(onsite, bool):
        raise InputError("onsite", "应为 true 或 false")
    query = Query(
        id=_id(record),
        title=_text(record, "title", 500),
        description=_text(record, "description"),
        tags=_text_list(record, "tags"),
        industries=_codes(
            record, "industries", _INDUSTRY, vocab.industries if vocab else None, "行业"
        ),
        occupations=_codes(
            record, "occupations", _OCCUPATION, vocab.occupations if vocab else None, "职业"
        ),
        region=_region(record, "region", vocab.regions if vocab else None),
        onsite=onsite,
        min_skill_level=_int(record, "min_skill_level", 1, 5),
        kind=_text(record, "kind", 50),
        modes=_text_list(record, "modes"),
        employer_uscc=_text(record, "employer_uscc", 18).upper(),
    )
    if not query.text.strip():
        raise InputError("title", "标题、描述和标签不能都为空")
    return query


def unique_ids(records: Iterable[Expert | Query]) -> list[str]:
    """Ids that occur more than once, in order of their second occurrence."""
    seen: set[str] = set()
    dupes: list[str] = []
    for r in records:
        if r.id in seen and r.id not in dupes:
            dupes.append(r.id)
        seen.add(r.id)
    return dupes
