"""Pages of service sessions (服务记录, /casework/sessions/): list, detail, log/edit, benefit
verification, skill upgrades, evidence upload and scoped download; the offer page's session card.

Views are thin: a form, one call of ``casework.sessions``, a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters as filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.views import View

from jiangqiao.core import files
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.forms import LocalizedForm, LocalizedModelForm
from jiangqiao.core.pickers import ObjectChoiceField, ObjectFilter, key_from_text
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.tables import BaseTable
from jiangqiao.core.uploads import LimitedFileField, human_size, upload_limit
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
)
from jiangqiao.demands.choices import DemandKind
from jiangqiao.demands.filtersets import EnterpriseBreakdownFilterSet
from jiangqiao.demands.models import Demand
from jiangqiao.talents.models import Craftsman
from jiangqiao.taxonomy.forms import TermChoiceField, TermMultipleChoiceField

from . import sessions
from .choices import ProblemResult, SessionMode
from .models import Offer
from .session_models import ServiceRecord, SessionEvidence

TABLE_ATTRS = {"class": "table table-vcenter card-table table-hover"}
PROBLEM_WORDS = {label: value for value, label in ProblemResult.choices}


def session_list(*, user: Any, action: str = "view") -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.visible_to(user, action).select_related(
        "demand",
        "demand__enterprise",
        "offer",
        "offer__craftsman",
        "offer__team",
        "match",
        "match__craftsman",
        "created_by",
    )


# ----------------------------------------------------------------------------------------------
# Filters, table
# ----------------------------------------------------------------------------------------------


class ServiceRecordFilterSet(EnterpriseBreakdownFilterSet):
    enterprise_path = "demand__enterprise__"

    demand_id = ObjectFilter("demand", label="需求", field_name="demand")
    offer_id = ObjectFilter("offer", label="服务邀请", field_name="offer")
    match_id = ObjectFilter("suggestion", label="匹配", field_name="match")
    craftsman_id = ObjectFilter("craftsman", label="劳模工匠", method="filter_craftsman")
    mode = filters.ChoiceFilter(label="服务方式", choices=SessionMode.choices)
    date_from = filters.DateFilter(
        label="服务日期起",
        field_name="date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = filters.DateFilter(
        label="服务日期止",
        field_name="date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    enterprise_confirmed = filters.BooleanFilter(
        label="企业已确认",
        widget=forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")]),
    )
    benefit_verified = filters.BooleanFilter(
        label="效益已核实",
        field_name="benefit_verified_at",
        lookup_expr="isnull",
        exclude=True,
        widget=forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")]),
    )
    org_id = OrgSubtreeFilter(org_field="demand__org", label="需求所属工会（含下级）")
    kind = filters.ChoiceFilter(
        label="需求类型", field_name="demand__kind", choices=DemandKind.choices
    )
    # 服务企业数 (docs/kpi.md §1) links here: an enterprise's first session of the calendar year.
    first_of_year = filters.BooleanFilter(
        label="企业当年首次服务",
        method="filter_first_of_year",
        widget=forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")]),
    )

    class Meta:
        model = ServiceRecord
        fields = [
            "demand_id",
            "offer_id",
            "match_id",
            "craftsman_id",
            "mode",
            "date_from",
            "date_to",
            "enterprise_confirmed",
            "benefit_verified",
            "org_id",
            "kind",
            "first_of_year",
            "ent_industry",
            "ent_region",
            "ent_size",
            "ent_tier",
        ]

    def filter_first_of_year(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        from .kpi import first_sessions_of_year

        if value is None:
            return queryset
        if value:
            return first_sessions_of_year(queryset)  # type: ignore[no-any-return]
        return queryset.exclude(pk__in=first_sessions_of_year(queryset).values("pk"))

    def filter_craftsman(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        from django.db.models import Q

        pk = getattr(value, "pk", value)
        return queryset.filter(Q(offer__craftsman_id=pk) | Q(match__craftsman_id=pk))


class ServiceRecordTable(BaseTable):
    display = tables.Column(
        "服务记录",
        empty_values=(),
        orderable=False,
        linkify=lambda record: record.get_absolute_url(),
    )
    date = tables.DateColumn(verbose_name="服务日期", format="Y-m-d")
    demand = tables.Column(
        "需求",
        accessor="demand",
        orderable=False,
        linkify=lambda record, table: table.demand_url(record),
        attrs={"td": {"class": "wrap"}},
    )
    enterprise = tables.Column("企业", accessor="demand__enterprise__name", orderable=False)
    craftsman = tables.Column("劳模工匠", empty_values=(), orderable=False)
    mode = tables.Column("方式")
    duration_min = tables.Column("时长（分钟）")
    trainees = tables.Column("培训人数")
    problems_solved = tables.Column("解决问题数")
    enterprise_confirmed = tables.BooleanColumn(verbose_name="企业已确认", yesno="是,否")

    default_columns = (
        "display",
        "date",
        "demand",
        "enterprise",
        "craftsman",
        "mode",
        "problems_solved",
        "enterprise_confirmed",
    )
    key_columns = ("display", "date", "demand")
    truncate = {"display": "md", "enterprise": "md", "craftsman": "sm"}

    def demand_url(self, record: ServiceRecord) -> str | None:
        """The demand's page where the viewer may open it, else his invitation's (a craftsman)."""
        visible = getattr(self, "_visible_demands", None)
        if visible is None:
            user = getattr(getattr(self, "request", None), "user", None)
            page = getattr(self, "page", None)
            rows = [getattr(r, "record", r) for r in getattr(page, "object_list", [])] or [record]
            ids = {r.demand_id for r in rows} | {record.demand_id}
            visible = set(
                Demand.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
            )
            self._visible_demands = visible
        if record.demand_id in visible:
            return str(record.demand.get_absolute_url())
        return record.offer.get_absolute_url() if record.offer is not None else None

    class Meta:
        model = ServiceRecord
        fields = (
            "display",
            "date",
            "demand",
            "enterprise",
            "craftsman",
            "mode",
            "duration_min",
            "trainees",
            "problems_solved",
            "enterprise_confirmed",
        )
        order_by = ("-date",)
        attrs = TABLE_ATTRS

    def render_display(self, record: ServiceRecord) -> str:
        return str(record)

    def render_craftsman(self, record: ServiceRecord) -> str:
        return str(record.craftsman or "—")


# ----------------------------------------------------------------------------------------------
# Forms
# ----------------------------------------------------------------------------------------------


def parse_problems(text: str) -> list[dict[str, str]]:
    """One problem a line: ``描述|已解决`` (or 部分解决 / 未解决; no result means 已解决)."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        description, _, word = line.rpartition("|") if "|" in line else (line, "", "")
        word = word.strip()
        result = PROBLEM_WORDS.get(word, word if word in ProblemResult.values else "")
        if not description:
            description, result = word, "solved"
        out.append({"description": description.strip(), "result": result or "solved"})
    return out


def problems_text(problems: list[dict[str, str]]) -> str:
    labels = dict(ProblemResult.choices)
    return "\n".join(
        f"{p['description']}|{labels.get(p['result'], p['result'])}" for p in problems or []
    )


class ServiceRecordForm(LocalizedModelForm):
    """One session; on create, the offer is chosen among the accepted ones the user may log."""

    offer = ObjectChoiceField(
        "offer",
        label="服务（已接受的邀请）",
        queryset=Offer.objects.none(),
        required=False,
        help_text="输入需求标题或劳模工匠姓名；只能选已接受或已完成的服务",
    )
    participants = forms.ModelMultipleChoiceField(
        label="参与劳模工匠",
        queryset=Craftsman.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="服务队承接时勾选到场的队员；不选则记领衔人",
    )
    activities = TermMultipleChoiceField("service_type", label="服务内容", required=False)
    problems_text = forms.CharField(
        label="处理的问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个问题：问题描述|已解决（或 部分解决、未解决）",
    )

    class Meta:
        model = ServiceRecord
        fields = [
            "offer",
            "date",
            "mode",
            "duration_min",
            "prep_min",
            "travel_min",
            "activities",
            "location",
            "experts",
            "attendees",
            "trainees",
            "problems_solved",
            "notes",
            "economic_benefit",
            "benefit_method",
            "enterprise_confirmed",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["offer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = sessions.loggable_offers(user=user).order_by("-responded_at", "-pk")
        self.fields["experts"].help_text = "留空则按参与劳模工匠的人数计"
        chooser = self.fields["participants"]
        assert isinstance(chooser, forms.ModelMultipleChoiceField)
        if self.instance.pk:
            field.disabled = True
            self.fields["problems_text"].initial = problems_text(self.instance.problems)
            eligible = sessions.eligible_participants(self.instance.offer, self.instance.match)
            self.fields["participants"].initial = list(
                self.instance.participants.values_list("pk", flat=True)
            )
        else:
            field.required = True
            self.fields["date"].initial = timezone.localdate()
            offer = self._chosen_offer(field)
            eligible = sessions.eligible_participants(offer, None) if offer else []
        if len(eligible) > 1:
            chooser.queryset = Craftsman.objects.filter(pk__in=[c.pk for c in eligible])
        else:
            # One craftsman (or the offer is not chosen yet): named by the service itself.
            del self.fields["participants"]

    def _chosen_offer(self, field: forms.ModelChoiceField) -> Offer | None:
        raw = self.data.get("offer") if self.is_bound else self.initial.get("offer")
        try:
            return field.queryset.select_related("team").filter(pk=int(str(raw))).first()  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return None

    def service_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data.get(name)
            for name in sessions.RECORD_FIELDS
            if name in self.fields
        }
        data["problems"] = parse_problems(self.cleaned_data.get("problems_text") or "")
        if data["problems"]:
            data.pop("problems_solved", None)
        return data


class SkillUpgradeForm(LocalizedForm):
    worker_code = forms.CharField(label="职工编号", max_length=32, help_text="企业工号或自编号")
    worker_initials = forms.CharField(label="姓名首字母", max_length=8, required=False)
    occupation = TermChoiceField("occupation", label="职业（工种）")
    level_before = TermChoiceField("skill_level", label="原技能等级", required=False)
    level_after = TermChoiceField("skill_level", label="提升后技能等级")
    certificate_no = forms.CharField(label="证书编号", max_length=64, required=False)
    issuer = forms.CharField(label="发证机构", max_length=100, required=False)
    issued_on = forms.DateField(label="取证日期", required=False, help_text="不填则为服务日期")


class EvidenceForm(LocalizedForm):
    file = LimitedFileField(kind="evidence", label="佐证材料")
    caption = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = human_size(upload_limit("evidence"))
        self.fields["file"].help_text = f"jpg、png、pdf、docx、xlsx，单个不超过 {limit}"


# ----------------------------------------------------------------------------------------------
# Views
# ----------------------------------------------------------------------------------------------

ERRORS = (BusinessError, ScopeViolation, PermissionDenied)


def _error(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc)


def _form_errors(form: forms.BaseForm) -> str:
    def named(name: str, error: str) -> str:
        label = str(form.fields[name].label or "") if name in form.fields else ""
        # The field messages already name their field (core/field_messages.py, core/uploads.py).
        return error if not label or error.startswith(label) else f"{label}：{error}"

    return "；".join(named(name, str(e)) for name, errs in form.errors.items() for e in errs)


class ServiceRecordListView(ObjectListView):
    model = ServiceRecord
    filterset_class = ServiceRecordFilterSet
    table_class = ServiceRecordTable
    title = "服务记录"

    def get_table_queryset(self) -> Any:
        return session_list(user=self.request.user)


class ServiceRecordDetailView(ObjectDetailView):
    model = ServiceRecord
    template_name = "casework/servicerecord_detail.html"

    def get_extra_context(self, obj: ServiceRecord) -> dict[str, Any]:
        from jiangqiao.taxonomy.selectors import term_label, term_labels

        user = self.request.user
        labels = term_labels("service_type", obj.activities)
        upgrades = list(obj.skill_upgrades.all())
        occupations = term_labels("occupation", [u.occupation for u in upgrades])
        levels = term_labels(
            "skill_level", [c for u in upgrades for c in (u.level_before, u.level_after) if c]
        )
        may_add = (
            ServiceRecord.objects.visible_to(user, "change").filter(pk=obj.pk).exists()
            or (obj.offer is not None and sessions.answers(user, obj.offer))
        ) and user.has_perm("casework.add_servicerecord")
        return {
            "title": f"服务记录：{obj.demand}",
            "activities": [labels.get(code, code) for code in obj.activities],
            "location": term_label("region", obj.location, obj.location),
            "problem_labels": dict(ProblemResult.choices),
            "upgrades": [
                {
                    "row": u,
                    "occupation": occupations.get(u.occupation, u.occupation),
                    "before": levels.get(u.level_before, "—") if u.level_before else "—",
                    "after": levels.get(u.level_after, u.level_after),
                }
                for u in upgrades
            ],
            "evidence": list(obj.evidence.all()),
            "may_add_parts": may_add,
            "may_verify": user.has_perm("casework.verify_servicerecord")
            and obj.economic_benefit is not None
            and obj.benefit_verified_at is None
            and obj.created_by_id != user.pk,
            "upgrade_form": SkillUpgradeForm(),
            "evidence_form": EvidenceForm(),
        }


class ServiceRecordEditView(ObjectEditView):
    model = ServiceRecord
    form_class = ServiceRecordForm
    success_message = "服务记录已保存"

    def get_form_kwargs(self, obj: Any) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(obj)
        if obj is None:
            offer = self.request.GET.get("offer", "")
            match = self.request.GET.get("match", "")
            if key_from_text(offer) is not None:
                kwargs["initial"] = {"offer": key_from_text(offer)}
            elif key_from_text(match) is not None:
                derived = (
                    sessions.loggable_offers(user=self.request.user)
                    .filter(suggestion_id=key_from_text(match))
                    .order_by("-pk")
                    .first()
                )
                if derived is not None:
                    kwargs["initial"] = {"offer": derived.pk}
        return kwargs

    def save_form(self, form: ServiceRecordForm, obj: ServiceRecord | None) -> Any:
        chosen = form.cleaned_data.get("participants") if "participants" in form.fields else None
        participants = list(chosen) or None if chosen is not None else None
        if obj is None:
            return sessions.session_create(
                actor=self.request.user,
                offer=form.cleaned_data["offer"],
                data=form.service_data(),
                participants=participants,
            )
        return sessions.session_update(
            actor=self.request.user,
            record=obj,
            data=form.service_data(),
            participants=participants,
        )


class _SessionActionView(ScopedMixin, View):
    """POST an action on a session visible to the user; back to its page with a message."""

    model = ServiceRecord
    action = "view"
    #: Each subclass takes its one step through the session services and says what it did.
    act: Callable[[ServiceRecord], str]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.get_object()
        try:
            done = self.act(record)
        except ERRORS as exc:
            messages.error(request, _error(exc))
        else:
            messages.success(request, done)
        return redirect(record.get_absolute_url())


class VerifyBenefitView(_SessionActionView):
    def act(self, record: ServiceRecord) -> str:
        sessions.session_verify_benefit(actor=self.request.user, record=record)
        return "经济效益已核实"


class SkillUpgradeAddView(_SessionActionView):
    def act(self, record: ServiceRecord) -> str:
        form = SkillUpgradeForm(self.request.POST)
        if not form.is_valid():
            raise BusinessError(_form_errors(form))
        row = sessions.skill_upgrade_add(
            actor=self.request.user, record=record, data=dict(form.cleaned_data)
        )
        return f"已登记职工“{row.worker_code}”的技能提升"


class EvidenceAddView(_SessionActionView):
    def act(self, record: ServiceRecord) -> str:
        form = EvidenceForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            raise BusinessError(_form_errors(form))
        row = sessions.evidence_add(
            actor=self.request.user,
            record=record,
            upload=form.cleaned_data["file"],
            caption=form.cleaned_data["caption"],
        )
        return f"已上传佐证材料“{row.name}”"


class EvidenceDownloadView(ScopedMixin, View):
    """The file of an evidence row the user may see (404 outside the scope); never inline HTML."""

    model = SessionEvidence
    action = "view"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        row = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        try:
            handle = row.file.open("rb")
        except files.UnreadableFile:
            raise Http404("佐证材料文件无法解密，请联系系统管理员") from None
        except FileNotFoundError:
            raise Http404("佐证材料文件不存在") from None
        response = FileResponse(
            handle,
            as_attachment=row.kind not in files.INLINE_KINDS,
            filename=row.name,
            content_type=files.content_type(row.kind),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


def offer_context(user: Any, offer: Offer) -> dict[str, Any]:
    """The offer page's 服务记录 card: the sessions of the offer and the quick log form."""
    rows = list(
        ServiceRecord.objects.visible_to(user, "view").filter(offer=offer).order_by("-date", "-pk")
    )
    from jiangqiao.taxonomy.selectors import term_list

    may_log = sessions.may_log(user, offer)
    return {
        "sessions": rows,
        "may_log_session": may_log,
        "session_modes": SessionMode.choices,
        # 服务内容 (the service_type code list: a handful of entries, shown as checkboxes).
        "session_activities": list(term_list(scheme="service_type").values_list("code", "name"))
        if may_log
        else [],
        "today": timezone.localdate(),
    }


urlpatterns = [
    path("sessions/", ServiceRecordListView.as_view(), name="servicerecord_list"),
    path("sessions/new/", ServiceRecordEditView.as_view(), name="servicerecord_create"),
    path("sessions/<int:pk>/", ServiceRecordDetailView.as_view(), name="servicerecord_detail"),
    path("sessions/<int:pk>/edit/", ServiceRecordEditView.as_view(), name="servicerecord_edit"),
    path("sessions/<int:pk>/verify/", VerifyBenefitView.as_view(), name="servicerecord_verify"),
    path(
        "sessions/<int:pk>/upgrades/", SkillUpgradeAddView.as_view(), name="servicerecord_upgrade"
    ),
    path("sessions/<int:pk>/evidence/", EvidenceAddView.as_view(), name="servicerecord_evidence"),
    path("sessions/evidence/<int:pk>/", EvidenceDownloadView.as_view(), name="evidence_download"),
]
