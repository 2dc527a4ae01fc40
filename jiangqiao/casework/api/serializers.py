from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiangqiao.core.api.serializers import ChoiceDisplayField
from jiangqiao.demands.choices import Grade, OwnerLevel, Visibility

from ..choices import ContactChannel, DeclineReason, OfferSource, OfferStatus, OutcomeResult
from ..models import Offer, Outcome


class DemandActionSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TriageSerializer(DemandActionSerializer):
    category = serializers.CharField(max_length=32)
    subcategory = serializers.CharField(max_length=32, required=False, allow_blank=True)
    grade = serializers.ChoiceField(choices=Grade.choices)
    owner_level = serializers.ChoiceField(choices=OwnerLevel.choices)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class TransferSerializer(DemandActionSerializer):
    org = serializers.IntegerField(min_value=1, help_text="接收单位（组织ID）")


class OutcomeRecordSerializer(serializers.Serializer[Any]):
    result = serializers.ChoiceField(choices=OutcomeResult.choices)
    summary = serializers.CharField(max_length=2000)


class ConfirmSerializer(serializers.Serializer[Any]):
    answer = serializers.ChoiceField(choices=OutcomeResult.choices)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class OfferSerializer(serializers.ModelSerializer[Offer]):
    source = ChoiceDisplayField(choices=OfferSource.choices, read_only=True)  # type: ignore[assignment]
    status = ChoiceDisplayField(choices=OfferStatus.choices, read_only=True)
    decline_reason = ChoiceDisplayField(choices=DeclineReason.choices, read_only=True)
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    craftsman_name = serializers.CharField(source="craftsman.name", read_only=True, default=None)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)

    class Meta:
        model = Offer
        fields = [
            "id",
            "demand",
            "demand_title",
            "craftsman",
            "craftsman_name",
            "team",
            "team_name",
            "source",
            "status",
            "offered_at",
            "accept_deadline",
            "responded_at",
            "decline_reason",
            "decline_note",
            "contact_deadline",
            "first_contact_at",
            "ended_at",
            "note",
        ]
        read_only_fields = fields


class OutcomeSerializer(serializers.ModelSerializer[Outcome]):
    result = ChoiceDisplayField(choices=OutcomeResult.choices, read_only=True)
    enterprise_answer = ChoiceDisplayField(choices=OutcomeResult.choices, read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "demand",
            "result",
            "summary",
            "recorded_at",
            "confirmed_at",
            "enterprise_answer",
            "rating",
            "enterprise_comment",
            "reopened_count",
        ]
        read_only_fields = fields


class AcceptSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DeclineSerializer(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=500)


class ContactSerializer(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    reached = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
