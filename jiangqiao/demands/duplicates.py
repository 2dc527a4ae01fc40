"""Duplicate demands: a new demand that repeats an open one of the same enterprise.

:func:`similar_open_demands` compares the new text with the enterprise's open demands of the same
kind or category (the matching engine's word and character-bigram signals,
``matching.engine.similarity``) and returns those at or above the threshold, most alike first.

It reads **only through the scope chokepoint** (``Demand.objects.visible_to(user, "view")``): an
enterprise contact is compared with his own enterprise's demands, staff with those of their
scope. A similar demand the user may not see is never returned, counted or hinted at — the user
learns nothing about it and the new demand is saved as if there were none.

``demand_create(check_duplicates=True)`` calls it inside its transaction, after locking the
enterprise's row: two submissions of the same text a moment apart are serialised, and the second
finds the first. A similar demand stops the save with :class:`DuplicateDemand` until the user
confirms “这是另一个问题” (``duplicate_confirmed=True``, recorded in the new demand's history and
the operation log); an identical text cannot be confirmed — it is the same demand.
``demand_update(check_duplicates=True)`` does the same when an edit of a draft, a submitted or a
returned demand changes its text, kind or category (:func:`edited_fields`), the demand itself left
out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.matching.engine import similarity
from jiangqiao.text import normalize

from .choices import OPEN_STATUSES
from .models import Demand

#: Candidates read per check (the enterprise's newest open demands the user may see).
MAX_CANDIDATES = 200
#: Similar demands shown to the user.
MAX_SHOWN = 5
#: The form field (and API field) that confirms “这是另一个问题”.
CONFIRM_FIELD = "confirm_not_duplicate"

SIMILAR_MESSAGE = (
    "需求描述：与本企业在办的需求相似，可能是同一个问题。请先查看下列需求；"
    "如确实是另一个问题，请勾选“这是另一个问题”后再提交"
)
SAME_TEXT_MESSAGE = (
    "需求描述：与本企业在办的需求内容完全相同，未重复创建；如需补充，请在原需求中补充说明"
)


@dataclass(frozen=True)
class Similar:
    """An open demand like the new one, as the user may see it."""

    demand: Demand
    score: float
    same_text: bool

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    def as_dict(self) -> dict[str, Any]:
        d = self.demand
        return {
            "id": d.pk,
            "number": d.number or "",
            "title": d.title,
            "status": d.status,
            "status_display": d.get_status_display(),
            "created_at": d.created_at,
            "similarity": self.percent,
            "url": d.get_absolute_url(),
        }


class DuplicateDemand(BusinessError):
    """The new demand repeats an open one the user may see; ``similar`` lists them."""

    def __init__(self, similar: list[Similar]) -> None:
        same = any(s.same_text for s in similar)
        super().__init__(
            SAME_TEXT_MESSAGE if same else SIMILAR_MESSAGE, field=CONFIRM_FIELD, code="duplicate"
        )
        self.similar = similar
        self.same_text = same

    def as_dict(self) -> dict[str, Any]:
        return {
            "detail": self.message,
            "field": CONFIRM_FIELD,
            "same_text": self.same_text,
            "similar": [s.as_dict() for s in self.similar],
        }


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return normalize(value if isinstance(value, str) else "")


@dataclass(frozen=True)
class Candidate:
    """An open demand the user may see, cut into the similarity's units once."""

    demand: Demand
    profile: similarity.Profile


def open_candidates(user: Any, enterprise: Any, *, exclude: int | None = None) -> list[Candidate]:
    """The open demands of ``enterprise`` that ``user`` may see (newest first, at most
    ``MAX_CANDIDATES``), ready to compare; an import reads them once per enterprise."""
    if user is None or enterprise is None:
        return []
    rows = (
        Demand.objects.visible_to(user, "view")
        .filter(enterprise_id=getattr(enterprise, "pk", enterprise))
        .filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
        .order_by("-created_at", "-pk")
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return [
        Candidate(d, similarity.profile(d.title, d.description_normalized))
        for d in rows[:MAX_CANDIDATES]
    ]


def similar_among(data: dict[str, Any], candidates: list[Candidate]) -> list[Similar]:
    """Those of ``candidates`` of the same kind or category that say what ``data`` says."""
    title = _text(data, "title")
    if not title:
        return []
    kind, category = data.get("kind") or "", data.get("category") or ""
    new = similarity.profile(title, _text(data, "description"))
    found = []
    for c in candidates:
        if c.demand.kind != kind and not (category and c.demand.category == category):
            continue
        score = similarity.similarity(new, c.profile)
        if score >= similarity.THRESHOLD:
            found.append(Similar(c.demand, score, similarity.same_text(new, c.profile)))
    found.sort(key=lambda s: (-s.score, -s.demand.pk))
    return found[:MAX_SHOWN]


def similar_open_demands(
    user: Any, enterprise: Any, data: dict[str, Any], *, exclude: int | None = None
) -> list[Similar]:
    """Open demands of ``enterprise`` that ``user`` may see and that say what ``data`` says.

    ``data`` holds the new demand's fields (``title``, ``description``, ``kind``, ``category``);
    ``exclude`` is a demand not to compare with (itself, when editing).
    """
    if not _text(data, "title"):
        return []
    return similar_among(data, open_candidates(user, enterprise, exclude=exclude))


#: The fields compared: an edit that changes one of them is checked again.
COMPARED_FIELDS = ("title", "description", "kind", "category")


def edited_fields(demand: Demand, data: dict[str, Any]) -> dict[str, Any] | None:
    """The compared fields of ``demand`` as ``data`` would leave them, or ``None`` if the edit
    changes none of them (spacing, width and case aside: a form sending the text back unchanged
    is no change)."""
    after = {n: data.get(n, getattr(demand, n)) for n in COMPARED_FIELDS}
    if all(_text(after, n) == normalize(getattr(demand, n) or "") for n in COMPARED_FIELDS):
        return None
    return after


def confirmed_in(data: Any) -> bool:
    """Did the form (or the API body) confirm “这是另一个问题”?"""
    value = data.get(CONFIRM_FIELD) if hasattr(data, "get") else None
    return value is True or str(value or "").strip().lower() in ("1", "true", "on", "yes")


def check(
    user: Any,
    enterprise: Any,
    data: dict[str, Any],
    *,
    confirmed: bool = False,
    exclude: int | None = None,
) -> list[Similar]:
    """Raise :class:`DuplicateDemand` unless nothing similar is visible, or the user confirmed a
    merely similar one; return what the user confirmed past (for the history)."""
    similar = similar_open_demands(user, enterprise, data, exclude=exclude)
    if similar and (not confirmed or any(s.same_text for s in similar)):
        raise DuplicateDemand(similar)
    return similar


def confirmed_comment(similar: list[Similar]) -> str:
    """The history's note of a confirmation: which demands the submitter saw and set aside."""
    numbers = "、".join(s.demand.number or f"草稿#{s.demand.pk}" for s in similar)
    return f"提交人确认与相似的在办需求（{numbers}）不是同一个问题"
