"""``suggestion_import`` / ``suggestion_delete``: suggestions received through the data exchange
get the checks of a person's suggestion and decision here (scope, permissions, confirmation rules,
conditional status update, audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from jiangqiao.accounts.forms import PERMISSION_APPS
from jiangqiao.accounts.models import Role
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import ServiceRecord
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.personas import make_user
from jiangqiao.matching import services
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.talents.models import Craftsman

from .helpers import craftsman, open_demand

pytestmark = pytest.mark.django_db


def data(**extra: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "source": "manual",
        "status": "proposed",
        "rank": 2,
        "score": 0.75,
        "fusion_version": "2026.1",
        "encoder": "",
        "suggested_at": now,
        "decided_at": None,
        "reason": "",
        "summary": ["专长对口"],
        **extra,
    }


@pytest.fixture
def pair(world) -> tuple[Any, Craftsman]:
    return open_demand(world.county_a1, world.city_admin_a), craftsman(
        world.county_a1, world.city_admin_a
    )


def test_an_imported_suggestion_is_stored_with_its_source_values_and_logged(world, pair):
    demand, person = pair
    row = services.suggestion_import(
        actor=world.city_admin_a,
        demand=demand,
        craftsman=person,
        data=data(status="confirmed", decided_at=timezone.now()),
        note="批次 #1",
    )
    assert (row.status, row.rank, row.score, row.source) == ("confirmed", 2, 0.75, "manual")
    assert row.why["summary"] == ["专长对口"] and row.decided_by is None
    log = OperationLog.objects.get(
        module=services.MODULE, target_id=str(row.pk), business_type="insert"
    )
    assert "导入匹配建议" in log.action and log.params == {"note": "批次 #1"}


def test_a_craftsman_outside_the_scope_is_refused_like_a_manual_suggestion(world, pair):
    demand, _ = pair
    other = craftsman(world.county_b1, world.city_admin_b)
    with pytest.raises(BusinessError) as exc:
        services.suggestion_import(
            actor=world.city_admin_a, demand=demand, craftsman=other, data=data()
        )
    assert exc.value.field == "craftsman" and "不在您的数据范围内" in exc.value.message
    assert other.name not in exc.value.message
    with pytest.raises(ScopeViolation):  # and a demand outside the scope
        services.suggestion_import(
            actor=world.city_admin_b, demand=demand, craftsman=other, data=data()
        )
    assert not MatchSuggestion.objects.exists()


def test_becoming_confirmed_passes_the_confirmation_rules(world, pair):
    demand, person = pair
    Craftsman.objects.filter(pk=person.pk).update(
        pause_until=timezone.localdate() + dt.timedelta(days=30)
    )
    with pytest.raises(BusinessError) as exc:
        services.suggestion_import(
            actor=world.city_admin_a, demand=demand, craftsman=person, data=data(status="confirmed")
        )
    assert "暂停服务" in exc.value.message and not MatchSuggestion.objects.exists()
    proposed = services.suggestion_import(
        actor=world.city_admin_a, demand=demand, craftsman=person, data=data()
    )
    with pytest.raises(BusinessError):
        services.suggestion_import(
            actor=world.city_admin_a,
            demand=demand,
            craftsman=person,
            data=data(status="confirmed"),
            suggestion=proposed,
        )
    assert MatchSuggestion.objects.get().status == "proposed"


def test_a_decision_needs_the_decide_permission(world, pair):
    demand, person = pair
    group = Group.objects.create(name="role:nodecide")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=PERMISSION_APPS).exclude(
            codename="decide_matchsuggestion"
        )
    )
    role = Role.objects.create(group=group, code="nodecide", name="nodecide", data_scope="all")
    user = make_user("no_decide", world.city_a, role)
    with pytest.raises(BusinessError) as exc:
        services.suggestion_import(
            actor=user, demand=demand, craftsman=person, data=data(status="rejected")
        )
    assert exc.value.code == "forbidden" and not MatchSuggestion.objects.exists()
    row = services.suggestion_import(actor=user, demand=demand, craftsman=person, data=data())
    assert row.status == "proposed"


def test_an_update_is_a_conditional_status_change_with_a_change_log_row(world, pair):
    demand, person = pair
    row = services.suggestion_import(
        actor=world.city_admin_a, demand=demand, craftsman=person, data=data()
    )
    updated = services.suggestion_import(
        actor=world.city_admin_a,
        demand=demand,
        craftsman=person,
        data=data(status="rejected", reason="企业已自行解决"),
        suggestion=row,
    )
    assert (updated.pk, updated.status, updated.reason) == (row.pk, "rejected", "企业已自行解决")
    change = ChangeLog.objects.filter(object_id=str(row.pk), message="数据交换导入").get()
    assert change.prechange_data["status"] == "proposed"
    assert change.postchange_data["status"] == "rejected"


def test_a_decision_taken_here_meanwhile_wins(world, pair, monkeypatch):
    demand, person = pair
    row = services.suggestion_import(
        actor=world.city_admin_a, demand=demand, craftsman=person, data=data()
    )
    real = services._check_can_serve

    def decided_meanwhile(suggestion: MatchSuggestion) -> None:
        real(suggestion)
        MatchSuggestion.objects.filter(pk=suggestion.pk).update(status="rejected")

    monkeypatch.setattr(services, "_check_can_serve", decided_meanwhile)
    with pytest.raises(BusinessError) as exc:
        services.suggestion_import(
            actor=world.city_admin_a,
            demand=demand,
            craftsman=person,
            data=data(status="confirmed"),
            suggestion=row,
        )
    assert exc.value.code == "conflict"


def test_bad_input_names_the_field(world, pair):
    demand, person = pair
    for bad, field in (({"status": "won"}, "status"), ({"source": "robot"}, "source")):
        with pytest.raises(BusinessError) as exc:
            services.suggestion_import(
                actor=world.city_admin_a, demand=demand, craftsman=person, data=data(**bad)
            )
        assert exc.value.field == field
    with pytest.raises(BusinessError):
        services.suggestion_import(
            actor=world.city_admin_a, demand=demand, craftsman=person, data=data(run=1)
        )
    row = services.suggestion_import(
        actor=world.city_admin_a, demand=demand, craftsman=person, data=data()
    )
    someone = craftsman(world.county_a1, world.city_admin_a)
    with pytest.raises(BusinessError) as exc:
        services.suggestion_import(
            actor=world.city_admin_a, demand=demand, craftsman=someone, data=data(), suggestion=row
        )
    assert exc.value.field == "craftsman"
    assert MatchSuggestion.objects.get().craftsman_id == person.pk


def test_delete_is_scoped_audited_and_keeps_matches_with_service_records(world, pair):
    demand, person = pair
    row = services.suggestion_import(
        actor=world.city_admin_a, demand=demand, craftsman=person, data=data()
    )
    with pytest.raises(ScopeViolation):
        services.suggestion_delete(actor=world.city_admin_b, suggestion=row)
    confirmed = services.suggestion_import(
        actor=world.city_admin_a,
        demand=demand,
        craftsman=person,
        data=data(status="confirmed", decided_at=timezone.now() - dt.timedelta(days=1)),
        suggestion=row,
    )
    session_services.session_create(
        actor=world.city_admin_a,
        match=confirmed,
        data={"date": timezone.localdate(), "duration_min": 60, "mode": "onsite"},
    )
    with pytest.raises(BusinessError) as exc:
        services.suggestion_delete(actor=world.city_admin_a, suggestion=row)
    assert "已有服务记录" in exc.value.message
    ServiceRecord.objects.all().delete()
    services.suggestion_delete(actor=world.city_admin_a, suggestion=row, note="批次 #2")
    assert not MatchSuggestion.objects.exists()
    assert OperationLog.objects.filter(business_type="delete", module=services.MODULE).exists()
    assert ChangeLog.objects.filter(object_id=str(row.pk), action="delete").exists()
