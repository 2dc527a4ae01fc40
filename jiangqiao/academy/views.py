"""Pages of the academy app. Thin: read through selectors/``visible_to``, write through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from jiangqiao.core.choices import Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ObjectStatusView,
    ScopedMixin,
    apply_validation_error,
)
from jiangqiao.talents.models import Craftsman, ServiceItem
from jiangqiao.taxonomy.models import Term
from jiangqiao.taxonomy.selectors import term_label, term_labels

from . import selectors, services
from .choices import ACADEMY_LEVEL_COLORS, COURSE_STATUS_COLORS, CourseFormat, CourseStatus
from .filtersets import (
    AcademyFilterSet,
    AllianceFilterSet,
    CourseFilterSet,
    LecturerFilterSet,
    menu_filter,
)
from .forms import (
    AcademyForm,
    AllianceForm,
    AllianceMemberForm,
    AppointmentForm,
    CourseForm,
    LecturerForm,
    PromoteItemForm,
    SubsidyForm,
)
from .models import Academy, Alliance, Appointment, Course, Lecturer, Subsidy
from .tables import AcademyTable, AllianceTable, CourseTable, LecturerTable


def _form_error(form: Any, exc: Exception) -> None:
    if isinstance(exc, BusinessError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
    elif isinstance(exc, ValidationError):
        apply_validation_error(form, exc)
    else:
        form.add_error(None, str(exc))


def _pairs(scheme: str, codes: list[str]) -> list[tuple[str, str]]:
    labels = term_labels(scheme, codes)
    return [(code, labels.get(code, code)) for code in codes]


def _changelog(models_ids: list[tuple[Any, list[Any]]]) -> QuerySet[Any]:
    q = Q(pk__in=[])
    for model, ids in models_ids:
        q |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        )
    return ChangeLog.objects.filter(q).order_by("-time", "-pk")[:200]


class ChildFormView(ScopedMixin, View):
    """Add a child row (subsidy, appointment, member) to an object the user may change."""

    action = "change"
    form_class: ClassVar[Any]
    label: ClassVar[str]

    def make_form(self, data: Any = None) -> Any:
        return self.form_class(data)

    #: Each subclass saves its child row through the academy services.
    save: Callable[[Any, Any], Any]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return self._render(self.make_form(), obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                self.save(form, obj)
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect(obj.get_absolute_url())
        return self._render(form, obj, status=400)

    def _render(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "talents/child_form.html",
            {
                "form": form,
                "title": f"新增{self.label}：{obj}",
                "cancel_url": obj.get_absolute_url(),
            },
            status=status,
        )


# ------------------------------------------------------------------------------------------------
# Academies
# ------------------------------------------------------------------------------------------------


class AcademyListView(ObjectListView):
    model = Academy
    filterset_class = AcademyFilterSet
    table_class = AcademyTable
    title = "工匠学院"

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.academy_list(user=self.request.user)


class AcademyDetailView(ObjectDetailView):
    model = Academy
    template_name = "academy/academy_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("org", "parent", "alliance")

    def get_extra_context(self, obj: Academy) -> dict[str, Any]:
        user = self.request.user
        return {
            "ancestors": selectors.academy_tree(obj),
            "children": selectors.academy_list(user=user).filter(parent=obj),
            "subsidies": obj.subsidies.all(),
            "lecturer_count": selectors.lecturer_list(user=user).filter(academy=obj).count(),
            "courses": selectors.course_list(user=user).filter(academy=obj)[:50],
            "industries": _pairs("industry", obj.industries),
            "region_label": term_label("region", obj.region_code),
            "level_color": ACADEMY_LEVEL_COLORS.get(obj.level, "secondary"),
        }

    def changelog(self, obj: Academy) -> QuerySet[Any]:
        return _changelog(
            [(Academy, [obj.pk]), (Subsidy, list(obj.subsidies.values_list("pk", flat=True)))]
        )


class AcademyEditView(ObjectEditView):
    model = Academy
    form_class = AcademyForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: AcademyForm, obj: Academy | None) -> Academy:
        if obj is None:
            return services.academy_create(
                actor=self.request.user, org=form.cleaned_data["org"], data=form.service_data()
            )
        return services.academy_update(
            actor=self.request.user,
            academy=obj,
            data=form.service_data(),
            version=form.cleaned_data.get("version"),
        )


class AcademyStatusView(ObjectStatusView):
    model = Academy

    def set_status(self, obj: Academy, status: str) -> Academy:
        return services.academy_set_status(actor=self.request.user, academy=obj, status=status)


class SubsidyAddView(ChildFormView):
    model = Academy
    form_class = SubsidyForm
    label = "补助记录"

    def save(self, form: SubsidyForm, obj: Academy) -> Any:
        return services.subsidy_add(actor=self.request.user, academy=obj, data=form.cleaned_data)


# ------------------------------------------------------------------------------------------------
# Alliances
# ------------------------------------------------------------------------------------------------


class AllianceListView(ObjectListView):
    model = Alliance
    filterset_class = AllianceFilterSet
    table_class = AllianceTable
    title = "学院联盟"

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.alliance_list(user=self.request.user)


class AllianceDetailView(ObjectDetailView):
    model = Alliance
    template_name = "academy/alliance_detail.html"

    def get_extra_context(self, obj: Alliance) -> dict[str, Any]:
        user = self.request.user
        members = selectors.academy_list(user=user).filter(alliance=obj)
        hidden = Academy.objects.filter(alliance=obj).exclude(pk__in=members.values("pk")).count()
        return {
            "members": members,
            "hidden_members": hidden,
            "member_form": AllianceMemberForm(user=user),
        }


class AllianceEditView(ObjectEditView):
    model = Alliance
    form_class = AllianceForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: AllianceForm, obj: Alliance | None) -> Alliance:
        if obj is None:
            return services.alliance_create(
                actor=self.request.user, org=form.cleaned_data["org"], data=form.service_data()
            )
        return services.alliance_update(
            actor=self.request.user,
            alliance=obj,
            data=form.service_data(),
            version=form.cleaned_data.get("version"),
        )


class AllianceStatusView(ObjectStatusView):
    model = Alliance

    def set_status(self, obj: Alliance, status: str) -> Alliance:
        return services.alliance_set_status(actor=self.request.user, alliance=obj, status=status)


class AllianceMemberView(ScopedMixin, View):
    """POST: add an academy to the alliance, or remove one (``op``)."""

    model = Alliance
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    op: ClassVar[str] = "add"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        alliance = self.get_object()
        try:
            if self.op == "add":
                form = AllianceMemberForm(request.POST, user=request.user)
                if not form.is_valid():
                    for errors in form.errors.values():
                        for error in errors:
                            messages.error(request, str(error))
                    return redirect(alliance.get_absolute_url())
                services.alliance_add_member(
                    actor=request.user, alliance=alliance, academy=form.cleaned_data["academy"]
                )
                messages.success(request, "已加入联盟")
            else:
                academy = get_object_or_404(
                    selectors.academy_list(user=request.user),
                    pk=kwargs["academy_pk"],
                    alliance=alliance,
                )
                services.alliance_remove_member(
                    actor=request.user, alliance=alliance, academy=academy
                )
                messages.success(request, "已退出联盟")
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect(alliance.get_absolute_url())


# ------------------------------------------------------------------------------------------------
# Lecturers
# ------------------------------------------------------------------------------------------------


class LecturerListView(ObjectListView):
    model = Lecturer
    filterset_class = LecturerFilterSet
    table_class = LecturerTable
    title = "师资库"
    extra_buttons: ClassVar[list[tuple[str, str, str]]] = [
        ("联盟共享师资", "academy:lecturer_shared", "academy.view_lecturer"),
    ]

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.lecturer_list(user=self.request.user)


class SharedPoolView(ScopedMixin, View):
    """Shared lecturers of the alliances of the user's academies, outside his own scope: public
    fields only (name, title, honours, academy) — the data scope is not widened."""

    model = Lecturer

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        shared = list(selectors.shared_pool_for(user=request.user)[:200])
        honours = selectors.lecturer_honours(shared)
        rows = [selectors.public_lecturer(lec, honours.get(lec.pk)) for lec in shared]
        return render(request, "academy/shared_pool.html", {"rows": rows, "title": "联盟共享师资"})


class LecturerDetailView(ObjectDetailView):
    model = Lecturer
    template_name = "academy/lecturer_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("academy", "craftsman", "org")

    def get_extra_context(self, obj: Lecturer) -> dict[str, Any]:
        user = self.request.user
        craftsman_visible = bool(
            obj.craftsman_id
            and Craftsman.objects.visible_to(user, "view").filter(pk=obj.craftsman_id).exists()
        )
        return {
            "appointments": obj.appointments.select_related("academy"),
            "courses": obj.courses.select_related("academy"),
            "fields": _pairs("course_field", obj.course_fields),
            "rating": selectors.lecturer_rating(obj),
            "honours": selectors.lecturer_honours([obj]).get(obj.pk, []),
            "craftsman_visible": craftsman_visible,
        }

    def changelog(self, obj: Lecturer) -> QuerySet[Any]:
        ids = list(obj.appointments.values_list("pk", flat=True))
        return _changelog([(Lecturer, [obj.pk]), (Appointment, ids)])


class LecturerEditView(ObjectEditView):
    model = Lecturer
    form_class = LecturerForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: LecturerForm, obj: Lecturer | None) -> Lecturer:
        if obj is None:
            return services.lecturer_create(
                actor=self.request.user,
                academy=form.cleaned_data["academy"],
                craftsman=form.cleaned_data.get("craftsman"),
                data=form.service_data(),
            )
        return services.lecturer_update(
            actor=self.request.user,
            lecturer=obj,
            data=form.service_data(),
            version=form.cleaned_data.get("version"),
        )


class LecturerStatusView(ObjectStatusView):
    model = Lecturer

    def set_status(self, obj: Lecturer, status: str) -> Lecturer:
        return services.lecturer_set_status(actor=self.request.user, lecturer=obj, status=status)


class AppointmentAddView(ChildFormView):
    model = Lecturer
    form_class = AppointmentForm
    label = "聘书"

    def save(self, form: AppointmentForm, obj: Lecturer) -> Any:
        return services.appointment_add(
            actor=self.request.user, lecturer=obj, data=form.cleaned_data
        )


# ------------------------------------------------------------------------------------------------
# Courses
# ------------------------------------------------------------------------------------------------


class CourseListView(ObjectListView):
    model = Course
    filterset_class = CourseFilterSet
    table_class = CourseTable
    title = "课程清单"
    extra_buttons: ClassVar[list[tuple[str, str, str]]] = [
        ("服务项目转课程", "academy:course_promote_list", "academy.add_course"),
        ("公开课程菜单", "academy:menu", "academy.view_course"),
    ]

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.course_list(user=self.request.user)


class CourseDetailView(ObjectDetailView):
    model = Course
    template_name = "academy/course_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("academy", "org", "source_item")

    def get_extra_context(self, obj: Course) -> dict[str, Any]:
        return {
            "lecturers": obj.lecturers.select_related("craftsman", "academy"),
            "versions": obj.versions.select_related("created_by")[:20],
            "field_label": term_label("course_field", obj.field, obj.field),
            "occupation_label": term_label("occupation", obj.occupation),
            "skill_label": term_label("skill_level", obj.skill_level),
            "industries": _pairs("industry", obj.industries),
            "status_color": COURSE_STATUS_COLORS.get(obj.status, "secondary"),
            "can_publish": self.request.user.has_perm(services.PUBLISH_PERMISSION)
            and self.perm("change"),
        }


class CourseEditView(ObjectEditView):
    model = Course
    form_class = CourseForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: CourseForm, obj: Course | None) -> Course:
        lecturers = form.cleaned_data.get("lecturers") or []
        if obj is None:
            return services.course_create(
                actor=self.request.user,
                academy=form.cleaned_data["academy"],
                data=form.service_data(),
                lecturers=lecturers,
            )
        data = form.service_data()
        if obj.hours_locked:
            data.pop("hours", None)
        return services.course_update(
            actor=self.request.user,
            course=obj,
            data=data,
            lecturers=lecturers,
            version=form.cleaned_data.get("version"),
        )


class CourseStatusView(ScopedMixin, View):
    """POST ``op=publish|withdraw``."""

    model = Course
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        course = self.get_object()
        op = request.POST.get("op", "")
        try:
            if op == "publish":
                services.course_publish(actor=request.user, course=course)
                messages.success(request, "课程已发布")
            elif op == "withdraw":
                services.course_withdraw(actor=request.user, course=course)
                messages.success(request, "课程已下架")
            else:
                messages.error(request, "操作参数不正确")
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect(course.get_absolute_url())


def _skill_items(user: Any) -> QuerySet[ServiceItem]:
    return (
        ServiceItem.objects.filter(
            service_type=services.SKILL_TRAINING,
            is_active=True,
            craftsman__in=Craftsman.objects.visible_to(user, "view").exclude(status="removed"),
        )
        .select_related("craftsman")
        .order_by("-id")
    )


class PromoteListView(ScopedMixin, View):
    """技能培训 service items of craftsmen in scope, each promotable to a course."""

    model = Course
    action = "add"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        items = _skill_items(request.user)
        q = str(request.GET.get("q") or "")[:50]
        if q:
            items = items.filter(Q(title__icontains=q) | Q(craftsman__name__icontains=q))
        page = Paginator(items, 20).get_page(request.GET.get("page"))
        promoted = set(
            Course.objects.filter(source_item__in=[i.pk for i in page]).values_list(
                "source_item_id", flat=True
            )
        )
        return render(
            request,
            "academy/promote_list.html",
            {"page": page, "promoted": promoted, "q": q, "title": "服务项目转课程"},
        )


class PromoteItemView(ScopedMixin, View):
    model = Course
    action = "add"

    def _item(self) -> ServiceItem:
        return get_object_or_404(_skill_items(self.request.user), pk=self.kwargs["item_pk"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self._item()
        return self._render(PromoteItemForm(user=request.user, item=item), item)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self._item()
        form = PromoteItemForm(request.POST, user=request.user, item=item)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "academy"}
            try:
                course = services.course_from_item(
                    actor=request.user, academy=form.cleaned_data["academy"], item=item, data=data
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已转为课程（草稿），请补充后发布")
                return redirect(course.get_absolute_url())
        return self._render(form, item, status=400)

    def _render(self, form: Any, item: ServiceItem, status: int = 200) -> HttpResponse:
        return render(
            request=self.request,
            template_name="talents/child_form.html",
            context={
                "form": form,
                "title": f"转为课程：{item.title}（{item.craftsman.name}）",
                "cancel_url": "../",
            },
            status=status,
        )


# ------------------------------------------------------------------------------------------------
# The public course menu
# ------------------------------------------------------------------------------------------------


class MenuView(View):
    """课程菜单: published courses, for enterprise contacts on a phone. No login needed; lecturers
    appear with name, title and honours only."""

    per_page = 20

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        courses = menu_filter(selectors.public_menu(), request.GET)
        page = Paginator(courses, self.per_page).get_page(request.GET.get("page"))
        rows = list(page)
        lecturers = {lec.pk: lec for c in rows for lec in c.lecturers.all()}
        honours = selectors.lecturer_honours(list(lecturers.values()))
        fields = dict(
            Term.objects.filter(scheme="course_field", is_active=True)
            .order_by("sort", "code")
            .values_list("code", "name")
        )
        cards = [
            {
                "course": c,
                "field": fields.get(c.field, c.field),
                "lecturers": [
                    selectors.public_lecturer(lec, honours.get(lec.pk)) for lec in c.lecturers.all()
                ],
            }
            for c in rows
        ]
        params = request.GET.copy()
        params.pop("page", None)
        return render(
            request,
            "academy/menu.html",
            {
                "title": "工匠学院课程菜单",
                "page": page,
                "cards": cards,
                "fields": list(fields.items()),
                "formats": CourseFormat.choices,
                **selectors.public_menu_choices(),
                "selected": {
                    k: str(request.GET.get(k) or "")
                    for k in ("field", "format", "industry", "region", "lecturer", "q")
                },
                "region_label": term_label("region", str(request.GET.get("region") or "")),
                "industry_label": term_label("industry", str(request.GET.get("industry") or "")),
                "query": params.urlencode(),
                "published": CourseStatus.PUBLISHED,
                "enabled": Status.ACTIVE,
                "can_order": request.user.has_perm("academy.add_trainingorder"),
            },
        )
