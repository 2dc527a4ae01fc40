"""Writes of competitions (劳动和技能竞赛) and innovation activities (issue 15 point 7). Every
function is atomic, scope-checked and audited; statuses change only here, along the state tables
below, by a conditional update that leaves a history row.

Rules (pages, API and the demo behave the same):

* dates: the registration window ends before the competition starts; every range is ordered;
* eligibility, checked on registration, each refusal naming its field: the declared skill level
  lies between the minimum and the maximum (compared by the taxonomy's ``rank``: the national
  scale is inverted, 一级 is the highest); the declared occupation is one of the allowed ones (a
  code or a descendant of one; the competition's occupation when none are listed); the employer
  restriction (an enterprise of the demand pool in the organiser's subtree, or an employer in a
  region: the enterprise's region or the USCC's registration division); the window is open and
  the competition is 报名中; one registration per worker; at most ``max_participants``;
* a judge is **recused** from contestants of his own employer (same USCC or same name): the
  marking sheet hides them and ``score_set`` refuses;
* marks (0–100, one decimal) are entered while the competition is 比赛中 or 评分中; publication
  needs every (judge × contestant) mark that is not recused, writes the final scores, ranks and
  awards (``scoring``) and freezes the marks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.concurrency import claim_version
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.services import clean_code_list
from jiangqiao.taxonomy.selectors import get_term, term_label

from . import scoring
from .choices import (
    Award,
    CompetitionLevel,
    CompetitionStatus,
    EmployerRestriction,
    FiveSmallType,
    InnovationKind,
    InnovationStatus,
    JudgeKind,
)
from .classes import _date, _int, clean_worker, trainee_register
from .models import (
    Academy,
    Competition,
    CompetitionStatusChange,
    Contestant,
    Innovation,
    InnovationStatusChange,
    Judge,
    Score,
    TrainingClass,
)
from .services import MODULE, _check_org, _term, _text, _uscc, _visible

#: The competition state table: from → the statuses it may move to.
COMPETITION_MOVES: dict[str, set[str]] = {
    CompetitionStatus.PREPARING: {CompetitionStatus.REGISTERING, CompetitionStatus.CANCELLED},
    CompetitionStatus.REGISTERING: {
        CompetitionStatus.PREPARING,
        CompetitionStatus.RUNNING,
        CompetitionStatus.CANCELLED,
    },
    CompetitionStatus.RUNNING: {CompetitionStatus.SCORING, CompetitionStatus.CANCELLED},
    CompetitionStatus.SCORING: {CompetitionStatus.PUBLISHED, CompetitionStatus.CANCELLED},
    CompetitionStatus.PUBLISHED: set(),
    CompetitionStatus.CANCELLED: set(),
}
#: The innovation state table.
INNOVATION_MOVES: dict[str, set[str]] = {
    InnovationStatus.APPROVED: {InnovationStatus.ONGOING, InnovationStatus.TERMINATED},
    InnovationStatus.ONGOING: {InnovationStatus.COMPLETED, InnovationStatus.TERMINATED},
    InnovationStatus.COMPLETED: set(),
    InnovationStatus.TERMINATED: set(),
}
#: Statuses in which the rules of a competition may still change.
EDITABLE = (CompetitionStatus.PREPARING, CompetitionStatus.REGISTERING)
#: Statuses in which judges mark.
MARKING = (CompetitionStatus.RUNNING, CompetitionStatus.SCORING)
FINAL = (CompetitionStatus.PUBLISHED, CompetitionStatus.CANCELLED)

COMPETITION_FIELDS = (
    "title",
    "level",
    "occupation",
    "academy",
    "registration_start",
    "registration_end",
    "start_date",
    "end_date",
    "venue",
    "min_skill_level",
    "max_skill_level",
    "allowed_occupations",
    "employer_restriction",
    "region_prefix",
    "max_participants",
    "description",
)
JUDGE_FIELDS = ("name", "employer_name", "employer_uscc", "title")
CONTESTANT_FIELDS = (
    "name",
    "id_number",
    "mobile",
    "employer_name",
    "employer_uscc",
    "enterprise",
    "occupation",
    "skill_level",
)
AWARD_FIELDS = {
    Award.FIRST: "awards_first",
    Award.SECOND: "awards_second",
    Award.THIRD: "awards_third",
    Award.EXCELLENCE: "awards_excellence",
}
INNOVATION_FIELDS = (
    "kind",
    "five_small_type",
    "title",
    "academy",
    "studio_name",
    "lead",
    "participants_count",
    "start_date",
    "end_date",
    "outcome",
    "economic_benefit",
    "patent_count",
    "patents",
    "adopted",
    "evaluated_on",
)
SCORE_MAX = Decimal("100")


def _fields(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _label(field: str) -> str:
    return str(Competition._meta.get_field(field).verbose_name)  # type: ignore[union-attr]


def skill_rank(code: str) -> int | None:
    """The seniority of a skill level (taxonomy ``rank``: 学徒工 1 … 一级/高级技师 6)."""
    term = get_term("skill_level", code) if code else None
    return term.rank if term is not None else None


def region_root(code: str) -> str:
    """A GB/T 2260 code as a prefix: ``440300`` → ``4403``, ``440000`` → ``44``."""
    code = code.strip()
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


# ------------------------------------------------------------------------------------------------
# Competitions
# ------------------------------------------------------------------------------------------------


def _apply_competition(c: Competition, data: dict[str, Any], actor: Any) -> None:
    for field, value in data.items():
        if field == "title":
            value = _text(field, value, "赛事名称", 100, required=True)
        elif field == "level":
            if value not in CompetitionLevel.values:
                raise BusinessError("赛事级别：不是有效的选项", field=field)
        elif field == "occupation":
            value = _term("occupation", field, "竞赛职业（工种）", value)
        elif field in ("min_skill_level", "max_skill_level"):
            label = "最低技能等级" if field == "min_skill_level" else "最高技能等级"
            value = _term("skill_level", field, label, value)
        elif field == "region_prefix":
            value = _term("region", field, "限定地区", value)
        elif field == "allowed_occupations":
            value = clean_code_list("occupation", "限报职业（工种）", field, value)
        elif field == "employer_restriction":
            if value in (None, ""):
                value = EmployerRestriction.NONE
            if value not in EmployerRestriction.values:
                raise BusinessError("工作单位限制：不是有效的选项", field=field)
        elif field in ("registration_start", "registration_end", "start_date", "end_date"):
            value = _date(field, _label(field), value)
        elif field == "venue":
            value = _text(field, value, "比赛地点", 200)
        elif field == "description":
            value = _text(field, value, "赛事说明", 2000)
        elif field == "max_participants":
            value = _int(field, "人数上限", value, 1, 100000)
        elif field == "academy" and value is not None and actor is not None:
            _visible(Academy, actor, value, "view", "academy", "承办学院")
        setattr(c, field, value)
    if not c.title:
        raise BusinessError("赛事名称：不能为空", field="title")
    if not c.level:
        raise BusinessError("赛事级别：不能为空", field="level")
    for field in ("registration_start", "registration_end", "start_date", "end_date"):
        if getattr(c, field) is None:
            raise BusinessError(f"{_label(field)}：不能为空", field=field)
    if c.registration_end < c.registration_start:
        raise BusinessError("报名截止日期：不能早于报名开始日期", field="registration_end")
    if c.registration_end >= c.start_date:
        raise BusinessError("报名截止日期：应早于比赛开始日期", field="registration_end")
    if c.end_date < c.start_date:
        raise BusinessError("比赛结束日期：不能早于比赛开始日期", field="end_date")
    low, high = skill_rank(c.min_skill_level), skill_rank(c.max_skill_level)
    if low is not None and high is not None and low > high:
        raise BusinessError("最高技能等级：不能低于最低技能等级", field="max_skill_level")
    if c.employer_restriction == EmployerRestriction.REGION and not c.region_prefix:
        raise BusinessError("限定地区：限指定地区企业职工时须选择地区", field="region_prefix")
    if c.max_participants is None:
        raise BusinessError("人数上限：不能为空", field="max_participants")


def _set_classes(c: Competition, actor: Any, chosen: Iterable[TrainingClass]) -> None:
    chosen = list(chosen)
    for tc in chosen:
        _visible(TrainingClass, actor, tc, "view", "classes", "赛前培训班次")
    c.classes.set(chosen)


@transaction.atomic
def competition_create(
    *,
    actor: Any,
    org: Any,
    data: dict[str, Any],
    classes: Iterable[TrainingClass] | None = None,
) -> Competition:
    """A competition (筹备中) organised by ``org``."""
    _fields(data, COMPETITION_FIELDS)
    _check_org(org)
    c = Competition(org=org, created_by=actor, updated_by=actor)
    _apply_competition(c, data, actor)
    c.full_clean()
    c.save()
    if actor is not None:
        assert_visible(Competition, actor, c.pk, "add")
    if classes:
        _set_classes(c, actor, classes)
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记竞赛“{c.title}”",
        target=c,
    )
    return c


def _lock(c: Competition) -> Competition:
    return Competition.objects.select_for_update().get(pk=c.pk)


@transaction.atomic
def competition_update(
    *,
    actor: Any,
    competition: Competition,
    data: dict[str, Any],
    classes: Iterable[TrainingClass] | None = None,
    version: int | None = None,
) -> Competition:
    """Change a competition's terms (only while 筹备中 or 报名中; the linked classes any time
    before it is published or cancelled)."""
    _fields(data, COMPETITION_FIELDS)
    assert_visible(Competition, actor, competition.pk, "change")
    claim_version(competition, version)
    c = _lock(competition)
    if c.status in FINAL:
        raise BusinessError(f"竞赛{c.get_status_display()}，不能修改", field="status")
    if data and c.status not in EDITABLE:
        changed = {f for f, v in data.items() if getattr(c, f, None) != v}
        if changed:
            raise BusinessError(
                f"竞赛{c.get_status_display()}，赛事规则不能再修改", field=sorted(changed)[0]
            )
    _apply_competition(c, data, actor)
    taken = c.contestants.count()
    if c.max_participants < taken:
        raise BusinessError(f"人数上限：不能小于已报名人数（{taken} 人）", field="max_participants")
    c.updated_by = actor
    c.full_clean()
    c.save()
    if classes is not None:
        _set_classes(c, actor, classes)
    return c


def _missing_marks(c: Competition) -> tuple[Judge, Contestant] | None:
    judges = list(c.judges.select_related("craftsman"))
    marked = set(c.scores.values_list("judge_id", "contestant_id"))
    for contestant in c.contestants.select_related("trainee", "enterprise"):
        for judge in judges:
            if (judge.pk, contestant.pk) in marked or judge.recused_from(contestant):
                continue
            return judge, contestant
    return None


def _award_counts(awards: dict[str, Any] | None) -> dict[str, int]:
    if awards is None:
        raise BusinessError("奖项名额：公布成绩时须设定各奖项名额", field="awards_first")
    counts: dict[str, int] = {}
    for award, field in AWARD_FIELDS.items():
        counts[award] = _int(
            field, f"{Award(award).label}名额", awards.get(award, 0) or 0, 0, 100000
        )
    return counts


def _publish(c: Competition, actor: Any, awards: dict[str, Any] | None) -> None:
    counts = _award_counts(awards)
    contestants = list(c.contestants.select_related("trainee"))
    if not contestants:
        raise BusinessError("本赛事没有参赛选手，不能公布成绩", field="status")
    if not c.judges.exists():
        raise BusinessError("本赛事没有评委，不能公布成绩", field="status")
    missing = _missing_marks(c)
    if missing is not None:
        judge, contestant = missing
        raise BusinessError(
            f"评分未完成：评委“{judge.display_name}”尚未给选手“{contestant}”评分",
            field="scores",
        )
    if sum(counts.values()) > len(contestants):
        raise BusinessError(
            f"奖项名额：合计不能超过参赛人数（{len(contestants)} 人）", field="awards_first"
        )
    marks: dict[int, list[Decimal]] = {x.pk: [] for x in contestants}
    for contestant_id, mark in c.scores.values_list("contestant_id", "score"):
        marks[contestant_id].append(mark)
    for contestant in contestants:
        if not marks[contestant.pk]:
            raise BusinessError(
                f"评分未完成：选手“{contestant}”没有可评分的评委（均须回避）", field="scores"
            )
    ranked = scoring.assign_awards(scoring.rank(marks), counts)
    by_pk = {x.pk: x for x in contestants}
    for row in ranked:
        contestant = by_pk[row.key]
        contestant.final_score = row.final
        contestant.rank = row.rank
        contestant.award = row.award
        contestant.updated_by = actor
        contestant.save(update_fields=["final_score", "rank", "award", "updated_by", "updated_at"])
    for award, field in AWARD_FIELDS.items():
        setattr(c, field, counts[award])
    c.published_at = timezone.now()
    c.save(update_fields=[*AWARD_FIELDS.values(), "published_at"])


@transaction.atomic
def competition_move(
    *,
    actor: Any,
    competition: Competition,
    to: str,
    awards: dict[str, Any] | None = None,
) -> Competition:
    """Move the competition along ``COMPETITION_MOVES``. 已公布 needs ``awards`` (count per award
    code) and every mark; it writes the results and freezes the marks."""
    assert_visible(Competition, actor, competition.pk, "change")
    c = _lock(competition)
    if to not in CompetitionStatus.values:
        raise BusinessError("状态：不是有效的选项", field="status")
    if to not in COMPETITION_MOVES[c.status]:
        raise BusinessError(
            f"状态：{c.get_status_display()}的竞赛不能改为{CompetitionStatus(to).label}",
            field="status",
        )
    if to == CompetitionStatus.RUNNING and not c.contestants.exists():
        raise BusinessError("尚无参赛选手，不能开赛", field="status")
    if to == CompetitionStatus.SCORING and not c.judges.exists():
        raise BusinessError("请先添加评委再进入评分", field="status")
    if to == CompetitionStatus.PUBLISHED:
        _publish(c, actor, awards)
    before = c.status
    done = Competition.objects.filter(pk=c.pk, status=before).update(
        status=to, version=F("version") + 1, updated_by=actor, updated_at=timezone.now()
    )
    if done != 1:  # pragma: no cover - the row is locked above; kept as the conditional guard
        raise BusinessError("竞赛状态已被他人修改，请刷新后重试", field="status")
    CompetitionStatusChange.objects.create(
        competition=c, from_status=before, to_status=to, at=timezone.now(), by=actor
    )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=(
            f"竞赛“{c.title}”：{CompetitionStatus(before).label} → {CompetitionStatus(to).label}"
        ),
        target=c,
    )
    c.refresh_from_db()
    return c


# ------------------------------------------------------------------------------------------------
# Registration
# ------------------------------------------------------------------------------------------------


def _occupation_in(code: str, allowed: str) -> bool:
    """``code`` is ``allowed`` or lies under it (大典 codes pad the levels below with ``-00``)."""
    root = allowed
    while root.endswith("-00"):
        root = root[:-3]
    return code == allowed or code.startswith(f"{root}-")


def _check_eligibility(c: Competition, declared: dict[str, Any], worker: dict[str, Any]) -> None:
    level = declared["skill_level"]
    rank = skill_rank(level)
    low, high = skill_rank(c.min_skill_level), skill_rank(c.max_skill_level)
    if low is not None and (rank is None or rank < low):
        raise BusinessError(
            f"技能等级：本赛事要求不低于{term_label('skill_level', c.min_skill_level)}",
            field="skill_level",
        )
    if high is not None and rank is not None and rank > high:
        raise BusinessError(
            f"技能等级：本赛事要求不高于{term_label('skill_level', c.max_skill_level)}",
            field="skill_level",
        )
    allowed = list(c.allowed_occupations or []) or ([c.occupation] if c.occupation else [])
    occupation = declared["occupation"]
    if allowed:
        if not occupation:
            raise BusinessError("职业（工种）：本赛事限定职业，请填写申报职业", field="occupation")
        if not any(_occupation_in(occupation, a) for a in allowed):
            names = "、".join(term_label("occupation", a, a) for a in allowed[:5])
            raise BusinessError(f"职业（工种）：本赛事限{names}报名", field="occupation")
    if c.employer_restriction == EmployerRestriction.SCOPE:
        enterprise = worker["enterprise"]
        path = c.org.path
        if (
            enterprise is None
            or enterprise.org_id is None
            or not enterprise.org.path.startswith(path)
        ):
            raise BusinessError(
                "工作单位：本赛事限组织方辖区内企业的职工报名（请填写需求池中登记企业的统一社会信用代码）",
                field="employer_uscc",
            )
    elif c.employer_restriction == EmployerRestriction.REGION:
        enterprise = worker["enterprise"]
        region = enterprise.region_code if enterprise is not None else ""
        if not region and worker["employer_uscc"]:
            region = worker["employer_uscc"][2:8]
        place = term_label("region", c.region_prefix, c.region_prefix)
        if not region:
            raise BusinessError(
                f"工作单位：本赛事限{place}企业职工报名，请填写工作单位的统一社会信用代码",
                field="employer_uscc",
            )
        if not region.startswith(region_root(c.region_prefix)):
            raise BusinessError(f"工作单位：本赛事限{place}企业职工报名", field="employer_uscc")


@transaction.atomic
def contestant_register(
    *, actor: Any, competition: Competition, data: dict[str, Any], today: dt.date | None = None
) -> Contestant:
    """Register a worker for the competition (staff entry). The worker becomes (or already is) a
    trainee of the organiser's unit, found by the blind index of the ID number."""
    _fields(data, CONTESTANT_FIELDS)
    assert_visible(Competition, actor, competition.pk, "change")
    c = _lock(competition)
    today = today or timezone.localdate()
    if c.status != CompetitionStatus.REGISTERING:
        raise BusinessError(f"报名未开放：竞赛{c.get_status_display()}", field="registration_end")
    if today < c.registration_start:
        raise BusinessError(
            f"报名未开始：报名开始日期为 {c.registration_start:%Y-%m-%d}",
            field="registration_start",
        )
    if today > c.registration_end:
        raise BusinessError(
            f"报名已截止：报名截止日期为 {c.registration_end:%Y-%m-%d}", field="registration_end"
        )
    worker = clean_worker(
        {
            k: data.get(k)
            for k in ("name", "id_number", "mobile", "employer_name", "employer_uscc", "enterprise")
        },
        actor=actor,
    )
    declared = {
        "occupation": _term("occupation", "occupation", "职业（工种）", data.get("occupation")),
        "skill_level": _term(
            "skill_level", "skill_level", "技能等级", data.get("skill_level"), required=True
        ),
    }
    _check_eligibility(c, declared, worker)
    trainee = trainee_register(
        actor=actor, org=c.org, data={**worker, "enterprise": worker["enterprise"]}
    )
    if Contestant.objects.filter(competition=c, trainee=trainee).exists():
        raise BusinessError("身份证号：该选手已报名本赛事", field="id_number")
    taken = c.contestants.count()
    if taken >= c.max_participants:
        raise BusinessError(
            f"报名人数已满（人数上限 {c.max_participants} 人）", field="max_participants"
        )
    number = (c.contestants.aggregate(n=Max("number"))["n"] or 0) + 1
    contestant = Contestant(
        org_id=c.org_id,
        competition=c,
        trainee=trainee,
        number=number,
        occupation=declared["occupation"],
        skill_level=declared["skill_level"],
        enterprise=worker["enterprise"],
        employer_name=worker["employer_name"]
        or (worker["enterprise"].name if worker["enterprise"] is not None else ""),
        employer_uscc=worker["employer_uscc"]
        or (worker["enterprise"].uscc if worker["enterprise"] is not None else ""),
        registered_at=timezone.now(),
        created_by=actor,
        updated_by=actor,
    )
    contestant.full_clean(exclude=["enterprise", "trainee", "competition"])
    contestant.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"竞赛“{c.title}”登记选手“{trainee.name}”（{number:03d} 号）",
        target=c,
    )
    return contestant


# ------------------------------------------------------------------------------------------------
# Judges and marks
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def judge_add(
    *,
    actor: Any,
    competition: Competition,
    data: dict[str, Any],
    craftsman: Craftsman | None = None,
) -> Judge:
    """Add a judge: a craftsman of the talent pool the actor may see, or an external expert."""
    _fields(data, JUDGE_FIELDS)
    assert_visible(Competition, actor, competition.pk, "change")
    c = _lock(competition)
    if c.status in (CompetitionStatus.SCORING, *FINAL):
        raise BusinessError(f"竞赛{c.get_status_display()}，不能再添加评委", field="status")
    judge = Judge(competition=c, created_by=actor, updated_by=actor)
    judge.title = _text("title", data.get("title"), "职称/职务", 100)
    if craftsman is not None:
        if actor is not None:
            _visible(Craftsman, actor, craftsman, "view", "craftsman", "劳模工匠")
        if craftsman.status == "removed":
            raise BusinessError("该劳模工匠已移出人才库，不能担任评委", field="craftsman")
        if Judge.objects.filter(competition=c, craftsman=craftsman).exists():
            raise BusinessError("该劳模工匠已是本赛事评委", field="craftsman")
        judge.kind = JudgeKind.CRAFTSMAN
        judge.craftsman = craftsman
    else:
        judge.kind = JudgeKind.EXTERNAL
        judge.name = _text("name", data.get("name"), "姓名", 50, required=True)
        judge.employer_name = _text(
            "employer_name", data.get("employer_name"), "工作单位", 100, required=True
        )
        judge.employer_uscc = _uscc(
            "employer_uscc", data.get("employer_uscc"), "工作单位统一社会信用代码"
        )
    judge.full_clean(exclude=["craftsman", "competition"])
    judge.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"竞赛“{c.title}”聘请评委“{judge.display_name}”",
        target=c,
    )
    return judge


def _score_value(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise BusinessError("评分：请填写 0 至 100 的数字", field="score")
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise BusinessError("评分：请填写 0 至 100 的数字", field="score") from exc
    if not score.is_finite() or not Decimal(0) <= score <= SCORE_MAX:
        raise BusinessError("评分：应在 0 至 100 之间", field="score")
    if score != score.quantize(Decimal("0.1")):
        raise BusinessError("评分：最多保留一位小数", field="score")
    return score.quantize(Decimal("0.1"))


@transaction.atomic
def score_set(*, actor: Any, judge: Judge, contestant: Contestant, score: Any) -> Score:
    """Enter (or correct) one judge's mark of one contestant."""
    assert_visible(Competition, actor, judge.competition_id, "change")
    c = _lock(judge.competition)
    if contestant.competition_id != c.pk:
        raise BusinessError("选手：不是本赛事的选手", field="contestant")
    if c.status == CompetitionStatus.PUBLISHED:
        raise BusinessError("成绩已公布，评分已冻结", field="score")
    if c.status not in MARKING:
        raise BusinessError(f"竞赛{c.get_status_display()}，比赛中或评分中才能评分", field="score")
    judge = Judge.objects.select_related("craftsman").get(pk=judge.pk)
    contestant = Contestant.objects.select_related("trainee", "enterprise").get(pk=contestant.pk)
    if judge.recused_from(contestant):
        raise BusinessError(
            f"评委：“{judge.display_name}”与该选手同一工作单位，须回避，不能评分", field="judge"
        )
    value = _score_value(score)
    row, created = Score.objects.select_for_update().get_or_create(
        judge=judge,
        contestant=contestant,
        defaults={"competition": c, "score": value, "created_by": actor, "updated_by": actor},
    )
    if not created and row.score != value:
        row.score = value
        row.updated_by = actor
        row.save()
    return row


# ------------------------------------------------------------------------------------------------
# Innovation activities
# ------------------------------------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError) as exc:
        raise BusinessError("经济效益：请填写金额（元）", field="economic_benefit") from exc
    if not amount.is_finite() or amount < 0:
        raise BusinessError("经济效益：不能为负数", field="economic_benefit")
    if amount >= Decimal("1e12"):
        raise BusinessError("经济效益：金额过大", field="economic_benefit")
    return amount.quantize(Decimal("0.01"))


def _apply_innovation(obj: Innovation, data: dict[str, Any], actor: Any) -> None:
    for field, value in data.items():
        if field == "kind":
            if value not in InnovationKind.values:
                raise BusinessError("类型：不是有效的选项", field=field)
        elif field == "five_small_type":
            value = value or ""
            if value and value not in FiveSmallType.values:
                raise BusinessError("五小类别：不是有效的选项", field=field)
        elif field == "title":
            value = _text(field, value, "项目名称", 100, required=True)
        elif field == "studio_name":
            value = _text(field, value, "创新工作室", 100)
        elif field in ("outcome", "patents"):
            value = _text(field, value, "成果说明" if field == "outcome" else "专利号/名称", 2000)
        elif field == "participants_count":
            value = _int(field, "参与人数", value if value not in (None, "") else 1, 1, 100000)
        elif field == "patent_count":
            value = _int(field, "专利数", value if value not in (None, "") else 0, 0, 100000)
        elif field == "economic_benefit":
            value = _money(value)
        elif field == "start_date":
            value = _date(field, "开始日期", value)
        elif field in ("end_date", "evaluated_on"):
            value = _date(
                field, "结束日期" if field == "end_date" else "评价日期", value, required=False
            )
        elif field == "adopted":
            value = bool(value)
        elif field == "academy":
            if value is not None and actor is not None:
                _visible(Academy, actor, value, "view", "academy", "所属学院")
        elif field == "lead" and value is not None and actor is not None:
            _visible(Craftsman, actor, value, "view", "lead", "领衔人")
        setattr(obj, field, value)
    if not obj.kind:
        raise BusinessError("类型：不能为空", field="kind")
    if obj.kind == InnovationKind.FIVE_SMALL and not obj.five_small_type:
        raise BusinessError("五小类别：五小项目须选择类别", field="five_small_type")
    if obj.kind != InnovationKind.FIVE_SMALL:
        obj.five_small_type = ""
    if not obj.title:
        raise BusinessError("项目名称：不能为空", field="title")
    if obj.start_date is None:
        raise BusinessError("开始日期：不能为空", field="start_date")
    if obj.end_date is not None and obj.end_date < obj.start_date:
        raise BusinessError("结束日期：不能早于开始日期", field="end_date")
    if obj.evaluated_on is not None and obj.evaluated_on < obj.start_date:
        raise BusinessError("评价日期：不能早于开始日期", field="evaluated_on")


@transaction.atomic
def innovation_create(*, actor: Any, org: Any, data: dict[str, Any]) -> Innovation:
    """An innovation activity (立项) of ``org``."""
    _fields(data, INNOVATION_FIELDS)
    _check_org(org)
    obj = Innovation(org=org, created_by=actor, updated_by=actor)
    _apply_innovation(obj, data, actor)
    obj.full_clean()
    obj.save()
    if actor is not None:
        assert_visible(Innovation, actor, obj.pk, "add")
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"登记创新活动“{obj.title}”（{obj.get_kind_display()}）",
        target=obj,
    )
    return obj


@transaction.atomic
def innovation_update(
    *, actor: Any, innovation: Innovation, data: dict[str, Any], version: int | None = None
) -> Innovation:
    """Change an activity and record its outcomes (not once it is 已终止)."""
    _fields(data, INNOVATION_FIELDS)
    assert_visible(Innovation, actor, innovation.pk, "change")
    claim_version(innovation, version)
    obj = Innovation.objects.select_for_update().get(pk=innovation.pk)
    if obj.status == InnovationStatus.TERMINATED:
        raise BusinessError("创新活动已终止，不能修改", field="status")
    _apply_innovation(obj, data, actor)
    obj.updated_by = actor
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def innovation_move(*, actor: Any, innovation: Innovation, to: str) -> Innovation:
    """Move the activity along ``INNOVATION_MOVES``; 已完成 needs an outcome description."""
    assert_visible(Innovation, actor, innovation.pk, "change")
    obj = Innovation.objects.select_for_update().get(pk=innovation.pk)
    if to not in InnovationStatus.values:
        raise BusinessError("状态：不是有效的选项", field="status")
    if to not in INNOVATION_MOVES[obj.status]:
        raise BusinessError(
            f"状态：{obj.get_status_display()}的创新活动不能改为{InnovationStatus(to).label}",
            field="status",
        )
    if to == InnovationStatus.COMPLETED and not obj.outcome:
        raise BusinessError("成果说明：完成前请填写成果说明", field="outcome")
    before = obj.status
    done = Innovation.objects.filter(pk=obj.pk, status=before).update(
        status=to, version=F("version") + 1, updated_by=actor, updated_at=timezone.now()
    )
    if done != 1:  # pragma: no cover - the row is locked above; kept as the conditional guard
        raise BusinessError("状态已被他人修改，请刷新后重试", field="status")
    InnovationStatusChange.objects.create(
        innovation=obj, from_status=before, to_status=to, at=timezone.now(), by=actor
    )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=(
            f"创新活动“{obj.title}”：{InnovationStatus(before).label} → {InnovationStatus(to).label}"
        ),
        target=obj,
    )
    obj.refresh_from_db()
    return obj
