"""Yearly targets (issue 16 point 1): the split adds up / falls short / over-allocates, bad numbers,
who may set what (the level above; a top unit its own), scope in the pages, the API and the import,
the import that saves nothing when a row is bad, revisions and the history pages.

The world (``core.testing.personas``): 广东省总工会 (no parent) → 深圳 (南山 → 南山精密, 宝安) and
广州 (天河); the business users hold every permission, so the rules tested are the unit rules."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.roles import BUILTIN_ROLES
from jiangqiao.core.choices import DataScope, ImportStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import services as io
from jiangqiao.core.models import ChangeLog, ImportBatch, OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user, no_perm_role, scope_role
from jiangqiao.core.testing.sheets import read_xlsx, xlsx
from jiangqiao.dashboards import services, targets
from jiangqiao.dashboards.choices import TargetSource
from jiangqiao.dashboards.forms import value_field_name
from jiangqiao.dashboards.models import Target, TargetRevision

YEAR = 2026
PT = "person_times"
PT_LABEL = "劳模工匠服务人次"
KEY = "dashboards.target"
HEADER = ["单位", "年度", "指标", "目标值", "说明"]


def split(actor: Any, parent: Any, values: dict[Any, Any], indicator: str = PT, **kw: Any) -> Any:
    return services.target_split(
        actor=actor,
        parent=parent,
        campaign="zhuqixing",
        year=YEAR,
        indicator=indicator,
        values=values,
        **kw,
    )


def set_one(actor: Any, org: Any, value: Any, indicator: str = PT, **kw: Any) -> Any:
    return services.target_set(
        actor=actor,
        org=org,
        campaign="zhuqixing",
        year=YEAR,
        indicator=indicator,
        value=value,
        **kw,
    )


def value_of(org: Any, indicator: str = PT, year: int = YEAR) -> int | None:
    row = Target.objects.filter(org=org, indicator=indicator, year=year).first()
    return None if row is None else int(row.value)


class TargetCase(WorldTestCase):
    def province_target(self, value: int = 6000, indicator: str = PT) -> None:
        set_one(self.world.province_admin, self.world.province, value, indicator=indicator)


# ------------------------------------------------------------------------------------------------
# The split
# ------------------------------------------------------------------------------------------------


class TestSplit(TargetCase):
    def test_a_split_that_adds_up_is_saved_with_its_revisions_and_logs(self) -> None:
        w = self.world
        self.province_target(6000)
        result = split(
            w.province_admin,
            w.province,
            {w.city_a.pk: 3500, w.city_b.pk: 2500},
            comment="按工作要点",
        )
        self.assertEqual(result.parent_value, 6000)
        self.assertEqual(result.total, 6000)
        self.assertEqual(result.warnings, [])
        self.assertEqual((value_of(w.city_a), value_of(w.city_b)), (3500, 2500))
        revision = TargetRevision.objects.get(target__org=w.city_a)
        self.assertEqual((revision.before, revision.after), (None, 3500))
        self.assertEqual(revision.actor, w.province_admin)
        self.assertEqual(revision.source, TargetSource.FORM)
        self.assertEqual(revision.comment, "按工作要点")
        target = Target.objects.get(org=w.city_a)
        self.assertTrue(
            ChangeLog.objects.filter(object_id=str(target.pk), action="create").exists()
        )
        log = OperationLog.objects.filter(module="年度目标", action__startswith="分解年度目标")
        self.assertEqual(log.count(), 1)
        self.assertIn(PT_LABEL, log.get().action)

    def test_a_change_makes_the_cached_cockpits_of_the_unit_and_above_stale(self) -> None:
        from django.core.cache import cache

        from jiangqiao.dashboards.rollups import scope_version

        w = self.world
        cache.clear()
        before = {o.pk: scope_version(o.pk) for o in (w.province, w.city_a, w.city_b)}
        split(w.province_admin, w.city_a, {w.county_a1.pk: 10})
        self.assertNotEqual(scope_version(w.city_a.pk), before[w.city_a.pk])
        self.assertNotEqual(scope_version(w.province.pk), before[w.province.pk])
        self.assertEqual(scope_version(w.city_b.pk), before[w.city_b.pk])

    def test_a_short_split_is_refused_naming_the_shortfall_and_saves_nothing(self) -> None:
        w = self.world
        self.province_target(6000)
        with self.assertRaises(BusinessError) as ctx:
            split(w.province_admin, w.province, {w.city_a.pk: 2400, w.city_b.pk: 3000})
        self.assertIn("各下级目标之和 5,400 少于本级目标 6,000，还差 600", ctx.exception.message)
        self.assertEqual(ctx.exception.code, services.SHORT_CODE)
        self.assertFalse(Target.objects.filter(org__in=[w.city_a, w.city_b]).exists())
        self.assertFalse(TargetRevision.objects.filter(target__org__parent=w.province).exists())

    def test_children_left_out_keep_their_targets_and_count_in_the_sum(self) -> None:
        w = self.world
        self.province_target(6000)
        split(w.province_admin, w.province, {w.city_a.pk: 3000, w.city_b.pk: 3000})
        with self.assertRaises(BusinessError) as ctx:
            split(w.province_admin, w.province, {w.city_a.pk: 2000})
        self.assertIn("5,000 少于本级目标 6,000，还差 1,000", ctx.exception.message)
        self.assertEqual(value_of(w.city_a), 3000)
        result = split(w.province_admin, w.province, {w.city_a.pk: 4000})
        self.assertEqual(result.total, 7000)
        self.assertEqual(value_of(w.city_b), 3000)

    def test_over_allocation_is_saved_with_a_warning(self) -> None:
        w = self.world
        self.province_target(6000)
        result = split(w.province_admin, w.province, {w.city_a.pk: 3600, w.city_b.pk: 3000})
        self.assertEqual(value_of(w.city_a), 3600)
        self.assertEqual(len(result.warnings), 1)
        self.assertIn("各下级目标之和 6,600 超过本级目标 6,000，多分解 600", result.warnings[0])

    def test_a_parent_without_target_allows_the_split_and_says_so(self) -> None:
        w = self.world
        result = split(w.province_admin, w.province, {w.city_a.pk: 100})
        self.assertEqual(value_of(w.city_a), 100)
        self.assertIsNone(result.parent_value)
        self.assertIn("本级尚未设定目标", result.warnings[0])

    def test_bad_numbers_are_field_errors_in_chinese_and_nothing_is_saved(self) -> None:
        w = self.world
        self.province_target(6000)
        cases = {
            "-5": "不能为负数",
            "12.5": "不能有小数",
            "abc": "应为整数",
            str(10**9 + 1): "不能超过 1,000,000,000",
            "6000001": "1000 倍",
            True: "应为整数",
        }
        for raw, expected in cases.items():
            with self.subTest(raw=raw):
                with self.assertRaises(ValidationError) as ctx:
                    split(w.province_admin, w.province, {w.city_a.pk: raw, w.city_b.pk: 6000})
                errors = ctx.exception.message_dict
                self.assertEqual(list(errors), [f"values.{w.city_a.pk}"])
                message = errors[f"values.{w.city_a.pk}"][0]
                self.assertTrue(message.startswith("目标值："), message)
                self.assertIn(expected, message)
        self.assertFalse(Target.objects.filter(org__parent=w.province).exists())

    def test_thousands_separators_and_whole_decimals_are_read(self) -> None:
        w = self.world
        split(w.province_admin, w.province, {w.city_a.pk: "3,000", w.city_b.pk: "2000.0"})
        self.assertEqual((value_of(w.city_a), value_of(w.city_b)), (3000, 2000))

    def test_a_set_target_cannot_be_emptied_and_zero_is_allowed(self) -> None:
        w = self.world
        split(w.province_admin, w.province, {w.city_a.pk: 100})
        with self.assertRaises(ValidationError) as ctx:
            split(w.province_admin, w.province, {w.city_a.pk: ""})
        self.assertIn("不能清空", ctx.exception.message_dict[f"values.{w.city_a.pk}"][0])
        split(w.province_admin, w.province, {w.city_a.pk: 0})
        self.assertEqual(value_of(w.city_a), 0)

    def test_a_unit_that_is_not_a_child_is_refused_without_naming_it(self) -> None:
        w = self.world
        with self.assertRaises(ValidationError) as ctx:
            split(w.province_admin, w.province, {w.county_a1.pk: 10, "x": 5})
        errors = ctx.exception.message_dict
        self.assertEqual(set(errors), {f"values.{w.county_a1.pk}", "values.x"})
        self.assertNotIn(w.county_a1.name, str(errors))

    def test_unknown_indicator_and_year_name_the_field(self) -> None:
        w = self.world
        with self.assertRaises(BusinessError) as ctx:
            split(w.province_admin, w.province, {w.city_a.pk: 1}, indicator="made_up")
        self.assertEqual(ctx.exception.field, "indicator")
        with self.assertRaises(BusinessError) as ctx:
            services.target_split(
                actor=w.province_admin,
                parent=w.province,
                campaign="zhuqixing",
                year=1999,
                indicator=PT,
                values={w.city_a.pk: 1},
            )
        self.assertEqual(ctx.exception.field, "year")
        self.assertIn("年度", ctx.exception.message)

    def test_an_indicator_label_is_accepted_like_its_code(self) -> None:
        w = self.world
        split(w.province_admin, w.province, {w.city_a.pk: 7}, indicator=PT_LABEL)
        self.assertEqual(value_of(w.city_a), 7)


class TestRevisions(TargetCase):
    def test_a_change_writes_before_after_and_an_unchanged_value_writes_nothing(self) -> None:
        w = self.world
        split(w.province_admin, w.province, {w.city_a.pk: 100})
        split(w.province_admin, w.province, {w.city_a.pk: 150}, comment="上调")
        split(w.province_admin, w.province, {w.city_a.pk: 150})
        rows = list(TargetRevision.objects.filter(target__org=w.city_a).order_by("pk"))
        self.assertEqual([(r.before, r.after) for r in rows], [(None, 100), (100, 150)])
        self.assertEqual(rows[1].comment, "上调")
        target = Target.objects.get(org=w.city_a)
        self.assertEqual(target.version, 2)
        self.assertEqual(target.updated_by, w.province_admin)

    def test_a_top_unit_sets_its_own_target_and_is_warned_when_its_split_falls_short(self) -> None:
        w = self.world
        self.province_target(6000)
        split(w.province_admin, w.province, {w.city_a.pk: 3000, w.city_b.pk: 3000})
        result = set_one(w.province_admin, w.province, 8000, comment="全总下达后上调")
        self.assertEqual(value_of(w.province), 8000)
        self.assertIn("还差 2,000", result.warnings[0])
        revision = TargetRevision.objects.filter(target__org=w.province).first()
        assert revision is not None
        self.assertEqual((revision.before, revision.after), (6000, 8000))


# ------------------------------------------------------------------------------------------------
# Who may set what
# ------------------------------------------------------------------------------------------------


class TestWhoSets(TargetCase):
    def test_a_county_user_cannot_set_its_siblings_its_parents_or_its_own_target(self) -> None:
        w = self.world
        county = make_user("county_below", w.county_a1, scope_role(DataScope.ORG_AND_BELOW))
        for org in (w.county_a2, w.city_a, w.province, w.county_b1):
            with self.subTest(org=org.name):
                with self.assertRaises(BusinessError) as ctx:
                    set_one(county, org, 10)
                self.assertEqual(ctx.exception.message, services.NOT_VISIBLE)
        with self.assertRaises(BusinessError) as ctx:
            set_one(county, w.county_a1, 10)
        self.assertEqual(ctx.exception.message, services.NOT_BELOW)
        with self.assertRaises(BusinessError):
            split(county, w.city_a, {w.county_a2.pk: 10})
        self.assertFalse(Target.objects.exists())
        # …but it splits its own target over the unit below it
        split(county, w.county_a1, {w.grassroots_a1.pk: 10})
        self.assertEqual(value_of(w.grassroots_a1), 10)

    def test_a_city_sets_its_counties_but_not_itself_nor_another_city(self) -> None:
        w = self.world
        split(w.city_admin_a, w.city_a, {w.county_a1.pk: 60, w.county_a2.pk: 40})
        self.assertEqual(value_of(w.county_a1), 60)
        self.assertFalse(targets.may_set(w.city_admin_a, w.city_a))
        with self.assertRaises(BusinessError) as ctx:
            set_one(w.city_admin_a, w.city_a, 100)
        self.assertEqual(ctx.exception.message, services.NOT_BELOW)
        with self.assertRaises(BusinessError) as ctx:
            split(w.city_admin_a, w.city_b, {w.county_b1.pk: 5})
        self.assertEqual(ctx.exception.message, services.NOT_VISIBLE)

    def test_a_unit_below_is_set_through_its_parents_split(self) -> None:
        w = self.world
        split(w.province_admin, w.city_a, {w.county_a1.pk: 0})
        split(w.city_admin_a, w.city_a, {w.county_a2.pk: 0})
        # the province sets a county's target (strictly below it), checked against the city's
        split(w.province_admin, w.province, {w.city_a.pk: 100})
        with self.assertRaises(BusinessError) as ctx:
            set_one(w.province_admin, w.county_a1, 30)
        self.assertIn("还差 70", ctx.exception.message)
        set_one(w.province_admin, w.county_a1, 100)
        self.assertEqual(value_of(w.county_a1), 100)

    def test_only_a_top_unit_sets_its_own_target(self) -> None:
        w = self.world
        self.assertTrue(targets.may_set(w.province_admin, w.province))
        self.province_target(500)
        self.assertEqual(value_of(w.province), 500)

    def test_without_the_permission_nothing_is_set(self) -> None:
        w = self.world
        user = make_user("no_set", w.province, no_perm_role())
        with self.assertRaises(PermissionDenied):
            split(user, w.province, {w.city_a.pk: 1})
        self.assertFalse(targets.may_split(user, w.province))

    def test_the_staff_roles_hold_the_dashboard_permissions(self) -> None:
        wanted = {
            "dashboards.set_target",
            "dashboards.view_target",
            "dashboards.view_cockpit",
            "dashboards.export_report",
            "dashboards.view_dailyfigure",
            "dashboards.view_monthlyfigure",
            "dashboards.view_targetrevision",
        }
        roles = {spec.code: set(spec.permissions) for spec in BUILTIN_ROLES}
        for code in ("provincial_task_force", "union_staff"):
            with self.subTest(role=code):
                self.assertLessEqual(wanted, roles[code])
        self.assertFalse(wanted & roles["enterprise_contact"])


# ------------------------------------------------------------------------------------------------
# Reads: a city sees only its subtree
# ------------------------------------------------------------------------------------------------


class TestScope(TargetCase):
    def setUp(self) -> None:
        super().setUp()
        w = self.world
        self.province_target(6000)
        split(w.province_admin, w.province, {w.city_a.pk: 3000, w.city_b.pk: 3000})
        split(w.province_admin, w.city_a, {w.county_a1.pk: 1800, w.county_a2.pk: 1200})
        split(w.province_admin, w.city_b, {w.county_b1.pk: 3000})

    def test_selectors_see_the_subtree_only(self) -> None:
        w = self.world
        seen = set(targets.target_list(w.city_admin_a).values_list("org_id", flat=True))
        self.assertEqual(seen, {w.city_a.pk, w.county_a1.pk, w.county_a2.pk})
        self.assertEqual(targets.targets_for(w.city_admin_a, w.city_b, YEAR), {})
        self.assertEqual(
            targets.children_targets(w.city_admin_a, w.city_a, YEAR),
            {w.county_a1.pk: {PT: 1800}, w.county_a2.pk: {PT: 1200}},
        )
        self.assertEqual(targets.targets_for(w.county_operator, w.county_a1, YEAR), {PT: 1800})
        # 仅本级: of the city's children, only its own unit
        self.assertEqual(
            targets.children_targets(w.county_operator, w.city_a, YEAR),
            {w.county_a1.pk: {PT: 1800}},
        )

    def test_pages_show_the_subtree_and_another_citys_unit_is_404(self) -> None:
        w = self.world
        self.login(w.city_admin_a)
        page = self.client.get(reverse("dashboards:targets"), {"year": YEAR})
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn(w.county_a1.name, html)
        self.assertIn("1,800", html)
        self.assertNotIn(w.county_b1.name, html)
        self.assertNotIn(w.city_b.name, html)
        other = self.client.get(reverse("dashboards:targets"), {"org": w.city_b.pk, "year": YEAR})
        self.assertEqual(other.status_code, 404)
        listing = self.client.get(reverse("dashboards:target_list"), {"per_page": 100})
        self.assertEqual(listing.status_code, 200)
        self.assertIn(w.county_a2.name, listing.content.decode())
        self.assertNotIn(w.county_b1.name, listing.content.decode())
        foreign = Target.objects.get(org=w.county_b1)
        history = self.client.get(reverse("dashboards:target_history", args=[foreign.pk]))
        self.assertEqual(history.status_code, 404)
        split_page = self.client.get(
            reverse("dashboards:target_split"), {"org": w.city_b.pk, "year": YEAR}
        )
        self.assertEqual(split_page.status_code, 404)

    def test_the_unit_page_shows_own_target_children_sum_and_gap(self) -> None:
        w = self.world
        split(w.province_admin, w.city_a, {w.county_a1.pk: 1000, w.county_a2.pk: 2500})
        self.login(w.province_admin)
        page = self.client.get(reverse("dashboards:targets"), {"org": w.city_a.pk, "year": YEAR})
        self.assertEqual(page.status_code, 200)
        row = next(r for r in page.context["data"].rows if r.indicator.code == PT)
        self.assertEqual((row.own, row.children_sum, row.gap), (3000, 3500, 500))
        self.assertEqual(row.gap_text, "超出 500")
        self.assertIn("超出 500", page.content.decode())
        empty = self.client.get(reverse("dashboards:targets"), {"org": w.city_a.pk, "year": 2030})
        self.assertEqual(empty.status_code, 200)
        self.assertIn("未设定", empty.content.decode())

    def test_api_lists_the_subtree_and_hides_other_units(self) -> None:
        w = self.world
        api = APIClient()
        api.force_authenticate(w.city_admin_a)
        response = api.get("/api/v1/dashboards/targets/")
        self.assertEqual(response.status_code, 200)
        orgs = {row["org"] for row in response.json()["results"]}
        self.assertEqual(orgs, {w.city_a.pk, w.county_a1.pk, w.county_a2.pk})
        foreign = Target.objects.get(org=w.county_b1)
        self.assertEqual(api.get(f"/api/v1/dashboards/targets/{foreign.pk}/").status_code, 404)
        filtered = api.get("/api/v1/dashboards/targets/", {"org_id": w.city_b.pk})
        self.assertEqual(filtered.json()["count"], 0)
        own = Target.objects.get(org=w.county_a1)
        revisions = api.get(f"/api/v1/dashboards/targets/{own.pk}/revisions/")
        self.assertEqual(revisions.status_code, 200)
        self.assertEqual(revisions.json()[0]["after"], 1800)


# ------------------------------------------------------------------------------------------------
# API writes
# ------------------------------------------------------------------------------------------------


class TestApiWrites(TargetCase):
    def api(self, user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_split_through_the_api_checks_the_sum(self) -> None:
        w = self.world
        self.province_target(6000)
        api = self.api(w.province_admin)
        url = "/api/v1/dashboards/targets/split/"
        body = {"parent": w.province.pk, "year": YEAR, "indicator": PT}
        short = api.post(url, {**body, "values": {w.city_a.pk: 2400, w.city_b.pk: 3000}}, "json")
        self.assertEqual(short.status_code, 400, short.content)
        self.assertIn("还差 600", short.json()["values"][0])
        bad = api.post(url, {**body, "values": {w.city_a.pk: -3, w.city_b.pk: 6000}}, "json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("不能为负数", bad.json()[f"values.{w.city_a.pk}"][0])
        self.assertFalse(Target.objects.filter(org__parent=w.province).exists())
        ok = api.post(url, {**body, "values": {w.city_a.pk: 3600, w.city_b.pk: 3000}}, "json")
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertEqual(ok.json()["total"], 6600)
        self.assertIn("多分解 600", ok.json()["warnings"][0])
        self.assertEqual(
            TargetRevision.objects.filter(target__org=w.city_a).get().source, TargetSource.API
        )

    def test_a_county_cannot_reach_its_parent_or_sibling_through_the_api(self) -> None:
        w = self.world
        api = self.api(w.county_operator)
        url = "/api/v1/dashboards/targets/split/"
        response = api.post(
            url,
            {"parent": w.city_a.pk, "year": YEAR, "indicator": PT, "values": {w.county_a2.pk: 1}},
            "json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("parent", response.json())
        own = api.post(
            "/api/v1/dashboards/targets/set/",
            {"org": w.county_a1.pk, "year": YEAR, "indicator": PT, "value": 5},
            "json",
        )
        self.assertEqual(own.status_code, 400)
        self.assertIn("上级单位", own.json()["org"][0])
        self.assertFalse(Target.objects.exists())

    def test_patch_changes_the_value_through_the_split_with_the_version(self) -> None:
        w = self.world
        split(w.province_admin, w.province, {w.city_a.pk: 100})
        target = Target.objects.get(org=w.city_a)
        api = self.api(w.province_admin)
        url = f"/api/v1/dashboards/targets/{target.pk}/"
        response = api.patch(url, {"value": "120", "version": target.version}, "json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["value"], 120)
        self.assertEqual(response.json()["version"], target.version + 1)
        stale = api.patch(url, {"value": "130", "version": target.version}, "json")
        self.assertEqual(stale.status_code, 409)
        bad = api.patch(url, {"value": "1.5", "version": target.version + 1}, "json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("不能有小数", bad.json()["value"][0])
        self.assertEqual(value_of(w.city_a), 120)
        revision = TargetRevision.objects.filter(target=target).first()
        assert revision is not None
        self.assertEqual((revision.before, revision.after, revision.source), (100, 120, "api"))
        # the city cannot change its own target through the API either
        city = self.api(w.city_admin_a)
        refused = city.patch(url, {"value": "999", "version": target.version + 1}, "json")
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(value_of(w.city_a), 120)


# ------------------------------------------------------------------------------------------------
# Pages: the split form and the history
# ------------------------------------------------------------------------------------------------


class TestPages(TargetCase):
    def split_url(self, org: Any, **extra: Any) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"org": org.pk, "year": YEAR, **extra}.items())
        return f"{reverse('dashboards:target_split')}?{query}"

    def test_split_form_saves_refuses_short_and_marks_bad_fields(self) -> None:
        w = self.world
        self.province_target(6000)
        self.login(w.province_admin)
        page = self.client.get(self.split_url(w.province))
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn("dashboards/targets.js", html)
        self.assertNotIn("<script>", html)
        self.assertIn('data-parent="6000"', html)
        a, b = value_field_name(w.city_a.pk, PT), value_field_name(w.city_b.pk, PT)
        short = self.client.post(self.split_url(w.province), {a: "2400", b: "3000"})
        self.assertEqual(short.status_code, 400)
        self.assertIn("还差 600", short.content.decode())
        bad = self.client.post(self.split_url(w.province), {a: "-1", b: "abc"})
        self.assertEqual(bad.status_code, 400)
        errors = bad.context["form"].errors
        self.assertIn("不能为负数", errors[a][0])
        self.assertIn("应为整数", errors[b][0])
        self.assertFalse(Target.objects.filter(org__parent=w.province).exists())
        ok = self.client.post(
            self.split_url(w.province), {a: "3,600", b: "3000", "comment": "页面分解"}
        )
        self.assertEqual(ok.status_code, 302)
        self.assertEqual((value_of(w.city_a), value_of(w.city_b)), (3600, 3000))
        followed = self.client.get(ok["Location"])
        self.assertIn("多分解 600", followed.content.decode())

    def test_a_short_indicator_rolls_back_the_other_indicators(self) -> None:
        w = self.world
        self.province_target(6000)
        self.login(w.province_admin)
        data = {
            value_field_name(w.city_a.pk, PT): "1000",
            value_field_name(w.city_b.pk, PT): "1000",
            value_field_name(w.city_a.pk, "problems_solved"): "50",
        }
        response = self.client.post(self.split_url(w.province), data)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Target.objects.filter(org__parent=w.province).exists())

    def test_units_above_or_beside_are_404_and_an_own_target_with_a_parent_403(self) -> None:
        w = self.world
        county = make_user("county_page", w.county_a1, scope_role(DataScope.ORG))
        self.login(county)
        # its parent (and so its siblings) is outside its scope; its own unit below has nothing
        # it may see (仅本级), so nothing to set
        self.assertEqual(self.client.get(self.split_url(w.city_a)).status_code, 404)
        page = self.client.get(self.split_url(w.county_a1))
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["rows"], [])
        posted = self.client.post(
            self.split_url(w.county_a1), {value_field_name(w.grassroots_a1.pk, PT): "5"}
        )
        self.assertEqual(posted.status_code, 302)
        self.assertFalse(Target.objects.exists())
        below = make_user("county_below_page", w.county_a1, scope_role(DataScope.ORG_AND_BELOW))
        self.login(below)
        self.assertEqual(self.client.get(self.split_url(w.city_a)).status_code, 404)
        self.assertEqual(self.client.get(self.split_url(w.county_a2)).status_code, 404)
        # a city sees its own unit but sets its own target only if it had no parent: 403
        self.login(w.city_admin_a)
        own = self.client.get(reverse("dashboards:target_own"), {"org": w.city_a.pk})
        self.assertEqual(own.status_code, 403)

    def test_own_target_page_of_the_top_unit(self) -> None:
        w = self.world
        self.login(w.province_admin)
        url = f"{reverse('dashboards:target_own')}?org={w.province.pk}&year={YEAR}"
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {value_field_name(w.province.pk, PT): "6000"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(value_of(w.province), 6000)

    def test_history_pages_list_the_revisions(self) -> None:
        w = self.world
        split(w.province_admin, w.province, {w.city_a.pk: 100})
        split(w.province_admin, w.province, {w.city_a.pk: 2500}, comment="年中调整")
        target = Target.objects.get(org=w.city_a)
        self.login(w.city_admin_a)
        page = self.client.get(reverse("dashboards:target_history", args=[target.pk]))
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn("年中调整", html)
        self.assertIn("2,500", html)
        self.assertEqual(len(page.context["rows"]), 2)
        unit = self.client.get(
            reverse("dashboards:target_unit_history"), {"org": w.city_a.pk, "year": YEAR}
        )
        self.assertEqual(unit.status_code, 200)
        self.assertIn("年中调整", unit.content.decode())

    def test_pages_need_the_view_permission(self) -> None:
        user = make_user("no_view", self.world.province, no_perm_role())
        self.login(user)
        self.assertEqual(self.client.get(reverse("dashboards:targets")).status_code, 403)


# ------------------------------------------------------------------------------------------------
# Import
# ------------------------------------------------------------------------------------------------


class TestImport(TargetCase):
    def upload(self, user: Any, rows: list[list[Any]]) -> ImportBatch:
        data = xlsx([HEADER, *rows])
        batch = io.import_upload(actor=user, spec_key=KEY, file_name="年度目标.xlsx", data=data)
        return io.import_check(actor=user, batch=batch)

    def commit(self, user: Any, batch: ImportBatch, mode: str = "all") -> ImportBatch:
        io.import_set_options(actor=user, batch=batch, mode=mode)
        return io.import_commit(actor=user, batch=batch)

    def test_a_whole_tree_in_one_sheet_upper_units_first(self) -> None:
        w = self.world
        rows = [
            ["深圳市总工会", YEAR, PT_LABEL, "3,000", "省下达"],
            ["南山区总工会", YEAR, PT, 2000, ""],
            ["440306", YEAR, PT_LABEL, 1000, ""],  # 宝安区 by its region code
            ["广东省总工会", YEAR, PT_LABEL, 6000, "全总下达"],
            ["广州市总工会", YEAR, PT_LABEL, 3000, ""],
        ]
        batch = self.upload(w.province_admin, rows)
        self.assertEqual(batch.counts["error"], 0, batch.result["messages"])
        self.assertEqual(batch.counts["new"], 5)
        batch = self.commit(w.province_admin, batch)
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        self.assertEqual(
            [value_of(o) for o in (w.province, w.city_a, w.city_b, w.county_a1, w.county_a2)],
            [6000, 3000, 3000, 2000, 1000],
        )
        self.assertEqual(Target.objects.get(org=w.city_a).note, "省下达")
        self.assertEqual(
            set(TargetRevision.objects.values_list("source", flat=True)), {TargetSource.IMPORT}
        )
        again = self.upload(w.province_admin, rows)
        self.assertEqual(again.counts["unchanged"], 5, again.result)

    def test_a_bad_row_saves_nothing(self) -> None:
        w = self.world
        rows = [
            ["深圳市总工会", YEAR, PT_LABEL, 100, ""],
            ["广州市总工会", YEAR, PT_LABEL, "-5", ""],
            ["广州市总工会", YEAR, "不存在的指标", 5, ""],
        ]
        batch = self.upload(w.province_admin, rows)
        self.assertEqual(batch.counts["error"], 2)
        messages = batch.result["messages"]
        self.assertTrue(messages[0].startswith("第3行【目标值】"), messages)
        self.assertIn("不能为负数", messages[0])
        self.assertTrue(messages[1].startswith("第4行【指标】"), messages)
        with self.assertRaises(BusinessError):
            self.commit(w.province_admin, batch)
        self.assertFalse(Target.objects.exists())
        self.assertFalse(TargetRevision.objects.exists())

    def test_a_short_split_in_the_sheet_is_an_error_on_its_rows(self) -> None:
        w = self.world
        self.province_target(6000)
        rows = [
            ["深圳市总工会", YEAR, PT_LABEL, 2400, ""],
            ["广州市总工会", YEAR, PT_LABEL, 3000, ""],
        ]
        batch = self.upload(w.province_admin, rows)
        self.assertEqual(batch.counts["error"], 2)
        self.assertIn("还差 600", batch.result["messages"][0])
        with self.assertRaises(BusinessError):
            self.commit(w.province_admin, batch, "all")
        self.commit(w.province_admin, ImportBatch.objects.get(pk=batch.pk), "valid")
        self.assertFalse(Target.objects.filter(org__parent=w.province).exists())

    def test_a_city_cannot_import_another_citys_or_its_own_target(self) -> None:
        w = self.world
        rows = [
            ["天河区总工会", YEAR, PT_LABEL, 10, ""],
            ["深圳市总工会", YEAR, PT_LABEL, 10, ""],
            ["南山区总工会", YEAR, PT_LABEL, 10, ""],
            ["南山区总工会", YEAR, PT, 11, ""],
        ]
        batch = self.upload(w.city_admin_a, rows)
        messages = batch.result["messages"]
        self.assertEqual(batch.counts["error"], 3, messages)
        self.assertIn("不是您数据范围内的工会组织", messages[0])
        self.assertIn("上级单位", messages[1])
        self.assertIn("与本表第4行", messages[2])
        for message in messages:
            self.assertNotIn(w.city_b.name, message)
        batch = self.commit(w.city_admin_a, batch, "valid")
        self.assertEqual(value_of(w.county_a1), 10)
        self.assertFalse(Target.objects.exclude(org=w.county_a1).exists())

    def test_the_template_has_the_columns(self) -> None:
        self.login(self.world.province_admin)
        response = self.client.get(reverse("core:import_template", args=[KEY]))
        self.assertEqual(response.status_code, 200)
        header = [str(c).rstrip("*") for c in read_xlsx(response.content)[0] if c]
        self.assertEqual(header[:5], HEADER)
