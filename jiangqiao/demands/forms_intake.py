"""Forms of 企业自助注册 and 联络员代录 (docs/intake.md). They check input; services write."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm, LocalizedModelForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField

from .choices import REGISTRATION_CONSENT_TEXT, REGISTRATION_CONSENT_VERSION, IntakeChannel
from .models import Demand
from .selectors import enterprise_choices_for


def _code_field(label: str = "短信验证码") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class RegistrationForm(LocalizedForm):
    """企业自助注册 on a phone: the enterprise, its contact, the account, the consent, the code."""

    enterprise_name = forms.CharField(label="企业名称", max_length=200)
    uscc = forms.CharField(
        label="统一社会信用代码", max_length=40, help_text="营业执照上的 18 位代码"
    )
    contact_name = forms.CharField(label="联系人姓名", max_length=50)
    contact_title = forms.CharField(label="职务", max_length=50, required=False)
    mobile = forms.CharField(
        label="手机号码",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="用于接收验证码和需求联系，加密保存",
    )
    username = forms.CharField(
        label="登录账号",
        max_length=30,
        help_text="4–30 个字母、数字或 @ . + - _",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label="密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
    )
    password2 = forms.CharField(
        label="确认密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
    )
    consent = forms.BooleanField(
        label=f"我已阅读并同意《个人信息处理告知》（{REGISTRATION_CONSENT_VERSION}）",
        required=False,
        help_text=REGISTRATION_CONSENT_TEXT,
    )
    code = _code_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", "确认密码：两次输入的密码不一致")
        return data

    def service_data(self) -> dict[str, Any]:
        skip = ("password2", "code")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class AssistedEntryForm(LocalizedModelForm):
    """联络员代录 on a phone: the enterprise (picked, or new), how and where, the demand, the
    contact who confirms by code."""

    enterprise = ObjectChoiceField(
        "enterprise",
        label="企业",
        required=False,
        help_text="输入名称或统一社会信用代码检索；未登记的企业填写下面两项",
    )
    new_name = forms.CharField(label="新企业名称", max_length=200, required=False)
    new_uscc = forms.CharField(label="新企业统一社会信用代码", max_length=40, required=False)
    intake_channel = forms.ChoiceField(
        label="代录方式", choices=[("", "请选择"), *IntakeChannel.choices]
    )
    intake_place = forms.CharField(label="代录地点", max_length=200)
    contact_name = forms.CharField(label="企业联系人姓名", max_length=50)
    contact_mobile = forms.CharField(
        label="企业联系人手机号码",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        help_text="验证码发到此号码，由联系人当面告知您",
    )

    class Meta:
        model = Demand
        fields = ["kind", "title", "description", "trainee_count"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        labels = {"title": "一句话说明需求"}
        help_texts = {"trainee_count": "选择“技能培训需求”时必填"}

    field_order = [
        "enterprise",
        "new_name",
        "new_uscc",
        "intake_channel",
        "intake_place",
        "kind",
        "title",
        "description",
        "trainee_count",
        "contact_name",
        "contact_mobile",
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "enterprise").queryset = enterprise_choices_for(user=user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = data.get("enterprise")
        typed = (data.get("new_name") or "").strip() or (data.get("new_uscc") or "").strip()
        if picked is None and not typed:
            self.add_error("enterprise", "企业：请选择已登记的企业，或填写新企业的名称和代码")
        if picked is not None and typed:
            self.add_error("new_name", "新企业名称：已选择已登记的企业时不填")
        return data

    def _post_clean(self) -> None:
        pass

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "enterprise": data.get("enterprise"),
            "new_name": data.get("new_name") or "",
            "new_uscc": data.get("new_uscc") or "",
            "intake_channel": data["intake_channel"],
            "intake_place": data["intake_place"],
            "contact_name": data["contact_name"],
            "contact_mobile": data["contact_mobile"],
            "data": {k: data.get(k) for k in self._meta.fields or ()},
        }


class CodeForm(LocalizedForm):
    code = _code_field("企业联系人告知的验证码")


class RefuseForm(LocalizedForm):
    reason = forms.CharField(
        label="拒绝原因",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="原因将告知申请人：请勿写入企业的其他联系人或工会的内部信息",
    )
