"""Writes of the academy app. Every function is atomic, scope-checked and audited.

Rules enforced here (pages, API, imports and the demo behave the same):

* an academy's host organisation USCC is checked (GB 32100); industries and region against the
  taxonomy; its parent is an academy the actor may see, of a type that may have children, and
  never itself or one of its descendants;
* a lecturer is either a craftsman of the talent pool the actor may see (one record per academy)
  or an external expert with a name; appointment letters are unique per academy, period ordered;
* a course's 学时 are locked once it has been published; publishing and every change of a
  published course write a ``CourseVersion`` snapshot; a course's lecturers are the academy's
  own or shared lecturers of the same alliance;
* a craftsman's 技能培训 service item becomes a draft course in one step (``course_from_item``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiangqiao.core.choices import BusinessType, Status
from jiangqiao.core.concurrency import claim_version
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import clean_uscc
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import ScopeViolation, assert_visible
from jiangqiao.core.validators import validate_uscc
from jiangqiao.talents.models import Craftsman, ServiceItem
from jiangqiao.talents.services import clean_code_list
from jiangqiao.taxonomy.selectors import term_label
from jiangqiao.taxonomy.validators import TermCodeValidator
from jiangqiao.text import normalize

from .choices import ALLOWED_PARENT_TYPES, AcademyType, CourseStatus, LecturerKind
from .models import (
    TEXT_MAX,
    Academy,
    Alliance,
    Appointment,
    Course,
    CourseVersion,
    Lecturer,
    Subsidy,
)

MODULE = "工匠学院"
PUBLISH_PERMISSION = "academy.publish_course"
SKILL_TRAINING = "skill_training"

ACADEMY_FIELDS = (
    "name",
    "level",
    "academy_type",
    "parent",
    "host_name",
    "host_uscc",
    "region_code",
    "address",
    "industries",
    "facilities",
    "is_provincial",
    "is_national_key",
    "is_annual_key",
    "founded_on",
)
ALLIANCE_FIELDS = ("name", "description")
SUBSIDY_FIELDS = ("year", "amount", "source", "note")
LECTURER_FIELDS = ("name", "employer", "title", "course_fields", "intro", "shared")
APPOINTMENT_FIELDS = ("letter_no", "valid_from", "valid_to", "role")
COURSE_FIELDS = (
    "code",
    "title",
    "field",
    "level",
    "hours",
    "format",
    "industries",
    "occupation",
    "skill_level",
    "capacity",
    "is_free",
    "price",
    "description",
    "prerequisites",
    "assessment",
    "certificate_template",
)
#: What a published edition records (the terms an order or a certificate refers to).
SNAPSHOT_FIELDS = (*COURSE_FIELDS, "status")


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _check_fields(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _check_org(org: Any) -> None:
    if org is None:
        raise BusinessError("所属组织：不能为空", field="org")
    if org.status != Status.ACTIVE:
        raise BusinessError("所属组织已停用，不能在其下登记", field="org")


def _text(field: str, value: Any, label: str, limit: int, *, required: bool = False) -> str:
    text = "" if value is None else normalize(str(value))
    if required and not text:
        raise BusinessError(f"{label}：不能为空", field=field)
    if len(text) > limit:
        raise BusinessError(f"{label}：最多 {limit} 个字（当前 {len(text)} 个字）", field=field)
    return text


def _uscc(field: str, value: Any, label: str = "依托单位统一社会信用代码") -> str:
    """A checked USCC (GB 32100) or ""; a bad one is a ``BusinessError`` naming ``label``."""
    if value in (None, ""):
        return ""
    code = clean_uscc(str(value))
    try:
        validate_uscc.with_label(label)(code)
    except ValidationError as exc:
        raise BusinessError(exc.messages[0], field=field) from exc
    return code


def _term(scheme: str, field: str, label: str, value: Any, *, required: bool = False) -> str:
    code = "" if value is None else str(value).strip()
    if not code:
        if required:
            raise BusinessError(f"{label}：不能为空", field=field)
        return ""
    try:
        TermCodeValidator(scheme)(code)
    except ValidationError as exc:
        raise BusinessError(f"{label}：{exc.messages[0]}", field=field) from exc
    return code


def _visible(model: Any, actor: Any, obj: Any, action: str, field: str, noun: str) -> None:
    try:
        assert_visible(model, actor, obj.pk, action)
    except ScopeViolation as exc:
        raise BusinessError(f"{noun}：不在您的数据范围内", field=field) from exc


def _label(model: Any, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def _save(obj: Any) -> None:
    obj.full_clean()
    obj.save()


def _after_create(model: Any, actor: Any, obj: Any) -> None:
    if actor is not None:
        assert_visible(model, actor, obj.pk, "add")


# ------------------------------------------------------------------------------------------------
# Academies
# ------------------------------------------------------------------------------------------------


def _check_parent(academy: Academy, parent: Academy | None, actor: Any) -> None:
    if parent is None:
        return
    if actor is not None:
        _visible(Academy, actor, parent, "view", "parent", "上级学院")
    if academy.pk is not None:
        node: Academy | None = parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            if node.pk == academy.pk:
                raise BusinessError("上级学院：不能是本学院或其下级", field="parent")
            seen.add(node.pk)
            node = node.parent
    allowed = ALLOWED_PARENT_TYPES.get(academy.academy_type, set())
    if parent.academy_type not in allowed:
        raise BusinessError(
            f"上级学院：{AcademyType(academy.academy_type).label}不能设在"
            f"{parent.get_academy_type_display()}“{parent.name}”之下",
            field="parent",
        )


def _apply_academy(academy: Academy, data: dict[str, Any], actor: Any) -> None:
    for field, value in data.items():
        if field == "name":
            value = _text(field, value, "名称", 100, required=True)
        elif field in ("host_name", "address"):
            value = _text(field, value, _label(Academy, field), 200)
        elif field == "facilities":
            value = _text(field, value, "场地与设施", TEXT_MAX)
        elif field == "host_uscc":
            value = _uscc(field, value)
        elif field == "region_code":
            value = _term("region", field, "所在地区", value)
        elif field == "industries":
            value = clean_code_list("industry", "面向行业", field, value)
        elif field in ("is_provincial", "is_national_key", "is_annual_key"):
            value = bool(value)
        setattr(academy, field, value)
    if not academy.name:
        raise BusinessError("名称：不能为空", field="name")
    _check_parent(academy, academy.parent, actor)


@transaction.atomic
def academy_create(*, actor: Any, org: Any, data: dict[str, Any]) -> Academy:
    """Register an academy node (HQ, branch, base or site) run by ``org``."""
    _check_fields(data, ACADEMY_FIELDS)
    _check_org(org)
    academy = Academy(org=org, created_by=actor, updated_by=actor)
    _apply_academy(academy, data, actor)
    _save(academy)
    _after_create(Academy, actor, academy)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记工匠学院“{academy.name}”",
        target=academy,
    )
    return academy


@transaction.atomic
def academy_update(
    *, actor: Any, academy: Academy, data: dict[str, Any], version: int | None = None
) -> Academy:
    _check_fields(data, ACADEMY_FIELDS)
    assert_visible(Academy, actor, academy.pk, "change")
    claim_version(academy, version)
    academy = Academy.objects.select_for_update().get(pk=academy.pk)
    _apply_academy(academy, data, actor)
    academy.updated_by = actor
    _save(academy)
    return academy


def _set_status(actor: Any, obj: Any, status: str, noun: str, name: str) -> Any:
    """启用 / 停用 master data (an academy, an alliance, a lecturer): scoped, the row locked,
    versioned, logged; setting the status it already has changes nothing."""
    model = type(obj)
    assert_visible(model, actor, obj.pk, "change")
    if status not in Status.values:
        raise BusinessError("状态：不是有效的选项", field="status")
    obj = model.objects.select_for_update().get(pk=obj.pk)
    if obj.status == status:
        return obj
    obj.status = status
    obj.updated_by = actor
    obj.version += 1
    obj.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"{'启用' if status == Status.ACTIVE else '停用'}{noun}“{name}”",
        target=obj,
    )
    return obj


@transaction.atomic
def academy_set_status(*, actor: Any, academy: Academy, status: str) -> Academy:
    return _set_status(actor, academy, status, "工匠学院", academy.name)  # type: ignore[no-any-return]


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BusinessError("金额：请填写数字", field="amount") from exc
    if not amount.is_finite() or amount <= 0:
        raise BusinessError("金额：应大于 0", field="amount")
    return amount


@transaction.atomic
def subsidy_add(*, actor: Any, academy: Academy, data: dict[str, Any]) -> Subsidy:
    """Record a subsidy received by the academy (amount, year, source)."""
    _check_fields(data, SUBSIDY_FIELDS)
    assert_visible(Academy, actor, academy.pk, "change")
    subsidy = Subsidy(
        academy=academy,
        year=cast(Any, data.get("year")),
        amount=_amount(data.get("amount")),
        source=_text("source", data.get("source"), "资金来源", 100, required=True),
        note=_text("note", data.get("note"), "说明", 200),
        created_by=actor,
        updated_by=actor,
    )
    _save(subsidy)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记“{academy.name}”{subsidy.year}年补助 {subsidy.amount} 元",
        target=academy,
    )
    return subsidy


@transaction.atomic
def subsidy_delete(*, actor: Any, subsidy: Subsidy) -> None:
    assert_visible(Academy, actor, subsidy.academy_id, "change")
    subsidy.delete()


# ------------------------------------------------------------------------------------------------
# Alliances
# ------------------------------------------------------------------------------------------------


def _apply_alliance(alliance: Alliance, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "name":
            value = _text(field, value, "联盟名称", 100, required=True)
        elif field == "description":
            value = _text(field, value, "简介", TEXT_MAX)
        setattr(alliance, field, value)
    if not alliance.name:
        raise BusinessError("联盟名称：不能为空", field="name")


@transaction.atomic
def alliance_create(*, actor: Any, org: Any, data: dict[str, Any]) -> Alliance:
    _check_fields(data, ALLIANCE_FIELDS)
    _check_org(org)
    alliance = Alliance(org=org, created_by=actor, updated_by=actor)
    _apply_alliance(alliance, data)
    _save(alliance)
    _after_create(Alliance, actor, alliance)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"成立学院联盟“{alliance.name}”",
        target=alliance,
    )
    return alliance


@transaction.atomic
def alliance_update(
    *, actor: Any, alliance: Alliance, data: dict[str, Any], version: int | None = None
) -> Alliance:
    _check_fields(data, ALLIANCE_FIELDS)
    assert_visible(Alliance, actor, alliance.pk, "change")
    claim_version(alliance, version)
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    _apply_alliance(alliance, data)
    alliance.updated_by = actor
    _save(alliance)
    return alliance


@transaction.atomic
def alliance_set_status(*, actor: Any, alliance: Alliance, status: str) -> Alliance:
    """启用 / 停用 an alliance (its members stay; a disabled one takes no new member)."""
    return _set_status(actor, alliance, status, "工匠学院联盟", alliance.name)  # type: ignore[no-any-return]


@transaction.atomic
def alliance_add_member(*, actor: Any, alliance: Alliance, academy: Academy) -> Academy:
    """Make ``academy`` a member (an academy belongs to at most one alliance)."""
    assert_visible(Alliance, actor, alliance.pk, "change")
    _visible(Academy, actor, academy, "view", "academy", "工匠学院")
    if alliance.status != Status.ACTIVE:
        raise BusinessError("该联盟已停用，不能加入成员", field="academy")
    academy = Academy.objects.select_for_update().get(pk=academy.pk)
    if academy.alliance_id == alliance.pk:
        raise BusinessError("该学院已是本联盟成员", field="academy")
    if academy.alliance_id is not None:
        raise BusinessError(f"该学院已加入“{academy.alliance}”，请先退出原联盟", field="academy")
    academy.alliance = alliance
    academy.updated_by = actor
    academy.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"“{academy.name}”加入学院联盟“{alliance.name}”",
        target=alliance,
    )
    return academy


@transaction.atomic
def alliance_remove_member(*, actor: Any, alliance: Alliance, academy: Academy) -> Academy:
    assert_visible(Alliance, actor, alliance.pk, "change")
    academy = Academy.objects.select_for_update().get(pk=academy.pk)
    if academy.alliance_id != alliance.pk:
        raise BusinessError("该学院不是本联盟成员", field="academy")
    academy.alliance = None
    academy.updated_by = actor
    academy.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"“{academy.name}”退出学院联盟“{alliance.name}”",
        target=alliance,
    )
    return academy


# ------------------------------------------------------------------------------------------------
# Lecturers
# ------------------------------------------------------------------------------------------------


def _apply_lecturer(lecturer: Lecturer, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "course_fields":
            value = clean_code_list("course_field", "授课领域", field, value)
        elif field == "intro":
            value = _text(field, value, "师资简介", TEXT_MAX)
        elif field == "shared":
            value = bool(value)
        elif field in ("name", "employer", "title"):
            value = _text(field, value, _label(Lecturer, field), 100 if field != "name" else 50)
            if lecturer.kind == LecturerKind.CRAFTSMAN and field in ("name", "employer"):
                value = ""  # read from the craftsman's profile, never copied
        setattr(lecturer, field, value)
    if lecturer.kind == LecturerKind.EXTERNAL and not lecturer.name:
        raise BusinessError("姓名：外聘专家须填写姓名", field="name")


@transaction.atomic
def lecturer_create(
    *,
    actor: Any,
    academy: Academy,
    data: dict[str, Any],
    craftsman: Craftsman | None = None,
) -> Lecturer:
    """Add a lecturer to ``academy``: the craftsman ``craftsman`` of the talent pool, or (without
    one) an external expert named in ``data``."""
    _check_fields(data, LECTURER_FIELDS)
    _visible(Academy, actor, academy, "change", "academy", "聘任学院")
    kind = LecturerKind.CRAFTSMAN if craftsman is not None else LecturerKind.EXTERNAL
    if craftsman is not None:
        if actor is not None:
            _visible(Craftsman, actor, craftsman, "view", "craftsman", "劳模工匠")
        if craftsman.status == "removed":
            raise BusinessError("该劳模工匠已移出人才库，不能聘为师资", field="craftsman")
        if Lecturer.objects.filter(academy=academy, craftsman=craftsman).exists():
            raise BusinessError("该劳模工匠已是本学院的师资", field="craftsman")
    lecturer = Lecturer(
        org_id=academy.org_id,
        academy=academy,
        kind=kind,
        craftsman=craftsman,
        created_by=actor,
        updated_by=actor,
    )
    _apply_lecturer(lecturer, data)
    _save(lecturer)
    _after_create(Lecturer, actor, lecturer)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"“{academy.name}”新增师资“{lecturer.display_name}”",
        target=lecturer,
    )
    return lecturer


@transaction.atomic
def lecturer_update(
    *, actor: Any, lecturer: Lecturer, data: dict[str, Any], version: int | None = None
) -> Lecturer:
    _check_fields(data, LECTURER_FIELDS)
    assert_visible(Lecturer, actor, lecturer.pk, "change")
    claim_version(lecturer, version)
    lecturer = Lecturer.objects.select_for_update().get(pk=lecturer.pk)
    _apply_lecturer(lecturer, data)
    lecturer.updated_by = actor
    _save(lecturer)
    return lecturer


@transaction.atomic
def lecturer_set_status(*, actor: Any, lecturer: Lecturer, status: str) -> Lecturer:
    return _set_status(actor, lecturer, status, "师资", lecturer.display_name)  # type: ignore[no-any-return]


@transaction.atomic
def appointment_add(*, actor: Any, lecturer: Lecturer, data: dict[str, Any]) -> Appointment:
    """Record an appointment letter (聘书) of the lecturer's academy."""
    _check_fields(data, APPOINTMENT_FIELDS)
    assert_visible(Lecturer, actor, lecturer.pk, "change")
    letter_no = _text("letter_no", data.get("letter_no"), "聘书编号", 50, required=True)
    if Appointment.objects.filter(academy_id=lecturer.academy_id, letter_no=letter_no).exists():
        raise BusinessError("聘书编号：本学院已有相同编号的聘书", field="letter_no")
    start, end = data.get("valid_from"), data.get("valid_to")
    if start and end and end < start:
        raise BusinessError("聘期止：不能早于聘期起", field="valid_to")
    appointment = Appointment(
        lecturer=lecturer,
        academy_id=lecturer.academy_id,
        letter_no=letter_no,
        valid_from=cast(Any, start),
        valid_to=cast(Any, end),
        role=_text("role", data.get("role"), "聘任职务", 50),
        created_by=actor,
        updated_by=actor,
    )
    _save(appointment)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"为“{lecturer.display_name}”登记聘书 {letter_no}",
        target=lecturer,
    )
    return appointment


@transaction.atomic
def appointment_delete(*, actor: Any, appointment: Appointment) -> None:
    assert_visible(Lecturer, actor, appointment.lecturer_id, "change")
    appointment.delete()


# ------------------------------------------------------------------------------------------------
# Courses
# ------------------------------------------------------------------------------------------------


def _decimal(field: str, label: str, value: Any, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise BusinessError(f"{label}：不能为空", field=field)
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BusinessError(f"{label}：请填写数字", field=field) from exc
    if not number.is_finite():
        raise BusinessError(f"{label}：请填写数字", field=field)
    return number


def _apply_course(course: Course, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field == "code":
            value = _text(field, value, "课程编号", 30, required=True).upper()
        elif field == "title":
            value = _text(field, value, "课程名称", 100, required=True)
        elif field == "field":
            value = _term("course_field", field, "课程领域", value, required=True)
        elif field == "occupation":
            value = _term("occupation", field, "面向职业（工种）", value)
        elif field == "skill_level":
            value = _term("skill_level", field, "面向技能等级", value)
        elif field == "industries":
            value = clean_code_list("industry", "适用行业", field, value)
        elif field == "hours":
            value = _decimal(field, "学时", value, required=True)
            if course.hours_locked and value != course.hours:
                raise BusinessError(
                    f"学时：课程已发布，学时（{course.hours}）不能修改；如需调整请另建课程",
                    field="hours",
                )
        elif field == "price":
            value = _decimal(field, "收费标准", value, required=False)
        elif field == "is_free":
            value = bool(value)
        elif field in ("description", "assessment"):
            value = _text(field, value, _label(Course, field), TEXT_MAX)
        elif field in ("prerequisites", "certificate_template"):
            value = _text(field, value, _label(Course, field), 200)
        setattr(course, field, value)
    if course.is_free:
        course.price = None
    elif course.price is None:
        raise BusinessError("收费标准：收费课程须填写收费标准", field="price")


def _snapshot(course: Course, actor: Any, reason: str) -> CourseVersion:
    course.edition += 1
    course.save(update_fields=["edition"])
    data: dict[str, Any] = {}
    for field in SNAPSHOT_FIELDS:
        value = getattr(course, field)
        data[field] = str(value) if isinstance(value, Decimal) else value
    data["lecturers"] = [
        {"id": lec.pk, "name": lec.display_name}
        for lec in course.lecturers.select_related("craftsman").order_by("pk")
    ]
    return CourseVersion.objects.create(
        course=course, number=course.edition, snapshot=data, reason=reason, created_by=actor
    )


def _check_lecturers(actor: Any, academy: Academy, lecturers: Iterable[Lecturer]) -> list[Lecturer]:
    """The academy's own lecturers the actor may see, or shared ones of the same alliance."""
    from .selectors import shared_lecturers_for

    chosen = list(lecturers)
    if not chosen:
        return []
    own = set(
        Lecturer.objects.visible_to(actor, "view")
        .filter(pk__in=[lec.pk for lec in chosen])
        .values_list("pk", flat=True)
        if actor is not None
        else [lec.pk for lec in chosen]
    )
    shared = set(shared_lecturers_for(academy).values_list("pk", flat=True))
    for lec in chosen:
        if lec.pk not in own and lec.pk not in shared:
            raise BusinessError(
                "授课师资：只能选择本学院可见的师资或本联盟共享的师资", field="lecturers"
            )
        if lec.status != Status.ACTIVE:
            raise BusinessError(f"授课师资：“{lec.display_name}”已停用", field="lecturers")
    return chosen


@transaction.atomic
def course_create(
    *,
    actor: Any,
    academy: Academy,
    data: dict[str, Any],
    lecturers: Iterable[Lecturer] = (),
    source_item: ServiceItem | None = None,
) -> Course:
    """A draft course of ``academy``'s menu."""
    _check_fields(data, COURSE_FIELDS)
    _visible(Academy, actor, academy, "change", "academy", "开课学院")
    course = Course(
        org_id=academy.org_id,
        academy=academy,
        source_item=source_item,
        created_by=actor,
        updated_by=actor,
    )
    _apply_course(course, data)
    if Course.objects.filter(academy=academy, code=course.code).exists():
        raise BusinessError(f"课程编号：本学院已有编号为“{course.code}”的课程", field="code")
    chosen = _check_lecturers(actor, academy, lecturers)
    _save(course)
    course.lecturers.set(chosen)
    _after_create(Course, actor, course)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"“{academy.name}”新建课程“{course}”",
        target=course,
    )
    return course


@transaction.atomic
def course_update(
    *,
    actor: Any,
    course: Course,
    data: dict[str, Any],
    lecturers: Iterable[Lecturer] | None = None,
    version: int | None = None,
) -> Course:
    """Change a course; 学时 stay as published; a published course gets a new edition."""
    _check_fields(data, COURSE_FIELDS)
    assert_visible(Course, actor, course.pk, "change")
    claim_version(course, version)
    course = Course.objects.select_for_update().select_related("academy").get(pk=course.pk)
    _apply_course(course, data)
    if (
        Course.objects.filter(academy=course.academy, code=course.code)
        .exclude(pk=course.pk)
        .exists()
    ):
        raise BusinessError(f"课程编号：本学院已有编号为“{course.code}”的课程", field="code")
    course.updated_by = actor
    _save(course)
    if lecturers is not None:
        course.lecturers.set(_check_lecturers(actor, course.academy, lecturers))
    if course.status == CourseStatus.PUBLISHED:
        _snapshot(course, actor, "修改已发布课程")
    return course


def _needs_publish_permission(actor: Any) -> None:
    if actor is not None and not actor.has_perm(PUBLISH_PERMISSION):
        raise BusinessError("您没有发布或下架课程的权限", field="status")


@transaction.atomic
def course_publish(*, actor: Any, course: Course) -> Course:
    """草稿/已下架 → 已发布: on the public menu from now on; 学时 locked; a new edition."""
    _needs_publish_permission(actor)
    assert_visible(Course, actor, course.pk, "change")
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status == CourseStatus.PUBLISHED:
        raise BusinessError("课程已发布", field="status")
    academy = Academy.objects.get(pk=course.academy_id)
    if academy.status != Status.ACTIVE:
        raise BusinessError("开课学院已停用，课程不能发布", field="academy")
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or timezone.now()
    course.updated_by = actor
    course.version += 1
    course.save()
    _snapshot(course, actor, "发布")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"发布课程“{course}”（第 {course.edition} 版）",
        target=course,
    )
    return course


@transaction.atomic
def course_withdraw(*, actor: Any, course: Course) -> Course:
    """已发布 → 已下架: off the public menu; the published editions are kept."""
    _needs_publish_permission(actor)
    assert_visible(Course, actor, course.pk, "change")
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.PUBLISHED:
        raise BusinessError("只有已发布的课程可以下架", field="status")
    course.status = CourseStatus.WITHDRAWN
    course.updated_by = actor
    course.version += 1
    course.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"下架课程“{course}”",
        target=course,
    )
    return course


def next_course_code(academy: Academy, prefix: str = "KC") -> str:
    """The next free code ``KC001``, ``KC002`` … of the academy."""
    taken = set(Course.objects.filter(academy=academy).values_list("code", flat=True))
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


@transaction.atomic
def course_from_item(
    *, actor: Any, academy: Academy, item: ServiceItem, data: dict[str, Any] | None = None
) -> Course:
    """Promote a craftsman's 技能培训 service item to a draft course of ``academy`` (no retyping):
    title, description and industries come from the item; the craftsman becomes (or already is)
    a lecturer of the academy and teaches the course. ``data`` may add or override course fields
    (e.g. ``field``, ``hours``)."""
    craftsman = Craftsman.objects.get(pk=item.craftsman_id)
    if actor is not None:
        _visible(Craftsman, actor, craftsman, "view", "item", "服务项目")
    if item.service_type != SKILL_TRAINING:
        label = term_label("service_type", item.service_type, item.service_type)
        raise BusinessError(
            f"服务项目：只有“技能培训”类项目可以转为课程（该项目为“{label}”）", field="item"
        )
    if Course.objects.filter(academy=academy, source_item=item).exists():
        raise BusinessError("服务项目：该项目已转为本学院的课程", field="item")
    lecturer = Lecturer.objects.filter(academy=academy, craftsman=craftsman).first()
    if lecturer is None:
        lecturer = lecturer_create(actor=actor, academy=academy, data={}, craftsman=craftsman)
    fields = {
        "code": next_course_code(academy),
        "title": item.title,
        "description": item.description,
        "industries": list(item.industries),
        "hours": Decimal("4"),
        "format": "face_to_face",
        **(data or {}),
    }
    if not fields.get("field"):
        raise BusinessError("课程领域：不能为空", field="field")
    return course_create(
        actor=actor, academy=academy, data=fields, lecturers=[lecturer], source_item=item
    )
