"""The demo's service casework: demands of 南山区 in every state, written through the services
over the past weeks (a demo clock moves ``timezone.now`` back while each step is taken).

Who acts is who would: 深圳市's clerk (``sz_staff``) triages and confirms, the demo 劳模工匠 account
(``craftsman``) and other craftsmen answer, the demo 企业联络人 (``ent_contact``) confirms and rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import transaction
from django.utils import timezone

from jiangqiao.core.workdays import add_workdays

SESSION = {
    "duration_min": 180,
    "prep_min": 60,
    "travel_min": 40,
    "mode": "onsite",
    "activities": ["tech_service", "skill_training"],
    "attendees": 6,
    "trainees": 4,
    "problems": [
        {"description": "主轴异响，加工尺寸波动", "result": "solved"},
        {"description": "班组点检记录不规范", "result": "partial"},
    ],
    "notes": "现场查看设备运行情况，找出主要故障原因，提出整改措施并指导班组落实。",
}

#: One worker's skill upgrade (pseudonymised: enterprise staff number and initials only).
UPGRADE = {
    "worker_code": "GH-0417",
    "worker_initials": "LM",
    "occupation": "6-18-01-01",
    "level_before": "intermediate_worker",
    "level_after": "senior_worker",
    "certificate_no": "S000044010000253000123",
}


@contextmanager
def clock(moment: dt.datetime) -> Iterator[None]:
    """Take the steps inside as if it were ``moment`` (the demo's story happened before today)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _ago(working_days: int, hour: int = 10) -> dt.datetime:
    day = add_workdays(timezone.localdate(), -working_days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def build_cases(actor: Any) -> int:
    """Demands in every state for 南山区's demo accounts; returns how many were made.

    The finished cases come first: their craftsmen's capacity is free again for the open ones.
    """
    from jiangqiao.accounts.models import User
    from jiangqiao.casework import services
    from jiangqiao.casework import sessions as session_services
    from jiangqiao.casework.models import Offer
    from jiangqiao.core.exceptions import BusinessError
    from jiangqiao.demands import services as demand_services
    from jiangqiao.demands.models import Enterprise
    from jiangqiao.matching import services as matching_services
    from jiangqiao.talents.models import Craftsman

    staff = User.objects.filter(username="sz_staff").first() or actor
    contact = User.objects.filter(username="ent_contact").first()
    me = Craftsman.objects.filter(user__username="craftsman").first()
    ent = Enterprise.objects.filter(contacts__user=contact).first() if contact else None
    if contact is None or me is None or ent is None:
        return 0
    others = list(
        Craftsman.objects.filter(org__region_code__startswith="4403", user__isnull=True)
        .exclude(pk=me.pk)
        .order_by("pk")[:40]
    )
    made = 0

    def demand(title: str, text: str, days: int) -> Any:
        nonlocal made
        with clock(_ago(days)):
            d = demand_services.demand_create(
                actor=contact,
                enterprise=ent,
                channel="online",
                submit=True,
                data={"kind": "tech_problem", "title": title, "description": text},
            )
            d = services.demand_triage(
                actor=staff,
                demand=d,
                data={"category": "innovate", "grade": "b", "owner_level": "county"},
                comment="县级承办",
            )
        made += 1
        return d

    def offer(d: Any, person: Any, days: int) -> Any:
        """Propose and confirm ``person`` (an offer), or the next craftsman who can serve."""
        for candidate in [person, *others, me]:
            if candidate is None:
                continue
            try:
                with clock(_ago(days)), transaction.atomic():
                    s = matching_services.suggestion_add_manual(
                        actor=staff, demand=d, craftsman=candidate, reason="专长与需求对口（演示）"
                    )
                    matching_services.suggestion_confirm(actor=staff, suggestion=s)
                return Offer.objects.get(demand=d, craftsman=candidate, status="pending")
            except BusinessError:
                continue
        return None

    def serve(d: Any, o: Any, days: int, *, sessions: int = 2) -> None:
        with clock(_ago(days, 9)):
            services.offer_accept(actor=o.craftsman.user or staff, offer=o, note="尽快上门")
        with clock(_ago(days - 1, 11)):
            services.contact_log(
                actor=o.craftsman.user or staff,
                offer=o,
                channel="phone",
                reached=True,
                note="约定上门时间",
            )
        for n in range(sessions):
            when = _ago(days - 2 - n, 15)
            with clock(when):
                session_services.session_create(
                    actor=staff,
                    offer=o,
                    data={**SESSION, "date": when.date()},
                    skill_upgrades=[UPGRADE] if n == 0 else None,
                )

    # 7. Solved and confirmed 95 days ago: the 90-day follow-up is due.
    d = demand("电机轴承过热", "风机电机轴承温度过高，频繁停机。", 75)
    o = offer(d, others[6] if len(others) > 6 else None, 74)
    if o:
        serve(d, o, 73, sessions=1)
        with clock(_ago(68)):
            services.outcome_record(
                actor=staff, demand=d, result="solved", summary="更换轴承并校正对中，温升恢复正常。"
            )
        with clock(_ago(67)):
            services.outcome_confirm(
                actor=contact, demand=d, answer="solved", rating=5, comment="服务及时，问题已解决"
            )
    # 8. Partly solved, confirmed and closed.
    d = demand("喷涂色差", "喷涂件批次间色差明显，需要工艺改进。", 30)
    o = offer(d, others[7] if len(others) > 7 else None, 29)
    if o:
        serve(d, o, 28, sessions=1)
        with clock(_ago(20)):
            services.outcome_record(
                actor=staff,
                demand=d,
                result="partial",
                summary="调整喷枪参数后色差减小，仍需更换涂料供应商。",
            )
        with clock(_ago(18)):
            services.outcome_confirm(actor=contact, demand=d, answer="partial", rating=4)
        with clock(_ago(17)):
            services.demand_close(actor=staff, demand=d)
    # 2. The demo craftsman serves a demand; the outcome waits for the enterprise's confirmation.
    d = demand("注塑件表面缩痕", "汽车内饰注塑件表面出现缩痕，良品率低，需要工艺专家现场指导。", 14)
    o = offer(d, me, 13)
    if o:
        serve(d, o, 12)
        with clock(_ago(2)):
            services.outcome_record(
                actor=me.user,
                demand=d,
                result="solved",
                summary="调整保压时间和模温，缩痕消除，良品率由 82% 提高到 97%。",
            )
    # 3. Declined by one craftsman, reassigned automatically to the next.
    d = demand("焊缝气孔超标", "不锈钢管道焊缝射线检测气孔超标，需要焊接工艺指导。", 6)
    o = offer(d, others[0] if others else None, 5)
    if o:
        for c in [*others[1:4], me]:  # the next proposals, in order
            try:
                with clock(_ago(5)):
                    matching_services.suggestion_add_manual(actor=staff, demand=d, craftsman=c)
            except BusinessError:
                pass
        with clock(_ago(3)):
            services.offer_decline(
                actor=o.craftsman.user or staff, offer=o, reason="busy", note="本月已有两项现场服务"
            )
    # 4. An offer nobody answered in time (the deadline tick expires it and reassigns).
    d = demand("空压机能耗偏高", "车间空压机组电耗偏高，需要节能诊断。", 9)
    offer(d, others[4] if len(others) > 4 else None, 8)
    # 5. Accepted, but the enterprise has not been reached within the deadline.
    d = demand("PLC 程序偶发死机", "包装线 PLC 偶发死机，需要电气自动化专家排查。", 7)
    o = offer(d, others[5] if len(others) > 5 else None, 6)
    if o:
        with clock(_ago(5, 9)):
            services.offer_accept(actor=o.craftsman.user or staff, offer=o)
        with clock(_ago(5, 15)):
            services.contact_log(
                actor=staff, offer=o, channel="phone", reached=False, note="企业电话无人接听"
            )
    # 6. Nobody staffed it in 10 working days: escalated to the city.
    d = demand("精密齿轮热处理变形", "齿轮渗碳淬火后变形超差，县内无合适专家。", 12)
    with clock(_ago(1)):
        services.demand_escalate(
            actor=staff, demand=d, comment="区内无热处理方向的劳模工匠，请市总协调"
        )
    # 9. Beyond the city's reach too: escalated twice, now in the 省总工作专班's queue.
    d = demand(
        "海上风电叶片雷击损伤修复",
        "风电叶片雷击后前缘损伤，需要复合材料修复专家，市内无合适人选。",
        25,
    )
    with clock(_ago(20)):
        services.demand_escalate(actor=staff, demand=d, comment="区内无复合材料修复方向的劳模工匠")
    with clock(_ago(3)):
        services.demand_escalate(
            actor=staff, demand=d, comment="市内也无合适人选，请省总工作专班协调"
        )
    # 1. A fresh offer to the demo craftsman, waiting for his answer.
    d = demand(
        "数控车床加工尺寸漂移", "批量加工时工件外径尺寸逐渐变大，需要排查热变形和刀具补偿。", 2
    )
    offer(d, me, 1)
    return made
