"""Past cases loaded in bulk: demands that went through the life cycle before today.

The other services of this app date what they do *now* (``transition`` stamps the moment of the
step), so they cannot write a demand served last March. A load of history — the demo's year of
the campaign (``jiangqiao/demo/history.py``) — comes here instead, with plain records:

* ``PastCase``: one demand with the **dates of the steps it took** — submitted, triaged, offered,
  accepted, contacted, its sessions, outcome recorded, confirmed, closed — each None when the
  step was not taken (yet), and the **content people wrote** on the way: the demand as the
  enterprise wrote it, the grade of the triage, the sessions' details, the outcome's summary, the
  enterprise's rating and comment, the follow-ups' answers, the skill upgrades of the sessions.
* The caller decides the content; this module decides everything the life cycle decides. It
  walks each case's steps through ``lifecycle.TRANSITIONS`` from 草稿 (submit, triage, offer,
  accept, resolve…, confirm, close): the demand's status is the state the table reaches, and a
  step the table does not allow from the state reached — a confirmation without a recorded
  outcome, an acceptance without an offer — is refused with a ``BusinessError`` naming the
  demand, as are dates that go backwards or lie after ``today`` and content missing where a
  step needs it (a grade for the triage, a rating for the confirmation). Every case is checked
  before anything is written: a refused load saves nothing.
* Derived from the dates: the offer's status (待答复 until accepted, 服务中, 已完成 once the outcome
  is recorded), its deadlines (working days, ``services.rule``), the demand's open-offer flag,
  outcome, ``solved_confirmed_at`` (recorded solved and confirmed), the sessions' 企业已确认 flag,
  the follow-ups' due days (``services.FOLLOW_UP_DAYS`` after the confirmation) and reminders,
  the status-history rows (``DemandEvent``, one per step, in order, at office hours of the
  step's day), the demand's number (each (province, year) counter continued).

The rows are written in batches (``bulk_create``) and their time stamps set from their own dates
(``auto_now_add`` would stamp the load's moment), one set-based UPDATE per chunk of rows.

A bulk load for history: it writes no change-log, operation-log or notification rows, and it
does not report the figures' cells row by row (``core.rollups.changed``) — the caller rebuilds
the figures after the load (``dashboards.rollups.rebuild()``), as the demo does. The skill
upgrades' once-a-year flags are recounted at the end (``upgrade_count.recount_all``) and the
loaded tables analysed (``core.bulk.analyze``: the planner's statistics). Call it
from a data load (the demo builder, an operator's command), never from a request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, F
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from jiangqiao.core.bulk import analyze
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.workdays import add_workdays
from jiangqiao.demands import numbering
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import DemandStatus, Grade, OwnerLevel
from jiangqiao.demands.models import Demand, DemandCode, DemandCounter, DemandEvent
from jiangqiao.text import normalize, search_key

from . import lifecycle, upgrade_count
from .choices import (
    OPEN_OFFER_STATUSES,
    ContactChannel,
    FollowUpKind,
    OfferSource,
    OfferStatus,
    OutcomeResult,
    UpgradeSource,
)
from .models import ContactAttempt, FollowUp, Offer, Outcome
from .services import FOLLOW_UP_DAYS, rule
from .session_models import ServiceRecord, SkillUpgrade
from .sessions import clean_problems

#: Fields of the demand that the life cycle (or this module) sets, never the caller's content.
WORKFLOW_FIELDS = frozenset(
    {
        "status",
        "number",
        "org",
        "org_id",
        "enterprise",
        "enterprise_id",
        "submitted_at",
        "submitted_by",
        "triaged_at",
        "grade",
        "owner_level",
        "outcome",
        "solved_confirmed_at",
        "status_changed_at",
        "has_open_offer",
        "search_text",
        "description_normalized",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    }
)
#: The status-history note of the triage, by the owning level.
TRIAGE_NOTES: dict[str, str] = {
    OwnerLevel.PROVINCE: "省级承办",
    OwnerLevel.CITY: "市级承办",
    OwnerLevel.COUNTY: "县级承办",
    OwnerLevel.GRASSROOTS: "基层承办",
}


_FOLLOW_UP_DAYS: dict[str, int] = dict(FOLLOW_UP_DAYS)


@dataclass(frozen=True)
class PastUpgrade:
    """A worker's skill upgrade recorded with a session (one certificate)."""

    worker_code: str
    worker_initials: str
    occupation: str
    level_before: str
    level_after: str
    certificate_no: str
    issuer: str


@dataclass(frozen=True)
class PastSession:
    """A service session on ``day`` as the craftsman logged it. ``experts``: 参与工匠人数 as
    entered (None: the craftsman of the offer alone); ``problems``: ``{description, result}``
    with result solved / partial / not (the count of solved ones is derived)."""

    day: dt.date
    duration_min: int
    mode: str
    activities: Sequence[str]
    problems: Sequence[Mapping[str, str]]
    notes: str
    prep_min: int | None = None
    travel_min: int | None = None
    experts: int | None = None
    attendees: int | None = None
    trainees: int | None = None
    economic_benefit: Decimal | None = None
    upgrades: Sequence[PastUpgrade] = ()


@dataclass(frozen=True)
class PastFollowUp:
    """The enterprise's answer to a follow-up (``FollowUpKind``): the day it answered and whether
    the fix held; unanswered follow-ups need no record (they are written with the confirmation)."""

    kind: str
    answered: dt.date
    held: bool


@dataclass(frozen=True)
class PastCase:
    """One demand of the history: the dates of its steps (None: not taken) and its content.

    ``demand``: the demand's fields as the enterprise wrote them (title, description, industry
    codes, tags, region, channel, visibility…), none of ``WORKFLOW_FIELDS``. ``submitted``: the
    moment of the submission (aware); the other steps are days. ``craftsman``: who was offered
    the demand (required with ``offered``); ``result``/``summary``: the outcome recorded on
    ``recorded``; ``rating``/``comment``: the enterprise's on ``confirmed``."""

    enterprise: Any
    demand: Mapping[str, Any]
    submitted: dt.datetime
    triaged: dt.date | None = None
    grade: str = ""
    owner_level: str = ""
    offered: dt.date | None = None
    craftsman: Any = None
    accepted: dt.date | None = None
    contacted: dt.date | None = None
    contact_channel: str = ""
    contact_note: str = ""
    sessions: Sequence[PastSession] = ()
    recorded: dt.date | None = None
    result: str = ""
    summary: str = ""
    confirmed: dt.date | None = None
    rating: int | None = None
    comment: str = ""
    follow_ups: Sequence[PastFollowUp] = ()
    closed: dt.date | None = None


@dataclass(frozen=True)
class Move:
    """One step of a case's path: (from, to) of the status history at ``at``."""

    from_status: str
    to_status: str
    at: dt.datetime
    comment: str


@dataclass
class Loaded:
    """What a load wrote."""

    demands: int = 0
    sessions: int = 0
    upgrades: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _label(status: str) -> str:
    return DemandStatus(status).label if status else "新建"


class _Check:
    """The checks of one case, each failure a ``BusinessError`` naming the demand."""

    def __init__(self, n: int, case: PastCase, today: dt.date) -> None:
        self.name = f"第 {n} 条历史需求“{case.demand.get('title') or '（无标题）'}”"
        self.today = today
        self.last: tuple[str, dt.date] | None = None

    def fail(self, text: str, field: str | None = None) -> BusinessError:
        return BusinessError(f"{self.name}：{text}", field=field)

    def dated(self, what: str, day: dt.date, field: str) -> None:
        """``day`` is not before the previous dated step and not after today."""
        if day > self.today:
            raise self.fail(
                f"{what}日期 {day} 晚于今天（{self.today}），历史中不能有未来的步骤", field
            )
        if self.last is not None and day < self.last[1]:
            before, when = self.last
            raise self.fail(f"{what}日期 {day} 早于{before}日期 {when}，步骤的日期不能倒退", field)
        self.last = (what, day)


def path_of(case: PastCase, *, n: int = 1, today: dt.date | None = None) -> list[Move]:
    """The case's moves through ``lifecycle.TRANSITIONS``, checked; the last one's state is the
    demand's status. Raises ``BusinessError`` (naming the demand) for a step the table does not
    allow from the state reached, dates out of order or after ``today``, or content missing or
    left over for the steps taken."""
    today = today or timezone.localdate()
    check = _Check(n, case, today)
    _check_content(check, case)
    if timezone.is_naive(case.submitted):
        raise check.fail("提交时间须带时区", "submitted")
    submitted_day = timezone.localdate(case.submitted)
    moves = [Move("", DemandStatus.DRAFT, _aware(submitted_day, 8, 30), "创建")]
    state: str = DemandStatus.DRAFT

    def take(action: str, what: str, day: dt.date, hour: int, comment: str, field: str) -> None:
        nonlocal state
        to = lifecycle.target(state, action)
        if to is None:
            raise check.fail(
                f"“{_label(state)}”之后不能{what}（{day}）。{lifecycle.next_steps_text(state)}",
                field,
            )
        moves.append(Move(state, to, _aware(day, hour, 30), comment))
        state = to

    check.dated("提交", submitted_day, "submitted")
    take("submit", "提交", submitted_day, 9, "提交", "submitted")
    if case.triaged is not None:
        check.dated("分级受理", case.triaged, "triaged")
        take("triage", "分级受理", case.triaged, 10, TRIAGE_NOTES[case.owner_level], "triaged")
    if case.offered is not None:
        check.dated("发出服务邀请", case.offered, "offered")
        take("offer", "发出服务邀请", case.offered, 11, "发出服务邀请", "offered")
    if case.accepted is not None:
        check.dated("接受邀请", case.accepted, "accepted")
        take("accept", "接受邀请", case.accepted, 14, "劳模工匠接受邀请", "accepted")
    if (case.contacted is not None or case.sessions) and case.accepted is None:
        raise check.fail("工匠尚未接受邀请，不能有联系记录或服务记录", "accepted")
    if case.contacted is not None:
        check.dated("首次联系", case.contacted, "contacted")
    for session in case.sessions:
        check.dated("服务记录", session.day, "sessions")
    if case.recorded is not None:
        check.dated("登记办理结果", case.recorded, "recorded")
        action = lifecycle.RESOLVE_ACTIONS[case.result]
        take(action, "登记办理结果", case.recorded, 16, "登记办理结果", "recorded")
    if case.confirmed is not None:
        check.dated("企业确认", case.confirmed, "confirmed")
        take(
            "confirm",
            "企业确认",
            case.confirmed,
            16,
            f"企业确认，评分 {case.rating} 分",
            "confirmed",
        )
        for answer in case.follow_ups:
            due = case.confirmed + dt.timedelta(days=_FOLLOW_UP_DAYS[answer.kind])
            if not due <= answer.answered <= today:
                raise check.fail(
                    f"{FollowUpKind(answer.kind).label}的答复日期 {answer.answered} 应在回访日期"
                    f" {due} 与今天之间",
                    "follow_ups",
                )
    if case.closed is not None:
        check.dated("办结", case.closed, "closed")
        take("close", "办结", case.closed, 17, "办结", "closed")
    return moves


def _check_content(check: _Check, case: PastCase) -> None:
    """The content each step taken needs, and none for a step not taken."""
    extra = sorted(WORKFLOW_FIELDS & set(case.demand))
    if extra:
        raise check.fail(f"需求内容不能包含由办理流程决定的字段（{'、'.join(extra)}）", extra[0])
    if case.triaged is not None and (
        case.grade not in Grade.values or case.owner_level not in TRIAGE_NOTES
    ):
        raise check.fail("分级受理须有需求分级和承办层级", "grade")
    if case.triaged is None and (case.grade or case.owner_level):
        raise check.fail("未分级受理的需求不能有需求分级或承办层级", "grade")
    if (case.offered is None) != (case.craftsman is None):
        raise check.fail("发出服务邀请须指明邀请的劳模工匠（未邀请则不指明）", "craftsman")
    if (case.contacted is None) != (case.contact_channel == ""):
        raise check.fail("首次联系须有联系方式（未联系则不填）", "contact_channel")
    if case.contact_channel and case.contact_channel not in ContactChannel.values:
        raise check.fail(f"联系方式“{case.contact_channel}”不在可选项中", "contact_channel")
    if case.recorded is not None and (case.result not in OutcomeResult.values or not case.summary):
        raise check.fail("登记办理结果须有办理结果和结果说明", "result")
    if case.recorded is None and (case.result or case.summary):
        raise check.fail("未登记办理结果，不能有办理结果或结果说明", "result")
    if case.confirmed is not None and not (case.rating is not None and 1 <= case.rating <= 5):
        raise check.fail("企业确认须有 1–5 分的评分", "rating")
    if case.confirmed is None and (case.rating is not None or case.comment or case.follow_ups):
        raise check.fail("企业未确认，不能有评分、评价或回访答复", "rating")
    for session in case.sessions:
        try:
            clean_problems([dict(p) for p in session.problems])
        except BusinessError as error:
            raise check.fail(f"{session.day} 的服务记录：{error.message}", "problems") from None
    kinds = [answer.kind for answer in case.follow_ups]
    if len(set(kinds)) != len(kinds) or not set(kinds) <= set(_FOLLOW_UP_DAYS):
        raise check.fail("回访答复的回访类别不能重复，且须为 90 天或 180 天回访", "follow_ups")


def _offer_status(case: PastCase) -> str:
    if case.recorded is not None:
        return OfferStatus.COMPLETED
    return OfferStatus.ACCEPTED if case.accepted is not None else OfferStatus.PENDING


@transaction.atomic
def history_load(*, actor: Any, cases: Sequence[PastCase], today: dt.date | None = None) -> Loaded:
    """Write ``cases`` (checked first, all or nothing) with the rows of their past; see the module
    docstring for what is derived. ``actor`` is recorded as creator (the craftsman's own login,
    where he has one, for his contact attempts and outcomes)."""
    today = today or timezone.localdate()
    paths = [path_of(case, n=n, today=today) for n, case in enumerate(cases, 1)]
    loaded = Loaded()
    demands = _write_demands(actor, cases, paths)
    offers = _write_offers(actor, cases, demands)
    records = _write_service(actor, cases, demands, offers, today)
    loaded.upgrades = _write_upgrades(actor, cases, demands, records)
    upgrade_count.recount_all()
    # The planner's statistics of what was loaded (PostgreSQL planned the figures' joins over
    # tables it believed empty as minutes-long loops).
    loaded_models = (Demand, DemandCode, DemandEvent, Offer, ContactAttempt, ServiceRecord)
    analyze([*loaded_models, Outcome, FollowUp, SkillUpgrade])
    loaded.demands = len(demands)
    loaded.sessions = sum(len(rows) for rows in records)
    for d in demands:
        loaded.statuses[d.status] = loaded.statuses.get(d.status, 0) + 1
    return loaded


def _counter_key(case: PastCase) -> tuple[str, int]:
    """The (province, year) whose counter numbers the case's demand."""
    year = timezone.localdate(case.submitted).year
    return numbering.province_code(case.enterprise.region_code), year


def _write_demands(actor: Any, cases: Sequence[PastCase], paths: list[list[Move]]) -> list[Any]:
    from jiangqiao.taxonomy.selectors import get_term

    # Numbers continue each (province, year)'s counter (locked for the load).
    sequence: dict[tuple[str, int], int] = {}
    for case in cases:
        key = _counter_key(case)
        if key not in sequence:
            counter = DemandCounter.objects.select_for_update().filter(province=key[0], year=key[1])
            sequence[key] = counter.values_list("last", flat=True).first() or 0
    demands: list[Any] = []
    for case, moves in zip(cases, paths, strict=True):
        key = _counter_key(case)
        sequence[key] += 1
        status = moves[-1].to_status
        solved = case.confirmed is not None and case.result == OutcomeResult.SOLVED
        d = Demand(
            org_id=case.enterprise.org_id,
            enterprise=case.enterprise,
            created_by=actor,
            updated_by=actor,
            number=numbering.format_number(
                key[0], case.enterprise.region_code, key[1], sequence[key]
            ),
            status=status,
            submitted_at=case.submitted,
            submitted_by=actor,
            triaged_at=_aware(case.triaged, 10, 30) if case.triaged else None,
            grade=case.grade,
            owner_level=case.owner_level,
            outcome=case.result if case.recorded else "",
            solved_confirmed_at=_aware(case.confirmed, 16, 30)
            if solved and case.confirmed
            else None,
            status_changed_at=moves[-1].at,
            has_open_offer=case.offered is not None and _offer_status(case) in OPEN_OFFER_STATUSES,
            **case.demand,
        )
        d.description_normalized = normalize(d.description, keep_newlines=True)
        d.search_text = demand_services._demand_search_text(d, d.number)
        demands.append(d)
    Demand.objects.bulk_create(demands, batch_size=1000)
    # Created (a draft) shortly before it was submitted; last changed with its state.
    _stamp(
        Demand,
        demands,
        created_at=F("submitted_at") - dt.timedelta(minutes=40),
        updated_at=F("status_changed_at"),
    )
    for (province, year), last in sequence.items():
        DemandCounter.objects.update_or_create(
            province=province, year=year, defaults={"last": last}
        )

    terms: dict[str, Any] = {}
    codes: list[Any] = []
    events: list[Any] = []
    for d, moves in zip(demands, paths, strict=True):
        for code in d.industry_codes:
            if code not in terms:
                terms[code] = get_term("industry", code)
            term = terms[code]
            path = term.path.split("/") if term is not None and term.path else [code]
            codes.extend(
                DemandCode(demand=d, scheme="industry", code=a, selected=(a == code)) for a in path
            )
        codes.extend(
            DemandCode(demand=d, scheme="tag", code=key)
            for key in dict.fromkeys(search_key(t)[:64] for t in d.tags if search_key(t))
        )
        events.extend(
            DemandEvent(
                demand=d,
                from_status=move.from_status,
                to_status=move.to_status,
                actor=actor,
                actor_name=actor.username,
                comment=move.comment,
                at=move.at,
            )
            for move in moves
        )
    DemandCode.objects.bulk_create(codes, batch_size=5000, ignore_conflicts=True)
    DemandEvent.objects.bulk_create(events, batch_size=5000)
    return demands


def _write_offers(actor: Any, cases: Sequence[PastCase], demands: list[Any]) -> list[Any]:
    """The offer of each case's craftsman as it stands today (None before it was made)."""
    offers: list[Any] = []
    for case, d in zip(cases, demands, strict=True):
        if case.offered is None:
            offers.append(None)
            continue
        accepted = case.accepted
        offers.append(
            Offer(
                demand=d,
                craftsman=case.craftsman,
                source=OfferSource.ASSIGNMENT,
                status=_offer_status(case),
                offered_at=_aware(case.offered, 11, 30),
                accept_deadline=_aware(
                    add_workdays(case.offered, rule("accept_days", case.owner_level)), 23, 59
                ),
                responded_at=_aware(accepted, 14, 30) if accepted else None,
                responded_by=case.craftsman.user if accepted else None,
                contact_deadline=_aware(
                    add_workdays(accepted, rule("contact_days", case.owner_level)), 23, 59
                )
                if accepted
                else None,
                first_contact_at=_aware(case.contacted, 10) if case.contacted else None,
                ended_at=_aware(case.recorded, 16, 30) if case.recorded else None,
                created_by=actor,
                updated_by=actor,
            )
        )
    made = [o for o in offers if o is not None]
    Offer.objects.bulk_create(made, batch_size=1000)
    _stamp(
        Offer,
        made,
        created_at=F("offered_at"),
        updated_at=Coalesce("ended_at", "responded_at", "offered_at"),
    )
    return offers


def _write_service(
    actor: Any,
    cases: Sequence[PastCase],
    demands: list[Any],
    offers: list[Any],
    today: dt.date,
) -> list[list[Any]]:
    """Contact attempts, sessions (with the craftsman of the offer named), outcomes and
    follow-ups; returns each case's session rows."""
    attempts: list[Any] = []
    records: list[list[Any]] = []
    outcomes: list[Any] = []
    follow_ups: list[Any] = []
    for case, d, o in zip(cases, demands, offers, strict=True):
        rows: list[Any] = []
        records.append(rows)
        if o is None:
            continue  # not offered: nothing more happened
        by = case.craftsman.user or actor
        if case.contacted is not None:
            attempts.append(
                ContactAttempt(
                    demand=d,
                    offer=o,
                    at=o.first_contact_at,
                    channel=case.contact_channel,
                    reached=True,
                    note=case.contact_note,
                    created_by=by,
                    updated_by=by,
                )
            )
        for s in case.sessions:
            problems = clean_problems([dict(p) for p in s.problems])
            rows.append(
                ServiceRecord(
                    demand=d,
                    offer=o,
                    date=s.day,
                    duration_min=s.duration_min,
                    prep_min=s.prep_min,
                    travel_min=s.travel_min,
                    mode=s.mode,
                    activities=list(s.activities),
                    location=d.region_code,
                    experts=s.experts,
                    attendees=s.attendees,
                    trainees=s.trainees,
                    problems_solved=sum(1 for p in problems if p.get("result") == "solved"),
                    problems=problems,
                    notes=s.notes,
                    economic_benefit=s.economic_benefit,
                    enterprise_confirmed=case.confirmed is not None,
                    created_by=actor,
                    updated_by=actor,
                )
            )
        if case.recorded is not None:
            outcomes.append(
                Outcome(
                    demand=d,
                    result=case.result,
                    summary=case.summary,
                    recorded_at=_aware(case.recorded, 16),
                    recorded_by=by,
                    confirmed_at=_aware(case.confirmed, 16) if case.confirmed else None,
                    enterprise_answer=case.result if case.confirmed else "",
                    rating=case.rating,
                    enterprise_comment=case.comment,
                    created_by=actor,
                    updated_by=actor,
                )
            )
        if case.confirmed is not None:
            answers = {answer.kind: answer for answer in case.follow_ups}
            for kind, days in FOLLOW_UP_DAYS:
                due = case.confirmed + dt.timedelta(days=days)
                answer = answers.get(kind)
                follow_ups.append(
                    FollowUp(
                        demand=d,
                        kind=kind,
                        due_on=due,
                        notified_at=_aware(due, 9) if due <= today else None,
                        answered_at=_aware(answer.answered, 15) if answer else None,
                        held=answer.held if answer else None,
                        created_by=actor,
                        updated_by=actor,
                    )
                )
    ContactAttempt.objects.bulk_create(attempts, batch_size=2000)
    sessions = [row for rows in records for row in rows]
    ServiceRecord.objects.bulk_create(sessions, batch_size=1000)
    # The craftsman who came, named in the session (as ``sessions.session_create`` names him).
    named = ServiceRecord.participants.through
    named.objects.bulk_create(
        [named(servicerecord_id=r.pk, craftsman_id=r.offer.craftsman_id) for r in sessions],
        batch_size=5000,
    )
    Outcome.objects.bulk_create(outcomes, batch_size=1000)
    FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
    # Dated rows: their creation is when they happened, not the moment of the load (a session
    # is logged the evening of its day: 10:00 UTC is 18:00 in Asia/Shanghai).
    _stamp(
        ServiceRecord,
        sessions,
        created_at=Cast("date", DateTimeField()) + dt.timedelta(hours=10),
        updated_at=Cast("date", DateTimeField()) + dt.timedelta(hours=10),
    )
    _stamp(
        Outcome,
        outcomes,
        created_at=F("recorded_at"),
        updated_at=Coalesce("confirmed_at", "recorded_at"),
    )
    _stamp(ContactAttempt, attempts, created_at=F("at"), updated_at=F("at"))
    return records


def _write_upgrades(
    actor: Any, cases: Sequence[PastCase], demands: list[Any], records: list[list[Any]]
) -> int:
    """The skill upgrades of the sessions, kept by the demand's unit, dated on the session."""
    upgrades: list[Any] = []
    for case, d, rows in zip(cases, demands, records, strict=True):
        for session, record in zip(case.sessions, rows, strict=True):
            for up in session.upgrades:
                row = SkillUpgrade(
                    org_id=d.org_id,
                    source=UpgradeSource.SESSION,
                    session=record,
                    worker_code=up.worker_code,
                    worker_initials=up.worker_initials,
                    occupation=up.occupation,
                    level_before=up.level_before,
                    level_after=up.level_after,
                    certificate_no=up.certificate_no,
                    issuer=up.issuer,
                    issued_on=record.date,
                    created_by=actor,
                    updated_by=actor,
                )
                row.worker_key, row.certificate_key = upgrade_count.keys_for(row, d.enterprise_id)
                upgrades.append(row)
    SkillUpgrade.objects.bulk_create(upgrades, batch_size=5000)
    _stamp(
        SkillUpgrade,
        upgrades,
        created_at=Cast("issued_on", DateTimeField()) + dt.timedelta(hours=10),
        updated_at=Cast("issued_on", DateTimeField()) + dt.timedelta(hours=10),
    )
    return len(upgrades)


def _stamp(model: Any, rows: list[Any], **values: Any) -> None:
    """Set the time stamps of bulk-created ``rows`` from their own dates (``auto_now_add`` stamps
    them with the load's moment), one set-based UPDATE per chunk of rows."""
    ids = [r.pk for r in rows]
    for start in range(0, len(ids), 2000):
        model.objects.filter(pk__in=ids[start : start + 2000]).update(**values)
