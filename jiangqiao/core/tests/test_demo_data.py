"""The demo generator: valid identifiers, varied texts, deterministic, scoped placement."""

from __future__ import annotations

import io
import random
import re

import pytest

from jiangqiao.core.identifiers import validate_id_number, validate_uscc
from jiangqiao.demo import build, people, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build.load_catalogue()


def test_catalogue_pairs_industries_with_related_occupations(catalogue):
    by_name = {ind.name: ind for ind in catalogue}
    assert len(catalogue) > 300
    assert "电光源制造工" in [o.name for o in by_name["电光源制造"].occupations]
    assert "味精制造工" in [o.name for o in by_name["味精制造"].occupations]


def test_generated_identifiers_are_valid_and_unique(catalogue):
    rng = random.Random(1)
    ids, usccs = set(), set()
    for i in range(3000):
        industry = rng.choice(catalogue)
        data, _honours, items = people.craftsman(rng, industry, "440305", "440300", i)
        validate_id_number(data["id_number"])
        validate_uscc(data["employer_uscc"])
        assert (int(data["id_number"][16]) % 2 == 1) == (data["gender"] == "male")
        ids.add(data["id_number"])
        ent = people.enterprise(rng, industry, "440305", "深圳市")
        validate_uscc(ent["uscc"])
        usccs.add(ent["uscc"])
        assert 1 <= len(items) <= 3
    assert len(ids) == 3000
    assert len(usccs) == 3000


def test_demand_texts_vary_across_industries_not_one_template(catalogue):
    rng = random.Random(2)
    cement = next(i for i in catalogue if i.name == "水泥制造")
    lamps = next(i for i in catalogue if i.name == "电光源制造")
    cement_texts = {texts.demand_text(rng, cement)[0].description for _ in range(30)}
    lamp_texts = {texts.demand_text(rng, lamps)[0].description for _ in range(30)}
    assert len(cement_texts) > 20 and len(lamp_texts) > 20
    # Different industries bring different process steps, not only a swapped industry name.
    strip = lambda s, ind: s.replace(ind.name, "").replace(ind.product, "")  # noqa: E731
    assert not {strip(t, cement) for t in cement_texts} & {strip(t, lamps) for t in lamp_texts}


def test_generation_is_deterministic(catalogue):
    def sample(seed):
        rng = random.Random(seed)
        return [
            people.demand(rng, rng.choice(catalogue), "440305")["description"] for _ in range(20)
        ]

    assert sample(7) == sample(7)
    assert sample(7) != sample(8)


def test_small_build_places_records_in_real_counties_and_links_demo_users(world, settings):
    settings.JIANGQIAO_ALLOW_DEMO = True
    from django.core.management import call_command

    from jiangqiao.demands.models import Demand, Enterprise
    from jiangqiao.talents.models import Craftsman, ServiceTeam

    out = io.StringIO()
    call_command(
        "demo_data",
        "--size",
        "small",
        "--craftsmen",
        "30",
        "--enterprises",
        "20",
        "--demands",
        "40",
        stdout=out,
    )
    # The year of history (demo/history.py, tested in demo/tests/test_history.py) comes on top:
    # its demands, and the enterprises it added where a city had too few.
    history = re.search(r"历史数据（去年至今）：需求 (\d+)，.*新增企业 (\d+)", out.getvalue())
    assert history, out.getvalue()
    history_demands, history_enterprises = int(history[1]), int(history[2])
    assert history_demands > 500
    assert Craftsman.objects.count() == 30
    # Plus the demo contact's own enterprise in 南山区 when none of the 20 landed there, and the
    # enterprises that registered themselves (demo/registrations.py).
    from jiangqiao.demands.models import EnterpriseRegistration

    registrations = re.search(r"企业自助注册 (\d+)", out.getvalue())
    assert registrations, out.getvalue()
    assert EnterpriseRegistration.objects.count() == int(registrations[1]) == 3
    assert set(EnterpriseRegistration.objects.values_list("kind", "status")) == {
        ("new_enterprise", "pending"),
        ("new_contact", "pending"),
        ("new_enterprise", "approved"),
    }
    self_registered = EnterpriseRegistration.objects.filter(kind="new_enterprise").count()
    assert Enterprise.objects.count() - history_enterprises - self_registered in (20, 21)
    # and the casework story of 南山区's demo accounts
    # and the demands answered through the demo's 征集活动 (demo/campaigns.py: a few per campaign,
    # from the enterprises under its unit — with 20 enterprises, only some units have any).
    from jiangqiao.demo.campaigns import CAMPAIGNS

    through_campaigns = Demand.objects.filter(campaign__isnull=False).count()
    assert 0 < through_campaigns <= sum(spec["demands"] for spec in CAMPAIGNS)
    assert Demand.objects.count() == 40 + 9 + history_demands + through_campaigns
    assert set(ServiceTeam.objects.values_list("level", flat=True)) >= {
        "province",
        "city",
        "county",
    }
    # Some demands have a confirmed craftsman and service records, written through the services.
    from jiangqiao.casework.models import ServiceRecord

    records = ServiceRecord.objects.filter(match__isnull=False).select_related("match")
    assert records.exists()
    assert all(r.demand_id == r.match.demand_id for r in records)
    assert all(r.match.status == "confirmed" and r.notes for r in records)
    assert all(
        r.match.demand.region_code[:4] == r.match.craftsman.org.region_code[:4] for r in records
    )
    assert Craftsman.objects.filter(user__username="craftsman").count() == 1
    # The demo craftsman's profile carries the account's real name (one person, one name).
    own = Craftsman.objects.select_related("user").get(user__username="craftsman")
    assert own.name == own.user.real_name
    assert Enterprise.objects.filter(contacts__user__username="ent_contact").count() == 1
    # The casework story: demands and offers in every state, the demo accounts in the middle.
    from jiangqiao.casework.models import FollowUp, Offer

    assert set(Demand.objects.values_list("status", flat=True)) >= {
        "submitted",
        "matching",
        "in_service",
        "resolved",
        "confirmed",
        "closed",
        "escalated",
    }
    assert set(Offer.objects.values_list("status", flat=True)) >= {
        "pending",
        "accepted",
        "declined",
        "completed",
    }
    assert Offer.objects.filter(source="automatic").exists()  # declined, then reassigned
    assert Offer.objects.filter(craftsman__user__username="craftsman", status="pending").exists()
    assert Demand.objects.filter(
        status="resolved", enterprise__contacts__user__username="ent_contact"
    ).exists()  # waits for the demo enterprise contact's confirmation
    assert FollowUp.objects.exists()
    # One demand climbed the whole ladder: 南山区 → 深圳市 → 广东省 (the task force's queue).
    assert Demand.objects.filter(status="escalated", org__level="province").count() == 1
    # Every record sits in one of the six pilot cities' subtrees.
    assert not Craftsman.objects.exclude(
        org__region_code__regex=r"^(4401|4403|4415|4419|4402|4408)"
    ).exists()


@pytest.mark.django_db
def test_statistics_are_refreshed_after_a_bulk_load_even_inside_a_transaction() -> None:
    from django.db import connection

    from jiangqiao.demo.management.commands.demo_data import _analyse

    assert connection.in_atomic_block  # the test's transaction: ANALYZE only, no VACUUM
    _analyse()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
