"""The OpenAPI schema class of the API: documents the request headers our base viewsets read.

* ``If-Match`` on PUT/PATCH of a versioned model (optimistic locking, 400 without a version and
  409 on a stale one; see ``core.concurrency``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from jiangqiao.core.concurrency import VersionedModel

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string", "example": '"3"'},
    "description": (
        '读取到的版本号（响应中的 version 字段），如 "3"。修改须回传版本号：请求体 version 字段'
        "或本请求头二选一，两者都有时以请求体为准；缺少时返回 400，版本已过期（他人已修改）时返回 409。"
    ),
}
STALE_RESPONSE = {"description": "版本已过期：记录已被他人修改，请重新读取后再修改（未保存）"}


def _model(view: Any) -> Any:
    queryset = getattr(view, "queryset", None)
    return getattr(queryset, "model", None)


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        model = _model(self.view)
        action = getattr(self.view, "action", None)
        if (
            self.method in ("PUT", "PATCH")
            and action in ("update", "partial_update")
            and isinstance(model, type)
            and issubclass(model, VersionedModel)
        ):
            operation.setdefault("parameters", []).append(dict(IF_MATCH))
            responses = operation.setdefault("responses", {})
            if "409" in responses:  # another conflict is documented already (e.g. a duplicate)
                other = responses["409"].get("description", "")
                responses["409"]["description"] = f"{other}；或{STALE_RESPONSE['description']}"
            else:
                responses["409"] = dict(STALE_RESPONSE)
        return operation
