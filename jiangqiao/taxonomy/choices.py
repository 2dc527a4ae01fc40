"""The classification schemes (tag dimensions) held by the taxonomy app.

Every entry of every scheme is exposed as a tag ``{scheme, code, label, version}``
(DOMAIN.md §7.9, STANDARDS.md §9.5). ``SCHEMES`` describes each scheme: what it is called,
which version of the source it follows, the names of its levels and the noun used in
validation messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

#: Version of the platform's own code lists (service types, honours, demand categories, ...).
PLATFORM_LIST_VERSION = "匠桥 2026.1"


class Scheme(models.TextChoices):
    INDUSTRY = "industry", "国民经济行业分类"
    REGION = "region", "行政区划"
    OCCUPATION = "occupation", "职业分类"
    SKILL_LEVEL = "skill_level", "职业技能等级"
    SKILL_POST = "skill_post", "技能岗位（特级技师/首席技师）"
    HONOUR = "honour", "荣誉称号"
    HONOUR_LEVEL = "honour_level", "荣誉级别"
    ENTERPRISE_SIZE = "enterprise_size", "企业规模"
    QUALITY_TIER = "quality_tier", "优质中小企业梯度"
    SERVICE_TYPE = "service_type", "服务类型"
    SERVICE_MODE = "service_mode", "服务方式"
    DEMAND_KIND = "demand_kind", "需求类型"
    DEMAND_CATEGORY = "demand_category", "需求类别"
    PROFESSIONAL_TITLE = "professional_title", "职称等级"
    COURSE_FIELD = "course_field", "课程领域"


@dataclass(frozen=True)
class SchemeInfo:
    """Static description of a scheme."""

    scheme: str
    label: str
    version: str
    source: str
    #: Noun used in messages, e.g. “行政区划代码“440399”不存在（GB/T 2260）”.
    code_noun: str
    #: Short reference shown in brackets in messages.
    reference: str
    #: Names of the levels, index 0 = level 1.
    level_names: tuple[str, ...] = ("",)
    #: ``True`` for the three big national classifications loaded from data files.
    from_file: bool = False
    #: Placeholder for the search box.
    placeholder: str = "输入代码或名称"

    def level_name(self, level: int) -> str:
        if 1 <= level <= len(self.level_names):
            return self.level_names[level - 1]
        return f"第{level}级"

    @property
    def max_level(self) -> int:
        return len(self.level_names)


SCHEMES: dict[str, SchemeInfo] = {
    info.scheme: info
    for info in (
        SchemeInfo(
            scheme=Scheme.INDUSTRY,
            label=Scheme.INDUSTRY.label,
            version="GB/T 4754-2017",
            source="GB/T 4754-2017《国民经济行业分类》（国家统计局）",
            code_noun="国民经济行业代码",
            reference="GB/T 4754-2017",
            level_names=("门类", "大类", "中类", "小类"),
            from_file=True,
            placeholder="输入行业代码（如 C34、3461）、名称或拼音首字母",
        ),
        SchemeInfo(
            scheme=Scheme.REGION,
            label=Scheme.REGION.label,
            version="GB/T 2260 (2025-12-31)",
            source="GB/T 2260 行政区划代码（民政部，截至 2025-12-31）",
            code_noun="行政区划代码",
            reference="GB/T 2260",
            level_names=("省级", "地级", "县级"),
            from_file=True,
            placeholder="输入区划代码（如 4403）、名称或拼音首字母（如 szs）",
        ),
        SchemeInfo(
            scheme=Scheme.OCCUPATION,
            label=Scheme.OCCUPATION.label,
            version="大典2022",
            source="《中华人民共和国职业分类大典（2022年版）》",
            code_noun="职业代码",
            reference="职业分类大典2022",
            level_names=("大类", "中类", "小类", "细类"),
            from_file=True,
            placeholder="输入职业代码（如 6-28-01）、名称或拼音首字母",
        ),
        SchemeInfo(
            scheme=Scheme.SKILL_LEVEL,
            label=Scheme.SKILL_LEVEL.label,
            version="新八级工（中办发〔2022〕58号）",
            source="国家职业技能等级（五级至一级）及学徒工，中办发〔2022〕58号",
            code_noun="职业技能等级代码",
            reference="国家职业技能等级",
            level_names=("等级",),
        ),
        SchemeInfo(
            scheme=Scheme.SKILL_POST,
            label=Scheme.SKILL_POST.label,
            version="新八级工（中办发〔2022〕58号）",
            source="企业评聘的特级技师、首席技师技术职务（岗位），中办发〔2022〕58号",
            code_noun="技能岗位代码",
            reference="新八级工",
            level_names=("岗位",),
        ),
        SchemeInfo(
            scheme=Scheme.HONOUR,
            label=Scheme.HONOUR.label,
            version=PLATFORM_LIST_VERSION,
            source="平台荣誉称号清单（依据全国和省级劳模、工匠、技能人才表彰制度整理）",
            code_noun="荣誉称号代码",
            reference="平台荣誉清单",
            level_names=("称号",),
        ),
        SchemeInfo(
            scheme=Scheme.HONOUR_LEVEL,
            label=Scheme.HONOUR_LEVEL.label,
            version=PLATFORM_LIST_VERSION,
            source="平台荣誉级别清单",
            code_noun="荣誉级别代码",
            reference="平台荣誉清单",
            level_names=("级别",),
        ),
        SchemeInfo(
            scheme=Scheme.ENTERPRISE_SIZE,
            label=Scheme.ENTERPRISE_SIZE.label,
            version="统计上大中小微型企业划分办法(2017)",
            source="《统计上大中小微型企业划分办法(2017)》规模代码",
            code_noun="企业规模代码",
            reference="统计上大中小微型企业划分办法(2017)",
            level_names=("规模",),
        ),
        SchemeInfo(
            scheme=Scheme.QUALITY_TIER,
            label=Scheme.QUALITY_TIER.label,
            version="工信部企业〔2022〕63号 / 〔2026〕2号",
            source="《优质中小企业梯度培育管理暂行办法》(2022) 与《优质中小企业梯度培育管理办法》(2026)",
            code_noun="优质中小企业梯度代码",
            reference="优质中小企业梯度培育",
            level_names=("梯度",),
        ),
        SchemeInfo(
            scheme=Scheme.SERVICE_TYPE,
            label=Scheme.SERVICE_TYPE.label,
            version=PLATFORM_LIST_VERSION,
            source="平台服务类型清单（劳模工匠助企行服务内容）",
            code_noun="服务类型代码",
            reference="平台清单",
            level_names=("类型",),
        ),
        SchemeInfo(
            scheme=Scheme.SERVICE_MODE,
            label=Scheme.SERVICE_MODE.label,
            version=PLATFORM_LIST_VERSION,
            source="平台服务方式清单（劳模工匠助企行服务方式）",
            code_noun="服务方式代码",
            reference="平台清单",
            level_names=("方式",),
        ),
        SchemeInfo(
            scheme=Scheme.DEMAND_KIND,
            label=Scheme.DEMAND_KIND.label,
            version=PLATFORM_LIST_VERSION,
            source="平台需求类型清单（企业需求库）",
            code_noun="需求类型代码",
            reference="平台清单",
            level_names=("类型",),
        ),
        SchemeInfo(
            scheme=Scheme.DEMAND_CATEGORY,
            label=Scheme.DEMAND_CATEGORY.label,
            version="浙江 2022 征集公告",
            source="浙江省总工会 2022 年助企服务需求征集公告的六类（浙江工人日报 2022-02-16）；"
            "子类为平台细分",
            code_noun="需求类别代码",
            reference="平台清单",
            level_names=("类别", "子类"),
        ),
        SchemeInfo(
            scheme=Scheme.PROFESSIONAL_TITLE,
            label=Scheme.PROFESSIONAL_TITLE.label,
            version=PLATFORM_LIST_VERSION,
            source="专业技术职务（职称）层级",
            code_noun="职称等级代码",
            reference="平台清单",
            level_names=("层级",),
        ),
        SchemeInfo(
            scheme=Scheme.COURSE_FIELD,
            label=Scheme.COURSE_FIELD.label,
            version=PLATFORM_LIST_VERSION,
            source="上海大零号湾工匠学院首批课程清单的领域（公开报道列出的四个领域起步，其余由平台补充，"
            "见 taxonomy/data/PROVENANCE.md）",
            code_noun="课程领域代码",
            reference="平台清单",
            level_names=("领域",),
        ),
    )
}

#: Schemes loaded from the national data files in ``data/``.
FILE_SCHEMES: tuple[str, ...] = (Scheme.INDUSTRY, Scheme.REGION, Scheme.OCCUPATION)
#: Schemes defined in :mod:`jiangqiao.taxonomy.codelists`.
CODE_LIST_SCHEMES: tuple[str, ...] = tuple(s for s in Scheme.values if s not in FILE_SCHEMES)


def scheme_info(scheme: str) -> SchemeInfo:
    """Return the description of ``scheme``; raises ``KeyError`` for an unknown scheme."""
    return SCHEMES[scheme]
