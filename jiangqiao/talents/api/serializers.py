"""Serializers: full + brief; ID number and mobile are always masked (plaintext only via ``reveal``)."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.choices import Status
from jiangqiao.core.sensitive import mask
from jiangqiao.orgs.models import Organization

from ..choices import ConsentPurpose, CraftsmanStatus, Gender, MemberRole, TeamLevel
from ..models import TEXT_MAX, Consent, Craftsman, Honour, ServiceItem, ServiceTeam, TeamMembership


def _codes(label: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=20, label=label
    )


class HonourSerializer(serializers.ModelSerializer):
    class Meta:
        model = Honour
        fields = [
            "id",
            "honour_type",
            "level",
            "year",
            "issuer",
            "certificate_no",
            "verified",
            "verified_at",
        ]
        read_only_fields = ["verified_at"]
        extra_kwargs = {"verified": {"required": False}}


class ServiceItemSerializer(serializers.ModelSerializer):
    industries = _codes("适用行业")
    modes = _codes("服务方式")
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "title",
            "description",
            "service_type",
            "industries",
            "duration",
            "modes",
            "is_active",
            "sort",
        ]


class ConsentSerializer(serializers.ModelSerializer):
    purpose = ChoiceDisplayField(choices=ConsentPurpose.choices)

    class Meta:
        model = Consent
        fields = ["id", "purpose", "version", "granted_at", "withdrawn_at"]
        read_only_fields = fields


class ConsentActionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices, label="授权用途")
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        label="撤回原因",
        help_text="代劳模工匠撤回时必填（如：本人书面申请）",
    )


class StatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=CraftsmanStatus.choices, label="状态")
    status_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, label="状态说明"
    )
    pause_until = serializers.DateField(required=False, allow_null=True, label="暂停服务至")


class RevealSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id_number = serializers.CharField()
    mobile = serializers.CharField()


class CraftsmanSerializer(BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:talents:craftsman-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    gender = ChoiceDisplayField(choices=Gender.choices, required=False)
    status = ChoiceDisplayField(choices=CraftsmanStatus.choices, read_only=True)
    id_number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="写入时提交明文；读取时只返回脱敏值 id_number_masked",
    )
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, write_only=True)
    id_number_masked = serializers.SerializerMethodField()
    mobile_masked = serializers.SerializerMethodField()
    industries = _codes("所属行业")
    occupations = _codes("职业（工种）")
    expertise_tags = _codes("专长领域")
    service_modes = _codes("接受的服务方式")
    regions_served = _codes("服务地区")
    expertise = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, min_value=0, max_value=2147483647, help_text="修改时回传读取到的版本号"
    )
    consents = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentPurpose.choices),
        required=False,
        write_only=True,
        max_length=5,
        help_text="新增时：本人已明确同意的用途（默认不勾选）",
    )
    honours = HonourSerializer(many=True, read_only=True)
    service_items = ServiceItemSerializer(many=True, read_only=True)
    consent_records = ConsentSerializer(many=True, read_only=True, source="consents")
    brief_fields = ("id", "display", "url", "status")

    class Meta:
        model = Craftsman
        fields = [
            "id",
            "display",
            "url",
            "org",
            "user",
            "name",
            "gender",
            "birth_year",
            "id_number",
            "id_number_masked",
            "mobile",
            "mobile_masked",
            "employer_name",
            "employer_uscc",
            "department",
            "position",
            "industries",
            "occupations",
            "skill_level",
            "skill_cert_no",
            "skill_cert_issuer",
            "skill_cert_date",
            "skill_post",
            "professional_title",
            "expertise_tags",
            "expertise",
            "bio",
            "service_modes",
            "regions_served",
            "cross_region_ok",
            "max_open_services",
            "max_new_per_month",
            "pause_until",
            "status",
            "status_reason",
            "version",
            "consents",
            "honours",
            "service_items",
            "consent_records",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["user", "status_reason", "created_at", "updated_at"]
        extra_kwargs = {
            "employer_uscc": {"validators": [], "max_length": 30},
            "skill_level": {"validators": [], "max_length": 64},
            "skill_post": {"validators": [], "max_length": 64},
            "professional_title": {"validators": [], "max_length": 64},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "org" in self.fields:
            field = cast(serializers.PrimaryKeyRelatedField, self.fields["org"])  # type: ignore[type-arg]
            field.queryset = Organization.objects.visible_to(request.user, "view")  # type: ignore[arg-type]

    @extend_schema_field(OpenApiTypes.STR)
    def get_id_number_masked(self, obj: Craftsman) -> str:
        return mask("id_number", obj.id_number)

    @extend_schema_field(OpenApiTypes.STR)
    def get_mobile_masked(self, obj: Craftsman) -> str:
        return mask("mobile", obj.mobile)


class TeamMembershipSerializer(serializers.ModelSerializer):
    role = ChoiceDisplayField(choices=MemberRole.choices, read_only=True)
    craftsman_name = serializers.CharField(source="craftsman.name", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["id", "craftsman", "craftsman_name", "role", "joined_on"]
        read_only_fields = fields


class MemberActionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    craftsman = serializers.IntegerField(min_value=1, max_value=2147483647, label="劳模工匠ID")
    role = serializers.ChoiceField(choices=MemberRole.choices, required=False)
    joined_on = serializers.DateField(required=False, allow_null=True)


class TeamStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=Status.choices, label="状态")


class ServiceTeamSerializer(BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:talents:serviceteam-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    level = ChoiceDisplayField(choices=TeamLevel.choices)
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=0, max_value=2147483647)
    members = TeamMembershipSerializer(source="memberships", many=True, read_only=True)
    brief_fields = ("id", "display", "url", "level")

    class Meta:
        model = ServiceTeam
        fields = [
            "id",
            "display",
            "url",
            "org",
            "name",
            "level",
            "industry_code",
            "description",
            "lead",
            "members",
            "status",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["lead", "created_at", "updated_at"]
        extra_kwargs = {"industry_code": {"validators": [], "max_length": 64}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "org" in self.fields:
            field = cast(serializers.PrimaryKeyRelatedField, self.fields["org"])  # type: ignore[type-arg]
            field.queryset = Organization.objects.visible_to(request.user, "view")  # type: ignore[arg-type]
