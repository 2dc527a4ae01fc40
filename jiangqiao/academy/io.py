"""Spreadsheet import of academies (工匠学院名录), through the services one row at a time.

A row is an academy node; it is identified by its unit and name, so re-importing a list changes
nothing. ``上级学院`` names an academy the importer may see (or one written by an earlier row of
the same sheet: put the HQ above its branches). The host USCC is checked like every USCC.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io.engine import Existing, Group, Importer, ProgressFn, RowError, chunks
from jiangqiao.core.io.spec import Column, ImportSpec
from jiangqiao.core.operations import batched
from jiangqiao.text import normalize

from . import services
from .choices import AcademyLevel, AcademyType
from .models import Academy

ACADEMY_COLUMNS = (
    Column(
        "name",
        "学院名称",
        required=True,
        max_length=100,
        aliases=("名称", "工匠学院", "学院"),
        example="深圳市工匠学院",
        width=26,
    ),
    Column(
        "level",
        "级别",
        kind="choice",
        required=True,
        choices=tuple(AcademyLevel.choices),
        dropdown=True,
        example="市级",
    ),
    Column(
        "academy_type",
        "类型",
        kind="choice",
        required=True,
        choices=tuple(AcademyType.choices),
        dropdown=True,
        example="总部",
    ),
    Column("parent", "上级学院", max_length=100, note="填写上级学院名称；总部可不填", width=24),
    Column("org", "所属工会", kind="org", note="主办学院的工会；不填则为您所在的工会"),
    Column("host_name", "依托单位", max_length=100, example="深圳技师学院", width=24),
    Column(
        "host_uscc",
        "依托单位统一社会信用代码",
        kind="identifier",
        aliases=("统一社会信用代码", "信用代码"),
        width=22,
    ),
    Column("region_code", "所在地区", kind="code", scheme="region", example="深圳市南山区"),
    Column("address", "地址", max_length=200, width=30),
    Column(
        "industries",
        "面向行业",
        kind="codes",
        scheme="industry",
        limit=20,
        example="C34 通用设备制造业",
        width=24,
    ),
    Column("facilities", "场地与设施", kind="longtext", max_length=2000, width=30),
    Column("is_provincial", "省级工匠学院", kind="bool"),
    Column("is_national_key", "全总重点支持", kind="bool"),
    Column("is_annual_key", "年度重点支持", kind="bool"),
    Column("founded_on", "成立日期", kind="date"),
    Column(
        "subsidy_amount",
        "补助金额（元）",
        kind="decimal",
        note="填写时须同时填写补助年度和资金来源；重复导入不会重复登记",
    ),
    Column("subsidy_year", "补助年度", kind="int", minimum=2000, maximum=2100),
    Column("subsidy_source", "补助资金来源", max_length=100),
)

ACADEMY_SPEC = ImportSpec(
    key="academy.academy",
    title="工匠学院",
    columns=ACADEMY_COLUMNS,
    permission="academy.import_academy",
    notes=(
        "学院以“所属工会 + 学院名称”识别：已登记的学院会被更新，不会重复登记。",
        "上级学院填写名称，须是您数据范围内已登记的学院，或本表中排在前面的行。",
    ),
)
DATA_FIELDS = tuple(f for f in services.ACADEMY_FIELDS if f != "parent")


class AcademyImporter(Importer):
    spec: ClassVar[ImportSpec] = ACADEMY_SPEC
    model = Academy
    merge_fields = (*DATA_FIELDS, "parent", "org_id")
    foreign_noun = "学院"
    foreign_labels = ("学院名称", "")

    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        data = dict(values)
        problems: list[tuple[str, str]] = []
        if data.get("host_uscc"):
            try:
                data["host_uscc"] = services._uscc("host_uscc", data["host_uscc"])
            except BusinessError as exc:
                problems.append(("host_uscc", exc.message))
        subsidy = [data.get(k) for k in ("subsidy_amount", "subsidy_year", "subsidy_source")]
        if any(v not in (None, "") for v in subsidy) and not all(
            v not in (None, "") for v in subsidy
        ):
            problems.append(("subsidy_amount", "补助金额、补助年度和资金来源须同时填写"))
        org = data.pop("org", None)
        if problems:
            raise RowError(problems)
        data["name"] = normalize(data.get("name") or "")
        data["parent"] = normalize(data.get("parent") or "")
        data["org_id"] = org.pk if org is not None else self.default_org().pk
        return data

    def hard_key(self, data: dict[str, Any]) -> str | None:
        return f"{data['org_id']}|{data['name']}" if data.get("name") else None

    def find_existing(
        self, hard: set[str], soft: set[str]
    ) -> tuple[dict[str, Existing], dict[str, Existing]]:
        names = sorted({key.split("|", 1)[1] for key in hard})
        visible: set[int] = set()
        out: dict[str, Existing] = {}
        found: list[Academy] = []
        for chunk in chunks(names):
            found.extend(Academy.objects.filter(name__in=chunk).select_related("org", "parent"))
        for chunk in chunks(sorted(a.pk for a in found)):
            visible.update(
                Academy.objects.visible_to(self.user, "change")
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        for academy in found:
            key = f"{academy.org_id}|{academy.name}"
            if key not in hard:
                continue
            values = {f: getattr(academy, f) for f in DATA_FIELDS}
            values["parent"] = academy.parent.name if academy.parent else ""
            values["org_id"] = academy.org_id
            out[key] = Existing(
                pk=academy.pk,
                values=values,
                label=academy.name,
                visible=academy.pk in visible,
                hard_key=key,
                owner=academy.org.name,
                in_scope=academy.pk in visible,
            )
        return out, {}

    def _parent(self, name: str) -> Academy | None:
        if not name:
            return None
        parent = (
            Academy.objects.visible_to(self.user, "view").filter(name=name).order_by("pk").first()
        )
        if parent is None:
            raise BusinessError(f"上级学院：未找到“{name}”（须在您的数据范围内）", field="parent")
        return parent

    def _write_one(self, grp: Group, org: Any, data: dict[str, Any], pk: Any) -> Any:
        fields = {k: v for k, v in data.items() if k in DATA_FIELDS and v is not None}
        if "parent" in data:
            fields["parent"] = self._parent(data["parent"])
        if pk is None:
            academy = services.academy_create(actor=self.user, org=org, data=fields)
        else:
            academy = services.academy_update(
                actor=self.user, academy=Academy.objects.get(pk=pk), data=fields
            )
        amount = grp.merged.get("subsidy_amount")
        if amount not in (None, ""):
            year, source = grp.merged["subsidy_year"], grp.merged["subsidy_source"]
            if not academy.subsidies.filter(year=year, source=normalize(source)).exists():
                services.subsidy_add(
                    actor=self.user,
                    academy=academy,
                    data={"year": year, "amount": Decimal(str(amount)), "source": source},
                )
        return academy

    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        from jiangqiao.orgs.models import Organization

        total, done = len(creates) + len(updates), 0
        orgs = {o.pk: o for o in Organization.objects.filter(pk__in=self.org_ids())}
        with batched():
            for group in sorted(creates + updates, key=lambda g: g.first_row):
                if group.existing is None:
                    org = orgs.get(group.merged.get("org_id") or 0) or self.default_org()
                    academy = self.row_call(
                        group, self._write_one, grp=group, org=org, data=group.merged, pk=None
                    )
                    if academy is not None:
                        group.pk = academy.pk
                else:
                    self.row_call(
                        group,
                        self._write_one,
                        grp=group,
                        org=None,
                        data=group.changes,
                        pk=group.existing.pk,
                    )
                done += 1
                if done % 100 == 0:
                    progress(done, total, f"正在写入：{done}/{total}")
