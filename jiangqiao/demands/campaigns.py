"""Writes of the collection campaigns (征集活动): create, edit, publish, close, reopen, the tick
that ends them on their deadline, and the check a submission through a campaign link passes.

The campaign's status changes only here (``TRANSITIONS``): staff actions lock the row and save it
(change log and operation log); the tick ends overdue campaigns with conditional updates, so a
second or concurrent run finds nothing left to do. A submission locks the campaign row and refuses
the demand when the campaign no longer accepts (``CampaignClosed``): nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible

from .choices_campaigns import CampaignStatus
from .models_campaigns import Campaign

MODULE = "征集活动"
CAMPAIGN_FIELDS = (
    "title",
    "announcement",
    "preparation",
    "categories",
    "region_codes",
    "industry_codes",
    "starts_on",
    "deadline",
    "target_count",
)
MAX_FOCUS = 10

#: action → (states it may start from, state it leads to, label)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "publish": ((CampaignStatus.DRAFT,), CampaignStatus.OPEN, "发布"),
    "close": ((CampaignStatus.DRAFT, CampaignStatus.OPEN), CampaignStatus.CLOSED, "关闭"),
    "reopen": ((CampaignStatus.ENDED, CampaignStatus.CLOSED), CampaignStatus.OPEN, "重新开放"),
    "end": ((CampaignStatus.OPEN,), CampaignStatus.ENDED, "截止"),
}
#: Actions staff take on a campaign's page (``end`` is the tick's).
STAFF_ACTIONS = ("publish", "close", "reopen")


class CampaignClosed(BusinessError):
    """A submission through the link of a campaign that does not accept demands (today)."""

    def __init__(self, campaign: Campaign, state: str) -> None:
        self.campaign = campaign
        self.state = state
        super().__init__(closed_message(campaign, state), field="campaign", code=state)


def closed_message(campaign: Campaign, state: str) -> str:
    if state == "not_started":
        return f"该征集活动将于 {campaign.starts_on:%Y-%m-%d} 开始征集，请届时再提交"
    if state == "closed":
        return "该征集活动已关闭，不再接收需求"
    return f"该征集活动已于 {campaign.deadline:%Y-%m-%d} 截止"


def _check_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _clean_codes(scheme: str, codes: Any, *, field: str, label: str, levels: Any = None) -> list:
    from jiangqiao.taxonomy.selectors import canonical_code, code_exists

    if codes in (None, ""):
        return []
    if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
        raise BusinessError(f"{label}：应为代码的列表", field=field)
    result: list[str] = []
    for raw in codes:
        code = canonical_code(scheme, raw.strip())
        if not code:
            continue
        if not code_exists(scheme, code, levels=levels):
            raise BusinessError(f"{label}：“{raw[:20]}”不是有效的代码", field=field)
        if code not in result:
            result.append(code)
    if len(result) > MAX_FOCUS:
        raise BusinessError(f"{label}：最多选择 {MAX_FOCUS} 项", field=field)
    return result


def _prepare(campaign: Campaign) -> None:
    campaign.categories = _clean_codes(
        "demand_category", campaign.categories, field="categories", label="征集类别", levels=[1]
    )
    campaign.region_codes = _clean_codes(
        "region", campaign.region_codes, field="region_codes", label="重点地区"
    )
    campaign.industry_codes = _clean_codes(
        "industry", campaign.industry_codes, field="industry_codes", label="重点行业"
    )


def _check_org(actor: Any, org: Any) -> None:
    from .services import _check_org as check

    check(actor, org)


@transaction.atomic
def campaign_create(*, actor: Any, org: Any, data: dict[str, Any]) -> Campaign:
    """A draft campaign of ``org`` (a unit within the actor's scope) with a fresh link token."""
    _check_fields(data)
    _check_org(actor, org)
    campaign = Campaign(
        org=org,
        created_by=actor,
        updated_by=actor,
        token=secrets.token_urlsafe(16)[:22],
        status=CampaignStatus.DRAFT,
        status_changed_at=timezone.now(),
        **data,
    )
    _prepare(campaign)
    campaign.full_clean()
    campaign.save()
    assert_visible(Campaign, actor, campaign.pk, "add")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"新建征集活动“{campaign.title}”",
        target=campaign,
    )
    return campaign


@transaction.atomic
def campaign_update(
    *, actor: Any, campaign: Campaign, data: dict[str, Any], org: Any = None
) -> Campaign:
    """Change a campaign's content (its status changes only through ``campaign_transition``)."""
    _check_fields(data)
    current = Campaign.objects.select_for_update().get(pk=campaign.pk)
    assert_visible(Campaign, actor, current.pk, "change")
    if org is not None and org.pk != current.org_id:
        if current.demands.exists():
            raise BusinessError("发起单位：已有企业通过该活动提交需求，不能再更换", field="org")
        _check_org(actor, org)
        current.org = org
    for key, value in data.items():
        setattr(current, key, value)
    current.updated_by = actor
    _prepare(current)
    current.full_clean()
    current.save()
    assert_visible(Campaign, actor, current.pk, "change")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"修改征集活动“{current.title}”",
        target=current,
        extra={"fields": sorted(data)},
    )
    return current


@transaction.atomic
def campaign_transition(*, actor: Any, campaign: Campaign, action: str) -> Campaign:
    """发布 / 关闭 / 重新开放 (``STAFF_ACTIONS``). Publishing or reopening needs a deadline of
    today or later: a campaign past its deadline is reopened by moving the deadline first."""
    if action not in STAFF_ACTIONS:
        raise BusinessError("操作：不支持该操作", field="action")
    sources, target, label = TRANSITIONS[action]
    current = Campaign.objects.select_for_update().get(pk=campaign.pk)
    assert_visible(Campaign, actor, current.pk, "change")
    if current.status not in sources:
        raise BusinessError(
            f"状态：征集活动为“{current.get_status_display()}”，不能{label}", field="status"
        )
    today = timezone.localdate()
    if target == CampaignStatus.OPEN and current.deadline < today:
        raise BusinessError(
            f"截止日期：已过（{current.deadline:%Y-%m-%d}），请先把截止日期改为今天或以后再{label}",
            field="deadline",
        )
    before = current.get_status_display()
    current.status = target
    current.status_changed_at = timezone.now()
    current.updated_by = actor
    current.save(update_fields=["status", "status_changed_at", "updated_by", "updated_at"])
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"{label}征集活动“{current.title}”（{before} → {current.get_status_display()}）",
        target=current,
    )
    return current


def tick(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Open campaigns past their deadline become 已截止 (a conditional update each)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    ended = 0
    due = list(
        Campaign.objects.filter(status=CampaignStatus.OPEN, deadline__lt=today)
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in due:
        with transaction.atomic():
            if (
                Campaign.objects.filter(
                    pk=pk, status=CampaignStatus.OPEN, deadline__lt=today
                ).update(status=CampaignStatus.ENDED, status_changed_at=now, updated_at=now)
                == 1
            ):
                campaign = Campaign.objects.get(pk=pk)
                record_operation(
                    actor=None,
                    module=MODULE,
                    business_type=BusinessType.UPDATE,
                    action=(
                        f"征集活动“{campaign.title}”已于 {campaign.deadline:%Y-%m-%d} 截止"
                        "（征集中 → 已截止）"
                    ),
                    target=campaign,
                )
                ended += 1
    return {"ended": ended}


def periodic_tick() -> dict[str, int]:
    """The registered periodic job (``core.periodic``: no arguments)."""
    return tick()


def lock_for_submission(campaign: Campaign, *, category: str) -> Campaign:
    """Inside the transaction that creates a demand through a campaign link: the campaign row
    locked, refused with ``CampaignClosed`` unless it accepts demands today, and the demand's
    category one of the campaign's."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_for_submission() must run inside the creating transaction")
    current = Campaign.objects.select_for_update().get(pk=campaign.pk)
    state = current.public_state(timezone.localdate())
    if state != "open":
        raise CampaignClosed(current, state)
    if current.categories and category not in current.categories:
        raise BusinessError("需求类别：请选择本次征集活动的征集类别之一", field="category")
    return current
