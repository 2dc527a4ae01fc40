"""Pick a referenced object by its name: one widget, one form field, one filter, one endpoint.

No page asks a person for a database id. A reference (a craftsman, an enterprise, a demand, a
suggestion, a role, an organisation …) is chosen by typing part of its name::

    craftsman = ObjectChoiceField("craftsman", label="劳模工匠", queryset=scoped_queryset)
    craftsman_id = ObjectFilter("craftsman", label="劳模工匠", field_name="craftsman")

Each app declares what can be picked in its own ``pickers.py`` (core knows no app above it)::

    register(PickerKind("craftsman", "talents.Craftsman", search=("name", "employer_name")))

The search box of :class:`ObjectPickerWidget` sends ``hx-get`` to ``core:picker``
(``/picker/?kind=craftsman&q=张``), which lists matches **only through**
``Model.objects.visible_to(user, "view")``: another unit's names are never returned. The widget
shares the markup contract and the script of the taxonomy term picker (``taxonomy/picker.js``:
``data-term-*`` attributes, one hidden input per chosen value, chips when ``multiple``).

The value submitted is the primary key (so the API and old links keep working); without
JavaScript the typed text is resolved by name within the field's (scoped) queryset, and a
name shared by several rows asks the person to pick from the list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import django_filters as filters
from django import forms
from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.functional import lazy

MAX_QUERY_LENGTH = 50
#: A primary key as text has at most 18 digits (a bigint holds any of them).
MAX_KEY_DIGITS = 18
DEFAULT_LIMIT = 10
MAX_LIMIT = 30


@dataclass(frozen=True)
class PickerKind:
    """What can be picked: a model (``"app.Model"``), the fields searched and how rows look.

    ``search`` are field paths matched with ``icontains`` (ORed); ``detail`` gives the grey
    second line of a result (employer, unit …) so people with the same name can be told apart;
    ``base`` narrows the candidates (e.g. only active rows) for new choices.
    """

    key: str
    model_label: str
    search: tuple[str, ...] = ("name",)
    label: Callable[[Any], str] = str
    detail: Callable[[Any], str] | None = None
    order: tuple[str, ...] = ("pk",)
    select_related: tuple[str, ...] = ()
    base: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    placeholder: str = ""
    noun: str = ""
    browse: bool = False  # list candidates on focus, before anything is typed
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def verbose(self) -> str:
        return self.noun or str(self.model._meta.verbose_name)

    def visible(self, user: Any, action: str = "view") -> QuerySet[Any]:
        """The rows ``user`` may pick: the data-scope chokepoint, never a hand-made filter."""
        return self.model._default_manager.visible_to(user, action)  # type: ignore[attr-defined,no-any-return]

    def candidates(self, user: Any) -> QuerySet[Any]:
        qs = self.visible(user)
        if self.base is not None:
            qs = self.base(qs)
        return qs

    def matching(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        text = text.strip()
        if not text:
            return qs
        cond = Q()
        for path in self.search:
            cond |= Q(**{f"{path}__icontains": text})
        return qs.filter(cond)

    def search_rows(self, user: Any, q: str, limit: int = DEFAULT_LIMIT) -> list[Any]:
        qs = self.matching(self.candidates(user), q)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return list(qs.order_by(*self.order)[:limit])

    def describe(self, obj: Any) -> dict[str, str]:
        return {
            "code": str(obj.pk),
            "label": self.label(obj),
            "detail": self.detail(obj) if self.detail else "",
        }


PICKERS: dict[str, PickerKind] = {}


def key_from_text(value: Any) -> int | None:
    """A primary key sent as text (``"12"``), else ``None``.

    Only ASCII digits count, at most :data:`MAX_KEY_DIGITS`: ``str.isdigit`` also accepts ``"²"``
    and ``"١٢"``, which the database layer then refuses with an exception (a 500), or reads
    as another number.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value) if len(value) <= MAX_KEY_DIGITS else None
    return None


def register(kind: PickerKind) -> PickerKind:
    """Declare a pickable kind (in the app's ``pickers.py``)."""
    PICKERS[kind.key] = kind
    return kind


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("pickers")


def get_kind(key: str) -> PickerKind:
    try:
        return PICKERS[key]
    except KeyError:
        raise LookupError(f"未知的选择类型：{key}") from None


def picker_url() -> str:
    try:
        return reverse("core:picker")
    except NoReverseMatch:
        return "/picker/"


def text_input_name(name: str) -> str:
    """Name of the visible search box of the picker for the field ``name``."""
    return f"{name}__text"


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str | int):
        return [str(value)]
    if isinstance(value, models.Model):
        return [str(value.pk)]
    if isinstance(value, Iterable):
        return [
            str(v.pk if isinstance(v, models.Model) else v) for v in value if v not in (None, "")
        ]
    return [str(value)]


class ObjectPickerWidget(forms.Widget):
    """Search-as-you-type choice of one (or, with ``multiple``, several) objects of ``kind``.

    The current value is shown by name, looked up in the field's queryset (which the form has
    already narrowed to the user's scope), so an id typed into the URL never reveals a name.
    """

    template_name = "core/widgets/object_picker.html"

    def __init__(
        self,
        kind: str,
        *,
        multiple: bool = False,
        placeholder: str | None = None,
        limit: int = DEFAULT_LIMIT,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.multiple = multiple
        self.placeholder = placeholder
        self.limit = limit
        self.choices: Any = None  # set by ModelChoiceField; ``.queryset`` is the scoped set

    @property
    def is_hidden(self) -> bool:
        return False

    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]
        return _as_list(value)

    def selected(self, values: list[str]) -> list[dict[str, str]]:
        kind = get_kind(self.kind)
        ids = [v for v in values if key_from_text(v) is not None]
        queryset = getattr(self.choices, "queryset", None)
        found: dict[str, Any] = {}
        if ids and queryset is not None:
            found = {str(o.pk): o for o in queryset.filter(pk__in=ids)}
        selected = []
        for value in values:
            obj = found.get(value)
            if obj is not None:
                selected.append(kind.describe(obj))
            elif key_from_text(value) is None:
                # Typed text that was not resolved: give it back to the box as typed.
                selected.append({"code": "", "label": value, "detail": ""})
        return selected

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        kind = get_kind(self.kind)
        attrs_ = dict(widget["attrs"])
        input_id = attrs_.pop("id", None) or f"id_{name}"
        attrs_.pop("required", None)
        css = " ".join(part for part in ("form-control", attrs_.pop("class", "")) if part)
        selected = self.selected(widget["value"])
        if not self.multiple:
            selected = selected[:1]
        trigger = "input changed delay:250ms, search" + (", focus" if kind.browse else "")
        widget.update(
            {
                "kind": kind.key,
                "kind_label": kind.verbose,
                "multiple": self.multiple,
                "selected": selected,
                "input_id": input_id,
                "text_name": text_input_name(name),
                "text_attrs": attrs_,
                "text_class": css,
                "results_id": f"{input_id}_results",
                "picker_url": picker_url(),
                "hx_vals": json.dumps({"kind": kind.key, "limit": str(self.limit)}),
                "hx_trigger": trigger,
                "placeholder": self.placeholder
                or kind.placeholder
                or f"输入{kind.verbose}名称检索",
                "script_url": static("taxonomy/picker.js"),
            }
        )
        return context

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        text = str(data.get(text_input_name(name)) or "").strip()
        if self.multiple:
            getter = getattr(data, "getlist", None)
            values = [v for v in (getter(name) if getter else _as_list(data.get(name))) if v]
            return [*values, text] if text else values
        value = data.get(name)
        return value if value else (text or value)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        if self.multiple:
            return False
        return name not in data and text_input_name(name) not in data

    def id_for_label(self, id_: str) -> str:
        return id_


def _not_found(kind: str) -> Any:
    """The message for an id that is not a choice (lazy: kinds register after the forms load)."""
    return lazy(lambda: f"所选{get_kind(kind).verbose}不存在或不在您的数据范围内", str)()


class _ByName:
    """Resolve typed text (a name, not picked from the list) to one row of the field's queryset."""

    kind: str
    queryset: Any

    def _resolve(self, text: str) -> Any:
        kind = get_kind(self.kind)
        queryset = (
            self.queryset if self.queryset is not None else kind.model._default_manager.none()
        )
        matches = list(kind.matching(queryset, text).order_by(*kind.order)[:6])
        exact = [m for m in matches if kind.label(m) == text]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                f"未找到名称包含“{text}”的{kind.verbose}（或不在您的数据范围内）",
                code="invalid_choice",
            )
        raise forms.ValidationError(
            f"有多个{kind.verbose}与“{text}”相符，请从候选列表中选择", code="invalid_choice"
        )

    def _is_key(self, value: Any) -> bool:
        return key_from_text(value) is not None


class ObjectChoiceField(_ByName, forms.ModelChoiceField):  # type: ignore[type-arg]
    """A reference picked by name; the queryset (set by the form, scoped) is the whole check."""

    def __init__(
        self,
        kind: str,
        *,
        queryset: Any = None,
        placeholder: str | None = None,
        limit: int = DEFAULT_LIMIT,
        **kwargs: Any,
    ) -> None:
        self.kind = kind
        kwargs.pop("null_label", None)  # django-filter's ChoiceFilter extras
        kwargs.pop("null_value", None)
        kwargs.setdefault("widget", ObjectPickerWidget(kind, placeholder=placeholder, limit=limit))
        kwargs.setdefault("empty_label", None)
        # The form narrows the queryset to the user's scope; until then nothing is a choice.
        super().__init__(queryset=queryset, **kwargs)
        self.error_messages["invalid_choice"] = _not_found(kind)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self._is_key(value):
            return super().to_python(value)
        return self._resolve(str(value))


class ObjectMultipleChoiceField(_ByName, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several references picked by name (chips)."""

    def __init__(
        self,
        kind: str,
        *,
        queryset: Any = None,
        placeholder: str | None = None,
        limit: int = DEFAULT_LIMIT,
        **kwargs: Any,
    ) -> None:
        self.kind = kind
        kwargs.setdefault(
            "widget",
            ObjectPickerWidget(kind, multiple=True, placeholder=placeholder, limit=limit),
        )
        super().__init__(queryset=queryset, **kwargs)
        self.error_messages["invalid_choice"] = _not_found(kind)
        self.error_messages["invalid_pk_value"] = _not_found(kind)

    def clean(self, value: Any) -> Any:
        values = _as_list(value)
        keys = [v for v in values if self._is_key(v)]
        named = [self._resolve(v) for v in values if not self._is_key(v)]
        if not keys and not named:
            return super().clean([])
        result = list(super().clean(keys)) if keys else []
        seen = {obj.pk for obj in result}
        result.extend(obj for obj in named if obj.pk not in seen)
        return result


class ObjectFilter(filters.ModelChoiceFilter):
    """A filter on a reference, chosen by name on the page (``?<name>=<id>`` in the API).

    The choices are the rows the requesting user may see (``visible_to``); an id outside the
    scope is a form error (400 in the API), never a silently empty list.
    """

    field_class = ObjectChoiceField

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault(
            "queryset", lambda request: get_kind(kind).visible(getattr(request, "user", None))
        )
        super().__init__(kind=kind, **kwargs)

    def get_queryset(self, request: Any) -> Any:
        if request is None:
            return get_kind(self.kind).model._default_manager.none()
        return super().get_queryset(request)
