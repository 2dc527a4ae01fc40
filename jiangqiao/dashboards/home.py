"""The cockpit's home panel 目标完成情况 (collected by ``jiangqiao.core.home.autodiscover``): the
national indicators of the user's unit this year to date — actual, target, status — each actual
linked to its list, and the way to the full cockpit. Above the to-do (weight 50): the cockpit is
the home page of every staff role."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jiangqiao.core.home import HomePanel, register
from jiangqiao.orgs.selectors import default_unit

from . import panels
from .selectors import cockpit


def cockpit_context(request: Any) -> dict[str, Any] | None:
    user = request.user
    unit = default_unit(user=user)
    if unit is None:
        return None
    today = timezone.localdate()
    cp = cockpit(user=user, unit=unit, year=today.year, today=today)
    period = panels.Period(unit, cp.start, cp.end, "person_times")
    rows = [r for r in panels.standing_rows(cp, period, user) if r.indicator.national]
    return {
        "unit": unit,
        "year": today.year,
        "as_of": cp.as_of,
        "rows": rows,
        "behind": sum(1 for line in cp.children if _behind(line)),
        "children": len(cp.children),
        "cockpit_url": panels.cockpit_url(),
        "set_target_url": panels.target_url(user, unit, today.year),
        "no_target": not any(r.standing.target for r in rows),
    }


def _behind(line: Any) -> bool:
    return any(st.pace == "behind" for st in line.standings.values() if st.indicator.national)


register(
    HomePanel(
        "dashboards.cockpit",
        "目标完成情况",
        template="dashboards/home/_cockpit.html",
        context=cockpit_context,
        permission="dashboards.view_cockpit",
        weight=50,
    )
)
