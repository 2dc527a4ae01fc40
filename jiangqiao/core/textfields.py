"""The text policy: titles, names and descriptions are stored normalised, everywhere.

``NormalizedCharField`` / ``NormalizedTextField`` are the one mechanism. They run
:func:`jiangqiao.text.normalize` (NFKC and half width, traditional → simplified, pinyin glosses
such as ``貴陽(yang)`` dropped, whitespace collapsed; see that module) on the value

* in ``clean()`` — so ``full_clean`` (services, which every form, API call and import reaches)
  validates lengths and uniqueness on the stored form, and
* in ``pre_save()`` — so a ``save()`` or ``bulk_create`` that skipped ``full_clean`` (bulk
  imports, the exchange, demo generators, data migrations) stores the same string.

The same pasted text therefore looks the same on every page, however it came in. Only
``QuerySet.update()`` and ``bulk_update()`` bypass fields; code that writes free text with them
must pass values through ``normalize`` itself.

**The original is kept in the change log.** When normalising changes a value, the text as
typed is remembered on the instance (``text_originals``) and the change-log row of that save
records it under ``RAW_INPUT_KEY`` in ``postchange_data`` (``{field: text as typed}``). The
spreadsheet importers normalise cells while checking them; their original is the uploaded file
(``ImportJob`` keeps its name and SHA-256).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from jiangqiao.text import normalize

#: Key of a change-log snapshot holding ``{field name: text as typed}`` (only when it differed).
RAW_INPUT_KEY = "_raw_input"
_ORIGINALS = "_text_originals"


def text_originals(instance: models.Model) -> dict[str, str]:
    """``{field name: text as typed}`` of the fields whose value normalising changed since the
    last change-log row was written for ``instance``."""
    return dict(instance.__dict__.get(_ORIGINALS) or {})


def forget_originals(instance: models.Model) -> None:
    instance.__dict__.pop(_ORIGINALS, None)


class NormalizedTextMixin:
    """Normalise on ``clean`` and on ``pre_save`` (see the module docstring)."""

    keep_newlines = False
    name: str
    attname: str

    def normalized(self, value: Any, instance: models.Model | None = None) -> Any:
        if not isinstance(value, str):
            return value
        text = normalize(value, keep_newlines=self.keep_newlines)
        if text != value and instance is not None:
            instance.__dict__.setdefault(_ORIGINALS, {}).setdefault(self.name, value)
        return text

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        return super().clean(self.normalized(value, model_instance), model_instance)  # type: ignore[misc]

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.normalized(getattr(model_instance, self.attname), model_instance)
        setattr(model_instance, self.attname, value)
        return value


class NormalizedCharField(NormalizedTextMixin, models.CharField):  # type: ignore[type-arg]
    """A one-line name or title, stored normalised (line breaks become spaces)."""


class NormalizedTextField(NormalizedTextMixin, models.TextField):  # type: ignore[type-arg]
    """A description, stored normalised with its line breaks kept."""

    keep_newlines = True


def normalize_stored_rows(apps: Any, schema_editor: Any, models_: list[tuple[str, str]]) -> int:
    """Data migrations: normalise the text fields of every stored row of ``models_`` (pairs of
    app label and model name), writing one change-log row per changed row whose
    ``postchange_data`` keeps the text as it was stored (``RAW_INPUT_KEY``). Returns the count."""
    db = schema_editor.connection.alias
    change_log = apps.get_model("core", "ChangeLog")
    content_type = apps.get_model("contenttypes", "ContentType")
    changed_rows = 0
    for app_label, model_name in models_:
        model = apps.get_model(app_label, model_name)
        fields = [f for f in model._meta.concrete_fields if isinstance(f, NormalizedTextMixin)]
        if not fields:
            continue
        ct, _ = content_type.objects.using(db).get_or_create(
            app_label=app_label, model=model_name.lower()
        )
        names = [f.attname for f in fields]
        has_org = any(f.attname == "org_id" for f in model._meta.concrete_fields)
        wanted = ["pk", *names, *(["org_id"] if has_org else [])]
        logs = []
        for row in model.objects.using(db).values(*wanted).iterator(chunk_size=2000):
            new = {f.attname: f.normalized(row[f.attname]) for f in fields}
            raw = {k: row[k] for k, v in new.items() if v != row[k]}
            if not raw:
                continue
            model.objects.using(db).filter(pk=row["pk"]).update(**{k: new[k] for k in raw})
            logs.append(
                change_log(
                    user_name="",
                    source="system",
                    action="update",
                    content_type=ct,
                    object_id=str(row["pk"]),
                    object_repr=str(new.get("name") or new.get("title") or row["pk"])[:200],
                    org_id=row.get("org_id"),
                    prechange_data=raw,
                    postchange_data={**{k: new[k] for k in raw}, RAW_INPUT_KEY: raw},
                    message="文本规范化：按统一文本规则改写已存数据（原文见“原始输入”）",
                )
            )
            changed_rows += 1
        change_log.objects.using(db).bulk_create(logs, batch_size=1000)
    return changed_rows
