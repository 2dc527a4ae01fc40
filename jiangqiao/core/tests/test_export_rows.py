"""Export rows from plain records (``export.plain_records``) are the rows the model instances give."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from jiangqiao.core.io import export as X
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.demands.io import DEMAND_EXPORT, ENTERPRISE_EXPORT
from jiangqiao.demands.models import Demand, Enterprise, EnterpriseContact
from jiangqiao.demands.tests.factories import make_demand, make_enterprise
from jiangqiao.talents.io import CRAFTSMAN_EXPORT
from jiangqiao.talents.models import Craftsman, Honour, ServiceItem
from jiangqiao.talents.tests.helpers import id_number, make_craftsman


class TestPlainRecordsGiveTheSameRows(WorldTestCase):
    ent: ClassVar[Enterprise]
    bare: ClassVar[Enterprise]
    craftsman: ClassVar[Craftsman]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.ent = make_enterprise(
            w.county_a1,
            w.city_admin_a,
            name="=cmd|' /C calc'!A0 有限公司",
            revenue=Decimal("1234.50"),
            staff_count=120,
            tier_valid_until=dt.date(2027, 6, 30),
            has_union=True,
        )
        EnterpriseContact.objects.create(enterprise=cls.ent, name="李联络", mobile="13812345678")
        cls.bare = make_enterprise(w.county_a2, w.city_admin_a)
        make_demand(cls.ent, w.city_admin_a, title="主轴异响", industry_codes=["3461", "C"])
        make_demand(
            cls.bare,
            w.city_admin_a,
            number="GD-440305-2026-000001",
            status="submitted",
            submitted_at=dt.datetime(2026, 7, 20, 1, 25, tzinfo=dt.UTC),
            submitted_by=w.city_admin_a,
            trainee_count=40,
            deadline=dt.date(2026, 12, 31),
        )
        cls.craftsman = make_craftsman(
            w.county_a1, w.city_admin_a, name="+张工", id_number=id_number(), mobile="13900001111"
        )
        Honour.objects.create(
            craftsman=cls.craftsman, honour_type="national_model", level="", year=2020
        )
        ServiceItem.objects.create(craftsman=cls.craftsman, title="数控机床故障诊断")
        make_craftsman(w.county_a2, w.city_admin_a, name="李工")

    def both_ways(self, spec: X.ExportSpec, queryset: Any, *, reveal: bool) -> list[list[Any]]:
        ctx_plain = X.ExportContext(user=self.world.city_admin_a, reveal=reveal)
        ctx_model = X.ExportContext(user=self.world.city_admin_a, reveal=reveal)
        plain = list(X.rows(spec, queryset, ctx_plain))
        model = list(X.rows(dataclasses.replace(spec, only=()), queryset, ctx_model))
        self.assertEqual(plain, model)
        return plain

    def test_demands(self) -> None:
        for reveal in (False, True):
            rows = self.both_ways(DEMAND_EXPORT, Demand.objects.order_by("pk"), reveal=reveal)
            self.assertEqual(len(rows), 3)
            self.assertEqual(rows[1][0], "（草稿）")
            self.assertEqual(rows[2][0], "GD-440305-2026-000001")
            self.assertEqual(rows[2][16], 40)

    def test_enterprises_with_their_contacts_masked_or_not(self) -> None:
        masked = self.both_ways(ENTERPRISE_EXPORT, Enterprise.objects.order_by("pk"), reveal=False)
        shown = self.both_ways(ENTERPRISE_EXPORT, Enterprise.objects.order_by("pk"), reveal=True)
        self.assertEqual(len(masked), 3)
        self.assertTrue(masked[1][1].startswith("'="))  # neutralised
        self.assertEqual(masked[1][8], 1234.5)
        self.assertEqual(shown[1][19], "13812345678")
        self.assertNotEqual(masked[1][19], "13812345678")
        self.assertIn("5678", masked[1][19])

    def test_craftsmen_with_honours_items_and_identifiers(self) -> None:
        masked = self.both_ways(CRAFTSMAN_EXPORT, Craftsman.objects.order_by("pk"), reveal=False)
        shown = self.both_ways(CRAFTSMAN_EXPORT, Craftsman.objects.order_by("pk"), reveal=True)
        self.assertEqual(len(masked), 3)
        self.assertEqual(masked[1][0], self.craftsman.pk)
        self.assertEqual(masked[1][1], "'+张工")
        self.assertEqual(shown[1][4], self.craftsman.id_number)
        self.assertNotEqual(masked[1][4], self.craftsman.id_number)
        self.assertIn("2020", masked[1][15])
        self.assertEqual(masked[1][18], "数控机床故障诊断")


class TestPlainRecords(WorldTestCase):
    def test_fields_nested_relations_and_the_primary_key_by_both_names(self) -> None:
        ent = make_enterprise(self.world.county_a1, self.world.city_admin_a, name="甲公司")
        draft = make_demand(ent, self.world.city_admin_a, title="草稿需求")
        sent = make_demand(ent, self.world.city_admin_a, submitted_by=self.world.city_admin_a)
        records = X.plain_records(
            Demand.objects.order_by("pk"),
            ("title", "enterprise__name", "enterprise__pk", "submitted_by__username"),
        )
        assert records is not None
        first, second = list(records)
        self.assertEqual((first.pk, first.id, first.title), (draft.pk, draft.pk, "草稿需求"))
        self.assertEqual((first.enterprise.name, first.enterprise.id), ("甲公司", ent.pk))
        self.assertIsNone(first.submitted_by)  # an empty relation reads as None, as on the model
        self.assertEqual(second.submitted_by.username, self.world.city_admin_a.username)
        self.assertEqual(second.pk, sent.pk)
        with self.assertRaises(AttributeError):
            _ = first.description  # not loaded: fails loudly instead of a query per row

    def test_paths_it_cannot_follow_fall_back_to_model_instances(self) -> None:
        self.assertIsNone(X.plain_records(Demand.objects.all(), ("enterprise__org__name",)))
        self.assertIsNone(X.plain_records(Enterprise.objects.all(), ("contacts__name",)))

    def test_values_come_through_field_converters(self) -> None:
        person = make_craftsman(
            self.world.county_a1,
            self.world.city_admin_a,
            id_number=id_number(),
            mobile="13900002222",
        )
        records = X.plain_records(
            Craftsman.objects.filter(pk=person.pk),
            ("id_number", "mobile", "industries", "created_at"),
        )
        assert records is not None
        (rec,) = list(records)
        self.assertEqual(rec.id_number, person.id_number)  # decrypted
        self.assertEqual(rec.mobile, "13900002222")
        self.assertIsInstance(rec.industries, list)
        self.assertIsNotNone(rec.created_at.tzinfo)
