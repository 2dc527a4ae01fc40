"""From the platform's rows to the engine's plain data: craftsmen → ``Expert``, demands → ``Query``.

Everything here reads rows already loaded (no query per craftsman): :func:`load_craftsmen` fetches a
batch of craftsmen with their active service items, honours and open matches in a fixed number of
queries, and :func:`expert_for` / :func:`item_expert_for` turn one of them into engine records.

Codes are mapped to what the engine expects: industries without the 门类 letter (GB/T 4754 as the
taxonomy stores them), the national skill scale (1 = 一级/高级技师 … 5 = 五级/初级工; 学徒工 counts
as 5), service modes and honours as their Chinese names. A craftsman's own region is the region of
the union unit that keeps the profile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from jiangqiao.taxonomy.codelists import (
    DEMAND_CATEGORIES,
    HONOURS,
    SERVICE_MODES,
    SKILL_LEVELS,
)
from jiangqiao.taxonomy.selectors import canonical_code
from jiangqiao.text import normalize

from .engine import Evidence, Expert, Query, load_vocabulary

SKILL_LEVEL_NO: dict[str, int] = {
    e.code: int(e.extra.get("level_no") or 5) for e in SKILL_LEVELS if e.extra
}
MODE_NAMES = {e.code: e.name for e in SERVICE_MODES}
HONOUR_NAMES = {e.code: e.name for e in HONOURS}
CATEGORY_NAMES = {e.code: e.name for e in DEMAND_CATEGORIES}

#: Demand states after which a confirmed match no longer takes a craftsman's capacity.
FINISHED_DEMAND_STATUSES = (
    "resolved",
    "partially_resolved",
    "unresolved",
    "confirmed",
    "closed",
    "withdrawn",
    "cancelled",
    "merged",
)
#: Demands that 平台匹配 staffs.
OPEN_DEMAND_STATUSES = ("submitted", "triaged", "published", "escalated")

ONSITE = {"onsite": True, "online": False, "either": None}


def item_hash(kind: str, text: str) -> str:
    """The stored key of one evidence item: its vector is reused while this stays the same."""
    return hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()[:32]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def skill_level_no(code: str | None) -> int | None:
    """Term code of ``skill_level`` → national scale (1 = 高级技师 … 5 = 初级工)."""
    return SKILL_LEVEL_NO.get(code or "")


def engine_industry(code: str) -> str:
    return canonical_code("industry", code)


@dataclass
class ItemRow:
    pk: int
    title: str
    description: str
    industries: list[str]
    modes: list[str]


@dataclass
class CraftsmanRow:
    """What the engine needs of one craftsman, loaded in bulk."""

    pk: int
    name: str
    updated_at: Any
    org_region: str
    employer_uscc: str
    industries: list[str]
    occupations: list[str]
    skill_level: str
    expertise_tags: list[str]
    expertise: str
    bio: str
    position: str
    service_modes: list[str]
    regions_served: list[str]
    cross_region_ok: bool
    max_open_services: int
    pause_until: Any
    items: list[ItemRow] = field(default_factory=list)
    honours: list[str] = field(default_factory=list)
    open_matches: int = 0
    solved: int = 0

    @property
    def capacity(self) -> int:
        return max(0, self.max_open_services - self.open_matches)

    @property
    def stamp(self) -> tuple[Any, ...]:
        """Changes when anything the index holds about the craftsman changes."""
        return (self.updated_at, self.capacity, self.solved)


def load_craftsmen(ids: Iterable[int] | None = None) -> list[CraftsmanRow]:
    """Craftsmen matching may use (all, or ``ids``) with items, honours and match counts; 5
    queries. Who may be used is ``talents.selectors.matchable_craftsmen`` (在库 and the consent
    公开展示个人档案 in force)."""
    from jiangqiao.talents.models import Honour, ServiceItem
    from jiangqiao.talents.selectors import matchable_craftsmen

    qs = matchable_craftsmen()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    rows: dict[int, CraftsmanRow] = {}
    for values in qs.values(
        "pk",
        "name",
        "updated_at",
        "org__region_code",
        "employer_uscc",
        "industries",
        "occupations",
        "skill_level",
        "expertise_tags",
        "expertise",
        "bio",
        "position",
        "service_modes",
        "regions_served",
        "cross_region_ok",
        "max_open_services",
        "pause_until",
    ).order_by("pk"):
        rows[values["pk"]] = CraftsmanRow(
            pk=values["pk"],
            name=values["name"],
            updated_at=values["updated_at"],
            org_region=values["org__region_code"] or "",
            employer_uscc=values["employer_uscc"] or "",
            industries=list(values["industries"] or []),
            occupations=list(values["occupations"] or []),
            skill_level=values["skill_level"] or "",
            expertise_tags=list(values["expertise_tags"] or []),
            expertise=values["expertise"] or "",
            bio=values["bio"] or "",
            position=values["position"] or "",
            service_modes=list(values["service_modes"] or []),
            regions_served=list(values["regions_served"] or []),
            cross_region_ok=bool(values["cross_region_ok"]),
            max_open_services=int(values["max_open_services"] or 0),
            pause_until=values["pause_until"],
        )
    if not rows:
        return []
    keys = list(rows)
    items = ServiceItem.objects.filter(craftsman_id__in=keys, is_active=True).order_by(
        "craftsman_id", "sort", "pk"
    )
    for item in items.values("pk", "craftsman_id", "title", "description", "industries", "modes"):
        rows[item["craftsman_id"]].items.append(
            ItemRow(
                pk=item["pk"],
                title=item["title"] or "",
                description=item["description"] or "",
                industries=list(item["industries"] or []),
                modes=list(item["modes"] or []),
            )
        )
    for cid, code in (
        Honour.objects.filter(craftsman_id__in=keys)
        .order_by("craftsman_id", "-year", "pk")
        .values_list("craftsman_id", "honour_type")
    ):
        name = HONOUR_NAMES.get(code, code)
        if name not in rows[cid].honours:
            rows[cid].honours.append(name)
    for cid, open_count, solved in match_counts(keys):
        rows[cid].open_matches = open_count
        rows[cid].solved = solved
    return list(rows.values())


def match_counts(craftsman_ids: Iterable[int]) -> list[tuple[int, int, int]]:
    """(craftsman, open confirmed matches, completed matches) for the given craftsmen."""
    from .choices import SuggestionStatus
    from .models import MatchSuggestion

    return [
        (row["craftsman_id"], row["open"], row["solved"])
        for row in MatchSuggestion.objects.filter(
            craftsman_id__in=list(craftsman_ids), status=SuggestionStatus.CONFIRMED
        )
        .values("craftsman_id")
        .annotate(
            open=Count("pk", filter=~Q(demand__status__in=FINISHED_DEMAND_STATUSES)),
            # Track record: problems verified solved (recorded solved and confirmed solved by
            # the enterprise, docs/kpi.md), never a status set by staff alone.
            solved=Count("pk", filter=Q(demand__solved_confirmed_at__isnull=False)),
        )
        .order_by()
    ]


def evidence_for(row: CraftsmanRow) -> list[Evidence]:
    """Expertise, bio, skills, then one item per active service item (the stored vector order)."""
    vocab = load_vocabulary()
    evidence: list[Evidence] = []
    tags = normalize("、".join(CATEGORY_NAMES.get(code, code) for code in row.expertise_tags))
    expertise = normalize(" ".join(p for p in (tags, row.expertise) if p))
    if expertise:
        evidence.append(Evidence("expertise", expertise, title=tags if row.expertise else ""))
    bio = normalize(row.bio)
    if bio:
        evidence.append(Evidence("profile", bio))
    skills = [vocab.occupations.get(code, "") for code in row.occupations]
    skill_text = normalize("、".join(p for p in (*skills, row.position) if p))
    if skill_text:
        evidence.append(Evidence("skill", skill_text))
    for item in row.items:
        evidence.append(Evidence("service_item", item_text(item), title=normalize(item.title)))
    return evidence


def item_text(item: ItemRow) -> str:
    return normalize(f"{item.title} {item.description}".strip())


def _base_expert(row: CraftsmanRow) -> dict[str, Any]:
    vocab = load_vocabulary()
    region = row.org_region if row.org_region in vocab.regions else ""
    return {
        "industries": [c for c in map(engine_industry, row.industries) if c in vocab.industries],
        "occupations": [c for c in row.occupations if c in vocab.occupations],
        "region": region,
        "regions_served": [c for c in row.regions_served if c in vocab.regions],
        "cross_region": row.cross_region_ok,
        "skill_level": skill_level_no(row.skill_level),
        "honours": list(row.honours),
        "capacity": row.capacity,
        "modes": [MODE_NAMES.get(m, m) for m in row.service_modes],
        "employer_uscc": (row.employer_uscc or "").upper(),
        "solved": row.solved,
    }


def expert_for(row: CraftsmanRow) -> Expert:
    return Expert(
        id=str(row.pk),
        name=row.name,
        evidence=evidence_for(row),
        tags=[CATEGORY_NAMES.get(c, c) for c in row.expertise_tags],
        **_base_expert(row),
    )


def item_expert_id(item_pk: int) -> str:
    return f"i{item_pk}"


def item_expert_for(row: CraftsmanRow, item: ItemRow) -> Expert:
    """One service item as an engine record of its own (清单匹配 ranks items, not people)."""
    vocab = load_vocabulary()
    base = _base_expert(row)
    industries = [c for c in map(engine_industry, item.industries) if c in vocab.industries]
    if industries:
        base["industries"] = industries
    if item.modes:
        base["modes"] = [MODE_NAMES.get(m, m) for m in item.modes]
    return Expert(
        id=item_expert_id(item.pk),
        name=item.title,
        evidence=[Evidence("service_item", item_text(item), title=normalize(item.title))],
        **base,
    )


def query_for(demand: Any) -> Query:
    """A demand (with ``enterprise`` loaded) as an engine query."""
    vocab = load_vocabulary()
    description = normalize(
        " ".join(p for p in (demand.description, demand.current_state, demand.desired_outcome) if p)
    )
    return Query(
        id=str(demand.pk),
        title=normalize(demand.title or ""),
        description=description,
        tags=[normalize(t) for t in (demand.tags or []) if t],
        industries=[
            c for c in map(engine_industry, demand.industry_codes or []) if c in vocab.industries
        ],
        region=demand.region_code if demand.region_code in vocab.regions else "",
        onsite=ONSITE.get(demand.delivery_mode),
        min_skill_level=skill_level_no(demand.min_skill_level),
        kind=demand.get_kind_display(),
        employer_uscc=(demand.enterprise.uscc or "").upper(),
    )
