from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from jiangqiao.core.tables import BaseTable

from .choices import OFFER_STATUS_COLORS, OfferStatus
from .models import Agreement, Offer

TABLE_ATTRS = {"class": "table table-vcenter card-table table-hover"}


class OfferTable(BaseTable):
    demand = tables.Column(
        "需求",
        orderable=False,
        linkify=lambda record: record.get_absolute_url(),
        attrs={"td": {"class": "wrap minw-12"}},
    )
    who = tables.Column("劳模工匠/服务队", empty_values=(), orderable=False)
    source = tables.Column("来源")
    status = tables.Column("状态")
    offered_at = tables.DateTimeColumn(verbose_name="邀请时间", format="Y-m-d H:i")
    accept_deadline = tables.DateTimeColumn(verbose_name="答复期限", format="Y-m-d H:i")
    first_contact_at = tables.DateTimeColumn(verbose_name="首次联系", format="Y-m-d H:i")

    key_columns = ("demand", "who", "status")
    truncate = {"who": "md"}

    class Meta:
        model = Offer
        fields = (
            "demand",
            "who",
            "source",
            "status",
            "offered_at",
            "accept_deadline",
            "first_contact_at",
        )
        order_by = ("-offered_at",)
        attrs = TABLE_ATTRS

    def render_who(self, record: Offer) -> Any:
        return str(record.craftsman or record.team)

    def render_status(self, value: Any, record: Offer) -> Any:
        color = OFFER_STATUS_COLORS.get(record.status, "secondary")
        late = record.status == OfferStatus.PENDING and record.accept_deadline < timezone.now()
        return format_html(
            '<span class="badge bg-{}-lt">{}</span>{}',
            color,
            value,
            format_html(' <span class="badge bg-red">逾期</span>') if late else "",
        )


class AgreementTable(BaseTable):
    title = tables.Column("协议名称", linkify=True)
    enterprise = tables.Column("企业", orderable=False)
    who = tables.Column("劳模工匠/服务队", empty_values=(), orderable=False)
    start_on = tables.DateColumn(verbose_name="开始", format="Y-m-d")
    end_on = tables.DateColumn(verbose_name="结束", format="Y-m-d")
    next_review_on = tables.DateColumn(verbose_name="下次回顾", format="Y-m-d")
    status = tables.Column("状态")

    key_columns = ("title", "enterprise", "status")
    truncate = {"title": "lg", "enterprise": "md", "who": "md"}

    class Meta:
        model = Agreement
        fields = ("title", "enterprise", "who", "start_on", "end_on", "next_review_on", "status")
        order_by = ("-start_on",)
        attrs = TABLE_ATTRS

    def render_who(self, record: Agreement) -> Any:
        return str(record.craftsman or record.team)
