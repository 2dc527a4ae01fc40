"""The demand's life cycle in one table: each state, the actions allowed from it and where they lead.

``casework.services`` is the only writer of ``Demand.status`` after creation; it refuses an action
whose current state is not in this table and names the allowed next steps. The demand page shows
the same table (``steps_from``), so what a person sees is what the services enforce.

Withdrawn, cancelled and closed are final. ``offer`` keeps 匹配中 while more craftsmen are asked;
``unstaff`` returns a demand to 已分级 when every offer was declined or expired and no further
suggestion could be offered.

``hand_over`` gives a waiting demand to another service line of the platform (a 工匠学院 training
order): 服务中 while that line works on it; ``hand_back`` returns it to the state it came from when
the other line gives it back (returned or withdrawn), which is why ``hand_back`` has one step per
state ``hand_over`` may start from (``services.demand_hand_back`` names the one to take).

``return`` sends a submitted or triaged demand back to the enterprise to add what the publication
quality score found missing (待补充, ``claims.demand_return``); the enterprise edits it and
``resubmit`` puts it back to 已提交 for the unit to triage again. While 待补充 the demand waits for
the enterprise, not for a unit: it is not "unstaffed" and never escalates.

``merge`` ends a duplicate: staff merge it into another open demand of the same enterprise (the
survivor, ``Demand.merged_into``); 已合并 is final. A demand being served (服务中) or past it is
not merged: its service has its own history and outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiangqiao.demands.choices import DemandStatus as S


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    to: str
    who: str  # who takes the step: 企业 / 工作人员 / 劳模工匠 / 系统

    @property
    def to_label(self) -> str:
        return S(self.to).label


_OUTCOMES = (S.RESOLVED, S.PARTIALLY_RESOLVED, S.UNRESOLVED)
_WAITING = (S.SUBMITTED, S.TRIAGED, S.PUBLISHED, S.ESCALATED, S.TRANSFERRED)
#: Handed over to another service line (a training order of an academy) while waiting.
_HAND_OVER = Step("hand_over", "转交学院订单办理", S.IN_SERVICE, "工作人员")
#: Sent back to the enterprise to add what the publication score found missing (claims.py).
_RETURN = Step("return", "退回企业补充", S.RETURNED, "工作人员")
#: A duplicate merged into another open demand of the same enterprise (``services.demand_merge``).
_MERGE = Step("merge", "作为重复需求合并", S.MERGED, "工作人员")

TRANSITIONS: dict[str, tuple[Step, ...]] = {
    S.DRAFT: (
        Step("submit", "提交", S.SUBMITTED, "企业 / 工作人员"),
        Step("withdraw", "撤回", S.WITHDRAWN, "企业 / 工作人员"),
        _MERGE,
    ),
    S.SUBMITTED: (
        Step("triage", "分级受理", S.TRIAGED, "工作人员"),
        Step("offer", "发出服务邀请（未分级）", S.MATCHING, "工作人员"),
        _RETURN,
        _HAND_OVER,
        Step("transfer", "转办", S.TRANSFERRED, "工作人员"),
        Step("escalate", "升级", S.ESCALATED, "工作人员 / 系统"),
        Step("withdraw", "撤回", S.WITHDRAWN, "企业 / 工作人员"),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
        _MERGE,
    ),
    S.TRIAGED: (
        Step("offer", "发出服务邀请", S.MATCHING, "工作人员"),
        _HAND_OVER,
        Step("publish", "发布到认领清单", S.PUBLISHED, "工作人员"),  # claims.py
        _RETURN,
        Step("transfer", "转办", S.TRANSFERRED, "工作人员"),
        Step("escalate", "升级", S.ESCALATED, "工作人员 / 系统"),
        Step("withdraw", "撤回", S.WITHDRAWN, "企业 / 工作人员"),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
        _MERGE,
    ),
    S.RETURNED: (
        Step("resubmit", "补充后重新提交", S.SUBMITTED, "企业 / 工作人员"),  # claims.py
        Step("withdraw", "撤回", S.WITHDRAWN, "企业 / 工作人员"),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
        _MERGE,
    ),
    S.PUBLISHED: (
        Step("offer", "发出服务邀请（含认领通过）", S.MATCHING, "工作人员"),
        _HAND_OVER,
        Step("unpublish", "撤下认领清单（到期或人工）", S.TRIAGED, "工作人员 / 系统"),  # claims.py
        Step("escalate", "升级", S.ESCALATED, "工作人员"),
        Step("withdraw", "撤回", S.WITHDRAWN, "企业 / 工作人员"),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
        _MERGE,
    ),
    S.ESCALATED: (
        Step("triage", "上级重新分级", S.TRIAGED, "工作人员"),
        Step("offer", "发出服务邀请", S.MATCHING, "工作人员"),
        _HAND_OVER,
        Step("escalate", "继续升级", S.ESCALATED, "工作人员 / 系统"),
        Step("withdraw", "撤回", S.WITHDRAWN, "企业 / 工作人员"),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
        _MERGE,
    ),
    S.TRANSFERRED: (
        Step("triage", "接收单位分级受理", S.TRIAGED, "工作人员"),
        _HAND_OVER,
        Step("withdraw", "撤回", S.WITHDRAWN, "企业 / 工作人员"),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
        _MERGE,
    ),
    S.MATCHING: (
        Step("offer", "邀请更多工匠", S.MATCHING, "工作人员 / 系统"),
        Step("accept", "工匠接受邀请", S.IN_SERVICE, "劳模工匠"),
        Step("unstaff", "无人承接，退回待匹配", S.TRIAGED, "系统"),
        Step("escalate", "升级", S.ESCALATED, "工作人员 / 系统"),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
        _MERGE,
    ),
    S.IN_SERVICE: (
        Step("accept", "更多工匠加入", S.IN_SERVICE, "劳模工匠"),
        Step("resolve", "登记结果：已解决", S.RESOLVED, "工作人员 / 劳模工匠"),
        Step("resolve_partly", "登记结果：部分解决", S.PARTIALLY_RESOLVED, "工作人员 / 劳模工匠"),
        Step("resolve_not", "登记结果：未解决", S.UNRESOLVED, "工作人员 / 劳模工匠"),
        Step("escalate", "升级（联合攻关/揭榜挂帅）", S.ESCALATED, "工作人员"),
        *(
            Step("hand_back", f"转交办理退回，恢复为{S(state).label}", state, "系统")
            for state in _WAITING
        ),
        Step("cancel", "取消", S.CANCELLED, "工作人员"),
    ),
    **{
        state: (
            Step("confirm", "企业确认", S.CONFIRMED, "企业"),
            Step("reopen", "企业有异议，重新办理", S.IN_SERVICE, "企业"),
            Step("close", "办结（企业逾期未确认）", S.CLOSED, "工作人员"),
        )
        for state in _OUTCOMES
    },
    S.CONFIRMED: (Step("close", "办结", S.CLOSED, "工作人员 / 系统"),),
    S.CLOSED: (),
    S.WITHDRAWN: (),
    S.CANCELLED: (),
    S.MERGED: (),
}

#: The outcome result recorded by each ``resolve*`` action.
RESOLVE_ACTIONS = {"solved": "resolve", "partial": "resolve_partly", "unsolved": "resolve_not"}
#: States in which no new offer, confirmation or suggestion may be made.
FINAL_STATES = frozenset(state for state, steps in TRANSITIONS.items() if not steps)
#: States whose demand is waiting for a unit to staff it (the escalation clock runs).
UNSTAFFED_STATES = (*_WAITING, S.MATCHING)
OUTCOME_STATES = _OUTCOMES
#: States the automatic escalation leaves alone: a demand on the claim list waits for claims until
#: its publication expires (``claims.expire_publications`` puts it back to 已分级, and the
#: escalation clock starts again from there).
ESCALATION_PAUSED = (S.PUBLISHED,)


#: States a demand may be handed over from (and handed back to).
HAND_OVER_STATES = _WAITING


def steps_from(status: str) -> tuple[Step, ...]:
    return TRANSITIONS.get(status, ())


def allowed_from(action: str) -> list[str]:
    """The states from which ``action`` may start."""
    return [state for state, steps in TRANSITIONS.items() if any(s.action == action for s in steps)]


def target(status: str, action: str) -> str | None:
    for step in steps_from(status):
        if step.action == action:
            return step.to
    return None


def next_steps_text(status: str) -> str:
    """「可进行：分级受理、转办…」 for a refused action's message."""
    labels = [step.label for step in steps_from(status)]
    return "可进行的操作：" + "、".join(labels) if labels else "该需求已结束，不能再办理"
