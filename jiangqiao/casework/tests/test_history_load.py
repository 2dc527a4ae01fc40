"""The bulk load of past cases (``casework.history_load``): the statuses, the status history, the
offer and the outcome follow the lifecycle from the dates of the steps; a path the lifecycle does
not allow, or dates that go backwards, are refused with the demand named and nothing saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.utils import timezone

from jiangqiao.casework.history_load import (
    PastCase,
    PastFollowUp,
    PastSession,
    PastUpgrade,
    history_load,
)
from jiangqiao.casework.models import ContactAttempt, FollowUp, Offer, Outcome
from jiangqiao.casework.session_models import ServiceRecord, SkillUpgrade
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.demands.models import Demand, DemandCode, DemandCounter, DemandEvent
from jiangqiao.matching.tests.helpers import craftsman, enterprise

DRAFT_TO_SUBMITTED = [("", "draft"), ("draft", "submitted")]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class HistoryLoadTests(WorldTestCase):
    ent: ClassVar[Any]
    person: ClassVar[Any]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.ent = enterprise(w.county_a1)
        cls.person = craftsman(w.county_a1, w.city_admin_a, name="张主轴")

    def setUp(self) -> None:
        self.today = timezone.localdate()
        self.actor = self.world.superuser

    def days_ago(self, n: int) -> dt.date:
        return self.today - dt.timedelta(days=n)

    def demand(self, title: str) -> dict[str, Any]:
        return {
            "kind": "tech_problem",
            "title": title,
            "description": "加工中心主轴高速运转时异响",
            "region_code": self.ent.region_code,
            "industry_codes": ["3421"],
            "tags": ["数控机床"],
            "channel": "online",
            "visibility": "private",
        }

    def session(self, day: dt.date, result: str, **extra: Any) -> PastSession:
        return PastSession(
            day=day,
            duration_min=120,
            mode="onsite",
            activities=["tech_service", "mentoring"],
            problems=[{"description": "主轴异响", "result": result}],
            notes="现场查看设备，调整轴承预紧力",
            attendees=6,
            trainees=4,
            economic_benefit=Decimal("5.00"),
            **extra,
        )

    def closed_case(self) -> PastCase:
        """Submitted 200 days ago, served, solved, confirmed 180 days ago, closed 170 days ago;
        the 90-day follow-up answered, the 180-day one due today."""
        upgrade = PastUpgrade(
            worker_code="GH-00001",
            worker_initials="ZL",
            occupation="6-18-01-01",
            level_before="intermediate_worker",
            level_after="senior_worker",
            certificate_no="S20254400000001",
            issuer="广东省职业技能鉴定指导中心",
        )
        return PastCase(
            enterprise=self.ent,
            demand=self.demand("主轴异响故障诊断"),
            submitted=at(self.days_ago(200), 9, 12),
            triaged=self.days_ago(198),
            grade="b",
            owner_level="county",
            offered=self.days_ago(197),
            craftsman=self.person,
            accepted=self.days_ago(196),
            contacted=self.days_ago(195),
            contact_channel="phone",
            contact_note="约定上门时间",
            sessions=[
                self.session(self.days_ago(194), "partial"),
                self.session(self.days_ago(190), "solved", upgrades=[upgrade]),
            ],
            recorded=self.days_ago(185),
            result="solved",
            summary="更换磨损部件并校正设备精度，故障不再复现。",
            confirmed=self.days_ago(180),
            rating=5,
            comment="服务及时，问题已解决",
            follow_ups=[PastFollowUp("d90", self.days_ago(88), True)],
            closed=self.days_ago(170),
        )

    def in_service_case(self) -> PastCase:
        return PastCase(
            enterprise=self.ent,
            demand=self.demand("注塑件缩痕工艺改进"),
            submitted=at(self.days_ago(10), 9, 5),
            triaged=self.days_ago(9),
            grade="a",
            owner_level="county",
            offered=self.days_ago(8),
            craftsman=self.person,
            accepted=self.days_ago(7),
            contacted=self.days_ago(6),
            contact_channel="wechat",
            contact_note="约定上门时间",
            sessions=[self.session(self.days_ago(3), "not")],
        )

    def submitted_case(self) -> PastCase:
        return PastCase(
            enterprise=self.ent,
            demand=self.demand("焊接变形控制咨询"),
            submitted=at(self.today, 9, 20),
        )

    def counts(self) -> dict[str, Any]:
        return {
            "demands": Demand.objects.count(),
            "events": DemandEvent.objects.count(),
            "codes": DemandCode.objects.count(),
            "offers": Offer.objects.count(),
            "sessions": ServiceRecord.objects.count(),
            "outcomes": Outcome.objects.count(),
            "follow_ups": FollowUp.objects.count(),
            "upgrades": SkillUpgrade.objects.count(),
            "counters": list(DemandCounter.objects.values_list("province", "year", "last")),
        }

    def moves(self, demand: Demand) -> list[tuple[str, str]]:
        return list(demand.events.order_by("at", "pk").values_list("from_status", "to_status"))

    def test_the_statuses_and_the_rows_follow_the_lifecycle_from_the_dates(self) -> None:
        cases = [self.closed_case(), self.in_service_case(), self.submitted_case()]
        # The numbers continue each year's counter, in the order of the cases.
        last = {
            year: DemandCounter.objects.filter(province="GD", year=year)
            .values_list("last", flat=True)
            .first()
            or 0
            for year in {case.submitted.year for case in cases}
        }
        numbers = []
        for case in cases:
            last[case.submitted.year] += 1
            numbers.append(f"GD-440305-{case.submitted.year}-{last[case.submitted.year]:06d}")
        loaded = history_load(actor=self.actor, cases=cases, today=self.today)
        self.assertEqual((loaded.demands, loaded.sessions, loaded.upgrades), (3, 3, 1))
        closed, serving, waiting = (
            Demand.objects.get(title=title)
            for title in ("主轴异响故障诊断", "注塑件缩痕工艺改进", "焊接变形控制咨询")
        )

        # Closed and solved: every step of the table in order, the offer completed.
        self.assertEqual(closed.status, "closed")
        self.assertEqual(
            self.moves(closed),
            [
                *DRAFT_TO_SUBMITTED,
                ("submitted", "triaged"),
                ("triaged", "matching"),
                ("matching", "in_service"),
                ("in_service", "resolved"),
                ("resolved", "confirmed"),
                ("confirmed", "closed"),
            ],
        )
        self.assertEqual([closed.number, serving.number, waiting.number], numbers)
        self.assertEqual(
            {y: DemandCounter.objects.get(province="GD", year=y).last for y in last}, last
        )
        self.assertEqual(closed.submitted_at, at(self.days_ago(200), 9, 12))
        self.assertEqual(closed.created_at, at(self.days_ago(200), 8, 32))
        self.assertEqual(closed.status_changed_at, at(self.days_ago(170), 17, 30))
        self.assertEqual(closed.triaged_at, at(self.days_ago(198), 10, 30))
        self.assertEqual((closed.grade, closed.owner_level), ("b", "county"))
        self.assertEqual(closed.outcome, "solved")
        self.assertEqual(closed.solved_confirmed_at, at(self.days_ago(180), 16, 30))
        self.assertFalse(closed.has_open_offer)
        offer = Offer.objects.get(demand=closed)
        self.assertEqual(offer.status, "completed")
        self.assertEqual(offer.ended_at, at(self.days_ago(185), 16, 30))
        self.assertGreater(offer.accept_deadline, offer.offered_at)
        outcome = Outcome.objects.get(demand=closed)
        self.assertEqual(
            (outcome.result, outcome.enterprise_answer, outcome.rating), ("solved",) * 2 + (5,)
        )
        self.assertTrue(outcome.verified_solved)
        self.assertEqual(outcome.confirmed_at, at(self.days_ago(180), 16))
        self.assertEqual(outcome.created_at, at(self.days_ago(185), 16))
        sessions = list(ServiceRecord.objects.filter(demand=closed).order_by("date"))
        self.assertEqual([s.date for s in sessions], [self.days_ago(194), self.days_ago(190)])
        self.assertEqual([s.problems_solved for s in sessions], [0, 1])
        self.assertTrue(all(s.enterprise_confirmed for s in sessions))
        self.assertEqual(list(sessions[1].participants.all()), [self.person])
        upgrade = SkillUpgrade.objects.get(session=sessions[1])
        self.assertEqual((upgrade.org_id, upgrade.issued_on), (closed.org_id, self.days_ago(190)))
        self.assertTrue(upgrade.counted)
        follow_ups = {f.kind: f for f in FollowUp.objects.filter(demand=closed)}
        self.assertEqual(follow_ups["d90"].due_on, self.days_ago(90))
        self.assertEqual(follow_ups["d90"].answered_at, at(self.days_ago(88), 15))
        self.assertIs(follow_ups["d90"].held, True)
        self.assertEqual(follow_ups["d180"].due_on, self.today)
        self.assertIsNotNone(follow_ups["d180"].notified_at)
        self.assertIsNone(follow_ups["d180"].answered_at)
        self.assertTrue(
            DemandCode.objects.filter(
                demand=closed, scheme="industry", code="3421", selected=True
            ).exists()
        )

        # Still in service: accepted, not recorded; the offer open.
        self.assertEqual(serving.status, "in_service")
        self.assertEqual(
            self.moves(serving),
            [
                *DRAFT_TO_SUBMITTED,
                ("submitted", "triaged"),
                ("triaged", "matching"),
                ("matching", "in_service"),
            ],
        )
        self.assertTrue(serving.has_open_offer)
        self.assertEqual((serving.outcome, serving.solved_confirmed_at), ("", None))
        self.assertEqual(Offer.objects.get(demand=serving).status, "accepted")
        self.assertFalse(Outcome.objects.filter(demand=serving).exists())
        self.assertFalse(FollowUp.objects.filter(demand=serving).exists())
        self.assertEqual(ContactAttempt.objects.get(demand=serving).at, at(self.days_ago(6), 10))
        self.assertFalse(ServiceRecord.objects.get(demand=serving).enterprise_confirmed)

        # Only submitted: no triage, no offer.
        self.assertEqual(waiting.status, "submitted")
        self.assertEqual(self.moves(waiting), DRAFT_TO_SUBMITTED)
        self.assertEqual((waiting.grade, waiting.owner_level, waiting.triaged_at), ("", "", None))
        self.assertFalse(waiting.has_open_offer)
        self.assertFalse(Offer.objects.filter(demand=waiting).exists())

        for demand in (closed, serving, waiting):
            last = demand.events.order_by("at", "pk").last()
            assert last is not None
            self.assertEqual(last.at, demand.status_changed_at)

    def assert_refused(self, cases: list[PastCase], *fragments: str) -> None:
        before = self.counts()
        with self.assertRaises(BusinessError) as caught:
            history_load(actor=self.actor, cases=cases, today=self.today)
        for fragment in fragments:
            self.assertIn(fragment, caught.exception.message)
        self.assertEqual(self.counts(), before)

    def test_a_confirmation_without_a_recorded_outcome_is_refused_and_nothing_saved(self) -> None:
        serving = self.in_service_case()
        confirmed = PastCase(
            **{
                **serving.__dict__,
                "demand": self.demand("未登记结果就确认"),
                "confirmed": self.days_ago(1),
                "rating": 4,
            }
        )
        self.assert_refused(
            [self.closed_case(), confirmed],
            "第 2 条历史需求“未登记结果就确认”",
            "“服务中”之后不能企业确认",
        )

    def test_an_acceptance_without_an_offer_is_refused(self) -> None:
        case = PastCase(
            enterprise=self.ent,
            demand=self.demand("未邀请就接受"),
            submitted=at(self.days_ago(5), 9),
            triaged=self.days_ago(4),
            grade="c",
            owner_level="county",
            accepted=self.days_ago(3),
        )
        self.assert_refused([case], "“未邀请就接受”", "“已分级”之后不能接受邀请")

    def test_steps_whose_dates_go_backwards_are_refused(self) -> None:
        serving = self.in_service_case()
        backwards = PastCase(
            **{
                **serving.__dict__,
                "demand": self.demand("日期倒退"),
                "accepted": self.days_ago(9),
            }
        )
        self.assert_refused([self.submitted_case(), backwards], "“日期倒退”", "不能倒退")

    def test_a_step_after_today_is_refused(self) -> None:
        serving = self.in_service_case()
        future = PastCase(
            **{
                **serving.__dict__,
                "demand": self.demand("未来的服务"),
                "sessions": [self.session(self.today + dt.timedelta(days=1), "solved")],
            }
        )
        self.assert_refused([future], "“未来的服务”", "晚于今天")

    def test_the_caller_cannot_set_the_status(self) -> None:
        data = {**self.demand("自带状态"), "status": "closed"}
        case = PastCase(enterprise=self.ent, demand=data, submitted=at(self.days_ago(2), 9))
        self.assert_refused([case], "“自带状态”", "status")
