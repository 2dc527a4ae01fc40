"""Services, rules and pages of the enterprise and demand pool."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role
from jiangqiao.casework import services as casework_services
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.concurrency import STALE_MESSAGE
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import numbering, services
from jiangqiao.demands.choices import DemandStatus
from jiangqiao.demands.models import Demand, DemandCode, DemandEvent, Enterprise

from .factories import make_demand, make_enterprise, new_uscc

MOBILE = "13912345678"


def role(code: str) -> Role:
    return Role.objects.get(code=code)


class Base(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        w = self.world
        self.staff_a1 = make_user("ns_staff_t", w.county_a1, role("union_staff"))
        self.staff_a2 = make_user("ba_staff_t", w.county_a2, role("union_staff"))
        self.contact_user = make_user("ent_contact_t", w.county_a1, role("enterprise_contact"))
        self.enterprise = services.enterprise_create(
            actor=self.staff_a1,
            org=w.county_a1,
            data={
                "uscc": new_uscc("440305"),
                "name": "南山精密机械有限公司",
                "region_code": "440305",
                "industry_code": "3461",
                "staff_count": 150,
                "revenue": Decimal("8000"),
            },
        )

    def demand_data(self, **extra: Any) -> dict[str, Any]:
        return {
            "kind": "tech_problem",
            "title": "主轴异响诊断",
            "description": "数控机床主轴异响，需要诊断",
            "industry_codes": ["3461"],
        } | extra


class TestEnterpriseRules(Base):
    __test__ = True

    def test_uscc_derived_info_and_size(self) -> None:
        ent = self.enterprise
        info = ent.uscc_info
        assert info is not None
        self.assertEqual(info.department_name, "工商")
        self.assertEqual(info.category_name, "企业")
        self.assertEqual(info.region_code, "440305")
        self.assertEqual(
            ent.size_class, "3"
        )  # 工业: 150 人 < 300 → not medium; ≥ 20 and ≥ 300 万元 → small
        self.assertEqual(ent.size_industry, "industry")
        self.assertEqual(ent.size_rule_version, "工信部联企业〔2011〕300号")
        self.login(self.staff_a1)
        page = self.client.get(ent.get_absolute_url()).content.decode()
        self.assertIn("工商", page)
        self.assertIn(ent.size_basis, page)

    def test_uscc_is_cleaned_validated_and_unique(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            services.enterprise_create(
                actor=self.staff_a1,
                org=self.world.county_a1,
                data={"uscc": "91350100M000100Y4Z", "name": "坏代码", "region_code": "440305"},
            )
        self.assertIn("uscc", ctx.exception.message_dict)
        spaced = " ".join(self.enterprise.uscc.lower())
        with self.assertRaises(ValidationError) as ctx:
            services.enterprise_create(
                actor=self.staff_a1,
                org=self.world.county_a1,
                data={"uscc": spaced, "name": "重复", "region_code": "440305"},
            )
        self.assertIn("该统一社会信用代码的企业已登记", str(ctx.exception))

    def test_union_uscc_must_start_with_81(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            services.enterprise_update(
                actor=self.staff_a1,
                enterprise=self.enterprise,
                data={"has_union": True, "union_uscc": new_uscc("440305")},
            )
        self.assertIn("union_uscc", ctx.exception.message_dict)
        from jiangqiao.core.identifiers import make_uscc

        ok = services.enterprise_update(
            actor=self.staff_a1,
            enterprise=self.enterprise,
            data={"has_union": True, "union_uscc": make_uscc("8", "1", "440305", "A1234567")},
        )
        self.assertTrue(ok.union_uscc.startswith("81"))

    def test_size_unknown_when_inputs_missing_and_recomputed_on_update(self) -> None:
        ent = services.enterprise_update(
            actor=self.staff_a1, enterprise=self.enterprise, data={"revenue": None}
        )
        self.assertEqual(ent.size_class, "")
        self.assertIn("营业收入", ent.size_basis)
        ent = services.enterprise_update(
            actor=self.staff_a1,
            enterprise=ent,
            data={"revenue": Decimal("50000"), "staff_count": 1200},
        )
        self.assertEqual(ent.size_class, "1")

    def test_tier_is_never_inferred_and_expired_is_shown(self) -> None:
        # a size and industry that would fit “专精特新” do not give a tier
        self.assertEqual(self.enterprise.quality_tier, "")
        with self.assertRaises(ValidationError) as ctx:
            services.enterprise_update(
                actor=self.staff_a1,
                enterprise=self.enterprise,
                data={"quality_tier": "little_giant"},
            )
        self.assertIn("tier_cert_no", ctx.exception.message_dict)
        ent = services.enterprise_update(
            actor=self.staff_a1,
            enterprise=self.enterprise,
            data={
                "quality_tier": "specialized_sme",
                "tier_cert_no": "粤专精2021-0001",
                "tier_issued_on": dt.date(2021, 1, 1),
                "tier_valid_until": dt.date(2024, 1, 1),
                "tier_rule_version": "工信部企业〔2022〕63号",
            },
        )
        self.assertTrue(ent.tier_expired)
        self.login(self.staff_a1)
        page = self.client.get(ent.get_absolute_url()).content.decode()
        self.assertIn("已过期", page)
        with self.assertRaises(ValidationError):
            services.enterprise_update(
                actor=self.staff_a1, enterprise=ent, data={"quality_tier": "not_a_tier"}
            )

    def test_disable_not_delete(self) -> None:
        ent = services.enterprise_set_status(
            actor=self.staff_a1, enterprise=self.enterprise, status="disabled"
        )
        self.assertEqual(ent.status, "disabled")
        with self.assertRaises(BusinessError):
            services.demand_create(actor=self.staff_a1, enterprise=ent, data=self.demand_data())

    def test_out_of_scope_org_is_refused_and_nothing_saved(self) -> None:
        before = Enterprise.objects.count()
        with self.assertRaises(BusinessError) as ctx:
            services.enterprise_create(
                actor=self.staff_a1,
                org=self.world.county_a2,
                data={"uscc": new_uscc(), "name": "外区企业", "region_code": "440306"},
            )
        self.assertEqual(ctx.exception.field, "org")
        self.assertEqual(Enterprise.objects.count(), before)

    def test_optimistic_locking_second_save_refused(self) -> None:
        first = Enterprise.objects.get(pk=self.enterprise.pk)
        second = Enterprise.objects.get(pk=self.enterprise.pk)
        services.enterprise_update(
            actor=self.staff_a1, enterprise=first, data={"name": "甲的修改"}, version=first.version
        )
        with self.assertRaises(BusinessError) as ctx:
            services.enterprise_update(
                actor=self.staff_a1,
                enterprise=second,
                data={"name": "乙的修改"},
                version=second.version,
            )
        self.assertEqual(ctx.exception.message, STALE_MESSAGE)
        self.assertEqual(Enterprise.objects.get(pk=first.pk).name, "甲的修改")


class TestContacts(Base):
    __test__ = True

    def test_mobile_encrypted_masked_and_never_in_change_log(self) -> None:
        contact = services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="张工", mobile="139 1234 5678"
        )
        self.assertEqual(contact.mobile, MOBILE)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT mobile FROM demands_enterprisecontact WHERE id = %s", [contact.pk])
            raw = cur.fetchone()[0]
        self.assertNotIn(MOBILE, raw)
        for row in ChangeLog.objects.all():
            self.assertNotIn(MOBILE, str(row.prechange_data) + str(row.postchange_data))
        # Not even the masked tail goes into the contact's own change rows (other rows, e.g. a
        # timestamp's microseconds, may contain the same four digits by chance).
        contact_rows = ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(contact), object_id=str(contact.pk)
        )
        self.assertTrue(contact_rows.exists())
        for row in contact_rows:
            self.assertNotIn("5678", str(row.postchange_data or ""))
        for row in OperationLog.objects.all():
            self.assertNotIn(MOBILE, str(row.params) + str(row.extra) + row.action)
        self.login(self.staff_a1)
        page = self.client.get(self.enterprise.get_absolute_url()).content.decode()
        self.assertIn("139****5678", page)
        self.assertNotIn(MOBILE, page)
        api = APIClient()
        api.force_authenticate(self.staff_a1)
        body = api.get(f"/api/v1/demands/enterprises/{self.enterprise.pk}/").content.decode()
        self.assertIn("139****5678", body)
        self.assertNotIn(MOBILE, body)

    def test_reveal_needs_permission_and_is_logged(self) -> None:
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="张工", mobile=MOBILE
        )
        url = reverse("demands:enterprise_reveal", args=[self.enterprise.pk])
        # 省总工作专班 coordinates without personal data: no view_sensitive_enterprise.
        taskforce = make_user(
            "taskforce_r", self.world.province, Role.objects.get(code="provincial_task_force")
        )
        self.login(taskforce)
        self.assertEqual(self.client.post(url).status_code, 403)
        # the test role of city_admin_a holds every permission, including the sensitive one
        self.login(self.world.city_admin_a)
        # Without a stated purpose nothing is shown and nothing is logged.
        refused = self.client.post(url, follow=True)
        self.assertNotIn(MOBILE, refused.content.decode())
        self.assertContains(refused, "请说明查看明文的用途")
        response = self.client.post(url, {"purpose": "联系安排服务"})
        self.assertEqual(response.status_code, 200)
        self.assertIn(MOBILE, response.content.decode())
        log = OperationLog.objects.filter(business_type=BusinessType.VIEW_SENSITIVE).get()
        self.assertEqual(log.user, self.world.city_admin_a)
        self.assertEqual(log.target_id, str(self.enterprise.pk))
        self.assertIn("联系安排服务", log.extra["purpose"])
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        url_api = f"/api/v1/demands/enterprises/{self.enterprise.pk}/reveal/"
        self.assertEqual(api.post(url_api).status_code, 400)
        data = api.post(url_api, {"purpose": "联系安排服务"}, format="json").json()
        self.assertEqual(data[0]["mobile"], MOBILE)
        api.force_authenticate(taskforce)
        self.assertEqual(
            api.post(f"/api/v1/demands/enterprises/{self.enterprise.pk}/reveal/").status_code, 403
        )

    def test_bad_mobile_and_non_contact_user(self) -> None:
        with self.assertRaises(BusinessError) as ctx:
            services.contact_add(
                actor=self.staff_a1, enterprise=self.enterprise, name="张工", mobile="12345"
            )
        self.assertEqual(ctx.exception.field, "mobile")
        self.assertIn("手机号码", ctx.exception.message)
        with self.assertRaises(BusinessError) as ctx:
            services.contact_add(
                actor=self.staff_a1, enterprise=self.enterprise, name="李工", user=self.staff_a2
            )
        self.assertEqual(ctx.exception.field, "user")


class TestNumbering(Base):
    __test__ = True

    def test_province_table(self) -> None:
        self.assertEqual(len(numbering.PROVINCES), 34)
        self.assertEqual(len({v[1] for v in numbering.PROVINCES.values()}), 34)
        self.assertEqual(numbering.province_code("440305"), "GD")
        self.assertEqual(numbering.province_code("110101"), "BJ")
        self.assertEqual(numbering.province_code("310115"), "SH")
        self.assertEqual(numbering.province_code("810000"), "HK")
        with self.assertRaises(BusinessError):
            numbering.province_code("990000")

    def test_format_and_sequence_per_province_and_year(self) -> None:
        year = timezone.localdate().year
        a = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data(), submit=True
        )
        b = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data(), submit=True
        )
        self.assertEqual(a.number, f"GD-440305-{year}-000001")
        self.assertEqual(b.number, f"GD-440305-{year}-000002")
        self.assertRegex(a.number, numbering.NUMBER_RE)
        # another province has its own sequence; the region code in the number is the demand's
        c = services.demand_create(
            actor=self.staff_a1,
            enterprise=self.enterprise,
            data=self.demand_data(region_code="110105"),
            submit=True,
        )
        self.assertEqual(c.number, f"BJ-110105-{year}-000001")
        # a draft has no number; a withdrawn demand keeps its number and it is never reused
        casework_services.demand_withdraw(actor=self.staff_a1, demand=b)
        d = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data(), submit=True
        )
        self.assertEqual(d.number, f"GD-440305-{year}-000003")
        self.assertEqual(Demand.objects.get(pk=b.pk).number, f"GD-440305-{year}-000002")

    def test_number_is_unique_in_the_database(self) -> None:
        from django.db import IntegrityError, transaction

        a = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data(), submit=True
        )
        b = make_demand(self.enterprise)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Demand.objects.filter(pk=b.pk).update(number=a.number)

    def test_failed_submission_consumes_no_number(self) -> None:
        draft = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data()
        )
        stale = Demand.objects.get(pk=draft.pk)
        casework_services.demand_submit(actor=self.staff_a1, demand=draft)
        with self.assertRaises(BusinessError):
            casework_services.demand_submit(actor=self.staff_a1, demand=stale)
        nxt = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data(), submit=True
        )
        self.assertTrue(nxt.number.endswith("-000002"))


class TestTransitions(Base):
    __test__ = True

    def test_submit_and_triage_write_events_and_logs(self) -> None:
        d = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data()
        )
        self.assertEqual(d.status, DemandStatus.DRAFT)
        d = casework_services.demand_submit(actor=self.staff_a1, demand=d, comment="企业来电")
        self.assertEqual(d.status, DemandStatus.SUBMITTED)
        d = casework_services.demand_triage(
            actor=self.staff_a1,
            demand=d,
            data={
                "category": "innovate",
                "subcategory": "innovate.process",
                "grade": "a",
                "owner_level": "county",
            },
            comment="县级承办",
        )
        self.assertEqual((d.status, d.grade, d.owner_level), ("triaged", "a", "county"))
        events = list(DemandEvent.objects.filter(demand=d).values_list("from_status", "to_status"))
        self.assertEqual(events, [("", "draft"), ("draft", "submitted"), ("submitted", "triaged")])
        self.assertEqual(OperationLog.objects.filter(target_id=str(d.pk), module="需求").count(), 1)
        self.assertEqual(
            OperationLog.objects.filter(
                target_id=str(d.pk), module=casework_services.MODULE
            ).count(),
            2,
        )
        ct = ContentType.objects.get_for_model(Demand)
        self.assertTrue(
            ChangeLog.objects.filter(
                content_type=ct, object_id=str(d.pk), message="分级受理"
            ).exists()
        )

    def test_forbidden_transitions(self) -> None:
        d = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data()
        )
        triage = {"category": "tech", "grade": "b", "owner_level": "county"}
        with self.assertRaises(BusinessError):  # a draft cannot be triaged
            casework_services.demand_triage(actor=self.staff_a1, demand=d, data=triage)
        casework_services.demand_submit(actor=self.staff_a1, demand=d)
        with self.assertRaises(BusinessError):  # submitted twice
            casework_services.demand_submit(actor=self.staff_a1, demand=d)
        with self.assertRaises(ValidationError):  # triage needs category, grade, owner level
            casework_services.demand_triage(actor=self.staff_a1, demand=d, data={"grade": "b"})
        with self.assertRaises(ValidationError):  # subcategory of another category
            casework_services.demand_triage(
                actor=self.staff_a1, demand=d, data=triage | {"subcategory": "workforce.training"}
            )
        with self.assertRaises(PermissionDenied):  # an enterprise contact cannot triage
            casework_services.demand_triage(actor=self.contact_user, demand=d, data=triage)
        with self.assertRaises(BusinessError):  # a cancel needs a reason
            casework_services.demand_cancel(actor=self.staff_a1, demand=d, comment="")
        casework_services.demand_cancel(actor=self.staff_a1, demand=d, comment="企业已自行解决")
        with self.assertRaises(BusinessError):  # cancelled is final for now
            casework_services.demand_withdraw(actor=self.staff_a1, demand=d)
        with self.assertRaises(BusinessError):  # and no more edits
            services.demand_update(actor=self.staff_a1, demand=d, data={"title": "改"})
        self.assertEqual(Demand.objects.get(pk=d.pk).status, DemandStatus.CANCELLED)

    def test_concurrent_triage_only_one_wins(self) -> None:
        d = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data(), submit=True
        )
        seen_by_a = Demand.objects.get(pk=d.pk)
        seen_by_b = Demand.objects.get(pk=d.pk)
        casework_services.demand_triage(
            actor=self.staff_a1,
            demand=seen_by_a,
            data={"category": "tech", "grade": "a", "owner_level": "county"},
        )
        with self.assertRaises(BusinessError) as ctx:
            casework_services.demand_triage(
                actor=self.world.city_admin_a,
                demand=seen_by_b,
                data={"category": "skill", "grade": "c", "owner_level": "city"},
            )
        self.assertIn("已分级", ctx.exception.message)
        d.refresh_from_db()
        # "tech", a code of the first category list, is stored as its 2022 class.
        self.assertEqual((d.grade, d.category), ("a", "innovate"))
        self.assertEqual(DemandEvent.objects.filter(demand=d, to_status="triaged").count(), 1)

    def test_other_county_cannot_act(self) -> None:
        d = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data(), submit=True
        )
        with self.assertRaises(ScopeViolation):
            casework_services.demand_triage(
                actor=self.staff_a2,
                demand=d,
                data={"category": "tech", "grade": "a", "owner_level": "county"},
            )
        with self.assertRaises(BusinessError):
            services.demand_create(
                actor=self.staff_a2, enterprise=self.enterprise, data=self.demand_data()
            )

    def test_demand_optimistic_locking_on_the_page(self) -> None:
        d = services.demand_create(
            actor=self.staff_a1, enterprise=self.enterprise, data=self.demand_data()
        )
        url = reverse("demands:demand_edit", args=[d.pk])
        form = {
            "kind": "tech_problem",
            "title": "甲改的标题",
            "description": "描述",
            "delivery_mode": "either",
            "visibility": "private",
            "version": d.version,
        }
        self.login(self.staff_a1)
        self.assertEqual(self.client.post(url, form).status_code, 302)
        self.login(self.world.city_admin_a)
        response = self.client.post(url, form | {"title": "乙改的标题"})
        self.assertEqual(response.status_code, 400)
        self.assertIn(STALE_MESSAGE, response.content.decode())
        self.assertEqual(Demand.objects.get(pk=d.pk).title, "甲改的标题")
        api = APIClient()
        api.force_authenticate(self.staff_a1)
        response = api.patch(
            f"/api/v1/demands/demands/{d.pk}/", {"title": "接口改", "version": 1}, format="json"
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn("version", response.json())

    def test_industry_subtree_region_subtree_and_text_filters(self) -> None:
        d = services.demand_create(
            actor=self.staff_a1,
            enterprise=self.enterprise,
            data=self.demand_data(title="焊接变形ＡＢＣ", tags=["焊接", "数控"]),
        )
        codes = set(
            DemandCode.objects.filter(demand=d, scheme="industry").values_list("code", "selected")
        )
        self.assertEqual(codes, {("C", False), ("34", False), ("346", False), ("3461", True)})
        self.login(self.world.city_admin_a)
        for params, found in [
            ({"industry": "C"}, True),
            ({"industry": "C34"}, True),
            ({"industry": "3461"}, True),
            ({"industry": "35"}, False),
            ({"region": "440000"}, True),
            ({"region": "440300"}, True),
            ({"region": "440306"}, False),
            ({"region": "深圳市"}, True),
            ({"q": "焊接变形abc"}, True),
            ({"q": "銲接"}, False),
            ({"tag": "焊接"}, True),
            ({"org_id": self.world.county_a1.pk}, True),
            ({"org_id": self.world.county_a2.pk}, False),
        ]:
            with self.subTest(params=params):
                response = self.client.get(reverse("demands:demand_list"), params)
                self.assertEqual(response.status_code, 200)
                # stored (and so shown) normalised: full-width ＡＢＣ became ABC
                self.assertEqual("焊接变形ABC" in response.content.decode(), found)
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.get(
            "/api/v1/demands/demands/", {"industry": "C34", "region": "4403", "q": "焊接"}
        )
        self.assertEqual([r["id"] for r in response.json()["results"]], [d.pk])
        self.assertEqual(api.get("/api/v1/demands/demands/", {"industry": "ZZ99"}).status_code, 400)


class TestBadInput(Base):
    __test__ = True

    def post_demand(self, **overrides: Any) -> Any:
        self.login(self.staff_a1)
        data = {
            "enterprise": self.enterprise.pk,
            "kind": "tech_problem",
            "title": "标题",
            "description": "描述",
            "delivery_mode": "either",
            "visibility": "private",
        } | overrides
        return self.client.post(reverse("demands:demand_create"), data)

    def test_page_errors_name_the_field_and_save_nothing(self) -> None:
        before = Demand.objects.count()
        for overrides, message in [
            ({"min_skill_level": "grandmaster"}, "职业技能等级"),
            ({"industry_codes": "Z9999"}, "行业"),
            ({"region_code": "999999"}, "行政区划"),
            ({"title": "长" * 201}, "200"),
            ({"description": "长" * 5001}, "5000"),
            ({"kind": "skill_training"}, "培训人数"),
            ({"subcategory": "workforce.training", "category": "innovate"}, "需求子类"),
            ({"preferred_craftsmen": "abc"}, "意向劳模工匠"),
            ({"enterprise": "999999"}, "企业"),
            ({"deadline": "2026-13-45"}, "日期"),
        ]:
            with self.subTest(overrides=overrides):
                response = self.post_demand(**overrides)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.content.decode())
        self.assertEqual(Demand.objects.count(), before)

    def test_enterprise_form_bad_uscc_region_industry(self) -> None:
        self.login(self.staff_a1)
        base = {"org": self.world.county_a1.pk, "name": "新企业", "region_code": "440305"}
        for overrides, field_message in [
            ({"uscc": "91350100M000100Y4Z"}, "校验位"),
            ({"uscc": new_uscc(), "region_code": "999999"}, "行政区划"),
            ({"uscc": new_uscc(), "industry_code": "Z99"}, "国民经济行业"),
            ({"uscc": new_uscc(), "org": self.world.county_b1.pk}, "负责的工会组织"),
            ({"uscc": new_uscc(), "staff_count": "-5"}, "从业人员"),
            ({"uscc": new_uscc(), "name": "<script>x</script>" + "长" * 300}, "200"),
        ]:
            with self.subTest(overrides=overrides):
                response = self.client.post(reverse("demands:enterprise_create"), base | overrides)
                self.assertEqual(response.status_code, 400)
                self.assertIn(field_message, response.content.decode())
        self.assertFalse(Enterprise.objects.filter(name="新企业").exists())

    def test_html_is_escaped(self) -> None:
        response = self.post_demand(title="<script>alert(1)</script>", description="<b>粗</b>")
        self.assertEqual(response.status_code, 302)
        page = self.client.get(response["Location"]).content.decode()
        self.assertNotIn("<script>alert(1)</script>", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn("<b>粗</b>", page)

    def test_api_bad_input_is_400_naming_the_field(self) -> None:
        api = APIClient()
        api.force_authenticate(self.staff_a1)
        url = "/api/v1/demands/demands/"
        base = {
            "enterprise": self.enterprise.pk,
            "kind": "tech_problem",
            "title": "t",
            "description": "d",
        }
        before = Demand.objects.count()
        for overrides, field in [
            ({"industry_codes": ["Z9999"]}, "industry_codes"),
            ({"region_code": "999999"}, "region_code"),
            ({"min_skill_level": "grandmaster"}, "min_skill_level"),
            ({"kind": "skill_training"}, "trainee_count"),
            ({"title": "x" * 300}, "title"),
            ({"preferred_craftsmen": ["a"]}, "preferred_craftsmen"),
            ({"preferred_craftsmen": [999999999]}, "preferred_craftsmen"),
            ({"tags": "not a list"}, "tags"),
            ({"deadline": "yesterday"}, "deadline"),
        ]:
            with self.subTest(overrides=overrides):
                response = api.post(url, base | overrides, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json())
        self.assertEqual(Demand.objects.count(), before)


class TestPhoneFormAcceptance(Base):
    """The issue's acceptance check: an enterprise contact files a demand from a phone; the county
    staff of that county sees it, the neighbouring county's staff does not."""

    __test__ = True

    def test_contact_submits_and_only_own_county_sees_it(self) -> None:
        other = make_enterprise(self.world.county_a1)
        other_demand = make_demand(other, self.staff_a1)
        services.contact_add(
            actor=self.staff_a1,
            enterprise=self.enterprise,
            name="王经理",
            mobile=MOBILE,
            user=self.contact_user,
        )
        self.login(self.contact_user)
        url = reverse("demands:demand_submit")
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("南山精密机械有限公司", page.content.decode())
        self.assertNotIn(other.name, page.content.decode())
        response = self.client.post(
            url,
            {
                "enterprise": self.enterprise.pk,
                "kind": "skill_training",
                "title": "焊工技能培训",
                "description": "需要培训 20 名焊工",
                "trainee_count": "20",
                "delivery_mode": "onsite",
                "action": "submit",
            },
            follow=True,  # post/redirect/get: the number is on the page redirected to
        )
        self.assertEqual(response.status_code, 200)
        demand = Demand.objects.get(title="焊工技能培训")
        self.assertEqual(demand.status, DemandStatus.SUBMITTED)
        self.assertEqual(demand.org, self.world.county_a1)
        self.assertEqual(demand.channel, "online")
        self.assertRegex(demand.number, re.compile(r"^GD-440305-\d{4}-000001$"))
        self.assertIn(demand.number, response.content.decode())
        # the contact sees their own enterprise's demands only
        own = set(Demand.objects.visible_to(self.contact_user).values_list("pk", flat=True))
        self.assertIn(demand.pk, own)
        self.assertNotIn(other_demand.pk, own)
        self.assertEqual(
            set(Enterprise.objects.visible_to(self.contact_user).values_list("pk", flat=True)),
            {self.enterprise.pk},
        )
        # a contact cannot file for another enterprise
        response = self.client.post(
            url,
            {
                "enterprise": other.pk,
                "kind": "other",
                "title": "x",
                "description": "y",
                "delivery_mode": "either",
            },
        )
        self.assertEqual(response.status_code, 400)
        # county staff of 南山区 see it; 宝安区 staff do not
        self.login(self.staff_a1)
        listing = self.client.get(reverse("demands:demand_list")).content.decode()
        self.assertIn(demand.number, listing)
        self.assertEqual(self.client.get(demand.get_absolute_url()).status_code, 200)
        self.login(self.staff_a2)
        listing = self.client.get(reverse("demands:demand_list")).content.decode()
        self.assertNotIn(demand.number, listing)
        self.assertEqual(self.client.get(demand.get_absolute_url()).status_code, 404)

    def test_draft_then_submit_and_no_enterprise(self) -> None:
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="王经理", user=self.contact_user
        )
        self.login(self.contact_user)
        response = self.client.post(
            reverse("demands:demand_submit"),
            {
                "kind": "other",
                "title": "草稿需求",
                "description": "稍后提交",
                "delivery_mode": "either",
                "action": "draft",
            },
        )
        self.assertEqual(response.status_code, 302)
        draft = Demand.objects.get(title="草稿需求")
        self.assertIn("草稿已保存", self.client.get(response["Location"]).content.decode())
        self.assertIsNone(draft.number)
        self.client.post(reverse("casework:demand_step", args=[draft.pk, "submit"]))
        draft.refresh_from_db()
        self.assertEqual(draft.status, DemandStatus.SUBMITTED)
        lonely = make_user("lonely_t", self.world.county_a1, role("enterprise_contact"))
        self.login(lonely)
        self.assertIn(
            "尚未关联企业", self.client.get(reverse("demands:demand_submit")).content.decode()
        )
