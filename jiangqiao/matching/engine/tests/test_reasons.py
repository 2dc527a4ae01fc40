"""Reasons that say something (issue 14 QA walk): title and description quoted apart, generic
words — listed or common in the corpus — never carry a match, weak evidence is capped."""

from __future__ import annotations

from dataclasses import replace

from jiangqiao.matching.engine import (
    DEFAULT,
    Evidence,
    Expert,
    HashEncoder,
    MatchIndex,
    Query,
    expert_from_dict,
    load_vocabulary,
    relevance,
    why,
)
from jiangqiao.matching.engine.explain import description_snippet

VOCAB = load_vocabulary()


def index_of(experts: list[Expert], config=DEFAULT) -> MatchIndex:
    index = MatchIndex(HashEncoder(), VOCAB, config)
    index.add(experts)
    return index


def reasons(index: MatchIndex, query: Query, top: int = 10) -> dict[str, list[str]]:
    return {
        r.expert.id: why(r, query, index.vocab, index.config)["summary"]
        for r in index.rank(query, top=top)
    }


FASTENER = {
    "id": "f",
    "service_items": [
        {
            "title": "紧固件制造工实操培训课程",
            "description": "面向一线员工的紧固件制造工实操课程，内容包括：操作滚丝机，加工螺纹等",
        }
    ],
}


def test_title_and_description_are_quoted_apart():
    expert = expert_from_dict(FASTENER, VOCAB)
    assert expert.evidence[0].title == "紧固件制造工实操培训课程"
    others = [Expert(str(i), evidence=[Evidence("profile", f"焊接工艺{i}")]) for i in range(4)]
    index = index_of([expert, *others])
    query = Query("q", title="滚丝机螺纹不良", description="滚丝机加工的螺纹牙型不完整")
    line = next(s for s in reasons(index, query)["f"] if s.startswith("关键词"))
    assert "服务项目《紧固件制造工实操培训课程》「" in line, line
    assert "课程面向" not in line and "滚丝机" in line.split("「", 1)[1], line
    # the public reasons quote the service item the same way
    r = next(r for r in index.rank(query) if r.expert.id == "f")
    public = why(r, query, index.vocab, index.config)["summary_public"]
    assert any("《紧固件制造工实操培训课程》「" in s for s in public), public


def test_expertise_tags_are_the_title_of_the_expertise():
    expert = expert_from_dict(
        {"id": "w", "title": "生产与现场管理", "expertise": "从事木地板制造工工作25年，擅长砂光"},
        VOCAB,
    )
    assert expert.evidence[0].title == "生产与现场管理"
    index = index_of(
        [expert, *[Expert(str(i), evidence=[Evidence("profile", "焊接")]) for i in range(3)]]
    )
    line = next(s for s in reasons(index, Query("q", title="木地板砂光"))["w"] if "关键词" in s)
    assert "专长《生产与现场管理》「" in line and "管理从事" not in line, line


def test_an_item_without_a_title_is_quoted_whole():
    index = index_of([Expert("b", evidence=[Evidence("profile", "长期从事滚丝机维修")]),
                      Expert("c", evidence=[Evidence("profile", "焊接")])])  # fmt: skip
    line = reasons(index, Query("q", title="滚丝机"))["b"][0]
    assert "个人简介《长期从事滚丝机维修》" in line and "「" not in line, line


def test_description_snippet_starts_on_a_phrase_and_balances_quotes():
    text = "以师带徒方式传授“使用量具，进行制件精度检验及误差分析”的操作要领和质量控制方法"
    snippet = description_snippet(text, ["精度"])
    assert snippet.startswith("…进行制件精度"), snippet
    assert "”" not in snippet and "“" not in snippet, snippet
    assert description_snippet(text, ["主轴"]) == ""
    assert description_snippet("操作滚丝机，加工螺纹", ["滚丝机"]) == "操作滚丝机，加工螺纹"


def _pool(n: int) -> list[Expert]:
    """``n`` experts that all say 打磨 (a corpus-common word) and each one specific word."""
    topics = ["焊接", "铸造", "锻压", "喷涂", "电镀", "装配", "注塑", "冲压", "热处理", "钣金"]
    return [
        Expert(str(i), evidence=[Evidence("expertise", f"{topics[i % 10]}，打磨{i}号")])
        for i in range(n)
    ]


def test_words_common_in_the_corpus_weigh_nothing_in_the_query():
    index = index_of(_pool(60))
    assert index.is_generic("打磨") and not index.is_generic("焊接")
    assert index.is_generic("出现")  # on the hand list
    words, _grams = index.query_terms(Query("q", title="打磨焊接"))
    assert set(words) == {index.words["焊接"]}
    all_lines = [
        s for lines in reasons(index, Query("q", title="打磨焊接")).values() for s in lines
    ]
    keywords = [s.split("”")[0] for s in all_lines if s.startswith("关键词")]
    assert keywords and not any("打磨" in k for k in keywords), all_lines
    # a small index says nothing about what is common
    assert not index_of(_pool(20)).is_generic("打磨")
    # switched off
    assert not index_of(_pool(60), replace(DEFAULT, common_share=1.0)).is_generic("打磨")


def test_expert_document_frequencies_follow_removals():
    index = index_of(_pool(60))
    index.remove([str(i) for i in range(0, 60, 2)])
    index.add(_pool(60)[1:5])  # 1 and 3 replaced, 2 and 4 back
    fresh = index_of([e for e in _pool(60) if int(e.id) % 2 or e.id in ("2", "4")])

    def df(ix: MatchIndex) -> dict[str, int]:
        return {w: int(ix.word_expert_df[j]) for w, j in ix.words.items() if ix.word_expert_df[j]}

    assert df(index) == df(fresh)
    index.compact()
    assert df(index) == df(fresh)


def test_a_candidate_resting_on_generic_words_only_is_capped():
    # no semantic support for anyone here; a low cap, so that the cap surely bites
    config = replace(DEFAULT, semantic_support=99.0, weak_evidence_cap=-1.0)
    experts = [
        Expert("generic", evidence=[Evidence("case", "设备出现异常时检查并发现问题")]),
        Expert("specific", evidence=[Evidence("case", "数控机床主轴异响维修")]),
        *[Expert(f"x{i}", evidence=[Evidence("case", f"木地板砂光{i}")]) for i in range(6)],
    ]
    index = index_of(experts, config)
    query = Query("q", title="数控机床主轴异响", description="主轴出现异响，检查后发现轴承磨损")
    ranked = {r.expert.id: r for r in index.rank(query, top=8)}
    capped = ranked["generic"]
    assert capped.score <= config.weak_evidence_cap + 1e-9
    assert relevance(capped.score) <= relevance(config.weak_evidence_cap)
    assert relevance(DEFAULT.weak_evidence_cap) == 38
    assert capped.contributions.get("evidence_cap", 0) <= 0
    assert abs(sum(capped.contributions.values()) - capped.score) < 1e-3
    assert "evidence_cap" not in ranked["specific"].contributions
    assert ranked["specific"].score > capped.score
    lines = why(capped, query, index.vocab, config)["summary"]
    assert lines[0].startswith("证据不足"), lines
    assert not any(w in s for s in lines for w in ("出现", "检查", "发现"))
    # no cap configured: the same candidate keeps its fused score
    plain = {
        r.expert.id: r
        for r in index_of(experts, replace(config, weak_evidence_cap=None)).rank(query, top=8)
    }
    assert "evidence_cap" not in plain["generic"].contributions
