"""The change log in words: objects and references by name, never "841→2".

A snapshot stores a reference as its key (``org: 841``). For display, :func:`name_changes`
resolves every key of a page of entries to the referenced row's name, with a link, in one
query per referenced model, **through** ``visible_to(user, "view")``: a reference outside the
user's scope reads "（不在您的数据范围内）", never its name. The changed object itself is
named by its current ``str`` (linked) when the user may see it, else by the name logged then.

Every other value goes through ``core.audit_values`` (choice and term labels, 是/否, local
times, readable lists); technical fields (ids, versions) are left out. This is the one place
the change-log pages get their rows in words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .audit_values import (
    EMPTY,
    Refs,
    ValueRenderer,
    is_empty,
    is_hidden,
    json_spec,
    ref_model,
    source_label,
)
from .pickers import key_from_text

OUT_OF_SCOPE = "（不在您的数据范围内）"


def _relation(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    related = getattr(field, "is_relation", False) and getattr(field, "related_model", None)
    if related and (field.many_to_one or field.one_to_one or field.many_to_many):
        return field
    return None


def _keys(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [v for v in value if v is not None]
    return [value]


def _visible(model: type[models.Model], user: Any) -> models.QuerySet[Any]:
    manager = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user, "view")  # type: ignore[no-any-return]
    # Models without a data scope (content types, permissions): names are not unit data.
    return manager.all()


def _link(obj: Any) -> SafeString:
    url = ""
    try:
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    except Exception:
        url = ""
    if url:
        return format_html('<a href="{}">{}</a>', url, str(obj))
    return format_html("{}", str(obj))


def _related_model(model: type[models.Model] | None, name: str) -> Any:
    """The model a field refers to: a relation, or a JSON list of keys (``audit_values.Refs``)."""
    field = _relation(model, name)
    if field is not None:
        return field.related_model
    spec = json_spec(model, name)
    return ref_model(spec) if isinstance(spec, Refs) else None


def _render(value: Any, names: dict[str, SafeString]) -> SafeString | str:
    keys = _keys(value)
    if not keys:
        return EMPTY
    return format_html_join("、", "{}", ((names.get(str(k), OUT_OF_SCOPE),) for k in keys))


def name_changes(entries: Iterable[Any], user: Any) -> list[Any]:
    """Set ``named_diff`` (``[(field, before, after)]`` in words: references by name, other values
    by ``core.audit_values``, technical fields left out), ``object_html`` and ``source_label``
    on each. Queries: one per referenced model and one per term scheme for the whole page."""
    entries = list(entries)
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    values = ValueRenderer()
    plans = []
    for entry in entries:
        model = entry.content_type.model_class()
        diff = entry.diff() if hasattr(entry, "diff") else []
        # Technical fields, and "empty → empty" (None → "" on a create) say nothing to a reader.
        diff = [
            (name, b, a)
            for name, b, a in diff
            if not is_hidden(model, name) and not (is_empty(b) and is_empty(a))
        ]
        relations = {}
        for name, before, after in diff:
            related = _related_model(model, name)
            if related is not None:
                relations[name] = related
                for key in (*_keys(before), *_keys(after)):
                    wanted[related].add(key)
            else:
                values.collect(model, name, before)
                values.collect(model, name, after)
        if model is not None:
            wanted[model].add(entry.object_id)
        plans.append((entry, model, diff, relations))
    names: dict[type[models.Model], dict[str, SafeString]] = {}
    objects: dict[type[models.Model], dict[str, Any]] = {}
    for model, keys in wanted.items():
        clean = [k for k in keys if key_from_text(str(k)) is not None]
        rows = {str(o.pk): o for o in _visible(model, user).filter(pk__in=clean)} if clean else {}
        objects[model] = rows
        names[model] = {k: _link(o) for k, o in rows.items()}
    for entry, model, diff, relations in plans:
        named = []
        for name, before, after in diff:
            related = relations.get(name)
            if related is not None:
                known = names.get(related, {})
                named.append((name, _render(before, known), _render(after, known)))
            else:
                named.append(
                    (name, values.render(model, name, before), values.render(model, name, after))
                )
        entry.named_diff = named
        entry.source_label = source_label(getattr(entry, "source", ""))
        obj = objects.get(model, {}).get(str(entry.object_id)) if model is not None else None
        entry.object_html = _link(obj) if obj is not None else format_html("{}", entry.object_repr)
    return entries
