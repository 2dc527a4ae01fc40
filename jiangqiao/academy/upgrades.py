"""Skill upgrades of trainees (技能等级晋升, issue 15 point 6).

A trainee whose skill level rose after a class gets one record of the platform's single
skill-upgrade type (``casework.SkillUpgrade``, source 工匠学院培训, written by
``casework.sessions.training_upgrade_record``), so the count of skill upgrades
(``casework.kpi.skill_upgrade_counts``) serves service sessions and training alike. That record is
pseudonymised like a session's (an academy trainee code ``XY00000123``, no name, no ID number);
the academy's link (``TraineeUpgrade``) gives staff the trainee, the class and the lecturer.

Rules: the actor may change the class (its unit in his scope) and holds
``academy.add_traineeupgrade``; the trainee holds a seat (not waitlisted or withdrawn); the class
has started (进行中 or 已结束); the lecturer, when named, teaches the class; one upgrade per
enrolment and occupation; the level after is higher than the level before on the national scale;
the certificate (the skill-level certificate, not the class's 结业证书) has a number, an issuer
and a date between the class's start and today.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiangqiao.casework import sessions as casework_sessions
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import assert_visible
from jiangqiao.taxonomy.selectors import canonical_code

from .choices import ClassStatus, EnrolmentStatus
from .classes import _date
from .models import Enrolment, Lecturer, Trainee, TraineeUpgrade, TrainingClass
from .services import _visible

#: Upgrades are recorded once the class has started.
UPGRADE_CLASS_STATUSES = (ClassStatus.RUNNING, ClassStatus.FINISHED)
TRAINEE_CODE_PREFIX = "XY"


def trainee_code(trainee: Trainee) -> str:
    """The pseudonym of a trainee in skill-upgrade records (学员 → ``XY00000123``)."""
    return f"{TRAINEE_CODE_PREFIX}{trainee.pk:08d}"


@transaction.atomic
def trainee_upgrade_record(
    *,
    actor: Any,
    enrolment: Enrolment,
    occupation: str,
    level_before: str,
    level_after: str,
    certificate_no: str,
    issuer: str,
    issued_on: Any,
    lecturer: Lecturer | None = None,
) -> TraineeUpgrade:
    """Record a trainee's skill upgrade earned through the class of ``enrolment``."""
    if actor is None or not actor.has_perm("academy.add_traineeupgrade"):
        raise BusinessError("您没有登记学员技能提升的权限", field="enrolment")
    _visible(
        TrainingClass,
        actor,
        TrainingClass(pk=enrolment.training_class_id),
        "change",
        "enrolment",
        "班次",
    )
    current = (
        Enrolment.objects.select_for_update()
        .select_related("trainee", "training_class")
        .get(pk=enrolment.pk)
    )
    tc = current.training_class
    if tc.status not in UPGRADE_CLASS_STATUSES:
        raise BusinessError(
            f"技能提升：班次开课后才能登记（当前状态：{tc.get_status_display()}）",
            field="enrolment",
        )
    if current.status != EnrolmentStatus.ENROLLED:
        raise BusinessError(
            f"技能提升：{current.get_status_display()}的学员不能登记", field="enrolment"
        )
    if lecturer is not None and not tc.lecturers.filter(pk=lecturer.pk).exists():
        raise BusinessError("授课师资：只能选择本班次的授课师资", field="lecturer")
    day = _date("issued_on", "取证日期", issued_on)
    assert day is not None
    if day < tc.start_date:
        raise BusinessError(
            f"取证日期：不能早于开班日期 {tc.start_date:%Y-%m-%d}", field="issued_on"
        )
    code = canonical_code("occupation", str(occupation or "").strip())
    if code and TraineeUpgrade.objects.filter(enrolment=current, upgrade__occupation=code).exists():
        raise BusinessError(
            f"职业（工种）：学员“{current.trainee.name}”在本班次已登记该职业的技能提升",
            field="occupation",
        )
    row = casework_sessions.training_upgrade_record(
        actor=actor,
        org=tc.org_id,
        worker_code=trainee_code(current.trainee),
        occupation=code,
        level_before=level_before,
        level_after=level_after,
        certificate_no=certificate_no,
        issuer=issuer,
        issued_on=day,
    )
    link = TraineeUpgrade.objects.create(
        org_id=tc.org_id,
        upgrade=row,
        enrolment=current,
        lecturer=lecturer,
        created_by=actor,
        updated_by=actor,
    )
    assert_visible(TraineeUpgrade, actor, link.pk, "add")
    return link
