"""Spreadsheet import of yearly targets (``dashboards.target``), through the split services.

One row is one unit's target: 单位 (name, short name or 统一社会信用代码 as the other importers
resolve units, within the importer's scope, or the 行政区划代码 of a local union), 年度, 指标 (label
or code of a registered indicator, or of a custom one the importer may see), 目标值, 说明 (kept as the target's note and the revision's
comment), and optionally 专项行动. Rows are checked one by one (the unit must be one the importer
may set: strictly below his own unit, or his own unit when it has no parent), then together: the
rows of one parent, year and indicator are one split (``services.target_split``) and must add up to
the parent's target — the parent's value from the same sheet if it is in it, else the stored one.
A split that falls short is an error on each of its rows; nothing is written in the
all-or-nothing mode. Messages never name a unit: a unit outside the scope reads as unknown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jiangqiao.core.choices import Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import values as V
from jiangqiao.core.io.engine import Existing, Group, Importer, ProgressFn, RowError
from jiangqiao.core.io.spec import Column, ImportSpec
from jiangqiao.core.operations import batched
from jiangqiao.orgs.choices import OrgLevel
from jiangqiao.orgs.models import Organization

from . import indicators, services
from .choices import Campaign, TargetSource
from .models import Target
from .targets import may_set

LOCAL_UNION_LEVELS = (OrgLevel.NATIONAL, OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY)

TARGET_COLUMNS = (
    Column(
        "org",
        "单位",
        required=True,
        max_length=100,
        aliases=("单位名称", "下级单位", "组织", "工会名称", "统一社会信用代码", "行政区划代码"),
        note="工会名称、简称、统一社会信用代码或行政区划代码（地方总工会）；须是您的下级单位",
        example="深圳市总工会",
        width=24,
    ),
    Column(
        "year",
        "年度",
        kind="int",
        required=True,
        minimum=services.YEAR_MIN,
        maximum=services.YEAR_MAX,
        aliases=("年份", "目标年度"),
        example=2026,
        width=8,
    ),
    Column(
        "indicator",
        "指标",
        kind="choice",
        required=True,
        choices=tuple(indicators.choices()),
        dropdown=True,
        aliases=("指标名称", "考核指标", "指标代码"),
        example="劳模工匠服务人次",
        width=20,
    ),
    Column(
        "value",
        "目标值",
        required=True,
        max_length=30,
        aliases=("目标", "年度目标", "目标数"),
        note="0 到 1,000,000,000 的整数",
        example="1200",
        width=12,
    ),
    Column("note", "说明", max_length=services.NOTE_MAX, aliases=("备注",), width=30),
    Column(
        "campaign",
        "专项行动",
        kind="choice",
        choices=tuple(Campaign.choices),
        dropdown=True,
        note="不填为劳模工匠助企行",
    ),
)

TARGET_SPEC = ImportSpec(
    key="dashboards.target",
    title="年度目标",
    columns=TARGET_COLUMNS,
    permission=services.SET_PERMISSION,
    notes=(
        "每行一个单位一个指标的年度目标，由上级单位为下级单位设定；本单位没有上级单位时可设定本单位。",
        "同一上级单位、年度、指标的各行合起来是一次分解：各下级目标之和不能少于上级单位的目标"
        "（上级单位的目标在本表中时以本表为准），可以多于；没填的下级单位保持原目标。",
        "已有的目标按表中的值修改，并记入目标调整记录；说明记为目标的说明和调整原因。",
    ),
)


class TargetImporter(Importer):
    spec: ClassVar[ImportSpec] = TARGET_SPEC
    model = Target
    foreign_noun = "年度目标"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._units: dict[str, Organization | str] = {}
        self._allowed: dict[int, bool] = {}
        #: hard key → the sheet row it first appeared on (a repeated key is an error).
        self._seen: dict[str, int] = {}
        #: hard key → the row's prepared data (the existing targets are compared with it).
        self._rows: dict[str, dict[str, Any]] = {}
        # The 指标 column also takes the custom indicators the importer may see (by name or
        # code; the services check that each applies to the row's unit and is not retired).
        customs = tuple((i.code, i.label) for i in indicators.available(self.user) if i.custom)
        self._labels = dict((*indicators.choices(), *customs))
        if customs:
            columns = tuple(
                replace(c, choices=(*c.choices, *customs)) if c.name == "indicator" else c
                for c in TARGET_SPEC.columns
            )
            self.spec = replace(TARGET_SPEC, columns=columns)  # type: ignore[misc]

    # -- the unit --------------------------------------------------------------------------------

    def _unit(self, raw: Any) -> Organization | str:
        """The unit of a 单位 cell, within the scope (or the message saying why not)."""
        text = V.nfkc(raw)
        if text in self._units:
            return self._units[text]
        found: Organization | str
        try:
            found = self.resolve_org(text)
        except V.CellError as exc:
            found = exc.message
            if text.isdigit() and len(text) == 6:
                local = list(
                    Organization.objects.visible_to(self.user)
                    .filter(
                        region_code=text,
                        status=Status.ACTIVE,
                        level__in=LOCAL_UNION_LEVELS,
                    )
                    .only("pk", "name", "path", "parent_id", "region_code", "level")[:2]
                )
                if len(local) == 1:
                    found = local[0]
                elif local:
                    found = f"行政区划代码“{text}”对应多个工会组织，请填写名称或统一社会信用代码"
        self._units[text] = found
        return found

    def _may_set(self, org: Organization) -> bool:
        if org.pk not in self._allowed:
            self._allowed[org.pk] = may_set(self.user, org)
        return self._allowed[org.pk]

    # -- the row ---------------------------------------------------------------------------------

    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        problems: list[tuple[str, str]] = []
        org = self._unit(values.get("org"))
        if isinstance(org, str):
            problems.append(("org", org))
        elif not self._may_set(org):
            problems.append(("org", services.NOT_BELOW))
        try:
            value = services.parse_value(values.get("value"))
        except BusinessError as exc:
            problems.append(("value", exc.message.removeprefix("目标值：")))
            value = None
        note = str(values.get("note") or "")
        if problems:
            raise RowError(problems)
        assert isinstance(org, Organization) and value is not None
        data = {
            "org_id": org.pk,
            "parent_id": org.parent_id,
            "depth": org.depth,
            "year": int(values["year"]),
            "indicator": values["indicator"],
            "campaign": values.get("campaign") or str(Campaign.ZHUQIXING),
            "value": value,
            "note": note,
        }
        key = self._key(data)
        first = self._seen.setdefault(key, self.current_row)
        if first != self.current_row:
            raise RowError("", f"与本表第{first}行是同一单位、年度和指标的目标，请只保留一行")
        self._rows[key] = data
        return data

    @staticmethod
    def _key(data: dict[str, Any]) -> str:
        return f"{data['org_id']}|{data['campaign']}|{data['year']}|{data['indicator']}"

    def hard_key(self, data: dict[str, Any]) -> str | None:
        return self._key(data)

    def find_existing(
        self, hard: set[str], soft: set[str]
    ) -> tuple[dict[str, Existing], dict[str, Existing]]:
        """The stored targets of the rows' keys. Only the values equal to the row's are given as
        the record's (so an equal row is unchanged, a different one an update that takes the
        sheet's value — a target is replaced, never merged)."""
        wanted: dict[tuple[int, str, int, str], str] = {}
        for key in hard:
            org_id, campaign, year, indicator = key.split("|")
            wanted[(int(org_id), campaign, int(year), indicator)] = key
        out: dict[str, Existing] = {}
        org_ids = {k[0] for k in wanted}
        years = {k[2] for k in wanted}
        visible = set(
            Target.objects.visible_to(self.user, "change")
            .filter(org_id__in=org_ids, year__in=years)
            .values_list("pk", flat=True)
        )
        rows = Target.objects.filter(org_id__in=org_ids, year__in=years).only(
            "pk", "org_id", "campaign", "year", "indicator", "value", "note"
        )
        for target in rows:
            found = wanted.get((target.org_id, target.campaign, target.year, target.indicator))
            if found is None:
                continue
            row = self._rows.get(found, {})
            values: dict[str, Any] = {
                name: row.get(name)
                for name in ("org_id", "parent_id", "depth", "year", "indicator", "campaign")
            }
            if row.get("value") == target.value:
                values["value"] = target.value
            if row.get("note") == target.note:
                values["note"] = target.note
            out[found] = Existing(
                pk=target.pk,
                values=values,
                label=str(target),
                visible=target.pk in visible,
                hard_key=found,
                in_scope=target.pk in visible,
            )
        return out, {}

    # -- the rows together -----------------------------------------------------------------------

    def check_together(self, groups: list[Group]) -> dict[int, str]:
        """Each parent's split (the rows below one parent, year and indicator) must reach the
        parent's target, as ``target_split`` will check when writing."""
        in_sheet = {self._key(g.merged): int(g.merged["value"]) for g in groups}
        problems: dict[int, str] = {}
        for (parent_id, campaign, year, indicator), members in self._splits(groups).items():
            parent_key = f"{parent_id}|{campaign}|{year}|{indicator}"
            parent_value = in_sheet.get(parent_key)
            if parent_value is None:
                stored = (
                    Target.objects.filter(
                        org_id=parent_id, campaign=campaign, year=year, indicator=indicator
                    )
                    .values_list("value", flat=True)
                    .first()
                )
                parent_value = int(stored) if stored is not None else None
            new = {int(g.merged["org_id"]): int(g.merged["value"]) for g in members}
            for group in members:
                problem = services.ratio_error(int(group.merged["value"]), parent_value)
                if problem:
                    problems[group.first_row] = f"【目标值】{problem.removeprefix('目标值：')}"
            kept = Target.objects.filter(
                org__parent_id=parent_id,
                org__status=Status.ACTIVE,
                campaign=campaign,
                year=year,
                indicator=indicator,
            ).exclude(org_id__in=new)
            total = sum(int(v) for v in kept.values_list("value", flat=True)) + sum(new.values())
            label = self._labels.get(indicator, indicator)
            refusal, _ = services.split_check(label, parent_value, total)
            if refusal:
                for group in members:
                    problems.setdefault(group.first_row, refusal)
        return problems

    def _splits(self, groups: list[Group]) -> dict[tuple[int, str, int, str], list[Group]]:
        out: dict[tuple[int, str, int, str], list[Group]] = defaultdict(list)
        for group in groups:
            data = group.merged
            if data.get("parent_id") is not None:
                key = (
                    int(data["parent_id"]),
                    data["campaign"],
                    int(data["year"]),
                    data["indicator"],
                )
                out[key].append(group)
        return out

    # -- writing ---------------------------------------------------------------------------------

    def _call(self, groups: list[Group], func: Any, **kwargs: Any) -> bool:
        """One service call for several rows: in the all-or-nothing mode its error names the rows
        and stops the import; in the "valid rows" mode those rows become error rows."""
        try:
            with transaction.atomic():
                func(**kwargs)
        except (BusinessError, ValidationError, PermissionDenied) as exc:
            if isinstance(exc, BusinessError):
                message = exc.message
            elif isinstance(exc, ValidationError):
                message = "；".join(exc.messages)
            else:
                message = str(exc) or services.NO_PERMISSION
            if self.mode != "valid":
                rows = "、".join(str(m.row) for g in groups for m in g.members)
                raise BusinessError(f"第{rows}行：{message}") from exc
            for group in groups:
                for member in group.members:
                    self.failed[member.row] = message
            return False
        return True

    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        groups = sorted(creates + updates, key=lambda g: (g.merged["depth"], g.first_row))
        tops = [g for g in groups if g.merged.get("parent_id") is None]
        orgs = {
            o.pk: o
            for o in Organization.objects.filter(
                pk__in={g.merged["org_id"] for g in groups}
                | {g.merged["parent_id"] for g in groups if g.merged.get("parent_id")}
            )
        }
        done, total = 0, len(groups)
        with batched():
            for group in tops:
                data = group.merged
                self._call(
                    [group],
                    services.target_set,
                    actor=self.user,
                    org=orgs[data["org_id"]],
                    campaign=data["campaign"],
                    year=data["year"],
                    indicator=data["indicator"],
                    value=data["value"],
                    comment=data.get("note") or "",
                    note=data.get("note") or None,
                    source=TargetSource.IMPORT,
                )
                done += 1
            splits = self._splits(groups)
            # Upper units first: a county's split is checked against its city's new target.
            for key in sorted(splits, key=lambda k: (orgs[k[0]].depth, k)):
                members = splits[key]
                parent_id, campaign, year, indicator = key
                # A blank 说明 keeps the target's note.
                notes = {
                    int(g.merged["org_id"]): str(g.merged["note"])
                    for g in members
                    if g.merged.get("note")
                }
                self._call(
                    members,
                    services.target_split,
                    actor=self.user,
                    parent=orgs[parent_id],
                    campaign=campaign,
                    year=year,
                    indicator=indicator,
                    values={int(g.merged["org_id"]): g.merged["value"] for g in members},
                    comment="；".join(sorted({n for n in notes.values() if n}))[
                        : services.NOTE_MAX
                    ],
                    notes=notes,
                    source=TargetSource.IMPORT,
                )
                done += len(members)
                if done % 100 < len(members):
                    progress(done, total, f"正在写入：{done}/{total}")
        self._link(creates)

    def _link(self, creates: list[Group]) -> None:
        """The primary keys of the targets the new rows created."""
        failed = set(self.failed)
        for group in creates:
            if any(m.row in failed for m in group.members):
                continue
            data = group.merged
            group.pk = (
                Target.objects.filter(
                    org_id=data["org_id"],
                    campaign=data["campaign"],
                    year=data["year"],
                    indicator=data["indicator"],
                )
                .values_list("pk", flat=True)
                .first()
            )
