"""django-filter filters over taxonomy codes, shared by every app's FilterSet."""

from __future__ import annotations

from typing import Any

import django_filters as filters

from .forms import TermChoiceField


class TermFilter(filters.CharFilter):
    """A code of a taxonomy scheme, typed as code or name or picked with the htmx picker.

    An unknown code is a form error (400 in the API, a message under the field on the page).
    """

    field_class = TermChoiceField

    def __init__(self, scheme: str, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(scheme=scheme, **kwargs)
