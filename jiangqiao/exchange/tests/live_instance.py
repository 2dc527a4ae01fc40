"""The steps of the two-instance live exchange test (``test_live_two_instances``) on one instance.

    python -m jiangqiao.exchange.tests.live_instance

reads one JSON array per line on stdin — ``["national-setup"]``, ``["province-setup", url,
token]``, ``["province-demand", title]``, ``["sync"]`` (``manage.py exchange_sync --peer
全国平台``), ``["national-state", number]`` — and answers each with one JSON line on stdout (one
process per instance: Django starts once). The instance is the environment's (``DATABASE_URL``,
``JIANGQIAO_INSTANCE_ID``). Everything is written through the apps' services.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _world() -> Any:
    from jiangqiao.accounts.models import User
    from jiangqiao.core.testing.personas import build_world

    if User.objects.filter(username="province_admin").exists():
        raise SystemExit("already set up")
    return build_world()


def national_setup() -> dict[str, Any]:
    from jiangqiao.accounts import services as account_services

    world = _world()
    _, key = account_services.token_issue(
        actor=world.province_admin,
        name="广东省平台数据交换",
        days=1,
        read_only=False,
        scopes=["exchange"],
    )
    return {"token": key}


def province_setup(url: str, token: str) -> dict[str, Any]:
    from jiangqiao.exchange import live

    world = _world()
    peer = live.peer_save(
        actor=world.province_admin,
        data={
            "name": "全国平台",
            "base_url": url,
            "token": token,
            "run_as": world.province_admin,
            "pii": "hash",
            "interval_minutes": 1,
            "is_active": True,
        },
    )
    return {"peer": peer.pk}


def province_demand(title: str) -> dict[str, Any]:
    from jiangqiao.accounts.models import User
    from jiangqiao.demands import services as demand_services
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.demands.tests.factories import new_uscc
    from jiangqiao.orgs.models import Organization

    actor = User.objects.get(username="province_admin")
    county = Organization.objects.get(name="南山区总工会")
    enterprise = Enterprise.objects.filter(org=county).first() or demand_services.enterprise_create(
        actor=actor,
        org=county,
        data={
            "uscc": new_uscc(county.region_code),
            "name": "深圳精工机械有限公司",
            "region_code": county.region_code,
        },
    )
    demand = demand_services.demand_create(
        actor=actor,
        enterprise=enterprise,
        data={
            "kind": "tech_problem",
            "title": title,
            "description": f"{title}：需要现场诊断",
            "current_state": "停机待修",
            "delivery_mode": "onsite",
        },
        submit=True,
    )
    return {"number": demand.number}


def national_state(number: str) -> dict[str, Any]:
    from jiangqiao.demands.models import Demand
    from jiangqiao.exchange.models import ExchangeBatch, ExchangeReceipt

    return {
        "demands": Demand.objects.filter(number=number).count(),
        "titles": list(Demand.objects.filter(number=number).values_list("title", flat=True)),
        "receipts": list(ExchangeReceipt.objects.order_by("pk").values_list("batch_key", "resent")),
        "imports": ExchangeBatch.objects.filter(direction="import", status="done").count(),
    }


def sync() -> dict[str, Any]:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("exchange_sync", "--peer", "全国平台", stdout=out, stderr=err)
        rc = 0
    except CommandError as exc:
        err.write(str(exc))
        rc = 1
    return {"rc": rc, "out": out.getvalue(), "err": err.getvalue()}


ACTIONS = {
    "national-setup": national_setup,
    "province-setup": province_setup,
    "province-demand": province_demand,
    "national-state": national_state,
    "sync": sync,
}


def main() -> None:
    import django

    django.setup()
    from jiangqiao.core import context

    for line in sys.stdin:
        action, *args = json.loads(line)
        try:
            if action == "sync":
                result = ACTIONS[action]()
            else:
                with context.audit_context(user=None, source="command"):
                    result = ACTIONS[action](*args)
        except Exception as exc:  # reported to the test, which fails with it
            result = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
