"""Field-level encryption of personal data at rest (AES-256-GCM) and blind indexes for lookups.

* ``EncryptedTextField`` stores ``v1:<base64(nonce | ciphertext | tag)>``; the plaintext never reaches the
  database, the change log or an export unless a service decrypts it for a permitted viewer.
* ``blind_index(value, purpose=...)`` is a keyed HMAC-SHA256 of the normalised value, stored next to the
  ciphertext so equality lookups (duplicate ID numbers, a mobile number) work without decrypting.

The key is ``JIANGQIAO_FIELD_ENCRYPTION_KEY`` (base64 of 32 bytes), separate from ``SECRET_KEY``. Both
the cipher key and the index key are derived from it with HKDF, so one secret never serves two purposes.

Key rotation (docs/deploy.md, 密钥轮换与备份恢复): the ciphertext carries no key id, so decryption tries
the primary key and then each key of ``JIANGQIAO_FIELD_ENCRYPTION_OLD_KEYS`` in turn (AES-GCM
authenticates, so a wrong key never yields a wrong plaintext). ``manage.py rotate_field_key`` rewrites
every value, every encrypted file column (``EncryptedFileField``) and every stored export file
under the primary key. Blind indexes must not change with the cipher key, so while old
keys are configured the index key comes from ``JIANGQIAO_FIELD_INDEX_KEY`` (set it to the key the
indexes were built with); without it the settings are refused rather than silently breaking lookups.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(master_b64: str) -> tuple[bytes, bytes]:
    try:
        master = base64.b64decode(master_b64, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("JIANGQIAO_FIELD_ENCRYPTION_KEY 不是合法的 base64") from exc
    if len(master) < 32:
        raise ImproperlyConfigured("JIANGQIAO_FIELD_ENCRYPTION_KEY 至少需要 32 字节")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return derive(b"jiangqiao field encryption"), derive(b"jiangqiao blind index")


def _master() -> str:
    key = getattr(settings, "FIELD_ENCRYPTION_KEY", None)
    if not key:
        raise ImproperlyConfigured(
            "未配置 JIANGQIAO_FIELD_ENCRYPTION_KEY，不能保存或读取加密的个人信息"
        )
    return str(key)


def old_masters() -> list[str]:
    """The retired keys still accepted for decryption, oldest last."""
    value = getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", None) or []
    if isinstance(value, str):
        value = value.split(",")
    return [str(key).strip() for key in value if str(key).strip()]


def _index_master() -> str:
    pinned = getattr(settings, "FIELD_INDEX_KEY", None)
    if pinned:
        return str(pinned)
    if old_masters():
        raise ImproperlyConfigured(
            "配置了 JIANGQIAO_FIELD_ENCRYPTION_OLD_KEYS 却未配置 JIANGQIAO_FIELD_INDEX_KEY："
            "请把 JIANGQIAO_FIELD_INDEX_KEY 设为原来的字段加密密钥，否则身份证号、手机号的查重索引会失效"
        )
    return _master()


def _cipher_keys() -> list[bytes]:
    """The primary cipher key first, then the old ones."""
    return [_keys(master)[0] for master in [_master(), *old_masters()]]


def encrypt(plaintext: str) -> str:
    cipher_key, _ = _keys(_master())
    nonce = os.urandom(12)
    data = AESGCM(cipher_key).encrypt(nonce, plaintext.encode("utf-8"), b"jiangqiao")
    return PREFIX + base64.b64encode(nonce + data).decode("ascii")


def decrypt_with_key_index(token: str) -> tuple[str, int]:
    """Decrypt ``token`` and say which key opened it: 0 is the primary, 1.. the old keys in order.

    Raises ``InvalidTag`` when no configured key opens it.
    """
    if not token.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    raw = base64.b64decode(token[len(PREFIX) :])
    for position, cipher_key in enumerate(_cipher_keys()):
        try:
            plain = AESGCM(cipher_key).decrypt(raw[:12], raw[12:], b"jiangqiao")
        except InvalidTag:
            continue
        return plain.decode("utf-8"), position
    raise InvalidTag()


def decrypt(token: str) -> str:
    return decrypt_with_key_index(token)[0]


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a whole file (an uploaded workbook, an error workbook) for storage at rest."""
    cipher_key, _ = _keys(_master())
    nonce = os.urandom(12)
    return b"v1:" + nonce + AESGCM(cipher_key).encrypt(nonce, data, b"jiangqiao-file")


def decrypt_bytes_with_key_index(blob: bytes) -> tuple[bytes, int]:
    """Decrypt a stored file and say which key opened it (0: the primary, 1.. the old keys).

    Raises ``InvalidTag`` when no configured key opens it."""
    blob = bytes(blob)
    if not blob.startswith(b"v1:"):
        raise ValueError("not an encrypted file")
    for position, cipher_key in enumerate(_cipher_keys()):
        try:
            data = AESGCM(cipher_key).decrypt(blob[3:15], blob[15:], b"jiangqiao-file")
        except InvalidTag:
            continue
        return data, position
    raise InvalidTag()


def decrypt_bytes(blob: bytes) -> bytes:
    return decrypt_bytes_with_key_index(blob)[0]


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for equality lookups; ``purpose`` separates e.g. ID numbers from mobiles."""
    if not value:
        return ""
    _, index_key = _keys(_index_master())
    return hmac.new(index_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding ciphertext; Python code sees the plaintext (or "" for empty)."""

    description = "加密文本"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertext is randomised: only "is empty / is null" make sense. Use the blind index.
        if lookup_name not in ("isnull", "exact"):
            return None
        return super().get_lookup(lookup_name)


class EncryptedFileField(models.BinaryField):
    """A binary column holding a whole file encrypted with ``encrypt_bytes`` (an uploaded workbook,
    an error workbook, an access copy). The services encrypt and decrypt explicitly (a file is read
    only when it is downloaded); the field type tells ``manage.py rotate_field_key`` to rewrite it."""

    description = "加密文件"
