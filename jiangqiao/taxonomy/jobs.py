"""Background job: reload the reference data from the files shipped in the repository."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.jobs import job_kind
from jiangqiao.core.models import Job

from .choices import Scheme
from .services import load_all


@job_kind(
    "reference_data_load", title="重新加载标准代码", permission="taxonomy.load_reference_data"
)
def reference_data_load(job: Job, progress: Any) -> dict[str, Any]:
    """Load scheme by scheme (each in its own transaction, idempotent), reporting progress."""
    schemes = list(Scheme.values)
    totals = {"created": 0, "updated": 0, "deactivated": 0}
    for i, scheme in enumerate(schemes):
        progress(i, len(schemes), f"正在加载 {Scheme(scheme).label}")
        result = load_all(schemes=[scheme])[scheme]
        for key in totals:
            totals[key] += result[key]
    progress(len(schemes), len(schemes), "全部加载完成")
    return {"schemes": len(schemes), **totals}
