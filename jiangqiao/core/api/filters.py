"""The API's filter backend: filters never silently answer with the unfiltered list.

django-filter's ``DjangoFilterBackend`` answers an invalid filter value with 400 and Django's bare
form message (“选择一个有效的选项”, not naming the filter), treats a unit outside the caller's
scope as invalid (the pages show an empty list instead), and ignores parameters it does not know:
``?org=5`` on a list whose filter is ``org_id`` returned everything. Here, as on the pages:

* a well-formed id that is not among a filter's choices (another city's unit, a deleted one) →
  an empty list — a unit the caller may not see looks exactly like one that does not exist;
* any other invalid value → 400, the message naming the filter (label and parameter);
* a parameter the list does not know → 400 naming it and listing the ones it knows (lists only;
  pagination, ordering, ``brief``, ``format``, ``file_format``, ``purpose`` (exports) and a view's
  ``extra_query_params`` are known).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.settings import api_settings

GENERIC_PARAMETERS = ("brief", "file_format", "purpose")
ID_MAX = 2**63 - 1


def _known_parameters(view: Any, filterset: Any) -> list[str]:
    names: list[str] = list(filterset.filters) if filterset is not None else []
    paginator = getattr(view, "paginator", None)
    for attr in (
        "page_query_param",
        "page_size_query_param",
        "limit_query_param",
        "offset_query_param",
        "cursor_query_param",
    ):
        value = getattr(paginator, attr, None)
        if value:
            names.append(value)
    for backend in getattr(view, "filter_backends", ()):
        if isinstance(backend, type) and issubclass(backend, OrderingFilter):
            names.append(backend.ordering_param)
    names.extend(GENERIC_PARAMETERS)
    if api_settings.URL_FORMAT_OVERRIDE:
        names.append(api_settings.URL_FORMAT_OVERRIDE)
    names.extend(getattr(view, "extra_query_params", ()))
    return list(dict.fromkeys(names))


def _well_formed_id(flt: Any, raw: str) -> bool:
    """A value that could name a row of the filter's model (so “not a choice” means “not yours”)."""
    if not isinstance(flt, django_filters.ModelChoiceFilter):
        return False
    field = flt.field
    to_field = getattr(field, "to_field_name", None)
    model = field.queryset.model if getattr(field, "queryset", None) is not None else None
    if model is None:
        return False
    target = model._meta.get_field(to_field) if to_field else model._meta.pk
    try:
        value = target.to_python(raw)
    except Exception:  # ValidationError, or anything a field raises on text
        return False
    if isinstance(value, int):
        return 0 < value <= ID_MAX
    return value not in (None, "")


def _label(flt: Any, name: str) -> str:
    label = str(flt.label) if flt is not None and flt.label else ""
    return f"筛选条件“{label}”（{name}）" if label else f"筛选条件 {name}"


class ScopedFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` with the rules above (set as the default filter backend)."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if not getattr(view, "detail", False):
            known = _known_parameters(view, filterset)
            unknown = [name for name in request.query_params if name not in known]
            if unknown:
                listing = "、".join(known)
                raise ValidationError(
                    {
                        name: [f"不支持的查询参数“{name}”（本接口可用的参数：{listing}）"]
                        for name in unknown
                    }
                )
        if filterset is None:
            return queryset
        if filterset.is_valid():
            return filterset.qs  # type: ignore[no-any-return]
        errors: dict[str, list[str]] = {}
        for name, messages in filterset.errors.items():
            flt = filterset.filters.get(name)
            raw = request.query_params.get(name, "")
            codes = {e.code for e in filterset.form.errors.as_data().get(name, [])}
            if codes == {"invalid_choice"} and _well_formed_id(flt, raw):
                continue
            errors[name] = [f"{_label(flt, name)}：{message}" for message in messages]
        if errors:
            raise ValidationError(errors)
        # Only well-formed ids outside the choices remain (``outside``): nothing matches them.
        return queryset.none()
