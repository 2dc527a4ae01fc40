from __future__ import annotations

from typing import Any

from rest_framework import serializers


class ChoiceDisplayField(serializers.ChoiceField):
    """Renders a choice as ``{"value": ..., "label": ...}`` and accepts the plain value."""

    def to_representation(self, value: Any) -> Any:
        if value in ("", None):
            return None
        return {"value": value, "label": str(self.choices.get(value, value))}


class BriefSerializerMixin:
    """``?brief=1`` returns only ``brief_fields`` (NetBox's brief mode)."""

    brief_fields: tuple[str, ...] = ("id", "display", "url")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        if request is not None and request.query_params.get("brief") in ("1", "true"):
            return {k: v for k, v in fields.items() if k in self.brief_fields}
        return fields  # type: ignore[no-any-return]


class PurposeRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The stated purpose of a sensitive read (recorded with it in the operation log)."""

    purpose = serializers.CharField(
        label="用途",
        max_length=200,
        help_text="查看明文的用途（必填，记入操作日志），如“核实身份”“安排服务”",
        error_messages={
            "required": "用途：请说明查看明文的用途",
            "blank": "用途：请说明查看明文的用途",
            "max_length": "用途：不能超过 200 个字符",
        },
    )
