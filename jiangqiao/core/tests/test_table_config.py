"""列设置: per-user column choice (saved, applied by the list view, unknown names ignored), the
default columns, truncation with a tooltip, and the empty states of list pages."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.html import strip_tags

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import TablePreference
from jiangqiao.core.table_config import table_preference_reset, table_preference_save
from jiangqiao.core.tables import TABLES, BaseTable
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.demands.models import Demand
from jiangqiao.demands.tables import DemandTable
from jiangqiao.orgs.tables import OrganizationTable

DEMANDS = "demands.DemandTable"


def header_names(html: str, table: type[BaseTable]) -> list[str]:
    """The table's column headers in the order they appear in ``html``."""
    labels = {str(col.verbose_name): name for name, col in table.base_columns.items()}
    thead = html[html.index("<thead") : html.index("</thead>")]
    cells = [strip_tags(th).strip() for th in re.findall(r"<th\b.*?</th>", thead, re.S)]
    return [labels[text] for text in cells if text in labels]


class TablePreferenceServiceTests(WorldTestCase):
    def test_every_list_table_is_registered(self) -> None:
        assert TABLES[DEMANDS] is DemandTable
        assert TABLES["orgs.OrganizationTable"] is OrganizationTable
        assert all(issubclass(cls, BaseTable) for cls in TABLES.values())

    def test_save_keeps_order_and_drops_unknown_names(self) -> None:
        user = self.world.city_admin_a
        pref = table_preference_save(
            user=user, table=DEMANDS, columns=["status", "nope", "title", "status", 3]
        )
        assert pref.columns == ["status", "title"]
        # Saving again replaces the choice (one row per user and table).
        table_preference_save(user=user, table=DEMANDS, columns=["number"])
        assert TablePreference.objects.get(user=user, table=DEMANDS).columns == ["number"]

    def test_nothing_known_left_is_refused(self) -> None:
        with self.assertRaisesMessage(BusinessError, "请至少选择一列"):
            table_preference_save(user=self.world.city_admin_a, table=DEMANDS, columns=["x"])

    def test_unknown_table_is_refused(self) -> None:
        with self.assertRaisesMessage(BusinessError, "列表不存在"):
            table_preference_save(user=self.world.city_admin_a, table="demands.Nope", columns=["x"])

    def test_table_applies_the_users_choice_only(self) -> None:
        a, b = self.world.city_admin_a, self.world.city_admin_b
        table_preference_save(user=a, table=DEMANDS, columns=["status", "title"])
        mine = DemandTable(Demand.objects.none(), user=a)
        assert [c.name for c in mine.columns] == ["status", "title"]
        assert mine.customized
        theirs = DemandTable(Demand.objects.none(), user=b)
        assert [c.name for c in theirs.columns] == list(DemandTable.default_columns or ())
        assert not theirs.customized

    def test_stale_names_in_a_saved_choice_are_ignored(self) -> None:
        user = self.world.city_admin_a
        TablePreference.objects.create(user=user, table=DEMANDS, columns=["gone", "status"])
        table = DemandTable(Demand.objects.none(), user=user)
        assert [c.name for c in table.columns] == ["status"]

    def test_reset_returns_to_the_defaults(self) -> None:
        user = self.world.city_admin_a
        table_preference_save(user=user, table=DEMANDS, columns=["status"])
        table_preference_reset(user=user, table=DEMANDS)
        assert not TablePreference.objects.filter(user=user).exists()

    def test_exports_keep_every_column(self) -> None:
        # Without a person (the export), hidden default columns are still there.
        table = DemandTable(Demand.objects.none())
        assert [c.name for c in table.columns] == list(DemandTable._meta.fields)

    def test_default_columns_keep_the_key_columns(self) -> None:
        for key, cls in TABLES.items():
            shown = cls.default_columns or tuple(cls.base_columns)
            for name in cls.key_columns:
                assert name in shown, f"{key}: key column {name} not shown by default"


class TableConfigPageTests(WorldTestCase):
    url = reverse("demands:demand_list")

    def test_list_has_the_dialog_and_default_columns(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.client.get(self.url).content.decode()
        assert 'id="table-config"' in html
        assert f'name="table" value="{DEMANDS}"' in html
        assert header_names(html, DemandTable) == list(DemandTable.default_columns or ())
        # A column left out by default is offered, unticked.
        assert 'value="region_code">' in html

    def test_saving_in_the_dialog_changes_only_my_list(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.post(
            reverse("core:table_config"),
            {"table": DEMANDS, "columns": ["title", "status", "bogus"], "next": self.url},
        )
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        html = self.client.get(self.url).content.decode()
        assert header_names(html, DemandTable) == ["title", "status"]
        assert "已自定义" in html

        self.login(self.world.city_admin_b)
        html = self.client.get(self.url).content.decode()
        assert header_names(html, DemandTable) == list(DemandTable.default_columns or ())

    def test_reset_in_the_dialog(self) -> None:
        self.login(self.world.city_admin_a)
        table_preference_save(user=self.world.city_admin_a, table=DEMANDS, columns=["title"])
        self.client.post(
            reverse("core:table_config"), {"table": DEMANDS, "reset": "1", "next": self.url}
        )
        html = self.client.get(self.url).content.decode()
        assert header_names(html, DemandTable) == list(DemandTable.default_columns or ())

    def test_next_must_be_local(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.post(
            reverse("core:table_config"),
            {"table": DEMANDS, "columns": ["title"], "next": "https://evil.example/"},
        )
        assert response["Location"] == "/"

    def test_get_and_anonymous_are_refused(self) -> None:
        url = reverse("core:table_config")
        assert self.client.post(url, {"table": DEMANDS}).status_code == 302  # to the login
        assert not TablePreference.objects.exists()
        self.login(self.world.city_admin_a)
        assert self.client.get(url).status_code == 405


class EmptyStateTests(WorldTestCase):
    url = reverse("demands:demand_list")

    def test_empty_list_offers_to_add(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.client.get(self.url).content.decode()
        assert "暂无需求" in html
        assert f'href="{reverse("demands:demand_create")}" class="btn btn-primary">新增需求' in html
        assert "共 0 条" not in html

    def test_empty_filtered_list_offers_to_clear_the_filter(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.client.get(self.url, {"q": "没有这样的需求"}).content.decode()
        assert "没有符合筛选条件的需求" in html
        assert "清除筛选" in html
