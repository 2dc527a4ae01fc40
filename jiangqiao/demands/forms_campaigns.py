"""Forms of the collection campaigns (征集活动): the staff form, and the campaign's part of the
enterprise's phone form (its categories). They validate input; ``campaigns`` does the writes."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedModelForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField
from jiangqiao.orgs.selectors import organization_choices_for
from jiangqiao.taxonomy.forms import TermMultipleChoiceField
from jiangqiao.taxonomy.selectors import term_labels, term_list

from .campaigns import CAMPAIGN_FIELDS, MAX_FOCUS
from .forms import _date_input
from .models_campaigns import TARGET_MAX, Campaign


def category_choices() -> list[tuple[str, str]]:
    """The demand categories (level 1 of ``demand_category``), in the notice's order."""
    return [(t.code, t.name) for t in term_list(scheme="demand_category", level=1)]


class CampaignForm(LocalizedModelForm):
    org = ObjectChoiceField("organization", label="发起单位")
    categories = forms.MultipleChoiceField(
        label="征集类别",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "征集类别：请至少选择一项"},
    )
    region_codes = TermMultipleChoiceField(
        "region", label="重点地区", required=False, max_items=MAX_FOCUS, help_text="选填"
    )
    industry_codes = TermMultipleChoiceField(
        "industry", label="重点行业", required=False, max_items=MAX_FOCUS, help_text="选填"
    )
    target_count = forms.IntegerField(
        label="目标征集数",
        min_value=1,
        max_value=TARGET_MAX,
        error_messages={
            "min_value": "目标征集数：应为大于 0 的整数",
            "max_value": f"目标征集数：不能超过 {TARGET_MAX}",
            "invalid": "目标征集数：请填写整数",
        },
    )

    class Meta:
        model = Campaign
        fields = ["org", *CAMPAIGN_FIELDS]
        widgets = {
            "announcement": forms.Textarea(attrs={"rows": 5}),
            "preparation": forms.Textarea(attrs={"rows": 3}),
            "starts_on": _date_input(),
            "deadline": _date_input(),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        org = model_choice(self, "org")
        org.queryset = organization_choices_for(user=user, action="view")
        org.help_text = "征集活动的发起单位；本单位及上级单位的工作人员可以看到它的征集情况"
        if self.instance.pk:
            self.initial["org"] = self.instance.org_id
        elif getattr(user, "org_id", None):
            self.initial.setdefault("org", user.org_id)
        categories = self.fields["categories"]
        assert isinstance(categories, forms.MultipleChoiceField)
        categories.choices = category_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, deadline = data.get("starts_on"), data.get("deadline")
        if starts_on and deadline and deadline < starts_on:
            self.add_error("deadline", "截止日期：不能早于开始日期")
        return data

    def _post_clean(self) -> None:
        # Model validation runs in the service, in its transaction.
        pass

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "org"}


def add_campaign_fields(form: forms.BaseForm, campaign: Campaign) -> None:
    """The phone form reached through ``campaign``'s link: 需求类别 limited to the campaign's
    categories, preselected when it collects one."""
    labels = term_labels("demand_category", campaign.categories)
    choices = [(code, labels.get(code, code)) for code in campaign.categories]
    field = forms.ChoiceField(
        label="需求类别",
        choices=choices if len(choices) == 1 else [("", "请选择需求类别"), *choices],
        error_messages={
            "required": "需求类别：请选择",
            "invalid_choice": "需求类别：请选择本次征集活动的征集类别之一",
        },
        help_text=f"本次征集：{'、'.join(label for _code, label in choices)}",
    )
    if len(choices) == 1:
        field.initial = choices[0][0]
    form.fields["category"] = field
    form.order_fields(["enterprise", "category"])
