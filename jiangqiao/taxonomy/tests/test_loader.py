"""The loader: exact counts per scheme and level, idempotence, paths, keys and code lists."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from jiangqiao.taxonomy.choices import SCHEMES, Scheme
from jiangqiao.taxonomy.codelists import CODE_LISTS
from jiangqiao.taxonomy.keys import pinyin_keys, search_keys
from jiangqiao.taxonomy.models import Term
from jiangqiao.taxonomy.services import load_all, load_scheme
from jiangqiao.taxonomy.sources import read_occupation_records, read_scheme

pytestmark = pytest.mark.django_db


def level_counts(scheme: str) -> dict[int, int]:
    rows = (
        Term.objects.filter(scheme=scheme, is_active=True).values("level").annotate(n=Count("id"))
    )
    return {row["level"]: row["n"] for row in rows}


def test_industry_has_20_97_473_1381_classes_at_levels_1_to_4():
    assert level_counts(Scheme.INDUSTRY) == {1: 20, 2: 97, 3: 473, 4: 1381}
    assert Term.objects.filter(scheme=Scheme.INDUSTRY).count() == 1971


def test_region_has_33_333_2845_divisions_at_levels_1_to_3():
    assert level_counts(Scheme.REGION) == {1: 33, 2: 333, 3: 2845}
    assert Term.objects.filter(scheme=Scheme.REGION).count() == 3211


def test_occupation_file_has_2051_rows_and_1634_unit_groups():
    records = read_occupation_records()
    assert len(records) == 2051
    assert Counter(r["level"] for r in records) == {"1": 8, "2": 73, "3": 336, "4": 1634}


def test_occupation_table_merges_the_four_repeated_codes():
    # 3 exact duplicate rows + 2-03-01-00 listed as both 小类 and 细类 → 2,047 distinct codes.
    assert level_counts(Scheme.OCCUPATION) == {1: 8, 2: 72, 3: 335, 4: 1632}
    assert Term.objects.filter(scheme=Scheme.OCCUPATION).count() == 2047
    soil = Term.objects.get(scheme=Scheme.OCCUPATION, code="2-03-01-00")
    assert soil.level == 4
    assert soil.extra == {"source_levels": [3, 4]}
    assert soil.description.startswith("从事土壤质量评价")
    assert soil.parent_code == "2-03-00-00"


def test_code_lists_are_loaded_completely():
    for scheme, entries in CODE_LISTS.items():
        assert Term.objects.filter(scheme=scheme, is_active=True).count() == len(entries), scheme


def test_second_load_creates_and_updates_nothing():
    out = io.StringIO()
    results = load_all(out)
    assert set(results) == set(Scheme.values)
    for scheme, result in results.items():
        assert result["created"] == 0, scheme
        assert result["updated"] == 0, scheme
        assert result["deactivated"] == 0, scheme
        assert result["unchanged"] == result["total"], scheme
    assert results["industry"]["total"] == 1971
    assert results["region"]["total"] == 3211
    assert results["occupation"]["total"] == 2047
    assert "无任何变化" in out.getvalue()


def test_command_reports_counts_per_scheme():
    out = io.StringIO()
    call_command("load_reference_data", "--scheme", "skill_level", "--scheme", "region", stdout=out)
    text = out.getvalue()
    assert "skill_level（职业技能等级）：新增 0，更新 0，未变 6" in text
    assert "region（行政区划）：新增 0，更新 0，未变 3211" in text
    assert "industry" not in text


def test_load_restores_a_changed_row_and_deactivates_a_vanished_one():
    Term.objects.filter(scheme=Scheme.SERVICE_TYPE, code="innovation").update(name="改过的名称")
    Term.objects.filter(scheme=Scheme.SERVICE_TYPE, code="tech_consulting").delete()
    result = load_scheme(Scheme.SERVICE_TYPE)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 7)
    assert Term.objects.get(scheme=Scheme.SERVICE_TYPE, code="innovation").name == "创新攻关"

    rows = [row for row in read_scheme(Scheme.SERVICE_TYPE) if row.code != "mentoring"]
    result = load_scheme(Scheme.SERVICE_TYPE, rows=rows)
    assert (result.deactivated, result.unchanged) == (1, 8)
    retired = Term.objects.get(scheme=Scheme.SERVICE_TYPE, code="mentoring")
    assert retired.is_active is False  # kept, so stored codes keep their label

    result = load_scheme(Scheme.SERVICE_TYPE)
    assert (result.updated, result.unchanged) == (1, 8)
    assert Term.objects.get(scheme=Scheme.SERVICE_TYPE, code="mentoring").is_active


def test_paths_and_full_names_are_derived_from_parents():
    nanshan = Term.objects.get(scheme=Scheme.REGION, code="440305")
    assert nanshan.path == "440000/440300/440305"
    assert nanshan.path_label == "广东省 / 深圳市 / 南山区"
    furnace = Term.objects.get(scheme=Scheme.INDUSTRY, code="3461")
    assert furnace.path == "C/34/346/3461"
    assert furnace.level_name == "小类"
    assert furnace.description.startswith("指使用液体燃料")
    boiler = Term.objects.get(scheme=Scheme.OCCUPATION, code="6-28-01-01")
    assert boiler.path == "6-00-00-00/6-28-00-00/6-28-01-00/6-28-01-01"
    assert "启停锅炉" in boiler.tasks
    # A 细类 whose 小类 is not listed hangs under the nearest listed ancestor.
    party = Term.objects.get(scheme=Scheme.OCCUPATION, code="1-01-00-01")
    assert party.parent_code == "1-01-00-00"


def test_every_row_has_pinyin_keys():
    assert not Term.objects.filter(initials="").exists()
    shenzhen = Term.objects.get(scheme=Scheme.REGION, code="440300")
    assert (shenzhen.initials, shenzhen.pinyin) == ("szs", "shenzhenshi")
    assert Term.objects.get(scheme=Scheme.REGION, code="440000").initials == "gds"
    assert Term.objects.get(scheme=Scheme.REGION, code="500000").initials == "cqs"


def test_place_name_readings_override_pypinyin_for_regions_only():
    assert search_keys(Scheme.REGION, "长治市").initials == "czs"
    assert search_keys(Scheme.REGION, "长子县").initials == "zzx"
    assert search_keys(Scheme.REGION, "什邡市").pinyin == "shifangshi"
    assert search_keys(Scheme.REGION, "闵行区").initials == "mhq"
    assert pinyin_keys("GB/T 4754") == ("gbt4754", "gbt4754")
    assert search_keys(Scheme.INDUSTRY, "（测试）").search_name == "(测试)"


def test_region_weight_puts_provinces_capitals_and_planned_cities_first():
    weights = dict(
        Term.objects.filter(
            scheme=Scheme.REGION, code__in=["440000", "440100", "440300", "440400"]
        ).values_list("code", "weight")
    )
    assert weights == {"440000": 3, "440100": 3, "440300": 3, "440400": 1}


def test_skill_levels_sort_by_rank_not_by_the_inverted_level_number():
    levels = list(Term.objects.filter(scheme=Scheme.SKILL_LEVEL).order_by("rank"))
    assert [t.name for t in levels] == [
        "学徒工",
        "五级/初级工",
        "四级/中级工",
        "三级/高级工",
        "二级/技师",
        "一级/高级技师",
    ]
    assert [t.extra["level_no"] for t in levels] == [None, 5, 4, 3, 2, 1]
    posts = list(Term.objects.filter(scheme=Scheme.SKILL_POST).order_by("rank"))
    assert [(t.name, t.rank) for t in posts] == [("特级技师", 7), ("首席技师", 8)]
    assert all(t.extra["appointed_by"] == "enterprise" for t in posts)


def test_code_list_codes_are_stable_identifiers():
    for scheme, entries in CODE_LISTS.items():
        codes = [entry.code for entry in entries]
        assert len(codes) == len(set(codes)), scheme
        assert all(re.fullmatch(r"[a-z0-9_.]+", code) for code in codes), scheme


def test_demand_categories_are_two_levels():
    top = Term.objects.filter(scheme=Scheme.DEMAND_CATEGORY, level=1)
    assert top.count() == 6
    process = Term.objects.get(scheme=Scheme.DEMAND_CATEGORY, code="innovate.process")
    assert (process.level, process.parent_code, process.path_label) == (
        2,
        "innovate",
        "生产工艺、产品设计、质量提升等创新发展 / 工艺改进",
    )


def test_as_tag_gives_scheme_code_label_and_version():
    term = Term.objects.get(scheme=Scheme.REGION, code="440300")
    assert term.as_tag() == {
        "scheme": "region",
        "code": "440300",
        "label": "深圳市",
        "version": "GB/T 2260 (2025-12-31)",
    }
    assert Term.objects.get(scheme=Scheme.INDUSTRY, code="C").version == "GB/T 4754-2017"
    assert Term.objects.get(scheme=Scheme.OCCUPATION, code="6-28-01-01").version == "大典2022"
    for scheme, info in SCHEMES.items():
        assert Term.objects.filter(scheme=scheme).exclude(version=info.version).count() == 0


def test_load_all_rejects_an_unknown_scheme():
    with pytest.raises(ValueError, match="未知的分类方案"):
        load_all(schemes=["nope"])


@pytest.mark.django_db
def test_every_loaded_value_fits_its_column():
    """SQLite ignores VARCHAR lengths; PostgreSQL does not. Check them here so both agree."""
    from jiangqiao.taxonomy.models import Term

    limits = {
        f.attname: f.max_length
        for f in Term._meta.concrete_fields
        if getattr(f, "max_length", None)
    }
    too_long = [
        (term.scheme, term.code, name)
        for term in Term.objects.all()
        for name, limit in limits.items()
        if isinstance(getattr(term, name), str) and len(getattr(term, name)) > limit
    ]
    assert too_long == []
