"""Forms of the competition and innovation pages. They only clean input; ``competitions`` checks
the rules and saves."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField, ObjectMultipleChoiceField
from jiangqiao.orgs.selectors import organization_choices_for
from jiangqiao.talents.models import Craftsman
from jiangqiao.taxonomy.forms import TermChoiceField, TermMultipleChoiceField

from . import selectors
from .choices import (
    CompetitionLevel,
    EmployerRestriction,
    FiveSmallType,
    InnovationKind,
)
from .forms import DATE, TEXTAREA, VersionMixin, WorkerForm, _initial
from .models import Competition, Innovation, TrainingClass


def _craftsmen(user: Any) -> Any:
    return (
        Craftsman.objects.visible_to(user, "view")
        .exclude(status="removed")
        .only("pk", "name", "employer_name")
    )


class CompetitionForm(VersionMixin):
    """A competition: organiser, dates, eligibility and the classes that prepare for it."""

    org = ObjectChoiceField("organization", label="组织方（工会）")
    title = forms.CharField(label="赛事名称", max_length=100)
    level = forms.ChoiceField(label="赛事级别", choices=CompetitionLevel.choices)
    occupation = TermChoiceField("occupation", label="竞赛职业（工种）", required=False)
    academy = ObjectChoiceField("academy", label="承办学院", required=False)
    registration_start = forms.DateField(label="报名开始日期", widget=DATE)
    registration_end = forms.DateField(label="报名截止日期", widget=DATE)
    start_date = forms.DateField(label="比赛开始日期", widget=DATE)
    end_date = forms.DateField(label="比赛结束日期", widget=DATE)
    venue = forms.CharField(label="比赛地点", max_length=200, required=False)
    min_skill_level = TermChoiceField("skill_level", label="最低技能等级", required=False)
    max_skill_level = TermChoiceField("skill_level", label="最高技能等级", required=False)
    allowed_occupations = TermMultipleChoiceField(
        "occupation",
        label="限报职业（工种）",
        required=False,
        max_items=20,
        help_text="留空则限竞赛职业；可选上级类别（含其下各工种）",
    )
    employer_restriction = forms.ChoiceField(
        label="工作单位限制", choices=EmployerRestriction.choices
    )
    region_prefix = TermChoiceField("region", label="限定地区", required=False)
    max_participants = forms.IntegerField(label="人数上限", min_value=1, max_value=100000)
    description = forms.CharField(
        label="赛事说明", max_length=2000, required=False, widget=TEXTAREA
    )
    classes = ObjectMultipleChoiceField(
        "training_class", label="赛前培训班次（以赛带训）", required=False
    )

    def __init__(
        self, *args: Any, user: Any, instance: Competition | None = None, **kwargs: Any
    ) -> None:
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                **_initial(type(self), instance, ("org", "classes")),
                "classes": list(instance.classes.all()),
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        model_choice(self, "academy").queryset = selectors.academy_choices_for(
            user=user, action="view"
        )
        model_choice(self, "classes").queryset = TrainingClass.objects.visible_to(
            user, "view"
        ).select_related("academy")
        if instance is None:
            model_choice(self, "org").queryset = organization_choices_for(user=user)
        else:
            del self.fields["org"]
            if instance.status not in ("preparing", "registering"):
                # The rules are fixed once the competition runs: only the classes may change.
                for name, field in self.fields.items():
                    if name not in ("classes", "version"):
                        field.disabled = True

    def service_data(self) -> dict[str, Any]:
        skip = ("org", "version", "classes")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class ContestantForm(WorkerForm):
    """One contestant registered by staff (ID number and mobile are stored encrypted)."""

    occupation = TermChoiceField("occupation", label="申报职业（工种）", required=False)
    skill_level = TermChoiceField("skill_level", label="申报技能等级")


class JudgeForm(LocalizedForm):
    craftsman = ObjectChoiceField(
        "craftsman",
        label="人才库劳模工匠",
        required=False,
        help_text="从人才库选择（姓名、单位取自档案）；外聘专家留空并填写姓名和工作单位",
    )
    name = forms.CharField(label="姓名（外聘专家）", max_length=50, required=False)
    employer_name = forms.CharField(label="工作单位（外聘专家）", max_length=100, required=False)
    employer_uscc = forms.CharField(
        label="统一社会信用代码（外聘专家）", max_length=18, required=False
    )
    title = forms.CharField(label="职称/职务", max_length=100, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "craftsman").queryset = _craftsmen(user)

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "craftsman"}
        if self.cleaned_data.get("craftsman") is not None:
            data = {"title": data.get("title", "")}
        return data


class PublishForm(LocalizedForm):
    """The award counts set on publication."""

    first = forms.IntegerField(label="一等奖名额", min_value=0, max_value=100000, initial=1)
    second = forms.IntegerField(label="二等奖名额", min_value=0, max_value=100000, initial=2)
    third = forms.IntegerField(label="三等奖名额", min_value=0, max_value=100000, initial=3)
    excellence = forms.IntegerField(label="优秀奖名额", min_value=0, max_value=100000, initial=0)


class InnovationForm(VersionMixin):
    org = ObjectChoiceField("organization", label="所属工会")
    kind = forms.ChoiceField(label="类型", choices=InnovationKind.choices)
    five_small_type = forms.ChoiceField(
        label="五小类别",
        choices=[("", "—"), *FiveSmallType.choices],
        required=False,
        help_text="类型为“五小”时必选",
    )
    title = forms.CharField(label="项目名称", max_length=100)
    academy = ObjectChoiceField("academy", label="所属学院", required=False)
    studio_name = forms.CharField(label="创新工作室", max_length=100, required=False)
    lead = ObjectChoiceField("craftsman", label="领衔人（劳模工匠）", required=False)
    participants_count = forms.IntegerField(label="参与人数", min_value=1, max_value=100000)
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE, required=False)
    outcome = forms.CharField(label="成果说明", max_length=2000, required=False, widget=TEXTAREA)
    economic_benefit = forms.DecimalField(
        label="经济效益（元）", max_digits=14, decimal_places=2, min_value=0, required=False
    )
    patent_count = forms.IntegerField(label="专利数", min_value=0, max_value=100000, required=False)
    patents = forms.CharField(label="专利号/名称", max_length=2000, required=False, widget=TEXTAREA)
    adopted = forms.BooleanField(label="已采纳/推广", required=False)
    evaluated_on = forms.DateField(label="评价日期", widget=DATE, required=False)

    def __init__(
        self, *args: Any, user: Any, instance: Innovation | None = None, **kwargs: Any
    ) -> None:
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = _initial(type(self), instance, ("org",))
        super().__init__(*args, **kwargs)
        self.instance = instance
        model_choice(self, "academy").queryset = selectors.academy_choices_for(
            user=user, action="view"
        )
        model_choice(self, "lead").queryset = _craftsmen(user)
        if instance is None:
            model_choice(self, "org").queryset = organization_choices_for(user=user)
        else:
            del self.fields["org"]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("org", "version")}
