"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any, cast

from django import forms


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's model choice field ``name`` (typed, so its queryset can be narrowed)."""
    return cast(forms.ModelChoiceField[Any], form.fields[name])
