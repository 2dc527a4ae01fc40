"""Writes of training orders (培训订单, issue 15 point 4). Every function is atomic, scope-checked
and audited; an order's status changes only here, along ``ORDER_MOVES``, by a conditional update
(``... WHERE status = <read>``) that writes one ``OrderEvent``.

Rules (pages, API and the demo behave the same):

* 点单邀约 names a **published** course of the public menu and/or a lecturer: the course's academy's
  own lecturer or a shared lecturer of its alliance (a lecturer alone: one who teaches a published
  course); 院企订单式 names an enabled academy and a topic. Planned trainees 1–10000; the preferred
  period starts today or later and ends on or after its start; 送教入企 needs an address;
* the enterprise is one the actor may see (an enterprise contact: his own); the order belongs to
  the academy's union unit; the enterprise's contacts see it (仅本人), another unit gets 404;
* staff (``academy.handle_trainingorder``) accept or return (a reason) and schedule: a class is
  created through ``classes.class_create`` (its course: the order's, or for a custom order a
  published course of the academy's system) at a node (HQ, branch or base) of the academy's
  system, with lecturers and sessions through ``classes.session_add`` (double booking refused
  there) — or an existing class of the system is linked;
* the order follows its class: finished → 已交付, cancelled → back to 已受理 (schedule again);
* only the enterprise's contacts withdraw (待受理/已受理) and evaluate (已交付, 1–5);
* a 技能培训 demand becomes a 院企订单式 order in one step (``order_from_demand``); the demand
  follows the order through casework's hand-over services (casework never imports academy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiangqiao.core.choices import BusinessType, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import ScopeViolation, assert_visible

from . import classes, selectors
from .choices import AcademyType, ClassStatus, CourseStatus, OrderKind, OrderSite, OrderStatus
from .models import Academy, Course, Lecturer, OrderEvent, TrainingClass, TrainingOrder
from .order_models import TRAINEES_MAX
from .services import MODULE, _term, _text, _visible

S = OrderStatus

#: The order state table: from → the statuses it may move to.
ORDER_MOVES: dict[str, set[str]] = {
    S.PENDING: {S.ACCEPTED, S.RETURNED, S.WITHDRAWN},
    S.ACCEPTED: {S.SCHEDULED, S.WITHDRAWN},
    S.SCHEDULED: {S.DELIVERED, S.ACCEPTED},  # 已受理 again when its class is cancelled
    S.DELIVERED: {S.EVALUATED},
    S.RETURNED: set(),
    S.EVALUATED: set(),
    S.WITHDRAWN: set(),
}
ORDER_FIELDS = (
    "topic",
    "description",
    "occupation",
    "skill_level",
    "trainees_planned",
    "period_from",
    "period_to",
    "site",
    "address",
)
HANDLE_PERMISSION = "academy.handle_trainingorder"
CONVERT_PERMISSION = "academy.convert_demand"
ORDER_PREFIX = "DD"
#: How far ahead a preferred period may reach.
PERIOD_MAX_DAYS = 730
#: Nodes a class of an order may be held at.
CLASS_NODES = (AcademyType.HQ, AcademyType.BRANCH, AcademyType.TRAINING_BASE)
HAND_OVER_LABEL = "学院培训订单"


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _actor_name(actor: Any) -> str:
    user = _user(actor)
    if user is None:
        return "系统"
    return str(getattr(user, "display_name", "") or user.username)


def _need(actor: Any, perm: str, message: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)


def is_contact(actor: Any, enterprise_id: int) -> bool:
    """Is the actor a contact (platform account) of the enterprise?"""
    from jiangqiao.demands.models import EnterpriseContact

    user = _user(actor)
    return (
        user is not None
        and EnterpriseContact.objects.filter(enterprise_id=enterprise_id, user=user).exists()
    )


def _tree_ids(academy: Academy) -> set[int]:
    """The academy and every node below it."""
    ids = {academy.pk}
    frontier = [academy.pk]
    while frontier:
        frontier = list(
            Academy.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.update(frontier)
    return ids


def _date(field: str, label: str, value: Any) -> dt.date:
    parsed = classes._date(field, label, value)
    assert parsed is not None
    return parsed


def _event(order: TrainingOrder, actor: Any, before: str, to: str, comment: str) -> None:
    OrderEvent.objects.create(
        order=order,
        from_status=before,
        to_status=to,
        actor=_user(actor),
        actor_name=_actor_name(actor),
        comment=(comment or "")[:500],
    )


def _refusal(current: str, to: str) -> BusinessError:
    label = S(current).label if current else "已不存在"
    return BusinessError(
        f"订单当前状态为“{label}”，不能改为“{S(to).label}”（可能已被他人处理，请刷新）",
        field="status",
        code="conflict",
    )


def _move(
    order: TrainingOrder, actor: Any, to: str, comment: str = "", **updates: Any
) -> TrainingOrder:
    """One step of ``ORDER_MOVES``: a conditional update on the status read, and its history."""
    current = TrainingOrder.objects.filter(pk=order.pk).values_list("status", flat=True).first()
    if current is None or to not in ORDER_MOVES.get(current, set()):
        raise _refusal(current or "", to)
    done = TrainingOrder.objects.filter(pk=order.pk, status=current).update(
        status=to,
        version=F("version") + 1,
        updated_at=timezone.now(),
        updated_by=_user(actor),
        **updates,
    )
    if done != 1:
        now = TrainingOrder.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        raise _refusal(now or "", to)
    row = TrainingOrder.objects.select_related("academy", "enterprise").get(pk=order.pk)
    _event(row, actor, current, to, comment or S(to).label)
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"培训订单“{row.number}”：{S(current).label} → {S(to).label}",
        target=row,
        extra={"from": current, "to": to},
    )
    return row


def _number(academy: Academy, year: int) -> str:
    from jiangqiao.demands.numbering import PROVINCES

    entry = PROVINCES.get((academy.region_code or "")[:2])
    prefix = f"{entry[1] if entry else 'CN'}{ORDER_PREFIX}"
    return f"{prefix}-{year:04d}-{classes.next_certificate_sequence(prefix, year):06d}"


def clean_order_data(data: dict[str, Any]) -> dict[str, Any]:
    """Check an order's own fields; the first bad one raises ``BusinessError`` naming it."""
    unknown = set(data) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    out: dict[str, Any] = {
        "topic": _text("topic", data.get("topic"), "培训主题", 100),
        "description": _text("description", data.get("description"), "培训需求说明", 2000),
        "occupation": _term("occupation", "occupation", "面向职业（工种）", data.get("occupation")),
        "skill_level": _term("skill_level", "skill_level", "面向技能等级", data.get("skill_level")),
        "trainees_planned": classes._int(
            "trainees_planned", "计划参训人数", data.get("trainees_planned"), 1, TRAINEES_MAX
        ),
        "address": _text("address", data.get("address"), "送教地址", 200),
    }
    today = timezone.localdate()
    start = _date("period_from", "期望培训时间起", data.get("period_from"))
    end = _date("period_to", "期望培训时间止", data.get("period_to"))
    if start < today:
        raise BusinessError("期望培训时间起：不能早于今天", field="period_from")
    if end < start:
        raise BusinessError("期望培训时间止：不能早于起始日期", field="period_to")
    if (end - today).days > PERIOD_MAX_DAYS:
        raise BusinessError("期望培训时间止：最远可约两年内", field="period_to")
    out["period_from"], out["period_to"] = start, end
    site = data.get("site")
    if site not in OrderSite.values:
        raise BusinessError("培训地点方式：请选择送教入企、学院基地或线上", field="site")
    out["site"] = site
    if site == OrderSite.ENTERPRISE and not out["address"]:
        raise BusinessError("送教地址：送教入企须填写地址", field="address")
    return out


def _check_lecturer(lecturer: Lecturer, academy: Academy) -> None:
    """A lecturer an order may name: the academy's own or shared in its alliance."""
    own = lecturer.academy_id in _tree_ids(academy)
    shared = selectors.shared_lecturers_for(academy).filter(pk=lecturer.pk).exists()
    if not (own or shared) or lecturer.status != Status.ACTIVE:
        raise BusinessError(
            "邀请讲师：只能邀请该学院的师资或其所在联盟共享的师资", field="lecturer"
        )


def _create(
    *,
    actor: Any,
    kind: str,
    enterprise: Any,
    academy: Academy,
    course: Course | None,
    lecturer: Lecturer | None,
    fields: dict[str, Any],
    source_demand: Any = None,
) -> TrainingOrder:
    order = TrainingOrder(
        org_id=academy.org_id,
        kind=kind,
        enterprise=enterprise,
        placed_by=_user(actor),
        academy=academy,
        course=course,
        course_edition=course.edition if course is not None else 0,
        lecturer=lecturer,
        source_demand=source_demand,
        created_by=_user(actor),
        updated_by=_user(actor),
        **fields,
    )
    order.number = _number(academy, timezone.localdate().year)
    order.full_clean(exclude=["enterprise", "academy", "course", "lecturer", "source_demand"])
    order.save()
    _event(order, actor, "", S.PENDING, "提交订单")
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"“{enterprise.name}”向“{academy.name}”下单：{order.topic}（{order.number}）",
        target=order,
    )
    return order


# ------------------------------------------------------------------------------------------------
# Placing an order
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def order_place(
    *,
    actor: Any,
    enterprise: Any,
    kind: str,
    data: dict[str, Any],
    course: Course | None = None,
    lecturer: Lecturer | None = None,
    academy: Academy | None = None,
) -> TrainingOrder:
    """An enterprise's order: 点单邀约 (``course`` and/or ``lecturer`` of the menu) or 院企订单式
    (``academy`` + topic). Starts 待受理."""
    from jiangqiao.demands.models import Enterprise

    _need(actor, "academy.add_trainingorder", "只有企业联络人可以向工匠学院下单")
    _visible(Enterprise, actor, enterprise, "view", "enterprise", "企业")
    if enterprise.status != Status.ACTIVE:
        raise BusinessError("企业已停用，不能下单", field="enterprise")
    if kind not in OrderKind.values:
        raise BusinessError("订单类型：不是有效的选项", field="kind")
    fields = clean_order_data(data)
    if kind == OrderKind.MENU:
        if course is None and lecturer is None:
            raise BusinessError("点选课程：请选择课程或邀请的讲师", field="course")
        if course is not None:
            if not selectors.public_menu().filter(pk=course.pk).exists():
                raise BusinessError("点选课程：只能点课程菜单中已发布的课程", field="course")
            academy = course.academy
        if lecturer is not None:
            if course is None:
                if not selectors.public_lecturers().filter(pk=lecturer.pk).exists():
                    raise BusinessError("邀请讲师：只能邀请课程菜单中的讲师", field="lecturer")
                academy = lecturer.academy
            assert academy is not None
            _check_lecturer(lecturer, academy)
        if not fields["topic"]:
            fields["topic"] = (
                course.title if course is not None else f"邀请{lecturer.display_name}授课"  # type: ignore[union-attr]
            )
    else:
        if academy is None:
            raise BusinessError("承接学院：请选择工匠学院", field="academy")
        if not selectors.public_academies().filter(pk=academy.pk).exists():
            raise BusinessError("承接学院：该学院暂不接受订单", field="academy")
        if not fields["topic"]:
            raise BusinessError("培训主题：不能为空", field="topic")
        if (
            course is not None
            and not (
                selectors.public_menu().filter(pk=course.pk, academy_id__in=_tree_ids(academy))
            ).exists()
        ):
            raise BusinessError("点选课程：只能选择该学院已发布的课程", field="course")
        if lecturer is not None:
            _check_lecturer(lecturer, academy)
    assert academy is not None
    return _create(
        actor=actor,
        kind=kind,
        enterprise=enterprise,
        academy=academy,
        course=course,
        lecturer=lecturer,
        fields=fields,
    )


@transaction.atomic
def order_from_demand(
    *, actor: Any, demand: Any, academy: Academy, data: dict[str, Any]
) -> TrainingOrder:
    """转为学院订单: a 技能培训 demand the actor may see becomes a 院企订单式 order of ``academy``
    (enterprise, topic, description, skill level and trainees copied); the demand is handed over
    to the order through casework (服务中) and follows it from then on."""
    from jiangqiao.casework import services as casework
    from jiangqiao.demands.choices import DemandKind
    from jiangqiao.demands.models import Demand

    _need(actor, CONVERT_PERMISSION, "您没有将需求转为学院订单的权限")
    row = (
        Demand.objects.visible_to(actor, "view")
        .select_related("enterprise")
        .filter(pk=getattr(demand, "pk", demand))
        .first()
    )
    if row is None:
        raise ScopeViolation(Demand, "view")
    if row.kind != DemandKind.SKILL_TRAINING:
        raise BusinessError("只有技能培训需求可以转为学院订单", field="demand")
    earlier = (
        TrainingOrder.objects.filter(source_demand=row)
        .exclude(status__in=(S.RETURNED, S.WITHDRAWN))
        .first()
    )
    if earlier is not None:
        raise BusinessError(
            f"该需求已转为学院订单（{earlier.number}），不能重复转单", field="demand"
        )
    _visible(Academy, actor, academy, "view", "academy", "承接学院")
    if academy.status != Status.ACTIVE:
        raise BusinessError("承接学院已停用", field="academy")
    fields = clean_order_data(
        {
            "topic": row.title[:100],
            "description": row.description[:2000],
            "skill_level": row.min_skill_level,
            "trainees_planned": min(row.trainee_count or 1, TRAINEES_MAX),
            **{
                k: v
                for k, v in data.items()
                if k in ("period_from", "period_to", "site", "address")
            },
        }
    )
    order = _create(
        actor=actor,
        kind=OrderKind.CUSTOM,
        enterprise=row.enterprise,
        academy=academy,
        course=None,
        lecturer=None,
        fields=fields,
        source_demand=row,
    )
    before = casework.demand_hand_over(
        actor=actor, demand=row, to_label=HAND_OVER_LABEL, reference=order.number
    )
    TrainingOrder.objects.filter(pk=order.pk).update(demand_status_before=before)
    order.demand_status_before = before
    return order


@transaction.atomic
def order_update(
    *, actor: Any, order: TrainingOrder, data: dict[str, Any], version: int | None = None
) -> TrainingOrder:
    """Change an order's own fields while it is 待受理 (the enterprise or the academy's staff);
    the same rules as placing it."""
    from jiangqiao.core.concurrency import claim_version

    assert_visible(TrainingOrder, actor, order.pk, "view")
    if not (
        is_contact(actor, order.enterprise_id)
        or TrainingOrder.objects.visible_to(actor, "change").filter(pk=order.pk).exists()
    ):
        raise PermissionDenied("只有下单企业的联络人或承接学院的工作人员可以修改订单")
    claim_version(order, version)
    row = TrainingOrder.objects.select_for_update().get(pk=order.pk)
    if row.status != S.PENDING:
        raise BusinessError(f"订单{row.get_status_display()}，不能修改；请联系学院", field="status")
    current = {f: getattr(row, f) for f in ORDER_FIELDS}
    fields = clean_order_data({**current, **data})
    if not fields["topic"]:
        raise BusinessError("培训主题：不能为空", field="topic")
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_by = _user(actor)
    row.full_clean(exclude=["enterprise", "academy", "course", "lecturer", "source_demand"])
    row.save()
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"修改培训订单“{row.number}”",
        target=row,
    )
    return row


# ------------------------------------------------------------------------------------------------
# Staff: accept, return, schedule
# ------------------------------------------------------------------------------------------------


def _staff(actor: Any, order: TrainingOrder) -> None:
    assert_visible(TrainingOrder, actor, order.pk, "change")
    _need(actor, HANDLE_PERMISSION, "您没有受理培训订单的权限")


def _hand_back(actor: Any, order: TrainingOrder, reason: str) -> None:
    if order.source_demand_id is None:
        return
    from jiangqiao.casework import services as casework

    casework.demand_hand_back(
        actor=actor,
        demand=order.source_demand_id,
        to_status=order.demand_status_before,
        reference=f"学院订单{order.number}{S(order.status).label}",
        reason=reason,
    )


@transaction.atomic
def order_accept(*, actor: Any, order: TrainingOrder, comment: str = "") -> TrainingOrder:
    _staff(actor, order)
    return _move(order, actor, S.ACCEPTED, _text("comment", comment, "说明", 500) or "受理")


@transaction.atomic
def order_return(*, actor: Any, order: TrainingOrder, reason: str) -> TrainingOrder:
    """待受理 → 已退回 with a reason (told to the enterprise); a source demand goes back."""
    _staff(actor, order)
    reason = _text("reason", reason, "退回原因", 500, required=True)
    row = _move(order, actor, S.RETURNED, f"退回：{reason}", return_reason=reason)
    _hand_back(actor, row, reason)
    return row


def _schedule_course(order: TrainingOrder, course: Course | None) -> Course:
    course = course or order.course
    if course is None:
        raise BusinessError("课程：院企订单式订单排课须选择学院已发布的课程", field="course")
    if course.academy_id not in _tree_ids(order.academy):
        raise BusinessError("课程：只能选择承接学院（含分院、基地）的课程", field="course")
    if course.status != CourseStatus.PUBLISHED:
        raise BusinessError("课程：只能为已发布的课程开班", field="course")
    return course


@transaction.atomic
def order_schedule(
    *,
    actor: Any,
    order: TrainingOrder,
    academy: Academy | None = None,
    course: Course | None = None,
    data: dict[str, Any] | None = None,
    lecturers: Iterable[Lecturer] | None = None,
    sessions: Iterable[dict[str, Any]] = (),
    training_class: TrainingClass | None = None,
) -> TrainingOrder:
    """已受理 → 已排课: create the class (``classes.class_create`` at ``academy``, a node of the
    order's academy system, then its ``sessions``) or link ``training_class``."""
    _staff(actor, order)
    order = TrainingOrder.objects.select_related("academy").get(pk=order.pk)
    if order.status != S.ACCEPTED:
        raise _refusal(order.status, S.SCHEDULED)
    tree = _tree_ids(order.academy)
    if training_class is not None:
        assert_visible(TrainingClass, actor, training_class.pk, "change")
        tc = TrainingClass.objects.get(pk=training_class.pk)
        if tc.academy_id not in tree:
            raise BusinessError(
                "班次：只能关联承接学院（含分院、基地）的班次", field="training_class"
            )
        if tc.status in (ClassStatus.FINISHED, ClassStatus.CANCELLED):
            raise BusinessError(
                f"班次：{tc.get_status_display()}的班次不能关联", field="training_class"
            )
        if TrainingOrder.objects.filter(training_class=tc).exists():
            raise BusinessError("班次：该班次已关联其他订单", field="training_class")
        _schedule_course(order, tc.course)
    else:
        if academy is None:
            raise BusinessError("举办学院/基地：不能为空", field="academy")
        if academy.pk not in tree:
            raise BusinessError("举办学院/基地：只能是承接学院或其分院、实训基地", field="academy")
        if academy.academy_type not in CLASS_NODES:
            raise BusinessError("举办学院/基地：只能在总部、分院或实训基地开班", field="academy")
        chosen = _schedule_course(order, course)
        picked = list(lecturers) if lecturers is not None else []
        if not picked and order.lecturer_id is not None:
            picked = [order.lecturer]  # type: ignore[list-item]
        class_data = {"title": order.topic[:100], **(data or {})}
        if "capacity" not in class_data:
            class_data["capacity"] = order.trainees_planned
        tc = classes.class_create(
            actor=actor,
            academy=academy,
            course=chosen,
            data=class_data,
            lecturers=picked or None,
        )
        for session in sessions:
            classes.session_add(actor=actor, training_class=tc, data=session)
    return _move(
        order, actor, S.SCHEDULED, f"排课：班次“{tc.title}”（{tc.code}）", training_class=tc
    )


def on_class_moved(*, actor: Any, training_class: TrainingClass) -> None:
    """Called by ``classes.class_move`` in its transaction: the class's order follows it."""
    order = TrainingOrder.objects.filter(training_class=training_class).first()
    if order is None or order.status != S.SCHEDULED:
        return
    if training_class.status == ClassStatus.FINISHED:
        row = _move(order, actor, S.DELIVERED, f"班次“{training_class.title}”已结业")
        if row.source_demand_id is not None:
            from jiangqiao.casework import services as casework

            casework.demand_follow_outcome(
                actor=actor,
                demand=row.source_demand_id,
                stage="delivered",
                reference=f"学院订单{row.number}",
            )
    elif training_class.status == ClassStatus.CANCELLED:
        _move(
            order,
            actor,
            S.ACCEPTED,
            f"班次“{training_class.title}”已取消，待重新排课",
            training_class=None,
        )


# ------------------------------------------------------------------------------------------------
# The enterprise: withdraw, evaluate
# ------------------------------------------------------------------------------------------------


def _enterprise(actor: Any, order: TrainingOrder, verb: str) -> None:
    assert_visible(TrainingOrder, actor, order.pk, "view")
    if not is_contact(actor, order.enterprise_id):
        raise PermissionDenied(f"只有下单企业的联络人可以{verb}")


@transaction.atomic
def order_withdraw(*, actor: Any, order: TrainingOrder, reason: str = "") -> TrainingOrder:
    """待受理/已受理 → 已撤回 (by the enterprise); a source demand goes back."""
    _enterprise(actor, order, "撤回订单")
    reason = _text("reason", reason, "撤回原因", 500)
    row = _move(order, actor, S.WITHDRAWN, f"企业撤回：{reason}" if reason else "企业撤回")
    _hand_back(actor, row, reason or "企业撤回")
    return row


@transaction.atomic
def order_evaluate(
    *, actor: Any, order: TrainingOrder, satisfaction: Any, comment: str = ""
) -> TrainingOrder:
    """已交付 → 已评价: the enterprise's satisfaction (1–5) and comment; a source demand is
    confirmed and closed."""
    _enterprise(actor, order, "评价")
    score = classes._int("satisfaction", "满意度", satisfaction, 1, 5)
    comment = _text("comment", comment, "评价意见", 1000)
    row = _move(
        order,
        actor,
        S.EVALUATED,
        f"企业评价：{score} 分" + (f"，{comment[:100]}" if comment else ""),
        satisfaction=score,
        evaluation=comment,
        evaluated_at=timezone.now(),
    )
    if row.source_demand_id is not None:
        from jiangqiao.casework import services as casework

        casework.demand_follow_outcome(
            actor=actor,
            demand=row.source_demand_id,
            stage="evaluated",
            reference=f"学院订单{row.number}",
        )
    return row
