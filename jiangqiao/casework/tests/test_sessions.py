"""服务记录 (moved from matching): the rules, data scope, pages, API, the demand panel and the
offer page; skill upgrades, benefit verification, evidence files."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import (
    CrudApiTests,
    CrudPageTests,
    DataScopeMatrixTests,
    WorldTestCase,
)
from jiangqiao.casework import sessions as services
from jiangqiao.casework.models import Offer, ServiceRecord
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.matching.tests.test_scope_pages_api import make_suggestion
from jiangqiao.orgs.models import Organization


_n = itertools.count(1)


def confirmed_match(unit: Organization, owner: Any, **fields: Any) -> MatchSuggestion:
    fields.setdefault("decided_at", timezone.now() - dt.timedelta(days=30))
    return make_suggestion(unit, owner, status="confirmed", decided_by=owner, **fields)


def accepted_offer(match: MatchSuggestion, **fields: Any) -> Offer:
    at = match.decided_at or timezone.now()
    values: dict[str, Any] = {
        "demand_id": match.demand_id,
        "craftsman_id": match.craftsman_id,
        "suggestion": match,
        "source": "suggestion",
        "status": "accepted",
        "offered_at": at,
        "accept_deadline": at,
        "responded_at": at,
    }
    values.update(fields)
    return Offer.objects.create(**values)


def make_record(unit: Organization, owner: Any, **fields: Any) -> ServiceRecord:
    values: dict[str, Any] = {
        "date": timezone.localdate() - dt.timedelta(days=1),
        "mode": "onsite",
        "duration_min": 120,
        "notes": f"现场诊断主轴异响{next(_n)}",
    }
    values.update(fields)
    match = confirmed_match(unit, owner)
    return ServiceRecord.objects.create(
        match=match,
        demand_id=match.demand_id,
        offer=accepted_offer(match),
        created_by=owner,
        updated_by=owner,
        **values,
    )


def record_data(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": timezone.localdate(),
        "duration_min": 180,
        "prep_min": 30,
        "travel_min": 40,
        "mode": "onsite",
        "activities": ["tech_service", "skill_training"],
        "location": "440305",
        "attendees": 5,
        "trainees": 3,
        "problems_solved": 2,
        "notes": "  更换主轴轴承，培训维修工  ",
        "economic_benefit": Decimal("12.50"),
        "enterprise_confirmed": True,
    }
    data.update(fields)
    return data


class TestServiceRules(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.world.city_admin_a
        self.match = confirmed_match(self.world.county_a1, self.user)
        self.offer = accepted_offer(self.match)

    def test_a_record_of_a_confirmed_match_is_saved_audited_and_logged(self) -> None:
        record = services.session_create(actor=self.user, match=self.match, data=record_data())
        record.refresh_from_db()
        self.assertEqual(record.notes, "更换主轴轴承，培训维修工")  # normalised
        self.assertEqual(record.activities, ["tech_service", "skill_training"])
        self.assertEqual(record.economic_benefit, Decimal("12.50"))
        self.assertTrue(
            ChangeLog.objects.filter(object_id=str(record.pk), action="create").exists()
        )
        log = OperationLog.objects.latest("pk")
        self.assertIn("登记服务记录", log.action)

    def test_only_confirmed_matches_take_records(self) -> None:
        for status in ("proposed", "rejected", "declined", "superseded"):
            with self.subTest(status=status):
                MatchSuggestion.objects.filter(pk=self.match.pk).update(status=status)
                with self.assertRaisesRegex(BusinessError, "只能为已确认的匹配") as caught:
                    services.session_create(actor=self.user, match=self.match, data=record_data())
                self.assertEqual(caught.exception.field, "match")
        self.assertFalse(ServiceRecord.objects.exists())

    def test_dates_are_checked(self) -> None:
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        with self.assertRaisesRegex(BusinessError, "服务日期：不能晚于今天"):
            services.session_create(
                actor=self.user, match=self.match, data=record_data(date=tomorrow)
            )
        decided = timezone.localtime(self.match.decided_at).date()
        with self.assertRaisesRegex(BusinessError, "不能早于接受服务的日期"):
            services.session_create(
                actor=self.user,
                match=self.match,
                data=record_data(date=decided - dt.timedelta(days=1)),
            )
        with self.assertRaisesRegex(BusinessError, "服务日期"):
            services.session_create(actor=self.user, match=self.match, data=record_data(date=None))

    def test_bad_values_name_their_field(self) -> None:
        cases = [
            ({"activities": ["no_such_type"]}, "activities", "服务内容"),
            ({"activities": "tech_service"}, "activities", "服务内容：应为代码列表"),
            ({"activities": ["tech_service"] * 0 + [f"x{i}" for i in range(25)]}, "activities", ""),
            ({"duration_min": 100_001}, "duration_min", "服务时长"),
            ({"trainees": -1}, "trainees", "培训人数"),
            ({"mode": "teleport"}, "mode", "服务方式"),
            ({"location": "999999"}, "location", "服务地点"),
            ({"economic_benefit": Decimal("-1")}, "economic_benefit", "经济效益"),
            ({"notes": "长" * 5001}, "notes", "服务纪要"),
            ({"match": 1}, "", "不能修改的字段"),
        ]
        for data, field, text in cases:
            with self.subTest(data=str(data)[:40]):
                with self.assertRaises(BusinessError) as caught:
                    services.session_create(
                        actor=self.user, match=self.match, data=record_data(**data)
                    )
                if field:
                    self.assertEqual(caught.exception.field, field)
                self.assertIn(text, caught.exception.message)
        self.assertFalse(ServiceRecord.objects.exists())

    def test_other_peoples_matches_and_records_are_out_of_reach(self) -> None:
        theirs = confirmed_match(self.world.county_b1, self.world.city_admin_b)
        with self.assertRaisesRegex(BusinessError, "不在您的数据范围内"):
            services.session_create(actor=self.user, match=theirs, data=record_data())
        record = make_record(self.world.county_b1, self.world.city_admin_b)
        with self.assertRaises(ScopeViolation):
            services.session_update(actor=self.user, record=record, data={"trainees": 9})
        record.refresh_from_db()
        self.assertIsNone(record.trainees)

    def test_without_the_permission_nothing_is_written(self) -> None:
        from jiangqiao.core.testing.personas import make_user, scope_role

        viewer = make_user(
            "viewer_only",
            self.world.city_a,
            scope_role("org_and_below_view", perms=[]),
        )
        with self.assertRaisesRegex(BusinessError, "没有此操作的权限"):
            services.session_create(actor=viewer, match=self.match, data=record_data())

    def test_update_changes_the_given_fields_only(self) -> None:
        record = services.session_create(actor=self.user, match=self.match, data=record_data())
        services.session_update(actor=self.user, record=record, data={"trainees": 8})
        record.refresh_from_db()
        self.assertEqual((record.trainees, record.attendees, record.mode), (8, 5, "onsite"))
        self.assertTrue(
            ChangeLog.objects.filter(object_id=str(record.pk), action="update").exists()
        )


class TestServiceRecordScope(DataScopeMatrixTests):
    """Records follow their match's demand (``match__demand__org``)."""

    __test__ = True
    model = ServiceRecord

    def make_row(self, unit: Organization, owner: Any) -> ServiceRecord:
        return make_record(unit, owner)


class TestServiceRecordPages(CrudPageTests):
    __test__ = True
    model = ServiceRecord
    url_prefix = "casework:servicerecord"

    def make_row(self, unit: Organization, owner: Any) -> ServiceRecord:
        return make_record(unit, owner)

    def form_data(self, unit: Organization) -> dict[str, Any]:
        match = confirmed_match(unit, self.world.superuser)
        return {
            "offer": accepted_offer(match).pk,
            "date": timezone.localdate().isoformat(),
            "mode": "online",
            "duration_min": "90",
            "activities": ["tech_consulting"],
            "notes": f"线上答疑{next(_n)}",
            "enterprise_confirmed": "on",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"notes": data["notes"]}

    def test_create_page_preselects_the_match_and_shows_chinese_errors(self) -> None:
        match = confirmed_match(self.world.county_a1, self.world.city_admin_a)
        self.login(self.world.city_admin_a)
        offer = accepted_offer(match)
        page = self.client.get(self.url("create"), {"match": match.pk})  # old panel links
        self.assertContains(page, f'<option value="{offer.pk}" selected>')
        future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        response = self.client.post(
            self.url("create"), {"offer": offer.pk, "date": future, "mode": "phone"}
        )
        self.assertContains(response, "服务日期：不能晚于今天", status_code=400)
        self.assertFalse(ServiceRecord.objects.exists())

    def test_offers_not_accepted_are_not_offered(self) -> None:
        match = confirmed_match(self.world.county_a1, self.world.city_admin_a)
        pending = accepted_offer(match, status="pending", responded_at=None)
        self.login(self.world.city_admin_a)
        page = self.client.get(self.url("create")).content.decode()
        self.assertNotIn(f'value="{pending.pk}"', page)
        response = self.client.post(
            self.url("create"),
            {"offer": pending.pk, "date": timezone.localdate().isoformat(), "mode": "phone"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ServiceRecord.objects.exists())

    def test_list_filters_by_date_range_and_confirmation(self) -> None:
        today = timezone.localdate()
        old = make_record(
            self.world.county_a1, self.world.city_admin_a, date=today - dt.timedelta(days=20)
        )
        new = make_record(
            self.world.county_a1, self.world.city_admin_a, date=today, enterprise_confirmed=True
        )
        self.login(self.world.city_admin_a)
        since = (today - dt.timedelta(days=5)).isoformat()
        page = self.client.get(self.url("list"), {"date_from": since}).content.decode()
        self.assertIn(str(new), page)
        self.assertNotIn(str(old), page)
        page = self.client.get(self.url("list"), {"enterprise_confirmed": "false"}).content.decode()
        self.assertIn(str(old), page)
        self.assertNotIn(str(new), page)
        api = self.client.get("/api/v1/casework/sessions/", {"date_to": since}).json()
        self.assertEqual([r["id"] for r in api["results"]], [old.pk])
        export = self.client.get(
            self.url("list"), {"date_from": since, "_export": "csv", "_purpose": "数据核对"}
        )
        text = b"".join(export.streaming_content).decode("utf-8-sig")
        self.assertTrue(text.splitlines()[0].startswith("导出人："))  # the watermark line
        self.assertIn("服务日期", text.splitlines()[1])
        self.assertEqual(len(text.strip().splitlines()), 3)  # watermark, header, the newer record
        self.assertIn(str(new), text)

    def test_detail_shows_labels_not_codes(self) -> None:
        record = make_record(
            self.world.county_a1,
            self.world.city_admin_a,
            activities=["skill_training"],
            location="440305",
            economic_benefit=Decimal("8.00"),
        )
        self.login(self.world.city_admin_a)
        page = self.client.get(self.url("detail", record.pk)).content.decode()
        self.assertIn("技能培训", page)
        self.assertIn("南山区", page)
        self.assertIn("8.00 万元", page)
        self.assertNotIn("skill_training", page)

    def test_the_demand_panel_lists_records_and_links_to_add_one(self) -> None:
        record = make_record(self.world.county_a1, self.world.city_admin_a)
        self.login(self.world.city_admin_a)
        url = reverse("matching:demand_suggestions", args=[record.match.demand_id])
        panel = self.client.get(url, HTTP_HX_REQUEST="true").content.decode()
        self.assertIn(record.get_absolute_url(), panel)
        self.assertIn(f"{reverse('casework:servicerecord_create')}?match={record.match_id}", panel)


class TestServiceRecordApi(CrudApiTests):
    __test__ = True
    model = ServiceRecord
    api_url = "/api/v1/casework/sessions/"

    def make_row(self, unit: Organization, owner: Any) -> ServiceRecord:
        return make_record(unit, owner)

    def create_data(self, unit: Organization) -> dict[str, Any]:
        match = confirmed_match(unit, self.world.superuser)
        return {
            "offer": accepted_offer(match).pk,
            "date": timezone.localdate().isoformat(),
            "mode": "phone",
            "activities": ["tech_consulting"],
            "notes": f"电话指导{next(_n)}",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"notes": data["notes"]}

    def test_update_and_no_delete(self) -> None:
        record = make_record(self.world.county_a1, self.world.city_admin_a)
        client = self.api(self.world.city_admin_a)
        response = client.patch(
            f"{self.api_url}{record.pk}/", {"problems_solved": 4}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["problems_solved"], 4)
        bad = client.patch(f"{self.api_url}{record.pk}/", {"activities": ["nope"]}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("服务内容", bad.content.decode())
        self.assertEqual(client.delete(f"{self.api_url}{record.pk}/").status_code, 405)
        record.refresh_from_db()
        self.assertEqual(record.problems_solved, 4)
