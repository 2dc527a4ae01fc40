from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from jiangqiao.core.pagination import CappedCountPaginator


class StandardPagination(PageNumberPagination):
    """Page-number pagination whose ``count`` stops at 1,001 (``count_capped`` says so)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped  # type: ignore[union-attr]
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "true 表示匹配超过 1000 条，count 只计到 1001；请缩小筛选范围",
        }
        return result
