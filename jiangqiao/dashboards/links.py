"""The filtered list behind each figure of the cockpit (issue 16: every number links to its list).

:func:`figure_link` gives, for an indicator of ``indicators.REGISTRY``, a unit (its subtree), a
period and optionally one breakdown key, the URL of the list whose rows the figure counts — the
same rows, through the list's own FilterSet (shared by the page and the API):

========================  ===========================================  ===========================
indicator                 list                                         what the figure is of it
========================  ===========================================  ===========================
劳模工匠服务人次          服务记录 (date range, org)                    Σ participating craftsmen
培训职工人次              服务记录 (same)                               Σ trainees
服务企业数                服务记录, 企业当年首次服务 (first_of_year)     the count of rows
解决技术难题数            需求 (企业确认解决日期 range, org)             the count of rows
征集需求数                需求 (提交日期 range, 计入征集, org)           the count of rows
技能提升人次              技能提升记录 (取证日期 range, 计入人次, org)    the count of rows
工匠学院培训人次          班次 (开班日期 range, 计入统计, org)           Σ trained of the classes
========================  ===========================================  ===========================

服务企业数 has no list of enterprises of its own: an enterprise is counted once a year on its first
session (docs/kpi.md §1), so its list is the sessions that are those first ones — one row per
enterprise served. The academy's size breakdown has no list (the class list is not split by the
trainees' employers): those figures are shown without a link, and the page says so.
``dashboards/tests/test_cockpit.py`` checks that each linked figure equals its list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jiangqiao.core.home import list_link

from .choices import Dimension

#: Breakdown key that selects "not filled in" in the lists' filters (``demands.filtersets``).
UNFILLED = "-"


@dataclass(frozen=True)
class FigureList:
    """How an indicator's figures reach their list."""

    url_name: str
    permission: str
    #: Query parameters of the period: (from, to).
    period: tuple[str, str]
    #: Fixed parameters (the counting rule's own filter).
    fixed: tuple[tuple[str, str], ...] = ()
    #: Breakdown → the list's filter parameter (a breakdown not named has no list).
    dims: tuple[tuple[str, str], ...] = ()
    #: What the list shows against the figure, in Chinese (the link's title).
    measure: str = "条数即为该数字"


ENTERPRISE_DIMS = (
    (Dimension.INDUSTRY, "ent_industry"),
    (Dimension.REGION, "ent_region"),
    (Dimension.SIZE, "ent_size"),
    (Dimension.TIER, "ent_tier"),
)
SESSIONS = "casework:servicerecord_list"
DEMANDS = "demands:demand_list"

LISTS: dict[str, FigureList] = {
    "person_times": FigureList(
        SESSIONS,
        "casework.view_servicerecord",
        ("date_from", "date_to"),
        dims=((Dimension.KIND, "kind"), *ENTERPRISE_DIMS),
        measure="服务记录；人次 = 各条记录参与工匠人数之和",
    ),
    "workers_trained": FigureList(
        SESSIONS,
        "casework.view_servicerecord",
        ("date_from", "date_to"),
        dims=((Dimension.KIND, "kind"), *ENTERPRISE_DIMS),
        measure="服务记录；人次 = 各条记录培训人数之和",
    ),
    "enterprises_served": FigureList(
        SESSIONS,
        "casework.view_servicerecord",
        ("date_from", "date_to"),
        fixed=(("first_of_year", "true"),),
        dims=ENTERPRISE_DIMS,
        measure="各企业当年首次服务记录，一条即一家企业",
    ),
    "problems_solved": FigureList(
        DEMANDS,
        "demands.triage_demand",
        ("solved_after", "solved_before"),
        dims=((Dimension.KIND, "kind"), *ENTERPRISE_DIMS),
    ),
    "demands_collected": FigureList(
        DEMANDS,
        "demands.triage_demand",
        ("submitted_after", "submitted_before"),
        fixed=(("collected", "true"),),
        dims=((Dimension.KIND, "kind"), *ENTERPRISE_DIMS),
    ),
    "skill_upgrades": FigureList(
        "casework:skillupgrade_list",
        "casework.view_skillupgrade",
        ("issued_from", "issued_to"),
        fixed=(("counted", "true"),),
        dims=((Dimension.SOURCE, "source"), (Dimension.LEVEL, "level_after")),
    ),
    "academy_trained": FigureList(
        "academy:trainingclass_list",
        "academy.view_trainingclass",
        ("start_from", "start_to"),
        fixed=(("held", "true"),),
        measure="班次；人次 = 各班次培训人次之和",
    ),
}


def figure_link(
    code: str,
    *,
    org_id: int,
    start: dt.date,
    end: dt.date,
    dimension: str = "",
    key: str = "",
    user: Any = None,
) -> str | None:
    """The URL of the list behind the figure, or ``None`` when there is none (or ``user`` may
    not open it)."""
    spec = LISTS.get(code)
    if spec is None:
        return None
    if user is not None and not user.has_perm(spec.permission):
        return None
    params: dict[str, Any] = {
        "org_id": org_id,
        spec.period[0]: start.isoformat(),
        spec.period[1]: end.isoformat(),
        **dict(spec.fixed),
    }
    if dimension:
        param = dict(spec.dims).get(dimension)
        if param is None:
            return None
        if not key and dimension in (Dimension.SOURCE, Dimension.LEVEL, Dimension.KIND):
            return None  # always filled in: an empty key is no list
        params[param] = key or UNFILLED
    return list_link(spec.url_name, **params)


def measure(code: str) -> str:
    spec = LISTS.get(code)
    return spec.measure if spec else ""
