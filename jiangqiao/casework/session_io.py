"""服务记录 imported from a sheet (units keep their sessions in Excel): spec and importer.

One row is one session: the demand by its number, the craftsman by name or by his archive number
(劳模工匠编号), the date, mode, durations, people and problems. The demand is looked up only among
the demands the importer may see; a number registered in another unit is answered with
``core.probes.elsewhere`` and nothing else (no name, no unit). The craftsman is looked up only
among the craftsmen who accepted the demand's offers, so the sheet can never reach anyone else.
Every session is written through ``casework.sessions.session_create`` (the same rules as on the
page). Re-importing the same sheet changes nothing: a row matches an existing session of the same
service with the same date, mode and duration.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import Q

from jiangqiao.core.io.engine import (
    Existing,
    Group,
    Importer,
    ProgressFn,
    RowError,
    chunks,
)
from jiangqiao.core.io.spec import Column, ImportSpec
from jiangqiao.core.pickers import key_from_text
from jiangqiao.core.probes import elsewhere
from jiangqiao.demands.models import Demand

from . import sessions
from .choices import SessionMode
from .models import Offer
from .session_models import MINUTES_MAX, PEOPLE_MAX, PROBLEMS_MAX, ServiceRecord

SESSION_COLUMNS = (
    Column("date", "服务日期", kind="date", required=True, aliases=("日期",), example="2025-10-14"),
    Column(
        "demand_number",
        "需求编号",
        required=True,
        max_length=40,
        aliases=("需求号",),
        example="GD-440305-2025-000123",
        width=24,
    ),
    Column(
        "craftsman",
        "劳模工匠",
        required=True,
        max_length=50,
        aliases=("工匠", "工匠姓名", "劳模工匠编号", "工匠编号"),
        example="张主轴",
        note="姓名或劳模工匠编号；须是已接受该需求服务邀请的劳模工匠",
    ),
    Column(
        "mode",
        "服务方式",
        kind="choice",
        required=True,
        choices=tuple(SessionMode.choices),
        example="现场",
        dropdown=True,
    ),
    Column(
        "duration_min", "服务时长（分钟）", kind="int", minimum=0, maximum=MINUTES_MAX, example=180
    ),
    Column("prep_min", "准备时长（分钟）", kind="int", minimum=0, maximum=MINUTES_MAX, example=30),
    Column(
        "travel_min", "路途时长（分钟）", kind="int", minimum=0, maximum=MINUTES_MAX, example=40
    ),
    Column("attendees", "企业参与人数", kind="int", minimum=0, maximum=PEOPLE_MAX, example=6),
    Column(
        "trainees",
        "培训人数",
        kind="int",
        minimum=0,
        maximum=PEOPLE_MAX,
        aliases=("培训职工人数",),
        example=4,
    ),
    Column(
        "problems_solved",
        "解决问题数",
        kind="int",
        minimum=0,
        maximum=PROBLEMS_MAX,
        aliases=("解决问题个数",),
        example=1,
    ),
    Column(
        "economic_benefit",
        "经济效益（万元）",
        kind="decimal",
        minimum=0,
        aliases=("产生或节约经济效益（万元）",),
        example="12.5",
    ),
    Column("notes", "服务纪要", kind="longtext", max_length=5000, example="现场更换主轴轴承"),
)

SESSION_SPEC = ImportSpec(
    key="casework.servicerecord",
    title="服务记录",
    columns=SESSION_COLUMNS,
    notes=(
        "每行一次服务。需求编号须是本单位可见的需求；劳模工匠须已接受该需求的服务邀请。",
        "同一服务同一天、同一方式、同一时长的记录视为同一条，重复导入不会重复登记。",
    ),
)

DATA_FIELDS = (
    "date",
    "mode",
    "duration_min",
    "prep_min",
    "travel_min",
    "attendees",
    "trainees",
    "problems_solved",
    "economic_benefit",
    "notes",
)


class ServiceRecordImporter(Importer):
    spec: ClassVar[ImportSpec] = SESSION_SPEC
    model = ServiceRecord
    merge_fields = DATA_FIELDS
    foreign_noun = "需求"
    foreign_labels = ("需求编号", "服务日期")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._demands: dict[str, Demand | None] = {}
        self._offers: dict[int, Offer] = {}

    def _demand(self, number: str) -> Demand | None:
        if number not in self._demands:
            self._demands[number] = (
                Demand.objects.visible_to(self.user, "view").filter(number=number).first()
            )
        return self._demands[number]

    def _offer(self, demand: Demand, who: str) -> Offer | None:
        """The accepted (or completed) offer of ``demand`` answered by the craftsman ``who``
        (name or archive number) — looked up among that demand's offers only."""
        rows = Offer.objects.filter(
            demand=demand, status__in=sessions.SERVING_STATUSES, craftsman__isnull=False
        ).select_related("craftsman")
        query = Q(craftsman__name=who)
        key = key_from_text(who)
        if key is not None:
            query |= Q(craftsman_id=key)
        return rows.filter(query).order_by("-pk").first()

    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        data = dict(values)
        number = str(data.pop("demand_number") or "").strip().upper()
        who = str(data.pop("craftsman") or "").strip()
        demand = self._demand(number)
        if demand is None:
            if Demand.objects.filter(number=number).exists():
                raise RowError([("demand_number", elsewhere("需求"))])
            raise RowError([("demand_number", f"需求编号“{number}”不存在")])
        offer = self._offer(demand, who)
        if offer is None:
            raise RowError(
                [("craftsman", f"“{who}”没有已接受的该需求服务邀请（请先在系统中接受邀请）")]
            )
        if not sessions.may_log(self.user, offer):
            raise RowError([("demand_number", "您没有为该需求登记服务记录的权限")])
        day = data.get("date")
        if day is not None:
            try:
                sessions.check_service_date(day, earliest=sessions.service_date_earliest(demand.pk))
            except ValidationError as exc:
                raise RowError([("date", exc.messages[0])]) from exc
        self._offers[offer.pk] = offer
        data["offer_id"] = offer.pk
        return data

    def hard_key(self, data: dict[str, Any]) -> str | None:
        return None

    def soft_key(self, data: dict[str, Any]) -> str | None:
        return "|".join(
            str(x)
            for x in (data["offer_id"], data["date"], data["mode"], data.get("duration_min") or "")
        )

    def find_existing(
        self, hard: set[str], soft: set[str]
    ) -> tuple[dict[str, Existing], dict[str, Existing]]:
        offer_ids = {int(k.split("|", 1)[0]) for k in soft}
        by_soft: dict[str, Existing] = {}
        visible = ServiceRecord.objects.visible_to(self.user, "change")
        for chunk in chunks(sorted(offer_ids)):
            for r in ServiceRecord.objects.filter(offer_id__in=chunk).select_related("demand"):
                key = f"{r.offer_id}|{r.date}|{r.mode}|{r.duration_min or ''}"
                if key in soft and key not in by_soft:
                    by_soft[key] = Existing(
                        pk=r.pk,
                        values={f: getattr(r, f) for f in DATA_FIELDS},
                        label=str(r),
                        visible=visible.filter(pk=r.pk).exists(),
                        in_scope=True,  # a session of a demand the importer sees
                    )
        return {}, by_soft

    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        total, done = len(creates) + len(updates), 0
        for group in creates:
            data = {k: v for k, v in group.merged.items() if k in DATA_FIELDS}
            record = self.row_call(
                group,
                sessions.session_create,
                actor=self.user,
                offer=self._offers[group.merged["offer_id"]],
                data=data,
            )
            if record is not None:
                group.pk = record.pk
            done += 1
            if done % 200 == 0:
                progress(done, total, f"正在写入：{done}/{total}")
        for group in updates:
            assert group.existing is not None
            changes = {k: v for k, v in group.changes.items() if k in DATA_FIELDS}
            if changes:
                self.row_call(
                    group,
                    sessions.session_update,
                    actor=self.user,
                    record=ServiceRecord.objects.get(pk=group.existing.pk),
                    data=changes,
                )
            done += 1


__all__ = ["SESSION_SPEC", "ServiceRecordImporter"]
