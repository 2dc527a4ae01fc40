"""Writes of classes, trainees, enrolment, attendance, assessment and certificates (issue 15
point 5). Every function is atomic and scope-checked; statuses change only here.

Rules (pages, API, the trainee import, self-registration, the QR check-in and the demo behave the
same):

* a class runs a **published** course the actor may see, at an enabled academy node the actor may
  see; its unit is the academy's; its status follows ``CLASS_MOVES``;
* sessions fall within the class's dates; end after start; hours 0.5–24 of a type (理论/实操);
* a trainee is one record per unit, found by the blind index of the ID number (GB 11643 checked);
  the mobile (optional) is a mainland mobile; the employer is an enterprise of the demand pool the
  actor may see, or a name with an optional USCC (GB 32100 checked);
* **capacity**: an enrolment takes a seat (已报名) while seats are free, otherwise it goes to the
  waitlist (候补); when a seat frees (a withdrawal, a larger capacity) the waitlist is promoted in
  order of ``queued_at``. The class row is locked while seats are counted, so two concurrent
  enrolments never take the last seat twice;
* **QR check-in**: a code encodes a signed URL naming the class and the session and the time it was
  made (``django.core.signing``); it is refused when forged, older than ``CHECKIN_CODE_TTL``, of
  another class, before the check-in window or after the session ended; the trainee identifies by
  name and the last 4 characters of the ID number or mobile (or the key of their own
  self-registration); present until ``LATE_AFTER`` past the start, late afterwards; no face or
  location data;
* hours are credited per type from attendance (出勤/迟到 credit the session's hours);
* certificates go to passed trainees of finished classes; numbers ``GDZS-2026-000123`` come from a
  counter row locked in the issuing transaction (the demand numbering approach): never reused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from jiangqiao.core import rollups
from jiangqiao.core.choices import BusinessType, Status
from jiangqiao.core.concurrency import claim_version
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import (
    IdentifierError,
    clean_id_number,
    normalize_id_number,
    normalize_mobile,
)
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible
from jiangqiao.text import normalize

from .choices import (
    CREDITED_ATTENDANCE,
    AttendanceMethod,
    AttendanceStatus,
    ClassStatus,
    CourseStatus,
    EnrolmentSource,
    EnrolmentStatus,
    HourType,
)
from .models import (
    Academy,
    Attendance,
    Certificate,
    CertificateCounter,
    ClassSession,
    ClassTally,
    Course,
    Enrolment,
    Lecturer,
    Trainee,
    TrainingClass,
)
from .services import MODULE, _check_lecturers, _text, _uscc, _visible

#: The class state table: from → the statuses it may move to.
CLASS_MOVES: dict[str, set[str]] = {
    ClassStatus.PLANNED: {ClassStatus.OPEN, ClassStatus.CANCELLED},
    ClassStatus.OPEN: {ClassStatus.PLANNED, ClassStatus.RUNNING, ClassStatus.CANCELLED},
    ClassStatus.RUNNING: {ClassStatus.FINISHED, ClassStatus.CANCELLED},
    ClassStatus.FINISHED: set(),
    ClassStatus.CANCELLED: set(),
}
#: Statuses in which staff may enrol trainees (self-registration: 报名中 only).
ENROLLING = (ClassStatus.PLANNED, ClassStatus.OPEN, ClassStatus.RUNNING)
CLASS_FIELDS = ("code", "title", "capacity", "start_date", "end_date", "place", "note")
SESSION_FIELDS = ("date", "start_time", "end_time", "place", "topic", "hours", "hour_type")
WORKER_FIELDS = ("name", "id_number", "mobile", "employer_name", "employer_uscc", "enterprise")

CHECKIN_SALT = "jiangqiao.academy.checkin"
#: How long a shown code stays valid (the 签到码 page renews it every minute).
CHECKIN_CODE_TTL = dt.timedelta(minutes=10)
#: Check-in opens this long before a session starts.
CHECKIN_OPENS = dt.timedelta(minutes=60)
#: Later than this after the start is 迟到.
LATE_AFTER = dt.timedelta(minutes=10)
PASS_MARK = Decimal("60")
CERT_PREFIX = "ZS"


# ------------------------------------------------------------------------------------------------
# The class's counts for the statistics (a maintained rollup)
# ------------------------------------------------------------------------------------------------

#: Size classes of 中小微企业 (GB 2017 划型: 中型, 小型, 微型).
SME_SIZE_CLASSES = ("2", "3", "4")


def trained_enrolments(class_ids: Any) -> Any:
    """Enrolments that count as a training person-time: a seat (已报名) and at least one session
    attended (出勤 or 迟到). ``class_ids`` is a list or a subquery of class ids."""
    attended = Attendance.objects.filter(enrolment=OuterRef("pk"), status__in=CREDITED_ATTENDANCE)
    return Enrolment.objects.filter(
        training_class_id__in=class_ids, status=EnrolmentStatus.ENROLLED
    ).filter(Exists(attended))


def tally_counts(training_class_id: int) -> dict[str, int]:
    """The class's counts computed from its rows (what ``ClassTally`` keeps)."""
    size = "trainee__enterprise__size_class"
    counts = trained_enrolments([training_class_id]).aggregate(
        trained=Count("pk"),
        trained_sme=Count("pk", filter=Q(**{f"{size}__in": SME_SIZE_CLASSES})),
        trained_large=Count("pk", filter=Q(**{size: "1"})),
        trained_unsized=Count("pk", filter=Q(trainee__enterprise__isnull=False) & Q(**{size: ""})),
        trained_no_enterprise=Count("pk", filter=Q(trainee__enterprise__isnull=True)),
    )
    counts["certificates"] = Certificate.objects.filter(
        enrolment__training_class_id=training_class_id
    ).count()
    return {key: int(value or 0) for key, value in counts.items()}


def tally_refresh(training_class_id: int) -> ClassTally:
    """Recompute the class's counts (inside the caller's transaction, under the tally row's
    lock, so two concurrent check-ins of one class cannot both write a stale count). Every
    service that changes an enrolment, an attendance or a certificate calls this."""
    tally = (
        ClassTally.objects.select_for_update().filter(training_class_id=training_class_id).first()
    )
    if tally is None:
        tally, _ = ClassTally.objects.get_or_create(training_class_id=training_class_id)
    for key, value in tally_counts(training_class_id).items():
        setattr(tally, key, value)
    tally.refreshed_at = timezone.now()
    tally.save()
    # The campaign's figures (工匠学院培训人次) of the class's unit and start day follow.
    cell = TrainingClass.objects.filter(pk=training_class_id).values_list("org_id", "start_date")
    rollups.changed(cell)
    return tally


def tallies_rebuild(class_ids: Iterable[int] | None = None) -> int:
    """Recompute the tallies of the given classes (all when ``None``): after a bulk load that
    bypassed the services, or to check the rollup. Returns the number of classes."""
    ids = list(
        TrainingClass.objects.values_list("pk", flat=True) if class_ids is None else class_ids
    )
    for pk in ids:
        with transaction.atomic():
            tally_refresh(pk)
    return len(ids)


# ------------------------------------------------------------------------------------------------
# Classes
# ------------------------------------------------------------------------------------------------


def _date(field: str, label: str, value: Any, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise BusinessError(f"{label}：不能为空", field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise BusinessError(f"{label}：请填写日期，如 2026-05-01", field=field) from exc


def _time(field: str, label: str, value: Any) -> dt.time:
    if value in (None, ""):
        raise BusinessError(f"{label}：不能为空", field=field)
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError as exc:
        raise BusinessError(f"{label}：请填写时间，如 09:00", field=field) from exc


def _int(field: str, label: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError) as exc:
        raise BusinessError(f"{label}：请填写整数", field=field) from exc
    if not low <= number <= high:
        raise BusinessError(f"{label}：应在 {low} 至 {high} 之间", field=field)
    return number


def next_class_code(academy: Academy, year: int) -> str:
    """The next free code ``BC2026-001`` of the academy."""
    prefix = f"BC{year}-"
    taken = set(
        TrainingClass.objects.filter(academy=academy, code__startswith=prefix).values_list(
            "code", flat=True
        )
    )
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


def _seats_taken(training_class: TrainingClass) -> int:
    return training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


def _apply_class(tc: TrainingClass, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "code":
            value = _text(field, value, "班次编号", 30).upper()
        elif field == "title":
            value = _text(field, value, "班次名称", 100, required=True)
        elif field == "capacity":
            value = _int(field, "人数上限", value, 1, 10000)
        elif field == "start_date":
            value = _date(field, "开班日期", value)
        elif field == "end_date":
            value = _date(field, "结业日期", value)
        elif field == "place":
            value = _text(field, value, "上课地点", 200)
        elif field == "note":
            value = _text(field, value, "说明", 2000)
        setattr(tc, field, value)
    if not tc.title:
        raise BusinessError("班次名称：不能为空", field="title")
    if tc.start_date is None:
        raise BusinessError("开班日期：不能为空", field="start_date")
    if tc.end_date is None:
        raise BusinessError("结业日期：不能为空", field="end_date")
    if tc.end_date < tc.start_date:
        raise BusinessError("结业日期：不能早于开班日期", field="end_date")


@transaction.atomic
def class_create(
    *,
    actor: Any,
    academy: Academy,
    course: Course,
    data: dict[str, Any],
    lecturers: Iterable[Lecturer] | None = None,
) -> TrainingClass:
    """A class (计划中) of a published ``course`` held at ``academy`` (an HQ, branch or base)."""
    unknown = set(data) - set(CLASS_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    _visible(Academy, actor, academy, "change", "academy", "举办学院/基地")
    if academy.status != Status.ACTIVE:
        raise BusinessError("举办学院/基地已停用，不能开班", field="academy")
    _visible(Course, actor, course, "view", "course", "课程")
    if course.status != CourseStatus.PUBLISHED:
        raise BusinessError("课程：只能为已发布的课程开班", field="course")
    tc = TrainingClass(
        org_id=academy.org_id,
        academy=academy,
        course=course,
        course_edition=course.edition,
        capacity=course.capacity,
        signup_token=secrets.token_urlsafe(16)[:22],
        created_by=actor,
        updated_by=actor,
    )
    _apply_class(tc, {"title": course.title, **data})
    if not tc.code:
        tc.code = next_class_code(academy, tc.start_date.year)
    if TrainingClass.objects.filter(academy=academy, code=tc.code).exists():
        raise BusinessError(f"班次编号：本学院已有编号为“{tc.code}”的班次", field="code")
    chosen = _check_lecturers(
        actor, academy, list(course.lecturers.all()) if lecturers is None else lecturers
    )
    tc.full_clean()
    tc.save()
    tc.lecturers.set(chosen)
    ClassTally.objects.create(training_class=tc, refreshed_at=timezone.now())
    if actor is not None:
        assert_visible(TrainingClass, actor, tc.pk, "add")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"“{academy.name}”开设班次“{tc.title}”（{tc.code}）",
        target=tc,
    )
    return tc


def _lock(tc: TrainingClass) -> TrainingClass:
    return (
        TrainingClass.objects.select_for_update().select_related("academy", "course").get(pk=tc.pk)
    )


@transaction.atomic
def class_update(
    *,
    actor: Any,
    training_class: TrainingClass,
    data: dict[str, Any],
    lecturers: Iterable[Lecturer] | None = None,
    version: int | None = None,
) -> TrainingClass:
    unknown = set(data) - set(CLASS_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    assert_visible(TrainingClass, actor, training_class.pk, "change")
    claim_version(training_class, version)
    tc = _lock(training_class)
    if tc.status in (ClassStatus.FINISHED, ClassStatus.CANCELLED):
        raise BusinessError(f"班次{tc.get_status_display()}，不能修改", field="status")
    was = (tc.org_id, tc.start_date)
    _apply_class(tc, data)
    if TrainingClass.objects.filter(academy=tc.academy, code=tc.code).exclude(pk=tc.pk).exists():
        raise BusinessError(f"班次编号：本学院已有编号为“{tc.code}”的班次", field="code")
    taken = _seats_taken(tc)
    if tc.capacity < taken:
        raise BusinessError(
            f"人数上限：不能小于已报名人数（{taken} 人）；请先办理退出", field="capacity"
        )
    outside = tc.sessions.exclude(date__gte=tc.start_date, date__lte=tc.end_date).count()
    if outside:
        raise BusinessError(
            f"开班日期/结业日期：有 {outside} 个课次不在新的日期范围内", field="start_date"
        )
    tc.updated_by = actor
    tc.full_clean()
    tc.save()
    if lecturers is not None:
        chosen = _check_lecturers(actor, tc.academy, lecturers)
        check_double_booking(tc, list(tc.sessions.all()), lecturers=chosen)
        tc.lecturers.set(chosen)
    else:
        check_double_booking(tc, list(tc.sessions.all()))
    _promote(tc, actor)
    tally_refresh(tc.pk)
    rollups.changed([was])  # a class moved to another start day leaves its old day's figures
    return tc


@transaction.atomic
def class_move(*, actor: Any, training_class: TrainingClass, to: str) -> TrainingClass:
    """Move the class along ``CLASS_MOVES`` (计划中 → 报名中 → 进行中 → 已结束, or 已取消)."""
    assert_visible(TrainingClass, actor, training_class.pk, "change")
    tc = _lock(training_class)
    if to not in ClassStatus.values:
        raise BusinessError("状态：不是有效的选项", field="status")
    if to not in CLASS_MOVES[tc.status]:
        raise BusinessError(
            f"状态：{tc.get_status_display()}的班次不能改为{ClassStatus(to).label}",
            field="status",
        )
    if to == ClassStatus.RUNNING and not tc.sessions.exists():
        raise BusinessError("请先安排课次再开课", field="status")
    before = tc.get_status_display()
    tc.status = to
    tc.updated_by = actor
    tc.version += 1
    tc.save()
    rollups.changed([(tc.org_id, tc.start_date)])  # a cancelled class counts no more
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"班次“{tc.title}”：{before} → {tc.get_status_display()}",
        target=tc,
    )
    from . import orders  # the order of the class follows it (same transaction)

    orders.on_class_moved(actor=actor, training_class=tc)
    return tc


def _apply_session(session: ClassSession, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "date":
            value = _date(field, "日期", value)
        elif field in ("start_time", "end_time"):
            value = _time(field, "开始时间" if field == "start_time" else "结束时间", value)
        elif field == "place":
            value = _text(field, value, "地点", 200)
        elif field == "topic":
            value = _text(field, value, "内容", 100)
        elif field == "hours":
            try:
                value = Decimal(str(value))
            except (InvalidOperation, ValueError) as exc:
                raise BusinessError("计入学时：请填写数字", field=field) from exc
            if not value.is_finite() or not Decimal("0.5") <= value <= Decimal("24"):
                raise BusinessError("计入学时：应在 0.5 至 24 之间", field=field)
            value = value.quantize(Decimal("0.1"))
        elif field == "hour_type" and value not in HourType.values:
            raise BusinessError("学时类型：不是有效的选项", field=field)
        setattr(session, field, value)


def _overlapping(
    tc: TrainingClass, date: dt.date, start: dt.time, end: dt.time, *, exclude: int | None = None
) -> Any:
    """Sessions of other live classes (not cancelled) overlapping ``date`` ``start``–``end``."""
    found = (
        ClassSession.objects.filter(date=date, start_time__lt=end, end_time__gt=start)
        .exclude(training_class_id=tc.pk)
        .exclude(training_class__status=ClassStatus.CANCELLED)
        .select_related("training_class")
    )
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found


def _when(session: Any) -> str:
    return f"{session.date:%Y-%m-%d} {session.start_time:%H:%M}–{session.end_time:%H:%M}"


def check_double_booking(
    tc: TrainingClass,
    slots: Iterable[ClassSession],
    *,
    lecturers: Iterable[Lecturer] | None = None,
    exclude: int | None = None,
) -> None:
    """Refuse a lecturer on two classes at once (``lecturers``) and a training base (the academy
    node holding the class, at the same place) used twice at once (``start_time``). Cancelled
    classes do not count. Messages name the lecturer, the time and never another unit's class."""
    chosen = list(tc.lecturers.all() if lecturers is None else lecturers)
    place = normalize(tc.place or "")
    for slot in slots:
        others = _overlapping(tc, slot.date, slot.start_time, slot.end_time, exclude=exclude)
        if chosen:
            busy = (
                Lecturer.objects.filter(
                    pk__in=[lec.pk for lec in chosen],
                    classes__in=others.values("training_class_id"),
                )
                .select_related("craftsman")
                .first()
            )
            if busy is not None:
                raise BusinessError(
                    f"授课师资：“{busy.display_name}”在 {_when(slot)} 已有其他班次的课，"
                    "同一时间不能重复安排",
                    field="lecturers",
                )
        slot_place = normalize(getattr(slot, "place", "") or "") or place
        for other in others.filter(training_class__academy_id=tc.academy_id):
            other_place = normalize(other.place or "") or normalize(other.training_class.place)
            if other_place == slot_place:
                where = f"“{slot_place}”" if slot_place else "本场地"
                raise BusinessError(
                    f"开始时间：{tc.academy.name}{where}在 {_when(slot)} 已安排其他班次的课，"
                    "同一场地同一时间不能重复安排",
                    field="start_time",
                )


@transaction.atomic
def session_add(*, actor: Any, training_class: TrainingClass, data: dict[str, Any]) -> ClassSession:
    """Schedule a session (课次) of the class, within its dates."""
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    assert_visible(TrainingClass, actor, training_class.pk, "change")
    tc = _lock(training_class)
    if tc.status in (ClassStatus.FINISHED, ClassStatus.CANCELLED):
        raise BusinessError(f"班次{tc.get_status_display()}，不能安排课次", field="date")
    for field in ("date", "start_time", "end_time", "hours"):
        if data.get(field) in (None, ""):
            label = {"date": "日期", "start_time": "开始时间", "end_time": "结束时间"}
            raise BusinessError(f"{label.get(field, '计入学时')}：不能为空", field=field)
    session = ClassSession(training_class=tc, place=tc.place, created_by=actor, updated_by=actor)
    _apply_session(session, data)
    if not tc.start_date <= session.date <= tc.end_date:
        raise BusinessError(
            f"日期：应在班次日期 {tc.start_date:%Y-%m-%d} 至 {tc.end_date:%Y-%m-%d} 之内",
            field="date",
        )
    if session.end_time <= session.start_time:
        raise BusinessError("结束时间：应晚于开始时间", field="end_time")
    check_double_booking(tc, [session])
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_update(*, actor: Any, session: ClassSession, data: dict[str, Any]) -> ClassSession:
    """Change a session (课次): same rules as ``session_add``."""
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    assert_visible(TrainingClass, actor, session.training_class_id, "change")
    tc = _lock(session.training_class)
    if tc.status in (ClassStatus.FINISHED, ClassStatus.CANCELLED):
        raise BusinessError(f"班次{tc.get_status_display()}，不能修改课次", field="date")
    session = ClassSession.objects.get(pk=session.pk)
    _apply_session(session, data)
    if not tc.start_date <= session.date <= tc.end_date:
        raise BusinessError(
            f"日期：应在班次日期 {tc.start_date:%Y-%m-%d} 至 {tc.end_date:%Y-%m-%d} 之内",
            field="date",
        )
    if session.end_time <= session.start_time:
        raise BusinessError("结束时间：应晚于开始时间", field="end_time")
    check_double_booking(tc, [session], exclude=session.pk)
    session.updated_by = actor
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_delete(*, actor: Any, session: ClassSession) -> None:
    assert_visible(TrainingClass, actor, session.training_class_id, "change")
    if session.attendance.exists():
        raise BusinessError("该课次已有考勤记录，不能删除", field="session")
    session.delete()


# ------------------------------------------------------------------------------------------------
# Trainees and enrolment
# ------------------------------------------------------------------------------------------------


def clean_worker(data: dict[str, Any], *, actor: Any = None) -> dict[str, Any]:
    """Check a worker's data: name, ID number (GB 11643), mobile, employer. The first bad field
    raises ``BusinessError`` naming it."""
    out: dict[str, Any] = {"name": _text("name", data.get("name"), "姓名", 50, required=True)}
    raw_id = str(data.get("id_number") or "").strip()
    if not raw_id:
        raise BusinessError("身份证号：不能为空", field="id_number")
    try:
        out["id_number"] = normalize_id_number(raw_id)
    except IdentifierError as exc:
        raise BusinessError(exc.with_label("身份证号"), field="id_number") from exc
    raw_mobile = str(data.get("mobile") or "").strip()
    out["mobile"] = ""
    if raw_mobile:
        try:
            out["mobile"] = normalize_mobile(raw_mobile)
        except IdentifierError as exc:
            raise BusinessError(exc.with_label("手机号"), field="mobile") from exc
    enterprise = data.get("enterprise")
    if enterprise is not None and actor is not None:
        from jiangqiao.demands.models import Enterprise

        _visible(Enterprise, actor, enterprise, "view", "enterprise", "工作单位（需求池企业）")
    out["enterprise"] = enterprise
    out["employer_name"] = _text("employer_name", data.get("employer_name"), "工作单位", 100)
    uscc = _uscc("employer_uscc", data.get("employer_uscc"), "工作单位统一社会信用代码")
    out["employer_uscc"] = uscc
    if enterprise is None and uscc and not out["employer_name"]:
        raise BusinessError("工作单位：填写统一社会信用代码时须填写单位名称", field="employer_name")
    if enterprise is None and uscc:
        from jiangqiao.demands.models import Enterprise

        found = Enterprise.objects.filter(uscc=uscc, org_id__isnull=False)
        if actor is not None:
            found = found & Enterprise.objects.visible_to(actor, "view")
        out["enterprise"] = found.first()
    return out


def trainee_register(*, actor: Any, org: Any, data: dict[str, Any]) -> Trainee:
    """The unit's trainee with this ID number (filled in where blank) or a new one."""
    worker = clean_worker(data, actor=actor)
    index = blind_index(worker["id_number"], purpose="id_number")
    trainee = Trainee.objects.select_for_update().filter(org=org, id_number_index=index).first()
    if trainee is None:
        trainee = Trainee(org=org, created_by=actor, updated_by=actor, id_number_index=index)
        trainee.id_number = worker["id_number"]
        trainee.name = worker["name"]
    elif normalize(trainee.name) != worker["name"]:
        raise BusinessError(
            "姓名：与本单位已登记的同一身份证号学员姓名不一致，请核对", field="name"
        )
    changed = trainee.pk is None
    for field in ("mobile", "employer_name", "employer_uscc", "enterprise"):
        if worker[field] and not getattr(trainee, field):
            setattr(trainee, field, worker[field])
            changed = True
    if changed:
        trainee.mobile_index = blind_index(trainee.mobile or "", purpose="mobile")
        trainee.updated_by = actor
        trainee.full_clean(exclude=["enterprise"])
        trainee.save()
    return trainee


def _promote(tc: TrainingClass, actor: Any) -> list[Enrolment]:
    """Give free seats to the waitlist in order (call with the class row locked)."""
    free = tc.capacity - _seats_taken(tc)
    promoted: list[Enrolment] = []
    if free <= 0:
        return promoted
    for enrolment in (
        tc.enrolments.filter(status=EnrolmentStatus.WAITLISTED)
        .select_related("trainee")
        .order_by("queued_at", "pk")[:free]
    ):
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.updated_by = actor
        enrolment.save()
        promoted.append(enrolment)
        record_operation(
            actor=actor,
            module=MODULE,
            business_type=BusinessType.UPDATE,
            action=f"班次“{tc.title}”候补学员“{enrolment.trainee.name}”递补入班",
            target=tc,
        )
    return promoted


def _enrol_locked(
    tc: TrainingClass, trainee: Trainee, actor: Any, source: str, *, consent: bool = False
) -> Enrolment:
    now = timezone.now()
    existing = Enrolment.objects.filter(training_class=tc, trainee=trainee).first()
    if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
        raise BusinessError(
            f"身份证号：该学员已在本班次名单中（{existing.get_status_display()}）",
            field="id_number",
        )
    seat = _seats_taken(tc) < tc.capacity
    enrolment = existing or Enrolment(
        org_id=tc.org_id, training_class=tc, trainee=trainee, created_by=actor
    )
    enrolment.status = EnrolmentStatus.ENROLLED if seat else EnrolmentStatus.WAITLISTED
    enrolment.source = source
    enrolment.queued_at = now
    enrolment.updated_by = actor
    if consent:
        enrolment.consent_at = now
    enrolment.save()
    return enrolment


@transaction.atomic
def enrol(
    *,
    actor: Any,
    training_class: TrainingClass,
    worker: dict[str, Any],
    source: str = EnrolmentSource.STAFF,
) -> Enrolment:
    """Enrol a worker (registered as the unit's trainee if new): a seat while seats are free,
    otherwise the waitlist (候补)."""
    assert_visible(TrainingClass, actor, training_class.pk, "change")
    tc = _lock(training_class)
    if tc.status not in ENROLLING:
        raise BusinessError(f"班次{tc.get_status_display()}，不能报名", field="training_class")
    trainee = trainee_register(actor=actor, org=tc.org, data=worker)
    enrolment = _enrol_locked(tc, trainee, actor, source)
    tally_refresh(tc.pk)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"学员“{trainee.name}”报名班次“{tc.title}”（{enrolment.get_status_display()}）",
        target=tc,
    )
    return enrolment


def _key_hash(key: str) -> str:
    return hashlib.sha256(f"academy-self:{key}".encode()).hexdigest()


@transaction.atomic
def self_register(*, token: str, worker: dict[str, Any], consent: bool) -> tuple[Enrolment, str]:
    """A worker registers on a class's public link (报名中 only) after agreeing to the processing
    of their personal data. Returns the enrolment and the key kept in their phone's cookie (it
    identifies them at the QR check-in)."""
    tc = TrainingClass.objects.filter(signup_token=token).first()
    if tc is None:
        raise BusinessError("报名链接无效，请向培训组织方索取正确的链接", field="token")
    tc = _lock(tc)
    if tc.status != ClassStatus.OPEN:
        raise BusinessError(
            f"本班次{tc.get_status_display()}，现在不能报名", field="training_class"
        )
    if not consent:
        raise BusinessError("请阅读并同意个人信息处理说明后再报名", field="consent")
    data = {k: v for k, v in worker.items() if k != "enterprise"}
    if not str(data.get("mobile") or "").strip():
        raise BusinessError("手机号：不能为空", field="mobile")
    trainee = trainee_register(actor=None, org=tc.org, data=data)
    enrolment = _enrol_locked(tc, trainee, None, EnrolmentSource.SELF, consent=True)
    key = secrets.token_urlsafe(24)
    enrolment.self_key = _key_hash(key)
    enrolment.save(update_fields=["self_key"])
    tally_refresh(tc.pk)
    return enrolment, key


@transaction.atomic
def withdraw(*, actor: Any, enrolment: Enrolment) -> list[Enrolment]:
    """已报名/候补 → 已退出; a freed seat goes to the waitlist in order. Returns those promoted."""
    assert_visible(TrainingClass, actor, enrolment.training_class_id, "change")
    tc = _lock(enrolment.training_class)
    enrolment = Enrolment.objects.select_related("trainee").get(pk=enrolment.pk)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise BusinessError("该学员已退出本班次", field="status")
    if hasattr(enrolment, "certificate"):
        raise BusinessError("该学员已获发证书，不能退出", field="status")
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.updated_by = actor
    enrolment.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"学员“{enrolment.trainee.name}”退出班次“{tc.title}”",
        target=tc,
    )
    promoted = _promote(tc, actor)
    tally_refresh(tc.pk)
    return promoted


# ------------------------------------------------------------------------------------------------
# Attendance
# ------------------------------------------------------------------------------------------------


def session_bounds(session: ClassSession) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(session.date, session.start_time), tz)
    end = timezone.make_aware(dt.datetime.combine(session.date, session.end_time), tz)
    return start, end


def checkin_token(session: ClassSession) -> str:
    """A signed, timestamped token naming the session and its class (for the QR code)."""
    return signing.dumps({"s": session.pk, "c": session.training_class_id}, salt=CHECKIN_SALT)


def checkin_url(session: ClassSession) -> str:
    return reverse("academy:checkin", args=[session.training_class_id, checkin_token(session)])


def read_checkin(class_pk: int, token: str, *, now: dt.datetime | None = None) -> ClassSession:
    """The session a scanned code names, or a ``BusinessError`` saying why it is refused."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=CHECKIN_SALT, max_age=CHECKIN_CODE_TTL)
    except signing.SignatureExpired as exc:
        raise BusinessError("签到码已过期：请扫描现场屏幕上最新的签到码", field="token") from exc
    except signing.BadSignature as exc:
        raise BusinessError(
            "签到码无效：不是本平台生成的签到码或已被改动，请扫描现场屏幕上的签到码",
            field="token",
        ) from exc
    if not isinstance(payload, dict) or payload.get("c") != class_pk:
        raise BusinessError("签到码不属于本班次：请扫描本班次现场的签到码", field="token")
    session = (
        ClassSession.objects.select_related("training_class")
        .filter(pk=int(payload.get("s") or 0), training_class_id=class_pk)
        .first()
    )
    if session is None:
        raise BusinessError("签到码对应的课次已取消", field="token")
    tc = session.training_class
    if tc.status in (ClassStatus.CANCELLED, ClassStatus.FINISHED):
        raise BusinessError(f"本班次{tc.get_status_display()}，不能签到", field="token")
    start, end = session_bounds(session)
    if now > end:
        raise BusinessError(
            f"本课次已于 {timezone.localtime(end):%m月%d日 %H:%M} 结束，签到已关闭", field="token"
        )
    if now < start - CHECKIN_OPENS:
        raise BusinessError(
            f"本课次 {timezone.localtime(start):%m月%d日 %H:%M} 开始，"
            f"开课前 {int(CHECKIN_OPENS.total_seconds() // 60)} 分钟起可签到",
            field="token",
        )
    return session


def identify_trainee(
    tc: TrainingClass, *, name: str, last4: str, self_key: str, purpose: str = "签到"
) -> Enrolment:
    """The seated enrolment of the person on a public phone page of the class (the QR check-in,
    the evaluation): by the key of their own self-registration, or by name and the last 4
    characters of the ID number or mobile. Waitlisted and withdrawn trainees are refused
    (``purpose`` says what they cannot do)."""
    enrolments = Enrolment.objects.filter(training_class=tc).select_related("trainee")
    if self_key:
        found = enrolments.filter(self_key=_key_hash(self_key)).first()
        if found is not None:
            return _seated(found, purpose)
    name = normalize(name or "")
    tail = clean_id_number(last4 or "")
    if not name:
        raise BusinessError("姓名：不能为空", field="name")
    if len(tail) != 4:
        raise BusinessError("证件后四位：请填写身份证号或手机号的后 4 位", field="last4")
    for enrolment in enrolments.filter(trainee__name=name):
        trainee = enrolment.trainee
        if trainee.id_number[-4:].upper() == tail or (trainee.mobile or "")[-4:] == tail:
            return _seated(enrolment, purpose)
    raise BusinessError(
        "未找到该学员：请核对姓名和身份证号或手机号后四位（须为本班次已报名学员）",
        field="last4",
    )


def _seated(enrolment: Enrolment, purpose: str) -> Enrolment:
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        raise BusinessError(f"您在本班次的候补名单中，尚未获得名额，不能{purpose}", field="name")
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise BusinessError(f"您已退出本班次，不能{purpose}", field="name")
    return enrolment


@transaction.atomic
def checkin(
    *,
    class_pk: int,
    token: str,
    name: str = "",
    last4: str = "",
    self_key: str = "",
    now: dt.datetime | None = None,
) -> tuple[Attendance, bool]:
    """A trainee's QR check-in: (attendance, created). Present until ``LATE_AFTER`` past the
    start, late afterwards; a second scan keeps the first record."""
    now = now or timezone.now()
    session = read_checkin(class_pk, token, now=now)
    enrolment = identify_trainee(session.training_class, name=name, last4=last4, self_key=self_key)
    existing = Attendance.objects.filter(session=session, enrolment=enrolment).first()
    if existing is not None and existing.status in CREDITED_ATTENDANCE:
        return existing, False
    start, _ = session_bounds(session)
    status = AttendanceStatus.PRESENT if now <= start + LATE_AFTER else AttendanceStatus.LATE
    attendance = existing or Attendance(session=session, enrolment=enrolment)
    attendance.status = status
    attendance.method = AttendanceMethod.QR
    attendance.at = now
    attendance.marked_by = None
    attendance.save()
    tally_refresh(session.training_class_id)
    return attendance, True


@transaction.atomic
def attendance_mark(
    *, actor: Any, session: ClassSession, enrolment: Enrolment, status: str
) -> Attendance:
    """Staff mark (or correct) a trainee's attendance of a session."""
    assert_visible(TrainingClass, actor, session.training_class_id, "change")
    if enrolment.training_class_id != session.training_class_id:
        raise BusinessError("学员：不是本班次的学员", field="enrolment")
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise BusinessError(
            f"学员：{enrolment.get_status_display()}的学员不能登记考勤", field="enrolment"
        )
    if status not in AttendanceStatus.values:
        raise BusinessError("考勤：不是有效的选项", field="status")
    tc = TrainingClass.objects.get(pk=session.training_class_id)
    if tc.status == ClassStatus.CANCELLED:
        raise BusinessError("班次已取消，不能登记考勤", field="status")
    attendance, _ = Attendance.objects.update_or_create(
        session=session,
        enrolment=enrolment,
        defaults={
            "status": status,
            "method": AttendanceMethod.MANUAL,
            "at": timezone.now(),
            "marked_by": actor,
        },
    )
    tally_refresh(session.training_class_id)
    return attendance


def hours_for(enrolment: Enrolment) -> dict[str, Decimal]:
    """Hours credited by type (``theory``/``practice``) and ``total``, from attendance."""
    rows = (
        Attendance.objects.filter(enrolment=enrolment, status__in=CREDITED_ATTENDANCE)
        .values("session__hour_type")
        .annotate(h=Sum("session__hours"))
    )
    out = {t: Decimal("0") for t in HourType.values}
    for row in rows:
        out[row["session__hour_type"]] = row["h"] or Decimal("0")
    out["total"] = sum((out[t] for t in HourType.values), Decimal("0"))
    return out


# ------------------------------------------------------------------------------------------------
# Assessment and certificates
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def assess(
    *, actor: Any, enrolment: Enrolment, score: Any, passed: bool | None = None
) -> Enrolment:
    """Record the assessment result (score 0–100; passed when not given: score ≥ 60)."""
    assert_visible(TrainingClass, actor, enrolment.training_class_id, "change")
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    tc = TrainingClass.objects.get(pk=enrolment.training_class_id)
    if tc.status not in (ClassStatus.RUNNING, ClassStatus.FINISHED):
        raise BusinessError("考核成绩：班次开课后才能登记", field="score")
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise BusinessError(
            f"考核成绩：{enrolment.get_status_display()}的学员不能登记", field="score"
        )
    if hasattr(enrolment, "certificate"):
        raise BusinessError("考核成绩：已发证书，成绩不能修改", field="score")
    try:
        value = Decimal(str(score))
    except (InvalidOperation, ValueError) as exc:
        raise BusinessError("考核成绩：请填写 0 至 100 的数字", field="score") from exc
    if not value.is_finite() or not 0 <= value <= 100:
        raise BusinessError("考核成绩：请填写 0 至 100 的数字", field="score")
    enrolment.score = value.quantize(Decimal("0.1"))
    enrolment.passed = bool(value >= PASS_MARK) if passed is None else bool(passed)
    enrolment.assessed_at = timezone.now()
    enrolment.updated_by = actor
    enrolment.save()
    return enrolment


def certificate_prefix(academy: Academy) -> str:
    from jiangqiao.demands.numbering import PROVINCES

    entry = PROVINCES.get((academy.region_code or "")[:2])
    return f"{entry[1] if entry else 'CN'}{CERT_PREFIX}"


def next_certificate_sequence(prefix: str, year: int) -> int:
    """Take the next sequence number of (prefix, year) inside the issuing transaction."""
    counter = (
        CertificateCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
    )
    if counter is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first issue may win
                CertificateCounter.objects.create(prefix=prefix, year=year, last=0)
        except IntegrityError:
            pass
        counter = CertificateCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def allocate_certificate_number(academy: Academy, year: int) -> str:
    prefix = certificate_prefix(academy)
    return f"{prefix}-{year:04d}-{next_certificate_sequence(prefix, year):06d}"


@transaction.atomic
def certificate_issue(
    *, actor: Any, enrolment: Enrolment, issued_on: dt.date | None = None
) -> Certificate:
    """A certificate for a passed trainee of a finished class (numbered, never reused)."""
    if actor is not None and not actor.has_perm("academy.issue_certificate"):
        raise BusinessError("您没有颁发结业证书的权限", field="enrolment")
    assert_visible(TrainingClass, actor, enrolment.training_class_id, "change")
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("trainee", "training_class__academy", "training_class__course")
        .get(pk=enrolment.pk)
    )
    tc = enrolment.training_class
    if tc.status != ClassStatus.FINISHED:
        raise BusinessError("证书：班次结业后才能颁发", field="enrolment")
    if enrolment.status != EnrolmentStatus.ENROLLED or not enrolment.passed:
        raise BusinessError(
            f"证书：学员“{enrolment.trainee.name}”未通过考核，不能颁发", field="enrolment"
        )
    if Certificate.objects.filter(enrolment=enrolment).exists():
        raise BusinessError(f"证书：学员“{enrolment.trainee.name}”已获发证书", field="enrolment")
    issued_on = issued_on or timezone.localdate()
    hours = hours_for(enrolment)
    certificate = Certificate.objects.create(
        number=allocate_certificate_number(tc.academy, issued_on.year),
        enrolment=enrolment,
        trainee_name=enrolment.trainee.name,
        course_title=tc.course.title,
        course_edition=tc.course_edition,
        academy_name=tc.academy.name,
        class_title=tc.title,
        hours=hours["total"],
        hours_by_type={k: str(v) for k, v in hours.items() if k != "total"},
        issued_on=issued_on,
        issued_by=actor,
    )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"为“{enrolment.trainee.name}”颁发结业证书 {certificate.number}",
        target=tc,
    )
    tally_refresh(tc.pk)
    return certificate


@transaction.atomic
def certificates_issue_for_class(
    *, actor: Any, training_class: TrainingClass, issued_on: dt.date | None = None
) -> list[Certificate]:
    """Certificates for every passed trainee of the class who has none yet."""
    pending = Enrolment.objects.filter(
        training_class=training_class,
        status=EnrolmentStatus.ENROLLED,
        passed=True,
        certificate__isnull=True,
    ).order_by("queued_at", "pk")
    return [certificate_issue(actor=actor, enrolment=e, issued_on=issued_on) for e in list(pending)]
