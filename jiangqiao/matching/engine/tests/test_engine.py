"""The ranking engine: input checking, each signal, aggregation, filters, explanations, updates."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from jiangqiao.matching.engine import (
    DEFAULT,
    Evidence,
    Expert,
    Filters,
    HashEncoder,
    InputError,
    MatchIndex,
    Query,
    USEEncoder,
    expert_from_dict,
    load_vocabulary,
    query_from_dict,
    why,
)
from jiangqiao.matching.engine import tokens as tk
from jiangqiao.matching.engine.index import region_relation
from jiangqiao.matching.engine.vocab import occupation_path

VOCAB = load_vocabulary()


def only(**weights: float):
    return replace(DEFAULT, text=weights, structured={})


def index_of(experts: list[Expert], config=DEFAULT, encoder=None) -> MatchIndex:
    index = MatchIndex(encoder or HashEncoder(), VOCAB, config)
    index.add(experts)
    return index


def ids(ranked) -> list[str]:
    return [r.expert.id for r in ranked]


def ev(text: str, kind: str = "expertise") -> Evidence:
    return Evidence(kind, text)


# ------------------------------------------------------------------ input


def test_records_are_checked_field_by_field():
    e = expert_from_dict(
        {"id": 7, "title": "數控機床維修", "industries": ["3421"], "region": "440305", "x": 1},
        VOCAB,
    )
    assert e.id == "7" and e.evidence[0].text == "数控机床维修"  # traditional → simplified
    assert e.industries == ["3421"]
    cases = [
        ({"title": "a"}, "id"),
        ({"id": " "}, "id"),
        ({"id": "a", "industries": ["9999"]}, "industries"),
        ({"id": "a", "industries": "C34x"}, "industries"),
        ({"id": "a", "region": "449999"}, "region"),
        ({"id": "a", "occupations": ["6-99-99-99"]}, "occupations"),
        ({"id": "a", "skill_level": 6}, "skill_level"),
        ({"id": "a", "skill_level": "2"}, "skill_level"),
        ({"id": "a", "capacity": -1}, "capacity"),
        ({"id": "a", "service_items": [{"description": "无标题"}]}, "service_items[0].title"),
        ({"id": "a", "skills": ["焊接", 3]}, "skills[1]"),
        ({"id": "a", "bio": "长" * 20001}, "bio"),
    ]
    for record, field in cases:
        with pytest.raises(InputError) as err:
            expert_from_dict(record, VOCAB)
        assert err.value.field == field, record
        assert "【" in str(err.value)
    with pytest.raises(InputError) as err:
        query_from_dict({"id": "q", "onsite": "yes", "title": "x"}, VOCAB)
    assert err.value.field == "onsite"
    with pytest.raises(InputError) as err:
        query_from_dict({"id": "q"}, VOCAB)
    assert err.value.field == "title"


def test_query_text_is_normalised():
    q = query_from_dict({"id": "q", "title": "焊(han)接(jie)變形", "tags": ["ＰＬＣ"]}, VOCAB)
    assert "焊接变形" in q.text and "PLC" in q.text


def test_segmenter_keeps_platform_vocabulary_whole():
    tok = tk.tokenizer(VOCAB.terms())
    words = tk.words("电气设备安装工负责金属切削机床制造的设备调试", tok)
    assert "电气设备安装工" in words
    assert "的" not in words and "负责" not in words and "调试" in words
    assert tk.char_grams("数控 A") == ["数", "控", "a", "数控", "控a"]


def test_code_paths():
    assert VOCAB.industry_path("3461") == ["C", "34", "346", "3461"]
    assert occupation_path("6-28-01-01") == ["6-00-00-00", "6-28-00-00", "6-28-01-00", "6-28-01-01"]
    assert occupation_path("6-28-00-00") == ["6-00-00-00", "6-28-00-00"]


# ------------------------------------------------------------------ text signals

EXPERTS = [
    Expert("weld", evidence=[ev("压力容器焊接变形控制 焊缝缺陷分析")]),
    Expert("cnc", evidence=[ev("数控机床主轴故障诊断 精度恢复")]),
    Expert("boiler", evidence=[ev("工业锅炉节能改造 结垢处理")]),
    Expert("paint", evidence=[ev("汽车涂装工艺 漆面流挂缺陷")]),
]


def test_bm25_ranks_the_expert_sharing_rare_words_first():
    index = index_of(EXPERTS, only(bm25=1.0))
    assert ids(index.rank(Query("q", description="锅炉结垢严重，能耗高"), 2))[0] == "boiler"


def test_ngram_matches_where_segmentation_disagrees():
    # 焊缝 vs 焊接: no shared jieba word, but shared characters
    index = index_of(EXPERTS, only(ngram=1.0))
    assert ids(index.rank(Query("q", title="容器焊口开裂"), 1)) == ["weld"]
    bm25 = index_of(EXPERTS, only(bm25=1.0)).rank(Query("q", title="容器焊口开裂"), 4)
    assert all(r.contributions.get("bm25", 0) == bm25[0].contributions.get("bm25", 0) for r in bm25)


@pytest.fixture(scope="module")
def use() -> USEEncoder:
    return USEEncoder()


def test_dense_signal_finds_a_paraphrase(use):
    index = index_of(EXPERTS, only(dense=1.0), encoder=use)
    ranked = index.rank(Query("q", title="汽车喷漆表面出现流淌痕迹"), 4)
    assert ids(ranked)[0] == "paint"
    vector = use.encode(["汽车喷漆表面出现流淌痕迹"])[0]
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-3)


def test_evidence_items_are_scored_one_by_one():
    noisy = Expert(
        "many",
        evidence=[ev("锅炉结垢处理 酸洗除垢", "service_item")]
        + [ev(f"办公室行政事务第{i}项", "case") for i in range(12)],
    )
    blurred = Expert("one", evidence=[ev("锅炉 行政 办公 事务 结构 管理")])
    for how in ("max", "top2", "max_mean"):
        index = index_of([noisy, blurred], replace(only(bm25=1.0, ngram=1.0), aggregate=how))
        assert ids(index.rank(Query("q", description="锅炉结垢"), 2))[0] == "many", how
    index = index_of([noisy, blurred], replace(only(ngram=1.0), aggregate="mean"))
    assert ids(index.rank(Query("q", description="锅炉结垢"), 2))[0] == "one"  # the mean dilutes


# ------------------------------------------------------------------ structured signals


def structured_experts() -> list[Expert]:
    text = [ev("设备维修")]
    return [
        Expert("same_class", evidence=text, industries=["3461"]),
        Expert("same_group", evidence=text, industries=["3462"]),
        Expert("same_division", evidence=text, industries=["3421"]),
        Expert("same_section", evidence=text, industries=["2511"]),
        Expert("other", evidence=text, industries=["0111"]),
    ]


def test_industry_hierarchy_orders_class_group_division_section():
    cfg = replace(DEFAULT, text={}, structured={"industry": 1.0})
    index = index_of(structured_experts(), cfg)
    ranked = index.rank(Query("q", title="设备维修", industries=["3461"]), 5)
    assert ids(ranked) == ["same_class", "same_group", "same_division", "same_section", "other"]
    assert [r.contributions["industry"] for r in ranked] == [1.0, 0.75, 0.5, 0.25, 0.0]


def test_region_relation_and_onsite():
    assert region_relation("440305", "440305", []) == "county"
    assert region_relation("440305", "440306", []) == "city"
    assert region_relation("440305", "440106", []) == "province"
    assert region_relation("440305", "110101", ["440300"]) == "covers"
    assert region_relation("440305", "110101", []) == "none"
    experts = [
        Expert("far", evidence=[ev("设备维修")], region="110101", cross_region=False),
        Expert("county", evidence=[ev("设备维修")], region="440305"),
        Expert("city", evidence=[ev("设备维修")], region="440306"),
        Expert("served", evidence=[ev("设备维修")], region="440106", regions_served=["440300"]),
    ]
    cfg = replace(DEFAULT, text={}, structured={"region": 1.0})
    ranked = index_of(experts, cfg).rank(Query("q", title="设备", region="440305", onsite=True), 4)
    assert ids(ranked)[-2:] == ["city", "far"]
    assert ranked[-1].contributions["region"] < 0  # not willing to travel
    online = index_of(experts, cfg).rank(Query("q", title="设备", region="440305", onsite=False), 4)
    assert max(r.contributions["region"] for r in online) == pytest.approx(0.3)


def test_skill_level_uses_the_inverted_national_scale_and_capacity_comes_last():
    experts = [
        Expert("senior", evidence=[ev("焊接")], skill_level=1, capacity=2),
        Expert("technician", evidence=[ev("焊接")], skill_level=2, capacity=1),
        Expert("junior", evidence=[ev("焊接")], skill_level=4, capacity=3),
        Expert("full", evidence=[ev("焊接")], skill_level=1, capacity=0),
    ]
    cfg = replace(DEFAULT, text={}, structured={"skill": 1.0, "capacity": 3.0})
    ranked = index_of(experts, cfg).rank(Query("q", title="焊接", min_skill_level=2), 4)
    assert ids(ranked)[-2:] == ["junior", "full"]
    assert ranked[-2].contributions["skill"] < 0 and ranked[-1].contributions["capacity"] == -3.0
    senior = next(r for r in ranked if r.expert.id == "senior")
    assert senior.contributions["skill"] == 0.0


# ------------------------------------------------------------------ filters and conflicts


def test_hard_filters_and_same_employer_conflict():
    experts = [
        Expert(
            "a", evidence=[ev("焊接")], industries=["3461"], region="440305", employer_uscc="X1"
        ),
        Expert("b", evidence=[ev("焊接")], industries=["3421"], region="440106"),
        Expert(
            "c",
            evidence=[ev("焊接")],
            industries=["4430"],
            region="110101",
            regions_served=["440000"],
        ),
        Expert("d", evidence=[ev("焊接")], industries=["3461"], region="440305", skill_level=4),
    ]
    index = index_of(experts)
    q = Query("q", title="焊接")
    assert set(ids(index.rank(q, 9, filters=Filters(industries=["C34"[1:]])))) == {"a", "b", "d"}
    assert set(ids(index.rank(q, 9, filters=Filters(industries=["346"])))) == {"a", "d"}
    assert set(ids(index.rank(q, 9, filters=Filters(region="440300")))) == {"a", "c", "d"}
    assert (
        set(ids(index.rank(q, 9, filters=Filters(max_skill_level=3)))) == set()
    )  # unknown levels drop too
    assert set(ids(index.rank(q, 9, filters=Filters(exclude=["a"], only=["a", "b"])))) == {"b"}
    assert "a" not in ids(index.rank(replace(q, employer_uscc="X1"), 9))
    assert index.rank(q, 9, filters=Filters(industries=["0111"])) == []


# ------------------------------------------------------------------ explanations


def test_explanation_sums_to_the_score_and_names_the_evidence():
    experts = [
        Expert(
            "cnc",
            name="张师傅",
            evidence=[ev("数控机床主轴故障诊断"), ev("导轨磨损修复 精度恢复", "service_item")],
            industries=["3421"],
            region="440305",
            skill_level=1,
            capacity=2,
            solved=5,
            rating=4.5,
        ),
        Expert("other", evidence=[ev("锅炉节能")], industries=["4430"]),
    ]
    index = index_of(experts)
    q = Query("q", title="数控机床主轴异响", industries=["3421"], region="440305", onsite=True)
    top = index.rank(q, 2)[0]
    assert top.expert.id == "cnc"
    assert sum(top.contributions.values()) == pytest.approx(top.score, abs=1e-3)
    w = why(top, q, VOCAB, DEFAULT)
    assert w["fusion_version"] == DEFAULT.version
    assert "主轴" in w["evidence"]["bm25"]["terms"]
    assert w["industry"]["label"] == "同小类 3421 金属切削机床制造"
    assert w["region"]["relation"] == "county"
    summary = "\n".join(w["summary"])
    assert "关键词“" in summary and "同一区县（南山区）" in summary
    assert "还可承接 2 项服务" in summary and "已完成服务 5 项，平均评分 4.5" in summary
    assert {c["signal"] for c in w["contributions"]} >= {"bm25", "ngram", "dense", "industry"}


# ------------------------------------------------------------------ updates


def test_updates_without_rebuild_match_a_fresh_build():
    index = index_of(EXPERTS)
    q = Query("q", description="锅炉结垢严重 焊缝开裂")
    index.remove(["boiler"])
    assert "boiler" not in ids(index.rank(q, 4))
    changed = Expert("weld", evidence=[ev("锅炉结垢处理")])
    index.add([changed, Expert("new", evidence=[ev("数控编程")])])
    assert len(index) == 4 and len(index.segments) == 2
    fresh = index_of([EXPERTS[1], EXPERTS[3], changed, Expert("new", evidence=[ev("数控编程")])])
    assert ids(index.rank(q, 4)) == ids(fresh.rank(q, 4))
    before = {r.expert.id: r.score for r in index.rank(q, 4)}
    vectors = index.item_vectors("weld")
    index.compact()
    assert len(index.segments) == 1
    assert {r.expert.id: r.score for r in index.rank(q, 4)} == pytest.approx(before, abs=1e-3)
    assert np.allclose(index.item_vectors("weld"), vectors)


def test_given_embeddings_are_used_instead_of_encoding():
    class Counting(HashEncoder):
        calls = 0

        def encode(self, texts):
            Counting.calls += len(texts)
            return super().encode(texts)

    enc = Counting()
    index = MatchIndex(enc, VOCAB, DEFAULT)
    vectors = HashEncoder().encode(["数控机床主轴故障诊断 精度恢复"])
    index.add([EXPERTS[1]], embeddings={"cnc": vectors})
    assert Counting.calls == 0
    index.add([EXPERTS[0]])
    assert Counting.calls == 1


def test_row_and_posting_paths_agree(monkeypatch):
    from jiangqiao.matching.engine import index as index_module

    experts = [
        Expert(f"e{i}", evidence=[ev(t)], industries=["3461" if i % 3 else "4430"])
        for i, t in enumerate(
            ["焊接变形", "锅炉结垢", "焊缝裂纹", "数控机床", "焊接工艺评定", "涂装"] * 5
        )
    ]
    index = index_of(experts)
    q = Query("q", description="焊接 裂纹 锅炉", industries=["3461"])
    f = Filters(industries=["346"])
    monkeypatch.setattr(index_module, "ROW_PATH_SHARE", 0.0)  # always posting lists
    by_postings = [(r.expert.id, r.score) for r in index.rank(q, 8, filters=f)]
    monkeypatch.setattr(index_module, "ROW_PATH_SHARE", 2.0)  # always rows
    by_rows = [(r.expert.id, r.score) for r in index.rank(q, 8, filters=f)]
    assert by_rows == by_postings and len(by_rows) == 8
