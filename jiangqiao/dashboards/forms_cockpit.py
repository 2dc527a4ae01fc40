"""The cockpit's filter: the period (``core.periods.PeriodForm``: year, quarter, month, custom),
the unit drilled to and the indicator the ranking, trend and breakdowns follow."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.periods import PeriodForm

from . import indicators

DEFAULT_INDICATOR = "person_times"


class CockpitForm(PeriodForm):
    indicator = forms.ChoiceField(label="排名与趋势指标", required=False, choices=())
    unit = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        assert isinstance(field, forms.ChoiceField)
        # The registered indicators and the custom ones the user may see (the view falls back to
        # the default when the chosen one does not apply to the unit shown).
        field.choices = [(i.code, i.label) for i in indicators.available(user)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["indicator"] = data.get("indicator") or DEFAULT_INDICATOR
        start, end = data.get("start_day"), data.get("end_day")
        if start is not None and end is not None and start.year != end.year:
            # Targets are yearly: a period is judged against one year's target.
            self.add_error("end", "统计期间须在同一年度内（年度目标按年设定），请分年查看")
        return data
