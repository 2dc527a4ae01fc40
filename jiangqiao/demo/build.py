"""Build the demo province: union tree, accounts, craftsmen, teams, enterprises, demands.

``small`` goes through the services (validation, change log, numbering) exactly as users would;
``large`` (for benchmarks) writes the same derived columns with bulk inserts. Both are seeded, so a
given size always produces the same data.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiangqiao.taxonomy.models import Term

from . import catalogue, people
from .orgs import DemoTree, build_tree

SIZES = {
    "small": {"craftsmen": 420, "enterprises": 320, "demands": 840},
    "large": {"craftsmen": 100_000, "enterprises": 50_000, "demands": 300_000},
}
# Where the demo's activity happens: big manufacturing cities weigh more.
CITY_WEIGHTS = {"440300": 30, "440100": 25, "441900": 20, "440800": 10, "440200": 8, "441500": 7}


@dataclass
class Context:
    rng: random.Random
    tree: DemoTree
    industries: list[catalogue.Industry]
    city_names: dict[str, str]
    say: Callable[[str], None]


def load_catalogue() -> list[catalogue.Industry]:
    q = Q()
    for section in catalogue.SECTIONS:
        q |= Q(path__startswith=f"{section}/")
    industries = [
        (t.code, t.name, t.description)
        for t in Term.objects.filter(q, scheme="industry", level=4, is_active=True)
    ]
    occupations = [
        (t.code, t.name, t.description, t.tasks)
        for t in Term.objects.filter(scheme="occupation", level=4, is_active=True)
    ]
    return catalogue.build(industries, occupations)


def pick_county(ctx: Context) -> tuple[str, str]:
    """A (county code, city code) pair, weighted by city."""
    city = ctx.rng.choices(list(CITY_WEIGHTS), weights=list(CITY_WEIGHTS.values()))[0]
    counties = [
        code for code, org in ctx.tree.counties.items() if org.parent_id == ctx.tree.cities[city].pk
    ]
    if not counties:  # 东莞: no counties, the city union serves directly
        return city, city
    return ctx.rng.choice(counties), city


def make_context(seed: int, say: Callable[[str], None]) -> Context:
    rng = random.Random(seed)
    tree = build_tree(rng)
    names = dict(
        Term.objects.filter(scheme="region", code__in=list(CITY_WEIGHTS)).values_list(
            "code", "name"
        )
    )
    return Context(rng=rng, tree=tree, industries=load_catalogue(), city_names=names, say=say)


def timed(say: Callable[[str], None], label: str) -> Callable[[Callable[[], int]], int]:
    def run(fn: Callable[[], int]) -> int:
        started = time.perf_counter()
        n = fn()
        say(f"{label}：{n} 条，用时 {time.perf_counter() - started:.1f} 秒")
        return n

    return run


def system_actor() -> Any:
    """The account that demo and import jobs act as: a superuser that cannot log in."""
    from jiangqiao.accounts.models import User

    user, created = User.objects.get_or_create(
        username="system",
        defaults={
            "real_name": "系统（演示数据）",
            "is_superuser": True,
            "must_change_password": False,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


#: The separate consents of a demo craftsman: most gave both (matching needs 公开展示个人档案,
#: an invitation 向服务对象企业提供联系方式), some only the first, a few none — so the demo
#: shows what each missing consent prevents.
def demo_consents(draw: float) -> list[str]:
    if draw < 0.85:
        return ["profile_publication", "contact_sharing"]
    if draw < 0.93:
        return ["profile_publication"]
    return []


def build_small(ctx: Context, counts: dict[str, int]) -> dict[str, int]:
    """Through the services, one record at a time, as staff would enter them."""
    from jiangqiao.demands import services as demand_services
    from jiangqiao.talents import services as talent_services

    actor = system_actor()
    rng = ctx.rng
    made = {"craftsmen": 0, "enterprises": 0, "demands": 0, "teams": 0}
    craftsmen_by_city: dict[str, list[Any]] = {}
    with transaction.atomic():
        for i in range(counts["craftsmen"]):
            county, city = pick_county(ctx)
            industry = rng.choice(ctx.industries)
            data, honours, items = people.craftsman(rng, industry, county, city, i)
            c = talent_services.craftsman_create(
                actor=actor,
                org=ctx.tree.counties[county],
                data=data,
                consents=demo_consents(rng.random()),
            )
            for honour in honours:
                verified = honour.pop("verified")
                talent_services.honour_add(actor=actor, craftsman=c, data=honour, verified=verified)
            for item in items:
                talent_services.service_item_add(actor=actor, craftsman=c, data=item)
            craftsmen_by_city.setdefault(city, []).append(c)
            made["craftsmen"] += 1
        made["teams"] = build_teams(ctx, actor, craftsmen_by_city)
        enterprises = []
        for _ in range(counts["enterprises"]):
            county, city = pick_county(ctx)
            industry = rng.choice(ctx.industries)
            data = people.enterprise(rng, industry, county, ctx.city_names[city])
            enterprises.append(
                (
                    demand_services.enterprise_create(
                        actor=actor, org=ctx.tree.counties[county], data=data
                    ),
                    industry,
                )
            )
            made["enterprises"] += 1
        demands = []
        for _ in range(counts["demands"]):
            ent, industry = rng.choice(enterprises)
            data = people.demand(rng, industry, ent.region_code)
            channel = rng.choice(("online", "offline", "offline", "imported"))
            demands.append(
                demand_services.demand_create(
                    actor=actor,
                    enterprise=ent,
                    data=data,
                    channel=channel,
                    submit=rng.random() < 0.85,
                )
            )
            made["demands"] += 1
        made["service_records"] = build_service_records(ctx, actor, craftsmen_by_city, demands)
    return made


#: What the demo's service records say (服务纪要), one picked per record.
SERVICE_NOTES = (
    "现场查看设备运行情况，找出主要故障原因，提出整改措施并指导班组落实。",
    "对一线员工进行操作规范和安全要点培训，现场答疑，约定下次回访时间。",
    "与企业技术骨干一起梳理工艺流程，确定攻关方案和分工，下周提交试验结果。",
    "线上讲解检测方法和数据记录要求，发送操作要点资料，企业反馈问题已缓解。",
)


def build_service_records(
    ctx: Context, actor: Any, craftsmen_by_city: dict[str, list[Any]], demands: list[Any]
) -> int:
    """Some submitted demands get a craftsman of their city (人工推荐, confirmed) and one or two
    service records, through the services, so that the 服务记录 pages have something to show."""
    from jiangqiao.casework import sessions as session_services
    from jiangqiao.core.exceptions import BusinessError
    from jiangqiao.matching import services as matching_services

    rng = ctx.rng
    open_demands = [d for d in demands if d.status == "submitted"]
    made = 0
    for demand in rng.sample(open_demands, k=min(12, len(open_demands))):
        people_here = craftsmen_by_city.get(demand.region_code[:4] + "00") or []
        if not people_here:
            continue
        craftsman = rng.choice(people_here)
        try:
            suggestion = matching_services.suggestion_add_manual(
                actor=actor, demand=demand, craftsman=craftsman, reason="专长与需求对口（演示）"
            )
            matching_services.suggestion_confirm(actor=actor, suggestion=suggestion)
        except BusinessError:  # no capacity, paused, same employer …: leave it
            continue
        for _ in range(rng.choice((1, 1, 2))):
            session_services.session_create(
                actor=actor,
                match=suggestion,
                data={
                    "date": timezone.localdate(),
                    "duration_min": rng.choice((60, 90, 120, 180, 240)),
                    "prep_min": rng.choice((None, 30, 60)),
                    "travel_min": rng.choice((None, 20, 40, 60)),
                    "mode": rng.choice(("onsite", "onsite", "online", "phone")),
                    "activities": rng.sample(
                        ["tech_service", "tech_consulting", "skill_training", "mentoring"], k=2
                    ),
                    "location": demand.region_code,
                    "attendees": rng.randint(2, 12),
                    "trainees": rng.choice((None, 3, 5, 8)),
                    "problems_solved": rng.randint(0, 3),
                    "notes": rng.choice(SERVICE_NOTES),
                    "economic_benefit": rng.choice((None, Decimal("5.00"), Decimal("12.50"))),
                    "enterprise_confirmed": rng.random() < 0.5,
                },
            )
            made += 1
    return made


def build_teams(ctx: Context, actor: Any, craftsmen_by_city: dict[str, list[Any]]) -> int:
    """Service teams at the four levels: 省, 市(产业), 县, 基层."""
    from jiangqiao.talents import services as talent_services

    rng = ctx.rng
    everyone = [c for group in craftsmen_by_city.values() for c in group]
    plans: list[tuple[Any, str, str, list[Any]]] = [
        (
            ctx.tree.province,
            "province",
            "广东省劳模工匠技术服务总队",
            rng.sample(everyone, k=min(12, len(everyone))),
        ),
    ]
    for city_code, members in craftsmen_by_city.items():
        city = ctx.tree.cities[city_code]
        plans.append(
            (
                city,
                "city",
                f"{city.name.removesuffix('总工会')}劳模工匠技术服务队",
                rng.sample(members, k=min(8, len(members))),
            )
        )
        by_county: dict[int, list[Any]] = {}
        for c in members:
            by_county.setdefault(c.org_id, []).append(c)
        for org_id, group in list(by_county.items())[:3]:
            county = next(o for o in ctx.tree.counties.values() if o.pk == org_id)
            if county.level == "county" and len(group) >= 2:
                plans.append(
                    (
                        county,
                        "county",
                        f"{county.name.removesuffix('总工会')}工匠服务小分队",
                        group[:5],
                    )
                )
    for union in ctx.tree.industry_unions[:2]:
        plans.append(
            (
                union,
                "city",
                f"{union.name}技术攻关队",
                rng.sample(everyone, k=min(6, len(everyone))),
            )
        )
    for grassroots in ctx.tree.grassroots[:4]:
        members = [c for c in everyone if c.org_id == grassroots.parent_id][:3]
        if len(members) >= 2:
            plans.append((grassroots, "grassroots", f"{grassroots.name}创新工作室服务组", members))
    made = 0
    for org, level, name, members in plans:
        team = talent_services.team_create(
            actor=actor,
            org=org,
            data={
                "name": name,
                "level": level,
                "industry_code": members[0].industries[0] if members else "",
            },
        )
        for member in members:
            talent_services.team_add_member(actor=actor, team=team, craftsman=member)
        if members:
            talent_services.team_set_lead(actor=actor, team=team, craftsman=members[0])
        made += 1
    return made


def link_demo_users(ctx: Context) -> None:
    """Give the demo 劳模工匠 account a profile and the 企业联络人 account an enterprise (南山区)."""
    from jiangqiao.accounts.models import User
    from jiangqiao.demands import services as demand_services
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.talents import services as talent_services
    from jiangqiao.talents.models import Craftsman

    actor = system_actor()
    craftsman_user = User.objects.filter(username="craftsman").first()
    if craftsman_user is not None and not Craftsman.objects.filter(user=craftsman_user).exists():
        profile = Craftsman.objects.filter(org__region_code="440305").order_by("pk").first()
        if profile is not None:
            # The account and the profile are the same person: the profile takes the account's
            # real name, so 我的档案, the team lists and the service records all say 刘工匠.
            if craftsman_user.real_name and profile.name != craftsman_user.real_name:
                profile = talent_services.craftsman_update(
                    actor=actor, craftsman=profile, data={"name": craftsman_user.real_name}
                )
            talent_services.craftsman_link_user(actor=actor, craftsman=profile, user=craftsman_user)
    mine = Craftsman.objects.filter(user__username="craftsman").first()
    if mine is not None:  # the demo craftsman agreed to both, so the demo matches and invites him
        for purpose in ("profile_publication", "contact_sharing"):
            talent_services.consent_grant(actor=actor, craftsman=mine, purpose=purpose)
    contact_user = User.objects.filter(username="ent_contact").first()
    if contact_user is not None and contact_user.org is not None:
        county = contact_user.org
        ent = Enterprise.objects.filter(org=county).order_by("pk").first()
        if ent is None:
            industry = ctx.rng.choice(ctx.industries)
            ent = demand_services.enterprise_create(
                actor=actor,
                org=county,
                data=people.enterprise(ctx.rng, industry, county.region_code, "深圳市"),
            )
        if not ent.contacts.filter(user=contact_user).exists():
            demand_services.contact_add(
                actor=actor,
                enterprise=ent,
                name=contact_user.real_name or "赵企业",
                mobile="13800138000",
                title="生产部经理",
                user=contact_user,
                is_primary=True,
            )
