"""Writes of the privacy app: the lifecycle of a data-subject request. Atomic and audited.

State table in ``choices.STEPS``; every status change is a conditional UPDATE here and nowhere
else. Corrections and deletions are carried out by the owning apps' services (``talents``,
``demands``, ``accounts``), with the handling staff member as the actor — so their scope and
rights apply, and their own audit rows are written too.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.crypto import decrypt_bytes, encrypt_bytes
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.notifications import notify
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.text import normalize

from . import export
from .choices import (
    ANSWER_PERIOD,
    EXPORT_KEEP_DAYS,
    OPEN_STATUSES,
    STEPS,
    RequestKind,
    RequestStatus,
    SubjectKind,
)
from .models import DataSubjectRequest

MODULE = "个人信息保护"
HANDLE_PERMISSION = "privacy.handle_datasubjectrequest"
DETAILS_MAX = 1000
ANSWER_MAX = 500
VALUE_MAX = 200

#: What a person may ask to correct, per kind of person: field → Chinese label. The owning
#: services validate the values again when staff apply them.
CORRECTABLE: dict[str, dict[str, str]] = {
    SubjectKind.CRAFTSMAN: {
        "name": "姓名",
        "gender": "性别",
        "birth_year": "出生年份",
        "id_number": "身份证号",
        "mobile": "手机号",
        "employer_name": "工作单位",
        "department": "部门",
        "position": "岗位/职务",
        "skill_cert_no": "技能等级证书编号",
    },
    SubjectKind.CONTACT: {"name": "姓名", "title": "职务", "mobile": "手机号码"},
}


# ------------------------------------------------------------------------------------------------
# Who is asking
# ------------------------------------------------------------------------------------------------


class Subject:
    """The logged-in person as a data subject: a craftsman, or an enterprise contact."""

    def __init__(self, user: Any, kind: str, craftsman: Any = None, contacts: Any = ()) -> None:
        self.user = user
        self.kind = kind
        self.craftsman = craftsman
        self.contacts = list(contacts)

    @property
    def org_id(self) -> int:
        if self.craftsman is not None:
            return int(self.craftsman.org_id)
        return int(self.contacts[0].enterprise.org_id)

    @property
    def name(self) -> str:
        if self.craftsman is not None:
            return str(self.craftsman.name)
        return str(self.contacts[0].name or self.user.get_username())


def subject_of(user: Any) -> Subject | None:
    """The person behind ``user``: his craftsman profile first, else his enterprise-contact rows;
    ``None`` for staff accounts (they ask their own unit, not this page)."""
    if not getattr(user, "is_authenticated", False):
        return None
    from jiangqiao.demands.models import EnterpriseContact
    from jiangqiao.talents.models import Craftsman

    craftsman = Craftsman.objects.filter(user=user).select_related("org").first()
    if craftsman is not None:
        return Subject(user, SubjectKind.CRAFTSMAN, craftsman=craftsman)
    contacts = list(
        EnterpriseContact.objects.filter(user=user).select_related("enterprise").order_by("pk")
    )
    if contacts:
        return Subject(user, SubjectKind.CONTACT, contacts=contacts)
    return None


def _require_subject(actor: Any) -> Subject:
    subject = subject_of(actor)
    if subject is None:
        raise BusinessError("您的账号未关联劳模工匠档案或企业联系人，无法提交个人信息权利申请")
    return subject


# ------------------------------------------------------------------------------------------------
# The person's side
# ------------------------------------------------------------------------------------------------


def clean_corrections(kind: str, corrections: Any) -> dict[str, str]:
    """``{field: correct value}`` checked against what this person may ask to correct."""
    allowed = CORRECTABLE[kind]
    if not isinstance(corrections, dict) or not corrections:
        raise BusinessError("【更正内容】请至少填写一项要更正的信息", field="corrections")
    out: dict[str, str] = {}
    for field, value in corrections.items():
        if field not in allowed:
            raise BusinessError(f"【更正字段】“{field}”不是可更正的信息", field="corrections")
        text = normalize(str(value if value is not None else ""))
        if not text:
            raise BusinessError(f"【{allowed[field]}】请填写正确的内容", field=field)
        if len(text) > VALUE_MAX:
            raise BusinessError(f"【{allowed[field]}】最多 {VALUE_MAX} 个字", field=field)
        out[field] = text
    return out


@transaction.atomic
def request_submit(
    *, actor: Any, kind: str, details: str = "", corrections: Any = None
) -> DataSubjectRequest:
    """A person asks about his own data. An access request is answered at once: the copy is
    made now (his own rows only) and the request is 已完成; a correction or deletion waits for
    the staff of the unit that keeps his data, who must answer by the due date."""
    subject = _require_subject(actor)
    if kind not in RequestKind.values:
        raise BusinessError("【申请类型】不是有效的选项", field="kind")
    details = normalize(details or "", keep_newlines=True)
    if len(details) > DETAILS_MAX:
        raise BusinessError(f"【申请说明】最多 {DETAILS_MAX} 个字", field="details")
    cleaned: dict[str, str] = {}
    if kind == RequestKind.CORRECT:
        cleaned = clean_corrections(subject.kind, corrections)
    elif corrections:
        raise BusinessError("【更正内容】只有更正申请需要填写", field="corrections")
    if (
        kind != RequestKind.ACCESS
        and DataSubjectRequest.objects.filter(
            requester=actor, kind=kind, status__in=OPEN_STATUSES
        ).exists()
    ):
        raise BusinessError(
            f"您已有一项未办结的{RequestKind(kind).label}申请，请等待处理结果", field="kind"
        )
    now = timezone.now()
    dsr = DataSubjectRequest(
        org_id=subject.org_id,
        kind=kind,
        subject_kind=subject.kind,
        requester=actor,
        requester_name=subject.name[:50],
        craftsman=subject.craftsman,
        contact=subject.contacts[0] if subject.contacts else None,
        details=details,
        corrections=cleaned,
        submitted_at=now,
        due_date=timezone.localdate(now + ANSWER_PERIOD),
        created_by=actor,
        updated_by=actor,
    )
    dsr.full_clean()
    dsr.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.SUBMIT,
        action=f"提交个人信息{dsr.get_kind_display()}申请",
        target=dsr,
        extra={"fields": sorted(cleaned)} if cleaned else None,
    )
    if kind == RequestKind.ACCESS:
        _make_copy(dsr, subject)
        _step(dsr, actor=None, to=RequestStatus.DONE, answer="已生成本人个人信息副本，可下载")
    else:
        _tell_staff(dsr)
    return DataSubjectRequest.objects.get(pk=dsr.pk)


def _make_copy(dsr: DataSubjectRequest, subject: Subject) -> None:
    if subject.craftsman is not None:
        data = export.craftsman_copy(subject.user, subject.craftsman)
    else:
        data = export.contact_copy(subject.user, subject.contacts)
    blob = export.as_json(data, who=subject.name)
    now = timezone.now()
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(
        export_data=encrypt_bytes(blob),
        export_name=f"my-data-{timezone.localtime(now):%Y%m%d%H%M}.json",
        exported_at=now,
    )


def _tell_staff(dsr: DataSubjectRequest) -> None:
    """Tell the handlers of the request's unit (those who may handle it within their scope)."""
    from jiangqiao.accounts.models import User

    units = [int(pk) for pk in (dsr.org.path or "").strip("/").split("/") if pk]
    # Holders of the permission in one query (not a permission look-up per user of the units).
    holders = User.objects.with_perm(
        HANDLE_PERMISSION, backend="jiangqiao.accounts.backends.RoleBackend"
    ).filter(org_id__in=units)
    staff = [
        u
        for u in holders.order_by("pk")[:200]
        if DataSubjectRequest.objects.visible_to(u, "view").filter(pk=dsr.pk).exists()
    ][:20]
    notify(
        staff,
        title=f"个人信息{dsr.get_kind_display()}申请待处理",
        body=f"请于 {dsr.due_date:%Y-%m-%d} 前答复（《个人信息保护法》第五十条）。",
        link=dsr.get_absolute_url(),
        level="warning",
    )


def export_download(*, actor: Any, dsr: DataSubjectRequest) -> tuple[str, bytes]:
    """The requester downloads his copy (only he may; every download is logged)."""
    current = DataSubjectRequest.objects.filter(pk=dsr.pk).first()
    if current is None or current.requester_id != getattr(actor, "pk", None):
        raise PermissionDenied("只有申请人本人可以下载本人的个人信息副本")
    if not current.export_data:
        raise BusinessError(
            f"副本已超过 {EXPORT_KEEP_DAYS} 天保存期限被删除，请重新提交查阅复制申请",
            field="export",
        )
    blob = decrypt_bytes(bytes(current.export_data))
    DataSubjectRequest.objects.filter(pk=current.pk).update(downloads=current.downloads + 1)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.EXPORT,
        action="下载本人个人信息副本",
        target=current,
        extra={"bytes": len(blob), "download": current.downloads + 1},
    )
    return current.export_name, blob


# ------------------------------------------------------------------------------------------------
# The staff's side
# ------------------------------------------------------------------------------------------------


def _check_handler(actor: Any, dsr: DataSubjectRequest) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(HANDLE_PERMISSION):
        raise PermissionDenied("您没有处理个人信息权利申请的权限")
    if not DataSubjectRequest.objects.visible_to(actor, "view").filter(pk=dsr.pk).exists():
        raise ScopeViolation(DataSubjectRequest, "change")


def _step(dsr: DataSubjectRequest, *, actor: Any, to: str, answer: str = "") -> DataSubjectRequest:
    """The one status writer: a conditional UPDATE from the statuses that may lead to ``to``."""
    allowed = [frm for frm, nexts in STEPS.items() if to in nexts]
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    values: dict[str, Any] = {"status": to, "updated_at": now, "updated_by": user}
    if to in (RequestStatus.DONE, RequestStatus.REJECTED):
        values.update(handled_at=now, answer=answer[:ANSWER_MAX])
    if user is not None:
        values["handler"] = user
    updated = DataSubjectRequest.objects.filter(pk=dsr.pk, status__in=allowed).update(**values)
    if updated != 1:
        current = DataSubjectRequest.objects.filter(pk=dsr.pk).values_list("status", flat=True)
        label = RequestStatus(current[0]).label if current else "已不存在"
        raise BusinessError(
            f"该申请当前为“{label}”，不能改为“{RequestStatus(to).label}”（可能已被他人处理，请刷新）",
            field="status",
            code="conflict",
        )
    row = DataSubjectRequest.objects.get(pk=dsr.pk)
    record_operation(
        actor=user,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"{row}：{RequestStatus(dsr.status).label} → {row.get_status_display()}",
        target=row,
        params={"answer": answer[:ANSWER_MAX]} if answer else None,
        extra={"from": dsr.status, "to": to},
    )
    return row


@transaction.atomic
def request_start(*, actor: Any, dsr: DataSubjectRequest) -> DataSubjectRequest:
    """已提交 → 处理中: the staff member takes the request (he becomes its handler)."""
    _check_handler(actor, dsr)
    return _step(dsr, actor=actor, to=RequestStatus.PROCESSING)


@transaction.atomic
def request_reject(*, actor: Any, dsr: DataSubjectRequest, reason: str) -> DataSubjectRequest:
    """已提交/处理中 → 已拒绝, with the reason the person reads (PIPL art. 50: reasons given)."""
    _check_handler(actor, dsr)
    reason = normalize(reason or "")
    if not reason:
        raise BusinessError("【拒绝理由】不能为空", field="answer")
    if len(reason) > ANSWER_MAX:
        raise BusinessError(f"【拒绝理由】最多 {ANSWER_MAX} 个字", field="answer")
    row = _step(dsr, actor=actor, to=RequestStatus.REJECTED, answer=reason)
    _tell_requester(row)
    return row


@transaction.atomic
def request_complete(*, actor: Any, dsr: DataSubjectRequest, note: str = "") -> DataSubjectRequest:
    """处理中 → 已完成, carrying out the request through the owning services: a correction sets
    the asked values (``talents.craftsman_update`` / ``demands.contact_update``); a deletion
    erases the craftsman's personal information (``talents.craftsman_erase``) or removes the
    contact (``demands.contact_remove``) and disables the login account (``accounts``). If an
    owning service refuses (a wrong ID number, say), nothing is saved and its message is shown."""
    _check_handler(actor, dsr)
    current = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if current.status != RequestStatus.PROCESSING:
        raise BusinessError(
            f"该申请当前为“{current.get_status_display()}”，请先受理再办结", field="status"
        )
    note = normalize(note or "")
    if len(note) > ANSWER_MAX:
        raise BusinessError(f"【处理说明】最多 {ANSWER_MAX} 个字", field="answer")
    try:
        if current.kind == RequestKind.CORRECT:
            summary = _apply_correction(actor, current)
        elif current.kind == RequestKind.DELETE:
            summary = _apply_deletion(actor, current, note)
        else:
            raise BusinessError("查阅复制申请由系统即时办结", field="kind")
    except ValidationError as exc:
        raise BusinessError("；".join(exc.messages), field="corrections") from exc
    row = _step(current, actor=actor, to=RequestStatus.DONE, answer=note or summary)
    _tell_requester(row)
    return row


def _apply_correction(actor: Any, dsr: DataSubjectRequest) -> str:
    fields = CORRECTABLE[dsr.subject_kind]
    data = {f: v for f, v in (dsr.corrections or {}).items() if f in fields}
    if not data:
        raise BusinessError("【更正内容】没有可更正的信息", field="corrections")
    if dsr.subject_kind == SubjectKind.CRAFTSMAN:
        from jiangqiao.talents import services as talent_services

        if dsr.craftsman is None:
            raise BusinessError("劳模工匠档案已不存在，无法更正", field="craftsman")
        if "birth_year" in data:
            try:
                data["birth_year"] = int(data["birth_year"])  # type: ignore[assignment]
            except ValueError:
                raise BusinessError("【出生年份】请填写四位数字年份", field="birth_year") from None
        talent_services.craftsman_update(actor=actor, craftsman=dsr.craftsman, data=data)
    else:
        from jiangqiao.demands import services as demand_services

        if dsr.contact is None:
            raise BusinessError("企业联系人已不存在，无法更正", field="contact")
        demand_services.contact_update(actor=actor, contact=dsr.contact, data=data)
    return "已按申请更正：" + "、".join(fields[f] for f in data)


def _apply_deletion(actor: Any, dsr: DataSubjectRequest, note: str) -> str:
    from jiangqiao.accounts import services as account_services

    reason = note or f"本人申请删除个人信息（申请 #{dsr.pk}）"
    if dsr.subject_kind == SubjectKind.CRAFTSMAN:
        from jiangqiao.talents import services as talent_services

        if dsr.craftsman is not None:
            talent_services.craftsman_erase(actor=actor, craftsman=dsr.craftsman, reason=reason)
    elif dsr.contact is not None:
        from jiangqiao.demands import services as demand_services

        demand_services.contact_remove(actor=actor, contact=dsr.contact)
    if dsr.requester is not None and dsr.requester.is_active:
        # The request was approved by the handler; the account is closed on his decision
        # (recorded above and by accounts' own log row).
        account_services.user_set_active(actor=None, user=dsr.requester, active=False)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(
        requester_name="（已删除）", corrections={}, details=""
    )
    return "已删除个人信息（法律要求保存的日志按期限保存后删除），登录账号已停用"


def _tell_requester(dsr: DataSubjectRequest) -> None:
    if dsr.requester is None or not dsr.requester.is_active:
        return
    notify(
        [dsr.requester],
        title=f"您的个人信息{dsr.get_kind_display()}申请{dsr.get_status_display()}",
        body=dsr.answer,
        link="/privacy/me/",
    )
