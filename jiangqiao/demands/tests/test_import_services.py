"""``demand_import_state`` / ``demand_import_update``: a demand's workflow state and content as on
the instance it was imported from, written by the demands app (scope, conditional status update,
status history, audit)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiangqiao.casework import services as casework_services
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.demands import services
from jiangqiao.demands.models import Demand, DemandCode, DemandEvent

from .factories import make_demand, make_enterprise

pytestmark = pytest.mark.django_db


def state(**extra: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "number": "GD-440305-2026-123456",
        "status": "triaged",
        "grade": "b",
        "owner_level": "county",
        "submitted_at": now,
        "triaged_at": now,
        **extra,
    }


@pytest.fixture
def demand(world) -> Demand:
    return make_demand(make_enterprise(world.county_a1, world.city_admin_a), world.city_admin_a)


def test_the_state_is_set_with_an_event_a_change_log_and_an_operation_log(world, demand):
    result = casework_services.demand_import_state(
        actor=world.city_admin_a, demand=demand, state=state(), comment="数据交换导入（批次 #3）"
    )
    assert (result.status, result.number, result.grade) == ("triaged", state()["number"], "b")
    assert result.version == demand.version + 1
    assert state()["number"].lower() in result.search_text.lower()
    event = DemandEvent.objects.filter(demand=demand).latest("pk")
    assert (event.from_status, event.to_status, event.comment) == (
        "draft",
        "triaged",
        "数据交换导入（批次 #3）",
    )
    assert ChangeLog.objects.filter(object_id=str(demand.pk), message="数据交换导入").exists()
    assert OperationLog.objects.filter(
        module=casework_services.MODULE, target_id=str(demand.pk), business_type="update"
    ).exists()
    # The same state again writes nothing.
    events = DemandEvent.objects.count()
    again = casework_services.demand_import_state(
        actor=world.city_admin_a,
        demand=result,
        state=state(**{"submitted_at": result.submitted_at, "triaged_at": result.triaged_at}),
    )
    assert again.version == result.version and DemandEvent.objects.count() == events


def test_another_units_demand_is_refused_and_unchanged(world, demand):
    with pytest.raises(ScopeViolation):
        casework_services.demand_import_state(
            actor=world.city_admin_b, demand=demand, state=state()
        )
    with pytest.raises(ScopeViolation):
        services.demand_import_update(
            actor=world.city_admin_b, demand=demand, data={"title": "改掉"}
        )
    current = Demand.objects.get(pk=demand.pk)
    assert (current.status, current.number, current.title) == ("draft", None, demand.title)
    assert not DemandEvent.objects.filter(demand=demand).exists()


def test_a_number_of_another_demand_is_refused(world, demand):
    other = make_demand(demand.enterprise, world.city_admin_a, number="GD-440305-2026-000777")
    with pytest.raises(BusinessError) as exc:
        casework_services.demand_import_state(
            actor=world.city_admin_a, demand=demand, state=state(number=other.number)
        )
    assert exc.value.field == "number"
    assert Demand.objects.get(pk=demand.pk).number is None


def test_a_status_changed_here_meanwhile_wins(world, demand, monkeypatch):
    real = services._demand_search_text

    def changed_meanwhile(current: Demand, number: str | None) -> str:
        Demand.objects.filter(pk=current.pk).update(status="cancelled")
        return real(current, number)

    monkeypatch.setattr(services, "_demand_search_text", changed_meanwhile)
    with pytest.raises(BusinessError) as exc:
        casework_services.demand_import_state(
            actor=world.city_admin_a, demand=demand, state=state()
        )
    assert exc.value.code == "conflict"


def test_bad_state_is_refused(world, demand):
    with pytest.raises(TypeError):
        casework_services.demand_import_state(
            actor=world.city_admin_a, demand=demand, state={**state(), "org": 1}
        )
    with pytest.raises(ValidationError) as exc:
        casework_services.demand_import_state(
            actor=world.city_admin_a, demand=demand, state=state(status="won")
        )
    assert "status" in exc.value.message_dict
    assert Demand.objects.get(pk=demand.pk).status == "draft"


def test_content_past_the_editable_states_is_updated_with_its_derived_columns(world, demand):
    Demand.objects.filter(pk=demand.pk).update(status="in_service")
    with pytest.raises(BusinessError):  # staff may not edit it any more ...
        services.demand_update(actor=world.city_admin_a, demand=demand, data={"title": "新标题"})
    result = services.demand_import_update(  # ... the source's version is taken
        actor=world.city_admin_a,
        demand=demand,
        data={"title": "主轴轴承更换", "tags": ["轴承"], "industry_codes": ["3461"]},
    )
    assert result.title == "主轴轴承更换" and "轴承" in result.search_text
    assert DemandCode.objects.filter(demand=demand, scheme="industry", code="3461").exists()
    assert Demand.objects.get(pk=demand.pk).status == "in_service"
