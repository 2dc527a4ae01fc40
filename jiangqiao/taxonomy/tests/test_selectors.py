"""Search by code, name and pinyin; lookups; cached labels; query budgets."""

from __future__ import annotations

import pytest

from jiangqiao.taxonomy.selectors import (
    canonical_code,
    code_exists,
    get_term,
    parse_query,
    scheme_summaries,
    term_ancestors,
    term_candidates,
    term_children,
    term_label,
    term_labels,
    term_list,
    term_search,
    term_tag,
)

pytestmark = pytest.mark.django_db


def codes(terms) -> list[str]:
    return [t.code for t in terms]


def names(terms) -> list[str]:
    return [t.name for t in terms]


def test_szs_finds_shenzhen_first_among_regions():
    results = term_search(scheme="region", q="szs")
    assert results[0].name == "深圳市"
    assert {"苏州市", "宿州市", "随州市"} <= set(names(results))


def test_gzs_finds_guangzhou_right_after_the_province_guizhou():
    results = term_search(scheme="region", q="gzs", limit=5)
    assert names(results)[:2] == ["贵州省", "广州市"]


def test_initials_are_case_insensitive_and_full_pinyin_works():
    assert term_search(scheme="region", q="SZS")[0].code == "440300"
    assert term_search(scheme="region", q="shenzhen")[0].code == "440300"


def test_region_code_prefix_ranks_exact_code_first():
    results = term_search(scheme="region", q="4403")
    assert results[0].code == "440300"
    assert all(code.startswith("4403") for code in codes(results))
    assert "440305" in codes(results)


def test_industry_section_letter_and_division_prefix():
    results = term_search(scheme="industry", q="C34")
    assert results[0].code == "34"
    assert all(t.path.startswith("C/34") for t in results)
    assert term_search(scheme="industry", q="c")[0].code == "C"
    assert term_search(scheme="industry", q="34")[0].code == "34"
    assert term_search(scheme="industry", q="C3461")[0].code == "3461"


def test_occupation_code_prefix_with_or_without_hyphens():
    results = term_search(scheme="occupation", q="6-28-01")
    assert results[0].code == "6-28-01-00"
    assert all(code.startswith("6-28-01") for code in codes(results))
    assert codes(term_search(scheme="occupation", q="62801")) == codes(results)
    assert term_search(scheme="occupation", q="6-28-01-01")[0].name == "锅炉运行值班员"


def test_name_exact_then_prefix_then_substring():
    results = term_search(scheme="occupation", q="焊工")
    assert results[0].code == "6-18-02-04"  # exact name first
    assert "喷涂喷焊工" in names(results)  # substring last
    machine_tools = term_search(scheme="industry", q="机床")
    assert "金属切削机床制造" in names(machine_tools)


def test_traditional_characters_are_normalised():
    assert term_search(scheme="region", q="廣州")[0].name == "广州市"
    assert term_search(scheme="region", q="深圳")[0].name == "深圳市"
    assert term_search(scheme="region", q="  深　圳 ")[0].name == "深圳市"


def test_same_name_in_several_provinces_lists_the_prefecture_first():
    results = term_search(scheme="region", q="朝阳区")
    assert set(codes(results)) == {"110105", "220104"}
    assert term_search(scheme="region", q="朝阳")[0].code == "211300"  # 朝阳市, a prefecture


def test_level_parent_and_within_restrict_the_search():
    counties = term_search(scheme="region", q="szs", level=3)
    assert all(t.level == 3 for t in counties)
    under_guangdong = term_search(scheme="region", q="", parent="440000", limit=50)
    assert len(under_guangdong) == 21
    in_shenzhen = term_search(scheme="region", q="nsq", within="440300")
    assert codes(in_shenzhen) == ["440305"]
    assert term_search(scheme="region", q="szs", within="999999") == []
    assert term_search(scheme="region", q="szs", parent="bad code\x00") == []


def test_empty_query_lists_a_code_list_in_source_order():
    results = term_search(scheme="skill_level", q="")
    assert names(results)[0] == "学徒工"
    assert len(results) == 6


def test_code_lists_are_searchable_by_code_name_and_initials():
    assert term_search(scheme="skill_level", q="技师")[0].code == "technician"
    assert term_search(scheme="skill_post", q="sxjs")[0].name == "首席技师"
    assert term_search(scheme="demand_category", q="innovate.")[0].code.startswith("innovate.")


def test_search_uses_a_few_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        term_search(scheme="region", q="zzzz")
    with django_assert_max_num_queries(5):
        term_search(scheme="industry", q="制造")


def test_an_overlong_or_odd_query_is_harmless():
    assert term_search(scheme="region", q="深" * 500) == []
    assert term_search(scheme="region", q="\x00\ud7ff") == []
    assert term_search(scheme="region", q="%_") == []


def test_term_list_ranks_like_the_search_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        results = list(term_list(scheme="region", q="szs")[:5])
    assert results[0].code == "440300"
    assert codes(term_list(scheme="region", level=1))[:3] == ["110000", "120000", "130000"]
    assert term_list(scheme="region", within="440300").count() == 9


def test_canonical_codes():
    assert canonical_code("industry", " c3461 ") == "3461"
    assert canonical_code("industry", "c") == "C"
    assert canonical_code("region", "4403") == "440300"
    assert canonical_code("region", "44") == "440000"
    assert canonical_code("region", "440305000000") == "440305"
    assert canonical_code("occupation", "6280101") == "6-28-01-01"
    assert canonical_code("skill_level", "Technician") == "technician"


def test_parse_query_splits_codes_and_names():
    parsed = parse_query("industry", "C34")
    assert (parsed.path_prefix, parsed.code_prefix, parsed.exact_code) == ("C/", "34", "34")
    assert parse_query("region", "深圳").code_prefix is None
    assert parse_query("region", "szs").is_ascii_word


def test_get_term_and_code_exists():
    assert get_term("region", "440300").name == "深圳市"
    assert get_term("region", "4403").code == "440300"
    assert get_term("region", "440399") is None
    assert get_term("nope", "440300") is None
    assert code_exists("industry", "3461")
    assert code_exists("industry", "3461", levels=[4])
    assert not code_exists("industry", "3461", levels=[1, 2])
    assert not code_exists("occupation", "9-99-99-99")


def test_labels_are_cached(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert term_label("region", "440300") == "深圳市"
    with django_assert_num_queries(0):
        assert term_label("region", "440300") == "深圳市"
        assert code_exists("region", "440300")
    assert term_label("region", "000000", default="未知") == "未知"
    with django_assert_num_queries(1):
        labels = term_labels("industry", ["3461", "C", "nope"])
    assert labels == {"3461": "烘炉、熔炉及电炉制造", "C": "制造业"}
    with django_assert_num_queries(0):
        assert term_labels("industry", ["3461", "nope"]) == {"3461": "烘炉、熔炉及电炉制造"}
    assert term_tag("skill_level", "technician") == {
        "scheme": "skill_level",
        "code": "technician",
        "label": "二级/技师",
        "version": "新八级工（中办发〔2022〕58号）",
    }


def test_candidates_resolve_names_and_paths():
    assert codes(term_candidates("region", "深圳市")) == ["440300"]
    assert set(codes(term_candidates("region", "朝阳区"))) == {"110105", "220104"}
    assert codes(term_candidates("region", "北京市 朝阳区")) == ["110105"]
    assert codes(term_candidates("region", "吉林省/长春市/朝阳区")) == ["220104"]
    assert codes(term_candidates("region", "朝阳区", levels=[2])) == []


def test_children_ancestors_and_summaries():
    assert len(term_children("industry", "")) == 20
    assert codes(term_ancestors(get_term("region", "440305"))) == ["440000", "440300"]
    summaries = {s["scheme"]: s for s in scheme_summaries()}
    assert summaries["industry"]["count"] == 1971
    assert [level["count"] for level in summaries["region"]["levels"]] == [33, 333, 2845]
    assert summaries["region"]["levels"][0]["name"] == "省级"


def test_same_named_places_rank_the_users_province_first(db):
    from jiangqiao.taxonomy.selectors import term_search

    names = [t.code for t in term_search(scheme="region", q="南山区", limit=5)]
    assert "440305" in names and "230404" in names
    preferred = [t.code for t in term_search(scheme="region", q="南山", limit=5, prefer="44")]
    assert preferred[0] == "440305"
