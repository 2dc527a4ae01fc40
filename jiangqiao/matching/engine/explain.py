"""Explanations: why an expert ranks where it does, as data (API, command line) and in Chinese (UI).

``why`` holds the contribution of every signal (weight × calibrated value, summing to the score),
the evidence behind the text signals (the best-matching item and the matched words), the matching
industry/occupation code and at which level, the region relation, skill level, capacity and
track record. ``why["summary"]`` is the same in one Chinese sentence per point.
"""

from __future__ import annotations

from typing import Any

from .fusion import SIGNAL_LABELS, FusionConfig
from .index import Ranked
from .model import EVIDENCE_LABELS, Query
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
            "weight": config.text.get(signal, config.structured.get(signal, 0.0)),
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


def summary(out: dict[str, Any], details: dict[str, Any], query: Query) -> list[str]:
    lines = []
    bm25 = out["evidence"].get("bm25", {})
    if bm25.get("terms"):
        terms = "、".join(bm25["terms"][:5])
        lines.append(
            f"关键词“{terms}”见于{bm25.get('item_label', '档案')}《{_clip(bm25['item_text'])}》"
        )
    dense = out["evidence"].get("dense", {})
    if dense.get("item_text") and dense.get("calibrated", 0) > 1:
        lines.append(
            f"语义最接近的是{dense.get('item_label', '档案')}《{_clip(dense['item_text'])}》"
        )
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


def _clip(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
