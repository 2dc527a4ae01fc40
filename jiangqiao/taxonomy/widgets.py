"""The htmx term picker: a search box that fills a hidden input with the chosen code.

Typing in the box issues ``hx-get`` to ``taxonomy:picker`` (``/taxonomy/picker/``), which returns
``taxonomy/_picker_results.html``, a list of clickable results. Clicking one (or pressing Enter
for the first) stores the code in a hidden input and shows its label; with ``multiple=True``
each choice becomes a chip with a remove button and its own hidden input. The behaviour is in
``static/taxonomy/picker.js`` (event delegation, no inline script, no library beyond htmx).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

from .choices import CODE_LIST_SCHEMES, SCHEMES
from .selectors import canonical_code, term_infos

PICKER_URL_FALLBACK = "/taxonomy/picker/"


def picker_url() -> str:
    try:
        return reverse("taxonomy:picker")
    except NoReverseMatch:
        return PICKER_URL_FALLBACK


def text_input_name(name: str) -> str:
    """Name of the visible text box of the picker for the field ``name``."""
    return f"{name}__text"


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(item) for item in value if item not in (None, "")]
    return [str(value)]


class TermPickerWidget(forms.Widget):
    """Search-as-you-type choice of one (or several) entries of ``scheme``.

    ``levels``, ``parent`` and ``within`` restrict what the picker offers (the form field
    validates them too). The current value is shown with its label when a form is edited.
    """

    template_name = "taxonomy/widgets/term_picker.html"

    def __init__(
        self,
        scheme: str,
        *,
        multiple: bool = False,
        levels: Iterable[int] | None = None,
        parent: str | None = None,
        within: str | None = None,
        placeholder: str | None = None,
        limit: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"未知的分类方案：{scheme}")
        super().__init__(attrs)
        self.scheme = scheme
        self.multiple = multiple
        self.levels = [int(level) for level in levels] if levels else []
        self.parent = parent
        self.within = within
        self.placeholder = placeholder or SCHEMES[scheme].placeholder
        # Short code lists show all their entries; the big schemes the best ten.
        self.limit = limit or (50 if scheme in CODE_LIST_SCHEMES else 10)

    @property
    def is_hidden(self) -> bool:
        return False

    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]
        return _as_list(value)

    def selected(self, codes: list[str]) -> list[dict[str, str]]:
        """``[{code, label}]`` of the current value; unknown codes are shown as they are."""
        infos = term_infos(self.scheme, codes)
        selected = []
        for code in codes:
            info = infos.get(code)
            selected.append(
                {
                    "code": info.code if info else canonical_code(self.scheme, code),
                    "label": info.display_label if info else code,
                    "known": "1" if info else "",
                }
            )
        return selected

    def hx_vals(self, name: str) -> str:
        params: dict[str, str] = {"scheme": self.scheme, "limit": str(self.limit)}
        if self.levels:
            params["levels"] = ",".join(str(level) for level in self.levels)
        if self.parent:
            params["parent"] = self.parent
        if self.within:
            params["within"] = self.within
        return json.dumps(params, ensure_ascii=False)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        attrs_ = dict(widget["attrs"])
        input_id = attrs_.pop("id", None) or f"id_{name}"
        attrs_.pop("required", None)  # the box may legitimately be empty; the field checks
        css = " ".join(part for part in ("form-control", attrs_.pop("class", "")) if part)
        selected = self.selected(widget["value"])
        if not self.multiple:
            selected = selected[:1]
        widget.update(
            {
                "scheme": self.scheme,
                "scheme_label": SCHEMES[self.scheme].label,
                "multiple": self.multiple,
                "selected": selected,
                "input_id": input_id,
                "text_name": text_input_name(name),
                "text_attrs": attrs_,
                "text_class": css,
                "results_id": f"{input_id}_results",
                "picker_url": picker_url(),
                "hx_vals": self.hx_vals(name),
                # Short code lists open on focus, so they can be chosen without typing.
                "hx_trigger": "input changed delay:250ms, search"
                + (", focus" if self.scheme in CODE_LIST_SCHEMES else ""),
                "placeholder": self.placeholder,
                "script_url": static("taxonomy/picker.js"),
            }
        )
        return context

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        """The chosen code(s); text typed but not picked is passed on for the field to resolve.

        Without JavaScript, or when a user types a name and submits without picking, the text
        box (``<name>__text``) carries what was typed; the form field then accepts it if it is a
        code or a name that designates exactly one entry.
        """
        text = str(data.get(text_input_name(name)) or "").strip()
        if self.multiple:
            getter = getattr(data, "getlist", None)
            values = [v for v in (getter(name) if getter else _as_list(data.get(name))) if v]
            return [*values, text] if text else values
        value = data.get(name)
        return value if value else (text or value)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        # An empty multiple choice submits nothing at all, like <select multiple>.
        if self.multiple:
            return False
        return name not in data and text_input_name(name) not in data

    def id_for_label(self, id_: str) -> str:
        return id_
