"""Importing craftsman lists: headers, values, duplicates, scope, counts that add up, idempotence."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.choices import ImportStatus, MergePolicy
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import services as io_services
from jiangqiao.core.models import ChangeLog, ImportBatch, OperationLog, RecordSource
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.sheets import csv_bytes, read_xlsx, xlsx
from jiangqiao.talents.models import Craftsman, CraftsmanCode, Honour, ServiceItem

from .helpers import id_number, make_craftsman, mobile

HEADER = [
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "工作单位",
    "所属行业",
    "职业技能等级",
    "荣誉称号",
    "技术服务项目",
    "服务地区",
]


def row(n: int, **over: Any) -> list[Any]:
    values = {
        "name": f"李工{n}",
        "gender": "男",
        "id": id_number(300 + n),
        "mobile": mobile(70000 + n),
        "employer": f"深圳市第{n}精密机械厂",
        "industry": "C3421",
        "level": "高级技师",
        "honours": "全国劳动模范(2015)",
        "items": "技术攻关：数控机床精度恢复、五轴加工编程培训",
        "regions": "深圳市南山区",
    }
    values.update(over)
    return [
        values[k]
        for k in (
            "name",
            "gender",
            "id",
            "mobile",
            "employer",
            "industry",
            "level",
            "honours",
            "items",
            "regions",
        )
    ]


class ImportBase(WorldTestCase):
    def run_import(
        self,
        data: bytes,
        *,
        user: Any = None,
        name: str = "名单.xlsx",
        mode: str = "all",
        policy: str = MergePolicy.FILL_BLANKS,
        label: str = "",
    ) -> ImportBatch:
        user = user or self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name=name, data=data, source_label=label
        )
        io_services.import_set_options(actor=user, batch=batch, mode=mode, policy=policy)
        io_services.import_check(actor=user, batch=batch)
        if batch.status == ImportStatus.CHECKED:
            try:
                io_services.import_commit(actor=user, batch=batch)
            except BusinessError:
                pass
        batch.refresh_from_db()
        return batch


class TestCraftsmanImport(ImportBase):
    def test_new_rows_are_imported_with_codes_honours_items_and_audit(self) -> None:
        data = xlsx([HEADER, row(1), row(2)])
        batch = self.run_import(data, label="深圳市劳模名单")
        self.assertEqual(batch.status, ImportStatus.COMMITTED, batch.result)
        self.assertEqual(batch.counts["new"], 2)
        self.assertEqual(batch.counts["total"], 2)
        c = Craftsman.objects.get(name="李工1")
        self.assertEqual(c.id_number, id_number(301))
        self.assertEqual(c.org, self.world.city_admin_a.org)
        self.assertEqual(c.industries, ["3421"])
        self.assertEqual(c.skill_level, "senior_technician")
        self.assertEqual(c.regions_served, ["440305"])
        self.assertTrue(
            CraftsmanCode.objects.filter(craftsman=c, scheme="industry", code="3421").exists()
        )
        self.assertEqual(
            list(Honour.objects.filter(craftsman=c).values_list("honour_type", "year")),
            [("national_model_worker", 2015)],
        )
        self.assertEqual(
            sorted(ServiceItem.objects.filter(craftsman=c).values_list("service_type", "title")),
            [("tech_breakthrough", "数控机床精度恢复"), ("tech_consulting", "五轴加工编程培训")],
        )
        self.assertTrue(ChangeLog.objects.filter(object_id=str(c.pk), action="create").exists())
        self.assertTrue(OperationLog.objects.filter(business_type="import").exists())
        self.assertEqual(
            list(
                RecordSource.objects.filter(object_id=str(c.pk)).values_list("source_label", "row")
            ),
            [("深圳市劳模名单", 2)],
        )

    def test_reimport_is_idempotent(self) -> None:
        data = xlsx([HEADER, row(1), row(2)])
        self.run_import(data)
        logs = ChangeLog.objects.count()
        batch = self.run_import(data)
        self.assertEqual(batch.counts["new"], 0)
        self.assertEqual(batch.counts["unchanged"], 2)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工").count(), 2)
        self.assertEqual(Honour.objects.filter(craftsman__name__startswith="李工").count(), 2)
        self.assertEqual(ChangeLog.objects.count(), logs)
