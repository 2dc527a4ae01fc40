"""Pages of competitions and innovation activities (staff, scoped) and the public results page of
a published competition (masked names, built for a 390×844 phone). Thin: reads through
``selectors``/``visible_to``, writes through ``competitions``."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.sensitive import mask
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
    SubmitOnceMixin,
)
from jiangqiao.taxonomy.selectors import term_label, term_labels

from . import competitions, selectors
from .choices import (
    COMPETITION_STATUS_COLORS,
    INNOVATION_STATUS_COLORS,
    CompetitionStatus,
    EmployerRestriction,
    InnovationStatus,
)
from .class_views import _form_error
from .competition_filtersets import CompetitionFilterSet, InnovationFilterSet
from .competition_forms import (
    CompetitionForm,
    ContestantForm,
    InnovationForm,
    JudgeForm,
    PublishForm,
)
from .competition_tables import CompetitionTable, InnovationTable
from .models import Competition, Contestant, Innovation, Judge

#: The buttons of the competition page, by target status (only moves the table allows show;
#: 已公布 goes through the publication form with the award counts).
MOVE_LABELS = {
    CompetitionStatus.REGISTERING: "开放报名",
    CompetitionStatus.PREPARING: "退回筹备",
    CompetitionStatus.RUNNING: "开赛",
    CompetitionStatus.SCORING: "进入评分",
    CompetitionStatus.CANCELLED: "取消赛事",
}
INNOVATION_MOVE_LABELS = {
    InnovationStatus.ONGOING: "开始实施",
    InnovationStatus.COMPLETED: "完成",
    InnovationStatus.TERMINATED: "终止",
}


def _can_change(view: ScopedMixin, model: Any, pk: int) -> bool:
    return view.perm("change") and (
        model.objects.visible_to(view.request.user, "change").filter(pk=pk).exists()
    )


# ------------------------------------------------------------------------------------------------
# Competitions
# ------------------------------------------------------------------------------------------------


class CompetitionListView(ObjectListView):
    model = Competition
    filterset_class = CompetitionFilterSet
    table_class = CompetitionTable
    title = "竞赛"

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.competition_list(user=self.request.user)


def contestant_rows(c: Competition) -> list[dict[str, Any]]:
    rows = []
    for x in c.contestants.select_related("trainee", "enterprise"):
        rows.append(
            {
                "contestant": x,
                "name": x.trainee.name,
                "id_number": mask("id_number", x.trainee.id_number),
                "mobile": mask("mobile", x.trainee.mobile),
                "employer": x.employer_display,
                "occupation": term_label("occupation", x.occupation, x.occupation),
                "skill_level": term_label("skill_level", x.skill_level, x.skill_level),
            }
        )
    return rows


class CompetitionDetailView(ObjectDetailView):
    model = Competition
    template_name = "academy/competition_detail.html"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org", "academy")

    def get_extra_context(self, obj: Competition) -> dict[str, Any]:
        can_change = _can_change(self, Competition, obj.pk)
        judges = list(obj.judges.select_related("craftsman"))
        allowed = list(obj.allowed_occupations or [])
        labels = term_labels("occupation", allowed)
        return {
            "status_color": COMPETITION_STATUS_COLORS.get(obj.status, "secondary"),
            "rows": contestant_rows(obj),
            "judges": [
                {"judge": j, "recused": selectors.recusal_count(j), "employer": j.employer[0]}
                for j in judges
            ],
            "classes": obj.classes.filter(
                pk__in=selectors.class_list(user=self.request.user).values("pk")
            ).select_related("academy"),
            "history": obj.status_changes.select_related("by"),
            "occupation_label": term_label("occupation", obj.occupation, obj.occupation),
            "allowed_labels": [labels.get(code, code) for code in allowed],
            "min_label": term_label("skill_level", obj.min_skill_level, ""),
            "max_label": term_label("skill_level", obj.max_skill_level, ""),
            "region_label": term_label("region", obj.region_prefix, obj.region_prefix)
            if obj.employer_restriction == EmployerRestriction.REGION
            else "",
            "moves": [
                (to, MOVE_LABELS[CompetitionStatus(to)])
                for to in sorted(competitions.COMPETITION_MOVES[obj.status])
                if to != CompetitionStatus.PUBLISHED
            ]
            if can_change
            else [],
            "can_manage": can_change,
            "can_register": can_change and obj.status == CompetitionStatus.REGISTERING,
            "can_add_judge": can_change
            and obj.status not in (CompetitionStatus.SCORING, *competitions.FINAL),
            "can_mark": can_change and obj.status in competitions.MARKING,
            "can_publish": can_change and obj.status == CompetitionStatus.SCORING,
            "can_edit": can_change and obj.status not in competitions.FINAL,
        }


class CompetitionEditView(ObjectEditView):
    model = Competition
    form_class = CompetitionForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: CompetitionForm, obj: Competition | None) -> Competition:
        chosen = list(form.cleaned_data.get("classes") or [])
        if obj is None:
            return competitions.competition_create(
                actor=self.request.user,
                org=form.cleaned_data["org"],
                data=form.service_data(),
                classes=chosen,
            )
        data = form.service_data()
        if obj.status not in competitions.EDITABLE:
            data = {}  # the rules are fixed once the competition runs; only the classes change
        return competitions.competition_update(
            actor=self.request.user,
            competition=obj,
            data=data,
            classes=chosen,
            version=form.cleaned_data.get("version"),
        )


class CompetitionActionView(ScopedMixin, View):
    """A POST on a competition the user may change; errors come back as messages."""

    model = Competition
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        try:
            c = competitions.competition_move(
                actor=request.user, competition=c, to=request.POST.get("to", "")
            )
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, f"竞赛已改为{c.get_status_display()}")
        return redirect(c.get_absolute_url())


class CompetitionFormPage(ScopedMixin, View):
    """A form page under a competition the user may change."""

    model = Competition
    action = "change"
    template = "talents/child_form.html"

    def _render(self, form: Any, c: Competition, title: str, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template,
            {
                "form": form,
                "title": title,
                "cancel_url": c.get_absolute_url(),
                "form_token": getattr(self, "form_token", ""),
            },
            status=status,
        )


class PublishView(CompetitionFormPage):
    """Publish the results: the award counts, then 已公布 (marks frozen)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        return self._render(PublishForm(), c, f"公布成绩：{c.title}")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                competitions.competition_move(
                    actor=request.user, competition=c, to="published", awards=form.cleaned_data
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                if isinstance(exc, BusinessError) and exc.field and exc.field.startswith("awards_"):
                    exc.field = exc.field.removeprefix("awards_")
                _form_error(form, exc)
            else:
                messages.success(request, "成绩已公布，评分已冻结")
                return redirect(reverse("academy:competition_results", args=[c.pk]))
        return self._render(form, c, f"公布成绩：{c.title}", status=400)


class RegisterView(SubmitOnceMixin, CompetitionFormPage):
    """Register one contestant (staff entry, no sheet)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        self.issue_form_token()
        initial = {"occupation": c.occupation, "skill_level": c.min_skill_level}
        return self._render(ContestantForm(initial=initial), c, f"报名登记：{c.title}")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        c = self.get_object()
        form = ContestantForm(request.POST)
        if form.is_valid():
            try:
                done = self.create_once(
                    lambda: competitions.contestant_register(
                        actor=request.user, competition=c, data=dict(form.cleaned_data)
                    ),
                    lambda x: c.get_absolute_url(),
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                if done.replayed or done.result is None:
                    return self.replayed(done.url)
                messages.success(request, f"已报名（参赛编号 {done.result.number:03d}）")
                return redirect(done.url)
        return self._render(form, c, f"报名登记：{c.title}", status=400)

    def replay_fallback_url(self) -> str:
        return reverse("academy:competition_list")


class JudgeAddView(CompetitionFormPage):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        return self._render(JudgeForm(user=request.user), c, f"添加评委：{c.title}")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        form = JudgeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                competitions.judge_add(
                    actor=request.user,
                    competition=c,
                    data=form.service_data(),
                    craftsman=form.cleaned_data.get("craftsman"),
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "评委已添加")
                return redirect(c.get_absolute_url())
        return self._render(form, c, f"添加评委：{c.title}", status=400)


class MarkingSheetView(ScopedMixin, View):
    """One judge's marking sheet: the contestants he may mark (his own employer's are hidden),
    one input each (0–100, one decimal). Blank inputs are left as they are."""

    model = Competition
    action = "change"

    def _judge(self, c: Competition) -> Judge:
        return get_object_or_404(
            Judge.objects.select_related("craftsman", "competition"),
            pk=self.kwargs["judge_pk"],
            competition=c,
        )

    def _render(self, c: Competition, judge: Judge, errors: list[str], status: int = 200) -> Any:
        return render(
            self.request,
            "academy/competition_sheet.html",
            {
                "object": c,
                "judge": judge,
                "rows": selectors.marking_sheet(judge),
                "recused": selectors.recusal_count(judge),
                "editable": c.status in competitions.MARKING,
                "errors": errors,
                "title": f"评分表：{c.title} · 评委 {judge.display_name}",
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        return self._render(c, self._judge(c), [])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        judge = self._judge(c)
        errors: list[str] = []
        saved = 0
        for key, raw in request.POST.items():
            if not key.startswith("score_") or not str(raw).strip():
                continue
            try:
                contestant = Contestant.objects.get(
                    pk=int(key.removeprefix("score_")), competition=c
                )
            except (ValueError, Contestant.DoesNotExist):
                errors.append("评分表中有不属于本赛事的选手")
                continue
            try:
                competitions.score_set(
                    actor=request.user, judge=judge, contestant=contestant, score=raw
                )
            except (BusinessError, ScopeViolation) as exc:
                errors.append(f"{contestant.number:03d} 号：{getattr(exc, 'message', exc)}")
            else:
                saved += 1
        if errors:
            return self._render(c, judge, errors, status=400)
        messages.success(request, f"已保存 {saved} 项评分")
        return redirect(c.get_absolute_url())


class ResultsView(ScopedMixin, View):
    """Marks per judge, final scores, ranks and awards (a preview until published)."""

    model = Competition

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        c = self.get_object()
        return render(
            request,
            "academy/competition_results.html",
            {
                "object": c,
                "judges": list(c.judges.select_related("craftsman")),
                "rows": selectors.competition_results(c),
                "published": c.status == CompetitionStatus.PUBLISHED,
                "title": f"成绩：{c.title}",
            },
        )


class PublicResultsView(View):
    """The public results of a published competition (no login; masked names only)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        found = selectors.public_results(pk)
        if found is None:
            raise Http404("成绩尚未公布")
        competition, rows = found
        return render(
            request, "academy/competition_public.html", {"competition": competition, "rows": rows}
        )


# ------------------------------------------------------------------------------------------------
# Innovation activities
# ------------------------------------------------------------------------------------------------


class InnovationListView(ObjectListView):
    model = Innovation
    filterset_class = InnovationFilterSet
    table_class = InnovationTable
    title = "创新活动"

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.innovation_list(user=self.request.user)


class InnovationDetailView(ObjectDetailView):
    model = Innovation
    template_name = "academy/innovation_detail.html"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org", "academy", "lead")

    def get_extra_context(self, obj: Innovation) -> dict[str, Any]:
        can_change = _can_change(self, Innovation, obj.pk)
        return {
            "status_color": INNOVATION_STATUS_COLORS.get(obj.status, "secondary"),
            "history": obj.status_changes.select_related("by"),
            "moves": [
                (to, INNOVATION_MOVE_LABELS[InnovationStatus(to)])
                for to in sorted(competitions.INNOVATION_MOVES[obj.status])
            ]
            if can_change
            else [],
            "can_edit": can_change and obj.status != InnovationStatus.TERMINATED,
        }


class InnovationEditView(ObjectEditView):
    model = Innovation
    form_class = InnovationForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: InnovationForm, obj: Innovation | None) -> Innovation:
        if obj is None:
            return competitions.innovation_create(
                actor=self.request.user, org=form.cleaned_data["org"], data=form.service_data()
            )
        return competitions.innovation_update(
            actor=self.request.user,
            innovation=obj,
            data=form.service_data(),
            version=form.cleaned_data.get("version"),
        )


class InnovationStatusView(ScopedMixin, View):
    model = Innovation
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        try:
            obj = competitions.innovation_move(
                actor=request.user, innovation=obj, to=request.POST.get("to", "")
            )
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, f"创新活动已改为{obj.get_status_display()}")
        return redirect(obj.get_absolute_url())
