"""Tests for the Django validator wrappers.

These need neither a database nor project settings: ``ValidationError``, unbound model/form
fields and migration serialisation all work with Django's defaults, so the module runs both
with ``-p no:django`` and under pytest-django once ``config.settings`` exists.
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.migrations.writer import MigrationWriter

from jiangqiao.core import identifiers as ids
from jiangqiao.core import validators as v

VALID_USCC = "9144030071526726XG"  # published example
BAD_CHECK_USCC = "91350100M000100Y4Z"  # brief: check should be '3'
VALID_ID = "11010519491231002X"  # GB 11643-1999 example


def id_with_check(first17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check (Σ a_i·2^(18-i) ≡ 1 mod 11), computed independently."""
    for check in "0123456789X":
        acc = 0
        for ch in first17 + check:
            acc = (acc * 2 + (10 if ch == "X" else int(ch))) % 11
        if acc == 1:
            return first17 + check
    raise AssertionError("unreachable")  # pragma: no cover


def union_uscc() -> str:
    """A valid 81… code: the published example with department/category changed to 8/1."""
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "81" + VALID_USCC[2:17]
    acc = 0
    for ch in reversed(first17):
        acc = (acc * 3 + charset.index(ch)) % 31
    return first17 + charset[-acc % 31]


def raised(validator: v.IdentifierValidator, value: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (v.validate_uscc, VALID_USCC),
        (v.validate_uscc, union_uscc()),
        (v.validate_union_uscc, union_uscc()),
        (v.validate_id_number, VALID_ID),
        (v.validate_mobile, "13812345678"),
        (v.validate_mobile, 13812345678),  # non-str values are converted with str()
    ],
)
def test_valid_values_pass(validator: v.IdentifierValidator, value: object) -> None:
    validator(value)  # does not raise


@pytest.mark.parametrize(
    ("validator", "value", "code", "message"),
    [
        (v.validate_uscc, BAD_CHECK_USCC, "uscc_check", "校验位应为“3”，实际为“Z”"),
        (v.validate_uscc, "91350100M000100Y4", "uscc_length", "应为18位，实际为17位"),
        (
            v.validate_uscc,
            "9135I100M000100Y43",
            "uscc_char",
            "第5位字符“I”不是合法字符（不使用I、O、S、V、Z）",
        ),
        (v.validate_uscc, "9144030071526726xg", "uscc_format", "格式不规范，含有小写字母"),
        (
            v.validate_union_uscc,
            VALID_USCC,
            "uscc_not_union",
            "基层工会的统一社会信用代码应以 81 开头",
        ),
        (v.validate_union_uscc, BAD_CHECK_USCC, "uscc_check", "校验位应为“3”，实际为“Z”"),
        (v.validate_id_number, "110105194912310021", "id_number_check", "校验位应为“X”，实际为“1”"),
        (
            v.validate_id_number,
            "110105491231002",
            "id_number_legacy",
            "应为18位（15位旧号码已停止使用）",
        ),
        (
            v.validate_id_number,
            id_with_check("11010519000229002"),
            "id_number_birth_date",
            "第7至14位出生日期“19000229”不是有效日期",
        ),
        (v.validate_mobile, "12812345678", "mobile_prefix", "第2位应为3至9，实际为“2”"),
        (v.validate_mobile, "+86 13812345678", "mobile_format", "格式不规范，含有国家代码、空格"),
    ],
)
def test_errors_carry_code_and_unlabelled_message(
    validator: v.IdentifierValidator, value: str, code: str, message: str
) -> None:
    error = raised(validator, value)
    assert error.code == code
    assert error.messages == [message]
    assert isinstance(error.__cause__, ids.IdentifierError)


def test_id_number_validator_rejects_future_birth_dates() -> None:
    # Two days of margin so the project time zone and the system date cannot disagree.
    future = dt.date.today() + dt.timedelta(days=2)
    past = dt.date.today() - dt.timedelta(days=2)
    error = raised(v.validate_id_number, id_with_check(f"440305{future:%Y%m%d}123"))
    assert error.code == "id_number_birth_date"
    assert error.messages == [f"出生日期“{future:%Y%m%d}”晚于今天"]
    v.validate_id_number(id_with_check(f"440305{past:%Y%m%d}123"))


@pytest.mark.parametrize(
    ("validator", "value", "message"),
    [
        (v.validate_uscc, BAD_CHECK_USCC, "统一社会信用代码：校验位应为“3”，实际为“Z”"),
        (
            v.validate_union_uscc,
            VALID_USCC,
            "统一社会信用代码：基层工会的统一社会信用代码应以 81 开头",
        ),
        (v.validate_id_number, "11010519491231002", "居民身份证号：应为18位，实际为17位"),
        (v.validate_mobile, "23812345678", "手机号码：应以1开头"),
    ],
)
def test_with_label_uses_default_label(
    validator: v.IdentifierValidator, value: str, message: str
) -> None:
    labelled = validator.with_label()
    assert type(labelled) is type(validator)
    assert raised(labelled, value).messages == [message]
    # The module-level instance is unchanged.
    assert validator.label is None


def test_custom_labels() -> None:
    error = raised(v.validate_uscc.with_label("工会统一社会信用代码"), BAD_CHECK_USCC)
    assert error.messages == ["工会统一社会信用代码：校验位应为“3”，实际为“Z”"]
    assert error.code == "uscc_check"

    contact_mobile = functools.partial(v.MobileValidator, label="联系人手机")()
    assert raised(contact_mobile, "1381234567").messages == ["联系人手机：应为11位，实际为10位"]

    direct = v.IdNumberValidator(label="会员身份证号")
    assert raised(direct, "110105194912310021").messages == [
        "会员身份证号：校验位应为“X”，实际为“1”"
    ]


def test_to_validation_error() -> None:
    error = ids.IdentifierError("不能为空", "mobile_required")
    plain = v.to_validation_error(error)
    assert (plain.code, plain.messages) == ("mobile_required", ["不能为空"])
    labelled = v.to_validation_error(error, "手机号码")
    assert (labelled.code, labelled.messages) == ("mobile_required", ["手机号码：不能为空"])


def test_model_field_integration() -> None:
    field: models.CharField[str, str] = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, validators=[v.validate_union_uscc]
    )
    assert field.clean(union_uscc(), None) == union_uscc()
    with pytest.raises(ValidationError) as info:
        field.clean(VALID_USCC, None)
    assert [e.code for e in info.value.error_list] == ["uscc_not_union"]
    assert info.value.messages == ["基层工会的统一社会信用代码应以 81 开头"]


def test_form_field_integration() -> None:
    field = forms.CharField(validators=[v.validate_mobile])
    assert field.clean(" 13812345678 ") == "13812345678"  # CharField strips by default
    with pytest.raises(ValidationError) as info:
        field.clean("138 1234 5678")
    assert [e.code for e in info.value.error_list] == ["mobile_format"]


def _settings_available() -> bool:
    try:
        return settings.USE_I18N is not None
    except ImproperlyConfigured:
        return False


@pytest.mark.skipif(not _settings_available(), reason="a bound Form needs Django settings (i18n)")
def test_form_errors_are_attached_to_the_field() -> None:
    class MemberForm(forms.Form):
        id_number = forms.CharField(validators=[v.validate_id_number])

    form = MemberForm(data={"id_number": "110105194912310021"})
    assert not form.is_valid()
    assert form.errors["id_number"] == ["校验位应为“X”，实际为“1”"]
    assert form.has_error("id_number", code="id_number_check")


def test_cleaners_are_reexported_for_form_fields() -> None:
    assert v.clean_uscc is ids.clean_uscc
    assert v.clean_id_number("11010519491231002x") == VALID_ID
    assert v.clean_mobile("+86 138-1234-5678") == "13812345678"


def test_deconstruct_and_equality() -> None:
    assert v.validate_uscc.deconstruct() == ("jiangqiao.core.validators.UsccValidator", (), {})
    assert v.validate_mobile.with_label("联系人手机").deconstruct() == (
        "jiangqiao.core.validators.MobileValidator",
        (),
        {"label": "联系人手机"},
    )
    assert v.UsccValidator() == v.validate_uscc
    assert hash(v.UsccValidator()) == hash(v.validate_uscc)
    assert v.validate_uscc.with_label() == v.UsccValidator(label="统一社会信用代码")
    assert v.validate_uscc != v.validate_uscc.with_label()
    assert v.validate_uscc != v.validate_union_uscc  # same label, different rule
    assert repr(v.validate_mobile) == "MobileValidator(label=None)"


def test_migration_serialisation() -> None:
    source, imports = MigrationWriter.serialize(v.validate_union_uscc)
    assert source == "jiangqiao.core.validators.UnionUsccValidator()"
    assert imports == {"import jiangqiao.core.validators"}
    source, _ = MigrationWriter.serialize(v.validate_id_number.with_label())
    assert source == "jiangqiao.core.validators.IdNumberValidator(label='居民身份证号')"


def test_subclass_contract_for_future_validators() -> None:
    """Other apps (e.g. taxonomy code-existence checks) extend the base class like this."""

    class EvenValidator(v.IdentifierValidator):
        default_label = "偶数"

        def check(self, value: str) -> None:
            if int(value) % 2:
                raise ids.IdentifierError("应为偶数", "even")

    EvenValidator()("4")
    error = raised(EvenValidator().with_label(), "3")
    assert (error.code, error.messages) == ("even", ["偶数：应为偶数"])


def test_base_class_is_abstract() -> None:
    with pytest.raises(TypeError, match="must implement check"):
        v.IdentifierValidator()("x")
