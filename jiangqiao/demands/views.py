"""Pages of the enterprise and demand pool. Thin: read through selectors, write through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from jiangqiao.core.concurrency import version_from
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.field_messages import localize_form
from jiangqiao.core.forms import model_choice
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.sensitive import can_view_sensitive
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

from . import selectors, services, views_attachments
from .campaigns import CampaignClosed
from .choices import DEMAND_STATUS_COLORS, Channel, DemandStatus
from .duplicates import DuplicateDemand, confirmed_in
from .filtersets import DemandFilterSet, EnterpriseFilterSet, PortalDemandFilterSet
from .forms import (
    ContactForm,
    DemandForm,
    DemandSubmitForm,
    EnterpriseForm,
)
from .models import Demand, Enterprise, EnterpriseContact
from .tables import DemandTable, EnterpriseTable, PortalDemandTable
from .views_campaigns import CampaignSubmitMixin


def _form_error(form: Any, exc: Exception) -> None:
    if isinstance(exc, BusinessError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    elif isinstance(exc, ValidationError):
        apply_validation_error(form, exc)
    else:
        form.add_error(None, str(exc))


# ----------------------------------------------------------------------------------------------
# Enterprises
# ----------------------------------------------------------------------------------------------


class EnterpriseListView(ObjectListView):
    model = Enterprise
    filterset_class = EnterpriseFilterSet
    table_class = EnterpriseTable
    title = "企业"

    def get_table_queryset(self) -> Any:
        return selectors.enterprise_list(user=self.request.user)


class EnterpriseDetailView(ObjectDetailView):
    model = Enterprise
    template_name = "demands/enterprise_detail.html"
    reveal = False

    def get_extra_context(self, obj: Enterprise) -> dict[str, Any]:
        user = self.request.user
        return {
            "uscc_info": obj.uscc_info,
            "uscc_region_label": term_label(
                "region", obj.uscc[2:8], "" if obj.uscc[2:8] != "100000" else "中央"
            ),
            "region_label": term_label("region", obj.region_code, obj.region_code),
            "industry_label": term_label("industry", obj.industry_code, obj.industry_code),
            "tier_label": term_label("quality_tier", obj.quality_tier, obj.quality_tier),
            "contacts": services.enterprise_contacts(
                actor=user,
                enterprise=obj,
                reveal_mobile=self.reveal,
                purpose=self.request.POST.get("purpose", "") if self.reveal else "",
            ),
            "revealed": self.reveal,
            "can_reveal": can_view_sensitive(user, obj),
            "demands": selectors.enterprise_demands(user=user, enterprise=obj)[:50],
            "can_add_demand": user.has_perm("demands.add_demand"),
        }


class EnterpriseRevealView(EnterpriseDetailView):
    """POST: the detail page with the contacts' mobile numbers in clear (logged)."""

    reveal = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("demands:enterprise_detail", pk=kwargs["pk"])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if not can_view_sensitive(request.user, obj):
            raise PermissionDenied("您没有查看联系人手机号明文的权限")
        try:
            response = super().get(request, *args, **kwargs)
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect(obj.get_absolute_url())
        response["Cache-Control"] = "no-store"
        return response


class EnterpriseEditView(ObjectEditView):
    model = Enterprise
    form_class = EnterpriseForm

    def save_form(self, form: EnterpriseForm, obj: Enterprise | None) -> Enterprise:
        org = form.cleaned_data.get("org")
        if obj is None:
            return services.enterprise_create(
                actor=self.request.user, org=org, data=form.service_data()
            )
        return services.enterprise_update(
            actor=self.request.user,
            enterprise=obj,
            data=form.service_data(),
            version=version_from(self.request.POST),
            org=org,
        )


class EnterpriseStatusView(ObjectStatusView):
    model = Enterprise

    def set_status(self, obj: Enterprise, status: str) -> Enterprise:
        return services.enterprise_set_status(
            actor=self.request.user, enterprise=obj, status=status
        )


class ContactAddView(SubmitOnceMixin, ScopedMixin, View):
    """新增联系人, once per page (``core.submissions``)."""

    model = Enterprise
    action = "change"

    def replay_fallback_url(self) -> str:
        return str(self.get_object().get_absolute_url())

    def _render(self, form: ContactForm, obj: Enterprise, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "generic/object_form.html",
            {
                "form": form,
                "form_token": self.form_token,
                "title": f"新增联系人：{obj}",
                "cancel_url": obj.get_absolute_url(),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.issue_form_token()
        return self._render(ContactForm(user=request.user), self.get_object())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        obj = self.get_object()
        form = ContactForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                done = self.create_once(
                    lambda: services.contact_add(
                        actor=request.user, enterprise=obj, **form.cleaned_data
                    ),
                    lambda _: str(obj.get_absolute_url()),
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                if done.replayed:
                    return self.replayed(done.url)
                messages.success(request, "已新增联系人")
                return redirect(obj.get_absolute_url())
        return self._render(form, obj, status=400)


class ContactRemoveView(ScopedMixin, View):
    model = Enterprise
    action = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        contact = get_object_or_404(EnterpriseContact, pk=kwargs["contact_pk"], enterprise=obj)
        try:
            services.contact_remove(actor=request.user, contact=contact)
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, "已删除联系人")
        return redirect(obj.get_absolute_url())


# ----------------------------------------------------------------------------------------------
# Demands
# ----------------------------------------------------------------------------------------------


class DemandListView(ObjectListView):
    """Staff get the full filter panel and the 代录 form; an enterprise contact his own demands
    with a search box and a state filter, and the phone form to submit a new one."""

    model = Demand
    filterset_class = DemandFilterSet
    table_class = DemandTable
    title = "需求"
    extra_buttons = [("手机提交需求", "demands:demand_submit", "demands.add_demand")]
    # The filters staff use most; the other dozen fold under 更多筛选.
    primary_filters = ("q", "status", "kind", "category", "org_id")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm("demands.triage_demand"):
            return MyDemandListView.as_view()(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_table_queryset(self) -> Any:
        return selectors.demand_list(user=self.request.user)


class MyDemandListView(ObjectListView):
    """我的需求 of an enterprise contact: a search box, the state, and the phone form."""

    model = Demand
    filterset_class = PortalDemandFilterSet
    table_class = PortalDemandTable
    title = "我的需求"
    extra_buttons = [("提交新需求", "demands:demand_submit", "demands.add_demand")]

    def add_url(self) -> str | None:
        return None  # the staff form records a demand on an enterprise's behalf (代录)

    def get_table_queryset(self) -> Any:
        return selectors.demand_list(user=self.request.user)


def _preferred_context(user: Any, obj: Demand) -> dict[str, Any]:
    """意向劳模工匠 by name (linked); those outside the user's scope are only counted."""
    from jiangqiao.core.pickers import get_kind

    ids = [int(i) for i in (obj.preferred_craftsmen or [])]
    found = {c.pk: c for c in get_kind("craftsman").visible(user).filter(pk__in=ids)}
    return {
        "preferred": [found[i] for i in ids if i in found],
        "preferred_hidden": sum(1 for i in ids if i not in found),
    }


class DemandDetailView(ObjectDetailView):
    model = Demand
    template_name = "demands/demand_detail.html"

    def get_extra_context(self, obj: Demand) -> dict[str, Any]:
        labels = term_labels("industry", obj.industry_codes)
        return {
            "industries": [(code, labels.get(code, code)) for code in obj.industry_codes],
            "region_label": term_label("region", obj.region_code, obj.region_code),
            "category_label": term_label("demand_category", obj.category, obj.category),
            "subcategory_label": term_label("demand_category", obj.subcategory, obj.subcategory),
            "skill_label": term_label("skill_level", obj.min_skill_level, obj.min_skill_level),
            "status_color": DEMAND_STATUS_COLORS.get(obj.status, "secondary"),
            **_preferred_context(self.request.user, obj),
            **selectors.merge_context(user=self.request.user, demand=obj),
        }

    def edit_url(self, obj: Demand) -> str | None:
        if not self.request.user.has_perm("demands.triage_demand"):
            editable = obj.status in services.ENTERPRISE_EDITABLE
        else:
            editable = obj.is_editable
        return super().edit_url(obj) if editable else None


class DemandEditView(ObjectEditView):
    model = Demand
    form_class = DemandForm
    template_name = "demands/demand_form.html"
    duplicate: DuplicateDemand | None = None

    def extra_form_context(self, form: Any, obj: Any) -> dict[str, Any]:
        return {"duplicate": self.duplicate}

    def get_form_kwargs(self, obj: Any) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(obj)
        if obj is None and "enterprise" in self.request.GET:
            kwargs["initial"] = {"enterprise": self.request.GET.get("enterprise")}
        return kwargs

    def save_form(self, form: DemandForm, obj: Demand | None) -> Demand:
        # New or edited, a demand like an open one of the enterprise is refused until the user
        # confirms; what was found is listed above the form (demands/_duplicates.html).
        confirmed = confirmed_in(self.request.POST)
        try:
            if obj is None:
                return services.demand_create(
                    actor=self.request.user,
                    enterprise=form.cleaned_data["enterprise"],
                    data=form.service_data(),
                    channel=Channel.OFFLINE,
                    check_duplicates=True,
                    duplicate_confirmed=confirmed,
                )
            return services.demand_update(
                actor=self.request.user,
                demand=obj,
                data=form.service_data(),
                version=version_from(self.request.POST),
                check_duplicates=True,
                duplicate_confirmed=confirmed,
            )
        except DuplicateDemand as exc:
            self.duplicate = exc
            raise


class DemandSubmitView(CampaignSubmitMixin, SubmitOnceMixin, ScopedMixin, View):
    """The phone form of an enterprise contact: create and submit (or save a draft) in one go.

    The enterprise is the contact's own (a select only if they are linked to several); the
    owning unit is the enterprise's. The POST redirects to “需求已提交” (a GET, so a reload
    changes nothing); the form's one-time token makes a repeated POST show the demand already
    created instead of creating another (``core.submissions``). Through a campaign link
    (``?campaign=<token>``, ``CampaignSubmitMixin``) the demand records the campaign.
    """

    model = Demand
    action = "add"
    template_name = "demands/demand_submit.html"

    def _render(self, form: DemandSubmitForm, status: int = 200, **extra: Any) -> HttpResponse:
        extra.setdefault("attachment_form", views_attachments.SubmitAttachmentForm())
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "title": "提交需求",
                "form_token": self.form_token,
                **self.campaign_context(),
                "attachment_hint": views_attachments.submit_hint(),
                **extra,
            },
            status=status,
        )

    def replay_fallback_url(self) -> str:
        return reverse("demands:demand_list")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = localize_form(DemandSubmitForm(user=request.user, campaign=self.campaign))
        choices = model_choice(form, "enterprise").queryset
        no_enterprise = choices is None or not choices.exists()
        self.issue_form_token()
        returned = selectors.demand_list(user=request.user).filter(status=DemandStatus.RETURNED)
        return self._render(
            form,
            no_enterprise=no_enterprise,
            registration_pending=no_enterprise and selectors.has_pending_registration(request.user),
            returned=returned.count(),
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        form = localize_form(
            DemandSubmitForm(request.POST, user=request.user, campaign=self.campaign)
        )
        # 附件: checked (content, size, scan, photo) before anything is saved; the demand and its
        # files are then created in one transaction (views_attachments.with_files).
        files = views_attachments.SubmitAttachmentForm(request.POST, request.FILES)
        submit = request.POST.get("action", "submit") != "draft"
        valid = [form.is_valid(), files.is_valid()]
        prepared = (
            views_attachments.prepare_submit_files(request.user, files) if all(valid) else None
        )
        if prepared is not None:
            try:
                done = self.create_once(
                    views_attachments.with_files(
                        request.user,
                        lambda: services.demand_create(
                            actor=request.user,
                            enterprise=form.cleaned_data["enterprise"],
                            data=form.service_data(),
                            channel=Channel.ONLINE,
                            submit=submit,
                            campaign=self.campaign,
                            check_duplicates=True,
                            duplicate_confirmed=confirmed_in(request.POST),
                        ),
                        prepared,
                    ),
                    lambda demand: reverse("demands:demand_submitted", args=[demand.pk]),
                )
            except CampaignClosed as exc:  # the deadline passed while the form was open
                return self.campaign_closed(exc)
            except DuplicateDemand as exc:
                return self._render(
                    form,
                    status=400,
                    duplicate=exc,
                    attachment_form=files,
                    files_dropped=bool(request.FILES),
                )
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                if isinstance(exc, BusinessError) and exc.field == "attachment":
                    files.add_error("attachment", exc.message)
                else:
                    _form_error(form, exc)
            else:
                if done.replayed:
                    return self.replayed(done.url)
                # Post/redirect/get: reloading the success page must not submit again.
                return redirect(done.url)
        return self._render(
            form, status=400, attachment_form=files, files_dropped=bool(request.FILES)
        )


class DemandSubmittedView(ScopedMixin, View):
    """“需求已提交” (or “草稿已保存”) after the phone form: a GET, so a reload changes nothing."""

    model = Demand
    action = "view"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = self.get_object()
        return render(
            request,
            "demands/demand_submitted.html",
            {"demand": demand, "title": "需求已提交" if demand.number else "草稿已保存"},
        )


def demand_create_url(enterprise: Enterprise) -> str:
    return f"{reverse('demands:demand_create')}?enterprise={enterprise.pk}"
