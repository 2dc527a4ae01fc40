from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ObjectStatusView,
)

from . import services
from .filtersets import OrganizationFilterSet
from .forms import OrganizationForm, OrganizationMoveForm
from .models import Organization
from .selectors import organization_children, unit_edit_allowed
from .tables import OrganizationTable


class EditedFromAboveMixin:
    """Edit, move and status pages exist only for units the user may edit (403 otherwise)."""

    request: HttpRequest

    def get_object(self) -> Organization:
        obj: Organization = super().get_object()  # type: ignore[misc]  # 404 outside the scope
        if not unit_edit_allowed(user=self.request.user, org=obj):
            raise PermissionDenied(services.EDITED_FROM_ABOVE)
        return obj


class OrganizationListView(ObjectListView):
    model = Organization
    filterset_class = OrganizationFilterSet
    table_class = OrganizationTable
    title = "组织机构"


class OrganizationDetailView(ObjectDetailView):
    model = Organization
    template_name = "orgs/organization_detail.html"

    def get_extra_context(self, obj: Organization) -> dict[str, Any]:
        visible = Organization.objects.visible_to(self.request.user)
        return {
            # The breadcrumb names only the upper units the user may see; a parent outside the
            # scope is shown as plain text (its page would answer 404).
            "ancestors": obj.ancestors() & visible,
            "parent_visible": bool(obj.parent_id and visible.filter(pk=obj.parent_id).exists()),
            "children": organization_children(user=self.request.user, org=obj)[:100],
            "can_add_child": self.perm("add"),
        }

    def edit_url(self, obj: Organization) -> str | None:
        # Edit, move and enable/disable are offered on units below the user's own unit only.
        if not unit_edit_allowed(user=self.request.user, org=obj):
            return None
        return super().edit_url(obj)


class OrganizationEditView(EditedFromAboveMixin, ObjectEditView):
    model = Organization
    form_class = OrganizationForm

    def get_form_kwargs(self, obj: Any) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(obj)
        if obj is None and "parent" in self.request.GET:
            kwargs["initial"] = {"parent": self.request.GET.get("parent")}
        return kwargs

    def save_form(self, form: OrganizationForm, obj: Organization | None) -> Organization:
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("parent", "level")}
        if obj is None:
            return services.org_create(
                actor=self.request.user,
                parent=form.cleaned_data.get("parent"),
                level=form.cleaned_data["level"],
                **data,
            )
        return services.org_update(actor=self.request.user, org=obj, data=data)


class OrganizationStatusView(EditedFromAboveMixin, ObjectStatusView):
    model = Organization

    def set_status(self, obj: Organization, status: str) -> Organization:
        return services.org_set_status(actor=self.request.user, org=obj, status=status)


class OrganizationMoveView(EditedFromAboveMixin, ObjectEditView):
    model = Organization
    action = "change"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = OrganizationMoveForm(user=request.user, org=obj)
        return self._render(form, obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = OrganizationMoveForm(request.POST, user=request.user, org=obj)
        if form.is_valid():
            try:
                services.org_move(
                    actor=request.user, org=obj, new_parent=form.cleaned_data["new_parent"]
                )
            except (BusinessError, ScopeViolation) as exc:
                form.add_error("new_parent", getattr(exc, "message", str(exc)))
            else:
                messages.success(request, "已移动")
                return redirect(obj.get_absolute_url())
        return self._render(form, obj, status=400)

    def _render(self, form: Any, obj: Organization, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "generic/object_form.html",
            {"form": form, "title": f"移动组织：{obj}", "cancel_url": obj.get_absolute_url()},
            status=status,
        )
