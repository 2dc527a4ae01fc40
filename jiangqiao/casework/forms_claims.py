"""Forms of the claim list, claims, direct requests and assignments (see ``claims.py``)."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField

_TEXT = {"class": "form-control"}


class PublishForm(LocalizedForm):
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


class ReasonForm(LocalizedForm):
    """A required reason (撤下 / 不通过)."""

    reason = forms.CharField(
        label="原因", max_length=500, widget=forms.Textarea(attrs={**_TEXT, "rows": 2})
    )


class ApproveForm(LocalizedForm):
    note = forms.CharField(label="审核意见", max_length=300, required=False)


class ClaimForm(LocalizedForm):
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


class DirectOfferForm(LocalizedForm):
    """The button next to one of the enterprise's preferred craftsmen: the craftsman is a hidden
    value of that button (nobody types it); the service checks it is on the preferred list."""

    craftsman = forms.IntegerField(
        label="意向劳模工匠", min_value=1, max_value=2**53, widget=forms.HiddenInput
    )
    note = forms.CharField(label="说明", max_length=400, required=False)


class AssignForm(LocalizedForm):
    """指派: a craftsman or a service team (with a lead), each picked by name in the scope."""

    craftsman = ObjectChoiceField("craftsman", label="劳模工匠", required=False)
    team = ObjectChoiceField("serviceteam", label="或服务队（由领衔人答复）", required=False)
    note = forms.CharField(label="指派说明", max_length=400, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from jiangqiao.talents.models import ServiceTeam
        from jiangqiao.talents.selectors import craftsman_choices_for

        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        model_choice(self, "craftsman").queryset = craftsman_choices_for(user=user)
        model_choice(self, "team").queryset = ServiceTeam.objects.visible_to(user, "view").filter(
            status="active", lead__isnull=False
        )
