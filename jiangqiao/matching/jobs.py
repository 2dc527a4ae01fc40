"""Background jobs of the matching app (registered with ``@job_kind``)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.jobs import JobCancelled, job_kind
from jiangqiao.core.models import Job

from .choices import RunStatus
from .services import EMBED_JOB_KIND, RUN_JOB_KIND


@job_kind(RUN_JOB_KIND, title="平台匹配", permission="matching.add_matchrun")
def platform_run(job: Job, progress: Any) -> dict[str, Any]:
    """平台匹配 over the open demands of the run's organisation subtree."""
    from .models import MatchRun
    from .services import platform_run_execute, run_mark_finished

    run = MatchRun.objects.select_related("org", "created_by").get(pk=job.params["run_id"])
    if run.job_id != job.pk:
        # 重新运行 from the job page: the run follows its newest job.
        MatchRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
    try:
        return platform_run_execute(run, progress)
    except JobCancelled:
        run_mark_finished(run.pk, RunStatus.CANCELLED, "已取消")
        raise
    except Exception as exc:
        run_mark_finished(run.pk, RunStatus.FAILED, getattr(exc, "message", None) or str(exc))
        raise


@job_kind(EMBED_JOB_KIND, title="计算劳模工匠语义向量")
def embed_craftsmen(job: Job, progress: Any) -> dict[str, Any]:
    """Encode the evidence items of every craftsman whose stored vectors are missing or stale."""
    from .indexing import embed_missing

    return embed_missing(progress=progress)
