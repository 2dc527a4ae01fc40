"""The limiter and the log of duplicate checks that match other units' records (core/probes.py)."""

from __future__ import annotations

import time
from unittest import mock

from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIRequestFactory

from jiangqiao.core import probes
from jiangqiao.core.api.exceptions import exception_handler
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.orgs.models import Organization


def keys(*numbers: int) -> probes.Hits:
    return probes.Hits(keys={f"talents.craftsman:{n}" for n in numbers})


@override_settings(JIANGQIAO_FOREIGN_MATCH_LIMIT=3, JIANGQIAO_FOREIGN_MATCH_WINDOW_MINUTES=10)
class TestLimiter(WorldTestCase):
    def test_distinct_records_are_counted_and_the_one_over_the_limit_is_refused(self) -> None:
        user = self.world.city_admin_b
        keys(1, 2).charge(user)
        keys(1, 2, 3).charge(user)  # 1 and 2 again: nothing new learnt, counted once
        self.assertEqual(probes.retry_after(user), 0)
        probes.guard(user)
        over = keys(4)
        with self.assertRaises(probes.ProbeLimited) as refused:
            over.charge(user)
        self.assertTrue(over.limited)
        self.assertIs(refused.exception.hits, over)
        self.assertIn("3 条", refused.exception.message)
        self.assertIn("10 分钟", refused.exception.message)
        self.assertTrue(0 < refused.exception.retry_after <= 600)
        # From now on every check is refused up front, whether it would match or not.
        with self.assertRaises(probes.ProbeLimited):
            probes.guard(user)
        with self.assertRaises(probes.ProbeLimited):
            keys(1).charge(user)
        # Other users are not affected.
        probes.guard(self.world.city_admin_a)
        keys(1, 2, 3).charge(self.world.city_admin_a)

    def test_the_window_ends(self) -> None:
        user = self.world.city_admin_b
        with self.assertRaises(probes.ProbeLimited):
            keys(1, 2, 3, 4, 5).charge(user)
        later = time.time() + 10 * 60 + 1
        with mock.patch("jiangqiao.core.probes._now", return_value=later):
            probes.guard(user)
            keys(6, 7).charge(user)

    def test_an_empty_request_and_an_anonymous_user_count_nothing(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        probes.Hits().charge(self.world.city_admin_b)
        keys(1, 2, 3, 4).charge(AnonymousUser())
        self.assertEqual(probes.retry_after(self.world.city_admin_b), 0)

    @override_settings(JIANGQIAO_FOREIGN_MATCH_LIMIT=0)
    def test_a_limit_of_zero_refuses_the_first_match(self) -> None:
        with self.assertRaises(probes.ProbeLimited):
            keys(1).charge(self.world.city_admin_b)


class TestLog(WorldTestCase):
    def test_one_row_with_the_count_and_only_once(self) -> None:
        user = self.world.city_admin_b
        hits = keys(1, 2, 3)
        hits.log(user, module="数据导入", what="检查导入的劳模工匠“a.xlsx”", noun="人员")
        hits.log(user, module="数据导入", what="检查导入的劳模工匠“a.xlsx”", noun="人员")
        probes.Hits().log(user, module="数据导入", what="x", noun="人员")  # nothing matched
        row = OperationLog.objects.get(business_type="view_sensitive")
        self.assertEqual(row.extra["hits"], 3)
        self.assertEqual((row.status, row.user, row.org_id), ("success", user, user.org_id))
        self.assertIn("3 条", row.action)
        self.assertIn("未显示其内容", row.action)

    def test_a_service_refusing_a_foreign_match_is_logged_after_its_rollback(self) -> None:
        user = self.world.city_admin_b
        theirs = self.world.county_a1

        @probes.logs_foreign_matches
        @transaction.atomic
        def service(*, actor: object) -> None:
            Organization.objects.filter(pk=theirs.pk).update(name="改过的名字")
            probes.refuse_foreign(
                actor,
                theirs,
                field="uscc",
                label="统一社会信用代码",
                noun="企业",
                module="企业",
                what="登记或修改企业",
            )

        with self.assertRaises(probes.ForeignMatch) as refused:
            service(actor=user)
        self.assertEqual(
            refused.exception.message,
            "统一社会信用代码：该企业已在其他单位登记，请联系其所属工会处理",
        )
        self.assertEqual(Organization.objects.get(pk=theirs.pk).name, theirs.name)  # rolled back
        row = OperationLog.objects.get(business_type="view_sensitive")  # … the log is not
        self.assertEqual((row.extra["hits"], row.module), (1, "企业"))

    def test_the_api_answers_409_and_429(self) -> None:
        request = APIRequestFactory().get("/")
        foreign = probes.ForeignMatch(
            "身份证号：该人员已在其他单位登记", field="id_number", hits=keys(1)
        )
        response = exception_handler(foreign, {"request": request})
        assert response is not None
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data, {"detail": foreign.message, "field": "id_number"})
        limited = exception_handler(probes.ProbeLimited(90), {"request": request})
        assert limited is not None
        self.assertEqual((limited.status_code, limited["Retry-After"]), (429, "90"))
        self.assertIn("约 2 分钟后再试", limited.data["detail"])
