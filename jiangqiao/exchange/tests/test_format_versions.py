"""Format versions: 1.1 is additive, a 1.0 file is still read and imported exactly as before.

Provenance of ``data/format_1_0_snapshot.jsonl``: written by the 1.0 exporter of commit 919d51d
(branch ``casework``, before format 1.1), with ``helpers.build(world.county_a1,
world.province_admin)`` under ``INSTANCE_ID = "gd-province"`` and
``export_start(actor=world.province_admin, pii="hash")`` — the test settings' exchange hash key.
It is kept byte for byte as that exporter wrote it; do not regenerate it with a newer exporter.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jiangqiao.casework.models import ServiceRecord
from jiangqiao.core.models import ChangeLog
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.exchange.models import ExchangeRecord
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.talents.models import Craftsman, ServiceTeam

from .helpers import import_text

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
FILE_1_0 = DATA / "format_1_0_snapshot.jsonl"
TARGET = "national"


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_the_1_0_sample_is_a_1_0_file():
    header, *records = lines_of(FILE_1_0)
    assert header["version"] == "1.0"
    (session,) = [r for r in records if r["type"] == "service_record"]
    # None of the 1.1 keys: the sample really is what the 1.0 exporter wrote.
    assert not {"experts", "problems", "benefit_method", "benefit_verified_at"} & set(
        session["data"]
    )
    assert "skill_upgrades" not in session["data"]


def test_a_1_0_file_imports_as_before_and_twice_changes_nothing(world, settings):
    settings.INSTANCE_ID = TARGET
    content = FILE_1_0.read_bytes()
    batch = import_text(world.province_admin, content)
    assert batch.status == "done", batch.report
    assert batch.format_version == "1.0"
    assert (batch.new_count, batch.error_count, batch.conflict_count) == (7, 0, 0)
    assert Enterprise.objects.get().org == world.county_a1
    assert Craftsman.objects.count() == 2 and ServiceTeam.objects.count() == 1
    demand = Demand.objects.get()
    match = MatchSuggestion.objects.get()
    record = ServiceRecord.objects.get()
    assert record.match == match and record.demand == demand
    assert record.activities == ["tech_service", "skill_training"]
    assert (record.duration_min, record.prep_min, record.travel_min) == (240, 60, 45)
    assert (record.attendees, record.trainees, record.problems_solved) == (6, 4, 2)
    assert record.economic_benefit == Decimal("35.50") and record.enterprise_confirmed
    assert record.notes == "更换主轴轴承，调整预紧力；培训维修工 4 人"
    # The fields 1.0 does not carry keep their defaults.
    assert record.problems == [] and record.experts is None and record.benefit_method == ""
    assert record.benefit_verified_at is None and not record.skill_upgrades.exists()

    changes = ChangeLog.objects.count()
    again = import_text(world.province_admin, content)
    assert again.status == "done"
    assert (again.new_count, again.updated_count, again.unchanged_count) == (0, 0, 7)
    assert ChangeLog.objects.count() == changes
    assert ExchangeRecord.objects.count() == 7
