"""列设置: a person's choice of columns for a list table (NetBox's table configuration).

Only the person's own preference is written; nothing here touches business data, so there is no
data-scope check and no operation log (like the message settings).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .exceptions import BusinessError
from .models import TablePreference
from .tables import TABLES, BaseTable


def _table_class(table: str) -> type[BaseTable]:
    cls = TABLES.get(table)
    if cls is None:
        raise BusinessError("列表不存在", field="table")
    return cls


def table_columns_clean(*, table: str, columns: Any) -> list[str]:
    """The known, configurable column names of ``columns`` in their order (the rest ignored)."""
    cls = _table_class(table)
    return cls([]).clean_columns(list(columns or []))


@transaction.atomic
def table_preference_save(*, user: Any, table: str, columns: Any) -> TablePreference:
    """Save ``user``'s columns for ``table``; unknown names are dropped, at least one must stay."""
    cleaned = table_columns_clean(table=table, columns=columns)
    if not cleaned:
        raise BusinessError("请至少选择一列", field="columns")
    pref, _ = TablePreference.objects.update_or_create(
        user=user, table=table, defaults={"columns": cleaned}
    )
    return pref


@transaction.atomic
def table_preference_reset(*, user: Any, table: str) -> None:
    """Back to the table's default columns."""
    _table_class(table)
    TablePreference.objects.filter(user=user, table=table).delete()
