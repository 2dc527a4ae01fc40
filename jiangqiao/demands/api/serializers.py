"""Serializers of the enterprise and demand API. Contacts are masked; writes go through services."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.choices import Status
from jiangqiao.core.identifiers import clean_uscc
from jiangqiao.core.sensitive import mask
from jiangqiao.core.validators import validate_union_uscc, validate_uscc
from jiangqiao.orgs.models import Organization

from ..choices import (
    Channel,
    DeliveryMode,
    DemandKind,
    DemandStatus,
    Grade,
    OwnerLevel,
    SizeClass,
    SizeIndustry,
    Visibility,
)
from ..models import Demand, DemandEvent, Enterprise
from ..selectors import enterprise_choices_for


def _restrict(serializer: serializers.Serializer[Any], name: str, queryset: Any) -> None:
    field = serializer.fields.get(name)
    if field is not None and not field.read_only:
        related = cast(Any, field)
        related.queryset = queryset


class ContactSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    mobile = serializers.CharField(read_only=True, help_text="脱敏；明文请调用 reveal")
    is_primary = serializers.BooleanField(read_only=True)
    user_id = serializers.IntegerField(read_only=True, allow_null=True)


class UsccInfoSerializer(serializers.Serializer[Any]):
    department_code = serializers.CharField()
    department_name = serializers.CharField()
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    region_code = serializers.CharField()


class EnterpriseSerializer(BriefSerializerMixin, serializers.ModelSerializer[Enterprise]):
    display = serializers.CharField(source="name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:demands:enterprise-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    uscc = serializers.CharField(max_length=40)
    union_uscc = serializers.CharField(max_length=40, required=False, allow_blank=True)
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    size_class = ChoiceDisplayField(choices=SizeClass.choices, read_only=True)
    size_industry = ChoiceDisplayField(choices=SizeIndustry.choices, read_only=True)
    uscc_info = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()
    tier_expired = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    brief_fields = ("id", "display", "url", "uscc")

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "display",
            "url",
            "org",
            "uscc",
            "uscc_info",
            "name",
            "former_names",
            "address",
            "region_code",
            "industry_code",
            "main_products",
            "staff_count",
            "revenue",
            "total_assets",
            "basis_year",
            "size_class",
            "size_industry",
            "size_basis",
            "size_rule_version",
            "quality_tier",
            "tier_cert_no",
            "tier_issued_on",
            "tier_valid_until",
            "tier_rule_version",
            "tier_expired",
            "has_union",
            "union_uscc",
            "remark",
            "contacts",
            "status",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["size_basis", "size_rule_version", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            _restrict(self, "org", Organization.objects.visible_to(request.user, "view"))

    def _identifier(self, value: str, validator: Any) -> str:
        value = clean_uscc(value or "")
        if not value:
            return ""
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate_uscc(self, value: str) -> str:
        return self._identifier(value, validate_uscc)

    def validate_union_uscc(self, value: str) -> str:
        return self._identifier(value, validate_union_uscc)

    @extend_schema_field(UsccInfoSerializer(allow_null=True))
    def get_uscc_info(self, obj: Enterprise) -> dict[str, Any] | None:
        info = obj.uscc_info
        if info is None:
            return None
        return {
            "department_code": info.department_code,
            "department_name": info.department_name,
            "category_code": info.category_code,
            "category_name": info.category_name,
            "region_code": info.region_code,
        }

    @extend_schema_field(ContactSerializer(many=True))
    def get_contacts(self, obj: Enterprise) -> list[dict[str, Any]]:
        return [
            {
                "id": c.pk,
                "name": c.name,
                "title": c.title,
                "mobile": mask("mobile", c.mobile),
                "is_primary": c.is_primary,
                "user_id": c.user_id,
            }
            for c in obj.contacts.all()
        ]


class DemandEventSerializer(serializers.ModelSerializer[DemandEvent]):
    class Meta:
        model = DemandEvent
        fields = ["from_status", "to_status", "actor_name", "comment", "at"]


class DemandSerializer(BriefSerializerMixin, serializers.ModelSerializer[Demand]):
    display = serializers.CharField(source="__str__", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:demands:demand-detail")
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    kind = ChoiceDisplayField(choices=DemandKind.choices)
    status = ChoiceDisplayField(choices=DemandStatus.choices, read_only=True)
    grade = ChoiceDisplayField(choices=Grade.choices, read_only=True)
    owner_level = ChoiceDisplayField(choices=OwnerLevel.choices, read_only=True)
    visibility = ChoiceDisplayField(choices=Visibility.choices, required=False)
    channel = ChoiceDisplayField(choices=Channel.choices, read_only=True)
    delivery_mode = ChoiceDisplayField(choices=DeliveryMode.choices, required=False)
    industry_codes = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, max_length=5
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=10
    )
    preferred_craftsmen = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**53),
        required=False,
        max_length=10,
        help_text="劳模工匠ID列表（劳模工匠库上线后校验存在性）",
    )
    region_code = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="默认为企业所在地区"
    )
    version = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    submit = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text="新增时直接提交"
    )
    confirm_not_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="新增或修改时：确认与相似的在办需求不是同一个问题（收到 409 相似需求提示后再次提交）",
    )
    merged_into: serializers.SlugRelatedField[Demand] = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        help_text="已合并的重复需求：合并后保留的需求编号",
    )
    events = DemandEventSerializer(many=True, read_only=True)
    brief_fields = ("id", "display", "url", "number", "status")

    class Meta:
        model = Demand
        fields = [
            "id",
            "display",
            "url",
            "number",
            "enterprise",
            "enterprise_name",
            "org",
            "kind",
            "category",
            "subcategory",
            "title",
            "description",
            "current_state",
            "desired_outcome",
            "industry_codes",
            "tags",
            "min_skill_level",
            "region_code",
            "delivery_mode",
            "grade",
            "owner_level",
            "visibility",
            "channel",
            "campaign",
            "matching_suggestion",
            "preferred_craftsmen",
            "trainee_count",
            "deadline",
            "status",
            "submitted_at",
            "triaged_at",
            "version",
            "submit",
            "confirm_not_duplicate",
            "merged_into",
            "events",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "org",
            "submitted_at",
            "triaged_at",
            "created_at",
            "updated_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            _restrict(self, "enterprise", enterprise_choices_for(user=request.user))
        if self.instance is not None and "enterprise" in self.fields:
            self.fields["enterprise"].required = False
