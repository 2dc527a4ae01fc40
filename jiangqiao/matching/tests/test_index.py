"""The process index: built from the database, updated incrementally, vectors stored and reused."""

from __future__ import annotations

import pytest
from django.test import TestCase

from jiangqiao.core.testing.personas import build_world
from jiangqiao.matching import indexing, selectors, services
from jiangqiao.matching.evidence import expert_for, load_craftsmen, query_for, skill_level_no
from jiangqiao.matching.indexing import HOLDER, IndexHolder, IndexNotReady
from jiangqiao.matching.models import CraftsmanEmbedding, DemandEmbedding
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import ServiceItem

from .helpers import CountingEncoder, craftsman, index_trio, open_demand


class IndexTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        w = cls.world
        cls.welder, cls.cnc, cls.painter = index_trio(w)
        cls.demand = open_demand(
            w.county_a1,
            w.city_admin_a,
            title="激光切割机精度下降",
            description="激光切割机切割精度下降，需要激光设备调校专家",
        )

    def setUp(self) -> None:
        self.encoder = CountingEncoder()
        indexing.set_encoder(self.encoder)

    def top_ids(self) -> list[int]:
        ranked = selectors.demand_ranking(user=self.world.city_admin_a, demand=self.demand, top=5)
        return [r.craftsman_id for r in ranked]

    def test_first_build_encodes_and_stores_every_item(self) -> None:
        self.top_ids()
        stored = {e.craftsman_id: e for e in CraftsmanEmbedding.objects.all()}
        self.assertEqual(set(stored), {self.welder.pk, self.cnc.pk, self.painter.pk})
        self.assertEqual(len(stored[self.cnc.pk].item_hashes), len(stored[self.cnc.pk].as_array()))
        # expertise + skills + 2 service items for the first two, 1 item for the painter
        self.assertEqual(self.encoder.calls, sum(len(e.item_hashes) for e in stored.values()) + 1)
        demand_vector = DemandEmbedding.objects.get(demand=self.demand)
        self.assertEqual(demand_vector.model, self.encoder.name)
        self.assertIsNotNone(demand_vector.as_array())

    def test_editing_a_service_item_reencodes_only_that_item(self) -> None:
        self.assertNotEqual(self.top_ids()[0], self.painter.pk)
        built = HOLDER.peek()
        assert built is not None
        self.encoder.texts.clear()
        item = ServiceItem.objects.get(craftsman=self.painter)
        talent_services.service_item_update(
            actor=self.world.city_admin_a,
            item=item,
            data={"title": "激光切割机精度调校", "description": "激光切割设备光路与精度调校"},
        )
        ids = self.top_ids()
        self.assertEqual(ids[0], self.painter.pk)
        self.assertIs(HOLDER.peek(), built, "the index was updated in place, not rebuilt")
        self.assertEqual(built.last_changed, 1)
        # only the changed item was encoded (the demand's vector is stored already)
        self.assertEqual(len(self.encoder.texts), 1)
        self.assertIn("激光切割机精度调校", self.encoder.texts[0])

    def test_another_process_builds_from_stored_vectors_without_encoding(self) -> None:
        self.top_ids()
        self.encoder.texts.clear()
        other = IndexHolder()
        state = other.get()
        self.assertEqual(len(state.experts), 3)
        self.assertEqual(self.encoder.calls, 0)

    def test_another_process_picks_up_an_edit_through_the_database(self) -> None:
        other = IndexHolder()
        other.get()
        talent_services.craftsman_update(
            actor=self.world.city_admin_a,
            craftsman=self.welder,
            data={"expertise": "激光切割设备调校"},
        )
        state = other.get()
        self.assertEqual(state.last_changed, 1)
        evidence = [
            e.text
            for e in state.experts.experts[state.experts.position[str(self.welder.pk)]].evidence
        ]
        self.assertTrue(any("激光切割设备调校" in t for t in evidence))

    def test_paused_and_removed_craftsmen_leave_the_index(self) -> None:
        self.top_ids()
        talent_services.craftsman_set_status(
            actor=self.world.city_admin_a,
            craftsman=self.cnc,
            status="inactive",
            reason="退休",
        )
        self.assertNotIn(self.cnc.pk, self.top_ids())
        state = HOLDER.peek()
        assert state is not None
        self.assertNotIn(str(self.cnc.pk), state.experts.position)

    def test_too_many_missing_vectors_wait_for_the_background_job(self) -> None:
        with (
            self.settings(JIANGQIAO_MATCH_INLINE_ENCODE_MAX=2),
            self.assertRaises(IndexNotReady) as caught,
        ):
            self.top_ids()
        self.assertGreater(caught.exception.missing, 2)
        indexing.embed_missing()
        HOLDER.reset()
        with self.settings(JIANGQIAO_MATCH_INLINE_ENCODE_MAX=2):
            self.assertEqual(len(self.top_ids()), 3)

    def test_saving_a_demand_stores_its_vector_after_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            demand = open_demand(self.world.county_a1, self.world.city_admin_a, title="注塑模具")
        record = DemandEmbedding.objects.get(demand=demand)
        self.assertEqual(record.model, self.encoder.name)
        self.assertGreaterEqual(record.encode_ms, 0)

    def test_adding_a_service_item_stores_the_craftsman_vectors_after_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            talent_services.service_item_add(
                actor=self.world.city_admin_a,
                craftsman=self.welder,
                data={"title": "机器人焊接编程", "service_type": "tech_service"},
            )
        record = CraftsmanEmbedding.objects.get(craftsman=self.welder)
        self.assertEqual(len(record.item_hashes), 5)

    def test_rows_become_engine_records(self) -> None:
        row = load_craftsmen([self.cnc.pk])[0]
        expert = expert_for(row)
        self.assertEqual(expert.skill_level, 2)  # technician = 二级/技师
        self.assertEqual(expert.modes, ["现场指导"])
        self.assertEqual(expert.region, "440305")
        self.assertEqual(expert.capacity, 3)
        self.assertEqual([e.kind for e in expert.evidence][-2:], ["service_item", "service_item"])
        query = query_for(self.demand)
        self.assertIs(query.onsite, None)
        self.assertEqual(query.industries, ["3411"])
        self.assertEqual(skill_level_no("senior_technician"), 1)
        self.assertEqual(skill_level_no("apprentice"), 5)


@pytest.mark.django_db
def test_refresh_of_embeddings_is_idempotent(world) -> None:
    encoder = CountingEncoder()
    indexing.set_encoder(encoder)
    c = craftsman(world.county_a1, world.city_admin_a, items=["数控系统维修"])
    services.embeddings_refresh(craftsman_ids=[c.pk])
    first = encoder.calls
    services.embeddings_refresh(craftsman_ids=[c.pk])
    assert first > 0 and encoder.calls == first
