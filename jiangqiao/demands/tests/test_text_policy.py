"""One text policy (``core.textfields``): the same pasted text is stored the same way whether
it comes through the page form, the API, a spreadsheet or a service call, and the change log
keeps the text as typed."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.core.models import ChangeLog
from jiangqiao.core.testing.sheets import xlsx
from jiangqiao.core.textfields import RAW_INPUT_KEY
from jiangqiao.demands import services
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.talents.models import Craftsman, ServiceItem
from jiangqiao.talents.tests.helpers import make_craftsman

from .factories import make_enterprise
from .test_import import DEM_HEADER, Base

PASTED_TITLE = "貴陽(yang)市數控機床(shu kong ji chuang)異響"
TITLE = "贵阳市数控机床异响"
PASTED_TEXT = "主軸（ＳＰＩＮＤＬＥ）　高速時異響\n\n請(qing)派師傅"
TEXT = "主轴(SPINDLE) 高速时异响\n\n请派师傅"


class TextPolicyTests(Base):
    def setUp(self) -> None:
        super().setUp()
        self.ent = make_enterprise(self.world.county_a1, self.world.city_admin_a)
        self.user = self.world.city_admin_a

    def stored(self, title: str) -> Demand:
        return Demand.objects.get(enterprise=self.ent, title=title)

    def test_form_api_import_and_service_store_the_same_normalised_text(self) -> None:
        # the page form
        self.login(self.user)
        response = self.client.post(
            reverse("demands:demand_create"),
            {
                "enterprise": self.ent.pk,
                "kind": "tech_problem",
                "title": PASTED_TITLE,
                "description": PASTED_TEXT,
                "delivery_mode": "either",
                "visibility": "private",
            },
        )
        self.assertIn(response.status_code, (200, 302))
        via_form = self.stored(TITLE)
        via_form.delete()
        # the API
        api = APIClient()
        api.force_authenticate(self.user)
        response = api.post(
            "/api/v1/demands/demands/",
            {
                "enterprise": self.ent.pk,
                "kind": "tech_problem",
                "title": PASTED_TITLE,
                "description": PASTED_TEXT,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["title"], TITLE)
        via_api = self.stored(TITLE)
        via_api.delete()
        # a spreadsheet
        rows = [DEM_HEADER, [self.ent.uscc, "技术难题", PASTED_TITLE, PASTED_TEXT, "", None, None]]
        batch = self.run_import("demands.demand", xlsx(rows))
        self.assertEqual(batch.counts["new"], 1, batch.result)
        via_import = self.stored(TITLE)
        via_import.delete()
        # a service call (the exchange and the demo write through services)
        via_service = services.demand_create(
            actor=self.user,
            enterprise=self.ent,
            data={"kind": "tech_problem", "title": PASTED_TITLE, "description": PASTED_TEXT},
        )
        for demand in (via_form, via_api, via_import, via_service):
            self.assertEqual((demand.title, demand.description), (TITLE, TEXT))
        self.assertEqual(via_service.description_normalized, TEXT)

    def test_the_change_log_keeps_the_text_as_typed(self) -> None:
        demand = services.demand_create(
            actor=self.user,
            enterprise=self.ent,
            data={"kind": "tech_problem", "title": PASTED_TITLE, "description": PASTED_TEXT},
        )
        row = ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Demand), object_id=str(demand.pk)
        ).latest("pk")
        self.assertEqual(row.postchange_data["title"], TITLE)
        self.assertEqual(
            row.postchange_data[RAW_INPUT_KEY],
            {"title": PASTED_TITLE, "description": PASTED_TEXT},
        )
        self.login(self.user)
        page = self.client.get(reverse("core:changelog_detail", args=[row.pk])).content.decode()
        self.assertIn("原始输入（规范化前）", page)

    def test_names_of_enterprises_and_craftsmen_and_service_items_follow_the_same_policy(
        self,
    ) -> None:
        Enterprise.objects.filter(pk=self.ent.pk).update(name="x")
        e = Enterprise.objects.get(pk=self.ent.pk)
        e.name = "貴州機電(集團)有限公司"
        e.save()
        self.assertEqual(Enterprise.objects.get(pk=e.pk).name, "贵州机电(集团)有限公司")
        c = make_craftsman(
            self.world.county_a1, self.world.province_admin, name="劉(liu)工匠", bio=PASTED_TEXT
        )
        c.refresh_from_db()
        self.assertEqual((c.name, c.bio), ("刘工匠", TEXT))
        item = ServiceItem(craftsman=c, title="數控機床(shu kong ji chuang)維修")
        ServiceItem.objects.bulk_create([item])  # bulk writes are normalised too
        self.assertTrue(ServiceItem.objects.filter(title="数控机床维修").exists())
        self.assertEqual(Craftsman.objects.get(pk=c.pk).name, "刘工匠")
