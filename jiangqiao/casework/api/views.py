"""REST endpoints of the service casework (/api/v1/casework/...).

``demands/<id>/<step>/`` takes one step of a demand's life cycle (the same services as the pages);
``offers/`` lists the offers in scope (a craftsman: his own) and takes his answer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from jiangqiao.core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin
from jiangqiao.demands.api.serializers import DemandSerializer
from jiangqiao.demands.models import Demand
from jiangqiao.orgs.models import Organization

from .. import services
from ..filtersets import OfferFilterSet
from ..models import Offer
from .serializers import (
    AcceptSerializer,
    ConfirmSerializer,
    ContactSerializer,
    DeclineSerializer,
    DemandActionSerializer,
    OfferSerializer,
    OutcomeRecordSerializer,
    OutcomeSerializer,
    TransferSerializer,
    TriageSerializer,
    WithdrawSerializer,
)


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CaseViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg,misc]
    """需求办理：分级、转办、升级、撤回、取消、登记办理结果、企业确认、办结（状态只能按流转表变化）。"""

    queryset = Demand.objects.select_related("enterprise", "org")
    serializer_class = DemandSerializer

    def _respond(self, demand: Demand) -> Response:
        demand = Demand.objects.select_related("enterprise", "org").get(pk=demand.pk)
        return Response(DemandSerializer(demand, context=self.get_serializer_context()).data)

    @extend_schema(request=DemandActionSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def submit(self, request: Request, pk: Any = None) -> Response:
        """提交草稿：生成需求编号（如 GD-440300-2026-000123）。"""
        data = _valid(DemandActionSerializer, request)
        return self._respond(
            services.demand_submit(actor=request.user, demand=self.get_object(), **data)
        )

    @extend_schema(request=TriageSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def triage(self, request: Request, pk: Any = None) -> Response:
        """分级受理：确定需求类别、分级 A/B/C、承办层级、公开范围（需“需求分级”权限）。"""
        data = _valid(TriageSerializer, request)
        comment = data.pop("comment", "")
        return self._respond(
            services.demand_triage(
                actor=request.user, demand=self.get_object(), data=data, comment=comment
            )
        )

    @extend_schema(request=DemandActionSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        """撤回需求（尚无人承接时）。"""
        data = _valid(DemandActionSerializer, request)
        return self._respond(
            services.demand_withdraw(actor=request.user, demand=self.get_object(), **data)
        )

    @extend_schema(request=DemandActionSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """取消需求（须填写原因）；需求保留，不删除；未结束的邀请随之撤回。"""
        data = _valid(DemandActionSerializer, request)
        return self._respond(
            services.demand_cancel(actor=request.user, demand=self.get_object(), **data)
        )

    @extend_schema(request=DemandActionSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def escalate(self, request: Request, pk: Any = None) -> Response:
        """升级到上一级工会（须说明原因）。"""
        data = _valid(DemandActionSerializer, request)
        return self._respond(
            services.demand_escalate(actor=request.user, demand=self.get_object(), **data)
        )

    @extend_schema(request=TransferSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def transfer(self, request: Request, pk: Any = None) -> Response:
        """转办到另一单位（须说明原因）。"""
        data = _valid(TransferSerializer, request)
        org = Organization.objects.filter(pk=data["org"]).first()
        if org is None:
            raise ValidationError({"org": ["接收单位不存在"]})
        return self._respond(
            services.demand_transfer(
                actor=request.user, demand=self.get_object(), org=org, comment=data["comment"]
            )
        )

    @extend_schema(request=OutcomeRecordSerializer, responses=OutcomeSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def outcome(self, request: Request, pk: Any = None) -> Response:
        """登记办理结果（已解决 / 部分解决 / 未解决），并请企业确认。"""
        data = _valid(OutcomeRecordSerializer, request)
        row = services.outcome_record(actor=request.user, demand=self.get_object(), **data)
        return Response(OutcomeSerializer(row).data)

    @extend_schema(request=ConfirmSerializer, responses=OutcomeSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def confirm(self, request: Request, pk: Any = None) -> Response:
        """企业确认服务结果并评分（1–5）；认为比登记结果差时重新办理。"""
        data = _valid(ConfirmSerializer, request)
        row = services.outcome_confirm(actor=request.user, demand=self.get_object(), **data)
        return Response(OutcomeSerializer(row).data)

    @extend_schema(request=DemandActionSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"], scope_action="change")
    def close(self, request: Request, pk: Any = None) -> Response:
        """办结。"""
        data = _valid(DemandActionSerializer, request)
        return self._respond(
            services.demand_close(actor=request.user, demand=self.get_object(), **data)
        )


class OfferViewSet(ScopedReadOnlyViewSet):
    """服务邀请：劳模工匠（或服务队队长）在答复期限（工作日）内接受或婉拒；接受后登记联系记录。"""

    queryset = Offer.objects.select_related("demand", "craftsman", "team").order_by(
        "-offered_at", "-pk"
    )
    serializer_class = OfferSerializer
    filterset_class = OfferFilterSet

    def _respond(self, offer: Offer) -> Response:
        return Response(OfferSerializer(Offer.objects.get(pk=offer.pk)).data)

    @extend_schema(request=AcceptSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def accept(self, request: Request, pk: Any = None) -> Response:
        data = _valid(AcceptSerializer, request)
        return self._respond(
            services.offer_accept(actor=request.user, offer=self.get_object(), **data)
        )

    @extend_schema(request=DeclineSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def decline(self, request: Request, pk: Any = None) -> Response:
        data = _valid(DeclineSerializer, request)
        return self._respond(
            services.offer_decline(actor=request.user, offer=self.get_object(), **data)
        )

    @extend_schema(request=WithdrawSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        data = _valid(WithdrawSerializer, request)
        return self._respond(
            services.offer_withdraw(actor=request.user, offer=self.get_object(), **data)
        )

    @extend_schema(request=ContactSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def contact(self, request: Request, pk: Any = None) -> Response:
        data = _valid(ContactSerializer, request)
        offer = self.get_object()
        services.contact_log(actor=request.user, offer=offer, **data)
        return self._respond(offer)
