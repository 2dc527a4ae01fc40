"""API authentication by personal tokens (``Authorization: Token <key>`` or ``Bearer <key>``)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from .middleware import password_change_required

KEY_PREFIX = "jq_"
#: A token's last use is written at most this often (one write per minute, not per request).
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    """Keyed digest of a token key (what the database keeps)."""
    secret = str(settings.SECRET_KEY).encode()
    return hmac.new(secret, f"api-token:{key}".encode(), hashlib.sha256).hexdigest()


class ApiTokenAuthentication(BaseAuthentication):
    keywords = (b"token", b"bearer")

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确：应为“Token <令牌>”")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("令牌格式不正确") from None
        return self.authenticate_key(request, key)

    def authenticate_key(self, request: Any, key: str) -> tuple[Any, Any]:
        from .models import ApiToken

        token = (
            ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
            if key.startswith(KEY_PREFIX)
            else None
        )
        if token is None or not token.is_usable:
            _log_failure(request, token, key)
            if token is not None and token.revoked_at:
                raise exceptions.AuthenticationFailed("API 令牌已吊销，请向令牌持有人重新签发")
            if token is not None:
                raise exceptions.AuthenticationFailed("API 令牌已过期，请重新签发")
            raise exceptions.AuthenticationFailed("API 令牌无效")
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed("该账号已停用")
        # The password policy applies to machine clients too: an initial or expired password
        # blocks the account's tokens until the owner changes it on the page.
        reason = password_change_required(user)
        if reason:
            raise exceptions.PermissionDenied(f"{reason}（在此之前该账号的 API 令牌不能使用）")
        if not token.allows_path(request.path_info):
            message = f"该令牌的使用范围为【{token.scope_labels}】，不能调用此接口"
            _log_use(request, token, allowed=False, message=message)
            raise exceptions.PermissionDenied(message)
        if token.read_only and request.method not in SAFE_METHODS:
            _log_use(request, token, allowed=False, message="只读令牌不能修改数据")
            raise exceptions.PermissionDenied("只读令牌不能修改数据")
        _log_use(request, token, allowed=True)
        _touch(request, token)
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return "Token"


def _touch(request: Any, token: Any) -> None:
    from jiangqiao.core.context import client_ip

    from .models import ApiToken

    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=client_ip(request))


def _log_use(request: Any, token: Any, *, allowed: bool, message: str = "") -> None:
    """Every request made with a token is written down (``ApiTokenUse``), refused ones too."""
    from jiangqiao.core.context import client_ip

    from .models import ApiTokenUse

    ApiTokenUse.objects.create(
        token=token,
        method=str(request.method or "")[:10],
        path=str(request.path or "")[:300],
        ip=client_ip(request),
        allowed=allowed,
        message=message[:200],
    )


def _log_failure(request: Any, token: Any, key: str) -> None:
    from jiangqiao.core.context import client_ip

    from .choices import LoginStatus
    from .models import LoginLog

    user = token.user if token is not None else None
    LoginLog.objects.create(
        username=(user.username if user else "")[:150],
        user=user,
        org_id=getattr(user, "org_id", None),
        status=LoginStatus.FAILURE,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        message=(f"API 令牌{token.state}" if token else "API 令牌无效")
        + f"（{key[:8]}…）"[: 200 - 12],
    )


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """How the OpenAPI schema describes the token (Swagger UI's "Authorize" button)."""

    target_class = "jiangqiao.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "个人 API 令牌：`Token jq_…`（在“我的 API 令牌”页面签发，有有效期，可设为只读）",
        }
