"""Enterprise size class by 《中小企业划型标准规定》(工信部联企业〔2011〕300号).

Source: the standard's 16 industry clauses as transcribed in STANDARDS.md §9.2 (工信部、国家统计局、
发展改革委、财政部, 2011-06-18). Amounts are 万元, staff is 从业人员 (persons).

Rule shape, per industry group:

* **大型** when the enterprise is at or above the SME ceiling on *every* criterion of the
  ceiling (the clause says “X以下或Y以下的为中小微型企业”, so one value below makes it an SME);
* **中型** when it meets *all* medium lower bounds (“且”), **小型** when it meets all small lower
  bounds, otherwise **微型** (the micro clause is “或”: any one value below the small bound).

Missing inputs: every criterion the group uses must be known, otherwise the size is unknown
(empty) and the basis says which input is missing — a size is never guessed.

Industry mapping (GB/T 4754-2017 code → group of the rule), from the rule's article 3 and the
industry definitions of 《统计上大中小微型企业划分办法(2017)》 (国统字〔2017〕213号), which maps the
300号 groups onto GB/T 4754-2017:

====================================  ==============================================
GB/T 4754-2017                        300号 group
====================================  ==============================================
门类 A (01–05)                        农、林、牧、渔业
门类 B, C, D (06–46)                  工业 (采矿业, 制造业, 电力热力燃气及水生产和供应业)
门类 E (47–50)                        建筑业
大类 51                               批发业
大类 52                               零售业
门类 G 的 54–58 and 中类 591 装卸搬运   交通运输业 (300号: “不含铁路运输业”)
大类 59 except 591                    仓储业 (2017 办法: 仓储 = 59 minus 装卸搬运)
大类 60                               邮政业
大类 61                               住宿业
大类 62                               餐饮业
大类 63, 64                           信息传输业 (电信、广播电视和卫星传输; 互联网和相关服务)
大类 65                               软件和信息技术服务业
中类 701 / 小类 7010                  房地产开发经营
中类 702 / 小类 7020                  物业管理
门类 L (71–72)                        租赁和商务服务业
other 门类 M–T and K 703–709          其他未列明行业
====================================  ==============================================

Not covered by the rule (size unknown, with the reason): 大类 53 铁路运输业 (excluded by article 3)
and 门类 J 金融业 (classified by 《金融业企业划型标准规定》, 银发〔2015〕309号). A code too coarse
to pick one group (e.g. 门类 F, G, H, I, K or 大类 70) also gives an unknown size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from .choices import SizeClass, SizeIndustry

RULE_VERSION: Final = "工信部联企业〔2011〕300号"

STAFF, REVENUE, ASSETS = "staff", "revenue", "assets"
CRITERION_LABELS: Final = {STAFF: "从业人员", REVENUE: "营业收入", ASSETS: "资产总额"}
CRITERION_UNITS: Final = {STAFF: "人", REVENUE: "万元", ASSETS: "万元"}

Bounds = dict[str, int]


@dataclass(frozen=True)
class SizeRule:
    """One row of the table: the SME ceiling and the medium and small lower bounds."""

    ceiling: Bounds
    medium: Bounds
    small: Bounds

    @property
    def criteria(self) -> tuple[str, ...]:
        keys = {*self.ceiling, *self.medium, *self.small}
        return tuple(c for c in (STAFF, REVENUE, ASSETS) if c in keys)


#: STANDARDS.md §9.2, all 16 rows.
RULES: Final[dict[str, SizeRule]] = {
    SizeIndustry.AGRICULTURE: SizeRule({REVENUE: 20000}, {REVENUE: 500}, {REVENUE: 50}),
    SizeIndustry.INDUSTRY: SizeRule(
        {STAFF: 1000, REVENUE: 40000}, {STAFF: 300, REVENUE: 2000}, {STAFF: 20, REVENUE: 300}
    ),
    SizeIndustry.CONSTRUCTION: SizeRule(
        {REVENUE: 80000, ASSETS: 80000},
        {REVENUE: 6000, ASSETS: 5000},
        {REVENUE: 300, ASSETS: 300},
    ),
    SizeIndustry.WHOLESALE: SizeRule(
        {STAFF: 200, REVENUE: 40000}, {STAFF: 20, REVENUE: 5000}, {STAFF: 5, REVENUE: 1000}
    ),
    SizeIndustry.RETAIL: SizeRule(
        {STAFF: 300, REVENUE: 20000}, {STAFF: 50, REVENUE: 500}, {STAFF: 10, REVENUE: 100}
    ),
    SizeIndustry.TRANSPORT: SizeRule(
        {STAFF: 1000, REVENUE: 30000}, {STAFF: 300, REVENUE: 3000}, {STAFF: 20, REVENUE: 200}
    ),
    SizeIndustry.WAREHOUSING: SizeRule(
        {STAFF: 200, REVENUE: 30000}, {STAFF: 100, REVENUE: 1000}, {STAFF: 20, REVENUE: 100}
    ),
    SizeIndustry.POSTAL: SizeRule(
        {STAFF: 1000, REVENUE: 30000}, {STAFF: 300, REVENUE: 2000}, {STAFF: 20, REVENUE: 100}
    ),
    SizeIndustry.ACCOMMODATION: SizeRule(
        {STAFF: 300, REVENUE: 10000}, {STAFF: 100, REVENUE: 2000}, {STAFF: 10, REVENUE: 100}
    ),
    SizeIndustry.CATERING: SizeRule(
        {STAFF: 300, REVENUE: 10000}, {STAFF: 100, REVENUE: 2000}, {STAFF: 10, REVENUE: 100}
    ),
    SizeIndustry.INFO_TRANSMISSION: SizeRule(
        {STAFF: 2000, REVENUE: 100000}, {STAFF: 100, REVENUE: 1000}, {STAFF: 10, REVENUE: 100}
    ),
    SizeIndustry.SOFTWARE: SizeRule(
        {STAFF: 300, REVENUE: 10000}, {STAFF: 100, REVENUE: 1000}, {STAFF: 10, REVENUE: 50}
    ),
    SizeIndustry.REAL_ESTATE: SizeRule(
        {REVENUE: 200000, ASSETS: 10000},
        {REVENUE: 1000, ASSETS: 5000},
        {REVENUE: 100, ASSETS: 2000},
    ),
    SizeIndustry.PROPERTY: SizeRule(
        {STAFF: 1000, REVENUE: 5000}, {STAFF: 300, REVENUE: 1000}, {STAFF: 100, REVENUE: 500}
    ),
    SizeIndustry.LEASING: SizeRule(
        {STAFF: 300, ASSETS: 120000}, {STAFF: 100, ASSETS: 8000}, {STAFF: 10, ASSETS: 100}
    ),
    SizeIndustry.OTHER: SizeRule({STAFF: 300}, {STAFF: 100}, {STAFF: 10}),
}

# 大类 (two digits) → 门类 letter, GB/T 4754-2017.
_SECTION_RANGES: Final = (
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
)
_SECTION_GROUPS: Final = {
    "A": SizeIndustry.AGRICULTURE,
    "B": SizeIndustry.INDUSTRY,
    "C": SizeIndustry.INDUSTRY,
    "D": SizeIndustry.INDUSTRY,
    "E": SizeIndustry.CONSTRUCTION,
    "L": SizeIndustry.LEASING,
}
_DIVISION_GROUPS: Final = {
    "51": SizeIndustry.WHOLESALE,
    "52": SizeIndustry.RETAIL,
    "54": SizeIndustry.TRANSPORT,
    "55": SizeIndustry.TRANSPORT,
    "56": SizeIndustry.TRANSPORT,
    "57": SizeIndustry.TRANSPORT,
    "58": SizeIndustry.TRANSPORT,
    "60": SizeIndustry.POSTAL,
    "61": SizeIndustry.ACCOMMODATION,
    "62": SizeIndustry.CATERING,
    "63": SizeIndustry.INFO_TRANSMISSION,
    "64": SizeIndustry.INFO_TRANSMISSION,
    "65": SizeIndustry.SOFTWARE,
}
#: Sections whose divisions all fall into 其他未列明行业.
_OTHER_SECTIONS: Final = frozenset("MNOPQRST")


@dataclass(frozen=True)
class GroupResult:
    group: str | None
    reason: str = ""


def section_of(division: str) -> str | None:
    """门类 letter of a two-digit 大类 code (``"34"`` → ``"C"``)."""
    if len(division) != 2 or not division.isdigit():
        return None
    number = int(division)
    for letter, low, high in _SECTION_RANGES:
        if low <= number <= high:
            return letter
    return None


def industry_group(code: str | None) -> GroupResult:
    """The 300号 industry group of a GB/T 4754-2017 code (any level), or why there is none."""
    code = (code or "").strip().upper()
    if not code:
        return GroupResult(None, "未填写所属行业")
    if code.isalpha():
        section = code
        if section in _SECTION_GROUPS:
            return GroupResult(_SECTION_GROUPS[section])
        if section in _OTHER_SECTIONS:
            return GroupResult(SizeIndustry.OTHER)
        if section == "J":
            return GroupResult(None, "金融业按《金融业企业划型标准规定》划型，不适用300号文")
        return GroupResult(None, f"行业门类“{section}”包含多个划型行业，请填写到大类或更细")
    division = code[:2]
    found_section = section_of(division)
    if found_section is None:
        return GroupResult(None, f"行业代码“{code}”无法识别")
    section = found_section
    if section == "J":
        return GroupResult(None, "金融业按《金融业企业划型标准规定》划型，不适用300号文")
    if division == "53":
        return GroupResult(None, "300号文的交通运输业不含铁路运输业")
    if division == "59":
        if len(code) < 3:
            return GroupResult(None, "大类59含装卸搬运（交通运输业）和仓储业，请填写到中类")
        return GroupResult(
            SizeIndustry.TRANSPORT if code[:3] == "591" else SizeIndustry.WAREHOUSING
        )
    if division == "70":
        if len(code) < 3:
            return GroupResult(None, "大类70含房地产开发经营、物业管理等，请填写到中类")
        if code[:3] == "701":
            return GroupResult(SizeIndustry.REAL_ESTATE)
        if code[:3] == "702":
            return GroupResult(SizeIndustry.PROPERTY)
        return GroupResult(SizeIndustry.OTHER)
    if division in _DIVISION_GROUPS:
        return GroupResult(_DIVISION_GROUPS[division])
    if section in _SECTION_GROUPS:
        return GroupResult(_SECTION_GROUPS[section])
    return GroupResult(SizeIndustry.OTHER)


@dataclass(frozen=True)
class SizeResult:
    """A computed size class: ``size`` is a ``SizeClass`` value or ``""`` (unknown)."""

    size: str
    group: str
    basis: str
    rule_version: str = RULE_VERSION

    @property
    def label(self) -> str:
        return SizeClass(self.size).label if self.size else "未知"


def _fmt(criterion: str, value: int | Decimal) -> str:
    amount = Decimal(value)
    number = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{CRITERION_LABELS[criterion]}{number}{CRITERION_UNITS[criterion]}"


def _meets(values: dict[str, Decimal], bounds: Bounds) -> bool:
    return all(values[c] >= bounds[c] for c in bounds)


def _bounds_text(bounds: Bounds, op: str) -> str:
    return "且".join(
        f"{CRITERION_LABELS[c]}{op}{v:,}{CRITERION_UNITS[c]}" for c, v in bounds.items()
    )


def classify(
    industry_code: str | None,
    *,
    staff: int | None,
    revenue: Decimal | int | None,
    assets: Decimal | int | None,
) -> SizeResult:
    """Size class of an enterprise; unknown (``size=""``) when the inputs do not decide it."""
    found = industry_group(industry_code)
    if found.group is None:
        return SizeResult("", "", found.reason)
    group = found.group
    rule = RULES[group]
    given: dict[str, int | Decimal | None] = {STAFF: staff, REVENUE: revenue, ASSETS: assets}
    missing = [CRITERION_LABELS[c] for c in rule.criteria if given[c] is None]
    label = SizeIndustry(group).label
    if missing:
        return SizeResult("", group, f"{label}划型需要{'、'.join(missing)}，尚未填写")
    values = {c: Decimal(given[c]) for c in rule.criteria}  # type: ignore[arg-type]
    shown = "，".join(_fmt(c, given[c]) for c in rule.criteria)  # type: ignore[arg-type]
    if _meets(values, rule.ceiling):
        return SizeResult(
            SizeClass.LARGE, group, f"{label}：{shown}；{_bounds_text(rule.ceiling, '≥')}为大型"
        )
    if _meets(values, rule.medium):
        return SizeResult(
            SizeClass.MEDIUM, group, f"{label}：{shown}；{_bounds_text(rule.medium, '≥')}为中型"
        )
    if _meets(values, rule.small):
        return SizeResult(
            SizeClass.SMALL, group, f"{label}：{shown}；{_bounds_text(rule.small, '≥')}为小型"
        )
    below = "或".join(
        f"{CRITERION_LABELS[c]}<{v:,}{CRITERION_UNITS[c]}" for c, v in rule.small.items()
    )
    return SizeResult(SizeClass.MICRO, group, f"{label}：{shown}；{below}为微型")
