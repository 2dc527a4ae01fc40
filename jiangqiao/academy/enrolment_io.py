"""Spreadsheet import of trainees into classes (学员名单导入, ``academy.enrolment``).

One row is one worker to enrol: 班次编号 (or the class the import was opened from, on its class
page), 姓名, 身份证号, 手机号, 工作单位, 统一社会信用代码. Every row is checked first (ID number
GB 11643, mobile, USCC GB 32100, the class in the importer's scope and open for enrolment, the
same ID number twice in the sheet, a worker already in the class) and then written through
``classes.enrol`` — the same service as the 登记学员 page: the trainee is found by the blind index
of the ID number (one record per unit), a seat while seats are free, the waitlist (候补) after.

ID numbers and mobiles never appear in clear in a message: the identifier checks answer with a
fixed text per kind of fault (not the digits, the birth date or the expected check digit), and a
class outside the importer's scope is answered with ``core.probes.elsewhere`` only (no title).
The error workbook holds the importer's own rows as uploaded (encrypted at rest, as for every
import), so they can be corrected.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from jiangqiao.core.crypto import blind_index
from jiangqiao.core.identifiers import (
    IdentifierError,
    clean_uscc,
    normalize_id_number,
    normalize_mobile,
)
from jiangqiao.core.io.engine import Group, Importer, ProgressFn, RowError
from jiangqiao.core.io.spec import Column, ImportSpec
from jiangqiao.core.pickers import key_from_text
from jiangqiao.core.probes import elsewhere
from jiangqiao.core.validators import validate_uscc
from jiangqiao.text import normalize

from . import classes
from .choices import EnrolmentSource, EnrolmentStatus
from .models import Enrolment, Trainee, TrainingClass

#: Where the class chosen on its class page is kept on the import batch (``ImportBatch.decisions``
#: holds the merge choices under group keys ``h:…``/``s:…``/``r:…``; this key is none of them).
CONTEXT_KEY = "_class"

ENROLMENT_COLUMNS = (
    Column(
        "class_code",
        "班次编号",
        max_length=30,
        aliases=("班次", "班级编号"),
        note="从班次页面的“批量导入学员”导入时可不填；填写时须与该班次一致",
        example="BC2026-001",
        width=14,
    ),
    Column("name", "姓名", required=True, max_length=50, aliases=("学员姓名",), example="张三"),
    Column(
        "id_number",
        "身份证号",
        kind="identifier",
        required=True,
        sensitive=True,
        example="11010519491231002X",
        width=22,
    ),
    Column("mobile", "手机号", kind="identifier", sensitive=True, example="13912345678", width=14),
    Column(
        "employer_name",
        "工作单位",
        max_length=100,
        aliases=("单位", "单位名称", "所在单位"),
        example="深圳市精工机械有限公司",
        width=26,
    ),
    Column(
        "employer_uscc",
        "统一社会信用代码",
        kind="identifier",
        aliases=("单位统一社会信用代码", "工作单位统一社会信用代码"),
        width=22,
    ),
)

ENROLMENT_SPEC = ImportSpec(
    key="academy.enrolment",
    title="学员",
    columns=ENROLMENT_COLUMNS,
    permission="academy.import_enrolment",
    notes=(
        "每行一名学员。学员按身份证号识别：本单位已登记的学员直接报名，不会重复登记。",
        "班次满员后的学员进入候补名单，有人退出时按报名先后递补。",
        "同一身份证号在表中出现两次、或已在该班次名单中的，该行报错，不会重复报名。",
    ),
)

WORKER_COLUMNS = ("name", "id_number", "mobile", "employer_name", "employer_uscc")

#: What a bad ID number or mobile is answered with, per kind of fault: never the digits.
ID_MESSAGES = {
    "id_number_length": None,  # "应为18位，实际为N位" names no digit: kept as is
    "id_number_legacy": None,
    "id_number_required": None,
    "id_number_region": "前2位省级行政区划代码不存在",
    "id_number_birth_date": "第7至14位出生日期不是有效日期",
    "id_number_check": "校验位不正确（GB 11643），请核对号码",
}
MOBILE_MESSAGES = {
    "mobile_length": None,
    "mobile_prefix": "不是有效的手机号码（应以 13 至 19 开头）",
}


def _safe(exc: IdentifierError, known: dict[str, str | None], fallback: str) -> str:
    code = getattr(exc, "code", "")
    if code in known:
        return known[code] or exc.message
    return fallback


def class_context(batch: Any) -> int | None:
    """The class an import was opened for (on its class page), or ``None``."""
    if batch is None:
        return None
    raw = str(((batch.decisions or {}).get(CONTEXT_KEY) or {}).get("pk") or "")
    return key_from_text(raw)


class EnrolmentImporter(Importer):
    spec: ClassVar[ImportSpec] = ENROLMENT_SPEC
    model = Enrolment
    masked_fields = ("id_number", "mobile")
    foreign_noun = "班次"

    @classmethod
    def came_from(cls, batch: Any, user: Any) -> dict[str, str] | None:
        """An import opened on a class page leads back to that class (if the user may change it)."""
        from django.urls import reverse

        pk = class_context(batch)
        tc = TrainingClass.objects.visible_to(user, "change").filter(pk=pk).first() if pk else None
        if tc is None:
            return None
        return {
            "url": tc.get_absolute_url(),
            "label": tc.title,
            "upload": reverse("academy:class_import", args=[tc.pk]),
        }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._classes: dict[str, TrainingClass | str] = {}
        self._by_pk: dict[int, TrainingClass] = {}
        self._in_class: dict[int, dict[str, str]] = {}
        #: (class, blind index of the ID number) → the sheet row it first appeared on.
        self._seen: dict[tuple[int, str], int] = {}
        self._context = class_context(self.batch)

    # -- the class -------------------------------------------------------------------------------

    def _lookup(self, key: str, query: dict[str, Any]) -> TrainingClass | str:
        """The class the user may enrol into, or the message saying why not (no other unit's
        title, academy or unit in it)."""
        if key in self._classes:
            return self._classes[key]
        found: TrainingClass | str
        mine = list(
            TrainingClass.objects.visible_to(self.user, "change")
            .filter(**query)
            .select_related("org")[:2]
        )
        if len(mine) > 1:
            found = "对应您数据范围内的多个班次（不同学院编号相同），请从该班次页面导入"
        elif mine:
            found = self._by_pk[mine[0].pk] = mine[0]
        elif TrainingClass.objects.visible_to(self.user, "view").filter(**query).exists():
            found = "您没有为该班次登记学员的权限"
        elif TrainingClass.objects.filter(**query).exists():
            found = elsewhere("班次")
        else:
            found = "班次不存在，请核对班次编号" if "code" in query else "所选班次不存在"
        self._classes[key] = found
        return found

    def _class(self, code: str) -> TrainingClass | str:
        if self._context is not None:
            chosen = self._lookup(f"pk:{self._context}", {"pk": self._context})
            if isinstance(chosen, TrainingClass) and code and code != chosen.code:
                return f"“{code[:30]}”与所选班次的编号（{chosen.code}）不一致"
            return chosen
        if not code:
            return "不能为空（或在班次页面点“批量导入学员”，导入到该班次）"
        return self._lookup(f"code:{code}", {"code": code})

    def _enrolled(self, tc: TrainingClass) -> dict[str, str]:
        """Blind index → status label of the class's trainees who are in it (not withdrawn)."""
        if tc.pk not in self._in_class:
            rows = (
                Enrolment.objects.filter(training_class=tc)
                .exclude(status=EnrolmentStatus.WITHDRAWN)
                .values_list("trainee__id_number_index", "status")
            )
            self._in_class[tc.pk] = {i: EnrolmentStatus(s).label for i, s in rows}
        return self._in_class[tc.pk]

    # -- the row ---------------------------------------------------------------------------------

    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        problems: list[tuple[str, str]] = []
        code = normalize(str(values.get("class_code") or "")).upper()
        tc = self._class(code)
        if isinstance(tc, str):
            problems.append(("class_code", tc))
            tc_obj: TrainingClass | None = None
        else:
            tc_obj = tc
            if tc.status not in classes.ENROLLING:
                problems.append(("class_code", f"班次{tc.get_status_display()}，不能再导入学员"))
        data: dict[str, Any] = {k: values.get(k) or "" for k in WORKER_COLUMNS}
        data["name"] = normalize(str(data["name"]))
        if len(data["name"]) > 50:
            problems.append(("name", "最多 50 个字"))
        index = ""
        try:
            data["id_number"] = normalize_id_number(str(data["id_number"]))
        except IdentifierError as exc:
            problems.append(
                ("id_number", _safe(exc, ID_MESSAGES, "不是有效的居民身份证号码（GB 11643）"))
            )
        else:
            index = blind_index(data["id_number"], purpose="id_number")
        if data["mobile"]:
            try:
                data["mobile"] = normalize_mobile(str(data["mobile"]))
            except IdentifierError as exc:
                problems.append(
                    ("mobile", _safe(exc, MOBILE_MESSAGES, "不是有效的手机号码（11位）"))
                )
        if data["employer_uscc"]:
            data["employer_uscc"] = clean_uscc(str(data["employer_uscc"]))
            try:
                validate_uscc(data["employer_uscc"])
            except ValidationError as exc:
                problems.append(("employer_uscc", exc.messages[0]))
            if not data["employer_name"]:
                problems.append(("employer_name", "填写统一社会信用代码时须填写单位名称"))
        if tc_obj is not None and index:
            problems.extend(self._repeats(tc_obj, index, data["name"]))
        if problems:
            raise RowError(problems)
        assert tc_obj is not None
        data["class_id"] = tc_obj.pk
        return data

    def _repeats(self, tc: TrainingClass, index: str, name: str) -> list[tuple[str, str]]:
        """The same ID number earlier in the sheet, already in the class, or registered in the
        class's unit under another name."""
        first = self._seen.setdefault((tc.pk, index), self.current_row)
        if first != self.current_row:
            return [("id_number", f"与本表第{first}行的身份证号重复（同一学员只能报名一次）")]
        status = self._enrolled(tc).get(index)
        if status is not None:
            return [("id_number", f"该学员已在本班次名单中（{status}）")]
        known = (
            Trainee.objects.filter(org_id=tc.org_id, id_number_index=index)
            .values_list("name", flat=True)
            .first()
        )
        if known is not None and normalize(known) != name:
            return [("name", "与本单位已登记的同一身份证号学员姓名不一致，请核对")]
        return []

    # -- writing ---------------------------------------------------------------------------------

    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        total = len(creates)
        for done, group in enumerate(sorted(creates, key=lambda g: g.first_row), start=1):
            data = group.merged
            enrolment = self.row_call(
                group,
                classes.enrol,
                actor=self.user,
                training_class=self._by_pk[data["class_id"]],
                worker={k: data.get(k) or "" for k in WORKER_COLUMNS},
                source=EnrolmentSource.IMPORT,
            )
            if enrolment is not None:
                group.pk = enrolment.pk
            if done % 100 == 0:
                progress(done, total, f"正在写入：{done}/{total}")


__all__ = ["CONTEXT_KEY", "ENROLMENT_SPEC", "EnrolmentImporter", "class_context"]
