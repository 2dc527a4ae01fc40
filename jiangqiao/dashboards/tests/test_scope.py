"""The data scope of the dashboards' rows: targets (with their revisions) and the figure rollups
are seen by the unit they belong to and the units above it, never by a sibling or a unit below."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.dashboards.models import (
    CustomIndicator,
    DailyFigure,
    MonthlyFigure,
    Target,
    TargetRevision,
)

_n = itertools.count(1)


def _target(unit: Any, owner: Any) -> Target:
    # Arrangement only: the rows whose visibility is tested (the services are tested in
    # test_targets.py, who may set whose target).
    return Target.objects.create(
        org=unit,
        year=2026,
        indicator="person_times",
        value=100 + next(_n),
        created_by=owner,
        updated_by=owner,
    )


class TestTargetScope(DataScopeMatrixTests):
    __test__ = True
    model = Target

    def make_row(self, unit: Any, owner: Any) -> Target:
        return _target(unit, owner)


class TestTargetRevisionScope(DataScopeMatrixTests):
    __test__ = True
    model = TargetRevision
    owner_scoped = False

    def make_row(self, unit: Any, owner: Any) -> TargetRevision:
        return TargetRevision.objects.create(target=_target(unit, owner), before=None, after=1)


class TestDailyFigureScope(DataScopeMatrixTests):
    __test__ = True
    model = DailyFigure
    owner_scoped = False

    def make_row(self, unit: Any, owner: Any) -> DailyFigure:
        return DailyFigure.objects.create(
            org=unit, day=dt.date(2026, 3, next(_n) % 28 + 1), indicator="person_times", value=3
        )


class TestMonthlyFigureScope(DataScopeMatrixTests):
    __test__ = True
    model = MonthlyFigure
    owner_scoped = False

    def make_row(self, unit: Any, owner: Any) -> MonthlyFigure:
        return MonthlyFigure.objects.create(
            org=unit, month=dt.date(2026, 3, 1), indicator="person_times", value=3
        )


def _custom(unit: Any, owner: Any) -> CustomIndicator:
    # Arrangement only (the services are tested in test_custom_indicators.py).
    n = next(_n)
    return CustomIndicator.objects.create(
        org=unit,
        label=f"制造业服务人次{n}",
        base="person_times",
        dimension="industry",
        key="C",
        unit="人次",
        created_by=owner,
        updated_by=owner,
    )


class TestCustomIndicatorScope(DataScopeMatrixTests):
    """Changing a definition follows the data scope exactly (the matrix); reading it also
    reaches the definitions of the units above the user's own (his targets are set on them),
    never a sibling's or a sibling's subtree's."""

    __test__ = True
    model = CustomIndicator

    def make_row(self, unit: Any, owner: Any) -> CustomIndicator:
        return _custom(unit, owner)

    def visible(self, user: Any, action: str = "view") -> set[Any]:
        return super().visible(user, "change" if action == "view" else action)

    def test_reading_adds_the_units_above_and_nothing_else(self) -> None:
        w = self.world
        seen = super().visible(w.county_operator, "view")
        self.assertEqual(seen, self.expected(["county_a1", "city_a", "province"]))
        seen = super().visible(w.city_admin_b, "view")
        self.assertEqual(seen, self.expected(["city_b", "county_b1", "province"]))
