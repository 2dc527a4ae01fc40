"""Pages of the claim list (认领清单), claims, direct requests and assignments.

Thin views: a form, one service call from ``claims.py``, a message. The public list and its
detail page render ``selectors_claims.PublicDemand`` cards only (anonymised), phone first.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.views.generic import ScopedMixin, SubmitOnceMixin
from jiangqiao.demands.models import Demand

from . import claims, selectors_claims
from .choices import OFFER_STATUS_COLORS
from .choices_claims import CLAIM_STATUS_COLORS, ClaimStatus
from .filtersets_claims import ClaimFilterSet, PublishedDemandFilterSet
from .forms import CommentForm
from .forms_claims import (
    ApproveForm,
    AssignForm,
    ClaimForm,
    DirectOfferForm,
    PublishForm,
    ReasonForm,
)
from .models import Claim
from .views import ERRORS, DemandCaseMixin, error_text, form_errors


class _LoginRequired(View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


# ----------------------------------------------------------------------------------------------
# The claim list: craftsmen and team leads (phone first)
# ----------------------------------------------------------------------------------------------


class PublishedListView(_LoginRequired):
    """需求认领清单: listed demands of every unit, the enterprise anonymised."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors_claims.may_browse(request.user):
            raise PermissionDenied("只有劳模工匠（或服务队领衔人）可以浏览需求认领清单")
        filterset = PublishedDemandFilterSet(
            request.GET or None, queryset=selectors_claims.published_demands(user=request.user)
        )
        qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        page = Paginator(qs, 20).get_page(request.GET.get("page"))
        cards = selectors_claims.published_cards(page.object_list)
        return render(
            request,
            "casework/claims/published_list.html",
            {
                "cards": cards,
                "page": page,
                "filter_form": filterset.form,
                "filter_errors": filterset.is_bound and not filterset.is_valid(),
                "claimed": selectors_claims.my_claim_status(
                    user=request.user, demand_ids=[c.pk for c in cards]
                ),
                "may_claim": request.user.has_perm("casework.add_claim"),
            },
            status=400 if filterset.is_bound and not filterset.is_valid() else 200,
        )


class PublishedDetailView(SubmitOnceMixin, _LoginRequired):
    """One listed demand (anonymised) and the claim form."""

    def _card(self, request: HttpRequest, pk: int) -> Any:
        if not selectors_claims.may_browse(request.user):
            raise PermissionDenied("只有劳模工匠（或服务队领衔人）可以浏览需求认领清单")
        card = selectors_claims.published_card(user=request.user, pk=pk)
        if card is None:
            raise Http404("该需求不在认领清单中")
        return card

    def _render(self, request: HttpRequest, card: Any, form: ClaimForm, status: int = 200) -> Any:
        return render(
            request,
            "casework/claims/published_detail.html",
            {
                "card": card,
                "form": form,
                "may_claim": request.user.has_perm("casework.add_claim"),
                "claimed": selectors_claims.my_claim_status(
                    user=request.user, demand_ids=[card.pk]
                ),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        card = self._card(request, kwargs["pk"])
        return self._render(request, card, ClaimForm(teams=claims.led_teams(request.user)))

    def replay_fallback_url(self) -> str:
        return reverse("casework:my_claims")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        card = self._card(request, kwargs["pk"])
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        form = ClaimForm(request.POST, teams=claims.led_teams(request.user))
        if form.is_valid():
            try:
                done = self.create_once(
                    lambda: claims.claim_create(
                        actor=request.user,
                        demand=card.pk,
                        note=form.cleaned_data["note"],
                        team=form.cleaned_data["team"],
                    ),
                    lambda _: reverse("casework:my_claims"),
                )
            except ERRORS as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, error_text(exc))
            else:
                if done.replayed:
                    return self.replayed(done.url)
                messages.success(request, "认领已提交，请等待工会审核；审核结果会通知您")
                return redirect(done.url)
        return self._render(request, card, form, status=400)


class MyClaimsView(_LoginRequired):
    """我的认领 (phone page): the claimant's claims with their state and the staff's answer."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("casework.add_claim"):
            raise PermissionDenied("只有劳模工匠（或服务队领衔人）可以认领需求")
        return render(
            request,
            "casework/claims/my_claims.html",
            {
                "claims": list(selectors_claims.my_claims(user=request.user)[:200]),
                "colors": CLAIM_STATUS_COLORS,
            },
        )


# ----------------------------------------------------------------------------------------------
# Staff: the claims queue and decisions
# ----------------------------------------------------------------------------------------------


class ClaimListView(ScopedMixin, View):
    """认领审核: claims on demands in the staff's scope, pending first."""

    model = Claim
    action = "view"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("casework.decide_claim"):
            raise PermissionDenied("您没有审核认领的权限")
        filterset = ClaimFilterSet(
            request.GET or None, queryset=selectors_claims.claim_queue(user=request.user)
        )
        qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        page = Paginator(qs, 30).get_page(request.GET.get("page"))
        return render(
            request,
            "casework/claims/claim_list.html",
            {
                "page": page,
                "claims": list(page.object_list),
                "filter_form": filterset.form,
                "colors": CLAIM_STATUS_COLORS,
                "statuses": ClaimStatus.choices,
                "current_status": request.GET.get("status", ""),
                "pending": selectors_claims.claim_queue(user=request.user)
                .filter(status=ClaimStatus.PENDING)
                .count(),
            },
        )


class ClaimStepView(_LoginRequired):
    """POST 通过 / 不通过 (staff) or 撤回 (the claimant)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        step = kwargs["step"]
        user = request.user
        back = request.POST.get("next") or ""
        if not back.startswith("/") or back.startswith("//"):
            back = reverse("casework:my_claims" if step == "withdraw" else "casework:claim_list")
        try:
            if step == "approve":
                form: Any = ApproveForm(request.POST)
                if not form.is_valid():
                    raise BusinessError(form_errors(form))
                claim = self._claim(kwargs["pk"])
                claims.claim_approve(actor=user, claim=claim, note=form.cleaned_data["note"])
                done = "认领已通过：已向认领人发出服务邀请并视为已接受"
            elif step == "refuse":
                form = ReasonForm(request.POST)
                if not form.is_valid():
                    raise BusinessError("不通过原因：请填写")
                claim = self._claim(kwargs["pk"])
                claims.claim_refuse(actor=user, claim=claim, reason=form.cleaned_data["reason"])
                done = "已通知认领人：认领未通过"
            elif step == "withdraw":
                claims.claim_withdraw(actor=user, claim=kwargs["pk"])
                done = "认领已撤回"
            else:
                raise Http404("不支持的操作")
        except ERRORS as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
        return redirect(back)

    def _claim(self, pk: int) -> Claim:
        return get_object_or_404(Claim.objects.visible_to(self.request.user, "view"), pk=pk)


# ----------------------------------------------------------------------------------------------
# The demand page's 认领与指派 block (staff): publish, direct request, assignment, team offer
# ----------------------------------------------------------------------------------------------


class DemandClaimsPanelView(DemandCaseMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = self.demand()
        context = selectors_claims.panel(user=request.user, demand=demand)
        context.update(
            {
                "object": demand,
                "assign_form": AssignForm(user=request.user) if context.get("may_offer") else None,
                "offer_colors": OFFER_STATUS_COLORS,
                "claim_colors": CLAIM_STATUS_COLORS,
            }
        )
        return render(request, "casework/claims/_demand_claims.html", context)


class DemandClaimsStepView(SubmitOnceMixin, DemandCaseMixin, View):
    """POST 发布 / 撤下 / 点名邀请 / 指派; back to the demand page with a message. The steps that
    create an offer run once per form token (``core.submissions``)."""

    creating_steps = ("direct", "assign")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = self.demand()
        step = kwargs["step"]
        back = demand.get_absolute_url()
        once = step in self.creating_steps
        if once and (earlier := self.earlier_submission()) is not None:
            return earlier
        try:
            if once:
                submission = self.create_once(lambda: self._take(step, demand), lambda _: back)
                if submission.replayed:
                    return self.replayed(submission.url)
                done = str(submission.result)
            else:
                done = self._take(step, demand)
        except ERRORS as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
        return redirect(back)

    def _take(self, step: str, demand: Demand) -> str:
        user, post = self.request.user, self.request.POST
        form: Any
        if step == "publish":
            form = PublishForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            pub = claims.demand_publish(actor=user, demand=demand, **form.cleaned_data)
            return f"已发布到认领清单（匿名展示），截止 {pub.expires_on:%Y-%m-%d}"
        if step == "renew":
            form = PublishForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            pub = claims.publication_renew(actor=user, demand=demand, **form.cleaned_data)
            return f"已续期，认领清单截止 {pub.expires_on:%Y-%m-%d}（第 {pub.renewals} 次续期）"
        if step == "return":
            form = CommentForm(post)  # 退回说明; the score's advice goes with it
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            review = claims.demand_return(
                actor=user, demand=demand, comment=form.cleaned_data["comment"]
            )
            return f"已退回企业补充（{len(review.to_add)} 项需补充），已通知企业联系人"
        if step == "unpublish":
            form = ReasonForm(post)
            if not form.is_valid():
                raise BusinessError("撤下原因：请说明为什么撤下")
            claims.demand_unpublish(actor=user, demand=demand, comment=form.cleaned_data["reason"])
            return "已撤下认领清单"
        if step == "direct":
            form = DirectOfferForm(post)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            offer = claims.offer_direct(
                actor=user,
                demand=demand,
                craftsman_id=form.cleaned_data["craftsman"],
                note=form.cleaned_data["note"],
            )
            return f"已向“{offer.craftsman}”发出服务邀请（企业点名）"
        if step == "assign":
            form = AssignForm(post, user=user)
            if not form.is_valid():
                raise BusinessError(form_errors(form))
            offer = claims.offer_assign(actor=user, demand=demand, **form.cleaned_data)
            return f"已指派“{offer.craftsman or offer.team}”，等待答复"
        raise BusinessError("不支持的操作")
