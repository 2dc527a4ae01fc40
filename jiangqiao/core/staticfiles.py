"""Static files for production: content-hashed names and pre-compressed copies (whitenoise).

``JIANGQIAO_STATICFILES_STORAGE=jiangqiao.core.staticfiles.HashedStaticFilesStorage`` (the
production environment file sets it): ``collectstatic`` writes ``app.3f9c1b2e.css`` beside
``app.css`` with ``.gz`` copies, so nginx (or whitenoise) may let browsers cache them for a year —
a new release has new names. The npm packages (Tabler's bundled libraries) refer to files they do
not ship (source maps, a plugin's images); such a reference is left as it is — the browser gets
the same 404 as without hashing — instead of failing the whole ``collectstatic``.
"""

from __future__ import annotations

import logging
from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if content is not None or self.exists(filename or name):
                raise
            logger.debug("静态文件引用的 %s 不存在，保留原引用", name)
            return name
