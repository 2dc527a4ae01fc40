"""Data migrations to the 2022 demand categories: every stored old code is rewritten."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.demands.models import Demand
from jiangqiao.taxonomy.codelists import LEGACY_DEMAND_CATEGORIES
from jiangqiao.taxonomy.selectors import term_info

from .factories import make_demand, make_enterprise


def run(app: str, name: str) -> None:
    module = importlib.import_module(f"jiangqiao.{app}.migrations.{name}")
    module.forwards(apps, SimpleNamespace(connection=connection))


class DemandCategoryMigrationTests(WorldTestCase):
    def test_every_old_code_is_rewritten_and_none_is_left(self) -> None:
        ent = make_enterprise(self.world.county_a1)
        old = [
            ("tech", "tech.energy"),
            ("innovation", "innovation.studio"),
            ("culture", ""),
            ("safety", "safety.environment"),
            ("", ""),
            ("workforce", "workforce.training"),  # already current: untouched
        ]
        made = [make_demand(ent, category=c, subcategory=s) for c, s in old]
        run("demands", "0007_demand_categories_2022")
        got = [Demand.objects.values_list("category", "subcategory").get(pk=d.pk) for d in made]
        self.assertEqual(
            got,
            [
                ("green", "green.energy"),
                ("workforce", "workforce.studio"),
                ("workforce", ""),
                ("green", "green.environment"),
                ("", ""),
                ("workforce", "workforce.training"),
            ],
        )
        stored = set(Demand.objects.values_list("category", flat=True)) | set(
            Demand.objects.values_list("subcategory", flat=True)
        )
        self.assertFalse(stored & set(LEGACY_DEMAND_CATEGORIES))
        for code in stored - {""}:
            self.assertIsNotNone(term_info("demand_category", code), code)
