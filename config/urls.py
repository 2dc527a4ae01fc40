from __future__ import annotations

from django.urls import include, path

from jiangqiao.core.views.health import healthz, metrics_view

from .api import schema_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("jiangqiao.core.urls")),
    path("orgs/", include("jiangqiao.orgs.urls")),
    path("accounts/", include("jiangqiao.accounts.urls")),
    path("taxonomy/", include("jiangqiao.taxonomy.urls")),
    path("talents/", include("jiangqiao.talents.urls")),
    path("demands/", include("jiangqiao.demands.urls")),
    path("matching/", include("jiangqiao.matching.urls")),
    path("casework/", include("jiangqiao.casework.urls")),
    path("academy/", include("jiangqiao.academy.urls")),
    path("dashboards/", include("jiangqiao.dashboards.urls")),
    path("exchange/", include("jiangqiao.exchange.urls")),
    path("privacy/", include("jiangqiao.privacy.urls")),
    path("api/", include("config.api")),
    *schema_urlpatterns,
]

handler400 = "jiangqiao.core.views.errors.bad_request"
handler403 = "jiangqiao.core.views.errors.permission_denied"
handler404 = "jiangqiao.core.views.errors.page_not_found"
handler500 = "jiangqiao.core.views.errors.server_error"
