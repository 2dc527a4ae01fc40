"""``TermCodeField``: a model field storing one code of a reference scheme.

::

    class Talent(OrgOwnedModel):
        industry_code = TermCodeField("industry", verbose_name="所属行业", blank=True)
        county_code = TermCodeField("region", levels=[3], verbose_name="所在区县")

It is a ``CharField`` (``max_length`` 32) validated by
:class:`~jiangqiao.taxonomy.validators.TermCodeValidator`; its form field is
:class:`~jiangqiao.taxonomy.forms.TermChoiceField` with the htmx picker. Show the label with
:func:`jiangqiao.taxonomy.selectors.term_label` (cached).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .choices import SCHEMES
from .validators import TermCodeValidator


class TermCodeField(models.CharField):
    """A code of ``scheme`` (optionally restricted to ``levels``)."""

    def __init__(
        self,
        scheme: str,
        *args: Any,
        levels: Iterable[int] | None = None,
        **kwargs: Any,
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"未知的分类方案：{scheme}")
        self.scheme = scheme
        self.levels = [int(level) for level in levels] if levels else None
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.validators.append(TermCodeValidator(scheme, self.levels))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 32:
            del kwargs["max_length"]
        args = [self.scheme, *args]
        if self.levels:
            kwargs["levels"] = self.levels
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        from .forms import TermChoiceField

        defaults: dict[str, Any] = {
            "form_class": TermChoiceField,
            "scheme": self.scheme,
            "levels": self.levels,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        defaults.pop("choices_form_class", None)
        # CharField.formfield() passes max_length; the picker's text may be longer (a name).
        defaults.pop("max_length", None)
        return models.Field.formfield(self, form_class=form_class, **defaults)
