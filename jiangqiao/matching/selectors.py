"""Reads of the matching app: suggestions, runs, conflicts and the rankings behind them.

Every function takes the requesting user. Rows come through ``visible_to``. The 推荐工匠 of a demand
rank the craftsmen the user may see *and* those of other units who agreed to serve the demand's
area (``talents.selectors.serviceable_for``, issue 14); a craftsman outside the user's scope is
shown only by his public profile (``talents.selectors.public_profiles``: name, honours, skill
level, teams, employer, owning unit) and reasons that quote public items only (``summary_public``)
— never his contact details, ID number or a link to his record. 清单匹配 and 平台匹配 still rank
only the craftsmen the user may see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from jiangqiao.core.scope import ScopeViolation
from jiangqiao.talents.selectors import matchable_ids

from . import shared
from .choices import EXCLUDING_STATUSES, SuggestionStatus
from .engine import DEFAULT, Filters, Ranked, relevance, why
from .engine.explain import PUBLIC_KINDS
from .evidence import query_for
from .indexing import IndexNotReady, demand_vectors, item_pk
from .models import DeclaredConflict, MatchRun, MatchSuggestion
from .shared import SharedState


def suggestion_list(*, user: Any, action: str = "view") -> QuerySet[MatchSuggestion]:
    """Suggestions in the user's scope, each annotated ``craftsman_in_scope`` (may the user see
    the craftsman's record? If not, only his public profile is shown)."""
    return with_craftsman_scope(
        MatchSuggestion.objects.visible_to(user, action).select_related(
            "demand", "demand__enterprise", "craftsman", "decided_by", "run"
        ),
        user,
    )


def with_craftsman_scope(qs: QuerySet[MatchSuggestion], user: Any) -> QuerySet[MatchSuggestion]:
    """Annotate ``craftsman_in_scope``: the suggested craftsman is within ``user``'s data scope."""
    from jiangqiao.talents.models import Craftsman

    visible = Craftsman.objects.visible_to(user, "view").filter(pk=OuterRef("craftsman_id"))
    return qs.annotate(craftsman_in_scope=Exists(visible))


def craftsman_in_scope(user: Any, suggestion: MatchSuggestion) -> bool:
    """The annotation of ``with_craftsman_scope``, or one query when the row was not annotated."""
    from jiangqiao.talents.models import Craftsman

    known = getattr(suggestion, "craftsman_in_scope", None)
    if known is not None:
        return bool(known)
    return Craftsman.objects.visible_to(user, "view").filter(pk=suggestion.craftsman_id).exists()


def public_why(why: dict[str, Any] | None) -> dict[str, Any]:
    """An explanation as a user outside the craftsman's unit may read it: the public reasons
    (``summary_public``) and no quoted text of private items (bio, expertise)."""
    why = dict(why or {})
    if "summary_public" in why:
        why["summary"] = why["summary_public"]
    else:  # stored before the public reasons existed: keep the lines that quote nothing
        why["summary"] = [line for line in why.get("summary", []) if "《" not in str(line)]
    evidence = {}
    for signal, entry in (why.get("evidence") or {}).items():
        entry = dict(entry)
        if entry.get("item_kind") not in PUBLIC_KINDS:
            for key in ("item_text", "item_title", "item_description"):
                entry.pop(key, None)
        evidence[signal] = entry
    why["evidence"] = evidence
    return why


def reasons_for(user: Any, suggestion: MatchSuggestion) -> list[str]:
    """The reasons the user may read: all of them within scope, the public ones otherwise."""
    if craftsman_in_scope(user, suggestion):
        return suggestion.summary
    return [str(line) for line in public_why(suggestion.why).get("summary", [])]


def demand_suggestions(*, user: Any, demand: Any) -> QuerySet[MatchSuggestion]:
    """Suggestions of one demand (best first; decided ones after the open ones)."""
    return suggestion_list(user=user).filter(demand=demand).order_by("rank", "pk")


def run_list(*, user: Any) -> QuerySet[MatchRun]:
    return MatchRun.objects.visible_to(user, "view").select_related("org", "job", "created_by")


def conflict_list(*, user: Any, action: str = "view") -> QuerySet[DeclaredConflict]:
    return DeclaredConflict.objects.visible_to(user, action).select_related(
        "craftsman", "enterprise"
    )


def match_service_records(*, user: Any, match_ids: list[int]) -> dict[int, list[Any]]:
    """Service sessions (``casework``) of these matches (newest first), by match, in scope."""
    from django.apps import apps

    model = apps.get_model("casework", "ServiceRecord")
    out: dict[int, list[Any]] = {pk: [] for pk in match_ids}
    for record in model.objects.visible_to(user, "view").filter(match_id__in=match_ids):
        out[record.match_id].append(record)
    return out


def visible_craftsman_ids(user: Any) -> set[int] | None:
    """Craftsmen the user may see; ``None`` means all (superuser)."""
    from jiangqiao.talents.models import Craftsman

    if getattr(user, "is_superuser", False):
        return None
    return set(Craftsman.objects.visible_to(user, "view").values_list("pk", flat=True))


def candidate_ids(user: Any, demand: Any) -> set[int] | None:
    """The craftsmen ranked for ``demand`` on the user's behalf: those he may see, plus those of
    any unit who agreed to serve the demand's area (``serviceable_for``); ``None`` means all."""
    from jiangqiao.talents.selectors import serviceable_for

    visible = visible_craftsman_ids(user)
    if visible is None:
        return None
    return visible | set(serviceable_for(demand).values_list("pk", flat=True))


def excluded_craftsmen(demand_ids: list[int]) -> dict[int, set[int]]:
    """Per demand: craftsmen already decided on (rejected, declined or confirmed) or in conflict."""
    out: dict[int, set[int]] = {pk: set() for pk in demand_ids}
    for demand_id, craftsman_id in MatchSuggestion.objects.filter(
        demand_id__in=demand_ids,
        status__in=[*EXCLUDING_STATUSES, SuggestionStatus.CONFIRMED],
    ).values_list("demand_id", "craftsman_id"):
        out[demand_id].add(craftsman_id)
    return out


def conflicts_by_enterprise(enterprise_ids: list[int]) -> dict[int, set[int]]:
    """Craftsmen who declared a conflict with each enterprise (active declarations only)."""
    from jiangqiao.core.choices import Status

    out: dict[int, set[int]] = {}
    for enterprise_id, craftsman_id in DeclaredConflict.objects.filter(
        enterprise_id__in=enterprise_ids, status=Status.ACTIVE
    ).values_list("enterprise_id", "craftsman_id"):
        out.setdefault(enterprise_id, set()).add(craftsman_id)
    return out


def plain_json(value: Any) -> Any:
    """Explanations as JSON-safe data (numpy scalars become Python numbers)."""
    return json.loads(json.dumps(value, default=_plain_default))


def _plain_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


@dataclass
class RankedCraftsman:
    craftsman_id: int
    score: float
    why: dict[str, Any]
    ranked: Ranked


def rank_demand(
    demand: Any,
    *,
    state: SharedState,
    vector: np.ndarray | None,
    top: int,
    visible: set[int] | None,
    exclude: set[int],
) -> list[RankedCraftsman]:
    """Rank craftsmen for ``demand`` on the shared index (``shared.state()``)."""
    query = query_for(demand)
    blocked = exclude | state.unavailable(timezone.localdate())
    filters = Filters(
        exclude=[str(pk) for pk in blocked],
        only=None if visible is None else [str(pk) for pk in visible],
        need_capacity=True,
    )
    ranked = state.experts.rank(query, top=top, filters=filters, query_vector=vector)
    # Consents are read now, not when the index was synced: a withdrawal counts at once.
    usable = matchable_ids(int(r.expert.id) for r in ranked)
    ranked = [r for r in ranked if int(r.expert.id) in usable]
    return [
        RankedCraftsman(
            craftsman_id=int(r.expert.id),
            score=float(r.score),
            why=plain_json(why(r, query, state.experts.vocab, state.experts.config)),
            ranked=r,
        )
        for r in ranked
    ]


def demand_ranking(*, user: Any, demand: Any, top: int) -> list[RankedCraftsman]:
    """The current top craftsmen for a demand the user may see (not stored), among the user's
    craftsmen and those of other units who serve the demand's area (``candidate_ids``)."""
    from jiangqiao.demands.models import Demand

    if not Demand.objects.visible_to(user, "view").filter(pk=demand.pk).exists():
        raise ScopeViolation(Demand, "view")
    exclude = excluded_craftsmen([demand.pk])[demand.pk]
    exclude |= conflicts_by_enterprise([demand.enterprise_id]).get(demand.enterprise_id, set())
    visible = candidate_ids(user, demand)
    state = shared.state()
    vector = demand_vectors([demand]).get(demand.pk)
    return rank_demand(
        demand, state=state, vector=vector, top=top, visible=visible, exclude=exclude
    )


# ------------------------------------------------------------------------------------------------
# 清单匹配: demands lined up against service items
# ------------------------------------------------------------------------------------------------


@dataclass
class ItemMatch:
    item_id: int
    title: str
    craftsman_id: int
    craftsman_name: str
    craftsman_org: str
    score: float
    summary: list[str]
    why: dict[str, Any]

    @property
    def relevance(self) -> int:
        """The 0–100 relevance shown to people (``engine.fusion.relevance``)."""
        return relevance(self.score)


@dataclass
class DemandLine:
    demand: Any
    items: list[ItemMatch] = field(default_factory=list)


def matchlist_lines(*, user: Any, demands: list[Any], per_demand: int = 3) -> list[DemandLine]:
    """For each demand (already scoped and filtered), the service items that match it best."""
    from jiangqiao.talents.models import Craftsman

    if not demands:
        return []
    visible = visible_craftsman_ids(user)
    conflicts = conflicts_by_enterprise(sorted({d.enterprise_id for d in demands}))
    lines: list[DemandLine] = []
    owners: dict[int, int] = {}
    state = shared.state()
    vectors = demand_vectors(demands)
    unavailable = state.unavailable(timezone.localdate())
    allowed = state.allowed_items(visible, unavailable)
    for demand in demands:
        query = query_for(demand)
        blocked = conflicts.get(demand.enterprise_id, set())
        only = state.allowed_items(visible, unavailable | blocked) if blocked else allowed
        ranked = state.items.rank(
            query,
            top=per_demand,
            filters=Filters(only=only),
            query_vector=vectors.get(demand.pk),
        )
        line = DemandLine(demand=demand)
        for r in ranked:
            explanation = plain_json(why(r, query, state.items.vocab, DEFAULT))
            owner = state.item_owner.get(r.expert.id, 0)
            owners[item_pk(r.expert.id)] = owner
            line.items.append(
                ItemMatch(
                    item_id=item_pk(r.expert.id),
                    title=r.expert.name,
                    craftsman_id=owner,
                    craftsman_name="",
                    craftsman_org="",
                    score=float(r.score),
                    summary=[str(s) for s in explanation.get("summary", [])],
                    why=explanation,
                )
            )
        lines.append(line)
    usable = matchable_ids(owners.values())  # consents as they are now, not at the last sync
    for line in lines:
        line.items = [item for item in line.items if item.craftsman_id in usable]
    names = {
        row["pk"]: row
        for row in Craftsman.objects.filter(pk__in=usable).values("pk", "name", "org__name")
    }
    for line in lines:
        for item in line.items:
            row = names.get(item.craftsman_id)
            if row is not None:
                item.craftsman_name = row["name"]
                item.craftsman_org = row["org__name"]
    return lines


def index_status() -> dict[str, Any]:
    """What the shared index holds (for the 平台匹配 page); never builds or waits."""
    try:
        state = shared.state()
    except IndexNotReady:
        return {"built": False}
    return {
        "built": True,
        "craftsmen": len(state.experts),
        "items": len(state.items),
        "encoder": state.encoder_name,
        "built_at": state.built_at,
        "synced_at": state.synced_at,
        "generation": state.generation,
        "fusion_version": DEFAULT.version,
    }
