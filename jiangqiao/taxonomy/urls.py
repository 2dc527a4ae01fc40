"""Pages of the taxonomy app, mounted at ``/taxonomy/``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "taxonomy"

urlpatterns = [
    path("", views.index, name="index"),
    path("picker/", views.picker, name="picker"),
    path("reload/", views.reload, name="reload"),
    path("<slug:scheme>/<str:code>/", views.term_detail, name="term_detail"),
]
