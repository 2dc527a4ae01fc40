"""专长领域 (demand-category codes) move to the 2022 classes: profiles, index rows and input."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.talents.models import Craftsman, CraftsmanCode

from .helpers import make_craftsman


class ExpertiseTagMigrationTests(WorldTestCase):
    def test_old_tags_are_rewritten_in_the_profile_and_the_index(self) -> None:
        w = self.world
        c = make_craftsman(w.county_a1, w.province_admin, expertise_tags=["workforce.training"])
        old = ["tech.process", "skill.training", "innovation.studio", "culture.team_building"]
        Craftsman.objects.filter(pk=c.pk).update(expertise_tags=old)
        CraftsmanCode.objects.filter(craftsman=c, scheme="tag").delete()
        CraftsmanCode.objects.bulk_create(
            CraftsmanCode(craftsman=c, scheme="tag", code=t, key=t) for t in old
        )
        module = importlib.import_module("jiangqiao.talents.migrations.0003_expertise_tags_2022")
        module.forwards(apps, SimpleNamespace(connection=connection))
        c.refresh_from_db()
        new = [
            "innovate.process",
            "workforce.training",
            "workforce.studio",
            "operation.team_building",
        ]
        self.assertEqual(c.expertise_tags, new)
        rows = CraftsmanCode.objects.filter(craftsman=c, scheme="tag")
        self.assertEqual(sorted(rows.values_list("code", flat=True)), sorted(new))
        self.assertTrue(all(r.code == r.key for r in rows))

    def test_an_old_tag_typed_today_is_stored_as_its_new_code(self) -> None:
        w = self.world
        c = make_craftsman(w.county_a1, w.province_admin, expertise_tags=["tech.quality"])
        self.assertEqual(c.expertise_tags, ["innovate.quality"])
