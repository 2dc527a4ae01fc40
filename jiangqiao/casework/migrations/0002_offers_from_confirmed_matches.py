"""Confirmed matches made before the service casework existed become accepted offers.

A confirmed suggestion meant "this craftsman serves this demand": it becomes an offer in 服务中,
answered when it was confirmed, and a demand still 已提交/已分级/已发布/匹配中 with such a match
moves to 服务中 (with a status-history row saying why). Nothing is deleted or renumbered.
"""

from django.db import migrations
from django.utils import timezone

OPEN_DEMAND = ("submitted", "triaged", "published", "matching")
ENDED_DEMAND = ("resolved", "partially_resolved", "confirmed", "closed", "withdrawn", "cancelled")


def forwards(apps, schema_editor):
    MatchSuggestion = apps.get_model("matching", "MatchSuggestion")
    Offer = apps.get_model("casework", "Offer")
    Demand = apps.get_model("demands", "Demand")
    DemandEvent = apps.get_model("demands", "DemandEvent")
    ServiceRecord = apps.get_model("matching", "ServiceRecord")
    now = timezone.now()
    first_session = {}
    for match_id, date in ServiceRecord.objects.order_by("match_id", "date").values_list(
        "match_id", "date"
    ):
        first_session.setdefault(match_id, date)
    offers, serving = [], set()
    for s in MatchSuggestion.objects.filter(status="confirmed").select_related("demand"):
        at = s.decided_at or s.updated_at or now
        ended = s.demand.status in ENDED_DEMAND
        offers.append(
            Offer(
                demand_id=s.demand_id,
                craftsman_id=s.craftsman_id,
                suggestion_id=s.pk,
                source="suggestion",
                status="completed" if ended else "accepted",
                offered_at=at,
                accept_deadline=at,
                responded_at=at,
                responded_by_id=s.decided_by_id,
                contact_deadline=at,
                first_contact_at=at if s.pk in first_session else None,
                ended_at=now if ended else None,
                note="启用服务办理前已确认的匹配",
                created_by_id=s.decided_by_id,
                updated_by_id=s.decided_by_id,
            )
        )
        if s.demand.status in OPEN_DEMAND:
            serving.add(s.demand_id)
    Offer.objects.bulk_create(offers, batch_size=1000)
    for demand in Demand.objects.filter(pk__in=serving):
        DemandEvent.objects.create(
            demand_id=demand.pk,
            from_status=demand.status,
            to_status="in_service",
            actor_name="系统",
            comment="启用服务办理：已确认的匹配视为服务中",
            at=now,
        )
    Demand.objects.filter(pk__in=serving).update(status="in_service", status_changed_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("demands", "0005_demand_outcome_status_changed"),
        ("matching", "0003_matchrun_status_interrupted"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
