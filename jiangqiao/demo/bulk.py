"""The large demo set (100,000 craftsmen, 50,000 enterprises, 300,000 demands) with bulk inserts.

The services validate and log one record at a time; for benchmark volumes this module writes the same
rows and the same derived columns (normalised text, blind indexes, code index rows, demand numbers)
in batches. Generated values are valid by construction (codes from the reference data, check
characters computed), so skipping per-row validation loses nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiangqiao.taxonomy.selectors import get_term
from jiangqiao.text import normalize, search_key

from . import people
from .build import Context, build_teams, demo_consents, pick_county, system_actor

BATCH = 2000
# Reference lookups hit the database each time; the generator asks about the same few thousand codes
# hundreds of thousands of times, so remember the answers for the run.
_get_term = lru_cache(maxsize=None)(get_term)


@cache
def _term_rank(scheme: str, code: str) -> int | None:
    term = _get_term(scheme, code)
    return term.rank if term is not None else None


_CACHES: dict[Any, Any] = {}


def _cached(fn: Any) -> Any:
    if fn not in _CACHES:
        _CACHES[fn] = lru_cache(maxsize=None)(fn)
    return _CACHES[fn]


def _batches(total: int) -> Iterator[range]:
    for start in range(0, total, BATCH):
        yield range(start, min(total, start + BATCH))


def build_large(ctx: Context, counts: dict[str, int]) -> dict[str, int]:
    actor = system_actor()
    made = {"craftsmen": 0, "enterprises": 0, "demands": 0, "teams": 0}
    sample_by_city: dict[str, list[Any]] = {}
    for batch in _batches(counts["craftsmen"]):
        made["craftsmen"] += _craftsmen(ctx, actor, batch, sample_by_city)
        ctx.say(f"  劳模工匠 {made['craftsmen']}/{counts['craftsmen']}")
    made["teams"] = build_teams(ctx, actor, sample_by_city)
    enterprises: list[tuple[int, str, str, Any]] = []
    for batch in _batches(counts["enterprises"]):
        made["enterprises"] += _enterprises(ctx, actor, batch, enterprises)
        ctx.say(f"  企业 {made['enterprises']}/{counts['enterprises']}")
    sequence = [0]
    for batch in _batches(counts["demands"]):
        made["demands"] += _demands(ctx, actor, batch, enterprises, sequence)
        ctx.say(f"  需求 {made['demands']}/{counts['demands']}")
    from jiangqiao.demands.models import DemandCounter

    DemandCounter.objects.update_or_create(
        province="GD", year=timezone.localdate().year, defaults={"last": sequence[0]}
    )
    return made


@transaction.atomic
def _craftsmen(ctx: Context, actor: Any, batch: range, sample_by_city: dict[str, list[Any]]) -> int:
    from jiangqiao.talents.codes import code_key as uncached_code_key

    code_key = _cached(uncached_code_key)
    from jiangqiao.talents.choices import CONSENT_VERSION
    from jiangqiao.talents.models import Consent, Craftsman, CraftsmanCode, Honour, ServiceItem
    from jiangqiao.talents.services import code_rows as craftsman_code_rows
    from jiangqiao.talents.services import search_text_for, set_derived

    rng = ctx.rng
    now = timezone.now()
    rows, children = [], []
    for i in batch:
        county, city = pick_county(ctx)
        industry = rng.choice(ctx.industries)
        data, honours, items = people.craftsman(rng, industry, county, city, i)
        c = Craftsman(org=ctx.tree.counties[county], created_by=actor, updated_by=actor, **data)
        set_derived(c, rank=_term_rank)
        c.search_text = search_text_for(c, (item["title"] for item in items))
        rows.append(c)
        children.append((honours, items, city))
    Craftsman.objects.bulk_create(rows, batch_size=BATCH)
    honour_rows: list[Any] = []
    item_rows: list[Any] = []
    code_rows: list[Any] = []
    for c, (honours, items, city) in zip(rows, children, strict=True):
        if len(sample_by_city.setdefault(city, [])) < 40:
            sample_by_city[city].append(c)
        for h in honours:
            verified = h.pop("verified")
            honour_rows.append(
                Honour(craftsman=c, verified=verified, created_by=actor, updated_by=actor, **h)
            )
        for item in items:
            item_rows.append(
                ServiceItem(
                    craftsman=c,
                    created_by=actor,
                    updated_by=actor,
                    description_normalized=normalize(item["description"], keep_newlines=True),
                    **item,
                )
            )
        code_rows.extend(
            craftsman_code_rows(c, (item["service_type"] for item in items), key_of=code_key)
        )
    Honour.objects.bulk_create(honour_rows, batch_size=BATCH)
    ServiceItem.objects.bulk_create(item_rows, batch_size=BATCH)
    Consent.objects.bulk_create(
        [
            Consent(
                craftsman=c,
                purpose=purpose,
                version=CONSENT_VERSION,
                granted_at=now,
                created_by=actor,
                updated_by=actor,
            )
            # A fixed spread by position, so the seeded generator's stream is left as it was.
            for i, c in zip(batch, rows, strict=True)
            for purpose in demo_consents((i * 7919 % 1000) / 1000)
        ],
        batch_size=BATCH * 2,
    )
    CraftsmanCode.objects.bulk_create(code_rows, batch_size=BATCH * 3)
    return len(rows)


@transaction.atomic
def _enterprises(
    ctx: Context, actor: Any, batch: range, out: list[tuple[int, str, str, Any]]
) -> int:
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.demands.services import _derive_enterprise

    rng = ctx.rng
    rows, industries = [], []
    for _ in batch:
        county, city = pick_county(ctx)
        industry = rng.choice(ctx.industries)
        ent = Enterprise(
            org=ctx.tree.counties[county],
            created_by=actor,
            updated_by=actor,
            verified_at=timezone.now(),  # entered by staff: confirmed by the unit
            **people.enterprise(rng, industry, county, ctx.city_names[city]),
        )
        _derive_enterprise(ent)
        rows.append(ent)
        industries.append(industry)
    Enterprise.objects.bulk_create(rows, batch_size=BATCH)
    out.extend(
        (e.pk, e.region_code, e.name, (e.org_id, ind))
        for e, ind in zip(rows, industries, strict=True)
    )
    return len(rows)


@transaction.atomic
def _demands(
    ctx: Context,
    actor: Any,
    batch: range,
    enterprises: list[tuple[int, str, str, Any]],
    sequence: list[int],
) -> int:
    from jiangqiao.demands.models import Demand, DemandCode, DemandEvent
    from jiangqiao.demands.numbering import format_number

    rng = ctx.rng
    year = timezone.localdate().year
    now = timezone.now()
    rows = []
    for _ in batch:
        ent_id, region, ent_name, (org_id, industry) = rng.choice(enterprises)
        data = people.demand(rng, industry, region)
        submitted = rng.random() < 0.85
        number = None
        if submitted:
            sequence[0] += 1
            number = format_number("GD", region, year, sequence[0])
        d = Demand(
            org_id=org_id,
            enterprise_id=ent_id,
            created_by=actor,
            updated_by=actor,
            channel=rng.choice(("online", "offline", "offline", "imported")),
            status="submitted" if submitted else "draft",
            number=number,
            submitted_at=now - datetime.timedelta(days=rng.randint(0, 300)) if submitted else None,
            submitted_by=actor if submitted else None,
            **data,
        )
        d.description_normalized = normalize(d.description, keep_newlines=True)
        d.search_text = search_key(
            " ".join([number or "", d.title, d.description, " ".join(d.tags), ent_name])
        )
        rows.append(d)
    Demand.objects.bulk_create(rows, batch_size=BATCH)
    codes: list[Any] = []
    events: list[Any] = []
    for d in rows:
        for code in d.industry_codes:
            term = _get_term("industry", code)
            path = term.path.split("/") if term is not None and term.path else [code]
            codes.extend(
                DemandCode(demand=d, scheme="industry", code=a, selected=(a == code)) for a in path
            )
        codes.extend(DemandCode(demand=d, scheme="tag", code=search_key(t)[:64]) for t in d.tags)
        events.append(
            DemandEvent(
                demand=d,
                from_status="",
                to_status="draft",
                actor=actor,
                actor_name=actor.username,
                comment="批量生成（演示数据）",
            )
        )
        if d.status == "submitted":
            events.append(
                DemandEvent(
                    demand=d,
                    from_status="draft",
                    to_status="submitted",
                    actor=actor,
                    actor_name=actor.username,
                    comment="提交",
                )
            )
    DemandCode.objects.bulk_create(codes, batch_size=BATCH * 3)
    DemandEvent.objects.bulk_create(events, batch_size=BATCH * 2)
    return len(rows)
