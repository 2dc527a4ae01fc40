"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any, cast

from django import forms


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's model choice field ``name`` (typed, so its queryset can be narrowed)."""
    return cast(forms.ModelChoiceField[Any], form.fields[name])


class NotificationPreferenceForm(forms.Form):
    by_email = forms.BooleanField(label="同时发送电子邮件", required=False)
    by_sms = forms.BooleanField(label="同时发送短信", required=False)
    mobile = forms.CharField(
        label="接收短信的手机号", max_length=20, required=False, help_text="仅在开启短信时保存"
    )
    by_wechat = forms.BooleanField(label="同时发送微信消息", required=False)
    wechat_openid = forms.CharField(
        label="微信 OpenID", max_length=64, required=False, help_text="关注工会公众号后获得"
    )
