"""Duplicate checks against another unit's craftsmen (issue 12, item 6).

A user of 宝安 (a sibling county) or of 广州 (another city) types the ID number — or the name,
employer and mobile — of a 南山 craftsman into an import sheet, the create form or the API. The
answer says only that the person is registered in another unit and must be handled there: no
name, no identifier beyond what was typed, no owning unit, no link or number, no field diff; the
record is neither merged nor changed. Each request or import that hits such records writes one
sensitive-read row with the count, and the hits are rate-limited per user.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.core.choices import DataScope, MergePolicy
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import make_id_number, mask_id_number, mask_mobile
from jiangqiao.core.io import services as io_services
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user, scope_role
from jiangqiao.core.testing.sheets import read_xlsx, xlsx
from jiangqiao.talents.models import Craftsman

from .helpers import id_number, make_craftsman, mobile
from .test_import import HEADER, ImportBase, row

FOREIGN = "该人员已在其他单位登记，请联系其所属工会处理"


class ForeignBase(ImportBase):
    """南山 owns 田梅; 宝安 (仅本级, sibling county) and 广州 (another city) probe for her."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.baoan = make_user("baoan_operator", cls.world.county_a2, scope_role(DataScope.ORG))
        cls.theirs = make_craftsman(
            cls.world.county_a1,
            cls.world.county_operator,
            name="田梅",
            id_number=id_number(431),
            mobile=mobile(901),
            employer_name="南山精工机械厂",
            skill_level="technician",
        )

    def attackers(self) -> list[Any]:
        return [self.baoan, self.world.city_admin_b]

    def secrets(self, *, typed: tuple[str, ...] = ()) -> list[str]:
        """What must not appear in an answer to an outsider (minus what they typed)."""
        c = self.theirs
        found = [
            c.name,
            c.id_number,
            mask_id_number(c.id_number),
            c.mobile,
            mask_mobile(c.mobile),
            self.world.county_a1.name,
            c.get_absolute_url(),
            f"编号 {c.pk}",
            "existing_id",
        ]
        return [s for s in found if s not in typed]

    def assert_discloses_nothing(self, text: str, *, typed: tuple[str, ...] = ()) -> None:
        for secret in self.secrets(typed=typed):
            self.assertNotIn(secret, text)

    def form_data(self, user: Any, **over: Any) -> dict[str, Any]:
        """A create form / API payload of ``user``'s unit with her ID number."""
        data = {
            "org": user.org_id,
            "name": "王五",
            "gender": "female",
            "id_number": self.theirs.id_number,
            "mobile": mobile(902),
            "industries": ["3411"],
            "regions_served": ["440305"],
            "service_modes": ["onsite"],
            "skill_level": "senior_technician",
            "max_open_services": 3,
            "max_new_per_month": 2,
        }
        data.update(over)
        return data

    def assert_untouched(self) -> None:
        before = self.theirs
        now = Craftsman.objects.get(pk=before.pk)
        self.assertEqual(
            (now.name, now.skill_level, now.version, now.updated_at),
            (before.name, before.skill_level, before.version, before.updated_at),
        )
        self.assertEqual(
            Craftsman.objects.filter(id_number_index=before.id_number_index).count(), 1
        )

    def sensitive_reads(self, user: Any) -> list[OperationLog]:
        return list(
            OperationLog.objects.filter(business_type="view_sensitive", user=user).order_by("pk")
        )

    def workbook_text(self, batch: Any) -> list[list[Any]]:
        data = io_services.error_workbook_bytes(batch)
        assert data is not None
        return read_xlsx(data)


class TestImportMatches(ForeignBase):
    def test_an_id_number_of_another_unit_says_only_that_it_is_registered_elsewhere(self) -> None:
        for user in self.attackers():
            with self.subTest(user=user.username):
                sheet = xlsx([HEADER, row(1, name="王五", id=self.theirs.id_number)])
                batch = self.run_import(sheet, user=user, mode="valid")
                self.assertEqual(batch.counts["error"], 1, batch.result)
                self.assertEqual(batch.result["messages"], [f"第2行【身份证号】{FOREIGN}"])
                self.assertEqual(batch.result["conflicts"], [])
                self.assert_discloses_nothing(json.dumps(batch.result, ensure_ascii=False))
                cells = self.workbook_text(batch)
                self.assertEqual(cells[1][len(HEADER)], f"【身份证号】{FOREIGN}")
                # The row comes back as typed (its ID number included), nothing else of hers.
                self.assert_discloses_nothing(
                    json.dumps(cells, ensure_ascii=False, default=str),
                    typed=(self.theirs.id_number,),
                )
                self.assert_untouched()

    def test_name_employer_and_mobile_of_another_unit_say_only_the_same(self) -> None:
        c = self.theirs
        for user in self.attackers():
            with self.subTest(user=user.username):
                sheet = xlsx(
                    [HEADER, row(2, name=c.name, id="", mobile=c.mobile, employer=c.employer_name)]
                )
                batch = self.run_import(sheet, user=user, mode="valid")
                self.assertEqual(
                    batch.result["messages"], [f"第2行【姓名、工作单位和手机号】{FOREIGN}"]
                )
                typed = (c.name, c.mobile)
                self.assert_discloses_nothing(
                    json.dumps(batch.result, ensure_ascii=False), typed=typed
                )
                cells = json.dumps(self.workbook_text(batch), ensure_ascii=False, default=str)
                self.assert_discloses_nothing(cells, typed=typed)
                self.assert_untouched()

    def test_the_reported_attack_1001_generated_numbers_yield_no_names(self) -> None:
        # The issue: 1,001 generated ID numbers returned names and numbers of 13 南山 craftsmen.
        numbers = [
            make_id_number("440305", dt.date(1960, 1, 1) + dt.timedelta(days=13 * n), n % 1000)
            for n in range(1001)
        ]
        names = [f"南山工匠{i:02d}" for i in range(13)]
        for i, name in enumerate(names):
            make_craftsman(
                self.world.county_a1,
                self.world.county_operator,
                name=name,
                id_number=numbers[i * 70],
            )
        sheet = xlsx([["姓名", "身份证号"], *([f"探测{n}", x] for n, x in enumerate(numbers))])
        batch = io_services.import_upload(
            actor=self.baoan, spec_key="talents.craftsman", file_name="a.xlsx", data=sheet
        )
        io_services.import_check(actor=self.baoan, batch=batch)
        batch.refresh_from_db()
        self.assertEqual(batch.counts["error"], 13)
        self.assertEqual(batch.counts["new"], 988)
        self.assertEqual(
            batch.result["messages"], [f"第{i * 70 + 2}行【身份证号】{FOREIGN}" for i in range(13)]
        )
        text = json.dumps(batch.result, ensure_ascii=False) + json.dumps(
            self.workbook_text(batch), ensure_ascii=False, default=str
        )
        for name in [*names, self.world.county_a1.name]:
            self.assertNotIn(name, text)
        # One sensitive-read row for the whole check, with the count — not one per row.
        reads = self.sensitive_reads(self.baoan)
        self.assertEqual(len(reads), 1)
        self.assertEqual(reads[0].extra["hits"], 13)
        self.assertEqual(reads[0].status, "success")

    def test_an_import_within_the_users_scope_still_merges_and_is_not_counted(self) -> None:
        c = self.theirs
        sheet = xlsx([HEADER, row(3, name=c.name, id=c.id_number, level="高级技师")])
        batch = self.run_import(sheet, user=self.world.city_admin_a, policy=MergePolicy.PREFER_FILE)
        self.assertEqual(batch.counts["update"], 1, batch.result)
        c.refresh_from_db()
        self.assertEqual(c.skill_level, "senior_technician")
        self.assertEqual(self.sensitive_reads(self.world.city_admin_a), [])


class TestFormAndApiMatches(ForeignBase):
    def test_the_create_form_says_only_that_the_person_is_registered_elsewhere(self) -> None:
        for user in self.attackers():
            with self.subTest(user=user.username):
                self.login(user)
                page = self.client.post(reverse("talents:craftsman_create"), self.form_data(user))
                self.assertEqual(page.status_code, 400)
                text = page.content.decode()
                self.assertIn(FOREIGN, text)
                self.assert_discloses_nothing(text, typed=(self.theirs.id_number,))
                self.assertFalse(Craftsman.objects.filter(name="王五").exists())
                self.assert_untouched()
                self.assertEqual(len(self.sensitive_reads(user)), 1)

    def test_the_api_answers_409_without_the_existing_id(self) -> None:
        for user in self.attackers():
            with self.subTest(user=user.username):
                api = APIClient()
                api.force_authenticate(user)
                response = api.post(
                    "/api/v1/talents/craftsmen/", self.form_data(user), format="json"
                )
                self.assertEqual(response.status_code, 409, response.content)
                body = response.json()
                self.assertEqual(body, {"detail": f"身份证号：{FOREIGN}", "field": "id_number"})
                self.assert_discloses_nothing(
                    response.content.decode(), typed=(self.theirs.id_number,)
                )
                self.assertEqual(len(self.sensitive_reads(user)), 1)
        # An update to her ID number is answered the same way.
        mine = make_craftsman(self.world.county_a2, self.baoan, name="宝安工匠")
        api = APIClient()
        api.force_authenticate(self.baoan)
        response = api.patch(
            f"/api/v1/talents/craftsmen/{mine.pk}/",
            {"id_number": self.theirs.id_number, "version": mine.version},
            format="json",
        )
        self.assertEqual(response.status_code, 409, response.content)
        self.assertNotIn("existing_id", response.json())
        self.assert_untouched()

    def test_a_duplicate_within_the_users_scope_keeps_its_name_link_and_id(self) -> None:
        user = self.world.city_admin_a
        self.login(user)
        page = self.client.post(reverse("talents:craftsman_create"), self.form_data(user))
        self.assertContains(page, self.theirs.get_absolute_url(), status_code=400)
        self.assertContains(page, self.theirs.name, status_code=400)
        api = APIClient()
        api.force_authenticate(user)
        response = api.post("/api/v1/talents/craftsmen/", self.form_data(user), format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["existing_id"], self.theirs.pk)
        self.assertEqual(self.sensitive_reads(user), [])


@override_settings(JIANGQIAO_FOREIGN_MATCH_LIMIT=3, JIANGQIAO_FOREIGN_MATCH_WINDOW_MINUTES=60)
class TestRateLimit(ForeignBase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.others = [
            make_craftsman(cls.world.county_a1, cls.world.county_operator, id_number=id_number(n))
            for n in range(441, 445)
        ]

    def probe_sheet(self) -> bytes:
        rows = [row(10 + i, id=c.id_number) for i, c in enumerate([self.theirs, *self.others])]
        return xlsx([HEADER, *rows])

    def test_an_import_with_more_hits_than_the_limit_is_refused_as_a_whole(self) -> None:
        # Five hits against a limit of three: the import counts five, and says nothing per row.
        batch = io_services.import_upload(
            actor=self.baoan,
            spec_key="talents.craftsman",
            file_name="a.xlsx",
            data=self.probe_sheet(),
        )
        with self.assertRaises(BusinessError) as refused:
            io_services.import_check(actor=self.baoan, batch=batch)
        self.assertIn("其他单位", refused.exception.message)
        self.assertIn("分钟后再试", refused.exception.message)
        batch.refresh_from_db()
        self.assertEqual(batch.result, {})
        self.assertIsNone(io_services.error_workbook_bytes(batch))
        reads = self.sensitive_reads(self.baoan)
        self.assertEqual(len(reads), 1)
        self.assertEqual((reads[0].extra["hits"], reads[0].status), (5, "fail"))
        # Blocked: a sheet without any hit is refused too (or its silence would answer).
        clean = io_services.import_upload(
            actor=self.baoan,
            spec_key="talents.craftsman",
            file_name="b.xlsx",
            data=xlsx([HEADER, row(30)]),
        )
        with self.assertRaises(BusinessError):
            io_services.import_check(actor=self.baoan, batch=clean)
        # The API answers 429 with Retry-After, for imports and for the create API alike.
        api = APIClient()
        api.force_authenticate(self.baoan)
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = api.post(
            "/api/v1/imports/batches/",
            {"spec": "talents.craftsman", "file": SimpleUploadedFile("c.xlsx", self.probe_sheet())},
            format="multipart",
        )
        self.assertEqual(response.status_code, 429, response.content)
        self.assertIn("Retry-After", response.headers)
        self.assertIn("分钟后再试", response.json()["detail"])
        self.assert_discloses_nothing(response.content.decode())
        created = api.post("/api/v1/talents/craftsmen/", self.form_data(self.baoan), format="json")
        self.assertEqual(created.status_code, 429, created.content)
        # Other users are not affected; the user is again after the window.
        other = io_services.import_upload(
            actor=self.world.city_admin_b,
            spec_key="talents.craftsman",
            file_name="d.xlsx",
            data=xlsx([HEADER, row(31, id=self.theirs.id_number)]),
        )
        io_services.import_check(actor=self.world.city_admin_b, batch=other)
        self.assertEqual(other.counts["error"], 1)
        later = dt.datetime.now().timestamp() + 61 * 60
        with mock.patch("jiangqiao.core.probes._now", return_value=later):
            io_services.import_check(actor=self.baoan, batch=clean)
        self.assertEqual(clean.counts["new"], 1)

    def test_each_form_hit_counts_and_the_fourth_distinct_record_is_refused(self) -> None:
        api = APIClient()
        api.force_authenticate(self.baoan)

        def create(number: str) -> Any:
            return api.post(
                "/api/v1/talents/craftsmen/",
                self.form_data(self.baoan, id_number=number),
                format="json",
            )

        targets = [self.theirs, *self.others]
        for c in targets[:3]:
            self.assertEqual(create(c.id_number).status_code, 409)
        # Asking again about the same record tells nothing new and is not counted again.
        self.assertEqual(create(targets[0].id_number).status_code, 409)
        refused = create(targets[3].id_number)
        self.assertEqual(refused.status_code, 429, refused.content)
        self.assert_discloses_nothing(refused.content.decode(), typed=(targets[3].id_number,))
        self.assertEqual(
            [r.status for r in self.sensitive_reads(self.baoan)],
            ["success"] * 4 + ["fail"],
        )
