from __future__ import annotations

import pytest
from django.urls import reverse

from jiangqiao.accounts.models import Role
from jiangqiao.core.choices import JobStatus
from jiangqiao.core.models import Job
from jiangqiao.core.testing.personas import make_user
from jiangqiao.taxonomy.models import Term

pytestmark = pytest.mark.django_db


def test_system_admin_reloads_reference_data_as_a_job(
    client, world, django_capture_on_commit_callbacks
):
    admin = make_user("sysadmin_t", world.province, Role.objects.get(code="system_admin"))
    before = Term.objects.count()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("taxonomy:reload"))
    job = Job.objects.get(kind="reference_data_load")
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.percent == 100
    assert job.result["created"] == 0 and job.result["schemes"] == 15  # with 课程领域 (academy)
    assert Term.objects.count() == before


def test_others_may_not_reload(client, world):
    client.force_login(world.city_admin_a)
    # The test role holds every grantable permission; take a union staff account instead.
    staff = make_user("staff_t", world.city_a, Role.objects.get(code="union_staff"))
    client.force_login(staff)
    assert client.post(reverse("taxonomy:reload")).status_code == 403
    assert client.get(reverse("taxonomy:reload")).status_code == 405
    assert not Job.objects.filter(kind="reference_data_load").exists()
