"""One place for field-named Chinese validation messages (issue 14, point 6).

Django's and DRF's default messages either say nothing about the field (“该字段是必填项。”) or
read as machine translation (“确保该变量包含不超过 5000 字符 (目前字符数 5012)。”). This module
maps their error *codes* to messages that name the field: “请选择所属组织”, “需求描述最多 5000
个字（现有 5012 个）”. It is used by

* :func:`localize_form` — page forms (the generic views and the other page views call it): field
  error messages, the 请选择 empty label of every select, ``maxlength`` + a live counter
  (``static/jiangqiao/app.js``) on text inputs and textareas with a length limit (no counter on a
  one-time code box, ``autocomplete="one-time-code"``);
* :func:`localize_filter_form` — list filter panels: also 不限/是/否 for boolean filters;
* :func:`named_messages` — errors of a model's ``full_clean()`` raised in a service, before the
  generic views attach them to the form;
* :func:`localize_drf_detail` — API 400 bodies (``core.api.exceptions``), by code and the
  serializer field's label and limits.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django import forms

F = TypeVar("F", bound=forms.BaseForm)

EMPTY_LABEL = "请选择"
ANY_LABEL = "不限"
BOOLEAN_CHOICES = [("unknown", ANY_LABEL), ("true", "是"), ("false", "否")]

#: Django codes → message (``{label}`` filled in here; ``%(…)s`` by Django from the params).
DJANGO_MESSAGES: dict[str, str] = {
    "required": "请填写{label}",
    "null": "请填写{label}",
    "blank": "请填写{label}",
    "max_length": "{label}最多 %(limit_value)d 个字（现有 %(show_value)d 个）",
    "min_length": "{label}至少 %(limit_value)d 个字（现有 %(show_value)d 个）",
    "invalid_choice": "{label}：所选的值不在可选范围内，请重新选择",
    "invalid_pk_value": "{label}：所选的值不在可选范围内，请重新选择",
    "invalid_list": "{label}：请选择一个或多个选项",
    "max_value": "{label}不能大于 %(limit_value)s",
    "min_value": "{label}不能小于 %(limit_value)s",
    "step_size": "{label}应为 %(limit_value)s 的整数倍",
    "max_digits": "{label}最多 %(max)s 位数字",
    "max_decimal_places": "{label}最多 %(max)s 位小数",
    "max_whole_digits": "{label}整数部分最多 %(max)s 位",
    "unique": "{label}已存在，不能重复",
    "missing": "{label}：没有收到文件，请重新选择",
    "empty": "{label}：文件是空的",
}

#: ``invalid`` depends on the kind of field.
INVALID_MESSAGES: tuple[tuple[type, str], ...] = (
    (forms.DateTimeField, "{label}：请输入有效的日期时间，如 2026-03-15 09:30"),
    (forms.DateField, "{label}：请输入有效的日期，如 2026-03-15"),
    (forms.TimeField, "{label}：请输入有效的时间，如 09:30"),
    (forms.IntegerField, "{label}应为整数"),
    (forms.DecimalField, "{label}应为数字"),
    (forms.FloatField, "{label}应为数字"),
    (forms.EmailField, "{label}：请输入有效的电子邮箱地址"),
    (forms.URLField, "{label}：请输入有效的网址"),
    (forms.UUIDField, "{label}格式不正确"),
    (forms.FileField, "{label}：提交的不是文件，请检查表单的编码类型"),
)
INVALID_DEFAULT = "{label}格式不正确"


def _escape(label: str) -> str:
    return label.replace("%", "%%")


def _is_choice(field: forms.Field) -> bool:
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField) or isinstance(
        field.widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple
    )


def field_messages(field: forms.Field, label: str) -> dict[str, str]:
    """The Chinese ``error_messages`` of a form field labelled ``label``."""
    label = _escape(label)
    messages = {code: text.format(label=label) for code, text in DJANGO_MESSAGES.items()}
    if _is_choice(field):
        messages["required"] = f"请选择{label}"
    invalid = next((t for kind, t in INVALID_MESSAGES if isinstance(field, kind)), INVALID_DEFAULT)
    messages["invalid"] = invalid.format(label=label)
    return messages


def _label(name: str, field: forms.Field) -> str:
    return str(field.label or name).rstrip("：:*").strip()


def _django_defaults(field: forms.Field) -> dict[str, str]:
    """Django's own messages of ``field``'s class (``default_error_messages`` along the MRO)."""
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update({k: str(v) for k, v in getattr(cls, "default_error_messages", {}).items()})
    return defaults


def localize_form(form: F) -> F:
    """Chinese, field-named messages; 请选择 in selects; ``maxlength`` and a counter on limited
    text boxes. Idempotent; call before ``is_valid()`` (the base forms of :mod:`core.forms` do).
    A message a form declares itself (not Django's default for that code) is kept."""
    for name, field in form.fields.items():
        label = _label(name, field)
        messages = field_messages(field, label)
        if any(getattr(v, "code", None) == "invalid" for v in field.validators):
            # A validator's own 'invalid' message (a pattern's) says more than 格式不正确.
            messages.pop("invalid")
        defaults = _django_defaults(field)
        for code, current in field.error_messages.items():
            own = code in defaults and str(current) not in (defaults[code], messages.get(code))
            if code in messages and own:
                messages.pop(code)  # the form's own wording
        # Field.run_validators also uses error_messages[code] for validators' errors.
        field.error_messages = {**field.error_messages, **messages}
        if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
            field.empty_label = EMPTY_LABEL
        elif (
            isinstance(field, forms.ChoiceField)
            and not isinstance(field, forms.MultipleChoiceField)
            and isinstance(field.choices, list)  # a lazy list (a code table) is left alone
            and field.choices
            and field.choices[0][0] == ""
            and str(field.choices[0][1]).strip("-") == ""
        ):
            field.choices = [("", EMPTY_LABEL), *field.choices[1:]]
        max_length = getattr(field, "max_length", None)
        if max_length and isinstance(field.widget, forms.TextInput | forms.Textarea):
            field.widget.attrs.setdefault("maxlength", str(max_length))
            # A one-time code is read out and typed whole: a “0 / 12 字” counter only confuses.
            if field.widget.attrs.get("autocomplete") != "one-time-code":
                field.widget.attrs.setdefault("data-counter", "")
    return form


def localize_filter_form(form: F) -> F:
    """A filter panel: as :func:`localize_form`, and boolean filters read 不限/是/否 (不限 being
    the default) instead of 未知/是/否."""
    localize_form(form)
    for field in form.fields.values():
        if isinstance(field.widget, forms.NullBooleanSelect) or (
            isinstance(field, forms.NullBooleanField) and isinstance(field.widget, forms.Select)
        ):
            field.widget.choices = list(BOOLEAN_CHOICES)
    return form


def named_messages(error: Any, label: str, field: forms.Field | None = None) -> list[str]:
    """The messages of a Django ``ValidationError`` (list form) for the field ``label``: those
    with a known code reworded, the others (our own, already named, and ``invalid``, which a
    pattern validator words better) unchanged."""
    out = []
    for item in getattr(error, "error_list", [error]):
        code = getattr(item, "code", None)
        template = DJANGO_MESSAGES.get(code or "")
        if template is None:
            out.extend(item.messages)
            continue
        if code == "required" and field is not None and _is_choice(field):
            template = "请选择{label}"
        text = template.format(label=_escape(label))
        params = getattr(item, "params", None) or {}
        try:
            out.append(text % params if params else text.replace("%%", "%"))
        except (KeyError, TypeError, ValueError):
            out.extend(item.messages)
    return out


# ------------------------------------------------------------------------------------------------
# DRF
# ------------------------------------------------------------------------------------------------

DRF_MESSAGES: dict[str, str] = {
    "required": "请填写{label}",
    "null": "请填写{label}",
    "blank": "请填写{label}",
    "max_length": "{label}最多 {max_length} 个字",
    "min_length": "{label}至少 {min_length} 个字",
    "invalid_choice": "{label}：所选的值不在可选范围内",
    "does_not_exist": "{label}：所选的记录不存在或不在您的数据范围内",
    "incorrect_type": "{label}：应为记录的 ID（整数）",
    "max_value": "{label}不能大于 {max_value}",
    "min_value": "{label}不能小于 {min_value}",
    "max_digits": "{label}最多 {max_digits} 位数字",
    "max_decimal_places": "{label}最多 {max_decimal_places} 位小数",
    "max_whole_digits": "{label}整数部分最多 {max_whole_digits} 位",
    "not_a_list": "{label}：应为列表",
    "empty": "{label}：不能为空",
    "unique": "{label}已存在，不能重复",
    "date": "{label}：应为日期，如 2026-03-15",
    "datetime": "{label}：应为日期时间，如 2026-03-15T09:30:00+08:00",
}
DRF_INVALID = {
    "DateTimeField": "{label}：应为日期时间，如 2026-03-15T09:30:00+08:00",
    "DateField": "{label}：应为日期，如 2026-03-15",
    "TimeField": "{label}：应为时间，如 09:30",
    "IntegerField": "{label}应为整数",
    "DecimalField": "{label}应为数字",
    "FloatField": "{label}应为数字",
    "BooleanField": "{label}应为 true 或 false",
    "EmailField": "{label}：请输入有效的电子邮箱地址",
}


def _drf_message(code: str, field: Any, label: str) -> str | None:
    if code == "invalid":
        names = [cls.__name__ for cls in type(field).__mro__]
        template = next((DRF_INVALID[n] for n in names if n in DRF_INVALID), None)
    else:
        template = DRF_MESSAGES.get(code)
    if template is None:
        return None
    limits = {
        key: getattr(field, key, None)
        for key in (
            "max_length",
            "min_length",
            "max_value",
            "min_value",
            "max_digits",
            "max_decimal_places",
        )
    }
    limits["max_whole_digits"] = (limits["max_digits"] or 0) - (limits["max_decimal_places"] or 0)
    if any(f"{{{key}}}" in template and value is None for key, value in limits.items()):
        return None
    return template.format(label=label, **limits)


def _is_default(field: Any, code: str, text: str) -> bool:
    """Whether ``text`` is DRF's own message for ``code`` (not one of ours with that code)."""
    from rest_framework.validators import UniqueValidator

    defaults: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):  # the class's, not a message the field declares
        defaults.update(getattr(cls, "default_error_messages", {}))
    default = defaults.get(code)
    if default is None:
        return code == "unique" and text == str(UniqueValidator.message)
    parts = re.split(r"\{\w+\}", str(default))
    return re.fullmatch(".*".join(re.escape(p) for p in parts), text, re.DOTALL) is not None


def _drf_label(field: Any, name: str) -> str:
    """The field's label; for a field declared without one (DRF then says “Kind”), the model
    field's ``verbose_name``."""
    label = str(getattr(field, "label", None) or name)
    if label != name.replace("_", " ").capitalize():
        return label
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    source = str(getattr(field, "source", None) or name)
    try:
        return str(model._meta.get_field(source).verbose_name) if model is not None else label
    except Exception:  # not a model field (a computed or write-only one)
        return label


def localize_drf_detail(detail: Any, fields: dict[str, Any]) -> Any:
    """An API ``ValidationError`` body with DRF's default messages of the serializer's top-level
    ``fields`` reworded by code (our own messages — other codes — pass unchanged)."""
    from rest_framework.exceptions import ErrorDetail

    if not isinstance(detail, dict):
        return detail
    out: dict[str, Any] = {}
    for name, value in detail.items():
        field = fields.get(name)
        if field is None or not isinstance(value, list):
            out[name] = value
            continue
        label = _drf_label(field, name)
        items = []
        for item in value:
            if isinstance(item, ErrorDetail) and _is_default(field, str(item.code), str(item)):
                text = _drf_message(str(item.code), field, label)
                items.append(ErrorDetail(text, code=item.code) if text else item)
            else:
                items.append(item)
        out[name] = items
    return out
