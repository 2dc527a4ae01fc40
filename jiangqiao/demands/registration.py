"""企业自助注册: an enterprise registers itself from a phone; its union unit confirms.

The owner of ``EnterpriseRegistration``'s life cycle (``pending → approved | refused``). The
registrant proves his mobile with a one-time code (``accounts.phone_codes``) *before* anything
about the USCC is answered, so asking whether a USCC is registered costs a fresh SMS code each
time (capped per mobile and per address).

* **A new USCC** creates the enterprise — owned by the union unit of the USCC's region
  (``orgs.selectors.unit_for_region``: county, else city, else province), not yet verified
  (``Enterprise.verified_at`` empty) — the account (role 企业联络人, the password the registrant
  chose) and its ``EnterpriseContact`` link: he logs in and submits demands at once. Approval by
  the unit marks the enterprise verified; a refusal disables it.
* **A USCC already registered** is never disclosed: whichever enterprise it is, the answer is the
  same sentence (``EXISTING_MESSAGE``), the account is made without a unit and without any link,
  and the contact request waits for the owning unit's staff, who approve (the account becomes a
  contact of the enterprise) or refuse with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts import phone_codes
from jiangqiao.accounts.choices import BuiltinRole, CodePurpose
from jiangqiao.core.choices import BusinessType, NotificationLevel, Status
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import IdentifierError, clean_uscc, is_union_uscc, validate_uscc
from jiangqiao.core.notifications import notify
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible
from jiangqiao.text import normalize

from . import services
from .choices import (
    REGISTRATION_CONSENT_VERSION,
    RegistrationKind,
    RegistrationStatus,
)
from .models import Enterprise, EnterpriseRegistration

MODULE = "企业注册"
USCC_LABEL = "统一社会信用代码"
#: The whole answer when the USCC is registered already — the same for every enterprise.
EXISTING_MESSAGE = (
    "该企业已在平台登记。您的联系人申请已提交，将由负责该企业的工会确认；"
    "确认后您即可登录查看并提交本企业的需求。"
)
NEW_MESSAGE = "企业注册成功，现在即可登录提交需求；负责的工会将核实企业信息。"
REASON_MAX = 300


@dataclass(frozen=True)
class RegistrationData:
    """What the registrant typed, checked (``registration_clean``)."""

    enterprise_name: str
    uscc: str
    contact_name: str
    contact_title: str
    mobile: str
    username: str
    password: str
    region_code: str


def clean_enterprise_uscc(raw: str) -> str:
    """A USCC as typed → canonical, or ``BusinessError`` naming the field (never a lookup)."""
    code = clean_uscc(raw or "")
    if not code:
        raise BusinessError(f"{USCC_LABEL}：不能为空", field="uscc")
    try:
        validate_uscc(code)
    except IdentifierError as exc:
        raise BusinessError(exc.with_label(USCC_LABEL), field="uscc") from exc
    if is_union_uscc(code):
        raise BusinessError(
            f"{USCC_LABEL}：这是工会组织的代码，请填写企业营业执照上的代码", field="uscc"
        )
    if code[2:8] == "100000":
        raise BusinessError(
            f"{USCC_LABEL}：中央登记的单位请联系所在地工会登记，不能自助注册", field="uscc"
        )
    from jiangqiao.taxonomy.validators import TermCodeValidator

    try:
        TermCodeValidator("region")(code[2:8])
    except ValidationError as exc:
        raise BusinessError(
            f"{USCC_LABEL}：第3–8位“{code[2:8]}”不是有效的行政区划代码", field="uscc"
        ) from exc
    return code


def _region_unit(uscc: str) -> Any:
    from jiangqiao.orgs.selectors import unit_for_region

    unit = unit_for_region(uscc[2:8])
    if unit is None:
        raise BusinessError(
            f"{USCC_LABEL}：第3–8位登记地区暂无开通服务的工会组织，请联系所在地工会登记",
            field="uscc",
        )
    return unit


def _check_username(username: str) -> str:
    from jiangqiao.accounts.models import User

    username = (username or "").strip()
    if not username:
        raise BusinessError("登录账号：不能为空", field="username")
    if not 4 <= len(username) <= 30:
        raise BusinessError("登录账号：应为 4–30 个字符", field="username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise BusinessError(
            "登录账号：只能使用字母、数字和 @ . + - _ 字符", field="username"
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise BusinessError("登录账号：已被使用，请换一个", field="username")
    return username


def _check_password(password: str, username: str, name: str) -> None:
    from jiangqiao.accounts.models import User

    if not password:
        raise BusinessError("密码：不能为空", field="password")
    try:
        validate_password(password, User(username=username, real_name=name))
    except ValidationError as exc:
        raise BusinessError(f"密码：{'；'.join(exc.messages)}", field="password") from exc


def registration_clean(
    *,
    enterprise_name: str,
    uscc: str,
    contact_name: str,
    mobile: str,
    username: str,
    password: str,
    consent: bool,
    contact_title: str = "",
) -> RegistrationData:
    """Check everything but the code; the first problem is raised with its field.

    Whether the USCC is registered is *not* looked at here: that answer comes only after the code.
    """
    name = normalize(enterprise_name or "")
    if not name:
        raise BusinessError("企业名称：不能为空", field="enterprise_name")
    if len(name) > 200:
        raise BusinessError("企业名称：最多 200 个字", field="enterprise_name")
    code = clean_enterprise_uscc(uscc)
    _region_unit(code)
    person = normalize(contact_name or "")
    if not person:
        raise BusinessError("联系人姓名：不能为空", field="contact_name")
    if len(person) > 50:
        raise BusinessError("联系人姓名：最多 50 个字", field="contact_name")
    title = normalize(contact_title or "")
    if len(title) > 50:
        raise BusinessError("职务：最多 50 个字", field="contact_title")
    mobile = phone_codes.clean_mobile_input(mobile)
    username = _check_username(username)
    _check_password(password, username, person)
    if not consent:
        raise BusinessError("个人信息处理告知：请阅读并勾选同意后再注册", field="consent")
    return RegistrationData(name, code, person, title, mobile, username, password, code[2:8])


def registration_send_code(*, data: RegistrationData, client: str | None = None) -> Any:
    """Send the registration code to the mobile typed (checked first: ``registration_clean``)."""
    return phone_codes.code_send(
        purpose=CodePurpose.REGISTRATION, mobile=data.mobile, client=client
    )


def registration_submit(
    *, data: RegistrationData, code: str, submit_key: str
) -> EnterpriseRegistration:
    """Register with the code received. A repeat of the same submission (``submit_key``: the
    page's one-time token, a double click) returns the first registration and creates nothing.
    """
    submit_key = (submit_key or "")[:64]
    if not submit_key:
        raise BusinessError("页面已过期，请刷新后重新填写", field="form_token")
    earlier = EnterpriseRegistration.objects.filter(submit_key=submit_key).first()
    if earlier is not None:
        return earlier
    row = phone_codes.code_verify(purpose=CodePurpose.REGISTRATION, mobile=data.mobile, code=code)
    try:
        return _register(data=data, code_row=row, submit_key=submit_key)
    except BusinessError:
        # Two submissions of the same page at once: the first registered, the second lost the
        # code (or the unique key) and gets the first one's result.
        earlier = EnterpriseRegistration.objects.filter(submit_key=submit_key).first()
        if earlier is not None:
            return earlier
        raise
    except ValidationError as exc:
        raise BusinessError(_first_message(exc), field="uscc") from exc


def _first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            label = {
                "region_code": f"{USCC_LABEL}（第3–8位地区码）",
                "uscc": USCC_LABEL,
                "name": "企业名称",
            }.get(field, field)
            return f"{label}：{errors[0].messages[0]}"
    return exc.messages[0]


@transaction.atomic
def _register(*, data: RegistrationData, code_row: Any, submit_key: str) -> EnterpriseRegistration:
    from jiangqiao.accounts.models import Role
    from jiangqiao.accounts.services import user_create

    phone_codes.code_consume(code_row)
    existing = Enterprise.objects.filter(uscc=data.uscc).first()
    unit = existing.org if existing is not None else _region_unit(data.uscc)
    role = Role.objects.filter(code=BuiltinRole.ENTERPRISE_CONTACT, status=Status.ACTIVE).first()
    if role is None:
        raise BusinessError("企业联络人角色已停用，暂不能注册，请联系所在地工会")
    user, _ = user_create(
        actor=None,
        username=_check_username(data.username),
        # A contact request of a registered enterprise: no unit until it is approved (the
        # account's profile must not name the unit of an enterprise he was not told about).
        org=None if existing is not None else unit,
        real_name=data.contact_name,
        password=data.password,
        roles=[role],
        must_change_password=False,
    )
    now = timezone.now()
    if existing is None:
        ent = Enterprise(
            org=unit,
            uscc=data.uscc,
            name=data.enterprise_name,
            region_code=data.region_code,
            created_by=user,
            updated_by=user,
        )
        services._derive_enterprise(ent)
        ent.full_clean()
        services._save_unique(ent)
        services.contact_create(
            actor=user,
            enterprise=ent,
            name=data.contact_name,
            title=data.contact_title,
            mobile=data.mobile,
            user=user,
            is_primary=True,
        )
        kind = RegistrationKind.NEW_ENTERPRISE
    else:
        ent, kind = existing, RegistrationKind.NEW_CONTACT
    reg = EnterpriseRegistration(
        org=unit,
        kind=kind,
        enterprise=ent,
        claimed_name=data.enterprise_name,
        contact_name=data.contact_name,
        contact_title=data.contact_title,
        mobile=data.mobile,
        mobile_index=blind_index(data.mobile, purpose="mobile"),
        user=user,
        consent_version=REGISTRATION_CONSENT_VERSION,
        consented_at=now,
        submit_key=submit_key,
        created_by=user,
        updated_by=user,
    )
    reg.full_clean(exclude=["submit_key"])
    reg.save()
    record_operation(
        actor=user,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"企业自助注册：{reg.get_kind_display()}（告知同意 {REGISTRATION_CONSENT_VERSION}）",
        target=reg,
        params={"kind": kind, "consent_version": REGISTRATION_CONSENT_VERSION},
    )
    _tell_unit(reg)
    return reg


def _unit_staff(unit: Any) -> list[Any]:
    from jiangqiao.accounts.selectors import unit_staff

    return list(unit_staff(unit.pk, "demands.change_enterpriseregistration"))


def _tell_unit(reg: EnterpriseRegistration) -> None:
    title = (
        "新的企业自助注册待核实"
        if reg.kind == RegistrationKind.NEW_ENTERPRISE
        else "已登记企业的新联系人申请待确认"
    )
    notify(
        _unit_staff(reg.org),
        title=title,
        body=f"{reg.claimed_name}（联系人：{reg.contact_name}）",
        link=reverse("demands:registration_detail", args=[reg.pk]),
        level=NotificationLevel.WARNING,
    )


def result_message(reg: EnterpriseRegistration) -> str:
    """What the registrant is told: one sentence per kind, nothing of an existing enterprise."""
    return NEW_MESSAGE if reg.kind == RegistrationKind.NEW_ENTERPRISE else EXISTING_MESSAGE


def _claim(*, actor: Any, registration: EnterpriseRegistration, to: str, reason: str = "") -> Any:
    """Move a pending registration to ``to`` (a conditional update: one decision wins)."""
    assert_visible(EnterpriseRegistration, actor, registration.pk, "change")
    reg = EnterpriseRegistration.objects.select_for_update().get(pk=registration.pk)
    done = EnterpriseRegistration.objects.filter(
        pk=reg.pk, status=RegistrationStatus.PENDING
    ).update(
        status=to, decided_at=timezone.now(), decided_by=actor, reason=reason, updated_by=actor
    )
    if not done:
        raise BusinessError(
            f"状态：该申请已{reg.get_status_display().removeprefix('已')}，请刷新页面",
            field="status",
        )
    reg.refresh_from_db()
    return reg


@transaction.atomic
def registration_approve(
    *, actor: Any, registration: EnterpriseRegistration
) -> EnterpriseRegistration:
    """Confirm: a new enterprise becomes verified; a new contact is linked to the enterprise."""
    reg = _claim(actor=actor, registration=registration, to=RegistrationStatus.APPROVED)
    ent = Enterprise.objects.select_for_update().get(pk=reg.enterprise_id)
    assert_visible(Enterprise, actor, ent.pk, "change")
    if reg.kind == RegistrationKind.NEW_ENTERPRISE:
        if ent.verified_at is None:
            ent.verified_at = timezone.now()
            ent.updated_by = actor
            ent.save(update_fields=["verified_at", "updated_by", "updated_at"])
        title, body = "企业注册已核实", f"负责的工会已核实“{ent.name}”的企业信息。"
    else:
        services.contact_add(
            actor=actor,
            enterprise=ent,
            name=reg.contact_name,
            title=reg.contact_title,
            mobile=reg.mobile,
            user=reg.user,
        )
        title = "联系人申请已确认"
        body = f"您已成为“{ent.name}”的企业联系人，可以登录查看并提交本企业的需求。"
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.APPROVE,
        action=f"确认企业注册申请：{reg}",
        target=reg,
    )
    notify([reg.user], title=title, body=body, link="/", actor=actor)
    return reg


@transaction.atomic
def registration_refuse(
    *, actor: Any, registration: EnterpriseRegistration, reason: str
) -> EnterpriseRegistration:
    """Refuse with a reason (told to the registrant). A refused new enterprise is disabled."""
    reason = normalize(reason or "")
    if not reason:
        raise BusinessError("拒绝原因：不能为空", field="reason")
    if len(reason) > REASON_MAX:
        raise BusinessError(f"拒绝原因：最多 {REASON_MAX} 个字", field="reason")
    reg = _claim(
        actor=actor, registration=registration, to=RegistrationStatus.REFUSED, reason=reason
    )
    if reg.kind == RegistrationKind.NEW_ENTERPRISE:
        services.enterprise_set_status(
            actor=actor, enterprise=reg.enterprise, status=Status.DISABLED
        )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.APPROVE,
        action=f"拒绝企业注册申请：{reg}",
        target=reg,
        params={"reason": reason},
    )
    notify(
        [reg.user],
        title="企业注册申请未通过",
        body=f"原因：{reason}。如有疑问，请联系所在地工会。",
        link="/",
        actor=actor,
        level=NotificationLevel.WARNING,
    )
    return reg
