"""服务记录 (moved from matching): the rules, data scope, pages, API, the demand panel and the
offer page; skill upgrades, benefit verification, evidence files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from jiangqiao.casework import sessions as services
from jiangqiao.casework.models import Offer, ServiceRecord
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import (
    CrudApiTests,
    CrudPageTests,
    DataScopeMatrixTests,
    WorldTestCase,
)
from jiangqiao.demands.models import Demand
from jiangqiao.exchange import format as exchange_format
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.matching.tests.test_scope_pages_api import make_suggestion
from jiangqiao.orgs.models import Organization

_n = itertools.count(1)


def confirmed_match(unit: Organization, owner: Any, **fields: Any) -> MatchSuggestion:
    fields.setdefault("decided_at", timezone.now() - dt.timedelta(days=30))
    match = make_suggestion(unit, owner, status="confirmed", decided_by=owner, **fields)
    # The demand was submitted before it was matched (sessions may date back to submission).
    submitted = fields["decided_at"] - dt.timedelta(days=10)
    Demand.objects.filter(pk=match.demand_id).update(submitted_at=submitted, created_at=submitted)
    return match


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
    # A session is named by its demand (and day, mode): each row gets a demand of its own name.
    demand = Demand.objects.get(pk=match.demand_id)
    Demand.objects.filter(pk=demand.pk).update(title=f"{demand.title}（第{next(_n)}号）")
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
        submitted = timezone.localtime(Demand.objects.get(pk=self.match.demand_id).submitted_at)
        with self.assertRaisesRegex(BusinessError, "服务日期：不能早于需求提交日期"):
            services.session_create(
                actor=self.user,
                match=self.match,
                data=record_data(date=submitted.date() - dt.timedelta(days=1)),
            )
        # Back-filling: a visit made after the demand was submitted but logged after the match
        # was confirmed (or before the offer was accepted) is accepted.
        decided = timezone.localtime(self.match.decided_at).date()
        for day in (submitted.date(), decided - dt.timedelta(days=1)):
            record = services.session_create(
                actor=self.user, match=self.match, data=record_data(date=day)
            )
            self.assertEqual(record.date, day)
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
        self.assertContains(page, f'<input type="hidden" name="offer" value="{offer.pk}"')
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


# ----------------------------------------------------------------------------------------------
# The craftsman logs his own sessions; problems, skill upgrades, benefit, evidence
# ----------------------------------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


class TestCraftsmanSessions(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from jiangqiao.accounts.models import Role
        from jiangqiao.core.testing.personas import make_user
        from jiangqiao.talents.models import Craftsman

        w = cls.world
        role = Role.objects.get(code="craftsman")
        cls.me = make_user("gj_me", w.county_a1, role)
        cls.other = make_user("gj_other", w.county_a1, role)
        cls.match = confirmed_match(w.county_a1, w.city_admin_a)
        Craftsman.objects.filter(pk=cls.match.craftsman_id).update(user=cls.me)
        cls.offer = accepted_offer(cls.match)
        cls.staff = w.city_admin_a
        cls.verifier = w.province_admin

    def setUp(self) -> None:
        super().setUp()
        self.private_root = self.temporary_dir_setting("JIANGQIAO_PRIVATE_ROOT")

    def log(self, actor: Any = None, **data: Any) -> ServiceRecord:
        return services.session_create(
            actor=actor or self.me, offer=self.offer, data=record_data(**data)
        )

    def test_an_offer_or_match_key_that_is_not_ascii_digits_opens_an_empty_form(self) -> None:
        self.client.force_login(self.me)
        url = reverse("casework:servicerecord_create")
        for name in ("offer", "match"):
            for bad in ("²", "١", "9" * 30):
                with self.subTest(name=name, value=bad):
                    self.assertEqual(self.client.get(url, {name: bad}).status_code, 200)

    def test_the_craftsman_logs_a_session_of_his_accepted_offer_from_the_offer_page(self) -> None:
        self.client.force_login(self.me)
        page = self.client.get(self.offer.get_absolute_url())
        self.assertContains(page, "登记服务记录")
        response = self.client.post(
            reverse("casework:servicerecord_create") + f"?offer={self.offer.pk}",
            {
                "offer": self.offer.pk,
                "date": timezone.localdate().isoformat(),
                "mode": "onsite",
                "duration_min": "120",
                "prep_min": "30",
                "travel_min": "45",
                "trainees": "6",
                "problems_text": "主轴异响|已解决\n尺寸波动|部分解决\n换型慢",
                "notes": "现场更换轴承",
            },
        )
        record = ServiceRecord.objects.get()
        self.assertRedirects(response, record.get_absolute_url())
        self.assertEqual((record.offer, record.demand_id), (self.offer, self.match.demand_id))
        self.assertEqual(record.created_by, self.me)
        self.assertEqual([p["result"] for p in record.problems], ["solved", "partial", "solved"])
        self.assertEqual(record.problems_solved, 2)  # counted from the list
        # He sees it (仅本人 through the offer) and it is listed on the offer page.
        self.assertEqual(list(ServiceRecord.objects.visible_to(self.me)), [record])
        self.assertContains(
            self.client.get(self.offer.get_absolute_url()), record.get_absolute_url()
        )
        # Another craftsman sees nothing and cannot log on this offer.
        self.assertFalse(ServiceRecord.objects.visible_to(self.other).exists())
        self.assertEqual(self.client.get(record.get_absolute_url()).status_code, 200)
        self.client.force_login(self.other)
        self.assertEqual(self.client.get(record.get_absolute_url()).status_code, 404)
        with self.assertRaises(BusinessError):  # the offer is not in his scope
            services.session_create(actor=self.other, offer=self.offer, data=record_data())

    def test_a_craftsman_cannot_log_before_accepting_or_edit_afterwards(self) -> None:
        Offer.objects.filter(pk=self.offer.pk).update(status="pending")
        with self.assertRaisesRegex(BusinessError, "只能为已接受的服务登记") as caught:
            self.log()
        self.assertEqual(caught.exception.field, "offer")
        Offer.objects.filter(pk=self.offer.pk).update(status="accepted")
        record = self.log()
        with self.assertRaisesRegex(BusinessError, "没有此操作的权限"):
            services.session_update(actor=self.me, record=record, data={"trainees": 99})
        record.refresh_from_db()
        self.assertEqual(record.trainees, 3)

    def test_problems_are_checked_item_by_item(self) -> None:
        cases = [
            ("not a list", "应为列表"),
            ([{"description": "", "result": "solved"}], "第1项：请填写问题描述"),
            ([{"description": "x", "result": "maybe"}], "第1项：处理结果应为"),
            ([{"description": "x", "result": "solved", "who": 1}], "未知的字段"),
            ([{"description": "x", "result": "not"}] * 51, "最多 50 项"),
        ]
        for value, text in cases:
            with self.subTest(text=text):
                with self.assertRaisesRegex(BusinessError, text) as caught:
                    self.log(problems=value)
                self.assertEqual(caught.exception.field, "problems")
        self.assertFalse(ServiceRecord.objects.exists())

    def test_skill_upgrades_are_pseudonymised_and_checked(self) -> None:
        upgrade = {
            "worker_code": "GH-0417",
            "worker_initials": "lm",
            "occupation": "6-18-01-01",
            "level_before": "intermediate_worker",
            "level_after": "senior_worker",
            "certificate_no": "S0000440100",
        }
        record = services.session_create(
            actor=self.me, offer=self.offer, data=record_data(), skill_upgrades=[upgrade]
        )
        row = record.skill_upgrades.get()
        self.assertEqual((row.worker_code, row.worker_initials), ("GH-0417", "LM"))
        bad = [
            ({"worker_code": "440305199001011234"}, "不能是身份证号或手机号"),
            ({"worker_code": "13800138000"}, "不能是身份证号或手机号"),
            ({"worker_code": ""}, "请填写职工编号"),
            ({"worker_initials": "张三"}, "只填拼音首字母"),
            ({"occupation": "9-99-99-99"}, "职业"),
            ({"level_after": "intermediate_worker"}, "应高于原技能等级"),
            ({"level_after": ""}, "提升后技能等级"),
            ({"name": "张三"}, "不能填写的字段"),
            ({}, "已登记"),  # the same worker and occupation twice
        ]
        for change, text in bad:
            with self.subTest(text=text), self.assertRaisesRegex(BusinessError, text):
                services.skill_upgrade_add(actor=self.me, record=record, data={**upgrade, **change})
        self.assertEqual(record.skill_upgrades.count(), 1)
        # A bad upgrade given at logging time saves nothing at all.
        with self.assertRaises(BusinessError):
            services.session_create(
                actor=self.me,
                offer=self.offer,
                data=record_data(notes="第二次"),
                skill_upgrades=[{**upgrade, "worker_code": "440305199001011234"}],
            )
        self.assertEqual(ServiceRecord.objects.count(), 1)
        # The page shows labels, never codes.
        self.client.force_login(self.me)
        page = self.client.get(record.get_absolute_url()).content.decode()
        self.assertIn("车工", page)
        self.assertIn("四级/中级工 → 三级/高级工", page)

    def test_the_benefit_is_verified_by_other_staff_and_a_change_clears_it(self) -> None:
        record = self.log(economic_benefit=Decimal("12.50"))
        with self.assertRaisesRegex(BusinessError, "没有此操作的权限"):
            services.session_verify_benefit(actor=self.me, record=record)
        own = services.session_create(actor=self.staff, offer=self.offer, data=record_data())
        with self.assertRaisesRegex(BusinessError, "登记人以外"):
            services.session_verify_benefit(actor=self.staff, record=own)
        services.session_verify_benefit(actor=self.staff, record=record)
        record.refresh_from_db()
        self.assertEqual(record.benefit_verified_by, self.staff)
        self.assertIsNotNone(record.benefit_verified_at)
        with self.assertRaisesRegex(BusinessError, "已核实"):
            services.session_verify_benefit(actor=self.verifier, record=record)
        services.session_update(
            actor=self.staff, record=record, data={"economic_benefit": Decimal("20")}
        )
        record.refresh_from_db()
        self.assertIsNone(record.benefit_verified_at)
        none = self.log(economic_benefit=None)
        with self.assertRaisesRegex(BusinessError, "尚未填写效益估算"):
            services.session_verify_benefit(actor=self.verifier, record=none)

    def test_evidence_photos_lose_their_gps_and_a_broken_photo_is_refused(self) -> None:
        from PIL import Image

        from jiangqiao.demands.tests.test_attachments import GPS_TAG, photo_bytes

        record = self.log()
        original = photo_bytes((40, 20))
        self.assertIn(GPS_TAG, Image.open(io.BytesIO(original)).getexif())
        row = services.evidence_add(
            actor=self.me, record=record, upload=_upload("现场.jpg", original)
        )
        with row.file.open("rb") as fh:
            stored = fh.read()
        image = Image.open(io.BytesIO(stored))
        self.assertEqual(len(image.getexif()), 0)
        self.assertEqual(image.size, (20, 40))  # turned upright by its EXIF orientation
        self.assertEqual((row.size, row.sha256), (len(stored), hashlib.sha256(stored).hexdigest()))
        broken = original[: len(original) // 2]
        with self.assertRaisesRegex(BusinessError, "佐证材料：图片文件已损坏或无法识别"):
            services.evidence_add(actor=self.me, record=record, upload=_upload("坏.jpg", broken))
        self.assertEqual(list(record.evidence.all()), [row])

    def test_evidence_is_sniffed_capped_private_and_downloaded_only_in_scope(self) -> None:
        record = self.log()
        row = services.evidence_add(
            actor=self.me, record=record, upload=_upload("现场.png", PNG), caption="现场照片"
        )
        self.assertTrue(row.file.path.startswith(self.private_root))
        self.assertNotIn("现场", row.file.name)  # stored under a random name
        pdf = services.evidence_add(actor=self.me, record=record, upload=_upload("报告.pdf", PDF))
        bad = [
            (_upload("脚本.exe", b"MZ\x90\x00"), "只接受 jpg、png、pdf、docx、xlsx"),
            (_upload("假图片.png", b"<html><script>alert(1)</script>"), "内容与扩展名 .png 不符"),
            (_upload("伪装.pdf", PNG), "内容与扩展名 .pdf 不符"),
            (_upload("空.jpg", b""), "文件是空的"),
            (_upload("报表.xlsx", b"PK\x03\x04garbage"), "内容与扩展名 .xlsx 不符"),
        ]
        for upload, text in bad:
            with self.subTest(text=text), self.assertRaisesRegex(BusinessError, text):
                services.evidence_add(actor=self.me, record=record, upload=upload)
        with (
            self.settings(JIANGQIAO_EVIDENCE_MAX_BYTES=32),
            self.assertRaisesRegex(BusinessError, "超过上限"),
        ):
            services.evidence_add(actor=self.me, record=record, upload=_upload("大.png", PNG))
        self.assertEqual(record.evidence.count(), 2)
        # Download: the craftsman and the staff in scope; others get 404.
        self.client.force_login(self.me)
        response = self.client.get(row.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        with row.file.open("rb") as fh:
            stored = fh.read()
        self.assertEqual(b"".join(response.streaming_content), stored)
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(pdf.get_absolute_url()).status_code, 200)
        for outsider in (self.other, self.world.city_admin_b):
            self.client.force_login(outsider)
            self.assertIn(self.client.get(row.get_absolute_url()).status_code, (403, 404))
        # Nothing under MEDIA_URL serves it.
        self.assertEqual(self.client.get(f"/media/{row.file.name}").status_code, 404)

    def test_evidence_is_encrypted_on_disk_and_downloads_byte_identical(self) -> None:
        from pathlib import Path

        from django.test import override_settings

        record = self.log()
        row = services.evidence_add(actor=self.me, record=record, upload=_upload("报告.pdf", PDF))
        # Attack: whoever reads the disk (or a backup of it) does not see the document.
        on_disk = Path(row.file.path).read_bytes()
        self.assertNotIn(b"%PDF", on_disk)
        self.assertNotIn(PDF[9:40], on_disk)
        self.client.force_login(self.me)
        response = self.client.get(row.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PDF)
        self.assertEqual(int(response["Content-Length"]), len(PDF))
        self.assertEqual(row.file.size, len(PDF))
        # A file written in clear before the encryption still downloads as it is.
        Path(row.file.path).write_bytes(PDF)
        response = self.client.get(row.get_absolute_url())
        self.assertEqual(b"".join(response.streaming_content), PDF)
        # A file no configured key opens: a 404 with a log line, never a 500.
        with override_settings(FIELD_ENCRYPTION_KEY="c3RyYW5nZXIta2V5LXN0cmFuZ2VyLWtleS1zdHJhbmdl"):
            foreign = services.evidence_add(
                actor=self.me, record=record, upload=_upload("外.pdf", PDF)
            )
        with self.assertLogs("jiangqiao.core.files", "ERROR") as logs:
            response = self.client.get(foreign.get_absolute_url())
        self.assertEqual(response.status_code, 404)
        self.assertIn(foreign.file.name, logs.output[0])
        # A file gone from the disk is a 404 too.
        Path(row.file.path).unlink()
        self.assertEqual(self.client.get(row.get_absolute_url()).status_code, 404)

    def test_an_oversized_evidence_file_on_the_page_names_the_field_and_saves_nothing(self) -> None:
        record = self.log()
        self.client.force_login(self.me)
        url = reverse("casework:servicerecord_evidence", args=[record.pk])
        with self.settings(JIANGQIAO_EVIDENCE_MAX_BYTES=32):
            response = self.client.post(
                url, {"file": _upload("现场.png", PNG), "caption": "现场"}, follow=True
            )
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        self.assertIn(f"佐证材料：文件大小 {len(PNG)} 字节，超过上限 32 字节", text)
        self.assertNotIn("佐证材料：佐证材料", text)
        self.assertEqual(record.evidence.count(), 0)
        # Under the limit the same file is taken.
        self.client.post(url, {"file": _upload("现场.png", PNG), "caption": "现场"})
        self.assertEqual(record.evidence.count(), 1)

    def test_a_rolled_back_upload_leaves_no_file_behind(self) -> None:
        import datetime as dt
        import os

        from django.db import transaction

        record = self.log()
        kept = services.evidence_add(actor=self.me, record=record, upload=_upload("留.png", PNG))
        storage = kept.file.storage
        before = set(os.listdir(os.path.dirname(kept.file.path)))
        # The caller's transaction fails after the upload: the row is gone, the file is not yet.
        with self.assertRaises(RuntimeError), transaction.atomic():
            services.evidence_add(actor=self.me, record=record, upload=_upload("弃.png", PNG))
            raise RuntimeError("调用方出错")
        orphans = set(os.listdir(os.path.dirname(kept.file.path))) - before
        self.assertEqual(len(orphans), 1)
        # A fresh orphan survives the sweep (its upload may still be committing) …
        self.assertEqual(services.evidence_sweep(), 0)
        # … an old one goes; the referenced file stays, and a second run finds nothing.
        self.assertEqual(services.evidence_sweep(older_than=dt.timedelta(0)), 1)
        self.assertEqual(services.evidence_sweep(older_than=dt.timedelta(0)), 0)
        self.assertTrue(storage.exists(kept.file.name))
        self.assertEqual(set(os.listdir(os.path.dirname(kept.file.path))), before)

    def test_the_page_forms_add_upgrades_and_evidence_with_clear_messages(self) -> None:
        record = self.log()
        self.client.force_login(self.me)
        response = self.client.post(
            reverse("casework:servicerecord_evidence", args=[record.pk]),
            {"file": _upload("照片.png", b"not really a png"), "caption": ""},
            follow=True,
        )
        self.assertContains(response, "内容与扩展名 .png 不符")
        response = self.client.post(
            reverse("casework:servicerecord_upgrade", args=[record.pk]),
            {
                "worker_code": "A-01",
                "occupation": "6-18-01-01",
                "level_after": "senior_worker",
            },
            follow=True,
        )
        self.assertContains(response, "已登记职工“A-01”的技能提升")
        self.assertEqual(record.skill_upgrades.count(), 1)

    def test_the_api_logs_a_session_with_problems_and_adds_an_upgrade(self) -> None:
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(self.me)
        response = client.post(
            "/api/v1/casework/sessions/",
            {
                "offer": self.offer.pk,
                "date": timezone.localdate().isoformat(),
                "mode": "online",
                "problems": [{"description": "参数整定", "result": "partial"}],
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        self.assertEqual(response.json()["problems_solved"], 0)
        response = client.post(
            f"/api/v1/casework/sessions/{pk}/upgrades/",
            {"worker_code": "B-7", "occupation": "6-18-01-01", "level_after": "technician"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["skill_upgrades"][0]["worker_code"], "B-7")
        bad = client.post(
            f"/api/v1/casework/sessions/{pk}/upgrades/",
            {"worker_code": "440305199001011234", "occupation": "6-18-01-01"},
            format="json",
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("身份证号", bad.content.decode())
        self.assertEqual(client.patch(f"/api/v1/casework/sessions/{pk}/", {}).status_code, 403)


# ----------------------------------------------------------------------------------------------
# Sessions imported from a sheet (the import engine)
# ----------------------------------------------------------------------------------------------

SHEET_HEADER = [
    "服务日期",
    "需求编号",
    "劳模工匠",
    "服务方式",
    "服务时长（分钟）",
    "准备时长（分钟）",
    "培训人数",
    "解决问题数",
    "服务纪要",
]


class TestSessionImport(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from jiangqiao.demands.models import Demand

        w = cls.world
        cls.match = confirmed_match(w.county_a1, w.city_admin_a)
        Demand.objects.filter(pk=cls.match.demand_id).update(number="GD-440305-2025-000001")
        cls.offer = accepted_offer(cls.match)
        cls.theirs = confirmed_match(w.county_b1, w.city_admin_b)
        Demand.objects.filter(pk=cls.theirs.demand_id).update(number="GD-440305-2025-000002")
        accepted_offer(cls.theirs)

    def run_import(self, rows: list[list[Any]], *, user: Any = None) -> Any:
        from jiangqiao.core.io import services as io_services
        from jiangqiao.core.testing.sheets import xlsx

        user = user or self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user,
            spec_key="casework.servicerecord",
            file_name="服务记录.xlsx",
            data=xlsx([SHEET_HEADER, *rows]),
        )
        io_services.import_set_options(actor=user, batch=batch, mode="all", policy="fill")
        io_services.import_check(actor=user, batch=batch)
        self.refusal = ""
        if batch.status == "checked":
            try:
                io_services.import_commit(actor=user, batch=batch)
            except BusinessError as exc:
                self.refusal = exc.message
        batch.refresh_from_db()
        return batch

    def test_a_good_sheet_imports_through_the_services_and_again_changes_nothing(self) -> None:
        day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        name = self.match.craftsman.name
        rows = [
            [day, "GD-440305-2025-000001", name, "现场", 180, 30, 6, 2, "更换主轴轴承"],
            [day, "gd-440305-2025-000001", str(self.match.craftsman_id), "电话", 30, "", "", 0, ""],
        ]
        batch = self.run_import(rows)
        self.assertEqual(batch.status, "committed", batch.result)
        records = ServiceRecord.objects.order_by("mode")
        self.assertEqual([r.mode for r in records], ["onsite", "phone"])
        first = records[0]
        self.assertEqual((first.offer, first.trainees, first.prep_min), (self.offer, 6, 30))
        self.assertEqual(first.created_by, self.world.city_admin_a)
        self.assertTrue(OperationLog.objects.filter(action__startswith="登记服务记录").exists())
        again = self.run_import(rows)
        self.assertEqual(again.status, "committed", again.result)
        self.assertEqual(ServiceRecord.objects.count(), 2)

    def test_a_bad_sheet_names_rows_and_columns_writes_nothing_and_echoes_no_other_unit(
        self,
    ) -> None:
        day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        future = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
        name = self.match.craftsman.name
        other_name = self.theirs.craftsman.name
        rows = [
            [day, "GD-440305-2025-000001", name, "现场", 60, "", 3, 1, "正常行"],
            [day, "GD-440305-2025-000002", other_name, "现场", 60, "", 1, 1, ""],
            [day, "GD-440305-2025-999999", name, "现场", 60, "", 1, 1, ""],
            [day, "GD-440305-2025-000001", "查无此人", "现场", 60, "", 1, 1, ""],
            [day, "GD-440305-2025-000001", name, "瞬移", 60, "", 1, 1, ""],
            [day, "GD-440305-2025-000001", name, "线上", -5, "", 1, 1, ""],
            [future, "GD-440305-2025-000001", name, "线上", 30, "", 1, 1, "未来"],
        ]
        batch = self.run_import(rows)
        self.assertNotEqual(batch.status, "committed")
        self.assertFalse(ServiceRecord.objects.exists())  # all or nothing
        text = str(batch.result)
        self.assertIn("第3行", text)
        self.assertIn("该需求已在其他单位登记", text)
        self.assertNotIn(other_name, text)
        self.assertNotIn(self.theirs.demand.title, text)
        self.assertNotIn(str(self.world.county_b1.name), text)
        self.assertIn("需求编号“GD-440305-2025-999999”不存在", text)
        self.assertIn("“查无此人”没有已接受的该需求服务邀请", text)
        self.assertIn("服务方式", text)
        self.assertIn("服务时长", text)
        self.assertIn("第8行【服务日期】不能晚于今天", text)
        self.assertIn("有 6 行数据有错误", self.refusal)


class TestSessionsInTheExchange(WorldTestCase):
    def test_sessions_without_a_match_are_left_out_of_a_1_0_file_and_the_rest_go(self) -> None:
        from jiangqiao.exchange.tests.helpers import export, parse

        user = self.world.city_admin_a
        match = confirmed_match(self.world.county_a1, user)
        with_match = services.session_create(
            actor=user, offer=accepted_offer(match), data=record_data()
        )
        other = confirmed_match(self.world.county_a1, user)
        direct = accepted_offer(other, suggestion=None, source="direct")
        without = services.session_create(actor=user, offer=direct, data=record_data())
        self.assertIsNone(without.match_id)
        header, records = parse(export(user))
        self.assertEqual(header["version"], exchange_format.VERSION)
        sessions_out = [r for r in records if r["type"] == "service_record"]
        self.assertEqual(len(sessions_out), 1)
        self.assertTrue(sessions_out[0]["id"].endswith(f":service_record:{with_match.pk}"))


class TestSessionFigures(WorldTestCase):
    def test_workers_trained_sums_trainees_and_skill_upgrades_count_rows_in_the_period(
        self,
    ) -> None:
        from jiangqiao.casework import kpi

        user = self.world.city_admin_a
        match = confirmed_match(self.world.county_a1, user)
        offer = accepted_offer(match)
        today = timezone.localdate()
        upgrade = {"occupation": "6-18-01-01", "level_after": "senior_worker"}
        services.session_create(
            actor=user,
            offer=offer,
            data=record_data(date=today, trainees=5),
            skill_upgrades=[{**upgrade, "worker_code": "A1"}, {**upgrade, "worker_code": "A2"}],
        )
        services.session_create(
            actor=user,
            offer=offer,
            data=record_data(date=today - dt.timedelta(days=20), trainees=7),
            skill_upgrades=[{**upgrade, "worker_code": "A3"}],
        )
        theirs = confirmed_match(self.world.county_b1, self.world.city_admin_b)
        services.session_create(
            actor=self.world.city_admin_b,
            offer=accepted_offer(theirs),
            data=record_data(date=today, trainees=100),
            skill_upgrades=[{**upgrade, "worker_code": "B1"}],
        )
        got = kpi.figures(
            user=user, org=self.world.city_a, start=today - dt.timedelta(days=5), end=today
        )
        self.assertEqual((got["workers_trained"], got["skill_upgrades"]), (5, 2))
        self.assertEqual((got["person_times"], got["craftsmen_serving"]), (1, 1))
        wide = kpi.figures(
            user=user, org=self.world.city_a, start=today - dt.timedelta(days=30), end=today
        )
        self.assertEqual((wide["workers_trained"], wide["skill_upgrades"]), (12, 3))

    def test_a_team_session_names_the_members_who_came_and_counts_each_once(self) -> None:
        from jiangqiao.casework import kpi
        from jiangqiao.talents import services as talent_services
        from jiangqiao.talents.tests.helpers import make_craftsman, make_team

        user = self.world.city_admin_a
        unit = self.world.county_a1
        lead, second, third, outsider = (make_craftsman(unit, user) for _ in range(4))
        team = make_team(unit, user)
        talent_services.team_add_member(actor=user, team=team, craftsman=lead, role="lead")
        for person in (second, third):
            talent_services.team_add_member(actor=user, team=team, craftsman=person)
        match = confirmed_match(unit, user)
        offer = accepted_offer(match, craftsman_id=None, team=team)
        today = timezone.localdate()
        record = services.session_create(
            actor=user,
            offer=offer,
            data=record_data(date=today),
            participants=[lead.pk, third.pk],
        )
        self.assertEqual(set(record.participants.all()), {lead, third})
        self.assertIsNone(record.experts)  # no count entered: the names count (kpi)
        # Only the team's people; nobody at all is refused too.
        for bad, text in (([outsider.pk], "服务队的队员"), ([], "至少选择一人"), (["x"], "名单")):
            with self.subTest(bad=bad), self.assertRaisesRegex(BusinessError, text):
                services.session_update(actor=user, record=record, data={}, participants=bad)
        # A count above the names is kept (people not in the register came too), below is refused.
        with self.assertRaisesRegex(BusinessError, "不能少于所选的参与劳模工匠（2 人）"):
            services.session_update(actor=user, record=record, data={"experts": 1})
        services.session_update(actor=user, record=record, data={"experts": 4})
        services.session_update(actor=user, record=record, data={"notes": "复盘"})
        record.refresh_from_db()
        self.assertEqual(record.experts, 4)  # an edit of something else keeps the count
        # Without names, the team's lead is named.
        other = services.session_create(
            actor=user, offer=offer, data=record_data(date=today - dt.timedelta(days=1))
        )
        self.assertEqual(list(other.participants.all()), [lead])
        got = kpi.figures(user=user, org=self.world.city_a, start=today, end=today)
        self.assertEqual((got["person_times"], got["craftsmen_serving"]), (4, 2))
        week = kpi.figures(
            user=user, org=self.world.city_a, start=today - dt.timedelta(days=3), end=today
        )
        self.assertEqual((week["person_times"], week["craftsmen_serving"]), (5, 2))
