"""Pages of the service casework: the demand's 办理 panel and steps, offers, the craftsman's inbox.

Views are thin: a form, one service call, a message; the services decide every rule.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import ObjectListView, ScopedMixin, SubmitOnceMixin
from jiangqiao.demands.choices import DEMAND_STATUS_COLORS, DemandStatus
from jiangqiao.demands.forms import DemandStatusForm, TriageForm
from jiangqiao.demands.models import Demand

from . import claims, lifecycle, selectors, services
from .choices import OFFER_STATUS_COLORS
from .filtersets import AgreementFilterSet, OfferFilterSet
from .forms import (
    AcceptForm,
    AgreementForm,
    CommentForm,
    ConfirmForm,
    ContactForm,
    DeclineForm,
    DemandMergeForm,
    FollowUpForm,
    OutcomeForm,
    TransferForm,
)
from .models import Agreement, FollowUp, Offer, Outcome
from .session_pages import offer_context as offer_sessions_context
from .sessions import SERVING_STATUSES
from .tables import AgreementTable, OfferTable

ERRORS = (BusinessError, ScopeViolation, ValidationError, PermissionDenied)


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
        return "；".join(exc.messages)
    return str(getattr(exc, "message", None) or exc)


def form_errors(form: Any) -> str:
    return "；".join(
        f"{form.fields[name].label if name in form.fields else ''}：{e}".lstrip("：")
        for name, errs in form.errors.items()
        for e in errs
    )


class DemandCaseMixin(ScopedMixin):
    """A demand the user may see (an enterprise contact sees his own, staff their scope)."""

    model = Demand
    action = "view"
    kwargs: dict[str, Any]

    def demand(self) -> Demand:
        return get_object_or_404(
            self.get_queryset().select_related("enterprise", "org"), pk=self.kwargs["pk"]
        )


class DemandPanelView(DemandCaseMixin, View):
    """The 办理 panel of a demand page (loaded into the demand page): state, next steps, offers,
    outcome, the enterprise's confirmation and the timeline, with the forms the user may use."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = self.demand()
        context = selectors.case(user=request.user, demand=demand)
        context.update(
            {
                "object": demand,
                "status_color": DEMAND_STATUS_COLORS.get(demand.status, "secondary"),
                "offer_colors": OFFER_STATUS_COLORS,
                "outcome_form": OutcomeForm(),
                "confirm_form": ConfirmForm(),
                "transfer_form": TransferForm(),
                "followup_form": FollowUpForm(),
            }
        )
        return render(request, "casework/_demand_panel.html", context)


class DemandStepView(DemandCaseMixin, View):
    """POST one step of the demand's life cycle; back to the demand page with a message."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = self.demand()
        step = kwargs["step"]
        user = request.user
        try:
            done = self._take(step, demand, user)
        except ERRORS as exc:
            messages.error(request, error_text(exc))
        else:
            if done:
                messages.success(request, done)
        return redirect(demand.get_absolute_url())

    def _take(self, step: str, demand: Demand, user: Any) -> str:
        post = self.request.POST
        form: Any
        if step == "submit":
            demand = services.demand_submit(actor=user, demand=demand)
            return f"需求已提交，编号 {demand.number}"
        if step == "resubmit":
            form = CommentForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            claims.demand_resubmit(actor=user, demand=demand, comment=form.cleaned_data["comment"])
            return "已重新提交，工会将重新受理"
        if step in ("withdraw", "cancel"):
            form = DemandStatusForm(
                {
                    "status": "withdrawn" if step == "withdraw" else "cancelled",
                    "comment": post.get("comment", ""),
                }
            )
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            comment = form.cleaned_data["comment"]
            if step == "withdraw":
                services.demand_withdraw(actor=user, demand=demand, comment=comment)
                return "需求已撤回"
            services.demand_cancel(actor=user, demand=demand, comment=comment)
            return "需求已取消"
        if step in ("escalate", "close"):
            form = CommentForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            comment = form.cleaned_data["comment"]
            if step == "escalate":
                demand = services.demand_escalate(actor=user, demand=demand, comment=comment)
                return f"需求已升级至“{demand.org}”"
            services.demand_close(actor=user, demand=demand, comment=comment)
            return "需求已办结"
        if step == "transfer":
            form = TransferForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            org = form.cleaned_data["org"]
            services.demand_transfer(
                actor=user, demand=demand, org=org, comment=form.cleaned_data["comment"]
            )
            return f"需求已转办至“{org}”"
        if step == "outcome":
            form = OutcomeForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            services.outcome_record(actor=user, demand=demand, **form.cleaned_data)
            return "办理结果已登记，已请企业确认"
        if step == "confirm":
            form = ConfirmForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            outcome = services.outcome_confirm(actor=user, demand=demand, **form.cleaned_data)
            if outcome.confirmed_at:
                return "感谢您的评价，服务结果已确认"
            return "已收到您的意见，工会将重新安排服务"
        if step == "followup":
            followup = get_object_or_404(FollowUp, pk=post.get("followup"), demand=demand)
            form = FollowUpForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            services.followup_answer(actor=user, followup=followup, **form.cleaned_data)
            return "回访答复已记录，谢谢"
        raise BusinessError("不支持的操作")


class DemandTriageView(DemandCaseMixin, View):
    """The triage form: shows the demand's text and defaults to the unit's own level."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("demands.triage_demand"):
            raise PermissionDenied("您没有需求分级的权限")
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form: TriageForm, obj: Demand, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "casework/triage_form.html",
            {
                "form": form,
                "title": f"需求分级：{obj}",
                "object": obj,
                "cancel_url": obj.get_absolute_url(),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.demand()
        initial = {}
        if not obj.owner_level and obj.org.level:
            initial["owner_level"] = services.ORG_LEVEL_TO_OWNER.get(obj.org.level, "")
        return self._render(TriageForm(demand=obj, initial=initial), obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.demand()
        form = TriageForm(request.POST, demand=obj)
        if form.is_valid():
            try:
                services.demand_triage(
                    actor=request.user,
                    demand=obj,
                    data=form.service_data(),
                    comment=form.cleaned_data["comment"],
                )
            except ERRORS as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
                    for field, msgs in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, msgs)
                else:
                    form.add_error(
                        getattr(exc, "field", None)
                        if getattr(exc, "field", None) in form.fields
                        else None,
                        error_text(exc),
                    )
            else:
                messages.success(request, "需求已分级")
                return redirect(obj.get_absolute_url())
        return self._render(form, obj, status=400)


class DemandMergeView(DemandCaseMixin, View):
    """合并重复需求: staff who may change the demand pick the survivor among the enterprise's
    other open demands they may change; the services refuse everything else."""

    action = "change"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("demands.triage_demand"):
            raise PermissionDenied("您没有合并需求的权限")
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form: DemandMergeForm, obj: Demand, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "casework/merge_form.html",
            {
                "form": form,
                "title": f"合并重复需求：{obj}",
                "object": obj,
                "mergeable": lifecycle.target(obj.status, "merge") is not None,
                "cancel_url": obj.get_absolute_url(),
            },
            status=status,
        )

    def _form(self, obj: Demand, data: Any = None) -> DemandMergeForm:
        survivors = services.merge_survivors(actor=self.request.user, demand=obj)
        return DemandMergeForm(data, survivors=survivors)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.demand()
        return self._render(self._form(obj), obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.demand()
        form = self._form(obj, request.POST)
        if form.is_valid():
            survivor = form.cleaned_data["survivor"]
            try:
                services.demand_merge(
                    actor=request.user,
                    demand=obj,
                    survivor=survivor,
                    comment=form.cleaned_data["comment"],
                )
            except ERRORS as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, error_text(exc))
            else:
                messages.success(
                    request, f"已合并：需求 {obj.number or obj.title} 并入需求 {survivor.number}"
                )
                return redirect(survivor.get_absolute_url())
        return self._render(form, obj, status=400)


# ----------------------------------------------------------------------------------------------
# Offers
# ----------------------------------------------------------------------------------------------


class OfferListView(ObjectListView):
    model = Offer
    filterset_class = OfferFilterSet
    table_class = OfferTable
    title = "服务邀请"

    def get_table_queryset(self) -> Any:
        return selectors.offer_list(user=self.request.user)


class MyOffersView(View):
    """The craftsman's own offers and services (a phone page)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("login")
        if not request.user.has_perm("casework.respond_offer"):
            raise PermissionDenied("只有劳模工匠本人可以查看自己的服务邀请")
        groups = selectors.my_offer_lists(user=request.user)
        return render(
            request,
            "casework/my_offers.html",
            {
                "groups": groups,
                "colors": OFFER_STATUS_COLORS,
                "figures": selectors.craftsman_figures(user=request.user),
            },
        )


class OfferDetailView(ScopedMixin, View):
    model = Offer
    action = "view"
    #: The revealing POST (查看完整号码) shows the enterprise's numbers in clear (logged).
    reveal = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        offer = get_object_or_404(
            self.get_queryset().select_related("demand", "demand__enterprise", "craftsman", "team"),
            pk=kwargs["pk"],
        )
        mine = selectors.answers_offer(user=request.user, offer=offer)
        if self.reveal:
            contacts = services.offer_contacts_reveal(actor=request.user, offer=offer)
        else:
            contacts = selectors.offer_contacts(user=request.user, offer=offer)
        return render(
            request,
            "casework/offer_detail.html",
            {
                "offer": offer,
                "demand": offer.demand,
                "mine": mine,
                "staff": request.user.has_perm("casework.assign_offer"),
                "colors": OFFER_STATUS_COLORS,
                "demand_color": DEMAND_STATUS_COLORS.get(offer.demand.status, "secondary"),
                "accept_form": AcceptForm(),
                "decline_form": DeclineForm(),
                "contact_form": ContactForm(),
                "outcome_form": OutcomeForm(),
                "attempts": offer.contact_attempts.order_by("at", "pk"),
                "contacts": contacts,
                "revealed": self.reveal,
                "may_reveal": mine
                and offer.status == "accepted"
                and any(c["mobile"] for c in contacts),
                "in_service": offer.demand.status == DemandStatus.IN_SERVICE,
                "outcome": Outcome.objects.filter(demand=offer.demand).first(),
                # The demand's 附件, read-only, while this offer serves it: the files themselves
                # come through the download views' scope (the demands it serves).
                "shows_attachments": offer.status in SERVING_STATUSES,
                **offer_sessions_context(request.user, offer),
            },
        )


class OfferRevealContactsView(OfferDetailView):
    """POST 查看完整号码: the offer page with the enterprise contacts' numbers in clear, for the
    craftsman serving it (each number logged as a sensitive read, purpose 联系企业)."""

    reveal = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("casework:offer_detail", pk=kwargs["pk"])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = super().get(request, *args, **kwargs)
        except ERRORS as exc:
            messages.error(request, error_text(exc))
            return redirect("casework:offer_detail", pk=kwargs["pk"])
        response["Cache-Control"] = "no-store"
        return response


class OfferStepView(SubmitOnceMixin, ScopedMixin, View):
    model = Offer
    action = "view"
    #: Steps that add a row (a contact record): run once per form token.
    creating_steps = ("contact",)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        offer = self.get_object()
        step = kwargs["step"]
        back = offer.get_absolute_url()
        once = step in self.creating_steps
        if once and (earlier := self.earlier_submission()) is not None:
            return earlier
        try:
            if once:
                submission = self.create_once(lambda: self._take(step, offer), lambda _: back)
                if submission.replayed:
                    return self.replayed(submission.url)
                done = str(submission.result)
            else:
                done = self._take(step, offer)
        except ERRORS as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
        return redirect(back)

    def _take(self, step: str, offer: Offer) -> str:
        user, post = self.request.user, self.request.POST
        form: Any
        if step == "accept":
            form = AcceptForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            services.offer_accept(actor=user, offer=offer, note=form.cleaned_data["note"])
            return "已接受邀请，请尽快联系企业"
        if step == "decline":
            form = DeclineForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            services.offer_decline(actor=user, offer=offer, **form.cleaned_data)
            return "已婉拒，工会将另行安排"
        if step == "withdraw":
            services.offer_withdraw(actor=user, offer=offer, note=post.get("note", ""))
            return "邀请已撤回"
        if step == "contact":
            form = ContactForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            services.contact_log(actor=user, offer=offer, **form.cleaned_data)
            return "联系记录已登记"
        if step == "outcome":
            form = OutcomeForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            services.outcome_record(actor=user, demand=offer.demand, **form.cleaned_data)
            return "办理结果已登记，已请企业确认"
        raise BusinessError("不支持的操作")


# ----------------------------------------------------------------------------------------------
# 结对/长期协议
# ----------------------------------------------------------------------------------------------


class AgreementListView(ObjectListView):
    model = Agreement
    filterset_class = AgreementFilterSet
    table_class = AgreementTable
    title = "结对协议"

    def get_table_queryset(self) -> Any:
        return Agreement.objects.visible_to(self.request.user, "view").select_related(
            "enterprise", "craftsman", "team", "org"
        )

    def add_url(self) -> str | None:
        return reverse("casework:agreement_create") if self.perm("add") else None


class AgreementCreateView(SubmitOnceMixin, ScopedMixin, View):
    """签订结对协议, once per page (``core.submissions``)."""

    model = Agreement
    action = "add"

    def replay_fallback_url(self) -> str:
        return reverse("casework:agreement_list")

    def _render(self, form: AgreementForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "generic/object_form.html",
            {
                "form": form,
                "form_token": self.form_token,
                "title": "签订结对协议",
                "cancel_url": reverse("casework:agreement_list"),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        initial: dict[str, Any] = {}
        demand = (
            Demand.objects.visible_to(request.user, "view")
            .filter(pk=request.GET.get("demand") or 0)
            .first()
        )
        if demand is not None:  # a one-off service grows into a long-term one
            serving = demand.offers.filter(status__in=["accepted", "completed"]).first()
            initial = {
                "enterprise": demand.enterprise_id,
                "title": f"结对：{demand.title}"[:100],
                "craftsman": getattr(serving, "craftsman_id", None),
                "team": getattr(serving, "team_id", None),
            }
        self.issue_form_token()
        return self._render(AgreementForm(user=request.user, initial=initial))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        form = AgreementForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            demand = (
                Demand.objects.visible_to(request.user, "view")
                .filter(pk=request.GET.get("demand") or 0)
                .first()
            )
            try:
                done = self.create_once(
                    lambda: services.agreement_create(
                        actor=request.user,
                        enterprise=data.pop("enterprise"),
                        craftsman=data.pop("craftsman"),
                        team=data.pop("team"),
                        demand=demand,
                        data=data,
                    ),
                    lambda row: str(row.get_absolute_url()),
                )
            except ERRORS as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, error_text(exc))
            else:
                if done.replayed:
                    return self.replayed(done.url)
                messages.success(request, "结对协议已签订")
                return redirect(done.url)
        return self._render(form, status=400)


class AgreementDetailView(ScopedMixin, View):
    model = Agreement
    action = "view"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = get_object_or_404(
            self.get_queryset().select_related("enterprise", "craftsman", "team", "org", "demand"),
            pk=kwargs["pk"],
        )
        return render(
            request,
            "casework/agreement_detail.html",
            {
                "object": row,
                "can_change": self.perm("change")
                and Agreement.objects.visible_to(request.user, "change").filter(pk=row.pk).exists(),
            },
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = self.get_object()
        try:
            if request.POST.get("step") == "end":
                services.agreement_end(
                    actor=request.user, agreement=row, reason=request.POST.get("reason", "")
                )
                messages.success(request, "协议已终止")
            else:
                services.agreement_review(
                    actor=request.user, agreement=row, note=request.POST.get("note", "")
                )
                messages.success(request, "回顾已记录")
        except ERRORS as exc:
            messages.error(request, error_text(exc))
        return redirect(row.get_absolute_url())
