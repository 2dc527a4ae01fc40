"""Forms of the matching pages. They only clean input; services check the rules and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from jiangqiao.core.forms import model_choice
from jiangqiao.orgs.models import Organization
from jiangqiao.orgs.selectors import organization_choices_for
from jiangqiao.taxonomy.forms import TermMultipleChoiceField

from .models import DeclaredConflict, MatchSuggestion, ServiceRecord
from .services import REASON_MAX, RECORD_FIELDS


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=REASON_MAX, required=False)


class ManualSuggestionForm(forms.Form):
    craftsman = forms.IntegerField(
        label="劳模工匠编号", min_value=1, max_value=2**53, help_text="劳模工匠档案的编号"
    )
    reason = forms.CharField(label="推荐理由", max_length=REASON_MAX, required=False)


class RunStartForm(forms.Form):
    org = forms.ModelChoiceField(
        label="组织范围（含下级）", queryset=Organization.objects.none(), empty_label=None
    )
    top_k = forms.IntegerField(label="每个需求的候选人数", min_value=1, max_value=50, initial=10)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = organization_choices_for(user=user, action="view").order_by("path")
        model_choice(self, "org").queryset = choices
        if user.org_id and choices.filter(pk=user.org_id).exists():
            self.fields["org"].initial = user.org_id


class DeclaredConflictForm(forms.ModelForm):
    class Meta:
        model = DeclaredConflict
        fields = ["craftsman", "enterprise", "reason"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from jiangqiao.demands.selectors import enterprise_choices_for
        from jiangqiao.talents.selectors import craftsman_choices_for

        super().__init__(*args, **kwargs)
        model_choice(self, "craftsman").queryset = craftsman_choices_for(user=user).order_by(
            "name", "pk"
        )
        model_choice(self, "enterprise").queryset = enterprise_choices_for(user=user)
        if self.instance.pk:
            self.fields["craftsman"].disabled = True
            self.fields["enterprise"].disabled = True

    def validate_unique(self) -> None:
        """Uniqueness is the service's rule (a business error naming the field)."""


class _MatchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.demand} ← {obj.craftsman}"


class ServiceRecordForm(forms.ModelForm):
    """One service session; the match is chosen among the confirmed ones the user may see."""

    match = _MatchChoiceField(
        label="匹配（已确认）",
        queryset=MatchSuggestion.objects.none(),
        help_text="需求 ← 劳模工匠；只列出已确认的匹配",
    )
    activities = TermMultipleChoiceField("service_type", label="服务内容", required=False)

    class Meta:
        model = ServiceRecord
        fields = ["match", *RECORD_FIELDS]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from .selectors import recordable_matches

        super().__init__(*args, **kwargs)
        field = model_choice(self, "match")
        field.queryset = recordable_matches(user=user).order_by("-decided_at", "-pk")
        if self.instance.pk:
            field.disabled = True
        else:
            self.fields["date"].initial = timezone.localdate()
