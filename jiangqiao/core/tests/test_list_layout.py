"""Lists on office screens and phones: every list table is a ``BaseTable`` with key columns, the
filter panel folds what is rarely used under 更多筛选 (open when a folded filter is in use)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiangqiao.core.tables import TABLES, BaseTable, compact_code
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.views.generic import ObjectListView


def _views(patterns: Any) -> Iterator[type]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _views(p.url_patterns)
        elif isinstance(p, URLPattern):
            cls = getattr(p.callback, "view_class", None)
            if cls is not None:
                yield cls


def list_views() -> list[type[ObjectListView]]:
    return sorted(
        {cls for cls in _views(get_resolver().url_patterns) if issubclass(cls, ObjectListView)},
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


class ListTablesTests(WorldTestCase):
    def test_every_list_view_uses_a_base_table_with_key_columns(self) -> None:
        views = list_views()
        assert len(views) > 10
        for view in views:
            table = view.table_class
            if not isinstance(table, type):
                continue  # chosen per request (the import lists): those are in TABLES below
            assert issubclass(table, BaseTable), f"{view.__qualname__}: {table} is no BaseTable"
            assert table.key_columns, f"{table.__qualname__} declares no key_columns"

    def test_key_and_truncated_columns_exist(self) -> None:
        for key, cls in TABLES.items():
            names = set(cls.base_columns)
            assert set(cls.key_columns) <= names, key
            assert set(cls.truncate) <= names, key

    def test_no_inline_min_width_in_tables(self) -> None:
        # A fixed min-width pushes a phone's key columns off screen: use the minw-* classes.
        for key, cls in TABLES.items():
            for name, column in cls.base_columns.items():
                for part in ("td", "th", "cell"):
                    style = str((column.attrs or {}).get(part, {}).get("style", ""))
                    assert "min-width" not in style, f"{key}.{name}"

    def test_compact_code_keeps_the_whole_code_in_the_tooltip(self) -> None:
        html = str(compact_code("GD-440310-2026-000709"))
        assert 'title="GD-440310-2026-000709"' in html
        assert '<span class="code-head">GD-440310-</span>2026-000709' in html
        assert compact_code("X-1") == "X-1"


class FilterFoldTests(WorldTestCase):
    url = reverse("demands:demand_list")

    def fold(self, query: str = "") -> tuple[str, str]:
        """(the filters above the fold, the <details> element) of the demand list."""
        self.login(self.world.city_admin_a)
        html = self.client.get(self.url + query).content.decode()
        begin = html.index('class="filter-form"')
        form = html[begin : html.index("</form>", begin)]
        start = form.index("<details")
        return form[:start], form[start : form.index("</details>")]

    def test_primary_filters_shown_and_the_rest_folded(self) -> None:
        above, details = self.fold()
        for name in ("q", "status", "kind", "category", "org_id"):
            assert f'name="{name}"' in above, name
        for name in ("grade", "channel", "created_after", "age_min"):
            assert f'name="{name}"' in details, name
            assert f'name="{name}"' not in above, name
        assert "更多筛选" in details
        assert not re.match(r"<details[^>]*\bopen\b", details)
        # Folded without inline script (a widget's own <script src=…> is fine).
        panel = above + details
        assert not re.search(r"<script(?![^>]*\bsrc=)", panel)
        assert not re.search(r"\son[a-z]+=", panel)

    def test_a_folded_filter_in_use_opens_the_fold(self) -> None:
        _, details = self.fold("?grade=a&channel=")
        assert re.match(r"<details[^>]*\bopen\b", details)
        assert re.search(r"data-filter-count>1<", details)

    def test_a_primary_filter_leaves_it_closed(self) -> None:
        _, details = self.fold("?q=%E6%95%B0%E6%8E%A7&status=submitted")
        assert not re.match(r"<details[^>]*\bopen\b", details)
        assert re.search(r"data-filter-count hidden>0<", details)

    def test_short_filter_panels_have_no_fold(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.get(reverse("casework:agreement_list"))  # three filters
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        begin = html.index('class="filter-form"')
        assert "<details" not in html[begin : html.index("</form>", begin)]


def breadcrumb(html: str) -> list[str]:
    """The items of the page's breadcrumb (link targets kept as ``label→url``)."""
    m = re.search(r'<ol class="breadcrumb page-pretitle.*?</ol>', html, re.S)
    assert m, "no breadcrumb"
    items = re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', m.group(0), re.S)
    out = []
    for item in items:
        link = re.search(r'href="([^"]+)"', item)
        text = re.sub(r"<[^>]+>", "", item).strip()
        out.append(f"{text}→{link.group(1)}" if link else text)
    return out


class BreadcrumbTests(WorldTestCase):
    def test_no_template_overrides_the_shared_trail(self) -> None:
        # Templates add levels with {% block breadcrumb_trail %}; only the organisation (its
        # upper units, the invisible ones as text) writes its own trail.
        from pathlib import Path

        root = Path(__file__).resolve().parents[3]
        found = sorted(
            str(p.relative_to(root))
            for p in root.rglob("*.html")
            if "{% block breadcrumb %}" in p.read_text(encoding="utf-8")
        )
        assert found == [
            "jiangqiao/orgs/templates/orgs/organization_detail.html",
            "jiangqiao/templates/base.html",
        ]

    def test_detail_pages_show_home_module_list_and_object(self) -> None:
        user = self.world.city_admin_a
        self.login(user)
        html = self.client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
        trail = breadcrumb(html)
        assert trail[0] == "首页→/"
        assert trail[1] == "系统管理"
        assert trail[2] == f"用户→{reverse('accounts:user_list')}"
        assert trail[-1] == str(user)

    def test_a_deeper_page_adds_its_level(self) -> None:
        from jiangqiao.taxonomy.models import Term

        term = Term.objects.filter(scheme="industry").order_by("pk").first()
        if term is None:
            self.skipTest("no reference data loaded")
        self.login(self.world.city_admin_a)
        trail = breadcrumb(self.client.get(term.get_absolute_url()).content.decode())
        assert trail[0] == "首页→/"
        assert trail[2].startswith("标准代码→")
        assert trail[3].endswith("?scheme=industry")
        assert trail[-1].endswith(term.name)


class HandWrittenTablesTests(WorldTestCase):
    """Tables that are not lists of one model (the taxonomy schemes, the API tokens) still hide
    their optional columns on a phone and wrap long text on an office screen."""

    def test_taxonomy_schemes_wrap_and_fold_the_source(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.client.get(reverse("taxonomy:index")).content.decode()
        assert '<th class="col-opt">来源</th>' in html
        assert 'class="small text-secondary wrap col-opt"' in html

    def test_my_tokens_keep_the_key_columns(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.client.get(reverse("accounts:token_list")).content.decode()
        thead = html[html.index("<thead") : html.index("</thead>")]
        for optional in ("前缀", "权限", "签发", "最近使用"):
            assert f'<th class="col-opt">{optional}</th>' in thead
        for key in ("用途", "失效", "状态"):
            assert f"<th>{key}</th>" in thead
