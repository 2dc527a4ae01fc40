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
from .choices import Campaign, Dimension


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

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(i.code, i.label) for i in indicators.available(user, active_only=False)]
        self.fields["indicator"].choices = [("", "全部指标"), *choices]  # type: ignore[attr-defined]

    def year_value(self) -> int:
        return int(self.cleaned_data.get("year") or timezone.localdate().year)

    def campaign_value(self) -> str:
        return str(self.cleaned_data.get("campaign") or Campaign.ZHUQIXING)

    def shown(self, available: list[indicators.Indicator]) -> list[indicators.Indicator]:
        """``available`` (the indicators of the page's unit), or only the one asked for."""
        code = self.cleaned_data.get("indicator") or ""
        chosen = [i for i in available if i.code == code]
        return chosen or list(available)


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


class CustomIndicatorForm(LocalizedForm):
    """A custom indicator's definition (``custom.custom_create``/``custom_update`` check it and
    name the field of each error). ``units``: the units the user may define one for (none when
    editing: the defining unit does not change)."""

    org = forms.ChoiceField(label="定义单位", choices=())
    label = forms.CharField(
        label="指标名称", max_length=40, help_text="如：专精特新企业服务数、制造业服务人次"
    )
    base = forms.ChoiceField(label="基础指标", choices=())
    dimension = forms.ChoiceField(label="分组维度", choices=())
    key = forms.CharField(
        label="分组取值",
        max_length=40,
        help_text="填写代码或名称，如 制造业（或 C）、专精特新中小企业、线上服务；可选取值见下表",
    )
    description = forms.CharField(
        label="说明",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="为什么考核这个指标（可不填）",
    )

    def __init__(self, *args: Any, units: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["org"]
        else:
            self.fields["org"].choices = [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]
        self.fields["base"].choices = [("", "请选择"), *indicators.choices()]  # type: ignore[attr-defined]
        self.fields["dimension"].choices = [("", "请选择"), *Dimension.choices]  # type: ignore[attr-defined]

    def apply_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
