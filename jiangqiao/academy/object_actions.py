"""Buttons the academy adds to other apps' detail pages (``jiangqiao.core.object_actions``):
转为学院订单 on a 技能培训 demand the user may convert (the rule of
``selectors.convertible_demands``: waiting, no open offer, not converted already)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiangqiao.core.object_actions import ObjectAction, register

from . import selectors


def _convertible(user: Any, demand: Any) -> bool:
    return selectors.convertible_demands(user=user).filter(pk=demand.pk).exists()


register(
    ObjectAction(
        "academy.order_from_demand",
        model="demands.demand",
        label="转为学院订单",
        url=lambda demand: reverse("academy:order_from_demand", args=[demand.pk]),
        permission="academy.convert_demand",
        visible=_convertible,
    )
)
