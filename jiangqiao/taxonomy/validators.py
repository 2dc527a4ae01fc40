"""Django validators for codes of the reference schemes.

Use them on model or form fields that store a code::

    industry_code = models.CharField("行业", max_length=32, validators=[validate_industry_code])
    county_code = models.CharField(..., validators=[TermCodeValidator("region", levels=[3])])

The validators check the *stored* form of a code (``3461``, ``440300``, ``6-28-01-01``,
``senior_worker``); form fields (:mod:`jiangqiao.taxonomy.forms`) turn what users type into
that form first. Messages are in Chinese and name what was expected, e.g.
“行政区划代码“440399”不存在（GB/T 2260）”.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from .choices import SCHEMES
from .selectors import canonical_code, term_info


@deconstructible
class TermCodeValidator:
    """Checks that a value is an existing, active code of ``scheme`` (at one of ``levels``)."""

    def __init__(
        self, scheme: str, levels: Iterable[int] | None = None, *, allow_inactive: bool = False
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"未知的分类方案：{scheme}")
        self.scheme = scheme
        self.levels = tuple(sorted(int(level) for level in levels)) if levels else None
        self.allow_inactive = allow_inactive

    def _expected_levels(self) -> str:
        info = SCHEMES[self.scheme]
        return "、".join(f"{info.level_name(level)}（第{level}级）" for level in self.levels or ())

    def __call__(self, value: Any) -> None:
        if value in (None, ""):
            return
        code = str(value)
        info = SCHEMES[self.scheme]
        params = {"code": code, "noun": info.code_noun, "reference": info.reference}
        term = term_info(self.scheme, code) if canonical_code(self.scheme, code) == code else None
        if term is None:
            hint = canonical_code(self.scheme, code)
            if hint != code and term_info(self.scheme, hint) is not None:
                raise ValidationError(
                    "%(noun)s“%(code)s”不是标准写法（%(reference)s），应为“%(hint)s”",
                    code="noncanonical_code",
                    params={**params, "hint": hint},
                )
            raise ValidationError(
                "%(noun)s“%(code)s”不存在（%(reference)s）",
                code="unknown_code",
                params=params,
            )
        if not term.is_active and not self.allow_inactive:
            raise ValidationError(
                "%(noun)s“%(code)s”已停用（%(reference)s）",
                code="inactive_code",
                params=params,
            )
        if self.levels and term.level not in self.levels:
            raise ValidationError(
                "%(noun)s“%(code)s”（%(name)s）是%(actual)s，此处应为%(expected)s",
                code="wrong_level",
                params={
                    **params,
                    "name": term.name,
                    "actual": info.level_name(term.level),
                    "expected": self._expected_levels(),
                },
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TermCodeValidator)
            and self.scheme == other.scheme
            and self.levels == other.levels
            and self.allow_inactive == other.allow_inactive
        )

    def __hash__(self) -> int:
        return hash((self.scheme, self.levels, self.allow_inactive))


validate_industry_code = TermCodeValidator("industry")
validate_region_code = TermCodeValidator("region")
validate_occupation_code = TermCodeValidator("occupation")
