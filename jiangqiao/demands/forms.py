"""Forms of the enterprise and demand pages. They validate input; services do the writes."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from jiangqiao.core.forms import LocalizedForm, LocalizedModelForm, model_choice
from jiangqiao.core.identifiers import clean_uscc
from jiangqiao.core.pickers import ObjectChoiceField, ObjectMultipleChoiceField, get_kind
from jiangqiao.orgs.selectors import organization_choices_for
from jiangqiao.taxonomy.forms import TermChoiceField, TermMultipleChoiceField

from .choices import DemandKind, DemandStatus, Grade, OwnerLevel, Visibility
from .models import Demand, Enterprise
from .selectors import enterprise_choices_for
from .services import UNION_FIELDS


class UsccFormField(forms.CharField):
    """A USCC as typed (spaces, full-width, lower case are cleaned before validation)."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return clean_uscc(text) if text else ""


class VersionedFormMixin:
    """A hidden ``version`` field carrying the version the editor read."""

    def add_version_field(self, instance: Any) -> None:
        self.fields["version"] = forms.IntegerField(  # type: ignore[attr-defined]
            widget=forms.HiddenInput,
            required=False,
            initial=getattr(instance, "version", None),
            min_value=0,
        )


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnterpriseForm(VersionedFormMixin, LocalizedModelForm):
    """Register or edit an enterprise. The owning unit is chosen among the user's units."""

    uscc = UsccFormField(label="统一社会信用代码", max_length=40)
    union_uscc = UsccFormField(label="工会统一社会信用代码", max_length=40, required=False)
    org = ObjectChoiceField("organization", label="负责的工会组织")

    class Meta:
        model = Enterprise
        fields = [
            "org",
            "uscc",
            "name",
            "former_names",
            "region_code",
            "address",
            "industry_code",
            "main_products",
            "staff_count",
            "revenue",
            "total_assets",
            "basis_year",
            "quality_tier",
            "tier_cert_no",
            "tier_issued_on",
            "tier_valid_until",
            "tier_rule_version",
            "has_union",
            "union_uscc",
            "remark",
        ]
        widgets = {
            "former_names": forms.Textarea(attrs={"rows": 2}),
            "tier_issued_on": _date_input(),
            "tier_valid_until": _date_input(),
        }
        labels = {"org": "负责的工会组织"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        org = model_choice(self, "org")
        org.queryset = organization_choices_for(user=user, action="view")
        org.help_text = "通常为企业所在地的县(区)级或基层工会"
        self.fields["uscc"].validators = list(Enterprise._meta.get_field("uscc").validators)
        self.fields["union_uscc"].validators = list(
            Enterprise._meta.get_field("union_uscc").validators
        )
        self.add_version_field(self.instance)

    def _post_clean(self) -> None:
        # Model validation (uniqueness, derived fields) runs in the service, in its transaction.
        pass

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("org", "version")}


class ContactForm(LocalizedForm):
    name = forms.CharField(label="姓名", max_length=50)
    title = forms.CharField(label="职务", max_length=50, required=False)
    mobile = forms.CharField(label="手机号码", max_length=30, required=False)
    user = ObjectChoiceField(
        "user",
        label="关联平台账号（企业联络人）",
        required=False,
        help_text="关联后，该账号可查看本企业并通过手机提交需求",
    )
    is_primary = forms.BooleanField(label="主要联系人", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from jiangqiao.accounts.models import User

        model_choice(self, "user").queryset = (
            User.objects.visible_to(user, "view")
            .filter(is_active=True, roles__code="enterprise_contact")
            .distinct()
            .order_by("username")
        )


class DemandForm(VersionedFormMixin, LocalizedModelForm):
    """Create (staff, on behalf of an enterprise) or edit a demand."""

    industry_codes = TermMultipleChoiceField("industry", label="所属行业", required=False)
    tags = forms.CharField(
        label="所需专长标签",
        required=False,
        max_length=300,
        help_text="以逗号分隔，如：数控加工, 焊接",
    )
    enterprise = ObjectChoiceField("enterprise", label="企业")
    preferred_craftsmen = ObjectMultipleChoiceField(
        "craftsman",
        label="意向劳模工匠",
        required=False,
        help_text="输入姓名检索并选择，最多 10 位",
    )

    class Meta:
        model = Demand
        fields = [
            "enterprise",
            "kind",
            "category",
            "subcategory",
            "title",
            "description",
            "current_state",
            "desired_outcome",
            "industry_codes",
            "tags",
            "min_skill_level",
            "region_code",
            "delivery_mode",
            "visibility",
            "trainee_count",
            "deadline",
            "matching_suggestion",
            "preferred_craftsmen",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "current_state": forms.Textarea(attrs={"rows": 3}),
            "desired_outcome": forms.Textarea(attrs={"rows": 3}),
            "matching_suggestion": forms.Textarea(attrs={"rows": 2}),
            "deadline": _date_input(),
        }
        help_texts = {
            "region_code": "默认为企业所在地区",
            "trainee_count": "技能培训需求必填",
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region_code"].required = False
        if not user.has_perm("demands.triage_demand"):
            # The union's fields are filled in at triage, not by the enterprise.
            for name in UNION_FIELDS:
                self.fields.pop(name, None)
        if self.instance.pk:
            del self.fields["enterprise"]
            self.initial["tags"] = "，".join(self.instance.tags)
            self.initial["preferred_craftsmen"] = list(self.instance.preferred_craftsmen or [])
        else:
            model_choice(self, "enterprise").queryset = enterprise_choices_for(user=user)
        self.add_version_field(self.instance)

        craftsmen = get_kind("craftsman").visible(user).exclude(status="removed")
        model_choice(self, "preferred_craftsmen").queryset = craftsmen
        # Preferred craftsmen the editor may not see (named by the enterprise or another unit)
        # are neither shown nor dropped: they are kept as they are.
        current = [int(i) for i in (self.instance.preferred_craftsmen or [])]
        visible = set(craftsmen.filter(pk__in=current).values_list("pk", flat=True))
        self.hidden_preferred = [i for i in current if i not in visible]
        if self.hidden_preferred:
            self.fields[
                "preferred_craftsmen"
            ].help_text = (
                f"另有 {len(self.hidden_preferred)} 位意向劳模工匠不在您的数据范围内，保存时保留"
            )

    def clean_preferred_craftsmen(self) -> list[int]:
        chosen = [c.pk for c in self.cleaned_data.get("preferred_craftsmen") or []]
        return list(dict.fromkeys([*chosen, *self.hidden_preferred]))

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        skip = ("enterprise", "version")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class DemandSubmitForm(LocalizedModelForm):
    """The phone form of an enterprise contact: few fields, one column, the enterprise is theirs."""

    class Meta:
        model = Demand
        fields = [
            "enterprise",
            "kind",
            "title",
            "description",
            "current_state",
            "desired_outcome",
            "trainee_count",
            "delivery_mode",
            "deadline",
            "matching_suggestion",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "current_state": forms.Textarea(attrs={"rows": 3}),
            "desired_outcome": forms.Textarea(attrs={"rows": 3}),
            "matching_suggestion": forms.Textarea(attrs={"rows": 2}),
            "deadline": _date_input(),
        }
        labels = {
            "title": "一句话说明需求",
            "matching_suggestion": "希望由哪位劳模工匠或哪类专家服务（选填）",
        }
        help_texts = {"trainee_count": "选择“技能培训需求”时必填"}

    def __init__(self, *args: Any, user: Any, campaign: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = enterprise_choices_for(user=user)
        field = model_choice(self, "enterprise")
        field.queryset = choices
        field.empty_label = None
        self.single_enterprise = choices.first() if choices.count() == 1 else None
        if self.single_enterprise is not None:
            field.widget = forms.HiddenInput()
            field.initial = self.single_enterprise.pk
            field.required = False
        cast(forms.ChoiceField, self.fields["kind"]).choices = DemandKind.choices
        self.fields["title"].widget.attrs["placeholder"] = "如：数控机床主轴异响，需要诊断"
        for name in ("title", "description"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        if campaign is not None:  # reached through a campaign link (征集活动)
            from .forms_campaigns import add_campaign_fields

            add_campaign_fields(self, campaign)

    def clean_enterprise(self) -> Any:
        value = self.cleaned_data.get("enterprise")
        if value is None and self.single_enterprise is not None:
            return self.single_enterprise
        if value is None:
            raise forms.ValidationError("请选择企业")
        return value

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        skip = ("enterprise",)
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class TriageForm(LocalizedForm):
    category = TermChoiceField("demand_category", levels=[1], label="需求类别")
    subcategory = TermChoiceField("demand_category", levels=[2], label="需求子类", required=False)
    grade = forms.ChoiceField(
        label="需求分级",
        choices=[("", "请选择分级"), *Grade.choices],
        error_messages={"required": "请选择需求分级"},
    )
    owner_level = forms.ChoiceField(
        label="承办层级",
        choices=[("", "请选择承办层级"), *OwnerLevel.choices],
        error_messages={"required": "请选择承办层级"},
    )
    visibility = forms.ChoiceField(label="公开范围", choices=Visibility.choices)
    comment = forms.CharField(
        label="受理意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any = None, demand: Demand | None = None, **kw: Any):
        super().__init__(*args, **kw)
        if demand is not None and not self.is_bound:
            self.initial.update(
                {
                    "category": demand.category,
                    "subcategory": demand.subcategory,
                    "grade": demand.grade,
                    # Defaults to the owning unit's own level (the view passes it).
                    "owner_level": demand.owner_level or self.initial.get("owner_level", ""),
                    "visibility": demand.visibility,
                }
            )

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "comment"}


class DemandStatusForm(LocalizedForm):
    status = forms.ChoiceField(
        label="操作",
        choices=[
            (DemandStatus.WITHDRAWN, "撤回需求"),
            (DemandStatus.CANCELLED, "取消需求"),
        ],
    )
    comment = forms.CharField(label="原因", required=False, max_length=500)
