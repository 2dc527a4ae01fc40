"""Forms of the matching pages. They only clean input; services check the rules and save."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm, LocalizedModelForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField, get_kind
from jiangqiao.orgs.selectors import organization_choices_for

from .models import DeclaredConflict
from .services import REASON_MAX


class ReasonForm(LocalizedForm):
    reason = forms.CharField(label="理由", max_length=REASON_MAX, required=False)


class ManualSuggestionForm(LocalizedForm):
    craftsman = ObjectChoiceField("craftsman", label="劳模工匠")
    reason = forms.CharField(label="推荐理由", max_length=REASON_MAX, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "craftsman").queryset = get_kind("craftsman").visible(user)


class RunStartForm(LocalizedForm):
    org = ObjectChoiceField("organization", label="组织范围（含下级）")
    top_k = forms.IntegerField(label="每个需求的候选人数", min_value=1, max_value=50, initial=10)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = organization_choices_for(user=user, action="view").order_by("path")
        model_choice(self, "org").queryset = choices
        if user.org_id and choices.filter(pk=user.org_id).exists():
            self.fields["org"].initial = user.org_id


class DeclaredConflictForm(LocalizedModelForm):
    craftsman = ObjectChoiceField("craftsman", label="劳模工匠")
    enterprise = ObjectChoiceField("enterprise", label="企业")

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
