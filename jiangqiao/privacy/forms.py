from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm

from .services import ANSWER_MAX, CORRECTABLE, DETAILS_MAX


class CorrectionForm(LocalizedForm):
    """One box per correctable field; the person fills in only those that are wrong."""

    details = forms.CharField(
        label="说明（可选）",
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, subject_kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.correctable = CORRECTABLE[subject_kind]
        for name, label in self.correctable.items():
            # No maxlength counter under each box: the service checks the length (【…】最多 N 个字).
            self.fields[f"fix_{name}"] = forms.CharField(label=f"正确的{label}", required=False)
        if "gender" in self.correctable:
            from jiangqiao.talents.choices import Gender

            self.fields["fix_gender"] = forms.ChoiceField(
                label="正确的性别", required=False, choices=[("", "不更正"), *Gender.choices]
            )
        self.order_fields([*(f"fix_{n}" for n in self.correctable), "details"])

    def corrections(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"fix_{name}"].strip()
            for name in self.correctable
            if (self.cleaned_data.get(f"fix_{name}") or "").strip()
        }


class DeletionForm(LocalizedForm):
    details = forms.CharField(
        label="删除哪些信息、为什么（可选）",
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="我知道删除后账号将停用，且法律要求保存的记录（如操作日志）会按期限保存后再删除",
        required=True,
        error_messages={"required": "【确认】请勾选，表示您已知晓删除的后果"},
    )


class AnswerForm(LocalizedForm):
    answer = forms.CharField(
        label="处理说明 / 拒绝理由",
        required=False,
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
