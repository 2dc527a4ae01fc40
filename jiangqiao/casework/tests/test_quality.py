"""发布质量评分 (issue 18 point 6): four criteria scored 0–5, the publication threshold, the
return → edit → resubmit loop, renewals and the expiry notice.

Attacking tests first: another unit's staff can neither send back nor renew; another enterprise's
contact sees nothing of the request; a craftsman may do neither. Statuses are only ever changed
through the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from jiangqiao.accounts.models import Role
from jiangqiao.casework import claims, lifecycle, queues, services
from jiangqiao.casework.choices_claims import QualityPurpose
from jiangqiao.casework.models import Publication, QualityReview
from jiangqiao.casework.quality import enterprise_verification, quality_check
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Notification, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import DemandStatus
from jiangqiao.demands.models import Demand, EnterpriseContact
from jiangqiao.demands.tests.factories import make_enterprise
from jiangqiao.matching.tests.helpers import craftsman, enterprise

from .test_claims import ClaimsTestBase, _scope_demand, at

GOOD = (
    "加工中心主轴高速运转（12000 转/分）时出现周期性异响，振动值 4.5mm/s，已连续两周影响精加工，"
    "良品率从 98% 降到 91%。目前每班需停机检查一次。希望查明异响原因并给出整改方案，"
    "使振动控制在 2.8mm/s 以内、良品率恢复到 97% 以上。"
)
VAGUE = "设备有问题，请专家帮忙看看，谢谢。"


def _casework(**values: Any) -> dict[str, Any]:
    from django.conf import settings

    return {**settings.JIANGQIAO_CASEWORK, **values}


class QualityTestBase(ClaimsTestBase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        contact_role = Role.objects.get(code="enterprise_contact")
        cls.other_ent = enterprise(cls.world.county_a1, name="深圳市宝安五金制品有限公司")
        cls.other_boss = make_user("qy_other", cls.world.county_a1, contact_role)
        EnterpriseContact.objects.create(
            enterprise=cls.other_ent, user=cls.other_boss, name="孙厂长", mobile="13800001111"
        )

    def draft(self, **data: Any) -> Demand:
        """An unsaved demand of the test enterprise (scoring reads no status)."""
        values: dict[str, Any] = {
            "kind": "tech_problem",
            "category": "innovate",
            "title": "加工中心主轴异响",
            "description": GOOD,
            "region_code": self.ent.region_code,
        }
        values.update(data)
        return Demand(enterprise=self.ent, org=self.ent.org, **values)

    def criterion(self, demand: Demand, key: str) -> Any:
        return next(c for c in quality_check(demand).criteria if c.key == key)


# ----------------------------------------------------------------------------------------------
# Each criterion on realistic Chinese texts: good, vague, empty
# ----------------------------------------------------------------------------------------------


class CriterionTests(QualityTestBase):
    def test_clarity_of_a_good_a_vague_a_repeated_and_an_empty_text(self) -> None:
        good = self.criterion(self.draft(), "clarity")
        self.assertEqual(good.score, 5, good.reasons)
        self.assertEqual(good.advice, [])
        self.assertIn("有具体数字", "；".join(good.reasons))
        vague = self.criterion(self.draft(description=VAGUE), "clarity")
        self.assertLessEqual(vague.score, 1)
        texts = [a.text for a in vague.advice]
        self.assertTrue(any(t.startswith("需求描述：至少 30 个字") for t in texts), texts)
        self.assertTrue(any("具体数字" in t for t in texts), texts)
        repeated = self.criterion(
            self.draft(title="加工中心主轴异响", description="加工中心主轴异响。"), "clarity"
        )
        self.assertEqual(repeated.score, 0)
        self.assertIn("只重复了标题", repeated.advice[0].text)
        empty = self.criterion(self.draft(description=""), "clarity")
        self.assertEqual(empty.score, 0)
        self.assertEqual(empty.advice[0].field, "description")

    def test_clarity_reads_normalised_text(self) -> None:
        # Full-width digits and units count as figures once normalised (NFKC).
        text = "目前焊缝合格率只有８５％，希望提高到９５％以上，涉及二氧化碳保护焊工艺和焊接夹具。"
        c = self.criterion(self.draft(description=text * 2), "clarity")
        self.assertIn("有具体数字", "；".join(c.reasons))
        self.assertIn("写明了现状、问题和期望效果", c.reasons)

    def test_completeness_counts_the_filled_fields(self) -> None:
        full = self.draft(
            industry_codes=["3461"],
            desired_outcome="振动降到 2.8mm/s",
            deadline=dt.date.today() + dt.timedelta(days=60),
            tags=["数控维修"],
        )
        self.assertEqual(self.criterion(full, "completeness").score, 5)
        partial = self.criterion(self.draft(), "completeness")  # 3 of 7
        self.assertEqual(partial.score, 2)
        self.assertEqual(
            [a.field for a in partial.advice],
            ["industry_codes", "desired_outcome", "deadline", "tags"],
        )
        self.assertIn("所属行业：请选择所属行业", partial.advice[0].text)
        no_kind = self.criterion(self.draft(kind="", category=""), "completeness")
        self.assertLessEqual(no_kind.score, 1)
        training = self.criterion(self.draft(kind="skill_training"), "completeness")
        self.assertIn("培训人数：技能培训需求请填写培训人数", [a.text for a in training.advice])

    def test_enterprise_verification_is_one_rule_on_the_enterprise_facts(self) -> None:
        c = enterprise_verification(self.ent)  # valid USCC, a contact with mobile and login
        self.assertEqual(c.score, 4, c.reasons)  # no size inputs: not classified
        self.assertEqual([a.field for a in c.advice], ["staff_count"])
        bare = make_enterprise(self.world.county_a1, uscc="91440300MA5F7LQ21A")  # check digit: B
        c = enterprise_verification(bare)
        self.assertEqual(c.score, 1)  # entered by staff: confirmed by its unit, nothing else
        self.assertEqual(
            [a.label for a in c.advice],
            ["统一社会信用代码", "从业人员", "联系人手机号", "联系人账号"],
        )
        demand_services.enterprise_set_status(
            actor=self.staff, enterprise=self.other_ent, status="disabled"
        )
        self.other_ent.refresh_from_db()
        disabled = enterprise_verification(self.other_ent)
        self.assertEqual(disabled.score, 0)
        self.assertIn("企业已停用", disabled.advice[0].text)

    def test_feasibility_deadline_location_and_supply(self) -> None:
        today = dt.date.today()
        c = self.criterion(self.draft(deadline=today - dt.timedelta(days=1)), "feasibility")
        self.assertIn("期望完成日期：", c.advice[0].text)
        self.assertIn("已过", c.advice[0].text)
        c = self.criterion(self.draft(deadline=today + dt.timedelta(days=3)), "feasibility")
        self.assertIn("不足 7 天", c.advice[0].text)
        city = self.ent.region_code[:4] + "00"
        c = self.criterion(self.draft(delivery_mode="onsite", region_code=city), "feasibility")
        self.assertIn("服务地点：需要现场服务时请填写到区（县）", [a.text for a in c.advice])
        # No craftsman with the category as expertise serves the area: 1 point and the advice.
        before = self.criterion(self.draft(), "feasibility")
        self.assertEqual(before.score, 3)
        self.assertIn("需求类别", [a.label for a in before.advice])
        for n in range(3):
            craftsman(
                self.world.county_a1, self.staff, name=f"创新{n}", expertise_tags=["innovate"]
            )
        after = self.criterion(self.draft(), "feasibility")
        self.assertEqual(after.score, 5, after.reasons)
        self.assertEqual(after.advice, [])
        # Another province's demand is not served by them (the area counts).
        far = self.criterion(self.draft(region_code="110101"), "feasibility")
        self.assertLess(far.score, 5)


# ----------------------------------------------------------------------------------------------
# The threshold and the anonymity block
# ----------------------------------------------------------------------------------------------


class ThresholdTests(QualityTestBase):
    def test_a_vague_demand_is_refused_naming_the_fields(self) -> None:
        demand = self.triaged(description=VAGUE, current_state="", desired_outcome="")
        with self.assertRaises(ValidationError) as refused:
            claims.demand_publish(actor=self.staff, demand=demand)
        errors = refused.exception.message_dict
        self.assertIn("description", errors)
        text = "".join(errors["description"])
        self.assertIn("问题清晰度仅", text)
        self.assertIn("需求描述：", text)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.TRIAGED)
        self.assertFalse(Publication.objects.filter(demand=demand).exists())
        self.assertFalse(QualityReview.objects.filter(demand=demand).exists())

    def test_the_threshold_is_configurable(self) -> None:
        demand = self.triaged()
        total = quality_check(demand).total
        with override_settings(JIANGQIAO_CASEWORK=_casework(quality_min_total=total + 1)):
            with self.assertRaises(ValidationError) as refused:
                claims.demand_publish(actor=self.staff, demand=demand)
            message = "".join(m for ms in refused.exception.message_dict.values() for m in ms)
            self.assertIn(f"合计 {total}/20 分，低于发布要求 {total + 1} 分", message)
            self.assertIn("需补充：", message)
        with override_settings(JIANGQIAO_CASEWORK=_casework(quality_min_total=total)):
            pub = claims.demand_publish(actor=self.staff, demand=demand)
        self.assertEqual(pub.quality_score, total)
        review = QualityReview.objects.get(demand=demand)
        self.assertEqual(review.purpose, QualityPurpose.PUBLISH)
        self.assertEqual(review.total, total)
        self.assertTrue(review.passed)

    def test_anonymity_blocks_whatever_the_score(self) -> None:
        demand = self.triaged(
            description=GOOD + "联系深圳市南山精密机械有限公司设备科", industry_codes=["3461"]
        )
        report = quality_check(demand)
        self.assertTrue(report.score_passed)
        self.assertFalse(report.passed)
        with (
            override_settings(JIANGQIAO_CASEWORK=_casework(quality_min_total=0)),
            self.assertRaises(ValidationError) as refused,
        ):
            claims.demand_publish(actor=self.staff, demand=demand)
        self.assertIn("含有企业名称", "".join(refused.exception.message_dict["description"]))


# ----------------------------------------------------------------------------------------------
# Back to the enterprise: return → edit → resubmit
# ----------------------------------------------------------------------------------------------


class ReturnTests(QualityTestBase):
    def weak(self) -> Demand:
        return self.triaged(description=VAGUE, current_state="", desired_outcome="")

    def test_other_units_staff_a_craftsman_and_another_contact_cannot_return(self) -> None:
        demand = self.weak()
        with self.assertRaises(ScopeViolation):
            claims.demand_return(actor=self.other_staff, demand=demand)
        with self.assertRaises(PermissionDenied):
            claims.demand_return(actor=self.user_a, demand=demand)
        with self.assertRaises(PermissionDenied):
            claims.demand_return(actor=self.other_boss, demand=demand)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.TRIAGED)
        self.assertFalse(QualityReview.objects.filter(demand=demand).exists())

    def test_return_edit_resubmit_loop(self) -> None:
        demand = self.weak()
        review = claims.demand_return(actor=self.staff, demand=demand, comment="请补充设备情况")
        demand.refresh_from_db()
        self.assertEqual(demand.status, DemandStatus.RETURNED)
        self.assertEqual(review.purpose, QualityPurpose.RETURN)
        self.assertTrue(any(t.startswith("需求描述：") for t in review.to_add), review.to_add)
        # The enterprise's contact is told what to add, naming the fields; nobody else is.
        note = Notification.objects.get(recipient=self.boss, title__startswith="请补充需求信息")
        self.assertIn("请补充设备情况", note.body)
        self.assertIn("需求描述：", note.body)
        self.assertFalse(Notification.objects.filter(recipient=self.other_boss).exists())
        # 待补充 waits for the enterprise: no escalation deadline, no offer, no publication.
        self.assertNotIn(DemandStatus.RETURNED, lifecycle.UNSTAFFED_STATES)
        with self.assertRaises(BusinessError):
            claims.demand_publish(actor=self.staff, demand=demand)
        # The contact edits it (allowed again while 待补充) and resubmits.
        demand_services.demand_update(
            actor=self.boss,
            demand=demand,
            data={"description": GOOD, "desired_outcome": "振动降到 2.8mm/s 以内"},
        )
        result = claims.demand_resubmit(actor=self.boss, demand=demand, comment="已补充")
        self.assertEqual(result.status, DemandStatus.SUBMITTED)
        self.assertEqual(result.number, demand.number)  # the same demand, not a new one
        # The owning unit's triage staff (or the nearest unit above that has them) are told.
        told = Notification.objects.filter(title__contains="补充后重新提交")
        self.assertTrue(told.exists())
        for note in told.select_related("recipient"):
            self.assertTrue(note.recipient.has_perm("demands.triage_demand"))
            self.assertTrue(
                Demand.objects.visible_to(note.recipient, "change").filter(pk=demand.pk)
            )
        purposes = list(
            QualityReview.objects.filter(demand=demand)
            .order_by("created_at", "pk")
            .values_list("purpose", "total")
        )
        self.assertEqual(
            [p for p, _t in purposes], [QualityPurpose.RETURN, QualityPurpose.RESUBMIT]
        )
        self.assertGreater(purposes[1][1], purposes[0][1])  # the score history shows the gain
        # Back in staff triage: triaged again, it now passes and is published.
        services.demand_triage(
            actor=self.staff,
            demand=result,
            data={"category": "tech", "grade": "b", "owner_level": "county"},
        )
        claims.demand_publish(actor=self.staff, demand=demand)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.PUBLISHED)

    def test_resubmit_only_by_the_enterprise_in_scope_and_only_when_returned(self) -> None:
        demand = self.weak()
        with self.assertRaises(BusinessError) as refused:
            claims.demand_resubmit(actor=self.boss, demand=demand)
        self.assertIn("已分级", refused.exception.message)
        claims.demand_return(actor=self.staff, demand=demand)
        with self.assertRaises(ScopeViolation):
            claims.demand_resubmit(actor=self.other_boss, demand=demand)
        with self.assertRaises(ScopeViolation):
            claims.demand_resubmit(actor=self.other_staff, demand=demand)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.RETURNED)

    def test_pages_staff_sends_back_the_contact_sees_what_to_add_and_resubmits(self) -> None:
        demand = self.weak()
        self.client.force_login(self.staff)
        panel = self.client.get(reverse("casework:claims_panel", args=[demand.pk])).content
        self.assertIn("发布质量评分".encode(), panel)
        self.assertIn("退回企业补充".encode(), panel)
        response = self.client.post(
            reverse("casework:claims_step", args=[demand.pk, "return"]), {"comment": "请补充"}
        )
        self.assertRedirects(response, demand.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.RETURNED)
        self.client.force_login(self.boss)
        page = self.client.get(reverse("casework:demand_panel", args=[demand.pk])).content.decode()
        self.assertIn("需要补充的内容", page)
        self.assertIn("需求描述：", page)
        self.assertIn("补充完成，重新提交", page)
        mine = self.client.get(reverse("demands:demand_list"), {"stage": "returned"})
        self.assertContains(mine, demand.title)
        self.assertContains(self.client.get(reverse("demands:demand_submit")), "被工会退回待补充")
        # Another enterprise's contact sees neither the demand nor its feedback.
        self.client.force_login(self.other_boss)
        for url in (
            reverse("casework:demand_panel", args=[demand.pk]),
            reverse("demands:demand_detail", args=[demand.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        response = self.client.post(reverse("casework:demand_step", args=[demand.pk, "resubmit"]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.RETURNED)
        self.client.force_login(self.boss)
        self.client.post(
            reverse("casework:demand_step", args=[demand.pk, "resubmit"]), {"comment": "已补"}
        )
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.SUBMITTED)

    def test_the_enterprise_is_asked_only_for_fields_it_can_edit_each_once(self) -> None:
        # Submitted, not triaged: 需求类别 is missing twice (completeness and feasibility).
        demand = self.new_demand(description=VAGUE, current_state="", desired_outcome="")
        report = quality_check(demand)
        union_labels = {
            a.label
            for a in report.to_add()
            if a.field not in demand_services.ENTERPRISE_DEMAND_FIELDS
        }
        self.assertEqual([a.field for a in report.to_add()].count("category"), 2, report.to_add())
        self.assertIn("需求类别", union_labels)
        claims.demand_return(actor=self.staff, demand=demand)
        note = Notification.objects.get(recipient=self.boss, title__startswith="请补充需求信息")
        review = QualityReview.objects.get(demand=demand, purpose=QualityPurpose.RETURN)
        self.client.force_login(self.boss)
        page = self.client.get(reverse("casework:demand_panel", args=[demand.pk])).content.decode()
        card = page[page.index('id="return-request"') :]
        told = card[: card.index("</ol>")]
        for text in (note.body, "\n".join(review.to_add), told):
            for label in union_labels:
                self.assertNotIn(label, text)
            for advice in report.for_enterprise():
                self.assertEqual(text.count(f"{advice.label}："), 1, (advice.label, text))
        self.assertIn("需求描述：", note.body)
        self.assertEqual(
            len({t.split("：")[0] for t in review.to_add}), len(review.to_add), review.to_add
        )
        # Staff still see the whole advice, the union's part apart.
        self.assertTrue(any(t.startswith("需求类别：") for t in report.as_dict()["to_add"]))
        self.assertTrue(any(t.startswith("需求类别：") for t in report.as_dict()["to_add_union"]))
        demand2 = self.new_demand(description=VAGUE, current_state="", desired_outcome="")
        self.client.force_login(self.staff)
        panel = self.client.get(reverse("casework:claims_panel", args=[demand2.pk])).content
        panel_text = panel.decode()
        union_list = panel_text[panel_text.index('data-to-add="union"') :]
        ent_list = panel_text[panel_text.index('data-to-add="enterprise"') :]
        self.assertIn("需求类别：", union_list[: union_list.index("</ul>")])
        self.assertNotIn("需求类别", ent_list[: ent_list.index("</ol>")])
        api = self.client.get(f"/api/v1/casework/demands/{demand2.pk}/quality/").json()
        self.assertTrue(any(t.startswith("需求类别：") for t in api["to_add"]))
        self.assertFalse(any("需求类别" in t for t in api["to_add_enterprise"]))

    def test_only_union_fields_missing_staff_complete_them_instead_of_returning(self) -> None:
        demand = self.new_demand(
            description=GOOD,
            industry_codes=["3461"],
            tags=["数控维修"],
            deadline=dt.date.today() + dt.timedelta(days=60),
        )
        report = quality_check(demand)
        self.assertEqual(report.for_enterprise(), [], report.to_add())
        self.assertIn("category", [a.field for a in report.for_union()])
        with self.assertRaises(BusinessError) as refused:
            claims.demand_return(actor=self.staff, demand=demand)
        self.assertIn("需求类别", refused.exception.message)
        self.assertIn("不必退回", refused.exception.message)
        self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.SUBMITTED)
        self.assertFalse(Notification.objects.filter(recipient=self.boss).exists())
        # With the staff's own words the return still makes sense to the enterprise.
        claims.demand_return(actor=self.staff, demand=demand, comment="请上传设备铭牌照片")
        note = Notification.objects.get(recipient=self.boss, title__startswith="请补充需求信息")
        self.assertIn("请上传设备铭牌照片", note.body)
        self.assertNotIn("需求类别", note.body)
        self.assertNotIn("需补充：", note.body)

    def test_boards_and_the_enterprise_home_count_returned_demands(self) -> None:
        demand = self.weak()
        claims.demand_return(actor=self.staff, demand=demand)
        board = queues.aging_board(user=self.staff)
        row = next(r for r in board.rows if r.status == DemandStatus.RETURNED)
        self.assertEqual(row.total.count, 1)
        self.assertIsNone(row.overdue)  # waits for the enterprise: never overdue
        self.assertEqual(board.total, sum(r.total.count for r in board.rows))
        items = {i.key: i for i in queues.my_demand_counts(user=self.boss)}
        self.assertEqual(items["returned"].count, 1)
        self.assertTrue(items["returned"].red)
        self.assertNotIn("returned", {i.key for i in queues.my_demand_counts(user=self.other_boss)})


# ----------------------------------------------------------------------------------------------
# Renewal and expiry
# ----------------------------------------------------------------------------------------------


class RenewTests(QualityTestBase):
    def test_other_units_staff_and_a_craftsman_cannot_renew(self) -> None:
        demand = self.published()
        with self.assertRaises(ScopeViolation):
            claims.publication_renew(actor=self.other_staff, demand=demand)
        with self.assertRaises(PermissionDenied):
            claims.publication_renew(actor=self.user_a, demand=demand)
        self.assertEqual(Publication.objects.get(demand=demand).renewals, 0)

    def test_renew_rechecks_extends_and_is_audited(self) -> None:
        demand = self.published()
        pub = Publication.objects.get(demand=demand)
        wanted = pub.expires_on + dt.timedelta(days=20)
        renewed = claims.publication_renew(
            actor=self.staff, demand=demand, expires_on=wanted, comment="仍在征集"
        )
        self.assertEqual((renewed.expires_on, renewed.renewals), (wanted, 1))
        self.assertTrue(
            OperationLog.objects.filter(
                action__startswith="续期认领清单", action__contains="第 1 次"
            )
        )
        self.assertTrue(
            QualityReview.objects.filter(demand=demand, purpose=QualityPurpose.RENEW).exists()
        )
        # The score is checked again: a disabled enterprise can no longer be listed.
        demand_services.enterprise_set_status(
            actor=self.staff, enterprise=self.ent, status="disabled"
        )
        with self.assertRaises(ValidationError) as refused:
            claims.publication_renew(actor=self.staff, demand=demand)
        self.assertIn("enterprise", refused.exception.message_dict)
        self.assertEqual(Publication.objects.get(pk=pub.pk).renewals, 1)

    def test_renewal_limits(self) -> None:
        demand = self.published()
        pub = Publication.objects.get(demand=demand)
        today = dt.date.today()
        for value, text in (
            (pub.expires_on, "应晚于当前截止日期"),
            (today + dt.timedelta(days=91), "最长发布 90 天"),
        ):
            with self.subTest(value=value):
                with self.assertRaises(BusinessError) as refused:
                    claims.publication_renew(actor=self.staff, demand=demand, expires_on=value)
                self.assertEqual(refused.exception.field, "expires_on")
                self.assertIn(text, refused.exception.message)
        with override_settings(JIANGQIAO_CASEWORK=_casework(publish_renewals_max=1)):
            claims.publication_renew(actor=self.staff, demand=demand)
            with self.assertRaises(BusinessError) as refused:
                claims.publication_renew(
                    actor=self.staff, demand=demand, expires_on=today + dt.timedelta(days=89)
                )
        self.assertIn("达到上限 1 次", refused.exception.message)
        # Only a listed demand is renewed.
        claims.demand_unpublish(actor=self.staff, demand=demand, comment="企业已自行解决")
        with self.assertRaises(BusinessError) as refused:
            claims.publication_renew(actor=self.staff, demand=demand)
        self.assertIn("重新发布", refused.exception.message)

    def test_staff_are_told_before_expiry_once_and_a_renewal_resets_the_notice(self) -> None:
        with time_machine.travel(at(2025, 9, 1), tick=False) as clock:
            demand = self.published()
            self.assertEqual(
                Publication.objects.get(demand=demand).expires_on, dt.date(2025, 10, 1)
            )
            clock.move_to(at(2025, 9, 27))
            self.assertNotIn("expiry_notices", services.tick())
            clock.move_to(at(2025, 9, 28))
            self.assertEqual(services.tick().get("expiry_notices"), 1)
            self.assertNotIn("expiry_notices", services.tick())  # once
            note = Notification.objects.get(
                recipient=self.staff, title__startswith="认领清单即将到期"
            )
            self.assertIn("2025-10-01", note.body)
            self.assertIn("可续期", note.body)
            claims.publication_renew(actor=self.staff, demand=demand)
            pub = Publication.objects.get(demand=demand)
            self.assertEqual(pub.expires_on, dt.date(2025, 10, 31))
            self.assertIsNone(pub.expiry_notified_on)
            clock.move_to(at(2025, 11, 1, 1))
            counts = services.tick()
            self.assertEqual(counts.get("unpublished"), 1)
            self.assertEqual(Demand.objects.get(pk=demand.pk).status, DemandStatus.TRIAGED)

    def test_claim_list_shows_the_quality_badge(self) -> None:
        demand = self.published()
        total = Publication.objects.get(demand=demand).quality_score
        self.client.force_login(self.user_a)
        page = self.client.get(reverse("casework:published_list"))
        self.assertContains(page, f"质量 {total}/20")


class TestQualityReviewScope(DataScopeMatrixTests):
    model = QualityReview
    __test__ = True

    def make_row(self, unit: Any, owner: Any) -> QualityReview:
        return QualityReview.objects.create(
            demand=_scope_demand(unit, owner),
            purpose=QualityPurpose.RETURN,
            total=8,
            to_add=["需求描述：至少 30 个字"],
            created_by=owner,
            updated_by=owner,
        )


def test_every_list_of_demand_states_knows_the_returned_state() -> None:
    """待补充 is in the state table, the colours, the enterprise's words and stages, the aging
    board and the exchange format — so no count or import silently drops it."""
    import json

    from django.conf import settings

    from jiangqiao.casework.selectors import PROGRESS_TEXT
    from jiangqiao.demands.choices import DEMAND_STATUS_COLORS, NOT_COLLECTED, STAGE_STATUSES

    states = set(DemandStatus.values)
    assert set(lifecycle.TRANSITIONS) == states
    assert set(DEMAND_STATUS_COLORS) == states
    assert set(PROGRESS_TEXT) == states
    staged = {s for group in STAGE_STATUSES.values() for s in group}
    assert staged == states - set(NOT_COLLECTED)
    assert DemandStatus.RETURNED in queues.BOARD_STATES
    schema = settings.BASE_DIR / "jiangqiao" / "exchange" / "schemas" / "demand.json"
    enum = json.loads(schema.read_text(encoding="utf-8"))["properties"]["status"]["enum"]
    assert sorted(enum) == sorted(states)
