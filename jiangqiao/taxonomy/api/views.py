"""Read-only API of the reference data (mounted at ``/api/v1/taxonomy/``).

* ``GET schemes/`` — the schemes with version and counts per level;
* ``GET terms/?scheme=&level=&parent=&within=&q=`` — paginated entries of a scheme;
* ``GET terms/{code}/?scheme=`` — one entry with text fields, ancestors and children;
* ``GET search/?scheme=&q=&limit=`` — ranked hits ``[{scheme, code, label, version, level,
  path_label}]`` for autocompletion.

Reference data is public within the platform: any authenticated user may read it. Invalid
parameters answer 400 with a Chinese message keyed by the parameter name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ..choices import SCHEMES
from ..models import Term
from ..selectors import get_term, scheme_summaries, term_list, term_search
from .serializers import (
    SchemeQuerySerializer,
    SchemeSerializer,
    SearchQuerySerializer,
    SearchResultSerializer,
    TermDetailSerializer,
    TermQuerySerializer,
    TermSerializer,
)


class TaxonomyPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _validated(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class SchemeViewSet(viewsets.ViewSet):
    """The classification schemes."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="分类方案列表", responses=SchemeSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(SchemeSerializer(scheme_summaries(), many=True).data)


class TermViewSet(viewsets.ReadOnlyModelViewSet):
    """Entries of one scheme (``scheme`` is a required query parameter)."""

    permission_classes = [IsAuthenticated]
    pagination_class = TaxonomyPagination
    filter_backends: list[Any] = []
    serializer_class = TermSerializer
    queryset = Term.objects.none()
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9._-]+"

    def get_serializer_class(self) -> type:
        return TermDetailSerializer if self.action == "retrieve" else TermSerializer

    def get_queryset(self) -> QuerySet[Term]:
        if getattr(self, "swagger_fake_view", False):
            return Term.objects.none()
        params = _validated(TermQuerySerializer, self.request)
        return term_list(
            scheme=params["scheme"],
            level=params.get("level"),
            parent=params.get("parent") or None,
            within=params.get("within") or None,
            q=params.get("q") or None,
        ).defer("description", "note", "tasks")

    def get_object(self) -> Term:
        params = _validated(SchemeQuerySerializer, self.request)
        scheme = params["scheme"]
        code = self.kwargs[self.lookup_field]
        term = get_term(scheme, code)
        if term is None:
            raise NotFound(
                f"{SCHEMES[scheme].code_noun}“{code}”不存在（{SCHEMES[scheme].reference}）"
            )
        return term

    @extend_schema(summary="分类条目列表", parameters=[TermQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="分类条目详情",
        parameters=[
            SchemeQuerySerializer,
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="代码（如 3461、440300、6-28-01-01、senior_worker）",
            ),
        ],
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)


class SearchViewSet(viewsets.ViewSet):
    """Ranked search for autocompletion."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="检索分类条目",
        description=(
            "按代码前缀（4403、C34、6-28）、名称（支持繁体）或拼音首字母（szs）检索，"
            "按精确代码、代码前缀、精确名称、名称前缀、拼音首字母、包含匹配排序。"
        ),
        parameters=[SearchQuerySerializer],
        responses=SearchResultSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        params = _validated(SearchQuerySerializer, request)
        results = term_search(
            scheme=params["scheme"],
            q=params.get("q") or "",
            limit=params["limit"],
            level=params.get("level"),
            parent=params.get("parent") or None,
            within=params.get("within") or None,
        )
        return Response(SearchResultSerializer(results, many=True).data)
