"""The person's own data-subject requests through the API (/api/v1/privacy/my-requests/):
another person's request is never listed, read or downloaded (404), the services' checks apply."""

from __future__ import annotations

import json

from rest_framework.test import APIClient

from jiangqiao.core.models import OperationLog
from jiangqiao.privacy import services
from jiangqiao.privacy.choices import RequestKind, RequestStatus
from jiangqiao.privacy.models import DataSubjectRequest

from .helpers import PrivacyWorld

URL = "/api/v1/privacy/my-requests/"


class MyRequestsApiTests(PrivacyWorld):
    def api(self, user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    def test_another_persons_request_is_404_everywhere(self) -> None:
        theirs = services.request_submit(actor=self.user_b, kind=RequestKind.ACCESS)
        for intruder in (self.user_a, self.staff, self.world.superuser):
            client = self.api(intruder)
            self.assertEqual(client.get(f"{URL}{theirs.pk}/").status_code, 404)
            self.assertEqual(client.get(f"{URL}{theirs.pk}/download/").status_code, 404)
            listed = [row["id"] for row in client.get(URL).json()["results"]]
            self.assertNotIn(theirs.pk, listed)
        self.assertEqual(DataSubjectRequest.objects.get(pk=theirs.pk).downloads, 0)
        self.assertIn(self.api(None).get(URL).status_code, (401, 403))

    def test_access_request_then_download_of_the_own_copy(self) -> None:
        client = self.api(self.user_a)
        response = client.post(URL, {"kind": "access"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["status"]["value"], RequestStatus.DONE)
        self.assertTrue(body["has_export"])
        download = client.get(f"{URL}{body['id']}/download/")
        self.assertEqual(download.status_code, 200)
        self.assertIn("no-store", download["Cache-Control"])
        self.assertIn("attachment", download["Content-Disposition"])
        copy = json.loads(download.content.decode("utf-8"))
        self.assertEqual(copy["劳模工匠档案"]["姓名"], "张主轴")
        self.assertNotIn(self.b.name, download.content.decode("utf-8"))
        self.assertTrue(
            OperationLog.objects.filter(
                action="下载本人个人信息副本", user=self.user_a, target_id=str(body["id"])
            ).exists()
        )
        listed = [row["id"] for row in client.get(URL).json()["results"]]
        self.assertEqual(listed, [body["id"]])

    def test_correction_and_deletion_wait_for_the_staff(self) -> None:
        client = self.api(self.user_a)
        response = client.post(
            URL,
            {
                "kind": "correct",
                "corrections": {"employer_name": "深圳新单位"},
                "details": "已换单位",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        dsr = DataSubjectRequest.objects.get(pk=response.json()["id"])
        self.assertEqual(
            (dsr.status, dsr.corrections),
            (RequestStatus.SUBMITTED, {"employer_name": "深圳新单位"}),
        )
        self.assertFalse(response.json()["has_export"])
        self.assertEqual(client.get(f"{URL}{dsr.pk}/download/").status_code, 400)
        deletion = client.post(URL, {"kind": "delete", "confirm": True}, format="json")
        self.assertEqual(deletion.status_code, 201, deletion.content)
        self.assertEqual(deletion.json()["kind"]["value"], RequestKind.DELETE)

    def test_bad_input_is_refused_in_chinese_and_nothing_saved(self) -> None:
        client = self.api(self.user_a)
        cases = [
            ({"kind": "steal"}, "kind"),
            ({"kind": "delete"}, "confirm"),
            ({"kind": "correct", "corrections": {"password": "x"}}, "更正字段"),
            ({"kind": "correct"}, "更正内容"),
            ({"kind": "access", "details": "长" * 1001}, "details"),
        ]
        for payload, where in cases:
            response = client.post(URL, payload, format="json")
            self.assertEqual(response.status_code, 400, (payload, response.content))
            self.assertIn(where, response.content.decode("utf-8"), payload)
        self.assertFalse(DataSubjectRequest.objects.filter(requester=self.user_a).exists())
        # A staff account has no data of its own to ask about.
        staff = self.api(self.staff).post(URL, {"kind": "access"}, format="json")
        self.assertEqual(staff.status_code, 400)
        self.assertIn("未关联", staff.content.decode("utf-8"))
