"""Reads of the academy app. Staff reads take the user and go through ``visible_to``; the public
menu reads only published courses of enabled academies and only public fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from jiangqiao.core.choices import Status

from .choices import CourseStatus
from .models import (
    Academy,
    Alliance,
    Course,
    Lecturer,
    OrderEvent,
    TraineeUpgrade,
    TrainingClass,
    TrainingOrder,
)


def academy_list(*, user: Any, action: str = "view") -> QuerySet[Academy]:
    return Academy.objects.visible_to(user, action).select_related("org", "parent", "alliance")


def academy_choices_for(*, user: Any, action: str = "change") -> QuerySet[Academy]:
    """Academies the user may work in (enabled, in scope)."""
    return Academy.objects.visible_to(user, action).filter(status=Status.ACTIVE)


def alliance_list(*, user: Any, action: str = "view") -> QuerySet[Alliance]:
    return (
        Alliance.objects.visible_to(user, action)
        .select_related("org")
        .annotate(member_count=Count("members"))
    )


def lecturer_list(*, user: Any, action: str = "view") -> QuerySet[Lecturer]:
    return (
        Lecturer.objects.visible_to(user, action)
        .select_related("org", "academy", "craftsman")
        .annotate(course_count=Count("courses"))
    )


def course_list(*, user: Any, action: str = "view") -> QuerySet[Course]:
    return Course.objects.visible_to(user, action).select_related("academy", "org")


def shared_lecturers_for(academy: Academy) -> QuerySet[Lecturer]:
    """Lecturers other members of ``academy``'s alliance share (enabled, of enabled academies)."""
    if academy.alliance_id is None:
        return Lecturer.objects.none()
    return (
        Lecturer.objects.filter(
            shared=True,
            status=Status.ACTIVE,
            academy__alliance_id=academy.alliance_id,
            academy__status=Status.ACTIVE,
        )
        .exclude(academy_id=academy.pk)
        .select_related("academy", "craftsman")
    )


def shared_pool_for(*, user: Any) -> QuerySet[Lecturer]:
    """The alliance pool of a user: shared lecturers of the alliances of the academies the user
    sees, that ``visible_to`` does not already show. Callers show **public fields only**
    (:func:`public_lecturer`): the scope itself is not widened."""
    alliances = (
        Academy.objects.visible_to(user, "view")
        .exclude(alliance__isnull=True)
        .values("alliance_id")
    )
    own = Lecturer.objects.visible_to(user, "view").values("pk")
    return (
        Lecturer.objects.filter(
            shared=True,
            status=Status.ACTIVE,
            academy__alliance_id__in=alliances,
            academy__status=Status.ACTIVE,
        )
        .exclude(pk__in=own)
        .select_related("academy", "craftsman")
    )


def lecturer_honours(lecturers: list[Lecturer]) -> dict[int, list[str]]:
    """Verified honours of craftsman lecturers (label list per lecturer pk): public facts."""
    from jiangqiao.talents.models import Honour
    from jiangqiao.taxonomy.selectors import term_labels

    by_craftsman: dict[int, list[str]] = {}
    craftsman_ids = [lec.craftsman_id for lec in lecturers if lec.craftsman_id]
    honours = list(
        Honour.objects.filter(craftsman_id__in=craftsman_ids, verified=True).order_by("-year")
    )
    labels = term_labels("honour", [h.honour_type for h in honours])
    for h in honours:
        label = labels.get(h.honour_type, h.honour_type)
        names = by_craftsman.setdefault(h.craftsman_id, [])
        if label not in names:
            names.append(label)
    return {lec.pk: by_craftsman.get(lec.craftsman_id or 0, []) for lec in lecturers}


def public_lecturer(lecturer: Lecturer, honours: list[str] | None = None) -> dict[str, Any]:
    """What anybody may read of a lecturer: name, title, honours, academy. No ID number, mobile,
    employer address or profile text."""
    return {
        "id": lecturer.pk,
        "name": lecturer.display_name,
        "title": lecturer.title,
        "honours": honours or [],
        "academy": lecturer.academy.name,
    }


def lecturer_rating(lecturer: Lecturer) -> Decimal | None:
    """The lecturer's average rating. Ratings come from class evaluations (issue 15 point 5);
    until classes exist nothing writes ``rating``, so it stays ``None`` (shown as 暂无评价)."""
    return lecturer.rating


def public_menu() -> QuerySet[Course]:
    """Published courses of enabled academies: the menu enterprise contacts order from."""
    return (
        Course.objects.filter(status=CourseStatus.PUBLISHED, academy__status=Status.ACTIVE)
        .select_related("academy")
        .prefetch_related(
            Prefetch(
                "lecturers",
                queryset=Lecturer.objects.filter(status=Status.ACTIVE).select_related(
                    "craftsman", "academy"
                ),
            )
        )
        .order_by("field", "academy_id", "code")
    )


def academy_tree(academy: Academy) -> list[Academy]:
    """The academy's ancestors, root first (for breadcrumbs)."""
    chain: list[Academy] = []
    node: Academy | None = academy.parent
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        chain.insert(0, node)
        seen.add(node.pk)
        node = node.parent
    return chain


def search_q(value: str, *fields: str) -> Q:
    from jiangqiao.text import normalize

    text = normalize(value)
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__icontains": text})
    return q


def class_list(*, user: Any, action: str = "view") -> QuerySet[TrainingClass]:
    return TrainingClass.objects.visible_to(user, action).select_related("academy", "course", "org")


def published_courses_for(*, user: Any) -> QuerySet[Course]:
    """Courses a class may be opened for: published, in the user's scope."""
    return course_list(user=user).filter(status=CourseStatus.PUBLISHED)


def public_lecturers() -> QuerySet[Lecturer]:
    """Lecturers on the public menu: enabled, of an enabled academy, teaching a published course
    (public fields only, :func:`public_lecturer`)."""
    return (
        Lecturer.objects.filter(
            status=Status.ACTIVE,
            academy__status=Status.ACTIVE,
            courses__status=CourseStatus.PUBLISHED,
        )
        .distinct()
        .select_related("academy", "craftsman")
    )


def public_academies() -> QuerySet[Academy]:
    """Academies an enterprise may send a custom order (院企订单式) to: enabled, with a published
    course on the menu."""
    return (
        Academy.objects.filter(
            status=Status.ACTIVE,
            courses__status=CourseStatus.PUBLISHED,
        )
        .distinct()
        .order_by("name", "pk")
    )


def order_list(*, user: Any, action: str = "view") -> QuerySet[TrainingOrder]:
    """Training orders the user may see: the academy's unit (staff) or his enterprise's
    (an enterprise contact)."""
    return TrainingOrder.objects.visible_to(user, action).select_related(
        "academy", "enterprise", "course", "lecturer__craftsman", "training_class"
    )


def order_events(*, user: Any, order: TrainingOrder) -> QuerySet[OrderEvent]:
    """The timeline of an order the user can see (empty otherwise)."""
    if not TrainingOrder.objects.visible_to(user, "view").filter(pk=order.pk).exists():
        return OrderEvent.objects.none()
    return OrderEvent.objects.filter(order=order).order_by("at", "pk")


def convertible_demands(*, user: Any) -> QuerySet[Any]:
    """技能培训 demands the user sees that may become a training order (waiting, no open offer,
    not converted already)."""
    from jiangqiao.casework.lifecycle import HAND_OVER_STATES
    from jiangqiao.demands.choices import DemandKind
    from jiangqiao.demands.models import Demand

    from .choices import OrderStatus

    live = TrainingOrder.objects.exclude(
        status__in=(OrderStatus.RETURNED, OrderStatus.WITHDRAWN)
    ).values("source_demand_id")
    return (
        Demand.objects.visible_to(user, "view")
        .filter(
            kind=DemandKind.SKILL_TRAINING,
            status__in=HAND_OVER_STATES,
            has_open_offer=False,
        )
        .exclude(pk__in=live.exclude(source_demand_id__isnull=True))
        .select_related("enterprise")
        .order_by("-pk")
    )


def class_upgrades(*, user: Any, training_class: TrainingClass) -> QuerySet[TraineeUpgrade]:
    """The skill upgrades of a class's trainees the user may see (trainee, record, lecturer)."""
    return (
        TraineeUpgrade.objects.visible_to(user, "view")
        .filter(enrolment__training_class=training_class)
        .select_related("upgrade", "enrolment__trainee", "lecturer__craftsman")
        .order_by("enrolment__queued_at", "pk")
    )


def upgrade_rows(upgrades: Any) -> list[dict[str, Any]]:
    """Upgrades as pages and the API show them: trainee name, labels of occupation and levels."""
    from jiangqiao.taxonomy.selectors import term_labels

    rows = list(upgrades)
    occupations = term_labels("occupation", [u.upgrade.occupation for u in rows])
    levels = term_labels(
        "skill_level",
        [c for u in rows for c in (u.upgrade.level_before, u.upgrade.level_after) if c],
    )
    return [
        {
            "link": u,
            "row": u.upgrade,
            "trainee": u.enrolment.trainee.name,
            "occupation": occupations.get(u.upgrade.occupation, u.upgrade.occupation),
            "before": levels.get(u.upgrade.level_before, "—") if u.upgrade.level_before else "—",
            "after": levels.get(u.upgrade.level_after, u.upgrade.level_after),
            "lecturer": str(u.lecturer) if u.lecturer is not None else "",
        }
        for u in rows
    ]
