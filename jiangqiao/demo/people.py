"""Generators for the demo records: plain dicts in the shape the services accept."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from jiangqiao.core.identifiers import make_id_number, make_uscc

from . import texts
from .catalogue import Industry
from .orgs import body8

# Skill levels on the national scale, weighted towards the senior end (these are craftsmen).
SKILL_LEVELS = [
    ("senior_technician", 40),
    ("technician", 35),
    ("senior_worker", 20),
    ("intermediate_worker", 5),
]
#: Posts that fit each skill level: a 首席技师 is a 高级技师, an 操作工 is not a 技术主管.
POSITIONS = {
    "senior_technician": ("首席技师", "技术主管", "车间主任", "班组长"),
    "technician": ("技术主管", "班组长", "工艺员", "车间副主任"),
    "senior_worker": ("班组长", "机台长", "操作工"),
    "intermediate_worker": ("操作工", "机台长"),
}
#: 特级技师 and 首席技师 are appointed from 高级技师 only (评聘, STANDARDS.md §9.4).
SKILL_POSTS = {
    "senior_technician": ("", "", "", "special_technician", "chief_technician"),
}
HONOURS = [
    ("city_craftsman", "city", 30),
    ("provincial_craftsman", "provincial", 12),
    ("provincial_model_worker", "provincial", 10),
    ("provincial_may_day_medal", "provincial", 10),
    ("national_technical_expert", "national", 6),
    ("national_may_day_medal", "national", 4),
    ("national_model_worker", "national", 2),
    ("great_craftsman", "national", 1),
    ("skill_master_studio_lead", "provincial", 8),
    ("innovation_studio_lead", "city", 10),
    ("state_council_allowance", "national", 3),
]
EXPERTISE_AREAS = [
    "innovate.process",
    "innovate.quality",
    "equipment.upgrade",
    "green.energy",
    "equipment.digital",
    "innovate.design",
    "operation.production",
    "operation.cost",
    "workforce.training",
    "workforce.certification",
    "workforce.mentoring",
    "protection.production_safety",
    "workforce.small_innovation",
]
MODES = [
    "onsite",
    "tutoring",
    "online",
    "short_term",
    "joint_research",
    "part_time_innovation",
    "alliance_pairing",
    "mentoring",
]
ISSUERS = {"national": "中华全国总工会", "provincial": "广东省总工会", "city": "市总工会"}


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


def weighted(rng: random.Random, pairs: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(pairs, weights=[p[-1] for p in pairs])[0]


def craftsman(
    rng: random.Random, industry: Industry, county_code: str, city_code: str, seq: int
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """One craftsman's fields, honours and service items."""
    occupation = rng.choice(industry.occupations)
    gender = "male" if rng.random() < 0.78 else "female"
    # ID numbers must be unique: (seq // 500) picks a distinct birth date (97 is coprime to the
    # 11,000-day span, so the mapping is one-to-one), (seq % 500) the sequence; parity = gender.
    birth = datetime.date(1962, 1, 1) + datetime.timedelta(days=(seq // 500) * 97 % 11000)
    seq3 = (seq % 500) * 2 + (1 if gender == "male" else 0)
    expertise, bio, _keywords = texts.expertise(rng, industry, occupation)
    employer = texts.enterprise_name(rng, "广东", industry).removeprefix("广东")
    level = weighted(rng, SKILL_LEVELS)[0]
    post = rng.choice(SKILL_POSTS.get(level, ("",)))
    data = {
        "name": texts.person_name(rng),
        "gender": gender,
        "birth_year": birth.year,
        "id_number": make_id_number(county_code, birth, f"{seq3:03d}"),
        "mobile": mobile(rng),
        "employer_name": employer,
        "employer_uscc": make_uscc("9", "1", county_code, body8(rng)),
        "position": rng.choice(POSITIONS[level]),
        "industries": [industry.code],
        "occupations": [occupation.code],
        "skill_level": level,
        "skill_cert_no": f"S{rng.randint(10**9, 10**10 - 1)}",
        "skill_cert_issuer": "广东省人力资源和社会保障厅",
        "skill_cert_date": datetime.date(
            rng.randint(2008, 2025), rng.randint(1, 12), rng.randint(1, 28)
        ),
        "skill_post": post,
        "professional_title": rng.choice(("", "", "intermediate", "associate_senior")),
        # Controlled vocabulary (demand sub-categories) — what kinds of problem this person solves.
        "expertise_tags": rng.sample(EXPERTISE_AREAS, k=rng.randint(1, 3)),
        "expertise": expertise,
        "bio": bio,
        "service_modes": rng.sample(MODES, k=rng.randint(2, 4)),
        "regions_served": [city_code] + (["440000"] if rng.random() < 0.25 else []),
        "cross_region_ok": rng.random() < 0.3,
        "max_open_services": rng.choice((2, 3, 3, 5)),
        "max_new_per_month": rng.choice((1, 2, 2, 3)),
    }
    honours = []
    for _ in range(rng.choice((0, 1, 1, 2))):
        code, level_code, _w = weighted(rng, HONOURS)
        honours.append(
            {
                "honour_type": code,
                "level": level_code,
                "year": rng.randint(2010, 2025),
                "issuer": ISSUERS[level_code],
                "certificate_no": f"H{rng.randint(10**7, 10**8 - 1)}",
                "verified": rng.random() < 0.6,
            }
        )
    items = [
        {
            "title": it["title"],
            "description": it["description"],
            "service_type": it["type"],
            "industries": [industry.code],
            "duration": rng.choice(("半天", "1天", "2天/次", "按需")),
            "modes": rng.sample(data["service_modes"], k=1),
        }
        for it in texts.service_items(rng, industry, occupation, rng.randint(1, 3))
    ]
    return data, honours, items


def enterprise(
    rng: random.Random, industry: Industry, county_code: str, city_name: str
) -> dict[str, Any]:
    staff = int(rng.lognormvariate(4.3, 1.0))
    revenue = Decimal(int(staff * rng.uniform(20, 120)))  # 万元
    has_union = rng.random() < 0.7
    tier = rng.choices(
        ("", "innovative_sme", "specialized_sme", "little_giant"), weights=(70, 15, 12, 3)
    )[0]
    data: dict[str, Any] = {
        "uscc": make_uscc("9", "1", county_code, body8(rng)),
        "name": texts.enterprise_name(rng, city_name, industry),
        "address": f"{city_name}{rng.choice(('工业园', '科技园', '高新区', '产业园'))}{rng.randint(1, 300)}号",
        "region_code": county_code,
        "industry_code": industry.code,
        "main_products": industry.product,
        "staff_count": max(3, staff),
        "revenue": revenue,
        "total_assets": Decimal(int(float(revenue) * rng.uniform(0.5, 1.5))),
        "basis_year": 2025,
        "has_union": has_union,
        "union_uscc": make_uscc("8", "1", county_code, body8(rng)) if has_union else "",
    }
    if tier:
        issued = datetime.date(rng.randint(2022, 2025), rng.randint(1, 12), 1)
        data.update(
            {
                "quality_tier": tier,
                "tier_cert_no": f"GD-ZJTX-{issued.year}-{rng.randint(1000, 9999)}",
                "tier_issued_on": issued,
                "tier_valid_until": issued.replace(year=issued.year + 3),
                "tier_rule_version": "工信部企业〔2022〕63号",
            }
        )
    return data


def demand(rng: random.Random, industry: Industry, region_code: str) -> dict[str, Any]:
    text, occupation = texts.demand_text(rng, industry)
    data: dict[str, Any] = {
        "kind": text.kind,
        "category": text.category,
        "subcategory": text.subcategory,
        "title": text.title[:100],
        "description": text.description,
        "current_state": text.current_state,
        "desired_outcome": text.desired_outcome,
        "industry_codes": [industry.code],
        "tags": [occupation.name[:20], industry.product[:20]],
        "min_skill_level": rng.choice(("", "senior_worker", "technician", "senior_technician")),
        "region_code": region_code,
        "delivery_mode": rng.choice(("onsite", "onsite", "either", "online")),
        "visibility": rng.choice(("private", "anonymised", "anonymised", "public")),
        "matching_suggestion": rng.choice(("", "", f"建议匹配熟悉{occupation.name}的劳模工匠")),
    }
    if text.kind == "skill_training":
        data["trainee_count"] = rng.randint(10, 80)
    return data
