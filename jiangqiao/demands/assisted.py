"""联络员代录: union staff record a demand on a phone during a visit; the enterprise confirms.

``assisted_create`` writes the demand as a draft through ``services.demand_create`` (the
enterprise picked within the staff member's scope, or registered on the spot through
``services.enterprise_create``), with how and where it was taken down (``intake_channel``,
``intake_place``) and the contact who confirms it. ``assisted_send_code`` sends that contact a
one-time code (``accounts.phone_codes``, purpose 代录确认, bound to the demand); the contact
reads it out and the staff member types it: ``assisted_confirm`` records the confirmation and
submits the demand through the lifecycle's owner (casework's ``demand_submit``). Without the
code the demand stays a draft.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiangqiao.accounts import phone_codes
from jiangqiao.accounts.choices import CodePurpose
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import mask_mobile
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible
from jiangqiao.text import normalize

from . import services
from .choices import Channel, DemandStatus, IntakeChannel
from .models import Demand, Enterprise, EnterpriseContact
from .registration import clean_enterprise_uscc

PLACE_MAX = 200
CONTACT_MOBILE_LABEL = "企业联系人手机号码"


def _subject(demand: Demand) -> str:
    return f"demand:{demand.pk}"


def _check_intake(intake_channel: str, intake_place: str) -> str:
    if intake_channel not in IntakeChannel.values:
        raise BusinessError("代录方式：请选择上门走访、坐镇、热线或园区行", field="intake_channel")
    place = normalize(intake_place or "")
    if not place:
        raise BusinessError(
            "代录地点：不能为空（如企业名称、园区或活动地点）", field="intake_place"
        )
    if len(place) > PLACE_MAX:
        raise BusinessError(f"代录地点：最多 {PLACE_MAX} 个字", field="intake_place")
    return place


def _new_enterprise(*, actor: Any, name: str, uscc: str) -> Enterprise:
    """Register the visited enterprise on the spot: owned by the unit of its region when that
    unit is within the staff member's scope, else by the staff member's own unit."""
    from jiangqiao.orgs.models import Organization
    from jiangqiao.orgs.selectors import unit_for_region

    name = normalize(name or "")
    if not name:
        raise BusinessError("企业名称：请选择已登记的企业，或填写新企业的名称", field="new_name")
    code = clean_enterprise_uscc(uscc)
    unit = unit_for_region(code[2:8])
    mine = Organization.objects.visible_to(actor, "view")
    if unit is None or not mine.filter(pk=unit.pk).exists():
        unit = getattr(actor, "org", None)
    try:
        return services.enterprise_create(
            actor=actor, org=unit, data={"uscc": code, "name": name, "region_code": code[2:8]}
        )
    except ValidationError as exc:
        messages = getattr(exc, "message_dict", {})
        if "uscc" in messages:
            raise BusinessError(
                f"统一社会信用代码：{messages['uscc'][0]}", field="new_uscc"
            ) from exc
        if "region_code" in messages:
            raise BusinessError(
                f"统一社会信用代码：第3–8位地区码{messages['region_code'][0]}", field="new_uscc"
            ) from exc
        raise


@transaction.atomic
def assisted_create(
    *,
    actor: Any,
    enterprise: Enterprise | None,
    contact_name: str,
    contact_mobile: str,
    intake_channel: str,
    intake_place: str,
    data: dict[str, Any],
    new_name: str = "",
    new_uscc: str = "",
    duplicate_confirmed: bool = False,
) -> Demand:
    """A draft demand taken down by staff, waiting for the enterprise contact's code. Like an
    open demand of the enterprise the staff member may see, it is refused
    (``duplicates.DuplicateDemand``) unless ``duplicate_confirmed``."""
    if not actor.has_perm("demands.assist_demand"):
        raise BusinessError("您没有走访代录需求的权限")
    place = _check_intake(intake_channel, intake_place)
    person = normalize(contact_name or "")
    if not person:
        raise BusinessError("企业联系人姓名：不能为空", field="contact_name")
    mobile = phone_codes.clean_mobile_input(
        contact_mobile, label=CONTACT_MOBILE_LABEL, field="contact_mobile"
    )
    if enterprise is None:
        if not (new_name or new_uscc):
            raise BusinessError("企业：请选择已登记的企业，或登记新企业", field="enterprise")
        enterprise = _new_enterprise(actor=actor, name=new_name, uscc=new_uscc)
    demand = services.demand_create(
        actor=actor,
        enterprise=enterprise,
        data=data,
        channel=Channel.OFFLINE,
        check_duplicates=True,
        duplicate_confirmed=duplicate_confirmed,
    )
    contact = EnterpriseContact.objects.filter(
        enterprise=enterprise, mobile_index=blind_index(mobile, purpose="mobile")
    ).first()
    if contact is None:
        contact = services.contact_add(
            actor=actor, enterprise=enterprise, name=person, mobile=mobile
        )
    demand.intake_channel = intake_channel
    demand.intake_place = place
    demand.intake_contact = contact
    demand.save(update_fields=["intake_channel", "intake_place", "intake_contact", "updated_at"])
    record_operation(
        actor=actor,
        module=services.MODULE_DEMAND,
        business_type=BusinessType.INSERT,
        action=f"联络员代录需求“{demand}”（{IntakeChannel(intake_channel).label}·{place}），"
        "待企业联系人确认",
        target=demand,
        params={"intake_channel": intake_channel},
    )
    return demand


def _pending(actor: Any, demand: Demand) -> Demand:
    current = Demand.objects.select_related("intake_contact").get(pk=demand.pk)
    assert_visible(Demand, actor, current.pk, "change")
    if current.intake_confirmed_at is not None:
        raise BusinessError("验证码：该需求已由企业确认并提交", field="code")
    if current.status != DemandStatus.DRAFT:
        raise BusinessError(
            f"状态：需求已{current.get_status_display().removeprefix('已')}，无需再确认",
            field="status",
        )
    if current.intake_contact is None or not current.intake_contact.mobile:
        raise BusinessError("企业联系人手机号码：该需求没有待确认的联系人", field="contact_mobile")
    return current


def assisted_send_code(*, actor: Any, demand: Demand, client: str | None = None) -> str:
    """Send the confirmation code to the demand's contact; returns the masked mobile."""
    current = _pending(actor, demand)
    mobile = current.intake_contact.mobile  # type: ignore[union-attr]
    phone_codes.code_send(
        purpose=CodePurpose.ASSISTED_CONFIRM,
        mobile=mobile,
        subject=_subject(current),
        client=client,
        actor=actor,
    )
    return mask_mobile(mobile)


def assisted_confirm(*, actor: Any, demand: Demand, code: str) -> Demand:
    """The contact's code, typed by the staff member: confirm and submit the demand."""
    current = _pending(actor, demand)
    row = phone_codes.code_verify(
        purpose=CodePurpose.ASSISTED_CONFIRM,
        mobile=current.intake_contact.mobile,  # type: ignore[union-attr]
        code=code,
        subject=_subject(current),
    )
    return _confirm(actor=actor, demand=current, code_row=row)


@transaction.atomic
def _confirm(*, actor: Any, demand: Demand, code_row: Any) -> Demand:
    locked = Demand.objects.select_for_update().get(pk=demand.pk)
    if locked.intake_confirmed_at is not None:
        raise BusinessError("验证码：该需求已由企业确认并提交", field="code")
    phone_codes.code_consume(code_row)
    locked.intake_confirmed_at = timezone.now()
    locked.save(update_fields=["intake_confirmed_at", "updated_at"])
    contact = demand.intake_contact
    record_operation(
        actor=actor,
        module=services.MODULE_DEMAND,
        business_type=BusinessType.UPDATE,
        action=f"企业联系人“{contact.name if contact else ''}”以短信验证码确认代录需求“{locked}”",
        target=locked,
    )
    # Submitting is a step of the lifecycle, taken by its owner (casework).
    return services._submitter()(actor=actor, demand=locked)
