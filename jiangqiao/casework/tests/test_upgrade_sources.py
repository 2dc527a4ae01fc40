"""Skill upgrades as one record type for two sources (issue 15 point 6): the migration fills the
owning unit and the certificate date of existing session upgrades; the level rule; a training
upgrade has no session and a session upgrade must have one; upgrades follow their demand's unit
and a corrected session date; the training service stays in the actor's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jiangqiao.casework import services, sessions
from jiangqiao.casework.models import SkillUpgrade
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.migrations import latest_migrations, migrate_to
from jiangqiao.core.testing.personas import build_world

from .test_sessions import accepted_offer, confirmed_match, record_data

BEFORE = [("casework", "0008_session_participants"), ("academy", "0002_classes")]
UPGRADE = {"worker_code": "GH-0417", "occupation": "6-18-01-01", "level_after": "senior_worker"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_session_upgrades_their_unit_and_date() -> None:
    world = build_world()
    match = confirmed_match(world.county_a1, world.city_admin_a)
    day = timezone.localdate() - dt.timedelta(days=2)
    record = sessions.session_create(
        actor=world.city_admin_a, offer=accepted_offer(match), data=record_data(date=day)
    )
    latest = latest_migrations()
    try:
        executor = migrate_to(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        columns = {
            c.name
            for c in connection.introspection.get_table_description(
                connection.cursor(), "casework_skillupgrade"
            )
        }
        assert "org_id" not in columns and "issued_on" not in columns
        Old = old.get_model("casework", "SkillUpgrade")
        row = Old.objects.create(
            session_id=record.pk,
            worker_code="GH-0417",
            occupation="6-18-01-01",
            level_after="senior_worker",
        )
        migrate_to(latest)
    finally:
        migrate_to(latest)
    moved = SkillUpgrade.objects.get(pk=row.pk)
    assert moved.org_id == world.county_a1.pk == record.demand.org_id
    assert moved.issued_on == day
    assert (moved.source, moved.issuer, moved.session_id) == ("session", "", record.pk)
    # 0010 gives it its dedup keys and the once-a-year flag.
    assert moved.worker_key == f"{record.demand.enterprise_id}|GH-0417|6-18-01-01|senior_worker"
    assert moved.counted is True


class UpgradeSourceTests(WorldTestCase):
    def setUp(self) -> None:
        self.me = self.world.city_admin_a
        self.match = confirmed_match(self.world.county_a1, self.me)
        self.record = sessions.session_create(
            actor=self.me,
            offer=accepted_offer(self.match),
            data=record_data(date=timezone.localdate() - dt.timedelta(days=3)),
        )

    def add(self, **extra: Any) -> SkillUpgrade:
        return sessions.skill_upgrade_add(
            actor=self.me, record=self.record, data={**UPGRADE, **extra}
        )

    def training(self, actor: Any = None, **extra: Any) -> SkillUpgrade:
        values: dict[str, Any] = {
            "org": self.world.county_a1,
            "worker_code": "XY00000001",
            "occupation": "6-18-01-01",
            "level_before": "intermediate_worker",
            "level_after": "senior_worker",
            "certificate_no": "Y440300202600123",
            "issuer": "深圳市职业技能鉴定中心",
            "issued_on": timezone.localdate(),
            **extra,
        }
        return sessions.training_upgrade_record(actor=actor or self.me, **values)

    def test_a_session_upgrade_takes_the_demands_unit_and_the_sessions_date(self) -> None:
        row = self.add(issuer="深圳市职业技能鉴定中心")
        self.assertEqual(row.org_id, self.world.county_a1.pk)
        self.assertEqual(row.issued_on, self.record.date)
        self.assertEqual((row.source, row.issuer), ("session", "深圳市职业技能鉴定中心"))
        dated = self.add(worker_code="GH-2", issued_on=self.record.date - dt.timedelta(days=1))
        self.assertEqual(dated.issued_on, self.record.date - dt.timedelta(days=1))
        # A corrected session date moves the upgrades dated on the session's day, not the others.
        sessions.session_update(
            actor=self.me, record=self.record, data={"date": timezone.localdate()}
        )
        row.refresh_from_db()
        dated.refresh_from_db()
        self.assertEqual(row.issued_on, timezone.localdate())
        self.assertEqual(dated.issued_on, self.record.date - dt.timedelta(days=1))

    def test_equal_or_lower_levels_are_refused_naming_level_after(self) -> None:
        for before, after in (
            ("senior_worker", "senior_worker"),
            ("technician", "senior_worker"),
            ("senior_technician", "junior_worker"),
        ):
            with self.subTest(before=before, after=after):
                with self.assertRaises(BusinessError) as ctx:
                    self.add(level_before=before, level_after=after)
                self.assertEqual(ctx.exception.field, "level_after")
                with self.assertRaises(BusinessError) as ctx:
                    self.training(level_before=before, level_after=after)
                self.assertEqual(ctx.exception.field, "level_after")
        self.assertFalse(SkillUpgrade.objects.exists())
        self.assertEqual(self.add(level_before="junior_worker").level_after, "senior_worker")

    def test_a_training_upgrade_has_no_session_and_a_session_upgrade_must_have_one(self) -> None:
        row = self.training()
        self.assertEqual((row.source, row.session_id), ("training", None))
        with self.assertRaises(BusinessError) as ctx:
            self.training(worker_code="440305199001011234")
        self.assertEqual(ctx.exception.field, "worker_code")
        for field in ("certificate_no", "issuer", "issued_on"):
            with self.subTest(field=field), self.assertRaises(BusinessError) as ctx:
                self.training(**{field: ""})
            self.assertEqual(ctx.exception.field, field)
        with self.assertRaises(BusinessError) as ctx:
            self.training(issued_on=timezone.localdate() + dt.timedelta(days=1))
        self.assertEqual(ctx.exception.field, "issued_on")
        with self.assertRaises(IntegrityError), transaction.atomic():
            SkillUpgrade.objects.filter(pk=row.pk).update(source="session")
        with self.assertRaises(IntegrityError), transaction.atomic():
            SkillUpgrade.objects.filter(pk=self.add().pk).update(source="training")

    def test_a_training_upgrade_outside_the_actors_scope_is_not_written(self) -> None:
        from jiangqiao.core.scope import ScopeViolation

        with self.assertRaises(ScopeViolation):
            self.training(actor=self.world.city_admin_b)
        self.assertFalse(SkillUpgrade.objects.exists())

    def test_the_upgrades_follow_a_transferred_demand(self) -> None:
        row = self.add()
        services.demand_transfer(
            actor=self.world.province_admin,
            demand=self.record.demand,
            org=self.world.county_a2,
            comment="由宝安区承办",
        )
        row.refresh_from_db()
        self.assertEqual(row.org_id, self.world.county_a2.pk)


def reference_flags() -> dict[int, bool]:
    """The once-a-year rule computed from scratch over every record (the rule of docs/kpi.md §1,
    written out independently of ``upgrade_count``)."""
    seen: set[tuple[Any, ...]] = set()
    flags: dict[int, bool] = {}
    rows = SkillUpgrade.objects.order_by("issued_on", "pk").values_list(
        "pk",
        "issued_on",
        "source",
        "session__demand__enterprise_id",
        "worker_code",
        "occupation",
        "level_after",
        "certificate_no",
    )
    for pk, day, source, enterprise, code, occupation, level, certificate in rows:
        namespace = enterprise if source == "session" else source
        keys = {("w", day.year, namespace, code.upper(), occupation, level)}
        if certificate:
            keys.add(("c", day.year, certificate.upper(), occupation, level))
        flags[pk] = not (keys & seen)
        seen |= keys
    return flags


class OnceAYearFlagTests(WorldTestCase):
    """The ``counted`` flag kept on write equals a recount from scratch after a random mix of
    records, deletions and corrected dates — and so does ``recount_all``."""

    setUp = UpgradeSourceTests.setUp
    training = UpgradeSourceTests.training

    def stored(self) -> dict[int, bool]:
        return dict(SkillUpgrade.objects.values_list("pk", "counted"))

    def test_flags_kept_on_write_equal_a_recount_after_random_writes(self) -> None:
        import random

        from jiangqiao.casework import kpi, upgrade_count

        rng = random.Random(15)
        today = timezone.localdate()
        second = sessions.session_create(
            actor=self.me,
            offer=accepted_offer(confirmed_match(self.world.county_a1, self.me)),
            data=record_data(date=today - dt.timedelta(days=10)),
        )
        records = [self.record, second]
        codes, certificates = ["A1", "A2", "a1", "B7"], ["", "", "Z-1", "z-1", "Z-2"]
        levels = ["intermediate_worker", "senior_worker"]
        done = 0
        for step in range(60):
            op = rng.random()
            try:
                if op < 0.4:
                    self.training(
                        worker_code=f"XY{rng.choice(codes)}",
                        certificate_no=rng.choice(certificates[2:]),
                        level_before="junior_worker",
                        level_after=rng.choice(levels),
                        issued_on=today - dt.timedelta(days=rng.choice([0, 5, 40, 400])),
                    )
                elif op < 0.75:
                    sessions.skill_upgrade_add(
                        actor=self.me,
                        record=rng.choice(records),
                        data={
                            "worker_code": rng.choice(codes),
                            "occupation": "6-18-01-01",
                            "level_after": rng.choice(levels),
                            "certificate_no": rng.choice(certificates),
                        },
                    )
                elif op < 0.9:
                    victims = list(SkillUpgrade.objects.filter(source="session"))
                    if victims:
                        sessions.skill_upgrade_delete(actor=self.me, upgrade=rng.choice(victims))
                else:
                    record = rng.choice(records)
                    sessions.session_update(
                        actor=self.me,
                        record=record,
                        data={"date": today - dt.timedelta(days=rng.choice([1, 2, 20]))},
                    )
                    record.refresh_from_db()
            except BusinessError:
                continue  # a refused write (same worker twice in one session): nothing changed
            done += 1
            self.assertEqual(self.stored(), reference_flags(), f"step {step}")
        self.assertGreater(done, 40)
        self.assertIn(False, self.stored().values())  # the mix did produce duplicates
        # recount_all from wrong flags gives the same; the count reads the flags.
        SkillUpgrade.objects.update(counted=True)
        upgrade_count.recount_all()
        self.assertEqual(self.stored(), reference_flags())
        start, end = today - dt.timedelta(days=30), today
        counted = sum(
            1
            for pk, flag in reference_flags().items()
            if flag and start <= SkillUpgrade.objects.get(pk=pk).issued_on <= end
        )
        total = kpi.skill_upgrade_counts(user=self.me, start=start, end=end).total
        self.assertEqual(total, counted)
