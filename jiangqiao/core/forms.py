"""Form helpers shared by every app, and the base forms every page form derives from.

:class:`LocalizedForm` and :class:`LocalizedModelForm` (or :class:`LocalizedFormMixin` in front of another base,
such as Django's ``AuthenticationForm``) give every page form — generic or hand-written — the
field-named Chinese messages of :mod:`jiangqiao.core.field_messages` (“请填写需求描述”,
“说明最多 500 个字（现有 512 个）”), 请选择 in selects and a counter on limited text boxes,
without the view having to remember it. ``core/tests/test_form_base.py`` checks that every form
class of the project derives from it.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms

from jiangqiao.core.field_messages import localize_form


class LocalizedFormMixin:
    """Localise the form's fields once, before it is validated or rendered (fields added or
    relabelled in ``__init__`` are included: this runs after it)."""

    _localized = False

    def localize(self) -> None:
        if not self._localized:
            self._localized = True
            localize_form(self)  # type: ignore[type-var]

    def full_clean(self) -> None:
        self.localize()
        super().full_clean()  # type: ignore[misc]

    def __getitem__(self, name: str) -> Any:
        self.localize()
        return super().__getitem__(name)  # type: ignore[misc]

    def __iter__(self) -> Any:
        self.localize()
        return super().__iter__()  # type: ignore[misc]

    def get_context(self) -> Any:
        self.localize()
        return super().get_context()  # type: ignore[misc]


class LocalizedForm(LocalizedFormMixin, forms.Form):
    """The base of the project's plain forms."""


class LocalizedModelForm(LocalizedFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """The base of the project's model forms."""


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's model choice field ``name`` (typed, so its queryset can be narrowed)."""
    return cast(forms.ModelChoiceField[Any], form.fields[name])


class NotificationPreferenceForm(LocalizedForm):
    by_email = forms.BooleanField(label="同时发送电子邮件", required=False)
    by_sms = forms.BooleanField(label="同时发送短信", required=False)
    mobile = forms.CharField(
        label="接收短信的手机号", max_length=20, required=False, help_text="仅在开启短信时保存"
    )
    by_wechat = forms.BooleanField(label="同时发送微信消息", required=False)
    wechat_openid = forms.CharField(
        label="微信 OpenID", max_length=64, required=False, help_text="关注工会公众号后获得"
    )
