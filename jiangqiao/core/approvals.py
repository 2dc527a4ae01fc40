"""双人复核: actions one person may not take alone wait for a second person's approval.

An app registers a kind (``register(ApprovalKind(...))``) with the permission its approvers need and
the function that carries the action out once approved. ``approval_request`` files a request and
tells the approvers; ``approval_decide`` lets exactly one approver decide it (a conditional update:
two approvers acting at once get one winner and a clear message for the other) and, if approved,
runs the action inside the same transaction — if the action fails, the approval is rolled back too.
Nobody approves his own request, nor a request about himself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .choices import ApprovalStatus, BusinessType, NotificationLevel
from .exceptions import BusinessError
from .models import ApprovalRequest
from .notifications import notify
from .operations import record_operation


@dataclass(frozen=True)
class ApprovalKind:
    code: str
    label: str
    #: The permission an approver must hold (e.g. ``accounts.assign_role`` for the security duty).
    approver_permission: str
    #: Carries the approved action out (inside the deciding transaction); returns a result to keep.
    apply: Callable[[ApprovalRequest, Any], dict[str, Any] | None]
    module: str = "审批"
    #: People who may not decide a request (besides its requester), e.g. the user it concerns.
    excluded: Callable[[ApprovalRequest], Iterable[int]] = field(default=lambda request: ())
    #: People told about the decision besides the requester (e.g. the user it concerns).
    also_notify: Callable[[ApprovalRequest], Iterable[Any]] = field(default=lambda request: ())
    #: What the approver should see of the payload: ``[(label, value), ...]``.
    describe: Callable[[ApprovalRequest], list[tuple[str, Any]]] = field(default=lambda request: [])


KINDS: dict[str, ApprovalKind] = {}


def register(kind: ApprovalKind) -> ApprovalKind:
    KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> ApprovalKind:
    try:
        return KINDS[code]
    except KeyError:
        raise BusinessError(f"未知的审批类型“{code}”") from None


def permission_holders(permission: str) -> QuerySet[Any]:
    """Active accounts that hold ``permission`` (asked of the first backend that can answer)."""
    from django.contrib.auth import get_backends

    for backend in get_backends():
        if hasattr(backend, "with_perm"):
            return backend.with_perm(permission, include_superusers=False)  # type: ignore[no-any-return]
    return get_user_model()._default_manager.none()


def approvers(kind: ApprovalKind) -> QuerySet[Any]:
    """Active accounts that hold the approving permission through an enabled role."""
    return permission_holders(kind.approver_permission)


def can_decide(user: Any, request: ApprovalRequest) -> bool:
    kind = KINDS.get(request.kind)
    return bool(
        kind is not None
        and request.is_pending
        and user.is_authenticated
        and user.has_perm(kind.approver_permission)
        and user.pk != request.requested_by_id
        and user.pk not in set(kind.excluded(request))
    )


def approval_list(*, user: Any) -> QuerySet[ApprovalRequest]:
    """Requests the user filed, plus those of the kinds he may approve."""
    if user is None or not user.is_authenticated:
        return ApprovalRequest.objects.none()
    kinds = [code for code, kind in KINDS.items() if user.has_perm(kind.approver_permission)]
    return ApprovalRequest.objects.filter(Q(requested_by=user) | Q(kind__in=kinds))


@transaction.atomic
def approval_request(
    *,
    actor: Any,
    kind: str,
    title: str,
    payload: dict[str, Any],
    target: models.Model | None = None,
    org: Any = None,
    reason: str = "",
) -> ApprovalRequest:
    spec = get_kind(kind)
    if len(reason) > 500:
        raise BusinessError("申请理由：不能超过 500 个字符", field="reason")
    request = ApprovalRequest.objects.create(
        kind=kind,
        title=title[:200],
        reason=reason,
        payload=payload,
        org=org,
        target_type=ContentType.objects.get_for_model(type(target)) if target else None,
        target_id=str(target.pk) if target else "",
        requested_by=actor,
    )
    record_operation(
        actor=actor,
        module=spec.module,
        business_type=BusinessType.SUBMIT,
        action=f"提交审批：{request.title}",
        target=request,
        extra={"kind": kind, "reason": reason},
    )
    excluded = {actor.pk, *spec.excluded(request)}
    notify(
        [u for u in approvers(spec) if u.pk not in excluded],
        title=f"待审批：{request.title}",
        body=f"{_name(actor)}提交了{spec.label}申请。" + (f"理由：{reason}" if reason else ""),
        link=request.get_absolute_url(),
        level=NotificationLevel.WARNING,
        actor=actor,
    )
    return request


@transaction.atomic
def approval_decide(
    *, actor: Any, request: ApprovalRequest, approve: bool, note: str = ""
) -> ApprovalRequest:
    spec = get_kind(request.kind)
    if len(note) > 500:
        raise BusinessError("审批意见：不能超过 500 个字符", field="decision_note")
    if not actor.has_perm(spec.approver_permission):
        raise BusinessError("您没有审批此类事项的权限")
    if actor.pk == request.requested_by_id:
        raise BusinessError("不能审批自己提交的申请")
    if actor.pk in set(spec.excluded(request)):
        raise BusinessError("不能审批与本人有关的申请")
    if not approve and not note.strip():
        raise BusinessError("审批意见：驳回时请说明理由", field="decision_note")
    now = timezone.now()
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    won = ApprovalRequest.objects.filter(pk=request.pk, status=ApprovalStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note
    )
    if not won:
        current = ApprovalRequest.objects.get(pk=request.pk)
        who = _name(current.decided_by) if current.decided_by else "他人"
        raise BusinessError(f"该申请已由{who}处理（{current.get_status_display()}），无需重复审批")
    request.refresh_from_db()
    if approve:
        request.result = spec.apply(request, actor) or {}
        request.save(update_fields=["result"])
    record_operation(
        actor=actor,
        module=spec.module,
        business_type=BusinessType.APPROVE,
        action=f"{'批准' if approve else '驳回'}：{request.title}",
        target=request,
        extra={"kind": request.kind, "note": note, "result": request.result},
    )
    verdict = "已批准" if approve else "已驳回"
    notify(
        [request.requested_by, *spec.also_notify(request)],
        title=f"{verdict}：{request.title}",
        body=f"{_name(actor)}{verdict}该申请。" + (f"意见：{note}" if note else ""),
        link=request.get_absolute_url(),
        level=NotificationLevel.INFO,
        actor=actor,
    )
    return request


@transaction.atomic
def approval_cancel(*, actor: Any, request: ApprovalRequest) -> ApprovalRequest:
    if actor.pk != request.requested_by_id:
        raise BusinessError("只能撤回自己提交的申请")
    won = ApprovalRequest.objects.filter(pk=request.pk, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.CANCELLED, decided_at=timezone.now()
    )
    if not won:
        raise BusinessError("该申请已处理，不能撤回")
    request.refresh_from_db()
    record_operation(
        actor=actor,
        module=get_kind(request.kind).module,
        business_type=BusinessType.UPDATE,
        action=f"撤回审批申请：{request.title}",
        target=request,
    )
    return request


def _name(user: Any) -> str:
    return str(getattr(user, "display_name", "") or getattr(user, "username", "") or "")
