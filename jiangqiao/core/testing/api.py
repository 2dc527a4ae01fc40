"""The registered API endpoints, found by walking the URL resolver (tests iterate over them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL name with namespaces, e.g. "api:demands:demand-list"
    url: str  # the list URL, e.g. "/api/v1/demands/demands/"
    viewset: Any  # the viewset class

    @property
    def model(self) -> Any:
        queryset = getattr(self.viewset, "queryset", None)
        return getattr(queryset, "model", None)


def _walk(patterns: Any, namespace: str) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner.strip(":"))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}".strip(":"), pattern


def list_endpoints() -> list[Endpoint]:
    """Every router-registered list route under ``/api/`` (``GET`` → ``list``), once each."""
    seen: dict[str, Endpoint] = {}
    for name, pattern in _walk(get_resolver().url_patterns, ""):
        callback = pattern.callback
        actions = getattr(callback, "actions", None) or {}
        if not name.startswith("api:") or actions.get("get") != "list" or name in seen:
            continue
        seen[name] = Endpoint(name=name, url=reverse(name), viewset=callback.cls)  # type: ignore[attr-defined]
    return list(seen.values())
