"""Forms of the claim list, claims, direct requests and assignments (see ``claims.py``)."""

from __future__ import annotations

from typing import Any

from django import forms

_TEXT = {"class": "form-control"}


class PublishForm(forms.Form):
    expires_on = forms.DateField(
        label="截止日期",
        widget=forms.DateInput(attrs={**_TEXT, "type": "date"}),
        required=False,
        help_text="含当日；不填则默认发布 30 天",
    )
    comment = forms.CharField(
        label="发布说明",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
    )


class ReasonForm(forms.Form):
    """A required reason (撤下 / 不通过)."""

    reason = forms.CharField(
        label="原因", max_length=500, widget=forms.Textarea(attrs={**_TEXT, "rows": 2})
    )


class ApproveForm(forms.Form):
    note = forms.CharField(label="审核意见", max_length=300, required=False)


class ClaimForm(forms.Form):
    note = forms.CharField(
        label="认领说明",
        max_length=500,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
        help_text="简要说明您的相关经验和可安排的时间（500 字以内）",
    )
    team = forms.TypedChoiceField(
        label="认领身份", required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(self, *args: Any, teams: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "本人认领")] + [  # type: ignore[attr-defined]
            (t.pk, f"以服务队“{t.name}”名义（我是领衔人）") for t in teams
        ]
        self.fields["team"].widget.attrs.update({"class": "form-select"})


class DirectOfferForm(forms.Form):
    craftsman = forms.IntegerField(label="意向劳模工匠", min_value=1, max_value=2**53)
    note = forms.CharField(label="说明", max_length=400, required=False)


class AssignForm(forms.Form):
    craftsman = forms.IntegerField(
        label="劳模工匠编号", min_value=1, max_value=2**53, required=False
    )
    team = forms.IntegerField(label="服务队", min_value=1, max_value=2**53, required=False)
    note = forms.CharField(label="指派说明", max_length=400)
