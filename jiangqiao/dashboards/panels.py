"""What the cockpit shows, built from ``selectors.cockpit`` (and ``casework.kpi.figures`` for the
process panel): rows with their links, the charts' data (read by ``static/jiangqiao/cockpit.js``
from ``json_script`` blocks), the empty states. The views and the home panel only render these.

Every figure carries the URL of its list (``links.figure_link``); a figure with no list (the
units' own rows, the academy's size split) says so instead of linking somewhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from jiangqiao.core.home import list_link
from jiangqiao.orgs.models import Organization

from . import indicators as registry
from .choices import PACE_COLORS, Dimension, Pace
from .links import figure_link, measure
from .rollups import month_end
from .selectors import Cockpit, Standing, breakdown, ratio

#: Tabler's colours (``PACE_COLORS``) as the charts need them.
HEX = {
    "green": "#2fb344",
    "teal": "#0ca678",
    "yellow": "#f59f00",
    "red": "#d63939",
    "secondary": "#667382",
    "blue": "#206bc4",
    "azure": "#4299e1",
}
MONTHS = [f"{m}月" for m in range(1, 13)]
#: The tiers counted as 专精特新 in the share (专精特新中小企业 and 专精特新“小巨人”企业).
ZHUANJING_TIERS = ("specialized_sme", "little_giant")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def national_first() -> list[registry.Indicator]:
    return sorted(registry.REGISTRY.values(), key=lambda i: not i.national)


def link(
    ind: registry.Indicator, *, org_id: int, start: dt.date, end: dt.date, user: Any
) -> str | None:
    """The list behind a figure of ``ind``: a custom indicator's is its base indicator's list
    filtered by its breakdown key (the same rows its rollup counts)."""
    if ind.custom:
        return figure_link(
            ind.base,
            org_id=org_id,
            start=start,
            end=end,
            dimension=ind.dimension,
            key=ind.key,
            user=user,
        )
    return figure_link(ind.code, org_id=org_id, start=start, end=end, user=user)


def link_title(ind: registry.Indicator) -> str:
    return measure(ind.base or ind.code)


@dataclass
class Period:
    unit: Organization
    start: dt.date
    end: dt.date
    indicator: str

    def params(self, **extra: Any) -> dict[str, Any]:
        out = {
            "period": "custom",
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "indicator": self.indicator,
            "unit": self.unit.pk,
        }
        out.update(extra)
        return out

    def query(self, **extra: Any) -> str:
        return urlencode(self.params(**extra))


def target_url(user: Any, unit: Organization, year: int) -> str | None:
    """Where the user may set the unit's target (the targets pages), if he may."""
    if not user.has_perm("dashboards.set_target"):
        return None
    try:
        return list_link("dashboards:targets", org=unit.pk, year=year)
    except NoReverseMatch:
        return None


def report_url(user: Any, unit: Organization, start: dt.date, end: dt.date) -> str | None:
    """The upward report (上报统计表) of the same unit and period, if the user may export it."""
    if not user.has_perm("dashboards.export_report"):
        return None
    try:
        return list_link(
            "dashboards:report_export",
            unit=unit.pk,
            year=start.year,
            start=start.isoformat(),
            end=end.isoformat(),
        )
    except NoReverseMatch:
        return None


@dataclass
class StandingRow:
    indicator: registry.Indicator
    standing: Standing
    url: str | None
    title: str
    set_target_url: str | None = None

    @property
    def pace(self) -> str:
        return self.standing.pace

    @property
    def pace_label(self) -> str:
        return str(Pace(self.pace).label)

    @property
    def color(self) -> str:
        return PACE_COLORS[Pace(self.pace)]

    @property
    def completion(self) -> str:
        return pct(self.standing.completion)

    @property
    def expected(self) -> int | None:
        exp = self.standing.expected
        return None if exp is None else round(exp)

    @property
    def expected_share(self) -> str:
        return pct(ratio(self.standing.expected or 0, self.standing.target))

    @property
    def expected_kind(self) -> str:
        if self.standing.expected_seasonal is not None:
            return "季节性：按上年各月分布"
        return "线性：按天数" if self.standing.expected_linear is not None else ""

    @property
    def gap_text(self) -> str:
        gap = self.standing.gap
        if gap is None:
            return "—"
        if gap > 0:
            return f"落后 {gap}"
        if gap < 0:
            return f"超出 {-gap}"
        return "持平"


def standing_rows(cp: Cockpit, period: Period, user: Any) -> list[StandingRow]:
    set_url = target_url(user, cp.unit, cp.year)
    rows = []
    # The national indicators, the other registered ones, then the custom ones.
    for st in sorted(cp.standings, key=lambda s: (not s.indicator.national, s.indicator.custom)):
        ind = st.indicator
        rows.append(
            StandingRow(
                ind,
                st,
                link(ind, org_id=cp.unit.pk, start=cp.start, end=cp.end, user=user),
                link_title(ind),
                set_target_url=None if st.target else set_url,
            )
        )
    return rows


def gauges(rows: list[StandingRow]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        if not row.indicator.national:
            continue
        comp = row.standing.completion
        out.append(
            {
                "code": row.indicator.code,
                "name": row.indicator.label,
                "value": None if comp is None else round(comp * 100, 1),
                "expected": (
                    None
                    if row.standing.expected is None or not row.standing.target
                    else round(row.standing.expected / row.standing.target * 100, 1)
                ),
                "color": HEX[row.color],
                "url": row.url,
            }
        )
    return out


@dataclass
class UnitCell:
    actual: int
    url: str | None
    target: int | None
    completion: str
    pace_label: str
    color: str


@dataclass
class UnitLine:
    label: str
    drill_url: str | None
    cells: list[UnitCell]
    kind: str = "child"  # child / own / other


def unit_lines(cp: Cockpit, period: Period, user: Any) -> list[UnitLine]:
    """The units below, ranked by completion of the chosen indicator (who is behind first), then
    the unit's own rows (本级) and the rows of units below he may not see by name."""
    shown = ranking_indicators(cp, period)
    codes = [i.code for i in shown]
    lines = []
    for row in cp.ranked(period.indicator):
        cells = []
        for ind in shown:
            st = row.standings[ind.code]
            cells.append(
                UnitCell(
                    st.actual,
                    link(ind, org_id=row.unit.pk, start=cp.start, end=cp.end, user=user),
                    st.target,
                    pct(st.completion),
                    str(Pace(st.pace).label),
                    PACE_COLORS[Pace(st.pace)],
                )
            )
        lines.append(UnitLine(row.unit.name, "?" + period.query(unit=row.unit.pk), cells, "child"))
    total = {s.indicator.code: s.actual for s in cp.standings}
    below = {
        code: sum(r.standings[code].actual for r in cp.children) + cp.other.get(code, 0)
        for code in codes
    }
    own = {code: total.get(code, 0) - below[code] for code in codes}
    if cp.children and any(own.values()):
        lines.append(_plain("本级（直属）", own, codes, "own"))
    if any(cp.other.get(c, 0) for c in codes):
        lines.append(_plain("其他下级单位", cp.other, codes, "other"))
    return lines


def ranking_indicators(cp: Cockpit, period: Period) -> list[registry.Indicator]:
    """The ranking's columns: the national indicators, and the chosen one when it is not."""
    shown = [i for i in registry.REGISTRY.values() if i.national]
    chosen = cp.indicator(period.indicator)
    if chosen is not None and chosen not in shown:
        shown.append(chosen)
    return shown


def _plain(label: str, values: dict[str, int], codes: list[str], kind: str) -> UnitLine:
    secondary = PACE_COLORS[Pace.NO_TARGET]
    cells = [UnitCell(values.get(c, 0), None, None, "—", "", secondary) for c in codes]
    return UnitLine(label, None, cells, kind)


def trend(cp: Cockpit, period: Period, user: Any, today: dt.date) -> dict[str, Any]:
    """This year's months (bars) against last year's (line), with each month's list."""
    code = period.indicator
    indicator = cp.indicator(code) or registry.REGISTRY[code]
    this = cp.trend.get(code, [0] * 12)
    last = cp.last_year.get(code, [0] * 12)
    months = []
    for m in range(12):
        first = dt.date(cp.year, m + 1, 1)
        future = first > today
        months.append(
            {
                "label": MONTHS[m],
                "value": None if future else this[m],
                "last": last[m],
                "url": None
                if future
                else link(
                    indicator, org_id=cp.unit.pk, start=first, end=month_end(first), user=user
                ),
            }
        )
    return {
        "indicator": indicator.label,
        "unit": indicator.unit,
        "year": cp.year,
        "months": months,
        "has_last_year": any(last),
        "empty": not any(this) and not any(last),
    }


# ------------------------------------------------------------------------------------------------
# Breakdowns
# ------------------------------------------------------------------------------------------------


def _labels(dimension: str, keys: list[str]) -> dict[str, str]:
    return registry.key_labels(dimension, keys)


#: Breakdowns drawn as a pie (few slices); the others as bars.
PIE = (Dimension.KIND, Dimension.SIZE, Dimension.TIER, Dimension.SOURCE)


#: Colours of a breakdown's slices, in order (Tabler's names; the chart takes the same hex).
PALETTE = ("blue", "green", "orange", "purple", "red", "yellow", "teal", "pink", "azure", "lime")
HEX.update(
    {
        "orange": "#f76707",
        "purple": "#ae3ec9",
        "pink": "#d6336c",
        "lime": "#74b816",
    }
)


@dataclass
class Slice:
    key: str
    label: str
    value: int
    share: str
    url: str | None
    color: str = "secondary"


@dataclass
class BreakdownPanel:
    dimension: str
    title: str
    chart: str
    slices: list[Slice]
    total: int
    note: str = ""
    extra: list[tuple[str, str]] = field(default_factory=list)


def breakdowns(
    *, user: Any, unit: Organization, start: dt.date, end: dt.date, code: str
) -> list[BreakdownPanel]:
    """The breakdowns of a registered indicator (a custom one is itself one breakdown key: the
    rollups keep no breakdown of it, so it has none)."""
    indicator = registry.REGISTRY.get(code)
    if indicator is None:
        return []
    panels = []
    for dim in indicator.dimensions:
        values = breakdown(user=user, unit=unit, start=start, end=end, dimension=dim).get(code, {})
        total = sum(values.values())
        labels = _labels(dim, [k for k in values if k])
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        slices = [
            Slice(
                key,
                labels.get(key, key) if key else "未填写",
                value,
                pct(ratio(value, total)),
                figure_link(
                    code,
                    org_id=unit.pk,
                    start=start,
                    end=end,
                    dimension=dim,
                    key=key,
                    user=user,
                ),
            )
            for key, value in ordered
        ]
        for i, item in enumerate(slices):
            item.color = PALETTE[i % len(PALETTE)]
        panel = BreakdownPanel(
            dim,
            str(Dimension(dim).label),
            "pie" if dim in PIE else "bar",
            slices,
            total,
        )
        if dim == Dimension.TIER and total:
            share = sum(values.get(t, 0) for t in ZHUANJING_TIERS)
            panel.extra.append(("专精特新占比", pct(ratio(share, total))))
            panel.note = "专精特新 = 专精特新中小企业与专精特新“小巨人”企业。"
        if code == "academy_trained":
            panel.note = "按学员工作单位的企业规模分列；班次列表不按此分列，故这些数字没有链接。"
        panels.append(panel)
    return panels


def breakdown_charts(panels: list[BreakdownPanel]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"breakdown-{p.dimension}",
            "type": p.chart,
            "title": p.title,
            "items": [
                {"name": s.label, "value": s.value, "url": s.url, "color": HEX[s.color]}
                for s in p.slices
            ],
        }
        for p in panels
        if p.slices
    ]


# ------------------------------------------------------------------------------------------------
# Process figures (docs/kpi.md §2)
# ------------------------------------------------------------------------------------------------


@dataclass
class ProcessFigure:
    label: str
    value: str
    hint: str
    url: str | None = None


def process_figures(got: dict[str, Any], *, user: Any, unit: Organization) -> list[ProcessFigure]:
    """The panel's figures of ``got`` (``selectors.process``)."""

    def num(value: Any, suffix: str) -> str:
        return "—" if value is None else f"{value:g} {suffix}"

    overdue_url = None
    if user.has_perm("casework.assign_offer"):
        overdue_url = list_link(
            "casework:offer_list", status="pending", overdue="true", org_id=unit.pk
        )
    rating = got["satisfaction"]
    return [
        ProcessFigure(
            "受理时长（中位数）",
            num(got["triage_hours_median"], "小时"),
            "从提交到分级，期间内分级的需求",
        ),
        ProcessFigure(
            "首次联系时长（中位数）",
            num(got["first_contact_workdays_median"], "个工作日"),
            "从工匠接受到首次联系上企业",
        ),
        ProcessFigure("接受率", pct(got["acceptance_rate"]), "接受的邀请 ÷ 期间内答复或过期的邀请"),
        ProcessFigure(
            "改派率", pct(got["reassignment_rate"]), "有婉拒或过期邀请的需求 ÷ 期间内首次邀请的需求"
        ),
        ProcessFigure(
            "逾期待答复",
            str(got["overdue_offers"]),
            "超过答复期限仍待答复的邀请（当前）",
            overdue_url,
        ),
        ProcessFigure(
            "工匠利用率", pct(got["utilisation"]), "在办邀请 ÷ 在册工匠可承接上限（当前）"
        ),
        ProcessFigure(
            "满意度",
            "—" if rating is None else f"{float(rating):.1f} / 5",
            f"期间内企业确认的结果 {got['confirmed_outcomes']} 项的平均评分",
        ),
    ]


def cockpit_url(**params: Any) -> str:
    return reverse("dashboards:cockpit") + ("?" + urlencode(params) if params else "")
