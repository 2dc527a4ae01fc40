"""Serializers of the person's own data-subject requests (/api/v1/privacy/...)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiangqiao.core.api.serializers import ChoiceDisplayField

from ..choices import RequestKind, RequestStatus, SubjectKind
from ..models import DataSubjectRequest
from ..services import DETAILS_MAX


class MyRequestSerializer(serializers.ModelSerializer[DataSubjectRequest]):
    kind = ChoiceDisplayField(choices=RequestKind.choices)
    subject_kind = ChoiceDisplayField(choices=SubjectKind.choices)
    status = ChoiceDisplayField(choices=RequestStatus.choices)
    has_export = serializers.BooleanField(label="可下载副本", read_only=True)

    class Meta:
        model = DataSubjectRequest
        fields = [
            "id",
            "kind",
            "subject_kind",
            "status",
            "details",
            "corrections",
            "submitted_at",
            "due_date",
            "handled_at",
            "answer",
            "has_export",
            "export_name",
            "exported_at",
            "downloads",
        ]
        read_only_fields = fields


class RequestSubmitSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        label="申请类型",
        choices=RequestKind.choices,
        error_messages={"invalid_choice": "申请类型：“{input}”不是有效的选项"},
    )
    details = serializers.CharField(
        label="申请说明", required=False, allow_blank=True, max_length=DETAILS_MAX
    )
    corrections = serializers.DictField(
        label="更正内容（字段 → 正确的内容，仅更正申请）",
        child=serializers.CharField(allow_blank=True),
        required=False,
    )
    confirm = serializers.BooleanField(
        label="确认已知晓删除的后果（仅删除申请，须为 true）", required=False, default=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == RequestKind.DELETE and not attrs.get("confirm"):
            raise serializers.ValidationError(
                {"confirm": "确认：删除后账号将停用，请传 true 表示您已知晓删除的后果"}
            )
        return attrs
