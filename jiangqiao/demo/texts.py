"""Plausible Chinese texts for demo demands, service items and profiles.

Every text is assembled from the reference data of the enterprise's industry and the paired
occupations' process steps, with phrasing chosen per demand category, so texts differ across
industries and categories rather than repeating one sentence with a swapped noun.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from jiangqiao.matching.engine.explain import clip_phrase

from .catalogue import Industry, Occupation

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚"
    "沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉红建国志新海波宁斌浩宇晨欣怡婷颖嘉鑫"
    "俊峰林琳晓东雪梅春梅慧佳文博翔宏亮成龙家豪子涵思远晨阳振华永红德胜金凤立新卫东"
)
BRAND = "华锐鑫达宏盛恒通创新远航精工力拓凯瑞博信泰安永兴佳联中正天成百川金源隆昌德美华科新锐锦程"
BRAND_WORDS = [BRAND[i : i + 2] for i in range(0, len(BRAND) - 1, 2)]


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def enterprise_name(rng: random.Random, city: str, industry: Industry) -> str:
    product = industry.product
    form = rng.choice(("有限公司", "股份有限公司", "有限公司", "科技有限公司", "实业有限公司"))
    return f"{city.removesuffix('市')}{rng.choice(BRAND_WORDS)}{product}{form}"


# Symptoms and goals per demand sub-category. ``{step}`` is a process step of a paired occupation,
# ``{product}`` the industry's product word.
SYMPTOMS = {
    "innovate.process": [
        "在“{step}”环节工艺参数主要靠老师傅经验设定，换班后一致性差，{product}批次间波动明显",
        "“{step}”工序节拍跟不上前后工序，成为整条线的瓶颈，在制品积压",
        "新引进的{product}品种对“{step}”提出了更高要求，现有工艺窗口摸不准",
    ],
    "innovate.design": [
        "客户提出{product}的定制化需求，我们缺少能把需求转成图纸和工艺文件的人",
        "新产品试制阶段反复修改，“{step}”环节试了三轮仍达不到设计指标",
    ],
    "innovate.quality": [
        "{product}的一次合格率只有八成左右，不良主要集中在“{step}”之后",
        "客户抽检发现{product}尺寸和外观缺陷，追溯到“{step}”控制不到位",
        "质量问题反复出现，原因分析停留在表面，纠正措施落实不下去",
    ],
    "equipment.upgrade": [
        "“{step}”所用设备故障频繁，平均每周停机两到三次，维修全靠厂家远程指导",
        "一台关键设备使用超过十年，精度下降，改造还是更换拿不定主意",
        "设备点检保养不规范，“{step}”时经常出现异响和过热",
    ],
    "green.energy": [
        "“{step}”环节能耗偏高，电费占生产成本比重逐年上升",
        "余热、压缩空气等浪费明显，想做节能改造但不知从哪里入手",
    ],
    "equipment.digital": [
        "“{step}”仍靠人工记录，数据难以追溯，想上数字化采集但员工不会用",
        "引进了自动化设备，但与原有工序衔接不好，“{step}”还需要大量人工干预",
    ],
    "operation.production": [
        "车间现场物料摆放混乱，找料时间长，“{step}”经常等料",
        "订单交期紧，生产计划频繁变动，班组长疲于救火",
    ],
    "operation.quality_system": ["质量管理体系文件齐全但执行走样，内审流于形式"],
    "operation.cost": ["原材料价格上涨，{product}利润被压缩，希望从工艺和管理上挖潜降本"],
    "operation.standard": ["作业指导书多年未更新，与“{step}”的实际做法脱节"],
    "workforce.training": [
        "新招一线员工二十余人，“{step}”上手慢，带教师傅不够",
        "员工对新设备、新工艺掌握不熟练，“{step}”操作不规范",
    ],
    "workforce.certification": ["有一批员工准备申报高级工和技师，缺少系统的理论和实操辅导"],
    "workforce.competition": ["企业选派员工参加行业技能竞赛，需要针对“{step}”的专项集训"],
    "workforce.mentoring": ["希望建立名师带徒机制，把老师傅在“{step}”上的绝活传下去"],
    "protection.production_safety": ["“{step}”存在机械伤害和触电隐患，安全操作规程执行不到位"],
    "protection.occupational_health": ["车间粉尘和噪声较大，“{step}”岗位员工反映身体不适"],
    "green.environment": ["环保检查对废气、废水排放提出整改要求，现有处理工艺达不到"],
    "workforce.small_innovation": ["员工有不少小改小革的想法，缺少懂行的人帮助论证和落地"],
    "innovate.patent": ["几项工艺改进成果想申请专利，不清楚怎么提炼技术要点"],
    "workforce.studio": ["企业准备建立职工创新工作室，需要指导运行机制和课题选择"],
    "workforce.ideology_lecture": ["希望请劳模走进企业，为青年职工讲讲奋斗经历"],
    "workforce.craftsman_spirit": ["想在全厂开展工匠精神宣讲，带动一线员工钻研技术"],
    "operation.team_building": ["班组建设薄弱，班组长管理能力不足，员工流失率偏高"],
}
GOALS = {
    "innovate": [
        "希望有经验的劳模工匠到现场诊断，给出可落地的改进方案，三个月内见效",
        "希望联合攻关，把关键工艺参数固化下来，形成标准作业",
        "希望专家参与立项论证，指导形成可申报的成果",
    ],
    "green": [
        "希望专家现场测算能耗和排放，提出投入小、见效快的改进措施",
        "希望联合攻关，在不影响产量的前提下把单位能耗降下来",
    ],
    "equipment": [
        "希望有经验的劳模工匠到现场诊断，给出可落地的改进方案，三个月内见效",
        "希望专家先远程了解情况，再安排一到两次现场指导",
    ],
    "operation": [
        "希望专家帮助梳理流程，建立适合中小企业的简明管理办法",
        "希望通过诊断找准问题，手把手带出一支能持续改善的骨干队伍",
    ],
    "workforce": [
        "希望安排实操为主的培训，结合企业自有设备，培训后组织考核",
        "希望建立师带徒关系，半年内培养出能独立上岗的骨干",
        "希望安排一次宣讲，并与青年职工座谈交流",
    ],
    "protection": ["希望专家现场排查隐患，提出整改清单并培训员工"],
}
TITLES = {
    "innovate.process": "{product}“{short}”工艺稳定性提升",
    "innovate.design": "{product}新品试制技术支持",
    "innovate.quality": "{product}质量缺陷分析与改进",
    "equipment.upgrade": "“{short}”关键设备故障诊断与改造",
    "green.energy": "{product}生产节能降耗",
    "equipment.digital": "“{short}”数字化改造",
    "operation.production": "车间现场管理与生产计划优化",
    "operation.quality_system": "质量管理体系落地辅导",
    "operation.cost": "{product}降本增效",
    "operation.standard": "“{short}”作业指导书修订",
    "workforce.training": "“{short}”岗位技能培训",
    "workforce.certification": "高级工、技师等级认定辅导",
    "workforce.competition": "技能竞赛专项集训",
    "workforce.mentoring": "“{short}”名师带徒",
    "protection.production_safety": "“{short}”安全隐患排查",
    "protection.occupational_health": "职业健康防护指导",
    "green.environment": "环保整改技术咨询",
    "workforce.small_innovation": "职工“五小”创新指导",
    "innovate.patent": "工艺改进成果专利化",
    "workforce.studio": "职工创新工作室建设指导",
    "workforce.ideology_lecture": "劳模进企业宣讲",
    "workforce.craftsman_spirit": "工匠精神宣讲",
    "operation.team_building": "班组建设与班组长培训",
}
KIND_OF_CATEGORY = {
    "innovate": "tech_problem",
    "green": "tech_problem",
    "equipment": "tech_problem",
    "operation": "management",
    "workforce": "skill_training",
    "protection": "occupational_health",
}
#: Subcategories whose demand kind differs from their category's.
KIND_OF_SUBCATEGORY = {
    "workforce.small_innovation": "tech_problem",
    "workforce.studio": "management",
    "workforce.ideology_lecture": "ideology_lecture",
    "workforce.craftsman_spirit": "ideology_lecture",
}
# How often each category occurs: technical problems and training dominate the campaign.
CATEGORY_WEIGHTS = {
    "innovate": 30,
    "equipment": 20,
    "workforce": 28,
    "operation": 10,
    "green": 7,
    "protection": 5,
}


#: The longest 「short」 name of a step in demand and item titles (… 工艺攻关, … 技术咨询).
SHORT_STEP_MAX = 12


def short_step(step: str) -> str:
    """A few words naming the step: 操作碾米、抛光、色选、配米等设备，精加工糙米 → 精加工糙米.

    The last clause of the step, cut to ``SHORT_STEP_MAX`` characters on a phrase or whole-word
    boundary by the explanations' phrase cutter (never 「…保持架、滚」, never inside brackets,
    never on a trailing 、 or function word).
    """
    parts = [p for p in step.replace("，", ",").split(",") if p.strip()]
    tail = (parts[-1] if len(parts) > 1 else parts[0]).strip()
    return clip_phrase(tail, SHORT_STEP_MAX, mark="")


@dataclass
class DemandText:
    kind: str
    category: str
    subcategory: str
    title: str
    description: str
    current_state: str
    desired_outcome: str


def demand_text(rng: random.Random, industry: Industry) -> tuple[DemandText, Occupation]:
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    subcategory = rng.choice([k for k in SYMPTOMS if k.startswith(category + ".")])
    occupation = rng.choice(industry.occupations)
    step = rng.choice(occupation.tasks)
    values = {"step": step, "short": short_step(step), "product": industry.product}
    symptom = rng.choice(SYMPTOMS[subcategory]).format(**values)
    title = TITLES[subcategory].format(**values)
    scale = rng.choice(("一条生产线", "两个车间", "三十余名一线员工", "主要产品", "核心工序"))
    description = (
        f"我公司主要从事{industry.name}，{symptom}。目前涉及{scale}，"
        f"相关岗位以{occupation.name}为主。{rng.choice(GOALS[category])}。"
    )
    current = rng.choice(
        (
            f"已自行排查过{rng.randint(2, 5)}次，问题仍反复出现",
            "请设备厂家看过，未找到根本原因",
            "内部技术人员能力有限，缺少系统的方法",
            "尚未采取措施",
        )
    )
    desired = rng.choice(
        (
            "问题得到根本解决，形成可复制的标准做法",
            "关键指标提升到行业平均水平以上",
            "员工掌握方法，后续能自行维护和改进",
        )
    )
    return (
        DemandText(
            KIND_OF_SUBCATEGORY.get(subcategory, KIND_OF_CATEGORY[category]),
            category,
            subcategory,
            title,
            description,
            current,
            desired,
        ),
        occupation,
    )


ITEM_TYPES = (
    (
        "tech_consulting",
        "{short}技术咨询",
        "针对{product}企业在“{step}”中的常见问题，提供现场诊断和改进建议",
    ),
    (
        "tech_breakthrough",
        "{short}工艺攻关",
        "带领企业技术骨干围绕“{step}”开展联合攻关，固化关键参数",
    ),
    (
        "skill_training",
        "{occupation}实操培训课程",
        "面向一线员工的{occupation}实操课程，内容包括：{step}等",
    ),
    ("management", "{product}车间现场管理提升", "结合{product}生产特点，指导现场管理和标准作业"),
    ("mentoring", "{occupation}名师带徒", "以师带徒方式传授“{step}”的操作要领和质量控制方法"),
)


def service_items(
    rng: random.Random, industry: Industry, occupation: Occupation, n: int
) -> list[dict[str, str]]:
    items = []
    for kind, title, description in rng.sample(ITEM_TYPES, k=min(n, len(ITEM_TYPES))):
        step = rng.choice(occupation.tasks)
        values = {
            "step": step,
            "short": short_step(step),
            "product": industry.product,
            "occupation": occupation.name,
        }
        items.append(
            {
                "type": kind,
                "title": title.format(**values)[:100],
                "description": description.format(**values),
            }
        )
    return items


def expertise(
    rng: random.Random, industry: Industry, occupation: Occupation
) -> tuple[str, str, list[str]]:
    steps = rng.sample(occupation.tasks, k=min(3, len(occupation.tasks)))
    years = rng.randint(12, 35)
    text = f"从事{occupation.name}工作{years}年，擅长" + "；".join(steps) + "。"
    bio = (
        f"长期扎根{industry.name}一线，{occupation.definition.rstrip('。')}。"
        f"{rng.choice(('多次主持技术攻关', '带徒数十人', '参与多项工艺标准制定', '获得多项实用新型专利'))}。"
    )
    tags = [occupation.name, industry.product, short_step(steps[0])]
    return text, bio, tags
