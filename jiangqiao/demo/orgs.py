"""The demo union tree: 广东省总工会, six pilot cities with their real counties (GB/T 2260),
provincial and city industry unions, and grassroots unions of enterprises."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

from jiangqiao.core.identifiers import USCC_CHARSET, make_uscc
from jiangqiao.orgs.choices import OrgLevel
from jiangqiao.orgs.models import Organization
from jiangqiao.orgs.services import org_create
from jiangqiao.taxonomy.models import Term

PROVINCE = ("广东省总工会", "440000")
PILOT_CITIES = (
    "440100",
    "440300",
    "441500",
    "441900",
    "440200",
    "440800",
)  # 广州 深圳 汕尾 东莞 韶关 湛江
PROVINCIAL_INDUSTRY_UNIONS = ("广东省机械冶金工会", "广东省能源化学工会", "广东省交通运输工会")
CITY_INDUSTRY_UNIONS = {"440300": "深圳市电子信息产业工会", "440100": "广州市汽车产业工会"}
BODY_CHARS = "".join(c for c in USCC_CHARSET if c in string.digits + string.ascii_uppercase)


@dataclass
class DemoTree:
    province: Organization
    cities: dict[str, Organization] = field(default_factory=dict)
    counties: dict[str, Organization] = field(default_factory=dict)  # region code → county union
    grassroots: list[Organization] = field(default_factory=list)
    industry_unions: list[Organization] = field(default_factory=list)


def body8(rng: random.Random) -> str:
    return "".join(rng.choice(BODY_CHARS) for _ in range(8))


def _get_or_create(
    parent: Organization | None, level: str, name: str, region: str, **extra: str
) -> Organization:
    existing = Organization.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        return existing
    return org_create(
        actor=None, parent=parent, level=level, name=name, region_code=region, **extra
    )


def counties_of(city_code: str) -> list[Term]:
    """The real counties of a city. 东莞 (and 中山) have no counties: their towns report to the city."""
    return list(
        Term.objects.filter(scheme="region", parent_code=city_code, is_active=True).order_by("code")
    )


def build_tree(rng: random.Random, *, grassroots_per_county: int = 2) -> DemoTree:
    province = _get_or_create(None, OrgLevel.PROVINCE, *PROVINCE)
    tree = DemoTree(province=province)
    for name in PROVINCIAL_INDUSTRY_UNIONS:
        tree.industry_unions.append(_get_or_create(province, OrgLevel.INDUSTRY, name, "440000"))
    for city_code in PILOT_CITIES:
        city_term = Term.objects.get(scheme="region", code=city_code)
        city = _get_or_create(province, OrgLevel.CITY, f"{city_term.name}总工会", city_code)
        tree.cities[city_code] = city
        if city_code in CITY_INDUSTRY_UNIONS:
            tree.industry_unions.append(
                _get_or_create(city, OrgLevel.INDUSTRY, CITY_INDUSTRY_UNIONS[city_code], city_code)
            )
        counties = counties_of(city_code)
        if not counties:
            tree.counties[city_code] = city  # 不设区的市: the city union serves directly
        for county_term in counties:
            name = f"{county_term.name}总工会"
            tree.counties[county_term.code] = _get_or_create(
                city, OrgLevel.COUNTY, name, county_term.code
            )
    for code, county in tree.counties.items():
        existing = list(county.children.filter(level=OrgLevel.GRASSROOTS))
        for i in range(len(existing), grassroots_per_county):
            name = f"{county.name.removesuffix('总工会')}第{i + 1}联合工会"
            existing.append(
                _get_or_create(
                    county,
                    OrgLevel.GRASSROOTS,
                    name,
                    code,
                    uscc=make_uscc("8", "1", code, body8(rng)),
                )
            )
        tree.grassroots.extend(existing)
    return tree
