"""The demand categories are 浙江's six 2022 classes (DOMAIN.md §7.3); every code of the first,
invented list maps onto them, and the old codes still read wherever codes come in."""

from __future__ import annotations

import pytest

from jiangqiao.core.io.values import CellError, CodeResolver
from jiangqiao.taxonomy.choices import SCHEMES, Scheme
from jiangqiao.taxonomy.codelists import (
    DEMAND_CATEGORIES,
    DEMAND_CATEGORY_SOURCE,
    LEGACY_DEMAND_CATEGORIES,
    legacy_demand_category,
)
from jiangqiao.taxonomy.models import Term
from jiangqiao.taxonomy.selectors import canonical_code, term_label

pytestmark = pytest.mark.django_db

#: DOMAIN.md §7.3, as printed in 浙江工人日报 2022-02-16.
OFFICIAL = [
    "生产工艺、产品设计、质量提升等创新发展",
    "节能减排、节支降耗等绿色生产",
    "生产设备改造、设施维护改进",
    "日常经营管理水平",
    "职工（青年职工、农民工）提升技能技术水平、岗位创新能力、职业发展",
    "职工（特种行业职工、农民工）职业安全、身心健康、教育培训等职业保障",
]

#: Every code of the first list (as shipped before the 2022 classes): none may be left unmapped.
FIRST_LIST = {
    "tech": ["process", "design", "quality", "equipment", "energy", "digital"],
    "management": ["production", "quality_system", "cost", "standard"],
    "skill": ["training", "certification", "competition", "mentoring"],
    "safety": ["production_safety", "occupational_health", "environment"],
    "innovation": ["small_innovation", "patent", "studio"],
    "culture": ["ideology_lecture", "craftsman_spirit", "team_building"],
}


def test_the_six_classes_in_the_notices_order_and_words_with_their_source():
    top = [e for e in DEMAND_CATEGORIES if not e.parent_code]
    assert [e.name for e in top] == OFFICIAL
    assert [e.extra["ordinal"] for e in top] == [1, 2, 3, 4, 5, 6]
    assert all(e.extra["source"] == DEMAND_CATEGORY_SOURCE for e in top)
    assert "2022" in DEMAND_CATEGORY_SOURCE and "浙江" in DEMAND_CATEGORY_SOURCE
    assert "浙江" in SCHEMES[Scheme.DEMAND_CATEGORY].source
    stored = Term.objects.filter(scheme=Scheme.DEMAND_CATEGORY, level=1, is_active=True)
    assert sorted(stored.values_list("name", flat=True)) == sorted(OFFICIAL)


def test_subcategories_sit_under_the_new_classes():
    codes = {e.code: e for e in DEMAND_CATEGORIES}
    subs = [e for e in DEMAND_CATEGORIES if e.parent_code]
    assert len(subs) == sum(len(v) for v in FIRST_LIST.values())  # none dropped
    for e in subs:
        assert e.code.startswith(f"{e.parent_code}.") and not codes[e.parent_code].parent_code


def test_every_code_of_the_first_list_is_mapped_onto_an_entry_of_the_same_level():
    first = set(FIRST_LIST) | {f"{c}.{s}" for c, subs in FIRST_LIST.items() for s in subs}
    assert set(LEGACY_DEMAND_CATEGORIES) == first, "a code of the first list is left unmapped"
    current = {e.code: e for e in DEMAND_CATEGORIES}
    assert not first & set(current), "an old code would be ambiguous"
    for old, new in LEGACY_DEMAND_CATEGORIES.items():
        assert new in current, old
        assert ("." in old) == bool(current[new].parent_code), old
    # every current subcategory is the image of an old one (subcategories were kept, not invented)
    assert {e.code for e in current.values() if e.parent_code} == {
        v for k, v in LEGACY_DEMAND_CATEGORIES.items() if "." in k
    }


def test_an_old_category_with_its_old_subcategory_follows_the_subcategory():
    assert legacy_demand_category("innovation", "innovation.studio") == "workforce"
    assert legacy_demand_category("innovation", "") == "innovate"
    assert legacy_demand_category("tech", "skill.training") == "innovate"  # a mismatch stays one
    assert legacy_demand_category("workforce", "workforce.training") == "workforce"


def test_old_codes_read_as_the_new_ones():
    assert canonical_code("demand_category", "tech.process") == "innovate.process"
    assert canonical_code("demand_category", "TECH") == "innovate"
    assert canonical_code("demand_category", "green") == "green"
    assert term_label("demand_category", "tech.energy") == "节能降耗"


def test_spreadsheets_may_name_a_class_by_its_words_its_short_name_or_an_old_name_or_code():
    resolver = CodeResolver()
    for value in (OFFICIAL[1], "绿色生产", "green"):
        assert resolver.resolve("demand_category", value, levels=(1,)) == "green"
    assert resolver.resolve("demand_category", "技术难题类", levels=(1,)) == "innovate"
    assert resolver.resolve("demand_category", "tech.quality", levels=(2,)) == "innovate.quality"
    with pytest.raises(CellError):
        resolver.resolve("demand_category", "不存在的类别", levels=(1,))


def test_exchange_files_of_format_1_0_and_1_1_with_old_codes_map_on_import():
    from jiangqiao.exchange import format as fmt
    from jiangqiao.exchange.records import comparable

    data = {
        "category": {"scheme": "demand_category", "code": "safety", "label": "安全与职业健康类"},
        "subcategory": {"scheme": "demand_category", "code": "safety.environment"},
        "expertise_tags": [{"scheme": "demand_category", "code": "culture.team_building"}],
        "kind": {"scheme": "demand_kind", "code": "management"},
    }
    plain = comparable(data)
    assert plain["category"] == "protection"
    assert plain["subcategory"] == "green.environment"
    assert plain["expertise_tags"] == ["operation.team_building"]
    assert plain["kind"] == "management"  # other schemes are untouched
    assert fmt.tag_code({"scheme": "demand_category", "code": "tech"}) == "innovate"
