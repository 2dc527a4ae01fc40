"""Django validators for Chinese identifiers.

Thin wrappers around :mod:`jiangqiao.core.identifiers`, which holds the algorithms. Every
validator is a :class:`IdentifierValidator`: a deconstructible callable (safe in model
``validators=[...]``, migrations serialise it) raising
:class:`~django.core.exceptions.ValidationError` with a stable ``code`` such as
``"uscc_check"``.

By default messages carry no field name, because Django attaches model and form errors to
the field. API and import code that reports errors outside a form can name the field::

    validate_uscc("91350100M000100Y4Z")
    # ValidationError: 校验位应为“3”，实际为“Z”
    validate_uscc.with_label()("91350100M000100Y4Z")
    # ValidationError: 统一社会信用代码：校验位应为“3”，实际为“Z”
    UsccValidator(label="工会统一社会信用代码")("...")   # or functools.partial(UsccValidator, ...)

Validators are strict: they do not clean input. Normalise user input first with the
``clean_*`` functions (re-exported here), e.g. in a form field's ``to_python``; a value that
would only pass after cleaning is rejected with a ``*_format`` code (“格式不规范，含有空格”).

Adding validators: subclass :class:`IdentifierValidator`, set ``default_label`` and implement
:meth:`~IdentifierValidator.check` so that it raises
:class:`~jiangqiao.core.identifiers.IdentifierError` (or ``ValidationError``). Code-existence
checks against the GB/T 2260 / GB/T 4754 tables belong to the taxonomy app and can follow the
same pattern there.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from jiangqiao.core import identifiers
from jiangqiao.core.identifiers import (
    IdentifierError,
    clean_id_number,
    clean_mobile,
    clean_uscc,
)

__all__ = [
    "IdNumberValidator",
    "IdentifierError",
    "IdentifierValidator",
    "MobileValidator",
    "UnionUsccValidator",
    "UsccValidator",
    "clean_id_number",
    "clean_mobile",
    "clean_uscc",
    "to_validation_error",
    "validate_id_number",
    "validate_mobile",
    "validate_union_uscc",
    "validate_uscc",
]


def to_validation_error(error: IdentifierError, label: str | None = None) -> ValidationError:
    """Convert an :class:`IdentifierError`, optionally naming the field in the message."""
    message = error.with_label(label) if label else error.message
    return ValidationError(message, code=error.code)


_today_cache: tuple[Any, dt.date] | None = None


def _today() -> dt.date:
    """Today's date in the project time zone (system date if settings are unavailable).

    Worked out at most once a second (an import validates 100,000 ID numbers; the time-zone
    lookup behind ``localdate`` was 3 s of it)."""
    global _today_cache
    try:
        use_tz = bool(settings.USE_TZ)
        key = (int(time.time()), use_tz, settings.TIME_ZONE)
    except ImproperlyConfigured:
        return dt.date.today()
    if _today_cache is not None and _today_cache[0] == key:
        return _today_cache[1]
    today = timezone.localdate() if use_tz else dt.date.today()
    _today_cache = (key, today)
    return today


@deconstructible
class IdentifierValidator:
    """Base class: run :meth:`check` and turn an :class:`IdentifierError` into a
    ``ValidationError``. ``label`` (optional) is prefixed to the message: “标签：消息”.
    """

    default_label: ClassVar[str] = ""

    if TYPE_CHECKING:  # added at runtime by @deconstructible

        def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]: ...

    def __init__(self, label: str | None = None) -> None:
        self.label = label

    def check(self, value: str) -> None:
        """Raise :class:`IdentifierError` (or ``ValidationError``) if ``value`` is invalid.

        The base class accepts nothing: each subclass names the standard it checks.
        """
        raise TypeError(f"{type(self).__name__} must implement check()")

    def __call__(self, value: object) -> None:
        try:
            self.check(str(value))
        except IdentifierError as error:
            raise to_validation_error(error, self.label) from error

    def with_label(self, label: str | None = None) -> Self:
        """Return a copy whose messages name the field (``default_label`` if omitted)."""
        return type(self)(label=label or self.default_label)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "label", None) == self.label

    def __hash__(self) -> int:
        return hash((type(self), self.label))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(label={self.label!r})"


class UsccValidator(IdentifierValidator):
    """统一社会信用代码 (GB 32100-2015): structure, department/category and check character."""

    default_label: ClassVar[str] = identifiers.USCC_LABEL

    def check(self, value: str) -> None:
        identifiers.validate_uscc(value)


class UnionUsccValidator(IdentifierValidator):
    """统一社会信用代码 of a grassroots trade union: a valid USCC starting with ``81``."""

    default_label: ClassVar[str] = identifiers.USCC_LABEL

    def check(self, value: str) -> None:
        identifiers.validate_union_uscc(value)


class IdNumberValidator(IdentifierValidator):
    """居民身份证号 (GB 11643-1999): 18 characters, real birth date, check character."""

    default_label: ClassVar[str] = identifiers.ID_NUMBER_LABEL

    def check(self, value: str) -> None:
        identifiers.validate_id_number(value, today=_today())


class MobileValidator(IdentifierValidator):
    """中国大陆手机号: 11 digits, ``1`` then ``3``-``9``."""

    default_label: ClassVar[str] = identifiers.MOBILE_LABEL

    def check(self, value: str) -> None:
        identifiers.validate_mobile(value)


validate_uscc = UsccValidator()
validate_union_uscc = UnionUsccValidator()
validate_id_number = IdNumberValidator()
validate_mobile = MobileValidator()


# ------------------------------------------------------------------------------------------------
# Date rules (issue 14, point 5): one place, used by model ``clean()`` (so pages, the API and the
# imports, which all save through the services' ``full_clean()``, apply the same rules) and by
# the service-session checks. Dates are the project's (Asia/Shanghai). Messages name the field.
# ------------------------------------------------------------------------------------------------

#: The rule names a model may list in ``date_rules``.
DATE_RULES = ("not_past", "not_future", "future", "within_years", "year_not_future")


def max_years_ahead() -> int:
    """How far ahead a planned date may lie (``JIANGQIAO_DATE_MAX_YEARS_AHEAD``, default 5)."""
    return int(getattr(settings, "JIANGQIAO_DATE_MAX_YEARS_AHEAD", 5))


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validate_date_rule(value: Any, rule: str, *, label: str, today: dt.date | None = None) -> None:
    """Raise a ``ValidationError`` naming ``label`` if ``value`` breaks ``rule``.

    * ``not_past``: not before today (期望完成日期不能早于今天);
    * ``not_future``: not after today (发证日期不能晚于今天);
    * ``future``: after today (暂停服务至应晚于今天);
    * ``within_years``: not more than :func:`max_years_ahead` years from today;
    * ``year_not_future``: a year not after this year (获得年份不能晚于今年).
    """
    if value is None or value == "":
        return
    # Not the once-a-second ``_today()``: the demo builder moves ``timezone.now`` within a second.
    today = today or timezone.localdate()
    if rule == "year_not_future":
        if int(value) > today.year:
            raise ValidationError(f"{label}不能晚于今年（{today.year}）", code="date_not_future")
        return
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if rule == "not_past" and value < today:
        raise ValidationError(f"{label}不能早于今天（{today:%Y-%m-%d}）", code="date_not_past")
    if rule == "not_future" and value > today:
        raise ValidationError(f"{label}不能晚于今天（{today:%Y-%m-%d}）", code="date_not_future")
    if rule == "future" and value <= today:
        raise ValidationError(f"{label}应晚于今天（{today:%Y-%m-%d}）", code="date_future")
    if rule == "within_years":
        years = max_years_ahead()
        limit = _years_after(today, years)
        if value > limit:
            raise ValidationError(
                f"{label}不能晚于 {limit:%Y-%m-%d}（最多 {years} 年后）", code="date_too_far"
            )
    if rule not in DATE_RULES:
        raise ImproperlyConfigured(f"unknown date rule {rule!r}")


def validate_date_between(
    value: dt.date,
    *,
    label: str,
    earliest: dt.date | None,
    earliest_label: str,
    today: dt.date | None = None,
) -> None:
    """A date that happened: not before ``earliest`` (e.g. the demand's submission) and not
    after today (服务日期不能早于需求提交日期 / 不能晚于今天)."""
    validate_date_rule(value, "not_future", label=label, today=today)
    if earliest is not None and value < earliest:
        raise ValidationError(
            f"{label}不能早于{earliest_label}（{earliest:%Y-%m-%d}）", code="date_too_early"
        )


def date_rule_errors(instance: Any, rules: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The broken ``rules`` of ``instance`` as ``{field: [ValidationError]}`` for ``clean()``.

    A rule is checked on a new row and on a value that changed since the row was read
    (``loaded_values`` of :class:`~jiangqiao.core.models.LoadedValuesMixin`): a demand whose
    deadline has passed, or a pause that ended, can still be edited without touching that date.
    """
    loaded = getattr(instance, "_loaded_values", None)
    errors: dict[str, Any] = {}
    for name, names in rules.items():
        value = getattr(instance, name, None)
        if value is None or value == "":
            continue
        if instance.pk is not None and loaded is not None and loaded.get(name) == value:
            continue
        label = str(instance._meta.get_field(name).verbose_name)
        for rule in names:
            try:
                validate_date_rule(value, rule, label=label)
            except ValidationError as error:
                errors.setdefault(name, []).append(error)
                break
    return errors
