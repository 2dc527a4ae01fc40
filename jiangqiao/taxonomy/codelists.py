"""The small code lists (skill levels, honours, enterprise size, service types, ...).

They live in code, reviewed like code, and are written to the ``Term`` table by the loader
(:func:`jiangqiao.taxonomy.services.load_all`) together with the national classifications.
Codes are stable lower-case English (or the numeric code of the standard, for enterprise size)
and must never be renamed once in use: retire an entry by removing it here, which marks the
row inactive (it is never deleted, so stored codes keep their label).

``rank`` is the *seniority*: it increases with seniority/size/level in every scheme that has
one, so that sorting and comparisons never depend on the inverted national skill-level number.

**Skill levels (STANDARDS.md §9.4).** The national scale is inverted: 一级/高级技师 is the
highest and 五级/初级工 the lowest. The certificate number is kept as ``extra.level_no``
(5..1, ``None`` for 学徒工) for display and exchange only — compare and sort with ``rank``
(学徒工 1 < 初级工 2 < … < 高级技师 6). 特级技师 and 首席技师 are enterprise-appointed
posts (评聘), not certificate levels, so they form the separate scheme ``skill_post`` whose
ranks (7, 8) continue the 新八级工 sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .choices import Scheme


@dataclass(frozen=True)
class CodeListEntry:
    """One entry of a small code list."""

    code: str
    name: str
    parent_code: str = ""
    rank: int | None = None
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


SKILL_LEVELS: tuple[CodeListEntry, ...] = (
    CodeListEntry(
        "apprentice",
        "学徒工",
        rank=1,
        description="新八级工序列中在初级工之下补设的等级（中办发〔2022〕58号），不是国家职业资格证书等级。",
        extra={"level_no": None, "grade": "", "title": "学徒工"},
    ),
    CodeListEntry(
        "junior_worker",
        "五级/初级工",
        rank=2,
        extra={"level_no": 5, "grade": "五级", "title": "初级工"},
    ),
    CodeListEntry(
        "intermediate_worker",
        "四级/中级工",
        rank=3,
        extra={"level_no": 4, "grade": "四级", "title": "中级工"},
    ),
    CodeListEntry(
        "senior_worker",
        "三级/高级工",
        rank=4,
        extra={"level_no": 3, "grade": "三级", "title": "高级工"},
    ),
    CodeListEntry(
        "technician",
        "二级/技师",
        rank=5,
        extra={"level_no": 2, "grade": "二级", "title": "技师"},
    ),
    CodeListEntry(
        "senior_technician",
        "一级/高级技师",
        rank=6,
        extra={"level_no": 1, "grade": "一级", "title": "高级技师"},
    ),
)

SKILL_POSTS: tuple[CodeListEntry, ...] = (
    CodeListEntry(
        "special_technician",
        "特级技师",
        rank=7,
        description="在高级技师之上增设的技术职务（岗位），由企业评聘（中办发〔2022〕58号）。",
        extra={"appointed_by": "enterprise"},
    ),
    CodeListEntry(
        "chief_technician",
        "首席技师",
        rank=8,
        description="在特级技师之上增设的技术职务（岗位），由企业评聘（中办发〔2022〕58号）。",
        extra={"appointed_by": "enterprise"},
    ),
)

HONOUR_LEVELS: tuple[CodeListEntry, ...] = (
    CodeListEntry("national", "国家级", rank=5),
    CodeListEntry("provincial", "省（部）级", rank=4),
    CodeListEntry("city", "市（地）级", rank=3),
    CodeListEntry("county", "县（区）级", rank=2),
    CodeListEntry("enterprise", "企业级", rank=1),
)


def _honour(code: str, name: str, levels: list[str], description: str = "") -> CodeListEntry:
    """An honour type with the honour levels (``honour_level`` codes) it can be awarded at."""
    return CodeListEntry(code, name, description=description, extra={"levels": levels})


HONOURS: tuple[CodeListEntry, ...] = (
    _honour("national_model_worker", "全国劳动模范", ["national"]),
    _honour("national_advanced_worker", "全国先进工作者", ["national"]),
    _honour(
        "provincial_model_worker",
        "省部级劳动模范",
        ["provincial"],
        "省、自治区、直辖市及国务院部门授予的劳动模范、先进工作者称号。",
    ),
    _honour("national_may_day_medal", "全国五一劳动奖章", ["national"]),
    _honour("provincial_may_day_medal", "省五一劳动奖章", ["provincial"]),
    _honour("great_craftsman", "大国工匠", ["national"]),
    _honour(
        "provincial_craftsman",
        "省级工匠",
        ["provincial"],
        "各省命名的工匠称号，如南粤工匠、上海工匠、齐鲁工匠等；具体称号记在荣誉记录的名称中。",
    ),
    _honour("city_craftsman", "市级工匠", ["city"]),
    _honour("china_skill_award", "中华技能大奖", ["national"]),
    _honour("national_technical_expert", "全国技术能手", ["national"]),
    _honour("state_council_allowance", "国务院特殊津贴", ["national"], "享受国务院政府特殊津贴。"),
    _honour(
        "innovation_studio_lead",
        "创新工作室领衔人",
        ["national", "provincial", "city"],
        "劳模和工匠人才创新工作室领衔人；级别（国家级/省部级/地市级）记在荣誉级别中。",
    ),
    _honour(
        "skill_master_studio_lead",
        "技能大师工作室负责人",
        ["national", "provincial", "city"],
    ),
    _honour(
        "workers_pioneer",
        "工人先锋号",
        ["national", "provincial", "city"],
        "集体荣誉；记录为该集体的成员。",
    ),
    _honour(
        "world_skills_medal",
        "世界技能大赛获奖",
        ["national"],
        "世界技能大赛金、银、铜牌或优胜奖获得者。",
    ),
    _honour(
        "national_skills_competition_medal",
        "全国职业技能大赛获奖",
        ["national"],
    ),
    _honour("other", "其他荣誉", ["national", "provincial", "city", "county", "enterprise"]),
)

ENTERPRISE_SIZES: tuple[CodeListEntry, ...] = (
    CodeListEntry("1", "大型", rank=4),
    CodeListEntry("2", "中型", rank=3),
    CodeListEntry("3", "小型", rank=2),
    CodeListEntry("4", "微型", rank=1),
)

QUALITY_TIERS: tuple[CodeListEntry, ...] = (
    CodeListEntry(
        "innovative_sme",
        "创新型中小企业",
        rank=1,
        description="2022年规则（工信部企业〔2022〕63号）的入门梯度；2026-04-01 起不再受理新申请。",
        extra={"rules": ["工信部企业〔2022〕63号"]},
    ),
    CodeListEntry(
        "tech_innovative_sme",
        "科技和创新型中小企业",
        rank=1,
        description="2026年规则（工信部企业〔2026〕2号）的入门梯度。",
        extra={"rules": ["工信部企业〔2026〕2号"]},
    ),
    CodeListEntry(
        "specialized_sme",
        "专精特新中小企业",
        rank=2,
        description="由省级中小企业主管部门认定。",
        extra={"rules": ["工信部企业〔2022〕63号", "工信部企业〔2026〕2号"]},
    ),
    CodeListEntry(
        "little_giant",
        "专精特新“小巨人”企业",
        rank=3,
        description="由工业和信息化部认定。",
        extra={"rules": ["工信部企业〔2022〕63号", "工信部企业〔2026〕2号"]},
    ),
    CodeListEntry(
        "single_champion",
        "制造业单项冠军",
        rank=4,
        description="独立于梯度培育的更高称号（工业和信息化部）。",
    ),
)

SERVICE_TYPES: tuple[CodeListEntry, ...] = (
    CodeListEntry("tech_service", "技术服务"),
    CodeListEntry("tech_breakthrough", "技术攻关"),
    CodeListEntry("management", "管理提升"),
    CodeListEntry("skill_training", "技能培训"),
    CodeListEntry("ideology_lecture", "思政宣讲"),
    CodeListEntry("tech_consulting", "技术咨询"),
    CodeListEntry("innovation", "创新攻关"),
    CodeListEntry("occupational_health", "职业健康"),
    CodeListEntry("mentoring", "名师带徒"),
)

SERVICE_MODES: tuple[CodeListEntry, ...] = (
    CodeListEntry("onsite", "现场指导"),
    CodeListEntry("tutoring", "技术辅导"),
    CodeListEntry("online", "线上"),
    CodeListEntry("short_term", "短期合作"),
    CodeListEntry("joint_research", "联合攻关"),
    CodeListEntry("part_time_innovation", "兼职参与创新"),
    CodeListEntry("alliance_pairing", "联盟结对"),
    CodeListEntry("mentoring", "名师带徒"),
)

DEMAND_KINDS: tuple[CodeListEntry, ...] = (
    CodeListEntry("tech_problem", "技术难题"),
    CodeListEntry("skill_training", "技能培训需求"),
    CodeListEntry("management", "管理提升"),
    CodeListEntry("ideology_lecture", "思政宣讲"),
    CodeListEntry("occupational_health", "职业健康"),
    CodeListEntry("other", "其他"),
)


#: The first list's category names → the current code, so that old spreadsheets still import.
LEGACY_DEMAND_CATEGORY_NAMES: dict[str, str] = {
    "技术难题类": "innovate",
    "管理提升类": "operation",
    "技能提升类": "workforce",
    "安全与职业健康类": "protection",
    "创新创效类": "innovate",
    "思政与文化类": "workforce",
}


def _category(
    code: str, name: str, description: str, ordinal: int, subcategories: list[tuple[str, str]]
) -> list[CodeListEntry]:
    """A demand category and its subcategories (codes ``<category>.<sub>``)."""
    entries = [
        CodeListEntry(
            code,
            name,
            description=description,
            extra={
                "ordinal": ordinal,
                "source": DEMAND_CATEGORY_SOURCE,
                # Also found by these names in spreadsheets: the short name, the first list's.
                "aliases": [
                    description,
                    *(old for old, c in LEGACY_DEMAND_CATEGORY_NAMES.items() if c == code),
                ],
            },
        )
    ]
    entries += [
        CodeListEntry(f"{code}.{sub}", label, parent_code=code) for sub, label in subcategories
    ]
    return entries


#: Where the six demand categories come from (DOMAIN.md §7.3).
DEMAND_CATEGORY_SOURCE = (
    "浙江省总工会 2022 年劳模工匠助企服务需求征集公告（浙江工人日报 2022-02-16）"
)

#: The demand categories: the six classes of 浙江's 2022 征集公告 (``DEMAND_CATEGORY_SOURCE``),
#: in the notice's order, named in its words; the short name (``extra.short_name``, also the
#: ``description``) is what narrow tables and the spreadsheet drop-downs may show. The
#: subcategories are the platform's own refinement, kept from the first list (see
#: ``LEGACY_DEMAND_CATEGORIES``) and placed under the class whose wording covers them.
DEMAND_CATEGORIES: tuple[CodeListEntry, ...] = tuple(
    _category(
        "innovate",
        "生产工艺、产品设计、质量提升等创新发展",
        "创新发展",
        1,
        [
            ("process", "工艺改进"),
            ("design", "产品设计与研发"),
            ("quality", "质量提升"),
            ("patent", "专利与成果转化"),
        ],
    )
    + _category(
        "green",
        "节能减排、节支降耗等绿色生产",
        "绿色生产",
        2,
        [
            ("energy", "节能降耗"),
            ("environment", "环境保护"),
        ],
    )
    + _category(
        "equipment",
        "生产设备改造、设施维护改进",
        "设备设施",
        3,
        [
            ("upgrade", "设备维护与改造"),
            ("digital", "数字化与智能化改造"),
        ],
    )
    + _category(
        "operation",
        "日常经营管理水平",
        "经营管理",
        4,
        [
            ("production", "生产与现场管理"),
            ("quality_system", "质量管理体系"),
            ("cost", "成本控制"),
            ("standard", "标准化建设"),
            ("team_building", "班组建设"),
        ],
    )
    + _category(
        "workforce",
        "职工（青年职工、农民工）提升技能技术水平、岗位创新能力、职业发展",
        "技能提升",
        5,
        [
            ("training", "技能培训"),
            ("certification", "技能等级认定辅导"),
            ("competition", "技能竞赛辅导"),
            ("mentoring", "师带徒"),
            ("small_innovation", "“五小”创新"),
            ("studio", "创新工作室建设"),
            ("ideology_lecture", "思政宣讲"),
            ("craftsman_spirit", "劳模工匠精神宣讲"),
        ],
    )
    + _category(
        "protection",
        "职工（特种行业职工、农民工）职业安全、身心健康、教育培训等职业保障",
        "职业保障",
        6,
        [
            ("production_safety", "安全生产"),
            ("occupational_health", "职业健康"),
        ],
    )
)

#: The first, invented category list (codes in use until migration ``demands 0007``) → the code
#: that replaces each. Every old code has an entry (a test checks it), so stored data, old
#: spreadsheets and exchange files of format 1.0/1.1 keep working: ``canonical_code`` maps them.
#: Never edit an entry: data migrations rely on it.
LEGACY_DEMAND_CATEGORIES: dict[str, str] = {
    "tech": "innovate",
    "tech.process": "innovate.process",
    "tech.design": "innovate.design",
    "tech.quality": "innovate.quality",
    "tech.equipment": "equipment.upgrade",
    "tech.energy": "green.energy",
    "tech.digital": "equipment.digital",
    "management": "operation",
    "management.production": "operation.production",
    "management.quality_system": "operation.quality_system",
    "management.cost": "operation.cost",
    "management.standard": "operation.standard",
    "skill": "workforce",
    "skill.training": "workforce.training",
    "skill.certification": "workforce.certification",
    "skill.competition": "workforce.competition",
    "skill.mentoring": "workforce.mentoring",
    "safety": "protection",
    "safety.production_safety": "protection.production_safety",
    "safety.occupational_health": "protection.occupational_health",
    "safety.environment": "green.environment",
    "innovation": "innovate",
    "innovation.small_innovation": "workforce.small_innovation",
    "innovation.patent": "innovate.patent",
    "innovation.studio": "workforce.studio",
    "culture": "workforce",
    "culture.ideology_lecture": "workforce.ideology_lecture",
    "culture.craftsman_spirit": "workforce.craftsman_spirit",
    "culture.team_building": "operation.team_building",
}


def legacy_demand_category(code: str, subcategory: str = "") -> str:
    """The current code of a demand category code of the first list (other codes unchanged).

    With ``subcategory`` (an old subcategory of the old ``code``), the category is the parent
    of the subcategory's new code: ``innovation`` + ``innovation.studio`` → ``workforce``.
    """
    if subcategory in LEGACY_DEMAND_CATEGORIES and subcategory.startswith(f"{code}."):
        return LEGACY_DEMAND_CATEGORIES[subcategory].split(".", 1)[0]
    return LEGACY_DEMAND_CATEGORIES.get(code, code)


PROFESSIONAL_TITLES: tuple[CodeListEntry, ...] = (
    CodeListEntry("junior", "初级", rank=1),
    CodeListEntry("intermediate", "中级", rank=2),
    CodeListEntry("associate_senior", "副高级", rank=3),
    CodeListEntry("senior", "正高级", rank=4),
)

#: 课程领域 of the academy course menu (工匠学院课程清单). The Shanghai 大零号湾工匠学院 menu has
#: 16 fields, of which the public reports name four (人工智能, 生物医药, 航空航天, 劳模工匠精神 —
#: marked ``source: 大零号湾``); the others are the platform's own, chosen from the trades of the
#: demo industries, and may be changed here (retired entries become inactive, never deleted).
COURSE_FIELDS: tuple[CodeListEntry, ...] = (
    CodeListEntry("ai", "人工智能", extra={"source": "大零号湾"}),
    CodeListEntry("biomedicine", "生物医药", extra={"source": "大零号湾"}),
    CodeListEntry("aerospace", "航空航天", extra={"source": "大零号湾"}),
    CodeListEntry("craftsman_spirit", "劳模工匠精神", extra={"source": "大零号湾"}),
    CodeListEntry("intelligent_manufacturing", "智能制造"),
    CodeListEntry("integrated_circuits", "集成电路"),
    CodeListEntry("new_energy_vehicles", "新能源汽车"),
    CodeListEntry("precision_machining", "精密加工与数控"),
    CodeListEntry("electrical_automation", "电气与自动化"),
    CodeListEntry("digital_skills", "数字技能"),
    CodeListEntry("quality_safety", "质量与安全生产"),
    CodeListEntry("green_low_carbon", "绿色低碳"),
    CodeListEntry("management", "班组与生产管理"),
    CodeListEntry("innovation_methods", "创新方法"),
    CodeListEntry("occupational_health", "职业健康"),
    CodeListEntry("modern_services", "现代服务业"),
)

#: Every small code list, by scheme.
CODE_LISTS: dict[str, tuple[CodeListEntry, ...]] = {
    Scheme.SKILL_LEVEL: SKILL_LEVELS,
    Scheme.SKILL_POST: SKILL_POSTS,
    Scheme.HONOUR: HONOURS,
    Scheme.HONOUR_LEVEL: HONOUR_LEVELS,
    Scheme.ENTERPRISE_SIZE: ENTERPRISE_SIZES,
    Scheme.QUALITY_TIER: QUALITY_TIERS,
    Scheme.SERVICE_TYPE: SERVICE_TYPES,
    Scheme.SERVICE_MODE: SERVICE_MODES,
    Scheme.DEMAND_KIND: DEMAND_KINDS,
    Scheme.DEMAND_CATEGORY: DEMAND_CATEGORIES,
    Scheme.PROFESSIONAL_TITLE: PROFESSIONAL_TITLES,
    Scheme.COURSE_FIELD: COURSE_FIELDS,
}
