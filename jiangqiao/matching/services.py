"""Writes of the matching app. Every function is atomic where it writes, scope-checked and audited.

* ``suggestions_refresh`` ranks the craftsmen for a demand and stores the top ones as proposals
  (source 推荐) with their explanation and the fusion-weight version. Craftsmen already rejected,
  declined or confirmed for the demand, paused ones and declared conflicts are left out.
* ``suggestion_confirm`` / ``suggestion_reject`` / ``suggestion_record_decline``: a person decides
  (PIPL Art. 24). Each is a conditional UPDATE on the status (of two concurrent decisions exactly one
  wins; the other gets a business error) and writes a change-log and an operation-log row.
* ``run_start`` / ``platform_run_execute``: 平台匹配 over the open demands of an organisation subtree,
  as a background job with progress; the constrained assignment (capacities, conflicts, skill
  requirements) picks one craftsman per demand and the result is stored as proposals to review.
* ``embeddings_refresh``: recompute stored vectors after profile or demand edits (task worker).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jiangqiao.core import changelog
from jiangqiao.core.choices import JOB_FINISHED, BusinessType, ChangeAction, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.jobs import job_start
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import ScopeViolation, assert_visible, subtree_q
from jiangqiao.text import normalize

from . import shared
from .choices import (
    EXCLUDING_STATUSES,
    RunStatus,
    SuggestionSource,
    SuggestionStatus,
)
from .engine import DEFAULT
from .engine.assign import Candidate, DemandSpec, ExpertSpec, assign
from .evidence import OPEN_DEMAND_STATUSES, load_craftsmen, skill_level_no
from .indexing import craftsman_vectors, demand_vectors, get_encoder
from .models import DeclaredConflict, MatchRun, MatchSuggestion
from .selectors import (
    RankedCraftsman,
    conflicts_by_enterprise,
    excluded_craftsmen,
    rank_demand,
    visible_craftsman_ids,
)

MODULE = "供需匹配"
REASON_MAX = 500
RUN_JOB_KIND = "matching.platform_run"
EMBED_JOB_KIND = "matching.embed"
EMBED_JOB_STALE_AFTER = dt.timedelta(hours=1)


def _reason(value: Any, *, required: bool, label: str = "理由") -> str:
    text = normalize(str(value or ""))
    if required and not text:
        raise BusinessError(f"{label}：请填写", field="reason")
    if len(text) > REASON_MAX:
        raise BusinessError(f"{label}：最多 {REASON_MAX} 个字", field="reason")
    return text


def _check_perm(actor: Any, perm: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(perm):
        raise BusinessError("您没有此操作的权限", code="forbidden")


def _visible_demand(actor: Any, demand: Any, *, ended_ok: bool = False) -> Any:
    from jiangqiao.demands.models import Demand

    found = (
        Demand.objects.visible_to(actor, "view")
        .select_related("enterprise", "org")
        .filter(pk=demand.pk)
        .first()
    )
    if found is None:
        raise ScopeViolation(Demand, "view")
    if found.status in ENDED_DEMAND_STATUSES and not ended_ok:
        raise BusinessError(
            f"需求已{found.get_status_display().removeprefix('已')}，不能再推荐或确认工匠",
            field="status",
            code="conflict",
        )
    return found


#: Demands nobody may be matched to any more.
ENDED_DEMAND_STATUSES = ("withdrawn", "cancelled", "closed", "merged")


def _check_visible_craftsman(actor: Any, craftsman: Any) -> None:
    from jiangqiao.talents.models import Craftsman

    if craftsman is None or not (
        Craftsman.objects.visible_to(actor, "view").filter(pk=craftsman.pk).exists()
    ):
        raise BusinessError("劳模工匠：不存在或不在您的数据范围内", field="craftsman")


def _check_matching_consent(craftsman: Any) -> None:
    """Matching uses a craftsman only with the consent 公开展示个人档案 in force (read now)."""
    from jiangqiao.talents.selectors import MATCHING_CONSENT, consent_refusal

    refusal = consent_refusal(craftsman, MATCHING_CONSENT)
    if refusal:
        raise BusinessError(refusal, field="craftsman", code="no_consent")


def on_consent_withdrawn(
    sender: Any, *, craftsman: Any, purpose: str, actor: Any, reason: str = "", **_: Any
) -> int:
    """Without 公开展示个人档案 the craftsman's open proposals (待确认) lapse (已失效) at once;
    decided ones stay as history. Returns how many lapsed."""
    from jiangqiao.talents.selectors import MATCHING_CONSENT

    if purpose != MATCHING_CONSENT:
        return 0
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    lapsed = MatchSuggestion.objects.filter(
        craftsman_id=craftsman.pk, status=SuggestionStatus.PROPOSED
    ).update(status=SuggestionStatus.SUPERSEDED, updated_at=now, updated_by=user)
    if lapsed:
        record_operation(
            actor=user,
            module=MODULE,
            business_type=BusinessType.UPDATE,
            action=f"劳模工匠“{craftsman}”撤回“公开展示个人档案”授权：{lapsed} 条待确认的匹配建议失效",
            target=craftsman,
            extra={"superseded": lapsed, "reason": reason[:200]},
        )
    return lapsed


# ------------------------------------------------------------------------------------------------
# Suggestions for one demand
# ------------------------------------------------------------------------------------------------


def suggestions_refresh(
    *, actor: Any, demand: Any, top: int | None = None
) -> list[MatchSuggestion]:
    """Rank the craftsmen for ``demand`` and store the best ``top`` as proposals (source 推荐).

    Proposals from an earlier refresh that dropped out of the top are marked 已失效; decided ones
    (confirmed, rejected, declined) and proposals of a 平台匹配 run are kept as they are.
    """
    from django.conf import settings

    from .selectors import demand_ranking

    _check_perm(actor, "matching.add_matchsuggestion")
    demand = _visible_demand(actor, demand)
    top = max(1, min(int(top or settings.JIANGQIAO_MATCH_TOP), 50))
    ranked = demand_ranking(user=actor, demand=demand, top=top)
    return _store_recommendations(actor=actor, demand=demand, ranked=ranked)


@transaction.atomic
def _store_recommendations(
    *, actor: Any, demand: Any, ranked: list[RankedCraftsman]
) -> list[MatchSuggestion]:
    now = timezone.now()
    encoder = get_encoder().name
    existing = {
        s.craftsman_id: s
        for s in MatchSuggestion.objects.select_for_update().filter(demand_id=demand.pk)
    }
    kept: list[MatchSuggestion] = []
    with changelog.suppressed():
        for position, item in enumerate(ranked, start=1):
            row = existing.get(item.craftsman_id)
            if row is None:
                row = MatchSuggestion(
                    demand_id=demand.pk,
                    craftsman_id=item.craftsman_id,
                    source=SuggestionSource.RECOMMEND,
                    created_by=actor,
                )
            elif row.status not in (SuggestionStatus.PROPOSED, SuggestionStatus.SUPERSEDED):
                continue
            elif row.status == SuggestionStatus.SUPERSEDED:
                row.source = SuggestionSource.RECOMMEND
                row.run = None
            why = dict(item.why)
            if row.source == SuggestionSource.PLATFORM and (row.why or {}).get("assignment"):
                why["assignment"] = row.why["assignment"]  # keep why 平台匹配 chose this pair
            row.status = SuggestionStatus.PROPOSED
            row.rank = position
            row.score = item.score
            row.why = why
            row.fusion_version = DEFAULT.version
            row.encoder = encoder
            row.suggested_at = now
            row.updated_by = actor
            row.save()
            kept.append(row)
        chosen = {s.craftsman_id for s in kept}
        stale = [
            s.pk
            for s in existing.values()
            if s.status == SuggestionStatus.PROPOSED
            and s.source == SuggestionSource.RECOMMEND
            and s.craftsman_id not in chosen
        ]
        if stale:
            MatchSuggestion.objects.filter(pk__in=stale).update(
                status=SuggestionStatus.SUPERSEDED, updated_at=now, updated_by=actor
            )
    for row in kept:
        assert_visible(MatchSuggestion, actor, row.pk, "view")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.OTHER,
        action=f"为需求“{demand}”生成推荐 {len(kept)} 条",
        target=demand,
        extra={
            "fusion_version": DEFAULT.version,
            "encoder": encoder,
            "craftsmen": [s.craftsman_id for s in kept],
            "superseded": len(stale),
        },
    )
    return kept


@transaction.atomic
def suggestion_add_manual(
    *, actor: Any, demand: Any, craftsman: Any, reason: str = ""
) -> MatchSuggestion:
    """A person proposes a craftsman for a demand (source 人工); it still needs a decision."""
    _check_perm(actor, "matching.add_matchsuggestion")
    demand = _visible_demand(actor, demand)
    _check_visible_craftsman(actor, craftsman)
    _check_matching_consent(craftsman)
    reason = _reason(reason, required=False, label="推荐理由")
    row = MatchSuggestion.objects.select_for_update().filter(demand=demand, craftsman=craftsman)
    existing = row.first()
    if existing is not None and existing.status != SuggestionStatus.SUPERSEDED:
        raise BusinessError(
            f"劳模工匠：已在本需求的匹配建议中（{existing.get_status_display()}）",
            field="craftsman",
        )
    suggestion = existing or MatchSuggestion(demand=demand, craftsman=craftsman, created_by=actor)
    suggestion.source = SuggestionSource.MANUAL
    suggestion.status = SuggestionStatus.PROPOSED
    suggestion.run = None
    suggestion.rank = 0
    suggestion.score = 0.0
    suggestion.why = {"summary": [f"人工推荐：{reason}" if reason else "人工推荐"]}
    suggestion.fusion_version = ""
    suggestion.encoder = ""
    suggestion.reason = reason
    suggestion.suggested_at = timezone.now()
    suggestion.updated_by = actor
    suggestion.full_clean(validate_unique=False)
    suggestion.save()
    assert_visible(MatchSuggestion, actor, suggestion.pk, "add")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"人工推荐劳模工匠“{craftsman}”承接需求“{demand}”",
        target=suggestion,
    )
    return suggestion


# ------------------------------------------------------------------------------------------------
# Decisions
# ------------------------------------------------------------------------------------------------


def _decide(
    *,
    actor: Any,
    suggestion: MatchSuggestion,
    allowed_from: tuple[str, ...],
    to_status: str,
    reason: str,
    label: str,
    business_type: str,
) -> MatchSuggestion:
    """Conditional status UPDATE; writes the change log and the operation log."""
    _check_perm(actor, "matching.decide_matchsuggestion")
    assert_visible(MatchSuggestion, actor, suggestion.pk, "decide")
    before_obj = MatchSuggestion.objects.get(pk=suggestion.pk)
    before = changelog.snapshot(before_obj)
    now = timezone.now()
    updated = MatchSuggestion.objects.filter(pk=suggestion.pk, status__in=allowed_from).update(
        status=to_status,
        decided_by=actor,
        decided_at=now,
        reason=reason,
        updated_by=actor,
        updated_at=now,
    )
    if updated != 1:
        current = MatchSuggestion.objects.filter(pk=suggestion.pk).values_list("status").first()
        state = SuggestionStatus(current[0]).label if current else "已不存在"
        raise BusinessError(
            f"该匹配建议当前状态为“{state}”，不能{label}（可能已被他人处理，请刷新）",
            field="status",
            code="conflict",
        )
    row = MatchSuggestion.objects.select_related("demand", "craftsman").get(pk=suggestion.pk)
    changelog.write(
        row, ChangeAction.UPDATE, before=before, after=changelog.snapshot(row), message=label
    )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=business_type,
        action=f"{label}：劳模工匠“{row.craftsman}”承接需求“{row.demand}”",
        target=row,
        params={"reason": reason} if reason else None,
        extra={"from": before_obj.status, "to": to_status, "score": row.score},
    )
    return row


def _check_can_serve(suggestion: MatchSuggestion) -> None:
    """Rules checked when a person confirms: availability, capacity, conflicts of interest."""
    from jiangqiao.demands.models import Demand
    from jiangqiao.talents.choices import CraftsmanStatus
    from jiangqiao.talents.models import Craftsman

    craftsman = Craftsman.objects.get(pk=suggestion.craftsman_id)
    demand = Demand.objects.select_related("enterprise").get(pk=suggestion.demand_id)
    if craftsman.status != CraftsmanStatus.ACTIVE:
        raise BusinessError(
            f"劳模工匠“{craftsman}”当前为“{craftsman.get_status_display()}”，不能确认承接",
            field="status",
        )
    if craftsman.pause_until and craftsman.pause_until >= timezone.localdate():
        raise BusinessError(
            f"劳模工匠“{craftsman}”暂停服务至 {craftsman.pause_until:%Y-%m-%d}，不能确认承接",
            field="status",
        )
    uscc = (craftsman.employer_uscc or "").upper()
    if uscc and uscc == (demand.enterprise.uscc or "").upper():
        raise BusinessError(
            f"劳模工匠“{craftsman}”受雇于需求企业，须回避，不能确认承接", field="status"
        )
    if DeclaredConflict.objects.filter(
        craftsman_id=craftsman.pk, enterprise_id=demand.enterprise_id, status=Status.ACTIVE
    ).exists():
        raise BusinessError(
            f"劳模工匠“{craftsman}”已申报与“{demand.enterprise}”回避，不能确认承接",
            field="status",
        )
    rows = load_craftsmen([craftsman.pk])
    if rows and rows[0].capacity <= 0:
        raise BusinessError(
            f"劳模工匠“{craftsman}”同时进行的服务已达上限（{craftsman.max_open_services} 项），"
            "不能再确认承接",
            field="status",
        )


@transaction.atomic
def suggestion_confirm(
    *, actor: Any, suggestion: MatchSuggestion, reason: str = ""
) -> MatchSuggestion:
    """A person confirms the craftsman for the demand (待确认 → 已确认)."""
    _check_perm(actor, "matching.decide_matchsuggestion")
    assert_visible(MatchSuggestion, actor, suggestion.pk, "decide")
    # Serialise confirmations of the same craftsman so two of them cannot both pass the capacity
    # check (a row lock on PostgreSQL; SQLite writes one transaction at a time anyway).
    from jiangqiao.talents.models import Craftsman

    Craftsman.objects.select_for_update().filter(pk=suggestion.craftsman_id).first()
    current = MatchSuggestion.objects.select_related("demand").get(pk=suggestion.pk)
    _visible_demand(actor, current.demand)  # refuses a withdrawn, cancelled or closed demand
    if current.status == SuggestionStatus.PROPOSED:
        # A person here uses him for this demand (an offer follows): his consent, read now.
        # (An imported decision — ``suggestion_import`` — records what the instance it came
        # from decided under its own consent records, and invites nobody here.)
        _check_matching_consent(current.craftsman)
        _check_can_serve(current)
    row = _decide(
        actor=actor,
        suggestion=suggestion,
        allowed_from=(SuggestionStatus.PROPOSED,),
        to_status=SuggestionStatus.CONFIRMED,
        reason=_reason(reason, required=False),
        label="确认匹配",
        business_type=BusinessType.CONFIRM,
    )
    if current.status == SuggestionStatus.PROPOSED:
        from .signals import suggestion_confirmed

        suggestion_confirmed.send(sender=MatchSuggestion, suggestion=row, actor=actor)
        _tell_owning_unit(row, actor)
    return row


#: Who is told that another unit engaged one of the unit's craftsmen.
OWNING_UNIT_PERMISSION = "talents.change_craftsman"


def _tell_owning_unit(suggestion: MatchSuggestion, actor: Any) -> None:
    """A cross-unit confirmation: the offer went to the craftsman (casework); his owning unit's
    staff (or, if it has none, the nearest unit above with staff) hear of it in their inbox."""
    from django.contrib.auth import get_user_model

    from jiangqiao.core.notifications import notify
    from jiangqiao.talents.models import Craftsman

    craftsman = Craftsman.objects.select_related("org").get(pk=suggestion.craftsman_id)
    if Craftsman.objects.visible_to(actor, "view").filter(pk=craftsman.pk).exists():
        return
    demand = suggestion.demand
    users = get_user_model().objects.with_perm(  # type: ignore[attr-defined]
        OWNING_UNIT_PERMISSION, backend="jiangqiao.accounts.backends.RoleBackend"
    )
    unit_ids = [int(pk) for pk in craftsman.org.path.strip("/").split("/") if pk][::-1]
    for unit_id in unit_ids:
        staff = list(users.filter(org_id=unit_id, is_active=True).order_by("pk")[:50])
        if staff:
            break
    else:
        return
    notify(
        staff,
        title=f"跨单位服务邀请：{craftsman.name}",
        body=(
            f"{demand.org.name}确认由本单位劳模工匠“{craftsman.name}”承接需求"
            f"“{demand.title}”（{demand.number or '无编号'}），已向其本人发出服务邀请。"
        ),
        link=craftsman.get_absolute_url(),
        actor=actor,
    )


#: At most this many proposals are confirmed in one batch (one request).
BATCH_CONFIRM_MAX = 500


@dataclass(frozen=True)
class BatchResult:
    """One row of a batch confirmation: which proposal, and what became of it (in Chinese)."""

    suggestion_id: int
    label: str
    ok: bool
    message: str


def suggestions_confirm_batch(
    *, actor: Any, run: MatchRun, suggestion_ids: list[int], reason: str = ""
) -> list[BatchResult]:
    """Confirm several proposals of a 平台匹配 run, each on its own (``suggestion_confirm``).

    Not all-or-nothing: every row is its own transaction (a savepoint inside a caller's), so a
    row that fails (capacity reached, demand cancelled meanwhile, someone else decided first)
    leaves nothing of itself behind and the others still go through. Proposals of another run or outside the actor's scope fail
    without naming anything the actor may not see.
    """
    _check_perm(actor, "matching.decide_matchsuggestion")
    ids = list(dict.fromkeys(int(i) for i in suggestion_ids))
    if not ids:
        raise BusinessError("请至少勾选一条建议匹配", field="suggestion")
    if len(ids) > BATCH_CONFIRM_MAX:
        raise BusinessError(f"一次最多确认 {BATCH_CONFIRM_MAX} 条", field="suggestion")
    found = {
        s.pk: s
        for s in MatchSuggestion.objects.visible_to(actor, "decide")
        .filter(run=run, pk__in=ids)
        .select_related("demand", "craftsman")
    }
    results = []
    for pk in ids:
        suggestion = found.get(pk)
        if suggestion is None:
            results.append(BatchResult(pk, f"#{pk}", False, "不属于本批次或不在您的数据范围内"))
            continue
        label = (
            f"{suggestion.demand.number or suggestion.demand.title} — {suggestion.craftsman.name}"
        )
        if suggestion.status != SuggestionStatus.PROPOSED:
            results.append(
                BatchResult(
                    pk, label, False, f"当前为“{suggestion.get_status_display()}”，无需确认"
                )
            )
            continue
        try:
            suggestion_confirm(actor=actor, suggestion=suggestion, reason=reason)
        except (BusinessError, ScopeViolation, PermissionDenied, ValidationError) as exc:
            results.append(BatchResult(pk, label, False, _exc_text(exc)))
        except IntegrityError:
            results.append(BatchResult(pk, label, False, "与他人的操作冲突，请刷新后重试"))
        else:
            results.append(BatchResult(pk, label, True, "已确认，已向劳模工匠发出服务邀请"))
    return results


def _exc_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(getattr(exc, "message", None) or exc)


@transaction.atomic
def suggestion_reject(*, actor: Any, suggestion: MatchSuggestion, reason: str) -> MatchSuggestion:
    """A person rejects the suggestion; the reason is required (待确认 → 已拒绝)."""
    return _decide(
        actor=actor,
        suggestion=suggestion,
        allowed_from=(SuggestionStatus.PROPOSED,),
        to_status=SuggestionStatus.REJECTED,
        reason=_reason(reason, required=True, label="拒绝理由"),
        label="拒绝匹配",
        business_type=BusinessType.APPROVE,
    )


@transaction.atomic
def suggestion_record_decline(
    *, actor: Any, suggestion: MatchSuggestion, reason: str
) -> MatchSuggestion:
    """Staff record that the craftsman declined a confirmed match (已确认 → 工匠婉拒)."""
    return _decide(
        actor=actor,
        suggestion=suggestion,
        allowed_from=(SuggestionStatus.CONFIRMED,),
        to_status=SuggestionStatus.DECLINED,
        reason=_reason(reason, required=True, label="婉拒原因"),
        label="记录工匠婉拒",
        business_type=BusinessType.UPDATE,
    )


# ------------------------------------------------------------------------------------------------
# Suggestions received from another instance (data exchange)
# ------------------------------------------------------------------------------------------------

#: What an imported suggestion carries (docs/exchange.md §2.5), besides its ``summary`` lines.
#: Who decided is not exchanged (a user of another instance).
IMPORT_FIELDS = (
    "source",
    "status",
    "rank",
    "score",
    "fusion_version",
    "encoder",
    "suggested_at",
    "decided_at",
    "reason",
)
#: The statuses a person sets (confirm, reject, record a decline).
DECIDED_STATUSES = (
    SuggestionStatus.CONFIRMED,
    SuggestionStatus.REJECTED,
    SuggestionStatus.DECLINED,
)


def _import_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - {*IMPORT_FIELDS, "summary"}
    if unknown:
        raise BusinessError(f"不能导入的字段：{'、'.join(sorted(unknown))}")
    if data.get("status") not in SuggestionStatus.values:
        raise BusinessError("状态：不是有效的选项", field="status")
    if data.get("source") not in SuggestionSource.values:
        raise BusinessError("来源：不是有效的选项", field="source")
    values = {name: data.get(name) for name in IMPORT_FIELDS}
    for name in ("fusion_version", "encoder", "reason"):
        values[name] = values[name] or ""
    values["rank"] = values["rank"] or 0
    values["score"] = values["score"] or 0.0
    return values


@transaction.atomic
def suggestion_import(
    *,
    actor: Any,
    demand: Any,
    craftsman: Any,
    data: dict[str, Any],
    suggestion: MatchSuggestion | None = None,
    note: str = "",
) -> MatchSuggestion:
    """Store a suggestion as it stands on the instance it came from (data exchange).

    ``suggestion`` is the local row to bring up to date, ``None`` to create one. The checks are
    those of a person's actions here: the demand and the craftsman within the actor's scope (as
    ``suggestion_add_manual``); a decided status (confirmed, rejected, declined) needs the decide
    permission, and becoming 已确认 passes the confirmation rules (``_check_can_serve``) under the
    same craftsman lock as ``suggestion_confirm``. An existing row's status changes by a
    conditional UPDATE: a decision taken here meanwhile wins and the import gets a business error.
    """
    values = _import_values(data)
    summary = [str(line) for line in data.get("summary") or []]
    _check_perm(actor, "matching.add_matchsuggestion")
    # The history of a demand that has ended where it came from is still brought over.
    demand = _visible_demand(actor, demand, ended_ok=True)
    _check_visible_craftsman(actor, craftsman)
    old_status: str | None = None
    if suggestion is None:
        row = MatchSuggestion(demand=demand, craftsman=craftsman, created_by=actor)
    else:
        assert_visible(MatchSuggestion, actor, suggestion.pk, "view")
        row = MatchSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if (row.demand_id, row.craftsman_id) != (demand.pk, craftsman.pk):
            raise BusinessError(
                "匹配的需求或劳模工匠与本实例已有的匹配不一致，未覆盖", field="craftsman"
            )
        old_status = row.status
    to_status = values["status"]
    decided = to_status != old_status and to_status in DECIDED_STATUSES
    if decided:
        _check_perm(actor, "matching.decide_matchsuggestion")
    if to_status == SuggestionStatus.CONFIRMED and old_status != SuggestionStatus.CONFIRMED:
        from jiangqiao.talents.models import Craftsman

        Craftsman.objects.select_for_update().filter(pk=craftsman.pk).first()
        _check_can_serve(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.why = {**(row.why or {}), "summary": summary}
    row.updated_by = actor
    row.full_clean()
    label = f"劳模工匠“{craftsman}”承接需求“{demand}”（{SuggestionStatus(to_status).label}）"
    if suggestion is None:
        row.save()
        assert_visible(MatchSuggestion, actor, row.pk, "add")
        business_type, action = BusinessType.INSERT, f"导入匹配建议：{label}"
    else:
        before = changelog.snapshot(MatchSuggestion.objects.get(pk=row.pk))
        updated = MatchSuggestion.objects.filter(pk=row.pk, status=old_status).update(
            **{name: getattr(row, name) for name in IMPORT_FIELDS},
            why=row.why,
            updated_by=actor,
            updated_at=timezone.now(),
        )
        if updated != 1:
            raise BusinessError(
                "该匹配建议的状态刚被他人修改，未按导入文件覆盖（请重新导入）",
                field="status",
                code="conflict",
            )
        row = MatchSuggestion.objects.select_related("demand", "craftsman").get(pk=row.pk)
        changelog.write(
            row,
            ChangeAction.UPDATE,
            before=before,
            after=changelog.snapshot(row),
            message="数据交换导入",
        )
        assert_visible(MatchSuggestion, actor, row.pk, "view")
        business_type, action = BusinessType.UPDATE, f"导入更新匹配建议：{label}"
    if decided:
        assert_visible(MatchSuggestion, actor, row.pk, "decide")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=business_type,
        action=action,
        target=row,
        params={"note": note} if note else None,
        extra={"from": old_status, "to": to_status, "score": row.score},
    )
    return row


@transaction.atomic
def suggestion_delete(*, actor: Any, suggestion: MatchSuggestion, note: str = "") -> None:
    """Delete a suggestion that was deleted on the instance it came from (data exchange).

    Needs the permissions to propose and to decide, within the actor's scope; a suggestion with
    service records here is kept (the records are the history of a service that took place).
    """
    _check_perm(actor, "matching.add_matchsuggestion")
    _check_perm(actor, "matching.decide_matchsuggestion")
    assert_visible(MatchSuggestion, actor, suggestion.pk, "decide")
    row = (
        MatchSuggestion.objects.select_for_update()
        .select_related("demand", "craftsman")
        .get(pk=suggestion.pk)
    )
    if row.service_records.exists():  # type: ignore[attr-defined]
        raise BusinessError("该匹配在本实例已有服务记录，未删除")
    action = f"删除匹配建议：劳模工匠“{row.craftsman}”承接需求“{row.demand}”"
    demand = row.demand
    row.delete()  # change-logged (delete) like every AuditedModel
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.DELETE,
        action=action,
        target=demand,
        params={"note": note} if note else None,
    )


# ------------------------------------------------------------------------------------------------
# 平台匹配
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def run_start(*, actor: Any, org: Any, top_k: int = 10) -> MatchRun:
    """Start 平台匹配 over the open demands of ``org``'s subtree (a background job)."""
    from jiangqiao.orgs.models import Organization

    _check_perm(actor, "matching.add_matchrun")
    if org is None or not Organization.objects.visible_to(actor, "view").filter(pk=org.pk).exists():
        raise BusinessError("组织范围：不存在或不在您的数据范围内", field="org")
    if org.status != Status.ACTIVE:
        raise BusinessError("组织范围：该组织已停用", field="org")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= 50:
        raise BusinessError("每个需求的候选人数：应为 1–50 的整数", field="top_k")
    # A run whose job has ended (e.g. the worker was killed) does not block a new one.
    active = (
        MatchRun.objects.filter(org=org, status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
        .exclude(job__status__in=JOB_FINISHED)
        .first()
    )
    if active is not None:
        raise BusinessError(
            f"该组织的平台匹配正在进行（{active}），请等待其完成后再启动", field="org"
        )
    run = MatchRun(
        org=org,
        created_by=actor,
        updated_by=actor,
        fusion_version=DEFAULT.version,
        top_k=top_k,
    )
    run.full_clean()
    run.save()
    assert_visible(MatchRun, actor, run.pk, "add")
    job = job_start(
        actor=actor,
        kind=RUN_JOB_KIND,
        params={"run_id": run.pk},
        title=f"平台匹配：{org.name}",
    )
    run.job = job
    run.save(update_fields=["job", "updated_at"])
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.OTHER,
        action=f"启动平台匹配：{org.name}（含下级）",
        target=run,
        extra={"fusion_version": DEFAULT.version, "top_k": top_k},
    )
    return run


def _open_demands(run: MatchRun) -> list[Any]:
    from jiangqiao.demands.models import Demand

    confirmed = MatchSuggestion.objects.filter(
        demand=OuterRef("pk"), status=SuggestionStatus.CONFIRMED
    )
    return list(
        Demand.objects.visible_to(run.created_by, "view")
        .filter(subtree_q(run.org.path, field="org"), status__in=OPEN_DEMAND_STATUSES)
        .exclude(Exists(confirmed))
        .select_related("enterprise")
        .order_by("pk")
    )


def platform_run_execute(run: MatchRun, progress: Callable[..., None]) -> dict[str, Any]:
    """The body of the 平台匹配 job: rank, assign under constraints, store proposals."""
    MatchRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    actor = run.created_by
    demands = _open_demands(run)
    total = len(demands) + 3
    progress(0, total, "正在读取共享的劳模工匠索引")
    by_demand: dict[int, list[RankedCraftsman]] = {}
    excluded = excluded_craftsmen([d.pk for d in demands])
    conflicts = conflicts_by_enterprise(sorted({d.enterprise_id for d in demands}))
    visible = visible_craftsman_ids(actor)
    step = max(1, len(demands) // 50)
    state = shared.state()
    progress(1, total, "正在计算需求的语义向量")
    vectors = demand_vectors(demands)
    for i, demand in enumerate(demands, start=1):
        blocked = excluded.get(demand.pk, set()) | conflicts.get(demand.enterprise_id, set())
        by_demand[demand.pk] = rank_demand(
            demand,
            state=state,
            vector=vectors.get(demand.pk),
            top=run.top_k,
            visible=visible,
            exclude=blocked,
        )
        if i % step == 0 or i == len(demands):
            progress(1 + i, total, f"已为 {i}/{len(demands)} 个需求排出候选人")
    progress(len(demands) + 2, total, "正在求解分配（容量、回避与资质约束）")
    assignment = _assign(demands, by_demand, excluded, conflicts)
    stored = _store_run(run, demands, by_demand, assignment)
    progress(total, total, f"完成：{stored['suggestions']} 条建议匹配待审核")
    return stored


def _assign(
    demands: list[Any],
    by_demand: dict[int, list[RankedCraftsman]],
    excluded: dict[int, set[int]],
    conflicts: dict[int, set[int]],
) -> Any:
    candidates: list[Candidate] = []
    expert_ids: set[int] = set()
    for demand in demands:
        for item in by_demand.get(demand.pk, []):
            candidates.append(Candidate(str(demand.pk), str(item.craftsman_id), item.score))
            expert_ids.add(item.craftsman_id)
    rows = {r.pk: r for r in load_craftsmen(expert_ids)}
    conflict_demands: dict[int, list[str]] = {}
    for demand in demands:
        for cid in conflicts.get(demand.enterprise_id, set()):
            conflict_demands.setdefault(cid, []).append(str(demand.pk))
    experts = []
    for cid in sorted(expert_ids):
        row = rows.get(cid)
        level = skill_level_no(row.skill_level) if row else None
        experts.append(
            ExpertSpec(
                id=str(cid),
                capacity=row.capacity if row else 0,
                employer_uscc=(row.employer_uscc or None) if row else None,
                region=row.org_region if row and len(row.org_region) == 6 else None,
                skill_rank=6 - level if level else None,
                conflicts=tuple(conflict_demands.get(cid, [])),
            )
        )
    specs = []
    for demand in demands:
        level = skill_level_no(demand.min_skill_level)
        specs.append(
            DemandSpec(
                id=str(demand.pk),
                min_team=1,
                max_team=1,
                employer_uscc=(demand.enterprise.uscc or None),
                region=demand.region_code if len(demand.region_code or "") == 6 else None,
                industries=tuple(demand.industry_codes or ()),
                min_skill_rank=6 - level if level else None,
                excluded=tuple(str(c) for c in sorted(excluded.get(demand.pk, set()))),
            )
        )
    return assign(specs, experts, candidates, time_limit=60.0)


@transaction.atomic
def _store_run(
    run: MatchRun,
    demands: list[Any],
    by_demand: dict[int, list[RankedCraftsman]],
    assignment: Any,
) -> dict[str, Any]:
    now = timezone.now()
    encoder = get_encoder().name
    actor = run.created_by
    chosen: dict[int, set[int]] = {}
    reasons: dict[tuple[int, int], list[str]] = {}
    for pair in assignment.pairs:
        d, c = int(pair.demand), int(pair.expert)
        chosen.setdefault(d, set()).add(c)
        reasons[(d, c)] = list(pair.reasons)
    existing = {
        (s.demand_id, s.craftsman_id): s
        for s in MatchSuggestion.objects.select_for_update().filter(
            demand_id__in=[d.pk for d in demands]
        )
    }
    created = 0
    with changelog.suppressed():
        for demand in demands:
            ranked = {r.craftsman_id: (i, r) for i, r in enumerate(by_demand[demand.pk], 1)}
            for cid in sorted(chosen.get(demand.pk, set())):
                position, item = ranked[cid]
                row = existing.get((demand.pk, cid))
                if row is not None and row.status in (*EXCLUDING_STATUSES, "confirmed"):
                    continue
                if row is None:
                    row = MatchSuggestion(demand_id=demand.pk, craftsman_id=cid, created_by=actor)
                why = dict(item.why)
                why["assignment"] = reasons.get((demand.pk, cid), [])
                row.source = SuggestionSource.PLATFORM
                row.status = SuggestionStatus.PROPOSED
                row.run = run
                row.rank = position
                row.score = item.score
                row.why = why
                row.fusion_version = DEFAULT.version
                row.encoder = encoder
                row.suggested_at = now
                row.updated_by = actor
                row.save()
                created += 1
        stale = [
            s.pk
            for (d, c), s in existing.items()
            if s.status == SuggestionStatus.PROPOSED
            and s.source == SuggestionSource.PLATFORM
            and s.run_id != run.pk
            and c not in chosen.get(d, set())
        ]
        if stale:
            MatchSuggestion.objects.filter(pk__in=stale).update(
                status=SuggestionStatus.SUPERSEDED, updated_at=now
            )
    numbers = {str(d.pk): (d.number or "", d.title) for d in demands}
    unstaffed = [
        {
            "demand": int(r.demand),
            "number": numbers[r.demand][0],
            "title": numbers[r.demand][1],
            "status": r.status,
            "reasons": [e.message for e in r.explanations],
        }
        for r in assignment.not_staffed[:200]
    ]
    counts = assignment.counts()
    result = {
        "demands": len(demands),
        "staffed": counts.get("staffed", 0),
        "unstaffed": len(assignment.not_staffed),
        "suggestions": created,
        "superseded": len(stale),
        "optimal": bool(assignment.solver.optimal),
        "solver_seconds": round(float(assignment.solver.seconds), 3),
        "not_staffed": unstaffed,
        "shortages": [s.message for s in assignment.shortages()[:20]],
    }
    MatchRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        finished_at=now,
        updated_at=now,
        demand_count=len(demands),
        staffed_count=counts.get("staffed", 0),
        suggestion_count=created,
        result=result,
    )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.OTHER,
        action=f"平台匹配完成：{len(demands)} 个需求，{created} 条建议匹配",
        target=run,
        extra={k: v for k, v in result.items() if k not in ("not_staffed", "shortages")},
    )
    return {k: v for k, v in result.items() if k not in ("not_staffed",)}


def run_mark_finished(run_id: int, status: str, message: str = "") -> None:
    """Record a failed or cancelled run (the job records the details)."""
    now = timezone.now()
    MatchRun.objects.filter(pk=run_id).exclude(status=RunStatus.SUCCEEDED).update(
        status=status,
        finished_at=now,
        updated_at=now,
        result={"message": message[:500]} if message else None,
    )


# ------------------------------------------------------------------------------------------------
# Embeddings
# ------------------------------------------------------------------------------------------------


def embeddings_refresh(
    *, craftsman_ids: list[int] | None = None, demand_ids: list[int] | None = None
) -> dict[str, int]:
    """Recompute stored vectors of the given craftsmen and demands (only changed texts)."""
    from jiangqiao.demands.models import Demand

    done = {"craftsmen": 0, "demands": 0}
    if craftsman_ids:
        for start in range(0, len(craftsman_ids), 200):
            rows = load_craftsmen(craftsman_ids[start : start + 200])
            craftsman_vectors(rows)
            done["craftsmen"] += len(rows)
    if demand_ids:
        for start in range(0, len(demand_ids), 200):
            demands = list(
                Demand.objects.filter(pk__in=demand_ids[start : start + 200]).select_related(
                    "enterprise"
                )
            )
            demand_vectors(demands)
            done["demands"] += len(demands)
    return done


def embed_job_start(*, actor: Any) -> Any:
    """Start (or return the running) job that computes missing craftsman vectors."""
    from jiangqiao.core.choices import JobStatus
    from jiangqiao.core.models import Job

    # A queued job will run; a running one is reused unless it looks abandoned (its worker died).
    recent = timezone.now() - EMBED_JOB_STALE_AFTER
    pending = (
        Job.objects.filter(kind=EMBED_JOB_KIND)
        .filter(Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__gte=recent))
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        return pending
    return job_start(actor=actor, kind=EMBED_JOB_KIND, title="计算劳模工匠语义向量")


# ------------------------------------------------------------------------------------------------
# Declared conflicts (回避)
# ------------------------------------------------------------------------------------------------


def _check_conflict_parties(actor: Any, craftsman: Any, enterprise: Any) -> None:
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.talents.models import Craftsman

    if craftsman is None or not (
        Craftsman.objects.visible_to(actor, "view").filter(pk=craftsman.pk).exists()
    ):
        raise BusinessError("劳模工匠：不存在或不在您的数据范围内", field="craftsman")
    if enterprise is None or not (
        Enterprise.objects.visible_to(actor, "view").filter(pk=enterprise.pk).exists()
    ):
        raise BusinessError("企业：不存在或不在您的数据范围内", field="enterprise")


@transaction.atomic
def conflict_create(
    *, actor: Any, craftsman: Any, enterprise: Any, reason: str
) -> DeclaredConflict:
    """Record that ``craftsman`` must not serve ``enterprise`` (the reason is required)."""
    _check_conflict_parties(actor, craftsman, enterprise)
    reason = _reason(reason, required=True, label="回避原因")
    if DeclaredConflict.objects.filter(craftsman=craftsman, enterprise=enterprise).exists():
        raise BusinessError("该劳模工匠与该企业的回避申报已存在", field="enterprise")
    conflict = DeclaredConflict(
        craftsman=craftsman,
        enterprise=enterprise,
        reason=reason,
        created_by=actor,
        updated_by=actor,
    )
    conflict.full_clean()
    conflict.save()
    assert_visible(DeclaredConflict, actor, conflict.pk, "add")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记回避：{craftsman} 不承接 {enterprise} 的需求",
        target=conflict,
    )
    return conflict


@transaction.atomic
def conflict_update(*, actor: Any, conflict: DeclaredConflict, reason: str) -> DeclaredConflict:
    current = DeclaredConflict.objects.select_for_update().get(pk=conflict.pk)
    assert_visible(DeclaredConflict, actor, current.pk, "change")
    current.reason = _reason(reason, required=True, label="回避原因")
    current.updated_by = actor
    current.full_clean()
    current.save()
    assert_visible(DeclaredConflict, actor, current.pk, "change")
    return current


@transaction.atomic
def conflict_set_status(*, actor: Any, conflict: DeclaredConflict, status: str) -> DeclaredConflict:
    """Withdraw (停用) or reinstate a declaration; it is kept, never deleted."""
    if status not in Status.values:
        raise BusinessError("状态参数不正确", field="status")
    current = DeclaredConflict.objects.select_for_update().get(pk=conflict.pk)
    assert_visible(DeclaredConflict, actor, current.pk, "change")
    if current.status == status:
        return current
    current.status = status
    current.updated_by = actor
    current.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"{'恢复' if status == Status.ACTIVE else '撤销'}回避申报：{current}",
        target=current,
    )
    return current


__all__ = [
    "conflict_create",
    "conflict_set_status",
    "conflict_update",
    "embed_job_start",
    "embeddings_refresh",
    "platform_run_execute",
    "run_mark_finished",
    "run_start",
    "suggestion_add_manual",
    "suggestion_confirm",
    "suggestion_delete",
    "suggestion_import",
    "suggestion_record_decline",
    "suggestion_reject",
    "suggestions_refresh",
]
