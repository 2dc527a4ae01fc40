"""Forms of the talents pages. They only clean input; services validate the rules and save."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField
from jiangqiao.core.sensitive import mask
from jiangqiao.orgs.selectors import organization_choices_for
from jiangqiao.taxonomy.forms import TermChoiceField, TermMultipleChoiceField
from jiangqiao.taxonomy.models import Term

from .choices import (
    CONSENT_TEXTS,
    ConsentPurpose,
    CraftsmanStatus,
    Gender,
    MemberRole,
    TeamLevel,
)
from .models import TEXT_MAX, Craftsman, Honour, ServiceItem, ServiceTeam
from .selectors import craftsman_choices_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def term_choices(scheme: str, *, blank: str | None = "——") -> list[tuple[str, str]]:
    """Active entries of a small code list, in source order (selects work without JavaScript)."""
    rows = list(
        Term.objects.filter(scheme=scheme, is_active=True)
        .order_by("sort", "code")
        .values_list("code", "name")
    )
    return ([("", blank)] if blank is not None else []) + rows


class VersionMixin(LocalizedForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


def _consent_fields(form: forms.Form) -> None:
    for purpose in ConsentPurpose:
        form.fields[f"consent_{purpose.value}"] = forms.BooleanField(
            label=f"{purpose.label}：{CONSENT_TEXTS[purpose.value]}",
            required=False,
            initial=False,
        )


def consent_purposes(cleaned: dict[str, Any]) -> list[str]:
    return [p for p in ConsentPurpose.values if cleaned.get(f"consent_{p}")]


class CraftsmanForm(VersionMixin):
    """Create or edit a profile (staff). ID number and mobile are never pre-filled in clear."""

    org = ObjectChoiceField("organization", label="所属组织")
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices, initial=Gender.UNDISCLOSED)
    birth_year = forms.IntegerField(
        label="出生年份", required=False, min_value=1920, max_value=2015
    )
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    employer_name = forms.CharField(label="工作单位", max_length=100, required=False)
    employer_uscc = forms.CharField(label="工作单位统一社会信用代码", max_length=30, required=False)
    department = forms.CharField(label="部门", max_length=100, required=False)
    position = forms.CharField(label="岗位/职务", max_length=100, required=False)
    industries = TermMultipleChoiceField("industry", label="所属行业", required=False, max_items=20)
    occupations = TermMultipleChoiceField(
        "occupation", label="职业（工种）", required=False, max_items=20
    )
    skill_level = forms.ChoiceField(label="职业技能等级", required=False)
    skill_cert_no = forms.CharField(label="技能等级证书编号", max_length=50, required=False)
    skill_cert_issuer = forms.CharField(label="发证机构", max_length=100, required=False)
    skill_cert_date = forms.DateField(label="发证日期", required=False, widget=DATE)
    skill_post = forms.ChoiceField(label="技能岗位（企业评聘）", required=False)
    professional_title = forms.ChoiceField(label="职称", required=False)
    expertise_tags = TermMultipleChoiceField(
        "demand_category", label="专长领域", required=False, max_items=20
    )
    expertise = forms.CharField(
        label="技术专长",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    bio = forms.CharField(
        label="个人简介",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    service_modes = forms.MultipleChoiceField(
        label="接受的服务方式", required=False, widget=forms.CheckboxSelectMultiple
    )
    regions_served = TermMultipleChoiceField(
        "region", label="服务地区", required=False, max_items=20
    )
    cross_region_ok = forms.BooleanField(label="接受跨地区服务", required=False)
    max_open_services = forms.IntegerField(
        label="同时进行的服务上限", min_value=0, max_value=50, initial=3
    )
    max_new_per_month = forms.IntegerField(
        label="每月新接服务上限", min_value=0, max_value=50, initial=2
    )
    pause_until = forms.DateField(label="暂停服务至", required=False, widget=DATE)

    sensitive_fields: tuple[str, ...] = ("id_number", "mobile")

    def __init__(self, *args: Any, user: Any, instance: Craftsman | None = None, **kwargs: Any):
        self.instance = instance
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                name: getattr(instance, name)
                for name in self.base_fields
                if hasattr(instance, name) and name not in self.sensitive_fields
            }
            kwargs["initial"]["org"] = instance.org_id
        super().__init__(*args, **kwargs)
        self.user = user
        if "org" in self.fields:
            model_choice(self, "org").queryset = organization_choices_for(
                user=user, action="add" if instance is None else "change"
            )
        for name, scheme in (
            ("skill_level", "skill_level"),
            ("skill_post", "skill_post"),
            ("professional_title", "professional_title"),
        ):
            if name in self.fields:
                self.fields[name].choices = term_choices(scheme)  # type: ignore[attr-defined]
        if "service_modes" in self.fields:
            self.fields["service_modes"].choices = term_choices("service_mode", blank=None)  # type: ignore[attr-defined]
        if instance is None:
            _consent_fields(self)
        else:
            for name in self.sensitive_fields:
                if name in self.fields:
                    current = getattr(instance, name)
                    self.fields[name].help_text = (
                        f"当前：{mask(name, current)}；留空则不修改" if current else "尚未登记"
                    )
        if "employer_uscc" in self.fields:
            self.fields["employer_uscc"].help_text = "18 位，可留空"

    def _identifier(self, name: str) -> str:
        """Clean and check an identifier here too, so that every bad field is reported at once."""
        from jiangqiao.core.identifiers import clean_id_number, clean_mobile, clean_uscc
        from jiangqiao.core.validators import validate_id_number, validate_mobile, validate_uscc

        value = self.cleaned_data.get(name) or ""
        if not value:
            return ""
        cleaner, validator = {
            "id_number": (clean_id_number, validate_id_number),
            "mobile": (clean_mobile, validate_mobile),
            "employer_uscc": (clean_uscc, validate_uscc),
        }[name]
        code = cleaner(value)
        validator(code)
        return code

    def clean_id_number(self) -> str:
        return self._identifier("id_number")

    def clean_mobile(self) -> str:
        return self._identifier("mobile")

    def clean_employer_uscc(self) -> str:
        return self._identifier("employer_uscc")

    def service_data(self) -> dict[str, Any]:
        """Cleaned values for the service (blank ID number / mobile on edit keep the old value)."""
        skip = {"org", "version"} | {f for f in self.cleaned_data if f.startswith("consent_")}
        data = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        for key in ("birth_year",):
            if key in data and data[key] == "":
                data[key] = None
        if self.instance is not None:
            for name in self.sensitive_fields:
                if name in data and not data[name]:
                    del data[name]
        return data


class MyProfileForm(CraftsmanForm):
    """What a craftsman edits on “我的档案”: contact, expertise, service offer, capacity, consents."""

    sensitive_fields: tuple[str, ...] = ("mobile",)
    own_fields = (
        "mobile",
        "expertise_tags",
        "expertise",
        "bio",
        "service_modes",
        "regions_served",
        "cross_region_ok",
        "max_open_services",
        "max_new_per_month",
        "pause_until",
        "version",
    )

    def __init__(self, *args: Any, user: Any, instance: Craftsman | None = None, **kwargs: Any):
        super().__init__(*args, user=user, instance=instance, **kwargs)
        for name in list(self.fields):
            if name not in self.own_fields:
                del self.fields[name]
        _consent_fields(self)
        if instance is not None and not self.is_bound:
            from .services import active_consents

            current = active_consents(instance)
            for purpose in ConsentPurpose.values:
                self.initial[f"consent_{purpose}"] = purpose in current


class CraftsmanStatusForm(LocalizedForm):
    status = forms.ChoiceField(label="状态", choices=CraftsmanStatus.choices)
    status_reason = forms.CharField(label="状态说明", max_length=200, required=False)
    pause_until = forms.DateField(label="暂停服务至", required=False, widget=DATE)


class RevealForm(LocalizedForm):
    purpose = forms.CharField(label="查看用途", max_length=200, required=False)


class HonourForm(LocalizedForm):
    honour_type = forms.ChoiceField(label="荣誉称号")
    level = forms.ChoiceField(label="荣誉级别")
    year = forms.IntegerField(label="获得年份", min_value=1950, max_value=2100)
    issuer = forms.CharField(label="授予单位", max_length=100, required=False)
    certificate_no = forms.CharField(label="证书编号", max_length=50, required=False)
    verified = forms.BooleanField(label="已核验（核对证书原件或官方公示）", required=False)

    def __init__(self, *args: Any, user: Any, instance: Honour | None = None, **kwargs: Any):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {f: getattr(instance, f) for f in self.base_fields}
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["honour_type"].choices = term_choices("honour")  # type: ignore[attr-defined]
        self.fields["level"].choices = term_choices("honour_level")  # type: ignore[attr-defined]
        if not user.has_perm("talents.manage_craftsman"):
            del self.fields["verified"]


class ServiceItemForm(LocalizedForm):
    title = forms.CharField(label="项目名称", max_length=100)
    service_type = forms.ChoiceField(label="服务类型")
    description = forms.CharField(
        label="项目说明",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    industries = TermMultipleChoiceField("industry", label="适用行业", required=False, max_items=20)
    duration = forms.CharField(label="服务时长", max_length=50, required=False)
    modes = forms.MultipleChoiceField(
        label="服务方式", required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label="可提供", required=False, initial=True)
    sort = forms.IntegerField(label="排序", min_value=0, max_value=999, initial=0)

    def __init__(
        self, *args: Any, user: Any = None, instance: ServiceItem | None = None, **kwargs: Any
    ):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {f: getattr(instance, f) for f in self.base_fields}
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["service_type"].choices = term_choices("service_type")  # type: ignore[attr-defined]
        self.fields["modes"].choices = term_choices("service_mode", blank=None)  # type: ignore[attr-defined]


class ServiceTeamForm(VersionMixin):
    org = ObjectChoiceField("organization", label="组建单位")
    name = forms.CharField(label="名称", max_length=100)
    level = forms.ChoiceField(label="层级", choices=TeamLevel.choices)
    industry_code = TermChoiceField("industry", label="行业方向", required=False)
    description = forms.CharField(
        label="简介", max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, user: Any, instance: ServiceTeam | None = None, **kwargs: Any):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                f: getattr(instance, f) for f in self.base_fields if f not in ("org",)
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.user = user
        if instance is None:
            model_choice(self, "org").queryset = organization_choices_for(user=user)
        else:
            del self.fields["org"]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("org", "version")}


class TeamMemberForm(LocalizedForm):
    craftsman = ObjectChoiceField("craftsman", label="劳模工匠")
    role = forms.ChoiceField(label="角色", choices=MemberRole.choices, initial=MemberRole.MEMBER)
    joined_on = forms.DateField(label="加入日期", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        model_choice(self, "craftsman").queryset = craftsman_choices_for(user=user)
