"""The exchange format: constants, record ids, tags, canonical JSON, fingerprints and PII forms.

A file is JSON Lines: line 1 is the header, every further line one record (``docs/exchange.md``).
Nothing here touches the database except the taxonomy label cache (tags).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import mask_id_number, mask_mobile
from jiangqiao.taxonomy.codelists import LEGACY_DEMAND_CATEGORIES
from jiangqiao.taxonomy.selectors import term_infos

from .choices import PiiMode, RecordType

FORMAT = "jiangqiao-exchange"
VERSION = "1.2"
#: Versions the importer reads. 1.1 and 1.2 only added optional keys, so older files are read as
#: before.
SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2")
#: Keys of ``data`` that a version added, per record type: a file of an older version may not
#: carry them (a 1.0 file with them was not written by a 1.0 exporter).
ADDED_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {
        "service_record": (
            "experts",
            "problems",
            "benefit_method",
            "benefit_verified_at",
            "skill_upgrades",
        ),
    },
    # Enterprise contacts, consents and preferred craftsmen travel too (issue 17 point 9).
    "1.2": {
        "enterprise": ("contacts",),
        "craftsman": ("consents",),
        "demand": ("preferred_craftsmen",),
    },
}


def keys_too_new(version: str, record_type: str, data: dict[str, Any]) -> list[str]:
    """Keys of ``data`` that ``version`` of the format does not have yet (sorted)."""
    too_new: set[str] = set()
    for added_in, by_type in ADDED_KEYS.items():
        if _version_tuple(added_in) > _version_tuple(version):
            too_new |= set(by_type.get(record_type, ())) & set(data)
    return sorted(too_new)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


#: Record types in the order they are written and applied (references point backwards).
TYPE_ORDER: tuple[str, ...] = tuple(RecordType.values)
#: Types this version can import and export (all of them).
SUPPORTED_TYPES: tuple[str, ...] = TYPE_ORDER
CONTENT_TYPE = "application/x-ndjson"


def instance_id() -> str:
    return str(settings.INSTANCE_ID)


def record_id(instance: str, record_type: str, pk: Any) -> str:
    """``<instance>:<type>:<local pk>`` — unique across instances."""
    return f"{instance}:{record_type}:{pk}"


def split_record_id(value: str) -> tuple[str, str, str] | None:
    """``(instance, type, local id)`` of a record id, or ``None`` if it is malformed."""
    parts = value.rsplit(":", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(obj: Any) -> str:
    """One line of the file: UTF-8 text (Chinese kept), no spaces, keys in a fixed order."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_plain)


def canonical(obj: Any) -> str:
    return json.dumps(
        obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_plain
    )


def fingerprint(obj: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys): equal content, equal fingerprint."""
    return hashlib.sha256(canonical(obj).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------------
# Tags
# ------------------------------------------------------------------------------------------------


def tag(scheme: str, code: str | None) -> dict[str, str] | None:
    """``{scheme, code, label, version}`` of a stored code (label/version blank if unknown)."""
    if not code:
        return None
    return tags(scheme, [code])[0]


def tags(scheme: str, codes: list[str] | None) -> list[dict[str, str]]:
    codes = [c for c in (codes or []) if c]
    infos = term_infos(scheme, codes)
    result = []
    for code in codes:
        info = infos.get(code)
        result.append(
            {
                "scheme": scheme,
                "code": code,
                "label": info.name if info else "",
                "version": info.version if info else "",
            }
        )
    return result


def current_code(scheme: Any, code: Any) -> Any:
    """The code as this instance stores it: a demand category of the first list (files of
    format 1.0/1.1 written before the 2022 classes were adopted) becomes its 2022 class's code."""
    if scheme == "demand_category" and isinstance(code, str):
        return LEGACY_DEMAND_CATEGORIES.get(code, code)
    return code


def tag_code(value: Any) -> str:
    """The code of an incoming tag (the schema has checked its shape)."""
    if not value:
        return ""
    return str(current_code(value.get("scheme"), value.get("code") or ""))


def tag_codes(values: Any) -> list[str]:
    return [tag_code(v) for v in values or [] if v]


# ------------------------------------------------------------------------------------------------
# Personal identifiers
# ------------------------------------------------------------------------------------------------


def hash_key() -> bytes:
    key = getattr(settings, "JIANGQIAO_EXCHANGE_HASH_KEY", "") or ""
    if not key:
        raise BusinessError(
            "未配置交换散列密钥 JIANGQIAO_EXCHANGE_HASH_KEY，不能以“密钥散列”形式交换个人标识",
            field="pii",
        )
    return str(key).encode("utf-8")


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 with the exchange key shared by the instances that exchange data.

    Distinct from the field-encryption key and its blind index, which never leave an instance.
    """
    if not value:
        return ""
    return hmac.new(hash_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def pii_form(mode: str, kind: str, value: str) -> tuple[str | None, str | None]:
    """``(value, hash)`` of an identifier as written to a file in ``mode``.

    * full — the value in clear and its hash;
    * masked — the masked value only (no hash: a masked file cannot link people);
    * hash — the keyed hash only.
    """
    if not value:
        return None, None
    if mode == PiiMode.FULL:
        return value, keyed_hash(value, purpose=kind)
    if mode == PiiMode.MASKED:
        return (mask_id_number(value) if kind == "id_number" else mask_mobile(value)), None
    return None, keyed_hash(value, purpose=kind)


def default_pii_mode() -> str:
    mode = str(getattr(settings, "JIANGQIAO_EXCHANGE_PII", PiiMode.HASH) or PiiMode.HASH)
    return mode if mode in PiiMode.values else PiiMode.HASH
