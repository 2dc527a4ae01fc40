"""A credible demo: coherent profiles and texts without broken quotes."""

from __future__ import annotations

import random

import pytest

from jiangqiao.demo import build, catalogue, people, texts

pytestmark = pytest.mark.django_db

PAIRS = {"“": "”", "《": "》", "‘": "’", "「": "」", "（": "）"}


def balanced(text: str) -> bool:
    """Every opening quote or 书名号 is closed, in order, and nothing closes unopened."""
    closing = set(PAIRS.values())
    stack: list[str] = []
    for ch in text:
        if ch in PAIRS:
            stack.append(PAIRS[ch])
        elif ch in closing and (not stack or stack.pop() != ch):
            return False
    return not stack


def test_the_quote_check_itself():
    assert balanced("“工艺”与《标准》（试行）")
    assert not balanced("“{short}”工艺“精加工")
    assert not balanced("工艺》")
    assert not balanced("“《”》")


@pytest.fixture(scope="module")
def industries(django_db_blocker):
    with django_db_blocker.unblock():
        return build.load_catalogue()


def test_every_paired_occupation_fits_its_industry(industries):
    assert len(industries) > 300
    for ind in industries:
        assert ind.code[:2] in catalogue.OCCUPATIONS_OF_DIVISION, ind.code
        for occ in ind.occupations:
            assert catalogue.occupation_fits(ind.code, occ.code), (ind.name, occ.name)
    drinks = [i for i in industries if i.code.startswith("15")]  # 酒、饮料和精制茶制造业
    assert drinks and all(o.code.startswith("6-02") for i in drinks for o in i.occupations)
    assert not catalogue.occupation_fits("1525", "6-19-01-01")  # no metalworker at a drinks firm


def test_generated_profiles_are_coherent_and_texts_have_no_broken_quotes(industries):
    rng = random.Random(7)
    for seq in range(400):
        industry = rng.choice(industries)
        data, _honours, items = people.craftsman(rng, industry, "440305", "440300", seq)
        # occupation, employer industry and skill level agree
        assert data["industries"] == [industry.code]
        assert catalogue.occupation_fits(industry.code, data["occupations"][0]), data
        assert data["position"] in people.POSITIONS[data["skill_level"]], data
        if data["skill_post"]:
            assert data["skill_level"] == "senior_technician", data
        for text in (data["expertise"], data["bio"], *(i["title"] for i in items)):
            assert balanced(text), text
        for item in items:
            assert balanced(item["description"]), item["description"]
        demand = people.demand(rng, industry, "440305")
        for key in ("title", "description", "current_state", "desired_outcome"):
            assert balanced(demand[key]), demand[key]
        assert demand["subcategory"].startswith(demand["category"] + ".")


def test_every_demand_subcategory_has_texts():
    from jiangqiao.taxonomy.codelists import DEMAND_CATEGORIES

    subs = {e.code for e in DEMAND_CATEGORIES if e.parent_code}
    assert set(texts.SYMPTOMS) == subs == set(texts.TITLES)
    assert set(texts.GOALS) == set(texts.CATEGORY_WEIGHTS) == set(texts.KIND_OF_CATEGORY)


def _word_ends(text: str) -> set[int]:
    from jiangqiao.matching.engine.tokens import tokenizer

    ends, end = {0}, 0
    for word in tokenizer().lcut(text):
        end += len(word)
        ends.add(end)
    return ends


def _whole_word_cut(short: str, step: str) -> bool:
    """``short`` is the step's last clause, or that clause cut after a whole word (jieba)."""
    clause = [p for p in step.replace("，", ",").split(",") if p.strip()][-1].strip()
    return clause.startswith(short) and (short == clause or len(short) in _word_ends(clause))


def test_short_step_names_are_cut_on_whole_words(industries):
    """「…保持架、滚工艺攻关」, 「…异常现工艺攻关」: the short name ends on a whole word."""
    assert texts.short_step("操作碾米、抛光、色选、配米等设备，精加工糙米") == "精加工糙米"
    steps = {t for ind in industries for occ in ind.occupations for t in occ.tasks}
    assert len(steps) > 500
    cut = 0
    for step in steps:
        short = texts.short_step(step)
        assert short and len(short) <= texts.SHORT_STEP_MAX, (step, short)
        assert short[-1] not in "、，,：:；（(“", (step, short)
        assert balanced(short), (step, short)
        assert _whole_word_cut(short, step), (step, short)
        cut += short != step
    assert cut > 50  # long steps were seen and cut


def test_generated_titles_have_no_mid_word_cut(industries):
    """Scan generated titles: the step name before 技术咨询/工艺攻关 (and inside “…” of a demand
    title) is one of the occupation's whole-word short names, never a mid-word cut."""
    rng = random.Random(11)
    checked = 0
    for _ in range(600):
        industry = rng.choice(industries)
        occupation = rng.choice(industry.occupations)
        shorts = {texts.short_step(t) for t in occupation.tasks}
        for item in texts.service_items(rng, industry, occupation, 5):
            if item["type"] in ("tech_consulting", "tech_breakthrough"):
                name = item["title"][:-4]
                assert name in shorts, item["title"]
                assert name[-1] not in "、，,", item["title"]
                checked += 1
        demand, occ = texts.demand_text(rng, industry)
        if demand.title.startswith("“"):
            name = demand.title[1 : demand.title.index("”")]
            assert name in {texts.short_step(t) for t in occ.tasks}, demand.title
            checked += 1
    assert checked > 300
