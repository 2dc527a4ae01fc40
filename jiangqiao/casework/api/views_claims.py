"""REST endpoints of the claim list and claims (/api/v1/casework/...).

* ``published/`` — the claim list (anonymised cards; every unit's listed demands) for those who
  may claim, filterable by ``industry``, ``region`` and ``kind``;
* ``claims/`` — claims in scope (a craftsman: his own); ``POST`` files a claim; ``approve`` /
  ``refuse`` (staff of the owning unit), ``withdraw`` (the claimant);
* ``demands/<id>/quality|publish|unpublish|direct-offer|assign/`` — publication and the offers
  staff make without a suggestion (the enterprise's named craftsman, an assignment, a team).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from jiangqiao.core.api.filters import ScopedFilterBackend
from jiangqiao.core.api.viewsets import ScopedViewSetMixin
from jiangqiao.demands.models import Demand

from .. import claims, selectors_claims
from ..filtersets_claims import ClaimFilterSet, PublishedDemandFilterSet
from ..models import Claim, Offer
from .serializers import OfferSerializer
from .serializers_claims import (
    AssignSerializer,
    ClaimApproveSerializer,
    ClaimCreateSerializer,
    ClaimRefuseSerializer,
    ClaimSerializer,
    DirectOfferSerializer,
    PublicationSerializer,
    PublicDemandSerializer,
    PublishSerializer,
    QualityReviewSerializer,
    QualitySerializer,
    ReturnSerializer,
    UnpublishSerializer,
)
from .views import _valid


class MayBrowse(BasePermission):
    message = "只有劳模工匠（或服务队领衔人）可以浏览需求认领清单"

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors_claims.may_browse(request.user)


class PublishedDemandViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """需求认领清单：已发布且未到期的需求（各单位），企业信息匿名；可按行业、地区、类型筛选。"""

    permission_classes = [IsAuthenticated, MayBrowse]
    serializer_class = PublicDemandSerializer
    filterset_class = PublishedDemandFilterSet
    filter_backends = [ScopedFilterBackend]  # no ordering by arbitrary fields, no text search

    def get_queryset(self) -> Any:
        return selectors_claims.published_demands(user=self.request.user)

    def list(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        cards = selectors_claims.published_cards(page if page is not None else qs[:100])
        data = PublicDemandSerializer(cards, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        try:
            card = selectors_claims.published_card(user=request.user, pk=int(pk))
        except (TypeError, ValueError, OverflowError):
            card = None
        if card is None:
            raise Http404
        return Response(PublicDemandSerializer(card).data)


class ClaimViewSet(  # type: ignore[misc]
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """认领：劳模工匠（或服务队领衔人）认领清单中的需求；需求所在工会审核通过（即成为已接受的服务邀请）
    或不通过（须说明原因）。"""

    queryset = Claim.objects.select_related("demand", "craftsman", "team").order_by(
        "-created_at", "-pk"
    )
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    @extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer})
    def create(self, request: Request) -> Response:
        """认领一条清单中的需求（本人，或以本人领衔的服务队名义）。"""
        data = _valid(ClaimCreateSerializer, request)
        claim = claims.claim_create(actor=request.user, **data)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClaimApproveSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], scope_action="decide")
    def approve(self, request: Request, pk: Any = None) -> Response:
        """通过认领：向认领人发出服务邀请并视为已接受（受服务上限约束）。"""
        data = _valid(ClaimApproveSerializer, request)
        offer = claims.claim_approve(actor=request.user, claim=self.get_object(), **data)
        return Response(OfferSerializer(Offer.objects.get(pk=offer.pk)).data)

    @extend_schema(request=ClaimRefuseSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], scope_action="decide")
    def refuse(self, request: Request, pk: Any = None) -> Response:
        """认领不通过（须说明原因，通知认领人）。"""
        data = _valid(ClaimRefuseSerializer, request)
        row = claims.claim_refuse(actor=request.user, claim=self.get_object(), **data)
        return Response(ClaimSerializer(row).data)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """认领人撤回待审核的认领。"""
        row = claims.claim_withdraw(actor=request.user, claim=self.get_object())
        return Response(ClaimSerializer(row).data)


class CaseClaimsViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg,misc]
    """需求的认领清单发布与直接邀请：质量检查、发布（匿名、截止日期）、撤下、企业点名邀请、指派（含服务队）。"""

    queryset = Demand.objects.select_related("enterprise", "org")
    serializer_class = PublicationSerializer

    @extend_schema(request=None, responses=QualitySerializer)
    @action(detail=True, methods=["get"], scope_action="change")
    def quality(self, request: Request, pk: Any = None) -> Response:
        """发布质量评分：问题清晰度、信息完整度、企业核验、可行性各 0–5 分，每项的得分理由与需补充的内容，
        合计与发布要求（每项、合计的最低分），以及不能发布的原因（含匿名检查）。"""
        return Response(claims.quality_check(self.get_object()).as_dict())

    @extend_schema(request=PublishSerializer, responses=PublicationSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def publish(self, request: Request, pk: Any = None) -> Response:
        """发布到认领清单（已分级 → 已发布）；截止日期默认 30 天、最长 90 天。"""
        data = _valid(PublishSerializer, request)
        pub = claims.demand_publish(actor=request.user, demand=self.get_object(), **data)
        return Response(PublicationSerializer(pub).data)

    @extend_schema(request=PublishSerializer, responses=PublicationSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def renew(self, request: Request, pk: Any = None) -> Response:
        """续期（重新评分；新的截止日期最长为今天起 90 天，每次发布最多续期的次数见配置）。"""
        data = _valid(PublishSerializer, request)
        pub = claims.publication_renew(actor=request.user, demand=self.get_object(), **data)
        return Response(PublicationSerializer(pub).data)

    @extend_schema(request=ReturnSerializer, responses=QualityReviewSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="return")
    def send_back(self, request: Request, pk: Any = None) -> Response:
        """退回企业补充（已提交 / 已分级 → 待补充），并通知企业联系人需补充的内容。"""
        data = _valid(ReturnSerializer, request)
        review = claims.demand_return(actor=request.user, demand=self.get_object(), **data)
        return Response(QualityReviewSerializer(review).data)

    @extend_schema(request=UnpublishSerializer, responses=None)
    @action(detail=True, methods=["post"], scope_action="change")
    def unpublish(self, request: Request, pk: Any = None) -> Response:
        """撤下认领清单（已发布 → 已分级，须说明原因）。"""
        data = _valid(UnpublishSerializer, request)
        demand = claims.demand_unpublish(actor=request.user, demand=self.get_object(), **data)
        return Response({"id": demand.pk, "status": demand.status})

    @extend_schema(request=DirectOfferSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="direct-offer")
    def direct_offer(self, request: Request, pk: Any = None) -> Response:
        """向企业点名的意向劳模工匠发出服务邀请。"""
        data = _valid(DirectOfferSerializer, request)
        offer = claims.offer_direct(
            actor=request.user,
            demand=self.get_object(),
            craftsman_id=data["craftsman"],
            note=data["note"],
        )
        return Response(OfferSerializer(offer).data)

    @extend_schema(request=AssignSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def assign(self, request: Request, pk: Any = None) -> Response:
        """指派一位劳模工匠或一支服务队（联合攻关，由领衔人答复）。"""
        data = _valid(AssignSerializer, request)
        offer = claims.offer_assign(actor=request.user, demand=self.get_object(), **data)
        return Response(OfferSerializer(offer).data)
