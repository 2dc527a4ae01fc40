"""Which imports and exports exist. Apps register theirs from ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .engine import Importer
from .export import ExportSpec

IMPORTERS: dict[str, type[Importer]] = {}
EXPORTS: dict[str, ExportSpec] = {}
#: Functions ``obj → [records]`` telling where an object came from besides spreadsheet imports
#: (the exchange app registers the instances a record was received from).
PROVENANCE: list[Callable[[Any], list[Any]]] = []


def register_provenance(func: Callable[[Any], list[Any]]) -> None:
    if func not in PROVENANCE:
        PROVENANCE.append(func)


def register_importer(importer: type[Importer]) -> type[Importer]:
    IMPORTERS[importer.spec.key] = importer
    return importer


def register_export(spec: ExportSpec) -> ExportSpec:
    EXPORTS[spec.key] = spec
    return spec


def importer_class(key: str) -> type[Importer]:
    try:
        return IMPORTERS[key]
    except KeyError as exc:
        raise Http404("没有这种导入类型") from exc


def importers_for(user: Any) -> list[type[Importer]]:
    """Import kinds the user may use (add permission on the model)."""
    out = []
    for importer in IMPORTERS.values():
        meta = importer.model._meta
        if user.has_perm(f"{meta.app_label}.add_{meta.model_name}"):
            out.append(importer)
    return out


def check_importer(user: Any, key: str) -> type[Importer]:
    importer = importer_class(key)
    meta = importer.model._meta
    if not user.has_perm("core.add_importbatch"):
        # Adding one record (an enterprise contact's demand) is not bulk import.
        raise PermissionDenied("您没有批量导入数据的权限")
    if not user.has_perm(f"{meta.app_label}.add_{meta.model_name}"):
        raise PermissionDenied(f"您没有新增{meta.verbose_name}的权限，不能导入")
    return importer
