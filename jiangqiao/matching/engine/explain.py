"""Explanations: why an expert ranks where it does, as data (API, command line) and in Chinese (UI).

``why`` holds the contribution of every signal (weight × calibrated value, summing to the score),
the evidence behind the text signals (the best-matching item and the matched words), the matching
industry/occupation code and at which level, the region relation, skill level, capacity and
track record. ``why["summary"]`` is the same in one Chinese sentence per point.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fusion import SIGNAL_LABELS, FusionConfig
from .index import Ranked
from .model import EVIDENCE_LABELS, Query
from .tokens import GENERIC_WORDS
from .vocab import INDUSTRY_LEVELS, OCCUPATION_LEVELS, Vocabulary

REGION_LABELS = {
    "covers": "服务地区覆盖需求所在地",
    "county": "同一区县",
    "city": "同一地市",
    "province": "同一省份",
    "none": "不在同一省份",
}
SKILL_NAMES = {
    1: "一级/高级技师",
    2: "二级/技师",
    3: "三级/高级工",
    4: "四级/中级工",
    5: "五级/初级工",
}


def why(ranked: Ranked, query: Query, vocab: Vocabulary, config: FusionConfig) -> dict[str, Any]:
    d = ranked.details
    contributions = [
        {
            "signal": signal,
            "label": SIGNAL_LABELS.get(signal, signal),
            "weight": config.text.get(signal, config.structured.get(signal, 1.0)),
            "contribution": value,
        }
        for signal, value in sorted(ranked.contributions.items(), key=lambda kv: -abs(kv[1]))
    ]
    out: dict[str, Any] = {"fusion_version": config.version, "contributions": contributions}
    text = d.get("text", {})
    evidence = {}
    for signal, entry in text.items():
        item = {k: entry[k] for k in ("raw", "calibrated") if k in entry}
        if "item_kind" in entry:
            item["item_kind"] = entry["item_kind"]
            item["item_label"] = EVIDENCE_LABELS.get(entry["item_kind"], entry["item_kind"])
            item["item_text"] = entry["item_text"]
            for key in ("item_title", "item_description"):
                if entry.get(key):
                    item[key] = entry[key]
        if entry.get("terms"):
            item["terms"] = entry["terms"]
        evidence[signal] = item
    out["evidence"] = evidence
    if "industry" in d:
        out["industry"] = _code_entry(d["industry"], vocab.industries, INDUSTRY_LEVELS)
    if "occupation" in d:
        out["occupation"] = _code_entry(d["occupation"], vocab.occupations, OCCUPATION_LEVELS)
    if "region" in d:
        region = d["region"]
        out["region"] = {
            "relation": region["relation"],
            "label": REGION_LABELS[region["relation"]],
            "expert_region": region["expert_region"],
            "expert_region_name": vocab.regions.get(region["expert_region"], ""),
        }
    out["skill_level"] = d.get("skill_level")
    out["capacity"] = d.get("capacity")
    out["track_record"] = {"solved": d.get("solved", 0), "rating": d.get("rating")}
    out["summary"] = summary(out, d, query)
    out["summary_public"] = summary(out, d, query, public=True)
    return out


def _code_entry(match: dict[str, Any], names: dict[str, str], levels: dict[int, str]) -> dict:
    if not match.get("level"):
        return {"level": 0, "label": "无相同分类"}
    code = match["code"]
    return {
        "level": match["level"],
        "level_name": levels.get(match["level"], ""),
        "code": code,
        "name": names.get(code, ""),
        "query_code": match["query"],
        "expert_code": match["expert"],
        "label": f"同{levels.get(match['level'], '')} {code} {names.get(code, '')}".strip(),
    }


def summary(
    out: dict[str, Any], details: dict[str, Any], query: Query, *, public: bool = False
) -> list[str]:
    """One Chinese sentence per point. ``public=True``: quote only items that the craftsman's
    consent makes public (service items, skills); other items are named, not quoted."""
    lines = []
    if any(c["signal"] == "evidence_cap" for c in out["contributions"]):
        lines.append("证据不足：除通用词外没有匹配的关键词，语义也不接近，匹配度封顶")
    bm25 = out["evidence"].get("bm25", {})
    terms = [t for t in bm25.get("terms", []) if t not in GENERIC_WORDS][:5]
    if terms:
        lines.append(f"关键词“{'、'.join(terms)}”见于{_quote(bm25, public, terms)}")
    dense = out["evidence"].get("dense", {})
    if dense.get("item_text") and dense.get("calibrated", 0) > 1:
        lines.append(f"语义最接近的是{_quote(dense, public)}")
    if "industry" in out:
        lines.append(f"行业：{out['industry']['label']}")
    if "occupation" in out and out["occupation"].get("level"):
        lines.append(f"职业：{out['occupation']['label']}")
    if "region" in out:
        name = out["region"]["expert_region_name"]
        where = (
            f"（工匠常驻{name}）"
            if name and out["region"]["relation"] != "county"
            else (f"（{name}）" if name else "")
        )
        lines.append(f"地区：{out['region']['label']}{where}")
    level = out.get("skill_level")
    if level:
        text = f"技能等级：{SKILL_NAMES.get(level, level)}"
        if query.min_skill_level and level > query.min_skill_level:
            text += f"，低于要求的{SKILL_NAMES.get(query.min_skill_level)}"
        lines.append(text)
    capacity = out.get("capacity")
    if capacity is not None:
        lines.append("已无承接余量" if capacity <= 0 else f"还可承接 {capacity} 项服务")
    record = out["track_record"]
    if record["solved"]:
        rating = f"，平均评分 {record['rating']:.1f}" if record["rating"] is not None else ""
        lines.append(f"已完成服务 {record['solved']} 项{rating}")
    if details.get("honours"):
        lines.append("荣誉：" + "、".join(details["honours"]))
    return lines


#: Evidence kinds whose text may be quoted to a user outside the craftsman's unit (the consent
#: 公开展示个人档案 covers name, employer, skill level, honours and service items — not the bio).
PUBLIC_KINDS = frozenset({"service_item", "skill"})

_OPENERS = "“‘《（(「『【〈[〔"
_CLOSERS = {"“": "”", "‘": "’", "《": "》", "（": "）", "(": ")", "「": "」", "『": "』", "【": "】",
            "〈": "〉", "[": "]", "〔": "〕"}  # fmt: skip
_CLAUSE_END = "。；！？;!?"
_PHRASE_END = "，、：,:" + _CLAUSE_END
_TRAILING = _PHRASE_END + " …" + _OPENERS
#: Function words a quoted phrase must not end on.
_DANGLING_TEXT = """
    的 地 得 了 着 和 与 及 或 在 对 是 为 以 其 并 将 从 由 被 于 把 而 就 都 又 这 那 之 该 此
    向 给 用 如 即 每 各 以及 并且 或者 如果 因为 所以 通过 针对 围绕 关于 按照 根据 包括 等
    """
_DANGLING = frozenset(_DANGLING_TEXT.split())


def _quote(entry: dict[str, Any], public: bool, terms: Sequence[str] = ()) -> str:
    """The item named in a reason: 服务项目《title》, plus 「snippet」 of its description when the
    matched ``terms`` are found there and not in the title. An item without a title (bio, skills)
    is quoted whole in 《》. Title and description are never run together (issue 14)."""
    label = entry.get("item_label", "档案")
    if public and entry.get("item_kind") not in PUBLIC_KINDS:
        return label
    title = entry.get("item_title", "")
    if not title:
        return f"{label}《{clip_phrase(entry.get('item_text', ''))}》"
    quoted = f"{label}《{clip_phrase(title, TITLE_SIZE)}》"
    snippet = description_snippet(
        entry.get("item_description", ""), [t for t in terms if t not in title]
    )
    return f"{quoted}「{snippet}」" if snippet else quoted


#: Longest quoted title and description snippet (characters, before the ellipsis).
TITLE_SIZE = 30
SNIPPET_SIZE = 30


def description_snippet(description: str, terms: Sequence[str], size: int = SNIPPET_SIZE) -> str:
    """The phrase of ``description`` where the first of ``terms`` occurs, cut on a phrase boundary
    (``clip_phrase``); a leading ellipsis when it does not start the description. "" when no term
    occurs in it."""
    text = " ".join(description.split())
    folded = text.casefold()
    found = [at for at in (folded.find(t.casefold()) for t in terms if t) if at >= 0]
    if not found:
        return ""
    at = min(found)
    start = max((i + 1 for i, c in enumerate(text[:at]) if c in _SNIPPET_START), default=0)
    if at - start > size // 2:
        start = at  # a term is a whole word: starting on it cuts nothing
    piece = _drop_unopened(clip_phrase(text[start:], size))
    return ("…" if start else "") + piece


def _drop_unopened(text: str) -> str:
    """Without closing marks whose opening mark lies before the snippet (”的操作 → 的操作)."""
    openers: list[str] = []
    out = []
    for c in text:
        if c in _OPENERS:
            openers.append(c)
        elif c in _CLOSERS.values():
            if not openers or _CLOSERS[openers[-1]] != c:
                continue
            openers.pop()
        out.append(c)
    return "".join(out)


_SNIPPET_START = "。；！？;!?，,：:"


def clip_phrase(text: str, size: int = 40, *, depth: int = 0, mark: str = "…") -> str:
    """``text`` cut to at most ``size`` characters on a phrase boundary, quotes balanced.

    The cut is made after the last clause mark (。；！？) within ``size``, else after the last
    phrase mark (，、：), else after the last whole word (jieba) — never in the first third, never
    inside an open quote or bracket, never after a function word (的, 在, 针对 …). Failing all
    of these, an opening quote or bracket without its closing mark is dropped together with what
    follows it. Nested 《》 become 〈〉 (the caller wraps the text in 《》). ``mark`` (an ellipsis
    by default) marks that the item goes on; the demo generator cuts titles with ``mark=""``.
    """
    text = " ".join(text.split()).replace("《", "〈").replace("》", "〉")
    if len(text) <= size:
        return _balanced(text)
    head = text[:size]
    floor = size // 3
    clause = [i + 1 for i, c in enumerate(head) if c in _CLAUSE_END]
    phrase = [i + 1 for i, c in enumerate(head) if c in _PHRASE_END]
    for cuts in (clause, phrase, _word_ends(text, size)):
        for cut in sorted((c for c in cuts if c >= floor), reverse=True):
            piece = _trim(text[:cut])
            if len(piece) >= floor and _balanced(piece) == piece:
                return piece + mark
    opener = _first_unclosed(head)
    if opener is not None and depth < 3:
        # A quote that closes beyond the cut: drop the pair of marks and try again.
        closing = text.find(_CLOSERS[text[opener]], opener + 1)
        without = text[:opener] + text[opener + 1 :]
        if closing > 0:
            without = text[:opener] + text[opener + 1 : closing] + text[closing + 1 :]
        return clip_phrase(without, size, depth=depth + 1, mark=mark)
    return (_trim(_balanced(head)) or head) + mark


def _first_unclosed(text: str) -> int | None:
    """Position of the first opening mark of ``text`` that is not closed within it."""
    stack: list[int] = []
    for i, c in enumerate(text):
        if c in _OPENERS:
            stack.append(i)
        elif stack and c == _CLOSERS.get(text[stack[-1]]):
            stack.pop()
    return stack[0] if stack else None


def _word_ends(text: str, size: int) -> list[int]:
    """Ends of the whole words (jieba) within the first ``size`` characters."""
    from .tokens import tokenizer

    ends: list[int] = []
    end = 0
    for word in tokenizer().lcut(text[: size + 12]):
        if end + len(word) > size:
            break
        end += len(word)
        ends.append(end)
    return ends


def _trim(text: str) -> str:
    """Without trailing punctuation, opening marks and function words (的, 在, 针对 …)."""
    from .tokens import tokenizer

    text = text.rstrip(_TRAILING)
    words = tokenizer().lcut(text)
    while words and words[-1] in _DANGLING:
        words.pop()
        words = tokenizer().lcut("".join(words).rstrip(_TRAILING))
    return "".join(words)


def _balanced(text: str) -> str:
    """Drop an opening mark that is not closed (and what follows it, if enough stays)."""
    for _ in range(4):
        stack: list[int] = []
        for i, c in enumerate(text):
            if c in _OPENERS and not (c == "‘" and stack and text[stack[-1]] == "‘"):
                stack.append(i)
            elif stack and c == _CLOSERS.get(text[stack[-1]]):
                stack.pop()
        if not stack:
            return text
        at = stack[0]
        text = text[:at] if at >= 6 else text[:at] + text[at + 1 :]
    return "".join(c for c in text if c not in _OPENERS)
