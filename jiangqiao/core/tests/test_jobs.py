"""Background jobs: progress, cancel, visible failure, retry; RQ backend on Redis."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from jiangqiao.core import jobs
from jiangqiao.core.choices import JobStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Job
from jiangqiao.orgs.models import Organization

pytestmark = pytest.mark.django_db


@jobs.job_kind("test_count", title="测试：计数")
def _count_job(job, progress):
    total = int(job.params.get("n", 3))
    for i in range(total):
        progress(i + 1, total, f"第 {i + 1} 步")
    return {"counted": total}


@jobs.job_kind("test_fail", title="测试：失败")
def _fail_job(job, progress):
    progress(1, 2, "开始")
    raise BusinessError("导入文件第 3 行格式错误")


@jobs.job_kind("test_writes_then_fails", title="测试：写入后失败")
def _writes_then_fails(job, progress):
    from django.db import transaction

    with transaction.atomic():
        Organization.objects.filter(pk=job.params["org"]).update(remark="被任务修改")
        raise RuntimeError("进程被杀")


def _run(job, django_capture_on_commit_callbacks):
    return Job.objects.get(pk=job.pk)


def test_job_runs_with_progress_and_result(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(actor=world.city_admin_a, kind="test_count", params={"n": 4})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert job.result == {"counted": 4}
    assert job.org_id == world.city_a.pk


def test_failure_is_recorded_and_shown(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(actor=world.city_admin_a, kind="test_fail")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "第 3 行" in job.message
    client.force_login(world.city_admin_a)
    page = client.get(reverse("core:job_detail", args=[job.pk]))
    assert "任务失败" in page.content.decode() and "第 3 行" in page.content.decode()


def test_a_crashed_job_leaves_no_partial_write(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(
            actor=world.city_admin_a,
            kind="test_writes_then_fails",
            params={"org": world.county_a1.pk},
        )
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED
    assert Organization.objects.get(pk=world.county_a1.pk).remark == ""


def test_cancel_a_queued_job(world):
    job = jobs.job_start(
        actor=world.city_admin_a, kind="test_count"
    )  # not committed → stays queued
    jobs.job_cancel(actor=world.city_admin_a, job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    jobs.execute(job.pk)  # the worker picks it up later: it must not run
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED


def test_cancel_a_running_job_stops_it(world):
    job = jobs.job_start(actor=world.city_admin_a, kind="test_count", params={"n": 5})
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.done == 1  # stopped at the first progress report


def test_retry_runs_again(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(actor=world.city_admin_a, kind="test_fail")
    with django_capture_on_commit_callbacks(execute=True):
        again = jobs.job_retry(actor=world.city_admin_a, job=Job.objects.get(pk=job.pk))
    assert again.pk != job.pk and again.kind == "test_fail"


def test_progress_partial_polls_until_finished(client, world):
    job = jobs.job_start(actor=world.city_admin_a, kind="test_count")
    client.force_login(world.city_admin_a)
    partial = client.get(reverse("core:job_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    jobs.execute(job.pk)
    partial = client.get(reverse("core:job_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.content.decode()
    assert "100%" in partial.content.decode()


def test_jobs_are_scoped(client, world):
    job = jobs.job_start(actor=world.city_admin_a, kind="test_count")
    client.force_login(world.city_admin_b)
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("core:job_cancel", args=[job.pk])).status_code == 404
    assert Job.objects.get(pk=job.pk).cancel_requested is False


def test_unknown_kind_is_rejected(world):
    with pytest.raises(BusinessError):
        jobs.job_start(actor=world.city_admin_a, kind="nope")


def _redis_available() -> bool:
    import redis

    try:
        redis.Redis.from_url(
            os.environ.get("JIANGQIAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        ).ping()
    except redis.exceptions.ConnectionError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_rq_backend_runs_a_job_through_redis(world, settings):
    """The production backend: enqueue through django-tasks-rq, run a burst worker, see the result."""
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis at 127.0.0.1:6379 is required in CI for the RQ backend test")
        pytest.skip("Redis not reachable on this laptop; the RQ backend is tested in CI")
    import django_rq
    from rq import SimpleWorker

    from jiangqiao.core.tasks import run_job

    # A database of its own; CI's PostgreSQL pass, running beside the SQLite one, uses another.
    url = os.environ.get("JIANGQIAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq"]
    # django-tasks resets its backends on the setting_changed signal sent by ``settings``.
    try:
        queue = django_rq.get_queue("default")
        queue.empty()
        job = Job.objects.create(
            kind="test_count",
            title="rq",
            params={"n": 2},
            org=world.city_a,
            created_by=world.city_admin_a,
        )
        result = run_job.using(backend="default").enqueue(job.pk)
        assert queue.count == 1
        # SimpleWorker runs the job in this process: the SQLite test database is in memory.
        django_rq.get_worker(
            "default", job_class="django_tasks_rq.backend.Job", worker_class=SimpleWorker
        ).work(burst=True)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result == {"counted": 2}
        assert result.id
    finally:
        django_rq.get_queue("default").empty()
