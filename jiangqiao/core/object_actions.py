"""Buttons an app above adds to another app's detail page (as ``home`` panels and ``navigation``
entries are registered): the page of a demand (``demands``) shows 转为学院订单 of the academy
without ``demands`` knowing the academy exists.

Each app declares its actions in its own ``object_actions.py``, imported once at start-up by
:func:`autodiscover` (``CoreConfig.ready``)::

    # jiangqiao/academy/object_actions.py
    from jiangqiao.core.object_actions import ObjectAction, register

    register(
        ObjectAction(
            "academy.order_from_demand",
            model="demands.demand",
            label="转为学院订单",
            url=lambda obj: reverse("academy:order_from_demand", args=[obj.pk]),
            permission="academy.convert_demand",
            visible=lambda user, obj: obj.kind == "skill_training",
        )
    )

:class:`~jiangqiao.core.views.generic.ObjectDetailView` puts the actions the user may take on the
object in ``object_actions`` (a list of ``{"label", "url"}``); the detail template renders them
with ``{% include "generic/_object_actions.html" %}``. An action is shown when the user holds its
``permission`` and ``visible(user, obj)`` (if given) returns true; the page behind the URL checks
again (the button is a convenience, not the permission).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ObjectAction:
    name: str
    model: str  # "app_label.model_name"
    label: str
    url: Callable[[Any], str] = field(compare=False)
    permission: str
    visible: Callable[[Any, Any], bool] | None = field(default=None, compare=False)
    weight: int = 0


_actions: dict[str, ObjectAction] = {}


def register(*actions: ObjectAction) -> None:
    """Register (or replace, by name) actions."""
    for action in actions:
        _actions[action.name] = action


def for_object(user: Any, obj: Any) -> list[dict[str, str]]:
    """The actions ``user`` may take on ``obj``, in order of weight and name."""
    meta = obj._meta
    key = f"{meta.app_label}.{meta.model_name}"
    out = []
    for action in sorted(_actions.values(), key=lambda a: (a.weight, a.name)):
        if action.model != key or not user.has_perm(action.permission):
            continue
        if action.visible is not None and not action.visible(user, obj):
            continue
        out.append({"name": action.name, "label": action.label, "url": action.url(obj)})
    return out


def autodiscover() -> None:
    """Import every installed app's ``object_actions`` module (once)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("object_actions")
