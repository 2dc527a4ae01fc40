"""The cockpit's routes, included by ``dashboards/urls.py`` (namespace ``dashboards``)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.CockpitView.as_view(), name="cockpit"),
    path("cockpit/process/", views.CockpitProcessView.as_view(), name="cockpit_process"),
    path("cockpit/breakdown/", views.CockpitBreakdownView.as_view(), name="cockpit_breakdown"),
]
