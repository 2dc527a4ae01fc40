from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.choices import STATUS_COLORS
from jiangqiao.core.tables import BaseTable

from .choices import LEVEL_COLORS
from .models import Organization


class OrganizationTable(BaseTable):
    name = tables.Column("名称", linkify=True, order_by=("path",))
    level = tables.Column("层级")
    region_code = tables.Column("行政区划代码")
    uscc = tables.Column("统一社会信用代码")
    parent = tables.Column("上级组织")
    status = tables.Column("状态")

    key_columns = ("name", "level", "status")
    truncate = {"name": "lg", "parent": "md"}

    class Meta:
        model = Organization
        fields = ("name", "level", "region_code", "uscc", "parent", "status")
        order_by = ("name",)
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_name(self, value: str, record: Organization) -> Any:
        # The indent's width comes from CSS (1.2 rem per level; less on a phone).
        depth = max(0, record.depth)
        return format_html('<span class="tree-indent" style="--depth:{}"></span>{}', depth, value)

    def render_parent(self, value: Organization, record: Organization) -> Any:
        """A link only to a parent the user may open; one above the user's scope is plain text
        (a link would answer 404)."""
        if record.parent_id in self.visible_parent_ids():
            return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)
        return str(value)

    def visible_parent_ids(self) -> set[int]:
        if not hasattr(self, "_visible_parent_ids"):
            ids = {row.record.parent_id for row in self.paginated_rows if row.record.parent_id}
            user = getattr(self, "user", None)
            self._visible_parent_ids: set[int] = (
                set(
                    Organization.objects.visible_to(user)
                    .filter(pk__in=ids)
                    .values_list("pk", flat=True)
                )
                if user is not None and ids
                else set()
            )
        return self._visible_parent_ids

    def render_level(self, value: str, record: Organization) -> Any:
        return format_html(
            '<span class="badge bg-{}-lt">{}</span>',
            LEVEL_COLORS.get(record.level, "secondary"),
            value,
        )

    def render_status(self, value: str, record: Organization) -> Any:
        return format_html(
            '<span class="badge bg-{}-lt">{}</span>',
            STATUS_COLORS.get(record.status, "secondary"),
            value,
        )
