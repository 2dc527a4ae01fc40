"""Pages of the talents app. Thin: read through selectors/``visible_to``, write through services."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.sensitive import can_view_sensitive, mask
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ObjectStatusView,
    ScopedMixin,
    SubmitOnceMixin,
    apply_validation_error,
)
from jiangqiao.taxonomy.selectors import term_label, term_labels

from . import selectors, services
from .choices import CONSENT_TEXTS, CRAFTSMAN_STATUS_COLORS, ConsentPurpose
from .filtersets import CraftsmanFilterSet, ServiceTeamFilterSet
from .forms import (
    CraftsmanForm,
    CraftsmanStatusForm,
    HonourForm,
    MyProfileForm,
    RevealForm,
    ServiceItemForm,
    ServiceTeamForm,
    TeamMemberForm,
    consent_purposes,
)
from .models import Consent, Craftsman, Honour, ServiceItem, ServiceTeam, TeamMembership
from .tables import CraftsmanTable, ServiceTeamTable

LIST_DEFER = (
    "id_number",
    "mobile",
    "expertise",
    "bio",
    "expertise_normalized",
    "bio_normalized",
    "search_text",
)


def _stale_as_form_error(exc: BusinessError) -> BusinessError:
    """The version is a hidden field: show a stale-version error at the top of the form."""
    if exc.field == "version":
        exc.field = None
    return exc


def _form_error(form: Any, exc: Exception) -> None:
    if isinstance(exc, BusinessError):
        _stale_as_form_error(exc)
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    elif isinstance(exc, ValidationError):
        apply_validation_error(form, exc)
    else:
        form.add_error(None, str(exc))


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _pairs(scheme: str, codes: list[str]) -> list[tuple[str, str]]:
    labels = term_labels(scheme, codes)
    return [(code, labels.get(code, code)) for code in codes]


def craftsman_display(craftsman: Craftsman) -> dict[str, Any]:
    """Labels of the coded fields of a profile (for the detail and own-profile pages)."""
    return {
        "industries": _pairs("industry", craftsman.industries),
        "occupations": _pairs("occupation", craftsman.occupations),
        "regions": _pairs("region", craftsman.regions_served),
        "modes": _pairs("service_mode", craftsman.service_modes),
        "tags": _pairs("demand_category", craftsman.expertise_tags),
        "skill_level": term_label("skill_level", craftsman.skill_level),
        "skill_post": term_label("skill_post", craftsman.skill_post),
        "professional_title": term_label("professional_title", craftsman.professional_title),
        "status_color": CRAFTSMAN_STATUS_COLORS.get(craftsman.status, "secondary"),
    }


# ------------------------------------------------------------------------------------------------
# Craftsmen
# ------------------------------------------------------------------------------------------------


class CraftsmanListView(ObjectListView):
    model = Craftsman
    filterset_class = CraftsmanFilterSet
    table_class = CraftsmanTable
    title = "劳模工匠"

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.craftsman_list(user=self.request.user).defer(*LIST_DEFER)


class CraftsmanDetailView(ObjectDetailView):
    model = Craftsman
    template_name = "talents/craftsman_detail.html"

    def get_extra_context(self, obj: Craftsman) -> dict[str, Any]:
        user = self.request.user
        return {
            **children_context(user, obj),
            "id_number_shown": mask("id_number", obj.id_number),
            "mobile_shown": mask("mobile", obj.mobile),
            "revealed": False,
            "can_reveal": can_view_sensitive(user, Craftsman) and bool(obj.id_number or obj.mobile),
            "can_manage": user.has_perm(services.MANAGE_PERMISSION),
            "reveal_form": RevealForm(),
        }

    def changelog(self, obj: Craftsman) -> QuerySet[Any]:
        """Changes of the profile and of its honours, service items and consents."""
        q = Q(content_type=ContentType.objects.get_for_model(Craftsman), object_id=str(obj.pk))
        for model, ids in (
            (Honour, obj.honours.values_list("pk", flat=True)),
            (ServiceItem, obj.service_items.values_list("pk", flat=True)),
            (Consent, obj.consents.values_list("pk", flat=True)),
        ):
            q |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in ids],
            )
        return ChangeLog.objects.filter(q).order_by("-time", "-pk")[:200]


def children_context(user: Any, obj: Craftsman) -> dict[str, Any]:
    """Honours, service items, consents and teams, with the labels of their codes."""
    context = selectors.craftsman_detail_context(user=user, craftsman=obj)
    honours = list(context["honours"])
    types = term_labels("honour", [h.honour_type for h in honours])
    levels = term_labels("honour_level", [h.level for h in honours])
    for h in honours:
        h.type_label = types.get(h.honour_type, h.honour_type)  # type: ignore[attr-defined]
        h.level_label = levels.get(h.level, h.level)  # type: ignore[attr-defined]
    items = list(context["service_items"])
    item_types = term_labels("service_type", [i.service_type for i in items])
    modes = term_labels("service_mode", [m for i in items for m in i.modes])
    industries = term_labels("industry", [c for i in items for c in i.industries])
    for i in items:
        i.type_label = item_types.get(i.service_type, i.service_type)  # type: ignore[attr-defined]
        i.mode_labels = [modes.get(m, m) for m in i.modes]  # type: ignore[attr-defined]
        i.industry_labels = [industries.get(c, c) for c in i.industries]  # type: ignore[attr-defined]
    active = services.active_consents(obj)
    consent_rows = [
        {"purpose": value, "label": label, "text": CONSENT_TEXTS[value], "active": value in active}
        for value, label in ConsentPurpose.choices
    ]
    return {
        **context,
        "honours": honours,
        "service_items": items,
        "consent_rows": consent_rows,
        "labels": craftsman_display(obj),
    }


class CraftsmanRevealView(CraftsmanDetailView):
    """POST: show the ID number and mobile in clear (permission required; written to the log)."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if not can_view_sensitive(request.user, Craftsman):
            raise PermissionDenied("您没有查看身份证号、手机号明文的权限")
        form = RevealForm(request.POST)
        purpose = form.cleaned_data.get("purpose", "") if form.is_valid() else ""
        try:
            plain = services.craftsman_reveal(actor=request.user, craftsman=obj, purpose=purpose)
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect(obj.get_absolute_url())
        context = {
            **self.base_context(),
            "object": obj,
            "tab": "detail",
            "edit_url": self.edit_url(obj),
            "changelog": None,
            **self.get_extra_context(obj),
            "id_number_shown": plain["id_number"],
            "mobile_shown": plain["mobile"],
            "revealed": True,
        }
        response = render(request, self.template_name, context)
        response["Cache-Control"] = "no-store"
        return response


class CraftsmanEditView(ObjectEditView):
    model = Craftsman
    form_class = CraftsmanForm
    template_name = "talents/craftsman_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if (
            "pk" in kwargs
            and request.user.is_authenticated
            and request.user.has_perm("talents.change_craftsman")
            and not request.user.has_perm(services.MANAGE_PERMISSION)
        ):
            # Craftsmen edit their own profile on “我的档案” (limited fields).
            own = services.craftsman_own(user=request.user)
            if own is not None and str(own.pk) == str(kwargs["pk"]):
                return redirect("talents:my_profile")
            visible = Craftsman.objects.visible_to(request.user, "change")
            if not visible.filter(pk=kwargs["pk"]).exists():
                raise Http404("未找到该劳模工匠")
            raise PermissionDenied("您没有维护劳模工匠档案的权限")
        return super().dispatch(request, *args, **kwargs)

    def save_form(self, form: CraftsmanForm, obj: Craftsman | None) -> Craftsman:
        data = form.service_data()
        try:
            if obj is None:
                return services.craftsman_create(
                    actor=self.request.user,
                    org=form.cleaned_data["org"],
                    data=data,
                    consents=consent_purposes(form.cleaned_data),
                )
            return services.craftsman_update(
                actor=self.request.user,
                craftsman=obj,
                data=data,
                version=form.cleaned_data.get("version"),
                org=form.cleaned_data["org"],
            )
        except services.DuplicateCraftsman as exc:
            existing = Craftsman.objects.visible_to(self.request.user).filter(pk=exc.existing_pk)
            self.duplicate = existing.first()
            raise
        except BusinessError as exc:
            raise _stale_as_form_error(exc) from None

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        context = {
            **self.base_context(),
            "form": form,
            "object": obj,
            "is_create": self.is_create,
            "title": "新增劳模工匠" if obj is None else f"编辑劳模工匠：{obj}",
            "cancel_url": obj.get_absolute_url() if obj else reverse("talents:craftsman_list"),
            "duplicate": getattr(self, "duplicate", None),
        }
        return render(self.request, self.template_name, context, status=status)


class CraftsmanStatusView(ScopedMixin, View):
    """Change the pool status with a reason (needs ``talents.manage_craftsman``)."""

    model = Craftsman
    action = "change"

    def _check(self) -> None:
        if not self.request.user.has_perm(services.MANAGE_PERMISSION):
            raise PermissionDenied("您没有变更劳模工匠状态的权限")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self._check()
        form = CraftsmanStatusForm(
            initial={
                "status": obj.status,
                "status_reason": obj.status_reason,
                "pause_until": obj.pause_until,
            }
        )
        return self._render(form, obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self._check()
        form = CraftsmanStatusForm(request.POST)
        if form.is_valid():
            try:
                services.craftsman_set_status(
                    actor=request.user,
                    craftsman=obj,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["status_reason"],
                    pause_until=form.cleaned_data["pause_until"],
                )
            except (BusinessError, ScopeViolation) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "状态已更新")
                return redirect(obj.get_absolute_url())
        return self._render(form, obj, status=400)

    def _render(self, form: Any, obj: Craftsman, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "generic/object_form.html",
            {"form": form, "title": f"变更状态：{obj}", "cancel_url": obj.get_absolute_url()},
            status=status,
        )


class MyProfileView(LoginRequiredMixin, View):
    """“我的档案”: the logged-in craftsman's own profile, with the fields they may edit."""

    template_name = "talents/my_profile.html"

    def _context(self, craftsman: Craftsman | None, form: Any) -> dict[str, Any]:
        context: dict[str, Any] = {"title": "我的档案", "object": craftsman, "form": form}
        if craftsman is not None:
            context.update(
                {
                    **children_context(self.request.user, craftsman),
                    "id_number_shown": mask("id_number", craftsman.id_number),
                    "mobile_shown": mask("mobile", craftsman.mobile),
                    "can_edit": self.request.user.has_perm("talents.change_craftsman"),
                }
            )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        craftsman = services.craftsman_own(user=request.user)
        form = None
        if craftsman is not None and request.user.has_perm("talents.change_craftsman"):
            form = MyProfileForm(user=request.user, instance=craftsman)
            form.initial["version"] = craftsman.version
        return render(request, self.template_name, self._context(craftsman, form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        craftsman = services.craftsman_own(user=request.user)
        if craftsman is None:
            raise Http404("您的账号未关联劳模工匠档案")
        if not request.user.has_perm("talents.change_craftsman"):
            raise PermissionDenied("您没有修改档案的权限")
        form = MyProfileForm(request.POST, user=request.user, instance=craftsman)
        if form.is_valid():
            try:
                services.craftsman_update_own(
                    actor=request.user,
                    data=form.service_data(),
                    version=form.cleaned_data.get("version"),
                    consents=consent_purposes(form.cleaned_data),
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("talents:my_profile")
        return render(request, self.template_name, self._context(craftsman, form), status=400)


# ------------------------------------------------------------------------------------------------
# Honours, service items, consents (small pages under a craftsman)
# ------------------------------------------------------------------------------------------------


class CraftsmanChildView(SubmitOnceMixin, ScopedMixin, View):
    """Add/edit/delete a child row of a craftsman the user may change; an added row is created
    once per page (``core.submissions``: a reload or a double click does not add it twice)."""

    model = Craftsman
    action = "change"
    child_model: ClassVar[type[Any]]
    form_class: ClassVar[type[Any]]
    label: ClassVar[str]

    def get_child(self, craftsman: Craftsman) -> Any:
        if "child_pk" not in self.kwargs:
            return None
        return get_object_or_404(self.child_model, pk=self.kwargs["child_pk"], craftsman=craftsman)

    def save(self, form: Any, craftsman: Craftsman, child: Any) -> Any:
        raise ImproperlyConfigured(f"{type(self).__name__} must call its service in save()")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        craftsman = self.get_object()
        child = self.get_child(craftsman)
        if child is None:
            self.issue_form_token()
        return self._render(self.form_class(user=request.user, instance=child), craftsman, child)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        craftsman = self.get_object()
        child = self.get_child(craftsman)
        if child is None and (earlier := self.earlier_submission()) is not None:
            return earlier
        form = self.form_class(request.POST, user=request.user, instance=child)
        if form.is_valid():
            back = _next_url(request, craftsman.get_absolute_url())
            try:
                if child is None:
                    done = self.create_once(
                        lambda: self.save(form, craftsman, None), lambda _: back
                    )
                    if done.replayed:
                        return self.replayed(done.url)
                else:
                    self.save(form, craftsman, child)
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect(back)
        return self._render(form, craftsman, child, status=400)

    def replay_fallback_url(self) -> str:
        return str(self.get_object().get_absolute_url())

    def _render(self, form: Any, craftsman: Craftsman, child: Any, status: int = 200) -> Any:
        title = f"{'编辑' if child else '新增'}{self.label}：{craftsman}"
        return render(
            self.request,
            "talents/child_form.html",
            {
                "form": form,
                "form_token": self.form_token,
                "title": title,
                "cancel_url": _next_url(self.request, craftsman.get_absolute_url()),
                "next": self.request.POST.get("next") or self.request.GET.get("next") or "",
            },
            status=status,
        )


class HonourEditView(CraftsmanChildView):
    child_model = Honour
    form_class = HonourForm
    label = "荣誉"

    def save(self, form: HonourForm, craftsman: Craftsman, child: Honour | None) -> Honour:
        data = {k: v for k, v in form.cleaned_data.items() if k != "verified"}
        verified = form.cleaned_data.get("verified") if "verified" in form.fields else None
        if child is None:
            return services.honour_add(
                actor=self.request.user, craftsman=craftsman, data=data, verified=bool(verified)
            )
        return services.honour_update(
            actor=self.request.user, honour=child, data=data, verified=verified
        )


class ServiceItemEditView(CraftsmanChildView):
    child_model = ServiceItem
    form_class = ServiceItemForm
    label = "技术服务项目"

    def save(self, form: ServiceItemForm, craftsman: Craftsman, child: ServiceItem | None) -> Any:
        if child is None:
            return services.service_item_add(
                actor=self.request.user, craftsman=craftsman, data=form.cleaned_data
            )
        return services.service_item_update(
            actor=self.request.user, item=child, data=form.cleaned_data
        )


class ChildDeleteView(ScopedMixin, View):
    model = Craftsman
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    child_model: ClassVar[type[Any]] = Honour

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseRedirect:
        craftsman = self.get_object()
        child = get_object_or_404(self.child_model, pk=kwargs["child_pk"], craftsman=craftsman)
        try:
            if self.child_model is Honour:
                services.honour_delete(actor=request.user, honour=child)
            else:
                services.service_item_delete(actor=request.user, item=child)
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, "已删除")
        return redirect(_next_url(request, craftsman.get_absolute_url()))


class ConsentView(ScopedMixin, View):
    """POST grant or withdraw one consent (recorded on behalf of the craftsman)."""

    model = Craftsman
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseRedirect:
        craftsman = self.get_object()
        purpose = kwargs["purpose"]
        if purpose not in ConsentPurpose.values or kwargs["op"] not in ("grant", "withdraw"):
            raise Http404("未知的授权用途")
        try:
            if kwargs["op"] == "grant":
                services.consent_grant(actor=request.user, craftsman=craftsman, purpose=purpose)
                messages.success(request, "已记录同意")
            else:
                services.consent_withdraw(
                    actor=request.user,
                    craftsman=craftsman,
                    purpose=purpose,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, "已撤回同意")
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect(_next_url(request, craftsman.get_absolute_url()))


# ------------------------------------------------------------------------------------------------
# Service teams
# ------------------------------------------------------------------------------------------------


class ServiceTeamListView(ObjectListView):
    model = ServiceTeam
    filterset_class = ServiceTeamFilterSet
    table_class = ServiceTeamTable
    title = "服务队"

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.team_list(user=self.request.user)


class ServiceTeamDetailView(ObjectDetailView):
    model = ServiceTeam
    template_name = "talents/serviceteam_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("org", "lead")

    def get_extra_context(self, obj: ServiceTeam) -> dict[str, Any]:
        return {
            "members": selectors.team_members(team=obj),
            "member_form": TeamMemberForm(user=self.request.user),
            "industry_label": term_label("industry", obj.industry_code),
        }

    def changelog(self, obj: ServiceTeam) -> QuerySet[Any]:
        ids = [str(pk) for pk in obj.memberships.values_list("pk", flat=True)]
        q = Q(
            content_type=ContentType.objects.get_for_model(ServiceTeam), object_id=str(obj.pk)
        ) | Q(content_type=ContentType.objects.get_for_model(TeamMembership), object_id__in=ids)
        return ChangeLog.objects.filter(q).order_by("-time", "-pk")[:200]


class ServiceTeamEditView(ObjectEditView):
    model = ServiceTeam
    form_class = ServiceTeamForm

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        if obj is not None and not form.is_bound:
            form.initial["version"] = obj.version
        return super().render_form(form, obj, status=status)

    def save_form(self, form: ServiceTeamForm, obj: ServiceTeam | None) -> ServiceTeam:
        if obj is None:
            return services.team_create(
                actor=self.request.user, org=form.cleaned_data["org"], data=form.service_data()
            )
        try:
            return services.team_update(
                actor=self.request.user,
                team=obj,
                data=form.service_data(),
                version=form.cleaned_data.get("version"),
            )
        except BusinessError as exc:
            raise _stale_as_form_error(exc) from None


class ServiceTeamStatusView(ObjectStatusView):
    model = ServiceTeam

    def set_status(self, obj: ServiceTeam, status: str) -> ServiceTeam:
        return services.team_set_status(actor=self.request.user, team=obj, status=status)


class ServiceTeamMemberView(ScopedMixin, View):
    """POST add / remove a member or make one the 领衔人."""

    model = ServiceTeam
    action = "change"
    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    op: ClassVar[str] = "add"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        team = self.get_object()
        try:
            if self.op == "add":
                form = TeamMemberForm(request.POST, user=request.user)
                if not form.is_valid():
                    for errors in form.errors.values():
                        for error in errors:
                            messages.error(request, str(error))
                    return redirect(team.get_absolute_url())
                services.team_add_member(
                    actor=request.user,
                    team=team,
                    craftsman=form.cleaned_data["craftsman"],
                    role=form.cleaned_data["role"],
                    joined_on=form.cleaned_data["joined_on"],
                )
                messages.success(request, "已加入服务队")
            else:
                membership = get_object_or_404(
                    TeamMembership.objects.select_related("craftsman"),
                    pk=kwargs["member_pk"],
                    team=team,
                )
                if self.op == "remove":
                    services.team_remove_member(
                        actor=request.user, team=team, craftsman=membership.craftsman
                    )
                    messages.success(request, "已移出服务队")
                else:
                    services.team_set_lead(
                        actor=request.user, team=team, craftsman=membership.craftsman
                    )
                    messages.success(request, "已指定领衔人")
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect(team.get_absolute_url())
