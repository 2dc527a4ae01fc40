"""Pages of the collection campaigns (征集活动). Thin: reads through ``selectors_campaigns``,
writes through ``campaigns``.

Staff (scoped): the list, 征集汇总 (roll-up of the units below), a campaign's page with its figures,
QR code, link and poster, the form, and 发布/关闭/重新开放. Public: the campaign's page at its link
(nothing but the campaign itself), which sends a signed-in enterprise contact to the phone form
``demands:demand_submit?campaign=<token>``; ``CampaignSubmitMixin`` is that form's campaign part.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.pickers import key_from_text
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedMixin,
)
from jiangqiao.taxonomy.selectors import term_labels

from . import campaigns, poster
from . import selectors_campaigns as selectors
from .choices_campaigns import CAMPAIGN_STATUS_COLORS
from .filtersets_campaigns import CampaignFilterSet
from .forms_campaigns import CampaignForm
from .models_campaigns import Campaign
from .tables_campaigns import CampaignTable

#: Registration pages that may exist (enterprise self-registration, issue 18 point 1).
REGISTRATION_URL_NAMES = ("demands:register", "accounts:register")
GENERIC_PREPARATION = (
    "企业名称和统一社会信用代码（登录后自动带出）",
    "遇到的问题或培训需要：发生在哪个环节、持续多久、造成什么影响",
    "目前的情况和已经尝试过的办法",
    "希望达到的效果，期望完成的时间；技能培训需求请估算培训人数",
)


def _labels(campaign: Campaign) -> dict[str, list[str]]:
    def named(scheme: str, codes: list[str]) -> list[str]:
        labels = term_labels(scheme, codes)
        return [labels.get(code, code) for code in codes]

    return {
        "category_labels": named("demand_category", campaign.categories),
        "region_labels": named("region", campaign.region_codes),
        "industry_labels": named("industry", campaign.industry_codes),
    }


def public_url(request: HttpRequest, campaign: Campaign) -> str:
    return request.build_absolute_uri(campaign.public_path())


def submit_path(campaign: Campaign) -> str:
    return f"{reverse('demands:demand_submit')}?{urlencode({'campaign': campaign.token})}"


def registration_url(next_url: str) -> str | None:
    """The enterprise registration page with ``next``, if that page is installed."""
    for name in REGISTRATION_URL_NAMES:
        try:
            return f"{reverse(name)}?{urlencode({'next': next_url})}"
        except NoReverseMatch:
            continue
    return None


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "demands/campaigns/not_found.html", {"title": "链接无效"}, status=404)


def closed_page(request: HttpRequest, campaign: Campaign, state: str) -> HttpResponse:
    """「该征集活动已于 … 截止」: nothing is saved; drafts saved through it are listed (kept)."""
    drafts = (
        list(selectors.my_campaign_drafts(user=request.user, campaign=campaign)[:20])
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "demands/campaigns/closed.html",
        {
            "title": campaign.title,
            "campaign": campaign,
            "message": campaigns.closed_message(campaign, state),
            "drafts": drafts,
        },
        status=200 if state == "not_started" else 410,
    )


# ----------------------------------------------------------------------------------------------
# Staff pages
# ----------------------------------------------------------------------------------------------


class CampaignListView(ObjectListView):
    model = Campaign
    filterset_class = CampaignFilterSet
    table_class = CampaignTable
    title = "征集活动"
    extra_buttons = [("征集汇总", "demands:campaign_summary", "demands.view_campaign")]

    def get_table_queryset(self) -> Any:
        return selectors.campaign_list(user=self.request.user)


class CampaignDetailView(ObjectDetailView):
    model = Campaign
    template_name = "demands/campaigns/campaign_detail.html"

    def get_extra_context(self, obj: Campaign) -> dict[str, Any]:
        url = public_url(self.request, obj)
        may_change = self.perm("change")
        return {
            "title": obj.title,
            "figures": selectors.campaign_figures(obj),
            "demands": selectors.campaign_demands(user=self.request.user, campaign=obj)[:50],
            "status_color": CAMPAIGN_STATUS_COLORS.get(obj.status, "secondary"),
            "public_url": url,
            "qr_svg": poster.qr_svg(url) if obj.status != "draft" else "",
            "actions": [
                (action, campaigns.TRANSITIONS[action][2])
                for action in campaigns.STAFF_ACTIONS
                if may_change and obj.status in campaigns.TRANSITIONS[action][0]
            ],
            **_labels(obj),
        }


class CampaignEditView(ObjectEditView):
    model = Campaign
    form_class = CampaignForm

    def save_form(self, form: CampaignForm, obj: Campaign | None) -> Campaign:
        org = form.cleaned_data.get("org")
        if obj is None:
            return campaigns.campaign_create(
                actor=self.request.user, org=org, data=form.service_data()
            )
        return campaigns.campaign_update(
            actor=self.request.user, campaign=obj, data=form.service_data(), org=org
        )


class CampaignActionView(ScopedMixin, View):
    """POST ``action=publish|close|reopen``."""

    model = Campaign
    action = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        action = request.POST.get("action", "")
        try:
            done = campaigns.campaign_transition(actor=request.user, campaign=obj, action=action)
        except BusinessError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except ScopeViolation as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"征集活动{done.get_status_display()}")
        return redirect(obj.get_absolute_url())


class CampaignPosterView(ScopedMixin, View):
    """The printable A4 poster (PDF) of a published campaign."""

    model = Campaign

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if obj.status == "draft":
            messages.error(request, "征集海报：请先发布征集活动，草稿没有公开链接")
            return redirect(obj.get_absolute_url())
        body = poster.render(
            obj,
            url=public_url(request, obj),
            unit_name=obj.org.name,
            category_labels=_labels(obj)["category_labels"],
        )
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, f"征集海报-{obj.title}.pdf"
        )
        return response


class CampaignSummaryView(ScopedMixin, View):
    """征集汇总: the campaigns of a unit and of the units below it (``?unit=`` drills down)."""

    model = Campaign

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from jiangqiao.orgs.models import Organization
        from jiangqiao.orgs.selectors import default_unit, drill_trail

        unit = None
        raw = request.GET.get("unit", "")
        if raw:
            key = key_from_text(raw)
            if key is None:
                return render(
                    request,
                    "demands/campaigns/summary.html",
                    {"title": "征集汇总", "error": "单位：参数不正确"},
                    status=400,
                )
            unit = get_object_or_404(Organization.objects.visible_to(request.user, "view"), pk=key)
        unit = unit or default_unit(user=request.user)
        context: dict[str, Any] = {"title": "征集汇总", "unit": unit}
        if unit is not None:
            context["rollup"] = selectors.campaign_rollup(user=request.user, unit=unit)
            context["trail"] = drill_trail(user=request.user, unit=unit)
        return render(request, "demands/campaigns/summary.html", context)


# ----------------------------------------------------------------------------------------------
# Public link and the phone form's campaign part
# ----------------------------------------------------------------------------------------------


class CampaignPublicView(View):
    """The page a campaign's link or QR code opens. Shows the campaign only: title, unit, period,
    categories, focus, what to prepare. A signed-in enterprise contact goes on to the form."""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        campaign = selectors.campaign_by_token(token)
        if campaign is None:
            return not_found(request)
        state = campaign.public_state()
        if state != "open":
            return closed_page(request, campaign, state)
        form_url = submit_path(campaign)
        user = request.user
        may_submit = user.is_authenticated and user.has_perm("demands.add_demand")
        if may_submit and not user.has_perm("demands.triage_demand"):
            return redirect(form_url)
        preparation = [
            line.strip() for line in campaign.preparation.splitlines() if line.strip()
        ] or list(GENERIC_PREPARATION)
        return render(
            request,
            "demands/campaigns/public.html",
            {
                "title": campaign.title,
                "campaign": campaign,
                "preparation": preparation,
                "form_url": form_url if may_submit else None,
                "login_url": f"{reverse('accounts:login')}?{urlencode({'next': form_url})}",
                "register_url": registration_url(form_url),
                **_labels(campaign),
            },
        )


class CampaignSubmitMixin:
    """The phone form (``DemandSubmitView``) reached through a campaign link: ``?campaign=<token>``
    on GET, the hidden ``campaign`` field on POST. A wrong token answers 404 and a campaign that
    does not accept demands the closed page, before the form is shown or anything is saved."""

    request: HttpRequest
    campaign: Campaign | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        token = request.POST.get("campaign") if request.method == "POST" else None
        token = token if token is not None else request.GET.get("campaign")
        if (
            token is not None
            and request.user.is_authenticated
            and request.user.has_perm("demands.add_demand")
        ):
            campaign = selectors.campaign_by_token(token)
            if campaign is None:
                return not_found(request)
            state = campaign.public_state()
            if state != "open":
                return closed_page(request, campaign, state)
            self.campaign = campaign
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]

    def campaign_context(self) -> dict[str, Any]:
        if self.campaign is None:
            return {}
        return {"campaign": self.campaign, **_labels(self.campaign)}

    def campaign_closed(self, exc: campaigns.CampaignClosed) -> HttpResponse:
        return closed_page(self.request, exc.campaign, exc.state)
