"""Pagination that never counts more rows than a person can page through.

Counting every match of a broad filter on 300,000 demands costs more than fetching the page itself
(PostgreSQL has to visit every matching row). ``CappedCountPaginator`` counts at most ``cap + 1``
rows (``SELECT COUNT(*) FROM (… LIMIT cap+1)``): below the cap the count is exact; above it the
page says “超过 1000 条” and the user narrows the filter, as search engines do.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        query: Any = self.object_list
        # django-tables2 hands over its BoundRows; the queryset sits at ``rows.data.data``.
        inner = getattr(getattr(query, "data", None), "data", None)
        if inner is not None and hasattr(inner, "query"):
            query = inner
        if hasattr(query, "query") and hasattr(query, "count"):
            # Unordered: PostgreSQL may stop at the first cap+1 matches instead of sorting them all.
            return int(query.order_by()[: self.cap + 1].count())
        return len(query)

    @property
    def capped(self) -> bool:
        return self.count > self.cap
