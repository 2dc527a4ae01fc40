"""No duplicates from the browser (issue 14, point 4).

Every create page carries a one-time token (``core.submissions``): replaying the same POST —
double click, reload, back and resubmit — creates nothing new and redirects to the first result
saying “该表单已提交过”. Checked here on a generic create view and on the import commit; the
phone demand form in ``demands/tests/test_double_submission.py``.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.messages import get_messages
from django.urls import reverse

from jiangqiao.accounts.models import Role
from jiangqiao.core import submissions
from jiangqiao.core.choices import ImportStatus
from jiangqiao.core.models import FormSubmission, ImportAlias, ImportBatch
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user
from jiangqiao.core.testing.sheets import xlsx
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import id_number

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def token_of(html: str) -> str:
    found = TOKEN.search(html)
    return found.group(1) if found else ""


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestGenericCreateView(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.admin = make_user("sysadm", self.world.province, Role.objects.get(code="system_admin"))
        self.client.force_login(self.admin)
        self.url = reverse("core:importalias_create")

    def data(self, token: str, alias: str = "人员名称") -> dict[str, str]:
        return {"target": "talents.craftsman|name", "alias": alias, "form_token": token}

    def test_the_create_page_carries_a_token_and_the_edit_page_none(self) -> None:
        token = token_of(self.client.get(self.url).content.decode())
        self.assertTrue(token)
        self.assertNotEqual(token, token_of(self.client.get(self.url).content.decode()))
        self.client.post(self.url, self.data(token))
        row = ImportAlias.objects.get()
        edit = self.client.get(reverse("core:importalias_edit", args=[row.pk]))
        self.assertEqual(token_of(edit.content.decode()), "")

    def test_replaying_the_same_post_creates_one_record(self) -> None:
        token = token_of(self.client.get(self.url).content.decode())
        first = self.client.post(self.url, self.data(token))
        second = self.client.post(self.url, self.data(token))
        third = self.client.post(self.url, self.data(token, alias="别的名称"))  # back, edit, resend
        self.assertEqual(ImportAlias.objects.count(), 1)
        self.assertEqual(first.status_code, 302)
        for again in (second, third):
            self.assertEqual(again.status_code, 302)
            self.assertEqual(again["Location"], first["Location"])
            self.assertIn(submissions.REPLAYED_MESSAGE, said(again))
        page = self.client.get(first["Location"])  # the result is a GET: reload freely
        self.assertEqual(page.status_code, 200)
        self.assertEqual(ImportAlias.objects.count(), 1)

    def test_a_refused_post_gives_the_token_back(self) -> None:
        token = token_of(self.client.get(self.url).content.decode())
        bad = self.client.post(self.url, self.data(token, alias="身份证号"))  # clashes
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(token_of(bad.content.decode()), token)
        self.assertFalse(FormSubmission.objects.exists())
        good = self.client.post(self.url, self.data(token))
        self.assertEqual(good.status_code, 302)
        self.assertEqual(ImportAlias.objects.count(), 1)

    def test_a_forged_or_foreign_token_is_refused_with_a_fresh_one(self) -> None:
        other = submissions.token_new(user=self.world.city_admin_a)
        for token in (other, "forged"):
            response = self.client.post(self.url, self.data(token))
            self.assertEqual(response.status_code, 400)
            self.assertIn("重新提交", response.content.decode())
            fresh = token_of(response.content.decode())
            self.assertTrue(fresh and fresh != token)
        self.assertFalse(ImportAlias.objects.exists())

    def test_a_post_without_token_still_works(self) -> None:
        self.assertEqual(self.client.post(self.url, self.data("")).status_code, 302)
        self.assertEqual(ImportAlias.objects.count(), 1)


class TestImportCommitOnce(WorldTestCase):
    def test_replaying_the_commit_imports_once(self) -> None:
        from jiangqiao.core.io import services as io_services

        user = self.world.city_admin_a
        self.login(user)
        data = xlsx([["姓名", "身份证号"], ["郑工", id_number(371)]])
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="a.xlsx", data=data
        )
        io_services.import_check(actor=user, batch=batch)
        token = token_of(self.client.get(batch.get_absolute_url()).content.decode())
        self.assertTrue(token)
        action = reverse("core:import_action", args=[batch.pk])
        post = {"action": "commit", "mode": "all", "policy": "fill", "form_token": token}
        first = self.client.post(action, post)
        second = self.client.post(action, post)
        self.assertEqual(first["Location"], batch.get_absolute_url())
        self.assertEqual(second["Location"], batch.get_absolute_url())
        self.assertIn(submissions.REPLAYED_MESSAGE, said(second))
        self.assertNotIn("该批次已导入，不能再修改", said(second))
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        self.assertEqual(Craftsman.objects.filter(name="郑工").count(), 1)
        self.assertEqual(ImportBatch.objects.count(), 1)
