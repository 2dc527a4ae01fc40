"""Writes and reads of trainee satisfaction (学员满意度评价).

Rules:

* the public link of a class (``evaluation_url``) carries a signed token naming the class
  (``django.core.signing``, no expiry: the link or its QR code is handed out for the whole class,
  so the token carries no timestamp and the same class always has the same link; links made
  before that, with a timestamp, are still read); a forged or altered token is refused;
* only a class that has started (进行中) or finished (已结束) can be rated; before that, and when
  cancelled, the page says so;
* the trainee identifies as at the QR check-in (``classes.identify_trainee``: the key of their own
  self-registration, or name + last 4 of the ID number or mobile); waitlisted and withdrawn
  trainees are refused; failed attempts are rate-limited per address by the page;
* course stars 1–5, stars 1–5 for **each** lecturer of the class, a comment of at most 500
  characters;
* **once per enrolment: a second submission replaces the first** (a trainee who changes their mind
  after the last session corrects their rating; counting it twice would let one person weigh
  double). ``evaluation_submit`` says whether it created or updated;
* every lecturer rated gets ``rating`` (average of all their ratings, 2 decimals) and
  ``rating_count`` recomputed in the same transaction, with the lecturer rows locked so that two
  concurrent evaluations never compute from each other's stale counts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Avg, Count, QuerySet
from django.urls import reverse

from jiangqiao.core.exceptions import BusinessError

from . import classes
from .choices import ClassStatus
from .evaluation_models import COMMENT_MAX, ClassEvaluation, LecturerRating
from .models import Enrolment, Lecturer, TrainingClass
from .services import _text

EVALUATION_SALT = "jiangqiao.academy.evaluation"
#: Statuses in which a class can be rated.
RATEABLE = (ClassStatus.RUNNING, ClassStatus.FINISHED)


def evaluation_token(training_class: TrainingClass) -> str:
    return signing.Signer(salt=EVALUATION_SALT).sign_object({"c": training_class.pk})


def _evaluation_payload(token: str) -> Any:
    if token.count(signing.Signer().sep) == 2:  # an earlier link, signed with a timestamp
        return signing.loads(token, salt=EVALUATION_SALT)
    return signing.Signer(salt=EVALUATION_SALT).unsign_object(token)


def evaluation_url(training_class: TrainingClass) -> str:
    return reverse("academy:evaluate", args=[training_class.pk, evaluation_token(training_class)])


def read_evaluation(class_pk: int, token: str) -> TrainingClass:
    """The class a public evaluation link names, if it can be rated now."""
    try:
        payload = _evaluation_payload(token)
    except (signing.BadSignature, ValueError) as exc:
        raise BusinessError(
            "评价链接无效：请扫描培训现场或结业通知中的评价二维码", field="token"
        ) from exc
    if not isinstance(payload, dict) or payload.get("c") != class_pk:
        raise BusinessError("评价链接无效：请扫描培训现场或结业通知中的评价二维码", field="token")
    tc = TrainingClass.objects.select_related("course", "academy").filter(pk=class_pk).first()
    if tc is None:
        raise BusinessError("评价链接无效：班次不存在", field="token")
    if tc.status == ClassStatus.CANCELLED:
        raise BusinessError("本班次已取消，不能评价", field="token")
    if tc.status not in RATEABLE:
        raise BusinessError(f"本班次{tc.get_status_display()}：开课后才能评价", field="token")
    return tc


def stars(field: str, label: str, value: Any) -> int:
    """1 to 5 stars, or a ``BusinessError`` naming the field."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise BusinessError(f"{label}：请选择 1 至 5 星", field=field)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 5:
        raise BusinessError(f"{label}：应为 1 至 5 星", field=field)
    return int(text)


def lecturers_of(tc: TrainingClass) -> list[Lecturer]:
    return list(tc.lecturers.select_related("craftsman").order_by("pk"))


@transaction.atomic
def evaluation_submit(
    *,
    class_pk: int,
    token: str,
    name: str = "",
    last4: str = "",
    self_key: str = "",
    course_stars: Any,
    lecturer_stars: dict[int, Any] | None = None,
    comment: str = "",
) -> tuple[ClassEvaluation, bool]:
    """A trainee's evaluation of a class (public, no account): (evaluation, created). A second
    submission of the same enrolment replaces the first."""
    tc = read_evaluation(class_pk, token)
    enrolment = classes.identify_trainee(
        tc, name=name, last4=last4, self_key=self_key, purpose="评价"
    )
    course = stars("course_stars", "课程评分", course_stars)
    lecturers = lecturers_of(tc)
    given = lecturer_stars or {}
    unknown = {int(k) for k in given} - {lec.pk for lec in lecturers}
    if unknown:
        raise BusinessError("师资评分：只能评价本班次的授课师资", field="lecturer_stars")
    per_lecturer = {
        lec.pk: stars(f"lecturer_{lec.pk}", f"师资评分（{lec}）", given.get(lec.pk))
        for lec in lecturers
    }
    text = _text("comment", comment, "意见建议", COMMENT_MAX)
    # One trainee at a time (a double tap): the enrolment row is the lock.
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    evaluation = ClassEvaluation.objects.filter(enrolment=enrolment).first()
    created = evaluation is None
    before = set()
    if evaluation is None:
        evaluation = ClassEvaluation(org_id=tc.org_id, training_class=tc, enrolment=enrolment)
    else:
        before = set(evaluation.lecturer_ratings.values_list("lecturer_id", flat=True))
    evaluation.course_stars = course
    evaluation.comment = text
    evaluation.full_clean()
    evaluation.save()
    touched = sorted(before | set(per_lecturer))
    # Lock the lecturers (in pk order) before their ratings change, then recompute.
    list(Lecturer.objects.select_for_update().filter(pk__in=touched).order_by("pk"))
    evaluation.lecturer_ratings.exclude(lecturer_id__in=list(per_lecturer)).delete()
    for lecturer_id, value in per_lecturer.items():
        LecturerRating.objects.update_or_create(
            evaluation=evaluation, lecturer_id=lecturer_id, defaults={"stars": value}
        )
    recompute_ratings(touched)
    return evaluation, created


def recompute_ratings(lecturer_ids: list[int]) -> None:
    """``Lecturer.rating`` (average of all ratings, 2 decimals) and ``rating_count``."""
    for lecturer_id in lecturer_ids:
        found = LecturerRating.objects.filter(lecturer_id=lecturer_id).aggregate(
            avg=Avg("stars"), n=Count("pk")
        )
        rating = None
        if found["n"]:
            rating = Decimal(str(found["avg"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        Lecturer.objects.filter(pk=lecturer_id).update(rating=rating, rating_count=found["n"])


# ------------------------------------------------------------------------------------------------
# Reads (staff)
# ------------------------------------------------------------------------------------------------


def evaluations_for(*, user: Any, training_class: TrainingClass) -> QuerySet[ClassEvaluation]:
    """The evaluations of a class the user may read (scoped; none without the permission)."""
    return ClassEvaluation.objects.visible_to(user, "view").filter(  # type: ignore[attr-defined,no-any-return]
        training_class=training_class
    )


def class_evaluation_summary(*, user: Any, training_class: TrainingClass) -> dict[str, Any]:
    """Count, course average, average per lecturer and the comments (newest first, anonymous)."""
    rows = evaluations_for(user=user, training_class=training_class)
    found = rows.aggregate(avg=Avg("course_stars"), n=Count("pk"))
    per_lecturer = (
        LecturerRating.objects.filter(evaluation__in=rows)
        .values("lecturer_id")
        .annotate(avg=Avg("stars"), n=Count("pk"))
    )
    names = {lec.pk: str(lec) for lec in lecturers_of(training_class)}
    return {
        "count": found["n"] or 0,
        "course_avg": _two(found["avg"]),
        "lecturers": [
            {"name": names.get(r["lecturer_id"], "—"), "avg": _two(r["avg"]), "count": r["n"]}
            for r in per_lecturer
        ],
        "comments": [
            {"stars": e.course_stars, "text": e.comment, "at": e.updated_at}
            for e in rows.exclude(comment="").order_by("-updated_at", "-pk")[:200]
        ],
    }


def _two(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
