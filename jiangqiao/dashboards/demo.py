"""Demo targets: Guangdong's yearly targets split over the six pilot cities (and 深圳's over its
districts), set through the services by the province's task force, for last year and this year;
and one custom indicator of the province, 「制造业服务人次」 (劳模工匠服务人次 of enterprises of
门类 C), with this year's target split over the cities the same way.

The figures they are measured against are the demo's year of history (``jiangqiao/demo/history``),
planned against the same targets and shares, so some cities are ahead and some behind.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jiangqiao.accounts.models import User
from jiangqiao.core.choices import Status
from jiangqiao.orgs.models import Organization

from . import custom, services
from .choices import Campaign

#: The real targets ×0.1 (×1 for skill upgrades, whose real Guangdong figure is 60,000 trainings).
TARGETS = {
    "person_times": 600,
    "problems_solved": 600,
    "skill_upgrades": 6000,
    "enterprises_served": 600,
}
#: Each pilot city's share (its size: workforce and manufacturing), by region code.
SHARE = {
    "440300": 0.30,
    "440100": 0.25,
    "441900": 0.20,
    "440800": 0.10,
    "440200": 0.08,
    "441500": 0.07,
}
#: The province's custom indicator and its target (most of the services go to manufacturing).
CUSTOM = {
    "label": "制造业服务人次",
    "base": "person_times",
    "dimension": "industry",
    "key": "C",
    "description": "劳模工匠服务人次中服务制造业企业的部分（省总重点：制造业当家）",
}
CUSTOM_TARGET = 520
#: Last year's targets, a little lower.
LAST_YEAR = 0.8
ACTOR = "gd_taskforce"


def _spread(total: int, weights: dict[int, float]) -> dict[int, int]:
    """``total`` over the units by weight, rounded so that the parts add up to the total."""
    whole = sum(weights.values())
    parts = {pk: int(total * w / whole) for pk, w in weights.items()}
    for pk in sorted(weights, key=lambda p: -weights[p])[: total - sum(parts.values())]:
        parts[pk] += 1
    return parts


def build(*, today: dt.date | None = None) -> int:
    """Set the demo targets (once: a year that has targets already is left as it is).
    Returns the number of targets set."""
    actor = User.objects.filter(username=ACTOR).select_related("org").first()
    if actor is None or actor.org is None:
        return 0
    province = actor.org
    year = (today or timezone.localdate()).year
    cities = {
        o.region_code: o
        for o in Organization.objects.filter(
            parent=province, region_code__in=list(SHARE), status=Status.ACTIVE, level="city"
        )
    }
    if not cities:
        return 0
    shenzhen = cities.get("440300")
    districts = (
        list(Organization.objects.filter(parent=shenzhen, status=Status.ACTIVE, level="county"))
        if shenzhen is not None
        else []
    )
    count = 0
    for y, scale in ((year - 1, LAST_YEAR), (year, 1.0)):
        from .models import Target

        if Target.objects.filter(org=province, year=y).exists():
            continue
        own = {code: round(value * scale) for code, value in TARGETS.items()}
        services.target_set_many(
            actor=actor,
            org=province,
            campaign=Campaign.ZHUQIXING,
            year=y,
            values=own,
            comment="演示：全省年度目标",
        )
        weights = {cities[c].pk: share for c, share in SHARE.items() if c in cities}
        services.target_split_many(
            actor=actor,
            parent=province,
            campaign=Campaign.ZHUQIXING,
            year=y,
            splits={code: _spread(value, weights) for code, value in own.items()},
            comment="演示：按各市规模分解",
        )
        count += len(own) * (1 + len(weights))
        if shenzhen is not None and districts:
            city = dict(
                Target.objects.filter(org=shenzhen, year=y, indicator__in=list(own)).values_list(
                    "indicator", "value"
                )
            )
            even = {d.pk: 1.0 for d in districts}
            services.target_split_many(
                actor=actor,
                parent=shenzhen,
                campaign=Campaign.ZHUQIXING,
                year=y,
                splits={code: _spread(value, even) for code, value in city.items()},
                comment="演示：深圳市分解到各区",
            )
            count += len(city) * len(districts)
    return count + _custom(
        actor, province, year, {cities[c].pk: w for c, w in SHARE.items() if c in cities}
    )


def _custom(actor: User, province: Organization, year: int, weights: dict[int, float]) -> int:
    """The province's custom indicator with this year's target split over the cities (once)."""
    from .models import CustomIndicator

    if CustomIndicator.objects.filter(org=province, label=CUSTOM["label"]).exists():
        return 0
    row = custom.custom_create(actor=actor, org=province, data=dict(CUSTOM))
    services.target_set_many(
        actor=actor,
        org=province,
        campaign=Campaign.ZHUQIXING,
        year=year,
        values={row.code: CUSTOM_TARGET},
        comment="演示：自定义指标年度目标",
    )
    services.target_split_many(
        actor=actor,
        parent=province,
        campaign=Campaign.ZHUQIXING,
        year=year,
        splits={row.code: _spread(CUSTOM_TARGET, weights)},
        comment="演示：按各市规模分解",
    )
    return 1 + len(weights)
