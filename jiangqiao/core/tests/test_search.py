"""Substring search (``core.search``): same meaning on SQLite and PostgreSQL, n-gram index on PostgreSQL."""

from __future__ import annotations

from django.db import connection
from django.test import TestCase

from jiangqiao.core.search import SEARCH_MAX, query_grams, substring_search
from jiangqiao.core.testing.personas import build_world
from jiangqiao.demands.models import Demand
from jiangqiao.demands.tests.factories import make_demand, make_enterprise
from jiangqiao.text import search_key


def test_query_grams_are_the_pairs_or_the_single_character() -> None:
    assert query_grams("数控机床") == ["控机", "数控", "机床"]
    assert query_grams("焊") == ["焊"]
    assert query_grams("质量质量") == ["质量", "量质"]
    assert query_grams("plc 控制") == [
        "lc",
        "pl",
        "控制",
    ]  # pairs with a space are rechecked by LIKE
    assert query_grams(" ") == []


class SubstringSearchTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        world = build_world()
        ent = make_enterprise(world.county_a1)
        texts = {
            "whole": "数控机床主轴异响",
            "scattered": "数控系统；控机柜；机床导轨",  # every pair of 数控机床, never the whole
            "single": "焊缝",
            "latin": "plc 控制柜报警",
            "other": "锅炉结垢",
        }
        cls.ids = {
            name: make_demand(ent, title=name, search_text=search_key(text)).pk
            for name, text in texts.items()
        }

    def found(self, value: str) -> set[str]:
        qs = substring_search(Demand.objects.all(), value)
        names = {v: k for k, v in self.ids.items()}
        return {names[pk] for pk in qs.values_list("pk", flat=True)}

    def test_matches_are_exact_substrings(self) -> None:
        self.assertEqual(self.found("数控机床"), {"whole"})
        self.assertEqual(self.found("控机"), {"whole", "scattered"})
        self.assertEqual(self.found("焊"), {"single"})
        self.assertEqual(self.found("PLC 控制"), {"latin"})
        self.assertEqual(self.found("主轴机床"), set())
        self.assertEqual(self.found("不存在的词"), set())

    def test_query_is_normalised_like_the_stored_text(self) -> None:
        self.assertEqual(self.found("數控機床"), {"whole"})  # traditional → simplified
        self.assertEqual(self.found("ＰＬＣ"), {"latin"})  # full width, upper case
        self.assertEqual(self.found("机床 主轴"), {"whole"})  # spaces between Han characters go
        self.assertEqual(self.found("  "), set(self.ids))  # blank query: no filter
        self.assertEqual(self.found("%"), set())  # LIKE wildcards are literal
        self.assertEqual(self.found("_"), set())

    def test_over_long_query_is_cut_not_refused(self) -> None:
        self.assertEqual(self.found("锅炉结垢" + "垢" * (SEARCH_MAX * 2)), set())
        self.assertEqual(len(search_key("锅" * 200)[:SEARCH_MAX]), SEARCH_MAX)

    def test_postgresql_answers_from_the_gram_index(self) -> None:
        qs = substring_search(Demand.objects.all(), "数控机床")
        if connection.vendor != "postgresql":
            # SQLite serves small sets: the LIKE alone, no n-gram function exists there.
            self.assertNotIn("jq_grams", str(qs.query))
            self.assertIn("LIKE", str(qs.query))
            return
        self.assertIn("jq_grams", str(qs.query))
        with connection.cursor() as cur:
            # Leave the planner only bitmap scans: the one index that serves these conditions.
            for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
                cur.execute(f"SET LOCAL {setting} = off")
            sql, params = qs.query.sql_with_params()
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cur.fetchall())
        self.assertIn("demands_demand_grams", plan)
        with connection.cursor() as cur:
            cur.execute("SELECT jq_grams('数控a')")
            self.assertEqual(set(cur.fetchone()[0]), {"a", "控", "控a", "数", "数控"})

    def test_grams_are_every_character_and_every_pair(self) -> None:
        """The index stores the set ``jq_grams`` returns: every character and every pair of
        neighbours, for texts of odd and even length, one character, none, and with spaces."""
        if connection.vendor != "postgresql":
            self.skipTest("jq_grams is a PostgreSQL function")
        texts = [
            "",
            "数",
            "数控",
            "数控机",
            "数控机床",
            "a 数控 机床 cnc",
            "焊焊焊焊焊",
            "ab" * 301,
        ]
        with connection.cursor() as cur:
            for text in texts:
                cur.execute("SELECT jq_grams(%s)", [text])
                expected = set(text) | {text[i : i + 2] for i in range(len(text) - 1)}
                self.assertEqual(set(cur.fetchone()[0]), expected, text)

    def test_common_keys_leave_the_gram_index_out(self) -> None:
        from unittest import mock

        from jiangqiao.core import search

        stats = {"设备": 0.7, "数控": 0.002}
        with mock.patch.object(search, "_gram_stats", return_value=stats):
            self.assertTrue(search.is_common("default", "x", ["设备"]))
            self.assertFalse(search.is_common("default", "x", ["数控"]))
            self.assertFalse(search.is_common("default", "x", ["设备", "机床"]))  # 机床 is rare
            common = substring_search(Demand.objects.all(), "设备")
            rare = substring_search(Demand.objects.all(), "数控")
            self.assertNotIn("jq_grams", str(common.query))
            self.assertEqual("jq_grams" in str(rare.query), connection.vendor == "postgresql")
            self.assertEqual(set(rare.values_list("title", flat=True)), {"whole", "scattered"})
        with mock.patch.object(search, "_gram_stats", return_value={}):
            self.assertFalse(search.is_common("default", "x", ["设备"]))  # no statistics yet
