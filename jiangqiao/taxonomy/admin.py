"""Read-only admin for operators; the reference data is written only by the loader."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Term


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("scheme", "code", "name", "level", "parent_code", "version", "is_active")
    list_filter = ("scheme", "level", "is_active")
    search_fields = ("code", "name", "initials", "pinyin")
    ordering = ("scheme", "sort")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
