"""Data-scope matrix of the people's requests: a request sits in the unit that keeps the person's
data, and only that unit and the units above it see it (siblings never)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.orgs.models import Organization
from jiangqiao.privacy.choices import RequestKind, SubjectKind
from jiangqiao.privacy.models import DataSubjectRequest


class TestDataSubjectRequestScope(DataScopeMatrixTests):
    __test__ = True
    model = DataSubjectRequest

    def make_row(self, unit: Organization, owner: Any) -> DataSubjectRequest:
        return DataSubjectRequest.objects.create(
            org=unit,
            kind=RequestKind.CORRECT,
            subject_kind=SubjectKind.CRAFTSMAN,
            requester=owner,
            requester_name=f"{unit.name}的申请人",
            due_date=timezone.localdate() + dt.timedelta(days=15),
            created_by=owner,
            updated_by=owner,
        )
