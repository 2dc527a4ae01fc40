"""The REST API under /api/v1/, one router per app, plus the OpenAPI schema and offline docs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

app_name = "api"

urlpatterns = [
    path("v1/orgs/", include("jiangqiao.orgs.api.urls")),
    path("v1/accounts/", include("jiangqiao.accounts.api.urls")),
    path("v1/logs/", include("jiangqiao.core.api.logs")),
    path("v1/imports/", include("jiangqiao.core.api.io")),
    path("v1/inbox/", include("jiangqiao.core.api.inbox")),
    path("v1/taxonomy/", include("jiangqiao.taxonomy.api.urls")),
    path("v1/talents/", include("jiangqiao.talents.api.urls")),
    path("v1/demands/", include("jiangqiao.demands.api.urls")),
    path("v1/matching/", include("jiangqiao.matching.api.urls")),
    path("v1/casework/", include("jiangqiao.casework.api.urls")),
    path("v1/academy/", include("jiangqiao.academy.api.urls")),
    path("v1/dashboards/", include("jiangqiao.dashboards.api.urls")),
    path("v1/exchange/", include("jiangqiao.exchange.api.urls")),
    path("v1/privacy/", include("jiangqiao.privacy.api.urls")),
]

# The schema lists every endpoint and field: only signed-in users (or API clients with a token)
# read it; the docs page sends a browser to the login page first.
# The split view serves Swagger UI's settings as a script file (``?script``), not inline: the
# Content-Security-Policy allows no inline script.
schema_urlpatterns = [
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    path(
        "api/docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", permission_classes=[IsAuthenticated]
            )
        ),
        name="api-docs",
    ),
]
