"""Demo data of the academy app (called by ``manage.py demo_data`` after the talent pool exists):
深圳市工匠学院 with its HQ, two branches and a training base, ~8 lecturers drawn from the demo
craftsmen of 深圳 plus 2 external experts, 30+ published courses across the course fields and
three classes (``demo_classes``: finished with certificates, running, open for registration).
Everything goes through the services, as staff would enter it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jiangqiao.core.identifiers import make_id_number, make_uscc
from jiangqiao.orgs.models import Organization
from jiangqiao.talents.models import Craftsman

from . import classes, competitions, services
from .models import Academy, Competition, Course

COURSES = (
    ("ai", "工业视觉检测入门", "blended", 16),
    ("ai", "生产线人工智能质检应用", "practical", 24),
    ("biomedicine", "医疗器械洁净车间规范", "face_to_face", 8),
    ("aerospace", "航空零部件精密装配", "practical", 32),
    ("craftsman_spirit", "劳模工匠精神第一课", "face_to_face", 2),
    ("craftsman_spirit", "名师带徒：技艺传承方法", "face_to_face", 4),
    ("intelligent_manufacturing", "智能产线运维", "practical", 24),
    ("intelligent_manufacturing", "工业机器人编程与调试", "practical", 32),
    ("integrated_circuits", "半导体封装测试工艺", "blended", 16),
    ("new_energy_vehicles", "动力电池检测与维修", "practical", 24),
    ("new_energy_vehicles", "新能源汽车高压安全", "face_to_face", 8),
    ("precision_machining", "数控车削编程实训", "practical", 32),
    ("precision_machining", "五轴加工中心操作", "practical", 40),
    ("precision_machining", "精密测量与公差", "blended", 12),
    ("electrical_automation", "PLC 控制系统维护", "practical", 24),
    ("electrical_automation", "低压电工安全操作", "face_to_face", 8),
    ("digital_skills", "工业互联网数据采集", "online", 12),
    ("digital_skills", "班组数字化看板", "online", 6),
    ("quality_safety", "质量管理小组活动方法", "face_to_face", 8),
    ("quality_safety", "安全生产标准化", "blended", 8),
    ("green_low_carbon", "节能降耗诊断方法", "face_to_face", 8),
    ("green_low_carbon", "空压系统节能改造", "practical", 12),
    ("management", "班组长管理能力提升", "face_to_face", 16),
    ("management", "精益生产与现场改善", "blended", 16),
    ("innovation_methods", "“五小”创新实务", "face_to_face", 8),
    ("innovation_methods", "合理化建议撰写与评审", "online", 4),
    ("occupational_health", "职业病防护与健康", "online", 4),
    ("occupational_health", "噪声粉尘作业防护", "face_to_face", 4),
    ("modern_services", "客户服务技能", "online", 8),
    ("modern_services", "物流仓储作业规范", "blended", 12),
    ("intelligent_manufacturing", "焊接机器人操作", "practical", 24),
    ("precision_machining", "模具钳工技能提升", "practical", 32),
)


def build(actor: Any, *, seed: int = 2026) -> int:
    """The 深圳 academy system; returns the number of published courses (0 if it exists)."""
    city = Organization.objects.filter(region_code="440300", level="city").order_by("pk").first()
    if city is None or Academy.objects.filter(name="深圳市工匠学院").exists():
        return 0
    counties = list(Organization.objects.filter(parent=city).order_by("pk")[:2]) or [city, city]
    rng = random.Random(seed)
    hq = services.academy_create(
        actor=actor,
        org=city,
        data={
            "name": "深圳市工匠学院",
            "level": "city",
            "academy_type": "hq",
            "host_name": "深圳技师学院",
            "host_uscc": make_uscc("1", "2", "440300", "45576600"),
            "region_code": "440300",
            "industries": ["34", "39"],
            "facilities": "理论教室 12 间，数控、电工、机器人实训车间 3 个。",
            "founded_on": dt.date(2023, 5, 1),
        },
    )
    services.subsidy_add(
        actor=actor, academy=hq, data={"year": 2025, "amount": "500000", "source": "深圳市总工会"}
    )
    branches = [
        services.academy_create(
            actor=actor,
            org=county,
            data={
                "name": f"深圳市工匠学院{name}分院",
                "level": "county",
                "academy_type": "branch",
                "parent": hq,
                "region_code": county.region_code or "440300",
                "industries": ["34"],
            },
        )
        for county, name in zip(counties, ("南山", "宝安"), strict=False)
    ]
    base = services.academy_create(
        actor=actor,
        org=counties[0],
        data={
            "name": "智能制造实训基地",
            "level": "enterprise",
            "academy_type": "training_base",
            "parent": branches[0],
            "host_name": "深圳市精工智造有限公司",
            "host_uscc": make_uscc("9", "1", "440300", "MA5G0001"),
            "region_code": counties[0].region_code or "440300",
            "industries": ["34"],
            "facilities": "五轴加工中心 4 台，工业机器人工作站 6 套。",
        },
    )
    craftsmen = list(
        Craftsman.objects.filter(org__path__startswith=city.path, status="active").order_by("pk")[
            :8
        ]
    )
    lecturers = []
    for i, craftsman in enumerate(craftsmen):
        lecturer = services.lecturer_create(
            actor=actor,
            academy=hq,
            craftsman=craftsman,
            data={
                "title": craftsman.position or "高级技师",
                "course_fields": [rng.choice(COURSES)[0]],
                "shared": i % 2 == 0,
            },
        )
        services.appointment_add(
            actor=actor,
            lecturer=lecturer,
            data={
                "letter_no": f"SZGJXY-2025-{i + 1:03d}",
                "valid_from": dt.date(2025, 1, 1),
                "valid_to": dt.date(2027, 12, 31),
                "role": "兼职教师",
            },
        )
        lecturers.append(lecturer)
    for name, employer, title in (
        ("林志远", "深圳大学机电与控制工程学院", "教授"),
        ("陈晓岚", "深圳职业技术大学", "副教授"),
    ):
        lecturers.append(
            services.lecturer_create(
                actor=actor,
                academy=hq,
                data={"name": name, "employer": employer, "title": title, "course_fields": ["ai"]},
            )
        )
    academies = [hq, *branches, base]
    published = 0
    menu = []
    for n, (field, title, fmt, hours) in enumerate(COURSES, start=1):
        course = services.course_create(
            actor=actor,
            academy=academies[n % len(academies)],
            data={
                "code": f"SZ{n:03d}",
                "title": title,
                "field": field,
                "hours": hours,
                "format": fmt,
                "capacity": rng.choice((20, 30, 40, 50)),
                "is_free": n % 5 != 0,
                "price": None if n % 5 != 0 else 200,
                "assessment": "理论测试与实操考核" if fmt == "practical" else "结业测验",
                "certificate_template": "深圳市工匠学院结业证书",
            },
            lecturers=[lecturers[n % len(lecturers)]] if lecturers else [],
        )
        menu.append(services.course_publish(actor=actor, course=course))
        published += 1
    from .demo_classes import build_classes

    build_classes(actor, academies, seed=seed)
    build_orders(actor, hq, menu)
    build_competitions(actor, city=city, hq=hq, craftsmen=craftsmen, rng=rng)
    return published


#: Demo orders: (course index, the state it is brought to, trainees).
ORDER_STATES = (
    (11, "pending", 12),
    (7, "accepted", 20),
    (15, "returned", 8),
    (6, "scheduled", 25),
    (12, "delivered", 15),
    (1, "evaluated", 30),
    (18, "withdrawn", 10),
)


def build_orders(actor: Any, hq: Academy, menu: list[Any]) -> int:
    """Training orders of the demo enterprise contact(s) in every state, each moved there through
    the order services (classes created by 排课, finished through the class services)."""
    from jiangqiao.accounts.models import User
    from jiangqiao.demands.models import EnterpriseContact

    from . import classes, orders

    links = list(
        EnterpriseContact.objects.filter(user__username="ent_contact", user__is_active=True)
        .select_related("enterprise", "user")
        .order_by("pk")
    )
    if not links or not menu:
        return 0
    made = 0
    today = timezone.localdate()
    for n, (index, state, trainees) in enumerate(ORDER_STATES):
        link = links[n % len(links)]
        contact: User = link.user  # type: ignore[assignment]
        course = menu[index % len(menu)]
        start = today + dt.timedelta(days=21 + 7 * n)
        order = orders.order_place(
            actor=contact,
            enterprise=link.enterprise,
            kind="menu" if n % 2 == 0 else "custom",
            course=course if n % 2 == 0 else None,
            academy=None if n % 2 == 0 else hq,
            data={
                "topic": "" if n % 2 == 0 else f"{course.title}（企业定制）",
                "description": "一线班组长和技术骨干参训，希望结合本企业产线案例。",
                "trainees_planned": trainees,
                "period_from": start,
                "period_to": start + dt.timedelta(days=14),
                "site": "enterprise" if n % 3 == 0 else "academy",
                "address": "深圳市南山区科技园厂区培训室" if n % 3 == 0 else "",
            },
        )
        made += 1
        if state == "pending":
            continue
        if state == "withdrawn":
            orders.order_withdraw(actor=contact, order=order, reason="生产任务调整，暂缓培训")
            continue
        if state == "returned":
            orders.order_return(actor=actor, order=order, reason="该课程本季度已排满，请选择下季度")
            continue
        order = orders.order_accept(actor=actor, order=order, comment="已受理，三个工作日内排课")
        if state == "accepted":
            continue
        order = orders.order_schedule(
            actor=actor,
            order=order,
            academy=course.academy,
            course=course,
            data={"start_date": start, "end_date": start + dt.timedelta(days=1)},
            sessions=[
                {
                    "date": start,
                    "start_time": dt.time(9, 0),
                    "end_time": dt.time(12, 0),
                    "hours": "3",
                    "place": f"第{n + 1}实训室",
                }
            ],
        )
        if state == "scheduled":
            continue
        tc = order.training_class
        assert tc is not None
        for step in ("open", "running", "finished"):
            tc = classes.class_move(actor=actor, training_class=tc, to=step)
        if state == "evaluated":
            order = orders.order_evaluate(
                actor=contact,
                order=order,
                satisfaction=5,
                comment="课程贴合产线实际，讲师经验丰富。",
            )
    return made


CONTESTANTS = ("王建国", "李明辉", "张海涛", "刘志强", "陈立新", "杨振华", "赵文博", "黄国庆")
EMPLOYERS = (
    ("深圳市精工智造有限公司", "MA5G0001"),
    ("深圳市南山数控设备有限公司", "MA5G0002"),
    ("深圳市宝安精密模具有限公司", "MA5G0003"),
    ("深圳市龙华汽车零部件有限公司", "MA5G0004"),
)


def build_competitions(
    actor: Any, *, city: Organization, hq: Academy, craftsmen: list[Craftsman], rng: random.Random
) -> Competition:
    """2026年深圳市数控车工职业技能竞赛 (prepared by one class, 5 judges, 8 contestants, marks,
    published results; one contestant works where a craftsman judge works: recused) and three
    innovation activities. Registration is entered as of its window (``today=``)."""
    course = (
        Course.objects.filter(academy__org=city, code="SZ012").first()
        or Course.objects.filter(academy=hq, status="published").order_by("pk").first()
    )
    prep = None
    if course is not None:
        prep = classes.class_create(
            actor=actor,
            academy=course.academy,
            course=course,
            data={
                "title": "数控车工竞赛赛前集训班",
                "start_date": dt.date(2026, 9, 21),
                "end_date": dt.date(2026, 10, 9),
                "capacity": 30,
                "place": "深圳技师学院数控实训车间",
            },
        )
    competition = competitions.competition_create(
        actor=actor,
        org=city,
        data={
            "title": "2026年深圳市数控车工职业技能竞赛",
            "level": "city",
            "occupation": "6-18-01-01",
            "academy": hq,
            "registration_start": dt.date(2026, 9, 1),
            "registration_end": dt.date(2026, 9, 20),
            "start_date": dt.date(2026, 10, 15),
            "end_date": dt.date(2026, 10, 16),
            "venue": "深圳技师学院",
            "min_skill_level": "intermediate_worker",
            "max_skill_level": "technician",
            "employer_restriction": "region",
            "region_prefix": "440300",
            "max_participants": 60,
            "description": "理论知识（30%）与实操技能（70%）合并评分；以赛带训，赛前集训班开放报名。",
        },
        classes=[prep] if prep is not None else None,
    )
    competitions.competition_move(actor=actor, competition=competition, to="registering")
    judge_craftsmen = craftsmen[:3]
    judges = [
        competitions.judge_add(
            actor=actor, competition=competition, data={"title": "高级技师"}, craftsman=c
        )
        for c in judge_craftsmen
    ]
    for name, employer, title in (
        ("周文斌", "深圳职业技术大学", "教授"),
        ("许佳宁", "广东省职业技能鉴定指导中心", "高级考评员"),
    ):
        judges.append(
            competitions.judge_add(
                actor=actor,
                competition=competition,
                data={"name": name, "employer_name": employer, "title": title},
            )
        )
    contestants = []
    for i, name in enumerate(CONTESTANTS):
        employer, body = EMPLOYERS[i % len(EMPLOYERS)]
        employer_uscc = make_uscc("9", "1", "440300", body)
        if i == 0 and judge_craftsmen and judge_craftsmen[0].employer_name:
            employer = judge_craftsmen[0].employer_name  # the judge's colleague: recused
            if judge_craftsmen[0].employer_uscc[2:6] == "4403":
                employer_uscc = judge_craftsmen[0].employer_uscc
        contestants.append(
            competitions.contestant_register(
                actor=actor,
                competition=competition,
                data={
                    "name": name,
                    "id_number": make_id_number("440305", dt.date(1985 + i, 3, 1 + i), 701 + i),
                    "mobile": f"1380755{i + 1:04d}",
                    "employer_name": employer,
                    "employer_uscc": employer_uscc,
                    "occupation": "6-18-01-01",
                    "skill_level": ("senior_worker", "technician", "intermediate_worker")[i % 3],
                },
                today=dt.date(2026, 9, 10),
            )
        )
    competitions.competition_move(actor=actor, competition=competition, to="running")
    for contestant in contestants:
        base = rng.uniform(72, 94)
        for judge in judges:
            if judge.recused_from(contestant):
                continue
            mark = Decimal(str(round(min(100.0, max(0.0, base + rng.uniform(-4, 4))), 1)))
            competitions.score_set(actor=actor, judge=judge, contestant=contestant, score=mark)
    competitions.competition_move(actor=actor, competition=competition, to="scoring")
    competitions.competition_move(
        actor=actor,
        competition=competition,
        to="published",
        awards={"first": 1, "second": 2, "third": 3, "excellence": 2},
    )
    lead = craftsmen[0] if craftsmen else None
    for data, moves in (
        (
            {
                "kind": "studio",
                "title": "高精度主轴热变形补偿攻关",
                "academy": hq,
                "studio_name": "深圳市数控劳模创新工作室",
                "lead": lead,
                "participants_count": 12,
                "start_date": dt.date(2026, 1, 10),
                "end_date": dt.date(2026, 11, 30),
                "outcome": "主轴温升补偿模型投入使用，零件圆度误差降低 40%。",
                "economic_benefit": "860000",
                "patent_count": 2,
                "patents": "一种数控车床主轴热变形补偿装置（实用新型）；主轴温升预测方法（发明，已受理）",
                "adopted": True,
                "evaluated_on": dt.date(2026, 12, 1),
            },
            ("ongoing", "completed"),
        ),
        (
            {
                "kind": "five_small",
                "five_small_type": "innovation",
                "title": "车床快换刀架小革新",
                "studio_name": "",
                "lead": lead,
                "participants_count": 3,
                "start_date": dt.date(2026, 6, 1),
                "economic_benefit": "45000",
            },
            ("ongoing",),
        ),
        (
            {
                "kind": "rationalization",
                "title": "切削液集中过滤回用建议",
                "participants_count": 1,
                "start_date": dt.date(2026, 8, 15),
            },
            (),
        ),
    ):
        item = competitions.innovation_create(actor=actor, org=city, data=data)
        for to in moves:
            item = competitions.innovation_move(actor=actor, innovation=item, to=to)
    return competition
