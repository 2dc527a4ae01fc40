"""The change log's values in words: 「已办结」, not ``closed``; 「是」, not ``True``.

A snapshot (``core.changelog``) stores machine values: choice codes, term codes, ISO timestamps
in UTC, lists and dicts. :class:`ValueRenderer` turns them into what a user reads, using the
model field's metadata:

* choices → the label of the **current** model's choices; a code no longer offered reads
  ``code（已停用的选项）``;
* ``TermCodeField`` and JSON lists of term codes (declared in :data:`JSON_FIELDS`) → the term
  labels, looked up for a whole page at once (one query per scheme, cached);
* booleans → 是/否; datetimes → local time ``YYYY-MM-DD HH:MM``; dates → ``YYYY-MM-DD``;
  decimals as stored; empty → 「（空）」;
* lists → items joined with 「；」, dict items as ``label：value`` with the known sub-keys; JSON of
  any other shape → compact JSON (never Python ``repr``).

Technical fields (ids, versions, search and normalised copies, ``audit_exclude``) are hidden
(:func:`is_hidden`). References are not rendered here: ``core.audit_names`` resolves them through
the user's data scope, and JSON lists of keys (:class:`Refs`) are handed to it.
"""

from __future__ import annotations

import datetime
import importlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from .changelog import MASK, SKIP_FIELDS
from .textfields import RAW_INPUT_KEY

EMPTY = "（空）"
RETIRED = "（已停用的选项）"
ITEM_SEPARATOR = "；"
TERM_SEPARATOR = "、"

#: Never shown as a changed field, whatever the model.
HIDDEN_FIELDS = frozenset({"id", "pk", "version", "search_text"})
HIDDEN_SUFFIXES = ("_normalized",)

#: Where a change came from (``ChangeLog.source``, set by ``core.context``).
SOURCE_LABELS: dict[str, str] = {
    "web": "网页",
    "api": "接口",
    "import": "导入",
    "exchange": "数据交换",
    "command": "命令行",
    "job": "后台任务",
    "system": "系统",
}

#: Labels of sub-keys met in lists of dicts (a dict whose keys are all known reads ``label：value``).
KNOWN_KEYS: dict[str, str] = {
    "description": "问题",
    "result": "结果",
    "name": "名称",
    "title": "标题",
    "code": "代码",
    "label": "名称",
    "note": "备注",
    "comment": "说明",
    "reason": "原因",
    "count": "数量",
    "date": "日期",
    "status": "状态",
    "value": "值",
}


def source_label(code: str | None) -> str:
    """``web`` → 网页; an unknown source reads as its code, no source as 「—」."""
    if not code:
        return "—"
    return SOURCE_LABELS.get(code, code)


# ----------------------------------------------------------------------------------------------
# What a JSON field holds (JSON has no metadata of its own)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A JSON list of codes of a taxonomy scheme."""

    scheme: str


@dataclass(frozen=True)
class Refs:
    """A JSON list of keys of ``model`` (``app_label.ModelName``): named by ``core.audit_names``."""

    model: str


@dataclass(frozen=True)
class Items:
    """A JSON list of dicts shown as ``main（note）``, e.g. 「主轴异响（已解决）」.

    ``choices`` maps a sub-key to the dotted path of its ``TextChoices``.
    """

    main: str
    note: str = ""
    choices: dict[str, str] = field(default_factory=dict)


#: ``app_label.model_name`` → field → what the JSON holds. Add a model's JSON fields here.
JSON_FIELDS: dict[str, dict[str, Terms | Refs | Items]] = {
    "demands.demand": {
        "industry_codes": Terms("industry"),
        "preferred_craftsmen": Refs("talents.Craftsman"),
    },
    "talents.craftsman": {
        "industries": Terms("industry"),
        "occupations": Terms("occupation"),
        "expertise_tags": Terms("demand_category"),
        "service_modes": Terms("service_mode"),
        "regions_served": Terms("region"),
    },
    "talents.serviceitem": {"industries": Terms("industry"), "modes": Terms("service_mode")},
    "casework.servicerecord": {
        "activities": Terms("service_type"),
        "problems": Items(
            "description", "result", {"result": "jiangqiao.casework.choices.ProblemResult"}
        ),
    },
}


def json_spec(model: type[models.Model] | None, name: str) -> Terms | Refs | Items | None:
    if model is None:
        return None
    return JSON_FIELDS.get(model._meta.label_lower, {}).get(name)


def ref_model(spec: Refs) -> type[models.Model] | None:
    from django.apps import apps

    try:
        return apps.get_model(spec.model)
    except LookupError:
        return None


def _choices_of(path: str) -> dict[str, str]:
    module, _, name = path.rpartition(".")
    try:
        return {str(k): str(v) for k, v in getattr(importlib.import_module(module), name).choices}
    except (ImportError, AttributeError):
        return {}


# ----------------------------------------------------------------------------------------------
# Hidden fields
# ----------------------------------------------------------------------------------------------


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


def is_hidden(model: type[models.Model] | None, name: str) -> bool:
    """Ids, versions, search/normalised copies and fields the model keeps out of the log."""
    if name in HIDDEN_FIELDS or name in SKIP_FIELDS or name.endswith(HIDDEN_SUFFIXES):
        return True
    if model is None:
        return False
    if name in set(getattr(model, "audit_exclude", ())):
        return True
    f = _field(model, name)
    return bool(f is not None and getattr(f, "primary_key", False))


# ----------------------------------------------------------------------------------------------
# Plain values
# ----------------------------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def compact_json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    except (TypeError, ValueError):
        return str(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return EMPTY
    if isinstance(value, str | int | float):
        return str(value)
    return compact_json(value)


def _local_datetime(value: Any) -> str | None:
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _date(value: Any) -> str | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        return None


def _time(value: Any) -> str | None:
    try:
        return datetime.time.fromisoformat(str(value)).strftime("%H:%M")
    except ValueError:
        return None


def generic(value: Any) -> str:
    """A value of unknown meaning: lists joined with 「；」, known-key dicts as ``label：value``,
    anything else as compact JSON."""
    if is_empty(value):
        return EMPTY
    if isinstance(value, list):
        return ITEM_SEPARATOR.join(_item(v) for v in value)
    if isinstance(value, dict):
        return _item(value)
    return _scalar(value)


def _item(value: Any) -> str:
    if isinstance(value, dict):
        if value and all(k in KNOWN_KEYS for k in value):
            return "，".join(f"{KNOWN_KEYS[k]}：{_scalar(v)}" for k, v in value.items())
        return compact_json(value)
    if isinstance(value, list):
        return compact_json(value)
    return _scalar(value)


# ----------------------------------------------------------------------------------------------
# A page of values
# ----------------------------------------------------------------------------------------------


class ValueRenderer:
    """Renders the values of a page of change-log rows: :meth:`collect` every value first, then
    :meth:`render` (the term labels of the whole page are looked up once per scheme)."""

    def __init__(self) -> None:
        self._codes: dict[str, set[str]] = defaultdict(set)
        self._labels: dict[str, dict[str, str]] | None = None

    # -- planning ---------------------------------------------------------------------------

    def scheme(self, model: type[models.Model] | None, name: str) -> str | None:
        from jiangqiao.taxonomy.fields import TermCodeField

        f = _field(model, name)
        if isinstance(f, TermCodeField):
            return f.scheme
        spec = json_spec(model, name)
        return spec.scheme if isinstance(spec, Terms) else None

    def collect(self, model: type[models.Model] | None, name: str, value: Any) -> None:
        scheme = self.scheme(model, name)
        if scheme is None or is_empty(value):
            return
        values = value if isinstance(value, list) else [value]
        self._codes[scheme].update(str(v) for v in values if isinstance(v, str | int) and v != "")
        self._labels = None

    def _load(self) -> dict[str, dict[str, str]]:
        if self._labels is None:
            from jiangqiao.taxonomy.selectors import term_labels

            self._labels = {s: term_labels(s, sorted(c)) for s, c in self._codes.items() if c}
        return self._labels

    # -- rendering --------------------------------------------------------------------------

    def render(self, model: type[models.Model] | None, name: str, value: Any) -> str:
        if is_empty(value):
            return EMPTY
        if value == MASK:
            return MASK
        if name == RAW_INPUT_KEY and isinstance(value, dict):
            return self._raw_input(model, value)
        scheme = self.scheme(model, name)
        if scheme is not None:
            labels = self._load().get(scheme, {})
            values = value if isinstance(value, list) else [value]
            return TERM_SEPARATOR.join(labels.get(str(v), _scalar(v)) for v in values)
        spec = json_spec(model, name)
        if isinstance(spec, Items) and isinstance(value, list):
            return self._items(spec, value)
        f = _field(model, name)
        if f is None:
            return generic(value)
        return self._field_value(f, value)

    def _field_value(self, f: Any, value: Any) -> str:
        choices = getattr(f, "flatchoices", None) if getattr(f, "choices", None) else None
        if choices:
            labels = {str(k): str(v) for k, v in choices}
            if isinstance(value, list):
                return TERM_SEPARATOR.join(labels.get(str(v), f"{v}{RETIRED}") for v in value)
            return labels.get(str(value), f"{value}{RETIRED}")
        if isinstance(value, bool) or isinstance(f, models.BooleanField):
            return "是" if value in (True, "true", "True", 1) else "否"
        if isinstance(f, models.DateTimeField):
            return _local_datetime(value) or _scalar(value)
        if isinstance(f, models.DateField):
            return _date(value) or _scalar(value)
        if isinstance(f, models.TimeField):
            return _time(value) or _scalar(value)
        return generic(value)

    def _items(self, spec: Items, value: list[Any]) -> str:
        labels = {key: _choices_of(path) for key, path in spec.choices.items()}
        parts = []
        for item in value:
            if not isinstance(item, dict) or spec.main not in item:
                parts.append(_item(item))
                continue
            text = _scalar(item.get(spec.main))
            note = item.get(spec.note) if spec.note else None
            if not is_empty(note):
                known = labels.get(spec.note, {})
                text += f"（{known.get(str(note), _scalar(note))}）"
            parts.append(text)
        return ITEM_SEPARATOR.join(parts)

    def _raw_input(self, model: type[models.Model] | None, value: dict[str, Any]) -> str:
        parts = []
        for key, text in value.items():
            f = _field(model, key)
            label = str(getattr(f, "verbose_name", key)) if f is not None else key
            parts.append(f"{label}：{_scalar(text)}")
        return ITEM_SEPARATOR.join(parts)


def render_values(
    rows: Iterable[tuple[type[models.Model] | None, str, Any]],
) -> list[str]:
    """Render ``(model, field, value)`` triples (a convenience for a single batch)."""
    rows = list(rows)
    renderer = ValueRenderer()
    for model, name, value in rows:
        renderer.collect(model, name, value)
    return [renderer.render(model, name, value) for model, name, value in rows]
