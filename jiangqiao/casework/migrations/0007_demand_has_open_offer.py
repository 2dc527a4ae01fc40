"""Fill ``Demand.has_open_offer`` from the offers that exist (demands 0009 adds the column)."""

from django.db import migrations
from django.db.models import Exists, OuterRef

OPEN = ("pending", "accepted")


def fill(apps, schema_editor):
    Demand = apps.get_model("demands", "Demand")
    Offer = apps.get_model("casework", "Offer")
    open_offers = Offer.objects.filter(demand=OuterRef("pk"), status__in=OPEN)
    Demand.objects.filter(Exists(open_offers)).update(has_open_offer=True)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0006_normalized_text"),
        ("demands", "0009_demand_has_open_offer"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
