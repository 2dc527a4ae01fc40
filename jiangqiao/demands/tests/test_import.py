"""Importing enterprise lists and demand collection sheets (征集表) through the services."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.choices import ImportStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import services as io_services
from jiangqiao.core.models import ImportBatch, OperationLog, RecordSource
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.sheets import xlsx
from jiangqiao.demands.choices import Channel, DemandStatus
from jiangqiao.demands.models import Demand, DemandEvent, Enterprise, EnterpriseContact

from .factories import make_demand, make_enterprise, new_uscc

ENT_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所属行业",
    "从业人员",
    "营业收入",
    "联系人",
    "联系电话",
    "已建工会",
]
DEM_HEADER = [
    "信用代码",
    "需求类型",
    "需求名称",
    "问题描述",
    "所属行业",
    "培训人数",
    "期望完成时间",
]


class Base(WorldTestCase):
    def run_import(
        self, spec: str, data: bytes, *, user: Any = None, mode: str = "all", policy: str = "fill"
    ) -> ImportBatch:
        user = user or self.world.city_admin_a
        batch = io_services.import_upload(actor=user, spec_key=spec, file_name="表.xlsx", data=data)
        io_services.import_set_options(actor=user, batch=batch, mode=mode, policy=policy)
        io_services.import_check(actor=user, batch=batch)
        self.refusal = ""
        if batch.status == ImportStatus.CHECKED:
            try:
                io_services.import_commit(actor=user, batch=batch)
            except BusinessError as exc:
                self.refusal = exc.message
        batch.refresh_from_db()
        return batch


class TestEnterpriseImport(Base):
    def test_new_and_existing_enterprises_size_class_contacts_and_idempotence(self) -> None:
        existing = make_enterprise(self.world.county_a1, self.world.city_admin_a)
        inserts = OperationLog.objects.filter(business_type="insert").count()
        uscc = new_uscc("440305")
        rows = [
            ENT_HEADER,
            [
                uscc.lower(),
                "深圳市精工数控有限公司",
                "C3421",
                120,
                "8,600",
                "王经理",
                "138 0013 8000",
                "是",
            ],
            [existing.uscc, existing.name, "C3421", 30, 900, "", "", "否"],
        ]
        batch = self.run_import("demands.enterprise", xlsx(rows))
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.result)
        self.assertEqual((batch.counts["new"], batch.counts["update"]), (1, 1))
        ent = Enterprise.objects.get(uscc=uscc)
        self.assertEqual(ent.region_code, "440305")  # from the USCC
        self.assertEqual(ent.org, self.world.city_a)  # the importer's unit
        self.assertEqual(ent.size_class, "3")  # 120 staff, ¥86m in manufacturing: small
        self.assertTrue(ent.size_rule_version)
        contact = EnterpriseContact.objects.get(enterprise=ent)
        self.assertEqual(contact.mobile, "13800138000")
        existing.refresh_from_db()
        self.assertEqual(existing.staff_count, 30)
        self.assertEqual(OperationLog.objects.filter(business_type="import").count(), 1)
        # One operation-log row for the import, not one per enterprise.
        self.assertEqual(OperationLog.objects.filter(business_type="insert").count(), inserts)
        # Again: nothing new, nothing duplicated.
        again = self.run_import("demands.enterprise", xlsx(rows))
        self.assertEqual(again.counts["new"], 0)
        self.assertEqual(again.counts["unchanged"], 2, again.result)
        self.assertEqual(Enterprise.objects.filter(uscc=uscc).count(), 1)
        self.assertEqual(EnterpriseContact.objects.filter(enterprise=ent).count(), 1)

    def test_bad_usccs_and_numbers(self) -> None:
        rows = [
            ENT_HEADER,
            ["91440300MA5FXXXX0X", "甲公司", "C3421", 10, 10, "", "", "否"],
            [new_uscc(), "乙公司", "C3421", "很多", 10, "", "", "否"],
            [new_uscc(), "丙公司", "C3421", 10, 10, "李四", "1380013", "否"],
        ]
        batch = self.run_import("demands.enterprise", xlsx(rows))
        messages = batch.result["messages"]
        self.assertTrue(any(m.startswith("第2行【统一社会信用代码】") for m in messages), messages)
        self.assertTrue(any(m.startswith("第3行【从业人员（人）】") for m in messages), messages)
        self.assertTrue(any(m.startswith("第4行【联系人手机】") for m in messages), messages)
        self.assertIn("一条也没有导入", self.refusal)
        self.assertFalse(Enterprise.objects.filter(name__in=["甲公司", "乙公司"]).exists())

    def test_enterprise_of_another_city_is_not_touched(self) -> None:
        theirs = make_enterprise(self.world.county_b1, self.world.city_admin_b)
        rows = [ENT_HEADER, [theirs.uscc, "改名公司", "C3421", 10, 10, "", "", "否"]]
        batch = self.run_import("demands.enterprise", xlsx(rows))
        self.assertEqual(batch.counts["error"], 1)
        theirs.refresh_from_db()
        self.assertNotEqual(theirs.name, "改名公司")


class TestDemandImport(Base):
    def test_collection_sheet_becomes_submitted_numbered_demands(self) -> None:
        ent = make_enterprise(self.world.county_a1, self.world.city_admin_a)
        rows = [
            DEM_HEADER,
            [
                ent.uscc,
                "技术难题",
                "主轴异响",
                "三台加工中心主轴异响，精度下降",
                "C3421",
                None,
                "2027-06-30",
            ],
            [ent.uscc, "技能培训需求", "数控编程培训", "新员工数控编程培训", "", 30, None],
        ]
        batch = self.run_import("demands.demand", xlsx(rows))
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.result)
        demands = Demand.objects.filter(enterprise=ent).order_by("pk")
        self.assertEqual(demands.count(), 2)
        first = demands[0]
        self.assertEqual(first.status, DemandStatus.SUBMITTED)
        self.assertEqual(first.channel, Channel.IMPORTED)
        self.assertRegex(first.number or "", r"^GD-440305-\d{4}-\d{6}$")
        self.assertEqual(first.region_code, ent.region_code)
        self.assertTrue(
            DemandEvent.objects.filter(demand=first, to_status=DemandStatus.SUBMITTED).exists()
        )
        self.assertEqual(RecordSource.objects.filter(object_id=str(first.pk)).count(), 1)
        # Re-import: the same enterprise + title is the same demand.
        again = self.run_import("demands.demand", xlsx(rows))
        self.assertEqual(again.counts["new"], 0, again.result)
        self.assertEqual(Demand.objects.filter(enterprise=ent).count(), 2)

    def test_training_needs_trainees_and_unknown_enterprise_and_number(self) -> None:
        ent = make_enterprise(self.world.county_a1, self.world.city_admin_a)
        theirs = make_enterprise(self.world.county_b1, self.world.city_admin_b)
        rows = [
            ["需求编号", *DEM_HEADER],
            ["", ent.uscc, "技能培训需求", "培训", "培训", "", None, None],
            ["", theirs.uscc, "技术难题", "别人的", "别人的需求", "", None, None],
            ["GD-440305-2026-999999", ent.uscc, "技术难题", "编号不存在", "x", "", None, None],
            ["", ent.uscc, "技术难题", "<script>alert(1)</script>", "正常描述", "", None, None],
        ]
        batch = self.run_import("demands.demand", xlsx(rows), mode="valid")
        messages = batch.result["messages"]
        self.assertTrue(any(m.startswith("第2行【培训人数】") for m in messages), messages)
        self.assertTrue(
            any(m.startswith("第3行【企业统一社会信用代码】") for m in messages), messages
        )
        self.assertTrue(any(m.startswith("第4行【需求编号】") for m in messages), messages)
        self.assertEqual(batch.counts["new"], 1)
        demand = Demand.objects.get(enterprise=ent)
        self.assertEqual(demand.title, "<script>alert(1)</script>")  # stored as text …
        self.login(self.world.city_admin_a)
        page = self.client.get(demand.get_absolute_url()).content.decode()
        self.assertNotIn("<script>alert(1)</script>", page)  # … and shown escaped
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)

    def test_update_by_number_only_while_editable(self) -> None:
        ent = make_enterprise(self.world.county_a1, self.world.city_admin_a)
        open_one = make_demand(
            ent,
            self.world.city_admin_a,
            number="GD-440305-2026-000901",
            status=DemandStatus.SUBMITTED,
        )
        closed = make_demand(
            ent,
            self.world.city_admin_a,
            number="GD-440305-2026-000902",
            status=DemandStatus.CANCELLED,
        )
        rows = [
            ["需求编号", *DEM_HEADER],
            [open_one.number, ent.uscc, "技术难题", open_one.title, "新的描述", "", None, None],
            [closed.number, ent.uscc, "技术难题", closed.title, "新的描述", "", None, None],
        ]
        batch = self.run_import("demands.demand", xlsx(rows), mode="valid", policy="file")
        open_one.refresh_from_db()
        closed.refresh_from_db()
        self.assertEqual(open_one.description, "新的描述")
        self.assertNotEqual(closed.description, "新的描述")
        self.assertEqual(batch.counts["update"], 1, batch.result)
        self.assertEqual(batch.counts["error"], 1, batch.result)
        self.assertTrue(any("不能再修改" in m for m in batch.result["messages"]), batch.result)
