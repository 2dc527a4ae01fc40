"""Demo collection campaigns (征集活动), through the services as staff and enterprises would:

* 深圳市总工会's yearly campaign, open (all six categories), with demands of Shenzhen enterprises;
* 南山区总工会's equipment and digital campaign, open, so 深圳市总工会's 征集汇总 rolls it up;
* 福田区总工会's spring campaign, closed early after its demands came in.

Dates are relative to today, so the demo always shows open campaigns. Idempotent: nothing is made
when a campaign already exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

CAMPAIGNS: tuple[dict[str, Any], ...] = (
    {
        "unit": "深圳市总工会",
        "title": "深圳市劳模工匠助企服务需求征集",
        "announcement": (
            "为推动劳模工匠人才资源与企业发展需求精准对接，现面向全市专精特新企业和中小微企业征集"
            "技术难题、技能提升和职业保障等方面的服务需求。征集的需求经工会受理后，由劳模工匠"
            "（服务队）上门或线上提供服务，不收取费用。"
        ),
        "categories": ["innovate", "green", "equipment", "operation", "workforce", "protection"],
        "industry_codes": ["C"],
        "days": (-20, 40),
        "target": 120,
        "demands": 9,
        "close": False,
    },
    {
        "unit": "南山区总工会",
        "title": "南山区设备改造与数字化转型需求征集",
        "announcement": (
            "南山区总工会联合区内劳模创新工作室，征集企业在设备维护改造、数字化智能化改造和"
            "工艺改进中遇到的难题，优先服务制造业中小企业。"
        ),
        "categories": ["equipment", "innovate"],
        "industry_codes": [],
        "days": (-10, 20),
        "target": 30,
        "demands": 4,
        "close": False,
    },
    {
        "unit": "福田区总工会",
        "title": "福田区职工技能提升需求征集（春季）",
        "announcement": "征集企业职工技能培训、技能等级认定辅导和师带徒方面的需求。",
        "categories": ["workforce"],
        "industry_codes": [],
        "days": (-30, 5),
        "target": 20,
        "demands": 3,
        "close": True,
    },
)


#: What the demo's campaign demands say: (category, kind, title, description, desired outcome).
DEMAND_TEXTS = {
    "innovate": (
        "tech_problem",
        "注塑件表面缩痕返工率高，需要工艺优化",
        "近三个月注塑件表面缩痕导致返工率约 6%，调整保压参数后仍不稳定，影响交付。",
        "返工率降到 2% 以内，形成工艺参数作业指导书",
    ),
    "green": (
        "tech_problem",
        "空压机站能耗偏高，希望做节能诊断",
        "车间三台空压机常年满负荷运行，电费占生产成本比例持续上升，管路泄漏情况不清楚。",
        "找出主要耗能环节，制定节能改造方案",
    ),
    "equipment": (
        "tech_problem",
        "数控机床主轴异响，需要诊断和维护指导",
        "两台立式加工中心主轴高速运转时有异响，厂家售后排期较长，担心精度下降。",
        "查明异响原因，恢复加工精度，培训维护人员",
    ),
    "operation": (
        "management",
        "生产现场管理混乱，希望导入精益管理",
        "物料摆放和工序衔接缺乏标准，换线时间长，班组长缺少现场管理方法。",
        "建立 5S 和标准作业，换线时间缩短三成",
    ),
    "workforce": (
        "skill_training",
        "焊工技能等级认定前的实操辅导",
        "公司 20 余名焊工准备参加中级工认定，实操考核项目练习不足，需要劳模工匠现场辅导。",
        "参加认定的焊工通过率达到 90% 以上",
    ),
    "protection": (
        "occupational_health",
        "粉尘岗位职业健康防护指导",
        "打磨岗位粉尘浓度偏高，员工防护意识不足，希望请专家指导防护措施和日常管理。",
        "粉尘岗位防护措施到位，员工掌握防护要点",
    ),
}


def campaign_demand(i: int, region_code: str, categories: list[str]) -> dict[str, Any]:
    category = categories[i % len(categories)]
    kind, title, description, outcome = DEMAND_TEXTS[category]
    data: dict[str, Any] = {
        "kind": kind,
        "category": category,
        "title": title,
        "description": description,
        "desired_outcome": outcome,
        "region_code": region_code,
    }
    if kind == "skill_training":
        data["trainee_count"] = 20
    return data


def build(actor: Any) -> int:
    """The demo campaigns and the demands submitted through them; returns the campaigns made."""
    from jiangqiao.demands import campaigns, services
    from jiangqiao.demands.models import Campaign, Enterprise
    from jiangqiao.orgs.models import Organization

    if Campaign.objects.exists():
        return 0
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for spec in CAMPAIGNS:
            unit = Organization.objects.filter(name=spec["unit"]).first()
            if unit is None:
                continue
            start, end = spec["days"]
            campaign = campaigns.campaign_create(
                actor=actor,
                org=unit,
                data={
                    "title": spec["title"],
                    "announcement": spec["announcement"],
                    "categories": spec["categories"],
                    "industry_codes": spec["industry_codes"],
                    "starts_on": today + dt.timedelta(days=start),
                    "deadline": today + dt.timedelta(days=end),
                    "target_count": spec["target"],
                },
            )
            campaign = campaigns.campaign_transition(
                actor=actor, campaign=campaign, action="publish"
            )
            enterprises = list(
                Enterprise.objects.filter(org__path__startswith=unit.path, status="active")
                .exclude(contacts__user__username="ent_contact")
                .order_by("pk")[: spec["demands"]]
            )
            for i, ent in enumerate(enterprises):
                data = campaign_demand(i, ent.region_code, spec["categories"])
                services.demand_create(
                    actor=actor,
                    enterprise=ent,
                    data=data,
                    channel="online",
                    submit=i % 4 != 3,  # a few stay drafts
                    campaign=campaign,
                )
            if spec["close"]:
                campaigns.campaign_transition(actor=actor, campaign=campaign, action="close")
            made += 1
    return made
