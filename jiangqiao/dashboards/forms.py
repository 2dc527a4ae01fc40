"""Forms of the 年度目标 pages. They only carry what was typed: the values are read and checked
by the services (``services.parse_value`` and the split checks), so the page, the import and the
API give the same messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.forms import LocalizedForm

from . import indicators, services
from .choices import Campaign


def value_field_name(org_id: int, code: str) -> str:
    return f"v_{org_id}_{code}"


class TargetPageForm(LocalizedForm):
    """The unit, year and campaign a 年度目标 page shows (GET)."""

    org = forms.IntegerField(label="单位", required=False, min_value=1, widget=forms.HiddenInput)
    year = forms.IntegerField(
        label="年度", required=False, min_value=services.YEAR_MIN, max_value=services.YEAR_MAX
    )
    campaign = forms.ChoiceField(label="专项行动", required=False, choices=Campaign.choices)
    indicator = forms.ChoiceField(label="只看指标", required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "全部指标"), *indicators.choices()]  # type: ignore[attr-defined]

    def year_value(self) -> int:
        return int(self.cleaned_data.get("year") or timezone.localdate().year)

    def campaign_value(self) -> str:
        return str(self.cleaned_data.get("campaign") or Campaign.ZHUQIXING)

    def shown(self) -> list[indicators.Indicator]:
        code = self.cleaned_data.get("indicator") or ""
        if code and code in indicators.REGISTRY:
            return [indicators.REGISTRY[code]]
        return list(indicators.REGISTRY.values())


class TargetValuesForm(LocalizedForm):
    """One text box per unit and indicator (the children of a split, or the unit itself), plus
    the reason of the change. ``current``: ``{org_id: {code: value}}``."""

    comment = forms.CharField(
        label="调整说明",
        required=False,
        max_length=services.NOTE_MAX,
        help_text="如：按省总工会 2026 年工作要点分解；会记入目标调整记录",
    )

    def __init__(
        self,
        *args: Any,
        units: list[Any],
        shown: list[indicators.Indicator],
        current: dict[int, dict[str, int]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        self.shown = shown
        self.current = current
        for unit in units:
            for ind in shown:
                value = current.get(unit.pk, {}).get(ind.code)
                self.fields[value_field_name(unit.pk, ind.code)] = forms.CharField(
                    label=f"{ind.label}目标值",
                    required=False,
                    max_length=20,
                    initial="" if value is None else str(value),
                    widget=forms.TextInput(
                        attrs={
                            "inputmode": "numeric",
                            "autocomplete": "off",
                            "data-split-input": ind.code,
                            "aria-label": f"{unit.name}：{ind.label}（{ind.unit}）",
                        }
                    ),
                )

    def localize(self) -> None:
        """As every form, but without the typing counter under each number box."""
        super().localize()
        for name, field in self.fields.items():
            if name.startswith("v_"):
                field.widget.attrs.pop("data-counter", None)

    def _changed(self, unit_id: int, code: str, raw: str) -> bool:
        current = self.current.get(unit_id, {}).get(code)
        try:
            return services.parse_value(raw) != current
        except BusinessError:
            return True  # the service names the fault

    def splits(self) -> dict[str, dict[int, str]]:
        """``{code: {unit_id: typed}}`` of the indicators where something changed; empty boxes of
        units without a target are left out (a set target cannot be emptied: sent, refused)."""
        out: dict[str, dict[int, str]] = {}
        for ind in self.shown:
            values: dict[int, str] = {}
            changed = False
            for unit in self.units:
                raw = str(self.cleaned_data.get(value_field_name(unit.pk, ind.code)) or "")
                had = ind.code in self.current.get(unit.pk, {})
                if raw.strip() or had:
                    values[unit.pk] = raw
                changed = changed or self._changed(unit.pk, ind.code, raw)
            if changed and values:
                out[ind.code] = values
        return out

    def rows(self) -> list[dict[str, Any]]:
        """The table of the page: one row per unit, one bound box per indicator."""
        return [
            {
                "unit": unit,
                "cells": [self[value_field_name(unit.pk, ind.code)] for ind in self.shown],
            }
            for unit in self.units
        ]

    def apply_errors(self, errors: dict[str, list[str]]) -> dict[str, list[str]]:
        """Put a service's ``<code>.values.<id>`` / ``<code>.value`` errors next to their boxes;
        returns the errors of whole indicators (``{code: [...]}``: a split that falls short)."""
        columns: dict[str, list[str]] = {}
        single = self.units[0].pk if len(self.units) == 1 else None
        for key, messages in errors.items():
            code, _, rest = key.partition(".")
            name = ""
            tail = rest.removeprefix("values.")
            if rest.startswith("values.") and tail.isdigit():
                name = value_field_name(int(tail), code)
            elif rest == "value" and single is not None:
                name = value_field_name(single, code)
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
            else:
                columns.setdefault(code, []).extend(messages)
        return columns
