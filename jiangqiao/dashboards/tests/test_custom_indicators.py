"""自定义指标: a registered indicator's breakdown key defined by a unit's staff — defined, given a
province target and split, shown on the cockpit with the figure of the rollups' breakdown and the
count of the list its link opens, refused on bad input (the field named, never another unit),
invisible to a sibling's subtree, retired.

The figures come from ``CockpitWorld`` (sessions written through the services: 深圳's counties and
grassroots unit, and 广州's 天河); the custom indicator kept here is 劳模工匠服务人次 of the
enterprises in 深圳 (地区 440300), so at the province it is a strict part of the total.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiangqiao.accounts.models import Role
from jiangqiao.core.choices import DataScope
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.testing.personas import make_user
from jiangqiao.dashboards import custom, indicators, report, selectors, services
from jiangqiao.dashboards.models import CustomIndicator, Target, TargetRevision
from jiangqiao.dashboards.tests.test_cockpit import (
    URL,
    CockpitWorld,
    figures_of,
    list_measure,
)

YEAR = 2026
LABEL = "深圳企业服务人次"
SHENZHEN = "440300"
YEAR_START, YEAR_END = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def define(user: Any, org: Any, **data: Any) -> CustomIndicator:
    fields = {"label": LABEL, "base": "person_times", "dimension": "region", "key": "深圳市"}
    fields.update(data)
    return custom.custom_create(actor=user, org=org, data=fields)


def set_own(user: Any, org: Any, code: str, value: Any) -> Any:
    return services.target_set(
        actor=user, org=org, campaign="zhuqixing", year=YEAR, indicator=code, value=value
    )


def split(user: Any, parent: Any, code: str, values: dict[int, Any]) -> Any:
    return services.target_split(
        actor=user, parent=parent, campaign="zhuqixing", year=YEAR, indicator=code, values=values
    )


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict


class CustomCase(CockpitWorld):
    def link_of(self, page: str, code: str) -> tuple[str, int]:
        found = re.search(rf'<a href="([^"]+)"[^>]*data-figure="{code}">(\d+)</a>', page)
        assert found is not None, code
        return found.group(1).replace("&amp;", "&"), int(found.group(2))

    def shenzhen_rollup(self, user: Any, unit: Any) -> int:
        """The rollups' own breakdown figure: 服务人次 of 深圳's enterprises in the unit."""
        got = selectors.breakdown(
            user=user, unit=unit, start=YEAR_START, end=YEAR_END, dimension="region"
        )
        return got.get("person_times", {}).get(SHENZHEN, 0)


class DefineSetSplitCockpitTests(CustomCase):
    def test_define_target_split_and_the_cockpit_figure_is_the_rollup_and_the_list(self) -> None:
        w = self.world
        row = define(w.province_admin, w.province)
        code = row.code
        self.assertEqual(
            (row.base, row.dimension, row.key, row.unit),
            ("person_times", "region", SHENZHEN, "人次"),
        )
        # The province (top unit) sets its own target and splits it.
        set_own(w.province_admin, w.province, code, "10")
        with self.assertRaises(BusinessError) as short:
            split(w.province_admin, w.province, code, {w.city_a.pk: 3, w.city_b.pk: 2})
        self.assertIn("还差 5", short.exception.message)
        self.assertIn(LABEL, short.exception.message)
        result = split(w.province_admin, w.province, code, {w.city_a.pk: 8, w.city_b.pk: 2})
        self.assertEqual(result.total, 10)
        self.assertEqual(
            dict(Target.objects.filter(indicator=code).values_list("org_id", "value")),
            {w.province.pk: 10, w.city_a.pk: 8, w.city_b.pk: 2},
        )
        self.assertEqual(TargetRevision.objects.filter(target__indicator=code).count(), 3)
        # The city splits the province's indicator on to its counties (it applies below).
        split(w.city_admin_a, w.city_a, code, {w.county_a1.pk: 5, w.county_a2.pk: 3})

        _, page = self.page(w.province_admin)
        url, shown = self.link_of(page, code)
        rollup = self.shenzhen_rollup(w.province_admin, w.province)
        self.assertEqual(shown, rollup)
        self.assertEqual(list_measure("person_times", url, w.province_admin), shown)
        # A strict part of the total: 广州's sessions are not in it, and it is 深圳's total.
        _, city_page = self.page(w.city_admin_a)
        self.assertEqual(shown, figures_of(city_page)["person_times"])
        self.assertLess(shown, figures_of(page)["person_times"])
        self.assertGreater(shown, 0)
        cp = selectors.cockpit(user=w.province_admin, unit=w.province, year=YEAR)
        standing = next(s for s in cp.standings if s.indicator.code == code)
        self.assertEqual((standing.actual, standing.target), (shown, 10))
        self.assertEqual(standing.indicator.label, LABEL)
        self.assertIn("「劳模工匠服务人次」中「地区（地市）：深圳市」的部分", page)

        # The city sees the province's indicator on its cockpit, with its own target.
        url, city_shown = self.link_of(city_page, code)
        self.assertEqual(city_shown, self.shenzhen_rollup(w.city_admin_a, w.city_a))
        self.assertEqual(list_measure("person_times", url, w.city_admin_a), city_shown)
        city_cp = selectors.cockpit(user=w.city_admin_a, unit=w.city_a, year=YEAR)
        city_standing = next(s for s in city_cp.standings if s.indicator.code == code)
        self.assertEqual(city_standing.target, 8)

        # The ranking by the custom indicator: 广州 0 of 2 before 深圳 6 of 8.
        status, ranked = self.page(w.province_admin, indicator=code)
        self.assertEqual(status, 200)
        ranking = ranked[ranked.index("data-ranking") :]
        self.assertLess(ranking.index("广州市总工会"), ranking.index("深圳市总工会"))
        self.assertIn(f"按“{LABEL}”完成率", ranked)
        row_of = {r.unit.pk: r for r in cp.children}
        self.assertEqual(row_of[w.city_b.pk].standings[code].actual, 0)
        self.assertEqual(row_of[w.city_a.pk].standings[code].actual, shown)
        status, panel = self.panel(w.province_admin, "cockpit_breakdown", indicator=code)
        self.assertEqual(status, 200)
        self.assertIn('data-empty="custom"', panel)

        # The report's 其他指标 sheet and its notes.
        built = report.build_report(cp, user=w.province_admin)
        other = next(s for s in built.sheets if s.title == "其他指标")
        self.assertIn(code, [i.code for i in other.indicators])
        total = other.rows[0].figures[code]
        self.assertEqual((total.actual, total.target), (shown, 10))
        rules = {i.label: i.rule for i in built.indicators}
        self.assertTrue(
            rules[LABEL].startswith("「劳模工匠服务人次」中「地区（地市）：深圳市」的部分")
        )

    def test_the_defining_city_sets_its_own_target_and_the_province_sees_no_row_of_it(
        self,
    ) -> None:
        w = self.world
        row = define(
            w.city_admin_a, w.city_a, label="深圳制造业服务人次", dimension="industry", key="C"
        )
        set_own(w.city_admin_a, w.city_a, row.code, 6)
        self.assertEqual(Target.objects.get(org=w.city_a, indicator=row.code).value, 6)
        split(w.city_admin_a, w.city_a, row.code, {w.county_a1.pk: 4, w.county_a2.pk: 2})
        # It is the city's: the province's own cockpit does not list it, the city's does.
        cp = selectors.cockpit(user=w.province_admin, unit=w.province, year=YEAR)
        self.assertNotIn(row.code, [s.indicator.code for s in cp.standings])
        _, page = self.page(w.city_admin_a)
        _url, shown = self.link_of(page, row.code)
        self.assertEqual(shown, figures_of(page)["person_times"])  # every session is 制造业

    def test_the_import_takes_a_custom_indicator_by_its_name(self) -> None:
        from jiangqiao.core.io import services as io
        from jiangqiao.core.testing.sheets import xlsx

        w = self.world
        row = define(w.province_admin, w.province)
        set_own(w.province_admin, w.province, row.code, 10)
        data = xlsx(
            [
                ["单位", "年度", "指标", "目标值", "说明"],
                ["深圳市总工会", YEAR, LABEL, 7, ""],
                ["广州市总工会", YEAR, LABEL, 3, ""],
            ]
        )
        batch = io.import_upload(
            actor=w.province_admin, spec_key="dashboards.target", file_name="t.xlsx", data=data
        )
        batch = io.import_check(actor=w.province_admin, batch=batch)
        self.assertEqual(batch.counts["error"], 0, batch.result)
        io.import_set_options(actor=w.province_admin, batch=batch, mode="all")
        io.import_commit(actor=w.province_admin, batch=batch)
        self.assertEqual(Target.objects.get(org=w.city_a, indicator=row.code).value, 7)
        # The city's staff do not see 广州's custom indicator: its name is an unknown indicator.
        other = define(
            w.city_admin_b, w.city_b, label="广州专属指标", dimension="kind", key="技术难题"
        )
        data = xlsx([["单位", "年度", "指标", "目标值"], ["南山区总工会", YEAR, other.label, 1]])
        batch = io.import_upload(
            actor=w.city_admin_a, spec_key="dashboards.target", file_name="t.xlsx", data=data
        )
        batch = io.import_check(actor=w.city_admin_a, batch=batch)
        self.assertEqual(batch.counts["error"], 1)
        self.assertNotIn("广州市", str(batch.result))

    def test_the_page_does_not_grow_with_the_units_below(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from jiangqiao.core.testing.personas import make_org
        from jiangqiao.orgs.choices import OrgLevel

        w = self.world
        row = define(w.province_admin, w.province)

        def queries() -> int:
            self.client.force_login(w.province_admin)
            self.client.get(URL)
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(URL).status_code, 200)
            return len(ctx.captured_queries)

        before = queries()
        for i in range(3):
            city = make_org(w.province, OrgLevel.CITY, f"测试市{i}总工会", f"44{i + 5}000")
            Target.objects.create(org=city, year=YEAR, indicator=row.code, value=5)
        self.assertEqual(queries(), before)


class BadInputAndScopeTests(CustomCase):
    def errors(self, user: Any, org: Any, **data: Any) -> dict[str, list[str]]:
        with self.assertRaises(ValidationError) as caught:
            define(user, org, **data)
        return field_errors(caught.exception)

    def test_each_bad_field_is_named(self) -> None:
        w = self.world
        got = self.errors(w.province_admin, w.province, base="不存在的指标")
        self.assertTrue(got["base"][0].startswith("基础指标："))
        got = self.errors(w.province_admin, w.province, base="skill_upgrades", dimension="industry")
        self.assertTrue(got["dimension"][0].startswith("分组维度："))
        self.assertIn("来源", got["dimension"][0])  # it names the base's own breakdowns
        got = self.errors(w.province_admin, w.province, key="999999")
        self.assertTrue(got["key"][0].startswith("分组取值："))
        got = self.errors(w.province_admin, w.province, dimension="kind", key="")
        self.assertIn("key", got)
        got = self.errors(w.province_admin, w.province, label="服务企业数")
        self.assertTrue(got["label"][0].startswith("指标名称："))
        got = self.errors(w.province_admin, w.province, label="")
        self.assertIn("label", got)
        self.assertFalse(CustomIndicator.objects.exists())
        # A duplicate name within the tree (the province's, seen from a city below it).
        define(w.province_admin, w.province)
        got = self.errors(w.city_admin_a, w.city_a)
        self.assertTrue(got["label"][0].startswith("指标名称："))
        self.assertNotIn("广东", got["label"][0])
        # 广州 is below the province too: the name is taken there as well.
        got = self.errors(w.city_admin_b, w.city_b)
        self.assertIn("label", got)

    def test_permission_and_units(self) -> None:
        w = self.world
        perms = Permission.objects.filter(
            content_type__app_label="dashboards", codename__startswith="view_"
        )
        group = Group.objects.create(name="role:test_viewer")
        group.permissions.set(perms)
        role = Role.objects.create(
            group=group, code="test_viewer", name="测试-只读", data_scope=DataScope.ORG_AND_BELOW
        )
        viewer = make_user("viewer", w.city_a, role)
        with self.assertRaises(PermissionDenied):
            define(viewer, w.city_a)
        # A unit outside the scope, and a unit above one's own.
        with self.assertRaises(BusinessError) as caught:
            define(w.city_admin_a, w.city_b)
        self.assertEqual(caught.exception.field, "org")
        self.assertNotIn("广州", caught.exception.message)
        with self.assertRaises(BusinessError) as caught:
            define(w.city_admin_a, w.province)
        self.assertEqual(caught.exception.field, "org")
        self.assertFalse(CustomIndicator.objects.exists())

    def test_a_sibling_subtree_neither_sees_nor_uses_it(self) -> None:
        w = self.world
        row = define(
            w.city_admin_b, w.city_b, label="广州专属指标", dimension="kind", key="技术难题"
        )
        code = row.code
        for user, unit in ((w.county_operator, w.county_a1), (w.city_admin_a, w.city_a)):
            self.assertIsNone(indicators.resolve(code, user=user))
            self.assertNotIn(code, [i.code for i in indicators.available(user, unit)])
            self.client.force_login(user)
            listing = self.client.get(reverse("dashboards:custom_indicators")).content.decode()
            self.assertNotIn("广州专属指标", listing)
            for name in ("custom_indicator_edit",):
                self.assertEqual(
                    self.client.get(reverse(f"dashboards:{name}", args=[row.pk])).status_code, 404
                )
            for name in ("custom_indicator_retire",):
                self.assertEqual(
                    self.client.post(reverse(f"dashboards:{name}", args=[row.pk])).status_code, 404
                )
            status, page = self.page(user, indicator=code)
            self.assertEqual(status, 400)
            self.assertNotIn("广州专属指标", page)
        with self.assertRaises(BusinessError) as caught:
            split(w.city_admin_a, w.city_a, code, {w.county_a1.pk: 1})
        self.assertEqual(caught.exception.field, "indicator")
        self.assertNotIn("广州", caught.exception.message)
        with self.assertRaises(BusinessError):
            custom.custom_retire(actor=w.city_admin_a, indicator=row)
        # The province above sees it but it is not on the province's own cockpit (it is 广州's).
        self.assertIsNotNone(indicators.resolve(code, user=w.province_admin, unit=w.city_b))
        self.assertIsNone(indicators.resolve(code, user=w.province_admin, unit=w.province))
        # 广州's own county uses it.
        self.assertIsNotNone(indicators.resolve(code, user=w.city_admin_b, unit=w.county_b1))
        self.assertEqual(CustomIndicator.objects.get(pk=row.pk).status, "active")

    def test_the_province_definition_is_read_by_the_county_below_but_not_changed(self) -> None:
        w = self.world
        row = define(w.province_admin, w.province)
        self.assertIsNotNone(indicators.resolve(row.code, user=w.county_operator, unit=w.county_a1))
        self.client.force_login(w.county_operator)
        listing = self.client.get(reverse("dashboards:custom_indicators")).content.decode()
        self.assertIn(LABEL, listing)
        self.assertIn("上级单位", listing)
        self.assertNotIn("广东省总工会", listing)
        self.assertEqual(
            self.client.get(reverse("dashboards:custom_indicator_edit", args=[row.pk])).status_code,
            403,
        )
        with self.assertRaises(BusinessError):
            custom.custom_update(actor=w.county_operator, indicator=row, data={"label": "改名"})
        self.assertEqual(CustomIndicator.objects.get(pk=row.pk).label, LABEL)


class LifecycleTests(CustomCase):
    def test_logs_update_retire_and_restore(self) -> None:
        w = self.world
        row = define(w.province_admin, w.province, description="考核深圳")
        self.assertTrue(
            OperationLog.objects.filter(module=custom.MODULE, action__contains=LABEL).exists()
        )
        self.assertTrue(
            ChangeLog.objects.filter(
                content_type__model="customindicator", object_id=str(row.pk)
            ).exists()
        )
        set_own(w.province_admin, w.province, row.code, 10)
        # Once targeted, its counting rule is fixed; its name is not.
        with self.assertRaises(BusinessError) as caught:
            custom.custom_update(actor=w.province_admin, indicator=row, data={"key": "广州市"})
        self.assertEqual(caught.exception.field, "base")
        row = custom.custom_update(
            actor=w.province_admin, indicator=row, data={"label": "深圳服务人次"}
        )
        self.assertEqual(row.label, "深圳服务人次")

        row = custom.custom_retire(actor=w.province_admin, indicator=row)
        self.assertEqual(row.status, "retired")
        cp = selectors.cockpit(user=w.province_admin, unit=w.province, year=YEAR)
        self.assertNotIn(row.code, [s.indicator.code for s in cp.standings])
        with self.assertRaises(BusinessError) as caught:
            set_own(w.province_admin, w.province, row.code, 12)
        self.assertIn("已停用", caught.exception.message)
        with self.assertRaises(BusinessError):
            split(w.province_admin, w.province, row.code, {w.city_a.pk: 10})
        # Its target and history stay readable.
        target = Target.objects.get(org=w.province, indicator=row.code)
        self.client.force_login(w.province_admin)
        listing = self.client.get(reverse("dashboards:target_list"), {"indicator": row.code})
        self.assertEqual(listing.status_code, 200)
        self.assertIn("深圳服务人次", listing.content.decode())
        history = self.client.get(reverse("dashboards:target_history", args=[target.pk]))
        self.assertEqual(history.status_code, 200)
        self.assertIn("深圳服务人次", history.content.decode())
        with self.assertRaises(BusinessError):
            custom.custom_retire(actor=w.province_admin, indicator=row)
        row = custom.custom_restore(actor=w.province_admin, indicator=row)
        self.assertEqual(row.status, "active")
        cache.clear()
        cp = selectors.cockpit(user=w.province_admin, unit=w.province, year=YEAR)
        self.assertIn(row.code, [s.indicator.code for s in cp.standings])

    def test_the_pages(self) -> None:
        w = self.world
        self.client.force_login(w.province_admin)
        self.assertEqual(self.client.get(reverse("dashboards:custom_indicators")).status_code, 200)
        form = self.client.get(reverse("dashboards:custom_indicator_add"))
        self.assertEqual(form.status_code, 200)
        self.assertIn("专精特新中小企业", form.content.decode())  # the keys' reference table
        bad = self.client.post(
            reverse("dashboards:custom_indicator_add"),
            {
                "org": w.province.pk,
                "label": LABEL,
                "base": "skill_upgrades",
                "dimension": "region",
                "key": "深圳市",
            },
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("分组维度：", bad.content.decode())
        self.assertFalse(CustomIndicator.objects.exists())
        good = self.client.post(
            reverse("dashboards:custom_indicator_add"),
            {
                "org": w.province.pk,
                "label": LABEL,
                "base": "person_times",
                "dimension": "region",
                "key": "440300",
            },
        )
        self.assertEqual(good.status_code, 302)
        row = CustomIndicator.objects.get()
        listing = self.client.get(reverse("dashboards:custom_indicators")).content.decode()
        self.assertIn(LABEL, listing)
        self.assertIn(f'data-code="{row.code}"', listing)
        edit = self.client.post(
            reverse("dashboards:custom_indicator_edit", args=[row.pk]),
            {
                "label": "深圳服务人次",
                "base": "person_times",
                "dimension": "region",
                "key": "440300",
            },
        )
        self.assertEqual(edit.status_code, 302)
        retire = self.client.post(reverse("dashboards:custom_indicator_retire", args=[row.pk]))
        self.assertEqual(retire.status_code, 302)
        self.assertEqual(CustomIndicator.objects.get().status, "retired")
        # The targets page of the province offers it in the split form while active only.
        page = self.client.get(
            reverse("dashboards:target_split"), {"org": w.province.pk, "year": YEAR}
        )
        self.assertNotIn(f'data-split-input="{row.code}"', page.content.decode())
        custom.custom_restore(actor=w.province_admin, indicator=row)
        page = self.client.get(
            reverse("dashboards:target_split"), {"org": w.province.pk, "year": YEAR}
        )
        self.assertIn(f'data-split-input="{row.code}"', page.content.decode())
