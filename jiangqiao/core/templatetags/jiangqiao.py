"""Small template helpers: Bootstrap classes on form widgets, coloured badges."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.html import format_html

register = template.Library()


@register.filter
def add_class(field: Any, css: str) -> Any:
    """Render a bound field with extra CSS classes on its widget."""
    if not hasattr(field, "as_widget"):
        return field
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def as_json(value: Any) -> str:
    """A log's JSON (operation-log parameters and extras) as indented JSON with Chinese kept,
    never Python ``repr`` (``{'a': None}``)."""
    import json

    try:
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


@register.filter
def is_checkbox(field: Any) -> bool:
    return isinstance(getattr(field, "field", None) and field.field.widget, forms.CheckboxInput)


@register.filter
def is_select(field: Any) -> bool:
    widget = getattr(getattr(field, "field", None), "widget", None)
    return isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple)


@register.filter
def is_multi_checkbox(field: Any) -> bool:
    widget = getattr(getattr(field, "field", None), "widget", None)
    return isinstance(widget, forms.CheckboxSelectMultiple)


#: How many filters a list shows before 更多筛选 when its filterset names no ``primary_filters``.
PRIMARY_FILTERS = 5

#: Values that mean "no filter" (an empty box, 不限 of a yes/no filter).
_BLANK = ("", "unknown")


def _has_value(field: Any, data: Any) -> bool:
    """Does the request filter by ``field`` (any of its inputs, a range's _after/_before too)?"""
    if data is None:
        return False
    name = field.html_name
    for key in data:
        if key == name or key.startswith(f"{name}_"):
            values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
            if any(str(v).strip() not in _BLANK for v in values if v is not None):
                return True
    return False


@register.simple_tag
def filter_panel(filterset: Any) -> dict[str, Any]:
    """The visible filters split in two: ``primary`` (the filterset's ``primary_filters``, or
    the first few) always shown, ``more`` folded under 更多筛选. ``open``: a folded filter is in
    use or has an error, so the fold starts open; ``active``: how many folded filters are in use."""
    fields = list(filterset.form.visible_fields())
    names = getattr(filterset, "primary_filters", None)
    primary = [f for f in fields if f.name in names] if names else fields[:PRIMARY_FILTERS]
    more = [f for f in fields if f not in primary]
    data = filterset.data if getattr(filterset, "is_bound", False) else None
    active = sum(1 for f in more if _has_value(f, data))
    errors = any(f.errors for f in more) if data is not None else False
    return {"primary": primary, "more": more, "open": bool(active or errors), "active": active}


@register.simple_tag
def badge(label: Any, color: str = "secondary") -> str:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, label)


@register.filter
def perm_label(perm: Any) -> str:
    from jiangqiao.accounts.permissions import permission_label

    return permission_label(perm)


@register.filter
def ct_label(content_type: Any) -> str:
    """Chinese name of the model behind a ContentType."""
    model = content_type.model_class() if content_type is not None else None
    return str(model._meta.verbose_name) if model is not None else str(content_type)


@register.simple_tag
def export_hidden_fields(request: Any) -> Any:
    """The current filters (and sort) as hidden inputs of the export form, without ``page``."""
    from django.utils.html import format_html_join

    query = request.GET.copy()
    for name in ("page", "_export", "_purpose"):
        query.pop(name, None)
    pairs = [(key, value) for key, values in query.lists() for value in values]
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', pairs)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ colors|get_item:obj.status }}``."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.simple_tag
def field_label(change: Any, name: str) -> str:
    """The Chinese label of a changed field (``skill_level`` → 职业技能等级) for the change log."""
    from jiangqiao.core.textfields import RAW_INPUT_KEY

    if name == RAW_INPUT_KEY:
        return "原始输入（规范化前）"
    model = change.content_type.model_class() if change is not None else None
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except Exception:
        return name
    return str(getattr(field, "verbose_name", name))


@register.simple_tag
def object_picker(kind: str, name: str, input_id: str = "", css: str = "") -> Any:
    """An empty name-search picker in a hand-written form: ``{% object_picker "craftsman" "craftsman" %}``.

    It submits the chosen row's key under ``name``; the view's form field (an
    ``ObjectChoiceField`` on a scoped queryset) checks it, or resolves a typed name.
    """
    from jiangqiao.core.pickers import ObjectPickerWidget

    attrs = {"id": input_id or f"id_{name}"}
    if css:
        attrs["class"] = css
    return ObjectPickerWidget(kind).render(name, None, attrs)


@register.filter
def operator(value: Any, default: str = "系统") -> Any:
    """Who did it: real name, login on hover (``{{ row|operator }}``); see ``core.people``."""
    from jiangqiao.core.people import operator_html

    return operator_html(value, default)


@register.simple_tag(takes_context=True)
def submit_once_token(context: Any) -> Any:
    """A fresh one-time ``form_token`` (``core.submissions``) for a hand-written form that creates
    something, rendered inside a panel or a list page rather than by its own create view: the
    view posted to runs the creation once per token. Empty for an anonymous visitor."""
    from jiangqiao.core import submissions

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return format_html(
        '<input type="hidden" name="{}" value="{}">',
        submissions.TOKEN_FIELD,
        submissions.token_new(user=user),
    )
