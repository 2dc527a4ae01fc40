"""Reads of the academy app. Staff reads take the user and go through ``visible_to``; the public
menu reads only published courses of enabled academies and only public fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from jiangqiao.core.choices import Status

from .choices import CompetitionStatus, CourseStatus
from .models import (
    Academy,
    Alliance,
    Competition,
    Contestant,
    Course,
    Innovation,
    Judge,
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


def public_menu_choices() -> dict[str, list[tuple[str, str]]]:
    """The 行业 and 地区 options of the public menu's filters: the industry divisions (GB/T 4754
    大类, two digits) and the cities (GB/T 2260, ``xxxx00``) that published courses or their
    academies name — a phone user picks a name instead of typing a code. Kept in the cache for
    five minutes (the public menu is the busiest page; a newly published field shows soon)."""
    from django.core.cache import cache

    choices = cache.get("academy:menu_choices")
    if choices is None:
        choices = _menu_choices()
        cache.set("academy:menu_choices", choices, MENU_CHOICES_TTL)
    return choices  # type: ignore[no-any-return]


MENU_CHOICES_TTL = 300


def _menu_choices() -> dict[str, list[tuple[str, str]]]:
    from jiangqiao.taxonomy.selectors import term_labels

    industries: set[str] = set()
    regions: set[str] = set()
    rows = Course.objects.filter(
        status=CourseStatus.PUBLISHED, academy__status=Status.ACTIVE
    ).values_list("industries", "academy__industries", "academy__region_code")
    for own, academy_codes, region in rows:
        for code in [*(own or []), *(academy_codes or [])]:
            if len(str(code)) >= 2 and str(code)[:2].isdigit():
                industries.add(str(code)[:2])
        if region and len(region) >= 4:
            regions.add(f"{region[:4]}00")
    industry_names = term_labels("industry", sorted(industries))
    region_names = term_labels("region", sorted(regions))
    return {
        "industries": [(c, industry_names[c]) for c in sorted(industries) if c in industry_names],
        "regions": [(c, region_names[c]) for c in sorted(regions) if c in region_names],
    }


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


# ------------------------------------------------------------------------------------------------
# Competitions and innovation activities
# ------------------------------------------------------------------------------------------------


def competition_list(*, user: Any, action: str = "view") -> QuerySet[Competition]:
    return (
        Competition.objects.visible_to(user, action)
        .select_related("org", "academy")
        .annotate(contestant_count=Count("contestants", distinct=True))
    )


def innovation_list(*, user: Any, action: str = "view") -> QuerySet[Innovation]:
    return Innovation.objects.visible_to(user, action).select_related("org", "academy", "lead")


def competitions_of_class(*, user: Any, training_class: TrainingClass) -> QuerySet[Competition]:
    """The competitions a class prepares for ("以赛带训"), as far as the user may see them."""
    return Competition.objects.visible_to(user, "view").filter(classes=training_class)


def marking_sheet(judge: Judge) -> list[dict[str, Any]]:
    """The contestants a judge marks, with his mark so far; contestants of his own employer are
    left out (recusal). Call only with a judge of a competition the user may see."""
    marks = dict(judge.scores.values_list("contestant_id", "score"))
    rows = []
    for contestant in judge.competition.contestants.select_related("trainee", "enterprise"):
        if judge.recused_from(contestant):
            continue
        rows.append({"contestant": contestant, "score": marks.get(contestant.pk)})
    return rows


def recusal_count(judge: Judge) -> int:
    return sum(
        1
        for contestant in judge.competition.contestants.select_related("enterprise")
        if judge.recused_from(contestant)
    )


def competition_results(competition: Competition) -> list[dict[str, Any]]:
    """One row per contestant in rank order: marks per judge ('回避' where recused), the final
    score, rank and award — stored ones once published, computed (a preview) before."""
    from . import scoring

    judges = list(competition.judges.select_related("craftsman"))
    contestants = list(competition.contestants.select_related("trainee", "enterprise"))
    marks: dict[tuple[int, int], Decimal] = {
        (j, c): s
        for j, c, s in competition.scores.values_list("judge_id", "contestant_id", "score")
    }
    by_contestant: dict[int, list[Decimal]] = {c.pk: [] for c in contestants}
    for (_judge_id, contestant_id), score in marks.items():
        by_contestant[contestant_id].append(score)
    published = competition.status == CompetitionStatus.PUBLISHED
    ranked = {r.key: r for r in scoring.rank(by_contestant)}
    rows = []
    for c in contestants:
        cells = []
        for j in judges:
            if j.recused_from(c):
                cells.append("回避")
            else:
                mark = marks.get((j.pk, c.pk))
                cells.append("—" if mark is None else str(mark))
        r = ranked[c.pk]
        rows.append(
            {
                "contestant": c,
                "number": c.number,
                "marks": cells,
                "final": c.final_score if published else r.final,
                "rank": c.rank if published else r.rank,
                "award": c.get_award_display() if published else "",
            }
        )
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["number"]))
    return rows


def public_results(competition_pk: int) -> tuple[Competition, list[dict[str, Any]]] | None:
    """A published competition's results for the public page: masked names, score, rank, award
    (nothing else of the contestant); ``None`` unless published."""
    competition = (
        Competition.objects.filter(pk=competition_pk, status=CompetitionStatus.PUBLISHED)
        .select_related("org", "academy")
        .first()
    )
    if competition is None:
        return None
    rows = []
    for c in competition.contestants.select_related("trainee").order_by("rank", "number"):
        name = c.trainee.name
        rows.append(
            {
                "name": name[:1] + "*" * max(1, len(name) - 1),
                "number": c.number,
                "final": c.final_score,
                "rank": c.rank,
                "award": c.get_award_display(),
            }
        )
    return competition, rows


def _in_subtree(qs: QuerySet[Any], org: Any) -> QuerySet[Any]:
    from jiangqiao.core.scope import subtree_q

    return qs.filter(subtree_q(org.path, field="org")) if org is not None else qs


HELD = (CompetitionStatus.RUNNING, CompetitionStatus.SCORING, CompetitionStatus.PUBLISHED)


def held_competitions(*, user: Any, org: Any, start: Any, end: Any) -> QuerySet[Competition]:
    """The rule of 竞赛场次 (docs/kpi.md §5): competitions of ``org``'s subtree the user sees whose
    start date falls in [start, end] and that have been held (比赛中/评分中/已公布; cancelled and
    not-yet-held ones are left out)."""
    return _in_subtree(Competition.objects.visible_to(user, "view"), org).filter(
        status__in=HELD, start_date__gte=start, start_date__lte=end
    )


#: 获奖人次: contestants of published competitions with an award.
AWARDED = Q(competition__status=CompetitionStatus.PUBLISHED) & ~Q(award="")


def competition_figures(*, user: Any, org: Any, start: Any, end: Any) -> dict[str, Any]:
    """竞赛场次、参赛人次、获奖人次 of ``org``'s subtree in [start, end] (docs/kpi.md §5):
    participants are the contestant rows of the held competitions; awards those of published
    ones (:data:`AWARDED`)."""
    held = held_competitions(user=user, org=org, start=start, end=end)
    contestants = Contestant.objects.filter(competition__in=held)
    by_level = dict(held.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    return {
        "competitions": held.count(),
        "by_level": by_level,
        "participants": contestants.count(),
        "awarded": contestants.filter(AWARDED).count(),
    }


def started_innovations(*, user: Any, org: Any, start: Any, end: Any) -> QuerySet[Innovation]:
    """创新活动立项数 (docs/kpi.md §5): activities whose start date falls in the period, any status."""
    return _in_subtree(Innovation.objects.visible_to(user, "view"), org).filter(
        start_date__gte=start, start_date__lte=end
    )


def completed_innovations(*, user: Any, org: Any, start: Any, end: Any) -> QuerySet[Innovation]:
    """创新活动完成数 (docs/kpi.md §5): activities moved to 已完成 in the period (the day of that
    move in the status history, Asia/Shanghai) and still 已完成."""
    import datetime as dt

    from django.utils import timezone

    from .choices import InnovationStatus
    from .models import InnovationStatusChange

    tz = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    done_ids = InnovationStatusChange.objects.filter(
        to_status=InnovationStatus.COMPLETED, at__gte=low, at__lt=high
    ).values("innovation_id")
    return _in_subtree(Innovation.objects.visible_to(user, "view"), org).filter(
        pk__in=done_ids, status=InnovationStatus.COMPLETED
    )


def innovation_figures(*, user: Any, org: Any, start: Any, end: Any) -> dict[str, Any]:
    """创新活动 figures of ``org``'s subtree in [start, end] (docs/kpi.md §5): started (by kind),
    completed, and over the completed ones the sum of their economic benefit and patents and the
    number adopted."""
    started = started_innovations(user=user, org=org, start=start, end=end)
    completed = completed_innovations(user=user, org=org, start=start, end=end)
    totals = completed.aggregate(benefit=Sum("economic_benefit"), patents=Sum("patent_count"))
    return {
        "started": started.count(),
        "started_by_kind": dict(
            started.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
        ),
        "completed": completed.count(),
        "economic_benefit": totals["benefit"] or Decimal(0),
        "patents": totals["patents"] or 0,
        "adopted": completed.filter(adopted=True).count(),
    }
