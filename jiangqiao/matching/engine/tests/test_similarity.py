"""How alike two demand texts are (``engine.similarity``): reworded duplicates are flagged,
different problems of the same enterprise are not. The pairs are realistic demands of a
manufacturing SME; docs/intake.md quotes the scores."""

from __future__ import annotations

from jiangqiao.matching.engine import similarity as sim
from jiangqiao.text import normalize

# (existing demand, the same problem written again in other words)
DUPLICATES = [
    (
        (
            "数控车床主轴异响，加工精度下降",
            "我司两台数控车床主轴在高速运转时出现异响，加工零件的圆度超差，需要专家现场诊断。",
        ),
        (
            "车床主轴有异常噪音",
            "车间的数控车床主轴转速高时有明显噪声，工件圆度不合格，请派师傅来看看。",
        ),
    ),
    (
        (
            "焊接机器人焊缝气孔多",
            "机器人自动焊接的焊缝出现较多气孔，返修率高，希望优化焊接工艺参数。",
        ),
        (
            "机器人焊接气孔问题",
            "自动焊接产线焊缝气孔较多，返修量大，想请焊接专家帮忙调整工艺参数。",
        ),
    ),
    (
        ("注塑件缩痕严重", "注塑产品表面缩痕明显，影响外观合格率，需要模具和工艺方面的指导。"),
        (
            "注塑产品表面有缩痕",
            "我们的注塑件表面出现凹陷缩痕，外观不良率高，请专家指导模具与成型工艺。",
        ),
    ),
    (
        ("新员工电工技能培训", "今年新招30名电工，需要开展低压电工实操技能培训。"),
        ("电工岗位技能培训需求", "新入职电工约30人，希望组织低压电工实操培训，尽快上岗。"),
    ),
    (
        ("污水处理站出水氨氮超标", "厂区污水处理站出水氨氮浓度超过排放标准，生化池运行不稳定。"),
        ("污水站氨氮排放不达标", "我厂污水站氨氮指标经常超标，生化系统效果差，请环保专家指导。"),
    ),
    (
        ("冲压模具磨损快寿命短", "冲压模具刃口磨损很快，每生产两万件就要修模，影响产能。"),
        ("模具寿命短", "冲压车间的模具刃口容易磨损，修模频繁，想延长模具使用寿命。"),
    ),
    (
        ("空压机能耗高", "厂里三台空压机耗电量大，想做节能改造，降低用电成本。"),
        ("空压机节能改造", "空气压缩机电费太高，希望专家评估节能方案，减少能耗。"),
    ),
    (
        ("PLC程序故障导致停机", "包装线PLC程序偶尔出错导致整线停机，需要电气工程师排查。"),
        ("包装线经常停机", "包装生产线的PLC控制程序时不时报错，整条线停下来，请电气专家排查原因。"),
    ),
]

# Two different problems of the same enterprise, of the same kind.
DIFFERENT = [
    (
        (
            "数控车床主轴异响，加工精度下降",
            "我司两台数控车床主轴在高速运转时出现异响，加工零件的圆度超差。",
        ),
        (
            "焊接机器人焊缝气孔多",
            "机器人自动焊接的焊缝出现较多气孔，返修率高，希望优化焊接工艺参数。",
        ),
    ),
    (
        (
            "数控车床主轴异响，加工精度下降",
            "我司两台数控车床主轴在高速运转时出现异响，加工零件的圆度超差。",
        ),
        (
            "数控车床刀具磨损快",
            "数控车床加工不锈钢时刀具磨损很快，换刀频繁，想优化切削参数和刀具选型。",
        ),
    ),
    (
        ("注塑件缩痕严重", "注塑产品表面缩痕明显，影响外观合格率，需要模具和工艺方面的指导。"),
        (
            "注塑机液压系统漏油",
            "两台注塑机液压系统漏油，油温偏高，需要维修人员检修液压管路和密封。",
        ),
    ),
    (
        ("新员工电工技能培训", "今年新招30名电工，需要开展低压电工实操技能培训。"),
        ("叉车司机安全培训", "仓库叉车司机20人，需要开展叉车安全操作和证书复审培训。"),
    ),
    (
        ("污水处理站出水氨氮超标", "厂区污水处理站出水氨氮浓度超过排放标准，生化池运行不稳定。"),
        ("喷涂车间粉尘大", "喷涂车间打磨工序粉尘浓度高，除尘设备效果差，担心职业病危害。"),
    ),
    (
        ("冲压模具磨损快寿命短", "冲压模具刃口磨损很快，每生产两万件就要修模，影响产能。"),
        ("班组长管理能力提升", "一线班组长缺少管理方法，希望开展班组管理和沟通方面的培训。"),
    ),
    (
        ("空压机能耗高", "厂里三台空压机耗电量大，想做节能改造，降低用电成本。"),
        ("冷却塔结垢", "冷却塔和换热器结垢严重，换热效率下降，需要水处理方案。"),
    ),
    (
        ("PLC程序故障导致停机", "包装线PLC程序偶尔出错导致整线停机，需要电气工程师排查。"),
        ("伺服电机过热", "包装线伺服电机温升过高，经常报警，需要电气工程师分析原因。"),
    ),
]


def score(a: tuple[str, str], b: tuple[str, str]) -> float:
    return sim.similarity(
        sim.profile(normalize(a[0]), normalize(a[1])),
        sim.profile(normalize(b[0]), normalize(b[1])),
    )


def test_reworded_duplicates_are_flagged() -> None:
    for old, new in DUPLICATES:
        assert score(old, new) >= sim.THRESHOLD, (old[0], new[0], score(old, new))


def test_different_problems_of_the_same_enterprise_are_not() -> None:
    for old, new in DIFFERENT:
        assert score(old, new) < sim.THRESHOLD, (old[0], new[0], score(old, new))


def test_identical_text_is_the_same_text_whatever_the_spacing_and_width() -> None:
    a = sim.profile(normalize("主轴异响 诊断"), normalize("数控机床主轴异响，需要诊断"))
    b = sim.profile(normalize("主轴异响诊断"), normalize("数控机床主轴异响， 需要诊断"))
    assert sim.same_text(a, b)
    assert sim.similarity(a, b) == 1.0
    # One word more is not the same text (it may be confirmed), though as alike as can be.
    c = sim.profile(normalize("主轴异响诊断"), normalize("数控机床主轴异响，需要尽快诊断"))
    assert not sim.same_text(a, c)
    assert sim.similarity(a, c) >= sim.THRESHOLD


def test_empty_or_generic_text_is_like_nothing() -> None:
    empty = sim.profile("", "")
    generic = sim.profile("技术指导", "需要专家现场指导，提升技术水平")
    other = sim.profile("现场技术指导", "希望提供技术服务和现场指导")
    assert sim.similarity(empty, generic) == 0.0
    # Both only ask for 现场/技术/指导: the generic words say nothing about the problem.
    assert sim.similarity(generic, other) < sim.THRESHOLD
