"""Form fields choosing reference codes, and the forms of the taxonomy pages.

``TermChoiceField(scheme)`` cleans to a code string and ``TermMultipleChoiceField(scheme)`` to a
list of codes. Both accept what people type: a code in any usual spelling (``C3461``,
``4403``, ``6280101``) or a name that designates exactly one entry (``深圳市``,
``北京市 朝阳区``); an ambiguous name is rejected with the candidates listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from jiangqiao.core.forms import LocalizedForm

from .choices import SCHEMES, Scheme
from .selectors import MAX_QUERY_LENGTH, term_candidates
from .validators import TermCodeValidator
from .widgets import TermPickerWidget

_SPLIT = re.compile(r"[,，;；、\n]+")


def resolve_code(scheme: str, text: str, *, levels: Iterable[int] | None = None) -> str:
    """The code designated by ``text`` (a code or an unambiguous name) or ``ValidationError``."""
    info = SCHEMES[scheme]
    candidates = term_candidates(scheme, text, levels=levels)
    if len(candidates) == 1:
        return candidates[0].code
    if not candidates:
        raise ValidationError(
            "未找到“%(text)s”对应的%(noun)s（%(reference)s），请从候选中选择或输入代码",
            code="not_found",
            params={"text": text, "noun": info.code_noun, "reference": info.reference},
        )
    listed = "；".join(f"{t.code} {t.path_label or t.name}" for t in candidates[:5])
    raise ValidationError(
        "“%(text)s”对应多个%(noun)s：%(candidates)s，请选择其一或输入代码",
        code="ambiguous",
        params={"text": text, "noun": info.code_noun, "candidates": listed},
    )


class TermChoiceField(forms.CharField):
    """One code of ``scheme`` (cleaned to its stored form), with the htmx picker as widget."""

    def __init__(
        self,
        scheme: str,
        *,
        levels: Iterable[int] | None = None,
        parent: str | None = None,
        within: str | None = None,
        widget: forms.Widget | type[forms.Widget] | None = None,
        **kwargs: Any,
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"未知的分类方案：{scheme}")
        self.scheme = scheme
        self.levels = [int(level) for level in levels] if levels else None
        kwargs.setdefault("max_length", 200)
        if widget is None:
            widget = TermPickerWidget(scheme, levels=self.levels, parent=parent, within=within)
        super().__init__(widget=widget, **kwargs)
        self.validators.append(TermCodeValidator(scheme, self.levels))

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        return resolve_code(self.scheme, text, levels=self.levels)


class TermMultipleChoiceField(forms.Field):
    """Several codes of ``scheme`` (a list, duplicates removed, order kept)."""

    default_error_messages = {
        "required": "请至少选择一项。",
        "max_items": "最多可选择 %(max)s 项（已选 %(count)s 项）。",
    }

    def __init__(
        self,
        scheme: str,
        *,
        levels: Iterable[int] | None = None,
        parent: str | None = None,
        within: str | None = None,
        max_items: int | None = None,
        widget: forms.Widget | type[forms.Widget] | None = None,
        **kwargs: Any,
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"未知的分类方案：{scheme}")
        self.scheme = scheme
        self.levels = [int(level) for level in levels] if levels else None
        self.max_items = max_items
        self.code_validator = TermCodeValidator(scheme, self.levels)
        if widget is None:
            widget = TermPickerWidget(
                scheme, multiple=True, levels=self.levels, parent=parent, within=within
            )
        super().__init__(widget=widget, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        if value in self.empty_values:
            return []
        items = [value] if isinstance(value, str) else list(value)
        texts = [part.strip() for item in items for part in _SPLIT.split(str(item))]
        codes: list[str] = []
        errors: list[ValidationError] = []
        for text in texts:
            if not text:
                continue
            try:
                code = resolve_code(self.scheme, text, levels=self.levels)
            except ValidationError as error:
                errors.append(error)
                continue
            if code not in codes:
                codes.append(code)
        if errors:
            raise ValidationError(errors)
        return codes

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if self.max_items is not None and len(value) > self.max_items:
            raise ValidationError(
                self.error_messages["max_items"],
                code="max_items",
                params={"max": self.max_items, "count": len(value)},
            )

    def run_validators(self, value: list[str]) -> None:
        errors: list[ValidationError] = []
        for code in value:
            try:
                self.code_validator(code)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        super().run_validators(value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_codes = [str(code) for code in (initial or [])]
        try:
            data_codes = self.to_python(data)
        except ValidationError:
            return True
        return initial_codes != data_codes


def _parse_levels(raw: str) -> list[int]:
    parts = [part for part in re.split(r"[,\s]+", raw.strip()) if part]
    if not all(part.isdigit() for part in parts):
        raise ValidationError("参数 levels 应为以逗号分隔的整数，如“2,3”。", code="invalid")
    return [int(part) for part in parts]


class PickerQueryForm(LocalizedForm):
    """Parameters of the picker fragment (``/taxonomy/picker/``)."""

    scheme = forms.ChoiceField(
        choices=Scheme.choices,
        error_messages={
            "required": "缺少参数 scheme（分类方案）。",
            "invalid_choice": "参数 scheme 无效：未知的分类方案“%(value)s”。",
        },
    )
    q = forms.CharField(required=False)
    levels = forms.CharField(required=False, max_length=50)
    parent = forms.CharField(required=False, max_length=32)
    within = forms.CharField(required=False, max_length=32)
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=50,
        error_messages={
            "invalid": "参数 limit 必须是整数。",
            "min_value": "参数 limit 不能小于 %(limit_value)s。",
            "max_value": "参数 limit 不能大于 %(limit_value)s。",
        },
    )

    def clean_levels(self) -> list[int]:
        return _parse_levels(self.cleaned_data.get("levels") or "")

    @property
    def query_too_long(self) -> bool:
        return len((self.cleaned_data.get("q") or "").strip()) > MAX_QUERY_LENGTH


class TermBrowseForm(LocalizedForm):
    """The search box of the browse page."""

    scheme = forms.ChoiceField(choices=Scheme.choices, required=False)
    parent = forms.CharField(required=False, max_length=32)
    q = forms.CharField(
        label="检索",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "代码、名称或拼音首字母", "type": "search"}),
        error_messages={"max_length": "检索内容最多 %(limit_value)s 个字。"},
    )
