"""Data-scope matrices of the casework models: each follows the demand's (or the agreement's) unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from jiangqiao.casework.models import Agreement, ContactAttempt, FollowUp, Offer, Outcome
from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.matching.tests.helpers import craftsman, enterprise, open_demand
from jiangqiao.orgs.models import Organization


def make_offer(unit: Organization, owner: Any, **fields: Any) -> Offer:
    now = timezone.now()
    return Offer.objects.create(
        demand=open_demand(unit, owner, status="matching"),
        craftsman=craftsman(unit, owner),
        source="suggestion",
        offered_at=now,
        accept_deadline=now,
        created_by=owner,
        updated_by=owner,
        **fields,
    )


class TestOfferScope(DataScopeMatrixTests):
    __test__ = True
    model = Offer

    def make_row(self, unit: Organization, owner: Any) -> Offer:
        return make_offer(unit, owner)


class TestContactAttemptScope(DataScopeMatrixTests):
    __test__ = True
    model = ContactAttempt

    def make_row(self, unit: Organization, owner: Any) -> ContactAttempt:
        offer = make_offer(unit, owner, status="accepted")
        return ContactAttempt.objects.create(
            demand=offer.demand,
            offer=offer,
            at=timezone.now(),
            channel="phone",
            created_by=owner,
            updated_by=owner,
        )


class TestOutcomeScope(DataScopeMatrixTests):
    __test__ = True
    model = Outcome

    def make_row(self, unit: Organization, owner: Any) -> Outcome:
        return Outcome.objects.create(
            demand=open_demand(unit, owner, status="resolved"),
            result="solved",
            summary="已修复",
            recorded_at=timezone.now(),
            created_by=owner,
            updated_by=owner,
        )


class TestFollowUpScope(DataScopeMatrixTests):
    __test__ = True
    model = FollowUp

    def make_row(self, unit: Organization, owner: Any) -> FollowUp:
        return FollowUp.objects.create(
            demand=open_demand(unit, owner, status="confirmed"),
            kind="d90",
            due_on=dt.date(2026, 3, 1),
            created_by=owner,
            updated_by=owner,
        )


class TestAgreementScope(DataScopeMatrixTests):
    __test__ = True
    model = Agreement

    def make_row(self, unit: Organization, owner: Any) -> Agreement:
        return Agreement.objects.create(
            org=unit,
            enterprise=enterprise(unit, owner),
            craftsman=craftsman(unit, owner),
            title="结对",
            scope_text="巡检",
            start_on=dt.date(2026, 1, 1),
            end_on=dt.date(2026, 12, 31),
            next_review_on=dt.date(2026, 4, 1),
            created_by=owner,
            updated_by=owner,
        )
