"""The system administrator's panel of reference data (collected by ``core.home.autodiscover``):
each scheme's loaded version against the version this release ships, with its number of
entries linking to the scheme's page. A scheme not at the shipped version is flagged: reload
the reference data (``manage.py load_reference_data`` or the page's 重新加载)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.home import HomePanel, register

from .selectors import scheme_versions


def versions_context(request: Any) -> dict[str, Any]:
    rows = scheme_versions()
    return {
        "rows": rows,
        "outdated": sum(1 for r in rows if not r.current),
        "last_loaded": max((r.loaded_at for r in rows if r.loaded_at), default=None),
    }


register(
    HomePanel(
        "taxonomy.versions",
        "标准代码版本",
        template="taxonomy/home/_versions.html",
        context=versions_context,
        permission="taxonomy.load_reference_data",
        weight=550,
        width="col-lg-6",
    )
)
