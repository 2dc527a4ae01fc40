"""The quality score of a demand before it is listed publicly (发布质量评分, issue 18 point 6).

Like the Enterprise Europe Network's profile check, a demand is scored **0–5 on each of four
criteria**; each score comes with the reasons and, below 5, with *what to add*, naming the field:

1. **问题清晰度** (clarity) — the description read through the project's one text normaliser
   (``jiangqiao.text.normalize``): its length, whether current state / problem / desired outcome
   are all said (not just a title repeated), concrete figures and equipment or process terms.
2. **信息完整度** (completeness) — kind, category, industry, service location, expected outcome,
   expected completion date and required expertise tags filled in.
3. **企业核验** (verification) — ``enterprise_verification``: one function, the single place the
   enterprise's facts are read (USCC check digit, enterprise active, size class derived, a contact
   with a mobile, a contact with a login). Self-registration adds a verified/unverified state to the
   enterprise; that rule belongs in this function and nowhere else.
4. **可行性** (feasibility) — expected completion date neither past nor too near, service mode
   consistent with the location, and supply: craftsmen who agreed to serve the demand's area
   (``talents.selectors.serviceable_for``, cross-unit, no scope widening) holding the demand's
   category as an expertise tag — one ``EXISTS``-filtered query limited to a few rows.

Everything is deterministic (no model, no randomness): the same demand on the same day gives the
same score and the same words. A demand is publishable when every criterion reaches
``quality_min_each`` and the total reaches ``quality_min_total`` (``JIANGQIAO_CASEWORK``; defaults
2 and 12 of 20), and — a hard block whatever the score — its text names neither the enterprise nor
its USCC nor a contact's mobile (the claim list is anonymised).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiangqiao.core.choices import Status
from jiangqiao.core.identifiers import IdentifierError, validate_uscc
from jiangqiao.demands.choices import DeliveryMode, DemandKind
from jiangqiao.text import normalize

MAX = 5
DESCRIPTION_MIN = 30
DESCRIPTION_FULL = 80
#: An expected completion date nearer than this many days cannot be staffed from the list.
DEADLINE_MIN_DAYS = 7
#: Craftsmen with the category in the demand's area for full marks on supply.
SUPPLY_FULL = 3


def min_each() -> int:
    return int(settings.JIANGQIAO_CASEWORK.get("quality_min_each", 2))


def min_total() -> int:
    return int(settings.JIANGQIAO_CASEWORK.get("quality_min_total", 12))


@dataclass(frozen=True)
class Advice:
    """One thing to add: the field (model name), its Chinese label and the sentence."""

    field: str
    label: str
    message: str

    @property
    def text(self) -> str:
        return f"{self.label}：{self.message}"


@dataclass
class CriterionScore:
    key: str
    label: str
    score: int = 0
    reasons: list[str] = field(default_factory=list)  # what earned the points
    advice: list[Advice] = field(default_factory=list)  # what to add for more

    def add(self, points: int, reason: str) -> None:
        self.score = min(MAX, self.score + points)
        self.reasons.append(reason)

    def lack(self, field_name: str, label: str, message: str) -> None:
        self.advice.append(Advice(field_name, label, message))

    @property
    def ok(self) -> bool:
        return self.score >= min_each()

    @property
    def percent(self) -> int:
        return self.score * 100 // MAX


@dataclass
class QualityReport:
    criteria: list[CriterionScore]
    leaked: list[tuple[str, str]] = field(default_factory=list)  # (field, label) naming the firm

    @property
    def total(self) -> int:
        return sum(c.score for c in self.criteria)

    #: The stored figure (``Publication.quality_score``) is the total of 20.
    score = total

    @property
    def maximum(self) -> int:
        return MAX * len(self.criteria)

    @property
    def threshold(self) -> dict[str, int]:
        return {"each": min_each(), "total": min_total()}

    @property
    def anonymous(self) -> bool:
        return not self.leaked

    @property
    def score_passed(self) -> bool:
        return all(c.ok for c in self.criteria) and self.total >= min_total()

    @property
    def passed(self) -> bool:
        return self.score_passed and self.anonymous

    def scores(self) -> dict[str, int]:
        return {c.key: c.score for c in self.criteria}

    def to_add(self) -> list[Advice]:
        """What the enterprise should add: the weakest criteria's advice first."""
        ordered = sorted(self.criteria, key=lambda c: c.score)
        seen: set[str] = set()
        result = []
        for criterion in ordered:
            for item in criterion.advice:
                if item.text not in seen:
                    seen.add(item.text)
                    result.append(item)
        return result

    def for_enterprise(self) -> list[Advice]:
        """What the enterprise is asked to add (退回企业补充): only fields it can edit itself
        (``demands.services.ENTERPRISE_DEMAND_FIELDS``), each field once — its messages joined —
        in the order of :meth:`to_add`. The union's fields (需求类别, enterprise checks) are not its
        task: they are listed for the staff by :meth:`for_union`."""
        return _by_field(a for a in self.to_add() if a.field in _enterprise_fields())

    def for_union(self) -> list[Advice]:
        """What only the union can complete (需求类别 at triage, the enterprise's checks), each
        field once: staff complete it themselves; it is never sent to the enterprise."""
        return _by_field(a for a in self.to_add() if a.field not in _enterprise_fields())

    def anonymity_message(self) -> str:
        labels = "、".join(label for _f, label in self.leaked)
        return f"{labels}：含有企业名称、统一社会信用代码或联系电话，认领清单匿名展示，发布前请删去"

    def refusal(self) -> list[tuple[str, str]]:
        """(field, message) of each reason publication is refused, naming the field."""
        errors: list[tuple[str, str]] = []
        if self.leaked:
            errors.append((self.leaked[0][0], self.anonymity_message()))
        if self.score_passed:
            return errors
        for c in self.criteria:
            if not c.ok:
                first = c.advice[0] if c.advice else None
                errors.append(
                    (
                        first.field if first else "description",
                        f"{c.label}仅 {c.score}/{MAX} 分（每项至少 {min_each()} 分）"
                        + (f"。{first.text}" if first else ""),
                    )
                )
        if self.total < min_total():
            items = self.to_add()
            errors.append(
                (
                    items[0].field if items else "description",
                    f"质量评分：合计 {self.total}/{self.maximum} 分，低于发布要求 {min_total()} 分"
                    + ("。需补充：" + "；".join(a.text for a in items[:4]) if items else ""),
                )
            )
        return errors

    def as_error(self) -> ValidationError:
        errors: dict[str, list[str]] = {}
        for name, message in self.refusal():
            errors.setdefault(name, []).append(message)
        return ValidationError(errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "score": self.total,
            "maximum": self.maximum,
            "threshold": self.threshold,
            "anonymous": self.anonymous,
            "criteria": [
                {
                    "key": c.key,
                    "label": c.label,
                    "score": c.score,
                    "ok": c.ok,
                    "reasons": c.reasons,
                    "advice": [asdict(a) | {"text": a.text} for a in c.advice],
                }
                for c in self.criteria
            ],
            "to_add": [a.text for a in self.to_add()],
            "to_add_enterprise": [a.text for a in self.for_enterprise()],
            "to_add_union": [a.text for a in self.for_union()],
            "refusal": [message for _f, message in self.refusal()],
        }


def _enterprise_fields() -> tuple[str, ...]:
    from jiangqiao.demands.services import ENTERPRISE_DEMAND_FIELDS

    return ENTERPRISE_DEMAND_FIELDS


def _by_field(items: Any) -> list[Advice]:
    """One item per field, in first-seen order; several messages of a field joined with “；”."""
    merged: dict[str, Advice] = {}
    for item in items:
        first = merged.get(item.field)
        if first is None:
            merged[item.field] = item
        elif item.message not in first.message.split("；"):
            merged[item.field] = Advice(item.field, first.label, f"{first.message}；{item.message}")
    return list(merged.values())


# ----------------------------------------------------------------------------------------------
# ① 问题清晰度
# ----------------------------------------------------------------------------------------------

_STATE_WORDS = ("目前", "现状", "现在", "当前", "现有", "已经", "一直", "经常", "频繁")
_OUTCOME_WORDS = ("希望", "期望", "目标", "要求", "达到", "提高到", "降低到", "控制在", "实现")
#: A figure with a unit or a percentage: 0.02mm, 15%, 3台, 200 人, 8 小时, 120℃ …
_FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|‰|mm|cm|μm|um|m|kg|t|kw|kv|v|a|mpa|hz|rpm|℃|°|台|套|条|件|个|人|名|"
    r"次|吨|米|毫米|微米|公斤|千克|小时|分钟|秒|天|周|月|年|万|元|批|道|班|工位|型)",
    re.IGNORECASE,
)
#: Equipment and process words of the platform's fields (a plain list, deterministic).
_TERMS = (
    "设备", "机床", "数控", "加工中心", "主轴", "模具", "生产线", "产线", "工艺", "工序", "焊接",
    "焊缝", "铸造", "锻造", "热处理", "注塑", "冲压", "装配", "检测", "精度", "公差", "良品率",
    "合格率", "不良率", "参数", "PLC", "传感器", "电机", "变频", "液压", "气动", "伺服", "机器人",
    "自动化", "调试", "维修", "保养", "故障", "能耗", "质量", "工装", "夹具", "刀具", "涂装",
    "电路", "软件", "系统", "标准", "规程", "培训", "课程", "实操", "考核", "职业病", "粉尘",
    "噪声", "安全",
)  # fmt: skip


def _plain(text: str | None) -> str:
    """The normalised text without whitespace or punctuation (for length and repetition)."""
    return re.sub(r"[\s\W_]+", "", normalize(text or ""), flags=re.UNICODE)


def _clarity(demand: Any) -> CriterionScore:
    c = CriterionScore("clarity", "问题清晰度")
    description = normalize(demand.description or "", keep_newlines=True)
    body = _plain(description)
    title = _plain(demand.title)
    if not body or body == title or (len(body) < len(title) + 10 and title and title in body):
        c.lack(
            "description",
            "需求描述",
            "只重复了标题，请写清设备或工序的现状、出现的问题和希望达到的效果",
        )
        return c
    if len(body) >= DESCRIPTION_MIN:
        c.add(1, f"描述 {len(body)} 个字")
    else:
        c.lack("description", "需求描述", f"至少 {DESCRIPTION_MIN} 个字（当前 {len(body)} 个字）")
    if len(body) >= DESCRIPTION_FULL:
        c.add(1, f"描述充分（不少于 {DESCRIPTION_FULL} 个字）")
    elif len(body) >= DESCRIPTION_MIN:
        c.lack("description", "需求描述", f"再具体一些（不少于 {DESCRIPTION_FULL} 个字更易被认领）")
    has_state = bool(_plain(demand.current_state)) or any(w in description for w in _STATE_WORDS)
    has_outcome = bool(_plain(demand.desired_outcome)) or any(
        w in description for w in _OUTCOME_WORDS
    )
    if has_state and has_outcome:
        c.add(1, "写明了现状、问题和期望效果")
    elif not has_state:
        c.lack("current_state", "现状", "请说明目前的设备、工艺或做法和问题出现的情况")
    else:
        c.lack("desired_outcome", "期望效果", "请写明希望达到的效果或指标")
    text = " ".join(
        normalize(t or "") for t in (description, demand.current_state, demand.desired_outcome)
    )
    figures = _FIGURE.findall(text)
    if figures:
        c.add(1, "有具体数字（" + "、".join(dict.fromkeys(figures[:3])) + "）")
    else:
        c.lack("description", "需求描述", "请给出具体数字（如精度、产量、不良率、人数、时长）")
    upper = text.upper()
    terms = [t for t in _TERMS if t.upper() in upper]
    if terms:
        c.add(1, "有设备或工艺术语（" + "、".join(terms[:3]) + "）")
    else:
        c.lack("description", "需求描述", "请写明涉及的设备型号、工序或工艺名称")
    if len(body) < DESCRIPTION_MIN:
        c.score = min(c.score, 1)  # the problem itself must be told, not only its surroundings
    return c


# ----------------------------------------------------------------------------------------------
# ② 信息完整度
# ----------------------------------------------------------------------------------------------

#: (field, label, filled?, what to add) — the score is the share filled, rounded, of 5.
_COMPLETENESS: tuple[tuple[str, str, str], ...] = (
    ("kind", "需求类型", "请选择需求类型"),
    ("category", "需求类别", "请在分级受理时确定需求类别"),
    ("industry_codes", "所属行业", "请选择所属行业（便于按行业匹配劳模工匠）"),
    ("region_code", "服务地点", "请填写服务地点（地区）"),
    ("desired_outcome", "期望效果", "请填写期望效果"),
    ("deadline", "期望完成日期", "请填写期望完成日期"),
    ("tags", "所需专长标签", "请填写所需专长标签（如“数控维修”“焊接工艺”）"),
)


def _completeness(demand: Any) -> CriterionScore:
    c = CriterionScore("completeness", "信息完整度")
    filled = []
    for name, label, message in _COMPLETENESS:
        value = getattr(demand, name)
        if isinstance(value, str):
            value = value.strip()
        if value:
            filled.append(label)
        else:
            c.lack(name, label, message)
    # The share filled, rounded half up, of 5.
    c.score = (len(filled) * MAX * 2 + len(_COMPLETENESS)) // (2 * len(_COMPLETENESS))
    c.reasons.append(f"已填 {len(filled)}/{len(_COMPLETENESS)} 项：" + "、".join(filled))
    if demand.kind == DemandKind.SKILL_TRAINING and not demand.trainee_count:
        c.lack("trainee_count", "培训人数", "技能培训需求请填写培训人数")
        c.score = min(c.score, 1)
    if not demand.kind or not demand.category:
        c.score = min(c.score, 1)  # without kind and category nobody can tell who may serve
    return c


# ----------------------------------------------------------------------------------------------
# ③ 企业核验 — the one rule; self-registration's verified state extends it here
# ----------------------------------------------------------------------------------------------


def enterprise_verification(enterprise: Any) -> CriterionScore:
    """0–5 from what the platform knows of the enterprise. A disabled enterprise scores 0.

    * 1 — the USCC passes GB 32100's check digit;
    * 1 — its union unit has confirmed it (entered by staff, or a self-registration approved:
      ``Enterprise.is_verified``, docs/intake.md);
    * 1 — the size class could be derived (staff count, revenue or assets recorded);
    * 1 — a contact with a mobile number;
    * 1 — a contact with a login (the enterprise can answer on the platform).
    """
    c = CriterionScore("verification", "企业核验")
    if enterprise.status != Status.ACTIVE:
        c.lack("enterprise", "企业", "企业已停用，请工会核实企业状态")
        return c
    try:
        validate_uscc(enterprise.uscc or "")
    except IdentifierError:
        c.lack("uscc", "统一社会信用代码", "校验未通过，请工会核对营业执照上的代码")
    else:
        c.add(1, "统一社会信用代码校验通过")
    if enterprise.is_verified:
        c.add(1, "已由所属工会确认")
    else:
        c.lack("enterprise", "企业核实", "企业为自助注册，待所属工会在“企业注册审核”中确认")
    if enterprise.size_class:
        c.add(1, f"已划型（{enterprise.get_size_class_display()}）")
    else:
        c.lack("staff_count", "从业人员", "请补充从业人员、营业收入或资产总额，以便划型")
    contacts = list(enterprise.contacts.values_list("mobile", "user_id"))
    if any(mobile for mobile, _u in contacts):
        c.add(1, "有联系人手机号")
    else:
        c.lack("mobile", "联系人手机号", "请补充企业联系人的手机号码")
    if any(user for _m, user in contacts):
        c.add(1, "联系人已开通账号")
    else:
        c.lack("user", "联系人账号", "请为企业联系人开通账号，便于在平台上答复和确认")
    return c


# ----------------------------------------------------------------------------------------------
# ④ 可行性
# ----------------------------------------------------------------------------------------------


def _supply(demand: Any) -> int:
    """Craftsmen who serve the demand's area and hold its category as an expertise tag (at
    most ``SUPPLY_FULL`` counted): one query."""
    from django.db.models import Exists, OuterRef, Q

    from jiangqiao.talents.models import CraftsmanCode
    from jiangqiao.talents.selectors import serviceable_for

    tag = CraftsmanCode.objects.filter(craftsman=OuterRef("pk"), scheme="tag").filter(
        Q(code=demand.category) | Q(code__startswith=f"{demand.category}.")
    )
    return len(serviceable_for(demand).filter(Exists(tag)).values("pk")[:SUPPLY_FULL])


def _feasibility(demand: Any, today: dt.date) -> CriterionScore:
    c = CriterionScore("feasibility", "可行性")
    deadline = demand.deadline
    if deadline is None:
        c.add(1, "未限定完成日期")
    elif deadline < today:
        c.lack("deadline", "期望完成日期", f"{deadline:%Y-%m-%d} 已过，请改为今天以后的日期")
    elif deadline < today + dt.timedelta(days=DEADLINE_MIN_DAYS):
        c.lack(
            "deadline",
            "期望完成日期",
            f"距今不足 {DEADLINE_MIN_DAYS} 天，劳模工匠难以安排，请适当放宽",
        )
    else:
        c.add(1, f"完成日期 {deadline:%Y-%m-%d}，时间可安排")
    region = demand.region_code or ""
    if not region:
        c.lack("region_code", "服务地点", "请填写服务地点")
    elif demand.delivery_mode == DeliveryMode.ONSITE and region.endswith("00"):
        c.lack("region_code", "服务地点", "需要现场服务时请填写到区（县）")
    else:
        c.add(1, "服务方式与服务地点一致")
    if not region or not demand.category:
        if not demand.category:
            c.lack("category", "需求类别", "确定需求类别后才能判断有无可承接的劳模工匠")
        c.score = min(c.score, 1)  # who could serve it cannot be judged
        return c
    found = _supply(demand)
    if found >= SUPPLY_FULL:
        c.add(3, f"服务地区内有 {SUPPLY_FULL} 位以上具备该类别专长的劳模工匠")
    elif found:
        c.add(2, f"服务地区内有 {found} 位具备该类别专长的劳模工匠")
    else:
        c.add(1, "需求类别已确定")
        c.lack(
            "category",
            "需求类别",
            "服务地区内暂无具备该类别专长的劳模工匠，请确认类别，或改为线上服务以扩大范围",
        )
    return c


# ----------------------------------------------------------------------------------------------
# Anonymity (hard block) and the report
# ----------------------------------------------------------------------------------------------

_LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "厂")
_REGION_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,3}?(?:省|市|自治区|自治州|区|县)")
_TEXT_FIELDS = (
    ("title", "需求标题"),
    ("description", "需求描述"),
    ("current_state", "现状"),
    ("desired_outcome", "期望效果"),
)


def identifying_terms(demand: Any) -> list[str]:
    """The enterprise's name (and its core without legal suffix or leading region), former names,
    USCC and contacts' mobiles: none may appear in text shown on the anonymised list."""
    ent = demand.enterprise
    names = [ent.name, *(line.strip() for line in (ent.former_names or "").splitlines())]
    terms: set[str] = set()
    for name in filter(None, names):
        terms.add(name)
        core = name
        for suffix in _LEGAL_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix) + 1:
                core = core[: -len(suffix)]
                break
        terms.add(core)
        for _ in range(2):
            stripped = _REGION_PREFIX.sub("", core, count=1)
            if stripped == core:
                break
            core = stripped
            terms.add(core)
    if ent.uscc:
        terms.add(ent.uscc.upper())
    for mobile in ent.contacts.exclude(mobile="").values_list("mobile", flat=True):
        terms.add(str(mobile))
    return [t for t in terms if len(t) >= 4]


def quality_check(demand: Any, *, today: dt.date | None = None) -> QualityReport:
    """The four scores of ``demand`` today, and whether its text names the enterprise."""
    today = today or timezone.localdate()
    terms = [t.upper() for t in identifying_terms(demand)]
    leaked = [
        (name, label)
        for name, label in _TEXT_FIELDS
        if any(t in (getattr(demand, name) or "").upper() for t in terms)
    ]
    return QualityReport(
        [
            _clarity(demand),
            _completeness(demand),
            enterprise_verification(demand.enterprise),
            _feasibility(demand, today),
        ],
        leaked,
    )
