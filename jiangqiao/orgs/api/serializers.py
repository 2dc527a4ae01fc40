from __future__ import annotations

from typing import Any, cast

from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.choices import Status

from ..choices import OrgLevel
from ..models import Organization


class OrganizationSerializer(BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:orgs:organization-detail")
    level = ChoiceDisplayField(choices=OrgLevel.choices)
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    brief_fields = ("id", "display", "url", "level")

    class Meta:
        model = Organization
        fields = [
            "id",
            "display",
            "url",
            "parent",
            "level",
            "name",
            "short_name",
            "region_code",
            "uscc",
            "path",
            "depth",
            "sort",
            "contact_name",
            "address",
            "remark",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "parent" in self.fields:
            # Only units visible to the caller can be named as parent (others look nonexistent).
            field = cast(serializers.PrimaryKeyRelatedField, self.fields["parent"])  # type: ignore[type-arg]
            field.queryset = Organization.objects.visible_to(request.user, "view")  # type: ignore[arg-type]

    def validate_uscc(self, value: str) -> str:
        if not value:
            return ""
        from django.core.exceptions import ValidationError

        from jiangqiao.core.identifiers import clean_uscc
        from jiangqiao.core.validators import validate_uscc

        value = clean_uscc(value)
        try:
            validate_uscc(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate_region_code(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        from jiangqiao.taxonomy.validators import validate_region_code

        try:
            validate_region_code(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value
