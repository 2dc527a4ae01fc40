"""Forms of the service casework. Labels and messages in Chinese; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from jiangqiao.core.forms import LocalizedForm
from jiangqiao.core.pickers import ObjectChoiceField
from jiangqiao.orgs.models import Organization

from .choices import ContactChannel, DeclineReason, OutcomeResult

_TEXT = {"class": "form-control"}


class CommentForm(LocalizedForm):
    comment = forms.CharField(
        label="说明",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
    )


class TransferForm(CommentForm):
    """转办. ``org`` stays a select of every active unit, not the scoped organisation picker: a
    demand may be transferred to a unit outside the sender's data scope (a sibling city, the
    province), which the picker — reading through ``visible_to`` — would never offer."""

    org = forms.ModelChoiceField(
        label="接收单位",
        queryset=Organization.objects.filter(status="active").order_by("path"),
        empty_label="请选择接收单位",
        error_messages={"invalid_choice": "所选接收单位不存在", "required": "请选择接收单位"},
    )


class DeclineForm(LocalizedForm):
    reason = forms.ChoiceField(
        label="婉拒原因",
        choices=[("", "请选择婉拒原因"), *DeclineReason.choices],
        error_messages={"required": "请选择婉拒原因", "invalid_choice": "请选择婉拒原因"},
    )
    note = forms.CharField(
        label="说明",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
        help_text="选择“其他原因”时必填",
    )


class AcceptForm(LocalizedForm):
    note = forms.CharField(
        label="留言（可选）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
    )


class ContactForm(LocalizedForm):
    channel = forms.ChoiceField(
        label="联系方式",
        choices=ContactChannel.choices,
        error_messages={"required": "请选择联系方式"},
    )
    reached = forms.BooleanField(label="已联系上企业", required=False)
    note = forms.CharField(label="说明", max_length=500, required=False)


class OutcomeForm(LocalizedForm):
    result = forms.ChoiceField(
        label="办理结果",
        choices=[("", "请选择办理结果"), *OutcomeResult.choices],
        error_messages={"required": "请选择办理结果", "invalid_choice": "请选择办理结果"},
    )
    summary = forms.CharField(
        label="结果说明",
        max_length=2000,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 4}),
        help_text="做了什么、效果如何、还有什么遗留问题",
        error_messages={"required": "请填写结果说明"},
    )


class ConfirmForm(LocalizedForm):
    answer = forms.ChoiceField(
        label="问题是否已解决",
        choices=OutcomeResult.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择问题是否已解决"},
    )
    rating = forms.TypedChoiceField(
        label="服务评分",
        choices=[(i, f"{i} 分") for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请给出 1–5 分的评分", "invalid_choice": "请给出 1–5 分的评分"},
    )
    comment = forms.CharField(
        label="评价或仍存在的问题",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
    )


class FollowUpForm(LocalizedForm):
    held = forms.TypedChoiceField(
        label="问题是否复发",
        choices=[("1", "未复发，效果保持"), ("0", "问题复发")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择问题是否复发"},
    )
    comment = forms.CharField(label="说明", max_length=1000, required=False)


class AgreementForm(LocalizedForm):
    title = forms.CharField(label="协议名称", max_length=100)
    enterprise = ObjectChoiceField("enterprise", label="企业")
    craftsman = ObjectChoiceField(
        "craftsman", label="劳模工匠", required=False, help_text="劳模工匠与服务队二选一"
    )
    team = ObjectChoiceField("serviceteam", label="服务队", required=False)
    scope_text = forms.CharField(
        label="服务内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    start_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    review_months = forms.IntegerField(label="回顾周期（月）", min_value=1, max_value=12, initial=3)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        from jiangqiao.demands.selectors import enterprise_choices_for
        from jiangqiao.talents.models import ServiceTeam
        from jiangqiao.talents.selectors import craftsman_choices_for

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["enterprise"].queryset = enterprise_choices_for(user=user)  # type: ignore[attr-defined]
        self.fields["craftsman"].queryset = craftsman_choices_for(user=user).order_by("name")  # type: ignore[attr-defined]
        self.fields["team"].queryset = (  # type: ignore[attr-defined]
            ServiceTeam.objects.visible_to(user, "view").filter(status="active").order_by("name")
        )


class DemandMergeForm(LocalizedForm):
    """合并重复需求: the survivor is one of the enterprise's other open demands the user may
    change (``services.merge_survivors``), named with its number, state and date."""

    survivor = ObjectChoiceField(
        "demand",
        label="合并后保留的需求",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "合并后保留的需求：请选择一条需求"},
    )
    comment = forms.CharField(
        label="合并说明",
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
        help_text="如：企业重复提交；两位工作人员分别代录了同一问题",
    )

    def __init__(self, *args: Any, survivors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["survivor"]
        field.queryset = survivors  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda d: (
                f"{d.number or '草稿（未编号）'} {d.title}（{d.get_status_display()}，"
                f"{timezone.localtime(d.created_at):%Y-%m-%d}）"
            )
        )
