"""Forms of the academy pages. They only clean input; the services check the rules and save."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm, model_choice
from jiangqiao.core.periods import PeriodForm
from jiangqiao.core.pickers import ObjectChoiceField, ObjectMultipleChoiceField
from jiangqiao.orgs.selectors import organization_choices_for
from jiangqiao.talents.models import Craftsman, ServiceItem
from jiangqiao.taxonomy.forms import TermChoiceField, TermMultipleChoiceField

from . import selectors
from .choices import (
    AcademyLevel,
    AcademyType,
    AttendanceStatus,
    CourseFormat,
    CourseLevel,
    HourType,
    OrderSite,
)
from .models import TEXT_MAX, Academy, Alliance, Course, Lecturer, TrainingClass

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 4})


class VersionMixin(LocalizedForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


def _initial(form_class: type[forms.Form], instance: Any, skip: tuple[str, ...]) -> dict[str, Any]:
    return {
        f: getattr(instance, f)
        for f in form_class.base_fields
        if f not in skip and hasattr(instance, f)
    }


class AcademyForm(VersionMixin):
    org = ObjectChoiceField("organization", label="所属工会")
    name = forms.CharField(label="名称", max_length=100)
    level = forms.ChoiceField(label="级别", choices=AcademyLevel.choices)
    academy_type = forms.ChoiceField(label="类型", choices=AcademyType.choices)
    parent = ObjectChoiceField("academy", label="上级学院", required=False)
    host_name = forms.CharField(label="依托单位", max_length=100, required=False)
    host_uscc = forms.CharField(label="依托单位统一社会信用代码", max_length=30, required=False)
    region_code = TermChoiceField("region", label="所在地区", required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    industries = TermMultipleChoiceField("industry", label="面向行业", required=False, max_items=20)
    facilities = forms.CharField(
        label="场地与设施", max_length=TEXT_MAX, required=False, widget=TEXTAREA
    )
    is_provincial = forms.BooleanField(label="省级工匠学院", required=False)
    is_national_key = forms.BooleanField(label="全总重点支持", required=False)
    is_annual_key = forms.BooleanField(label="年度重点支持", required=False)
    founded_on = forms.DateField(label="成立日期", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, instance: Academy | None = None, **kwargs: Any):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = _initial(type(self), instance, ("org",))
        super().__init__(*args, **kwargs)
        self.instance = instance
        model_choice(self, "parent").queryset = selectors.academy_choices_for(
            user=user, action="view"
        )
        if instance is None:
            model_choice(self, "org").queryset = organization_choices_for(user=user)
        else:
            del self.fields["org"]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("org", "version")}


class SubsidyForm(LocalizedForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    amount = forms.DecimalField(label="金额（元）", max_digits=14, decimal_places=2, min_value=0)
    source = forms.CharField(label="资金来源", max_length=100)
    note = forms.CharField(label="说明", max_length=200, required=False)


class AllianceForm(VersionMixin):
    org = ObjectChoiceField("organization", label="牵头工会")
    name = forms.CharField(label="联盟名称", max_length=100)
    description = forms.CharField(
        label="简介", max_length=TEXT_MAX, required=False, widget=TEXTAREA
    )

    def __init__(self, *args: Any, user: Any, instance: Alliance | None = None, **kwargs: Any):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = _initial(type(self), instance, ("org",))
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is None:
            model_choice(self, "org").queryset = organization_choices_for(user=user)
        else:
            del self.fields["org"]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("org", "version")}


class AllianceMemberForm(LocalizedForm):
    academy = ObjectChoiceField("academy", label="工匠学院")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "academy").queryset = selectors.academy_choices_for(
            user=user, action="view"
        )


class LecturerForm(VersionMixin):
    academy = ObjectChoiceField("academy", label="聘任学院")
    craftsman = ObjectChoiceField(
        "craftsman",
        label="人才库劳模工匠",
        required=False,
        help_text="从人才库选择（姓名、单位取自档案，不另录入）；外聘专家留空并填写姓名",
    )
    name = forms.CharField(label="姓名（外聘专家）", max_length=50, required=False)
    employer = forms.CharField(label="工作单位（外聘专家）", max_length=100, required=False)
    title = forms.CharField(label="职称/头衔", max_length=100, required=False)
    course_fields = TermMultipleChoiceField(
        "course_field", label="授课领域", required=False, max_items=20
    )
    intro = forms.CharField(label="师资简介", max_length=TEXT_MAX, required=False, widget=TEXTAREA)
    shared = forms.BooleanField(label="联盟共享", required=False)

    def __init__(self, *args: Any, user: Any, instance: Lecturer | None = None, **kwargs: Any):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = _initial(type(self), instance, ("academy", "craftsman"))
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is None:
            model_choice(self, "academy").queryset = selectors.academy_choices_for(user=user)
            model_choice(self, "craftsman").queryset = (
                Craftsman.objects.visible_to(user, "view")
                .exclude(status="removed")
                .only("pk", "name", "employer_name")
            )
        else:
            del self.fields["academy"]
            del self.fields["craftsman"]
            if instance.craftsman_id is not None:
                del self.fields["name"]
                del self.fields["employer"]

    def service_data(self) -> dict[str, Any]:
        skip = ("academy", "craftsman", "version")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class AppointmentForm(LocalizedForm):
    letter_no = forms.CharField(label="聘书编号", max_length=50)
    valid_from = forms.DateField(label="聘期起", widget=DATE)
    valid_to = forms.DateField(label="聘期止", widget=DATE)
    role = forms.CharField(label="聘任职务", max_length=50, required=False)


class CourseForm(VersionMixin):
    academy = ObjectChoiceField("academy", label="开课学院")
    code = forms.CharField(label="课程编号", max_length=30)
    title = forms.CharField(label="课程名称", max_length=100)
    field = TermChoiceField("course_field", label="课程领域")
    level = forms.ChoiceField(label="课程层次", choices=CourseLevel.choices)
    hours = forms.DecimalField(
        label="学时", max_digits=5, decimal_places=1, min_value=0.5, max_value=999
    )
    format = forms.ChoiceField(label="授课形式", choices=CourseFormat.choices)
    industries = TermMultipleChoiceField("industry", label="适用行业", required=False, max_items=20)
    occupation = TermChoiceField("occupation", label="面向职业（工种）", required=False)
    skill_level = TermChoiceField("skill_level", label="面向技能等级", required=False)
    lecturers = ObjectMultipleChoiceField("lecturer", label="授课师资", required=False)
    capacity = forms.IntegerField(label="每班人数上限", min_value=1, max_value=10000, initial=40)
    is_free = forms.BooleanField(label="免费（工会补贴）", required=False, initial=True)
    price = forms.DecimalField(
        label="收费标准（元/人）", max_digits=10, decimal_places=2, min_value=0, required=False
    )
    description = forms.CharField(
        label="课程简介", max_length=TEXT_MAX, required=False, widget=TEXTAREA
    )
    prerequisites = forms.CharField(label="先修要求", max_length=200, required=False)
    assessment = forms.CharField(
        label="考核方式", max_length=TEXT_MAX, required=False, widget=TEXTAREA
    )
    certificate_template = forms.CharField(label="证书模板", max_length=100, required=False)

    def __init__(self, *args: Any, user: Any, instance: Course | None = None, **kwargs: Any):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                **_initial(type(self), instance, ("academy", "lecturers")),
                "lecturers": list(instance.lecturers.all()),
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        lecturers = Lecturer.objects.visible_to(user, "view").select_related("craftsman")
        if instance is not None and instance.academy.alliance_id:
            shared = selectors.shared_lecturers_for(instance.academy).values("pk")
            lecturers = Lecturer.objects.filter(
                pk__in=lecturers.values("pk").union(shared)
            ).select_related("craftsman")
        model_choice(self, "lecturers").queryset = lecturers
        if instance is None:
            model_choice(self, "academy").queryset = selectors.academy_choices_for(user=user)
        else:
            del self.fields["academy"]
            if instance.hours_locked:
                self.fields["hours"].disabled = True
                self.fields["hours"].help_text = "课程已发布，学时不能修改"

    def service_data(self) -> dict[str, Any]:
        skip = ("academy", "lecturers", "version")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class PromoteItemForm(LocalizedForm):
    """A 技能培训 service item of a craftsman → a draft course of an academy."""

    academy = ObjectChoiceField("academy", label="开课学院")
    field = TermChoiceField("course_field", label="课程领域")
    hours = forms.DecimalField(
        label="学时", max_digits=5, decimal_places=1, min_value=0.5, max_value=999, initial=4
    )
    format = forms.ChoiceField(label="授课形式", choices=CourseFormat.choices)

    def __init__(self, *args: Any, user: Any, item: ServiceItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        model_choice(self, "academy").queryset = selectors.academy_choices_for(user=user)


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ClassForm(VersionMixin):
    """A class (班次): a published course in scope, held at an academy node (HQ, branch, base)."""

    academy = ObjectChoiceField("academy", label="举办学院/基地")
    course = ObjectChoiceField("course", label="课程（已发布）")
    title = forms.CharField(
        label="班次名称", max_length=100, required=False, help_text="留空则用课程名称"
    )
    code = forms.CharField(
        label="班次编号", max_length=30, required=False, help_text="留空自动编号，如 BC2026-001"
    )
    lecturers = ObjectMultipleChoiceField("lecturer", label="授课师资", required=False)
    capacity = forms.IntegerField(label="人数上限", min_value=1, max_value=10000, required=False)
    start_date = forms.DateField(label="开班日期", widget=DATE)
    end_date = forms.DateField(label="结业日期", widget=DATE)
    place = forms.CharField(label="上课地点", max_length=200, required=False)
    note = forms.CharField(label="说明", max_length=2000, required=False, widget=TEXTAREA)

    def __init__(
        self, *args: Any, user: Any, instance: TrainingClass | None = None, **kwargs: Any
    ) -> None:
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                **_initial(type(self), instance, ("academy", "course", "lecturers")),
                "lecturers": list(instance.lecturers.all()),
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        model_choice(self, "lecturers").queryset = Lecturer.objects.visible_to(
            user, "view"
        ).select_related("craftsman")
        if instance is None:
            model_choice(self, "academy").queryset = selectors.academy_choices_for(user=user)
            model_choice(self, "course").queryset = selectors.published_courses_for(user=user)
        else:
            del self.fields["academy"]
            del self.fields["course"]

    def service_data(self) -> dict[str, Any]:
        skip = ("academy", "course", "lecturers", "version")
        data = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        for optional in ("title", "code", "capacity"):
            if data.get(optional) in (None, ""):
                data.pop(optional, None)
        return data


class SessionForm(LocalizedForm):
    date = forms.DateField(label="日期", widget=DATE)
    start_time = forms.TimeField(label="开始时间", widget=TIME)
    end_time = forms.TimeField(label="结束时间", widget=TIME)
    place = forms.CharField(label="地点", max_length=200, required=False)
    topic = forms.CharField(label="内容", max_length=100, required=False)
    hours = forms.DecimalField(
        label="计入学时", max_digits=4, decimal_places=1, min_value=0.5, max_value=24
    )
    hour_type = forms.ChoiceField(label="学时类型", choices=HourType.choices)


class WorkerForm(LocalizedForm):
    """One trainee enrolled by staff (ID number and mobile are stored encrypted)."""

    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=18)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    employer_name = forms.CharField(label="工作单位", max_length=100, required=False)
    employer_uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)


class AttendanceForm(LocalizedForm):
    status = forms.ChoiceField(label="考勤", choices=AttendanceStatus.choices)


class AssessForm(LocalizedForm):
    score = forms.DecimalField(
        label="考核成绩", max_digits=5, decimal_places=1, min_value=0, max_value=100
    )


# ------------------------------------------------------------------------------------------------
# Training orders
# ------------------------------------------------------------------------------------------------


class OrderPlaceForm(LocalizedForm):
    """An enterprise contact's order on a phone: 点单邀约 (course/lecturer fixed by the link) or
    院企订单式 (academy, topic and what to learn)."""

    enterprise = forms.ModelChoiceField(label="企业", queryset=Academy.objects.none())
    academy = forms.ModelChoiceField(label="承接学院", queryset=Academy.objects.none())
    topic = forms.CharField(label="培训主题", max_length=100)
    description = forms.CharField(
        label="培训需求说明",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    occupation = TermChoiceField("occupation", label="面向职业（工种）", required=False)
    skill_level = TermChoiceField("skill_level", label="面向技能等级", required=False)
    trainees_planned = forms.IntegerField(label="计划参训人数", min_value=1, max_value=10000)
    period_from = forms.DateField(label="期望培训时间起", widget=DATE)
    period_to = forms.DateField(label="期望培训时间止", widget=DATE)
    site = forms.ChoiceField(label="培训地点方式", choices=OrderSite.choices)
    address = forms.CharField(
        label="送教地址", max_length=200, required=False, help_text="选择“送教入企”时必填"
    )

    def __init__(self, *args: Any, user: Any, custom: bool, **kwargs: Any) -> None:
        from jiangqiao.demands.selectors import enterprise_choices_for

        super().__init__(*args, **kwargs)
        choices = enterprise_choices_for(user=user)
        field = model_choice(self, "enterprise")
        field.queryset = choices
        field.empty_label = None
        self.single_enterprise = choices.first() if choices.count() == 1 else None
        if self.single_enterprise is not None:
            field.widget = forms.HiddenInput()
            field.initial = self.single_enterprise.pk
        self.no_enterprise = not choices.exists()
        if custom:
            model_choice(self, "academy").queryset = selectors.public_academies()
        else:
            for name in ("academy", "occupation", "skill_level"):
                del self.fields[name]
            self.fields["topic"].required = False
            self.fields["topic"].help_text = "留空则用课程名称"

    def service_data(self) -> dict[str, Any]:
        skip = ("enterprise", "academy")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class OrderScheduleForm(LocalizedForm):
    """排课: the class of an order (course required for a custom order) and its first session."""

    academy = ObjectChoiceField("academy", label="举办学院/基地")
    course = ObjectChoiceField(
        "course", label="课程（已发布）", required=False, help_text="点单订单留空则用所点课程"
    )
    title = forms.CharField(label="班次名称", max_length=100, required=False)
    lecturers = ObjectMultipleChoiceField("lecturer", label="授课师资", required=False)
    capacity = forms.IntegerField(label="人数上限", min_value=1, max_value=10000, required=False)
    start_date = forms.DateField(label="开班日期", widget=DATE)
    end_date = forms.DateField(label="结业日期", widget=DATE)
    place = forms.CharField(label="上课地点", max_length=200, required=False)
    session_date = forms.DateField(label="首次课日期", widget=DATE, required=False)
    session_start = forms.TimeField(label="开始时间", widget=TIME, required=False)
    session_end = forms.TimeField(label="结束时间", widget=TIME, required=False)
    session_hours = forms.DecimalField(
        label="计入学时",
        max_digits=4,
        decimal_places=1,
        min_value=0.5,
        max_value=24,
        required=False,
    )
    session_hour_type = forms.ChoiceField(
        label="学时类型", choices=HourType.choices, required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "academy").queryset = selectors.academy_choices_for(user=user)
        model_choice(self, "course").queryset = selectors.published_courses_for(user=user)
        model_choice(self, "lecturers").queryset = Lecturer.objects.visible_to(
            user, "view"
        ).select_related("craftsman")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = ("session_date", "session_start", "session_end", "session_hours")
        given = [p for p in parts if data.get(p) not in (None, "")]
        if given and len(given) != len(parts):
            missing = next(p for p in parts if p not in given)
            self.add_error(missing, "填写首次课时，日期、开始时间、结束时间和学时都要填写")
        return data

    def class_data(self) -> dict[str, Any]:
        data = {
            k: self.cleaned_data.get(k)
            for k in ("title", "capacity", "start_date", "end_date", "place")
        }
        return {k: v for k, v in data.items() if v not in (None, "")}

    def sessions(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        if d.get("session_date") is None:
            return []
        return [
            {
                "date": d["session_date"],
                "start_time": d["session_start"],
                "end_time": d["session_end"],
                "hours": d["session_hours"],
                "hour_type": d.get("session_hour_type") or HourType.THEORY,
            }
        ]


class DemandConvertForm(LocalizedForm):
    """转为学院订单: only what the demand does not say (the academy, the period, the site)."""

    academy = ObjectChoiceField("academy", label="承接学院")
    period_from = forms.DateField(label="期望培训时间起", widget=DATE)
    period_to = forms.DateField(label="期望培训时间止", widget=DATE)
    site = forms.ChoiceField(label="培训地点方式", choices=OrderSite.choices)
    address = forms.CharField(
        label="送教地址", max_length=200, required=False, help_text="选择“送教入企”时必填"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "academy").queryset = selectors.academy_choices_for(
            user=user, action="view"
        )


class UpgradeForm(LocalizedForm):
    """A trainee's skill upgrade (技能等级晋升) after a class: the skill-level certificate."""

    occupation = TermChoiceField("occupation", label="职业（工种）")
    level_before = TermChoiceField(
        "skill_level", label="原技能等级", required=False, help_text="此前没有技能等级的留空"
    )
    level_after = TermChoiceField("skill_level", label="提升后技能等级")
    certificate_no = forms.CharField(
        label="技能等级证书编号",
        max_length=64,
        help_text="职业技能等级证书上的编号；已预填本班结业证书编号时请核对修改",
    )
    issuer = forms.CharField(label="发证机构", max_length=100, help_text="职业技能等级认定机构")
    issued_on = forms.DateField(label="取证日期", widget=DATE)
    lecturer = forms.ModelChoiceField(
        queryset=Lecturer.objects.none(), label="授课师资", required=False
    )

    def __init__(self, *args: Any, training_class: TrainingClass, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "lecturer").queryset = training_class.lecturers.select_related(
            "craftsman"
        )


class StatisticsFilterForm(PeriodForm):
    """统计报表的筛选：期间（年/季/月/自定义，``core.periods.PeriodForm``）、学院级别；下钻单位由
    表格行的链接带入。"""

    level = forms.ChoiceField(
        label="学院级别", choices=[("", "全部级别"), *AcademyLevel.choices], required=False
    )
    unit = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
