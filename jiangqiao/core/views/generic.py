"""Generic page views. Every one reads through ``visible_to`` and writes through a service.

* ``ObjectListView`` — filter panel (django-filter) + table (django-tables2) + pagination; the same
  view returns only the table partial to htmx requests.
* ``ObjectDetailView`` — 404 outside the data scope; a 变更记录 tab lists the object's change log.
* ``ObjectEditView`` — create/edit through ``save_form()`` (a service call); business errors become
  form errors naming the field, and nothing is saved. A create form carries a one-time token
  (``core.submissions``): a repeated POST redirects to what the first one created.
* ``ObjectStatusView`` — enable/disable (master data is never deleted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views import View

from jiangqiao.core import object_actions, submissions
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.field_messages import localize_filter_form, localize_form, named_messages
from jiangqiao.core.pagination import CappedCountPaginator
from jiangqiao.core.scope import ScopeViolation, permission_name
from jiangqiao.core.tables import BaseTable

T = TypeVar("T")


class ScopedMixin(LoginRequiredMixin):
    """Functional permission (403 without it) and the scoped queryset (404 outside it)."""

    model: ClassVar[type[models.Model]]
    action: ClassVar[str] = "view"
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(permission_name(self.model, self.action)):
            raise PermissionDenied("您没有此操作的权限")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.visible_to(self.request.user, self.action)  # type: ignore[attr-defined,no-any-return]

    def get_object(self) -> Any:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])  # type: ignore[attr-defined]

    def perm(self, action: str) -> bool:
        return bool(self.request.user.has_perm(permission_name(self.model, action)))

    def base_context(self) -> dict[str, Any]:
        meta = self.model._meta
        return {
            "model_name": meta.verbose_name,
            "model_name_plural": meta.verbose_name_plural,
            "can_add": self.perm("add"),
            "can_change": self.perm("change"),
        }


def url_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{action}"


class ObjectListView(ScopedMixin, View):
    filterset_class: ClassVar[Any] = None
    table_class: ClassVar[type[tables.Table]]
    template_name: ClassVar[str] = "generic/object_list.html"
    partial_template_name: ClassVar[str] = "generic/_table.html"
    per_page: ClassVar[int] = 20
    title: ClassVar[str | None] = None
    extra_buttons: ClassVar[list[tuple[str, str, str]]] = []  # (label, url name, permission)
    #: The filters shown above the fold (the others under 更多筛选) unless the filterset names
    #: its own ``primary_filters``; ``None``: the first few (``templatetags.jiangqiao``).
    primary_filters: ClassVar[tuple[str, ...] | None] = None

    def get_table_queryset(self) -> models.QuerySet[Any]:
        return self.get_queryset()

    #: Offer 导出Excel / 导出CSV with the list's current filters (see ``core.io.exporting``).
    exportable: ClassVar[bool] = True

    def filter_list(self, qs: models.QuerySet[Any]) -> tuple[models.QuerySet[Any], Any]:
        """The list's rows under the request's filters (shared by the page and its export)."""
        filterset = None
        if self.filterset_class is not None:
            data = self.request.GET.copy()
            for name in ("_export", "page", "sort"):
                data.pop(name, None)
            filterset = self.filterset_class(data or None, queryset=qs, request=self.request)
            localize_filter_form(filterset.form)
            if self.primary_filters and not getattr(filterset, "primary_filters", None):
                filterset.primary_filters = self.primary_filters
            qs = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
            if filterset.is_bound and not filterset.is_valid():
                qs = qs.none()
        return qs, filterset

    def can_export(self) -> bool:
        return self.exportable and bool(self.request.user.has_perm("core.export_list"))

    def filtered_queryset(self) -> models.QuerySet[Any]:
        return self.filter_list(self.get_table_queryset())[0]

    def export_title(self) -> str:
        return str(self.title or self.model._meta.verbose_name_plural)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        qs, filterset = self.filter_list(self.get_table_queryset())
        export = request.GET.get("_export")
        if export and self.can_export():
            from jiangqiao.core.io.exporting import export_response

            try:
                return export_response(
                    request,
                    queryset=qs,
                    table_class=self.table_class,
                    title=self.export_title(),
                    fmt=export,
                    view_path=f"{type(self).__module__}.{type(self).__qualname__}",
                    purpose=request.GET.get("_purpose", ""),
                )
            except BusinessError as exc:
                messages.error(request, exc.message)
                query = request.GET.copy()
                for name in ("_export", "_purpose"):
                    query.pop(name, None)
                return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        # No ``request=`` here: django-tables2 would paginate once more with its default
        # Paginator, counting every matching row (a full scan on a broad filter).
        table = self.make_table(qs)
        tables.RequestConfig(
            request,
            paginate={"per_page": self.per_page, "paginator_class": CappedCountPaginator},
        ).configure(table)
        title = self.title or self.model._meta.verbose_name_plural
        table.empty_state = self.empty_state(filterset, str(title))
        context = {
            **self.base_context(),
            "title": title,
            "table": table,
            "filter": filterset,
            "add_url": self.add_url(),
            "buttons": self.buttons(),
            "exportable": self.can_export(),
            "import_url": self.import_url(),
        }
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.boosted:
            return render(request, self.partial_template_name, context)
        return render(request, self.template_name, context)

    def make_table(self, qs: models.QuerySet[Any]) -> tables.Table:
        """The table with the user's 列设置 applied (``BaseTable``)."""
        if issubclass(self.table_class, BaseTable):
            return self.table_class(qs, user=self.request.user)
        return self.table_class(qs)

    def empty_state(self, filterset: Any, title: str) -> dict[str, Any]:
        """What an empty list says and offers: 清除筛选 when filtered, else 新增 if permitted."""
        filtered = filterset is not None and any(
            value.strip()
            for name, values in self.request.GET.lists()
            if name not in ("page", "sort", "per_page", "_export", "_purpose")
            for value in values
        )
        return {
            "title": title,
            "filtered": filtered,
            "clear_url": self.request.path,
            "add_url": None if filtered else self.add_url(),
            "add_label": f"新增{self.model._meta.verbose_name}",
        }

    def add_url(self) -> str | None:
        if not self.perm("add"):
            return None
        try:
            return reverse(url_name(self.model, "create"))
        except Exception:
            return None

    def import_url(self) -> str | None:
        from jiangqiao.core.io.registry import IMPORTERS

        meta = self.model._meta
        key = f"{meta.app_label}.{meta.model_name}"
        if (
            key not in IMPORTERS
            or not self.perm("add")
            or not self.request.user.has_perm("core.add_importbatch")
        ):
            return None
        return reverse("core:import_start", args=[key])

    def buttons(self) -> list[dict[str, str]]:
        return [
            {"label": label, "url": reverse(name)}
            for label, name, permission in self.extra_buttons
            if self.request.user.has_perm(permission)
        ]


class ObjectDetailView(ScopedMixin, View):
    template_name: ClassVar[str]
    changelog_tab: ClassVar[bool] = True

    def get_extra_context(self, obj: Any) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        tab = request.GET.get("tab", "detail")
        context = {
            **self.base_context(),
            "object": obj,
            "tab": tab,
            "edit_url": self.edit_url(obj),
            "object_actions": object_actions.for_object(request.user, obj),
            "changelog": self.named_changelog(obj)
            if self.changelog_tab and tab == "changelog"
            else None,
            "sources": self.sources(obj) if self.changelog_tab and tab == "changelog" else None,
            "received_from": (
                self.received_from(obj) if self.changelog_tab and tab == "changelog" else None
            ),
            **self.get_extra_context(obj),
        }
        return render(request, self.template_name, context)

    def edit_url(self, obj: Any) -> str | None:
        if not self.perm("change"):
            return None
        try:
            return reverse(url_name(self.model, "edit"), args=[obj.pk])
        except Exception:
            return None

    def sources(self, obj: Any) -> models.QuerySet[Any]:
        """The source lists (import batches) the object came from."""
        from jiangqiao.core.models import RecordSource

        return RecordSource.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("created_at", "pk")[:50]

    def received_from(self, obj: Any) -> list[Any]:
        """Other instances the object was received from (the national exchange)."""
        from jiangqiao.core.io.registry import PROVENANCE

        return [record for provider in PROVENANCE for record in provider(obj)]

    def changelog(self, obj: Any) -> models.QuerySet[Any]:
        from jiangqiao.core.models import ChangeLog

        return ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("-time", "-pk")[:200]

    def named_changelog(self, obj: Any) -> list[Any]:
        """The 变更记录 tab: operators and referenced objects by name (``core.audit_names``)."""
        from django.db.models import prefetch_related_objects

        from jiangqiao.core.audit_names import name_changes

        rows = list(self.changelog(obj))
        prefetch_related_objects(rows, "user", "content_type")
        return name_changes(rows, self.request.user)


class SubmitOnceMixin:
    """A create page submitted once (``core.submissions``): GET issues a one-time token (render
    ``includes/form_token.html`` in the form, with ``form_token`` in the context); POST starts
    with :meth:`earlier_submission` and creates through :meth:`create_once`."""

    request: HttpRequest
    form_token: str = ""

    def issue_form_token(self) -> str:
        self.form_token = submissions.token_new(user=self.request.user)
        return self.form_token

    def replay_fallback_url(self) -> str:
        """Where a repeat goes while the first POST is still running."""
        return "/"

    def replayed(self, url: str) -> HttpResponseRedirect:
        """A repeated POST: to the first result, saying that nothing was created again."""
        if url:
            messages.info(self.request, submissions.REPLAYED_MESSAGE)
            return redirect(url)
        messages.warning(self.request, submissions.PENDING_MESSAGE)
        return redirect(self.replay_fallback_url())

    def earlier_submission(self) -> HttpResponseRedirect | None:
        """On POST: the redirect to what this page's token already created, if it did."""
        self.form_token = submissions.token_from(self.request.POST)
        url = submissions.submitted_url(user=self.request.user, token=self.form_token)
        return None if url is None else self.replayed(url)

    def create_once(
        self, action: Callable[[], T], url_of: Callable[[T], str]
    ) -> submissions.Submission[T]:
        """Run ``action`` under the posted token (unprotected if none was posted). A refused
        token becomes a form-level ``BusinessError`` and the page gets a fresh token."""
        if not self.form_token:
            result = action()
            return submissions.Submission(result=result, url=url_of(result), replayed=False)
        try:
            return submissions.submit_once(
                user=self.request.user, token=self.form_token, action=action, url_of=url_of
            )
        except BusinessError as exc:
            if exc.field != submissions.TOKEN_FIELD:
                raise
            self.issue_form_token()
            raise BusinessError(exc.message) from None


class ObjectEditView(SubmitOnceMixin, ScopedMixin, View):
    """Create (no ``pk``) or edit. Subclasses implement ``save_form`` with a service call."""

    form_class: ClassVar[Any]
    template_name: ClassVar[str] = "generic/object_form.html"
    success_message: ClassVar[str] = "已保存"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.is_create = "pk" not in kwargs
        self.action = "add" if self.is_create else "change"  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"user": self.request.user, "instance": obj}

    def get_initial_object(self) -> Any:
        return None if self.is_create else self.get_object()

    def save_form(self, form: Any, obj: Any) -> Any:
        raise ImproperlyConfigured(f"{type(self).__name__} must call its service in save_form()")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_initial_object()
        form = localize_form(self.form_class(**self.get_form_kwargs(obj)))
        if self.is_create:
            self.issue_form_token()
        return self.render_form(form, obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.is_create and (earlier := self.earlier_submission()) is not None:
            return earlier
        obj = self.get_initial_object()
        form = self.form_class(data=request.POST, files=request.FILES, **self.get_form_kwargs(obj))
        localize_form(form)
        if form.is_valid():
            try:
                if self.is_create:
                    done = self.create_once(
                        lambda: self.save_form(form, obj),
                        lambda saved: self.success_redirect(saved).url,
                    )
                    if done.replayed:
                        return self.replayed(done.url)
                    saved = done.result
                else:
                    saved = self.save_form(form, obj)
            except BusinessError as exc:
                form.add_error(visible_field(form, exc.field), exc.message)
            except ScopeViolation as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, self.success_message)
                return self.success_redirect(saved)
        return self.render_form(form, obj, status=400 if request.method == "POST" else 200)

    def replay_fallback_url(self) -> str:
        try:
            return reverse(url_name(self.model, "list"))
        except NoReverseMatch:
            return "/"

    def success_redirect(self, obj: Any) -> HttpResponseRedirect:
        return redirect(obj.get_absolute_url())

    def extra_form_context(self, form: Any, obj: Any) -> dict[str, Any]:
        """More for the form's template (e.g. what a refused save found); none by default."""
        return {}

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        context = {
            **self.base_context(),
            **self.extra_form_context(form, obj),
            "form": form,
            "object": obj,
            "is_create": self.is_create,
            "form_token": self.form_token,
            "title": (
                f"新增{self.model._meta.verbose_name}"
                if self.is_create
                else f"编辑{self.model._meta.verbose_name}：{obj}"
            ),
            "cancel_url": (
                obj.get_absolute_url() if obj is not None else reverse(url_name(self.model, "list"))
            ),
        }
        return render(self.request, self.template_name, context, status=status)


def visible_field(form: Any, name: str | None) -> str | None:
    """The field to attach an error to; errors of hidden fields (e.g. ``version``) go on top."""
    field = form.fields.get(name) if name else None
    if field is None or field.widget.is_hidden:
        return None
    return name


def apply_validation_error(form: Any, exc: ValidationError) -> None:
    """Errors of a service's ``full_clean()`` on the form: Django's default wording reworded to
    name the field (``core.field_messages``), ours unchanged."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = visible_field(form, field)
            form_field = form.fields.get(field)
            label = str(form_field.label or field) if form_field is not None else ""
            for error in errors:
                texts = named_messages(error, label, form_field) if label else error.messages
                for message in texts:
                    form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ObjectStatusView(ScopedMixin, View):
    """POST ``status=active|disabled`` to enable or disable an object through a service."""

    action: ClassVar[str] = "change"

    def set_status(self, obj: Any, status: str) -> Any:
        raise ImproperlyConfigured(f"{type(self).__name__} must call its service in set_status()")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        status = request.POST.get("status", "")
        if status not in ("active", "disabled"):
            messages.error(request, "状态参数不正确")
            return redirect(obj.get_absolute_url())
        try:
            self.set_status(obj, status)
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, "已启用" if status == "active" else "已停用")
        return redirect(obj.get_absolute_url())
