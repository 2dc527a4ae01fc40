"""Users, roles (functional permissions + data scope) and the login log."""

from __future__ import annotations

from binascii import unhexlify
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.urls import reverse
from django.utils.timezone import now as timezone_now
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiangqiao.core.choices import DataScope, Status
from jiangqiao.core.crypto import EncryptedTextField
from jiangqiao.core.models import AuditedModel, ChainedLog, StatusMixin
from jiangqiao.core.scope import ScopedQuerySet

from .choices import CodePurpose, LoginStatus


class Role(StatusMixin, AuditedModel):
    """A role = a Django permission group (功能权限) + a data scope (数据权限).

    Users hold several roles; their permissions and scopes are ORed together.
    """

    group = models.OneToOneField(Group, models.PROTECT, related_name="role", editable=False)
    code = models.SlugField("角色编码", max_length=50, unique=True)
    name = models.CharField("角色名称", max_length=50, unique=True)
    data_scope = models.CharField(
        "数据范围", max_length=20, choices=DataScope.choices, default=DataScope.SELF
    )
    custom_orgs = models.ManyToManyField(
        "orgs.Organization", blank=True, related_name="+", verbose_name="自定义组织"
    )
    is_builtin = models.BooleanField("内置角色", default=False, editable=False)
    sort = models.PositiveIntegerField("排序", default=0)
    remark = models.CharField("备注", max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    # Roles are global configuration: whoever may view roles sees all of them.
    scope_org_field: ClassVar[str | None] = None
    scope_owner_field: ClassVar[str | None] = None

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["sort", "pk"]
        permissions = [("assign_role", "为用户分配角色")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:role_detail", args=[self.pk])

    def custom_org_ids(self) -> list[int]:
        cache = getattr(self, "_custom_org_ids", None)
        if cache is None:
            cache = list(self.custom_orgs.values_list("pk", flat=True))
            self._custom_org_ids = cache
        return cache

    def audit_org_id(self) -> int | None:
        return None


class UserQuerySet(ScopedQuerySet):
    pass


class JiangqiaoUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A platform account. Belongs to one organisation; holds several roles."""

    real_name = models.CharField("姓名", max_length=50, blank=True)
    org = models.ForeignKey(
        "orgs.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="所属组织",
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name="角色")
    must_change_password = models.BooleanField("须修改初始密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    created_by = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="创建人",
    )
    remark = models.CharField("备注", max_length=500, blank=True)

    objects = JiangqiaoUserManager()  # type: ignore[misc]

    audited: ClassVar[bool] = True
    audit_exclude: ClassVar[tuple[str, ...]] = ("password", "last_login")
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = "self"

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]
        swappable = "AUTH_USER_MODEL"
        permissions = [("reset_second_factor", "重置他人的动态口令（二次验证）")]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.username}）" if self.real_name else self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.pk])

    def audit_org_id(self) -> int | None:
        return self.org_id

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    def active_roles(self) -> list[Role]:
        """Enabled roles of an active user, cached on the instance (one query per request)."""
        if not self.is_active:
            return []
        cache: list[Role] | None = getattr(self, "_active_roles_cache", None)
        if cache is None:
            cache = list(self.roles.filter(status=Status.ACTIVE).prefetch_related("custom_orgs"))
            for role in cache:
                role._custom_org_ids = [o.pk for o in role.custom_orgs.all()]
            self._active_roles_cache = cache
        return cache

    def role_codes(self) -> set[str]:
        return {r.code for r in self.active_roles()}

    def clear_role_cache(self) -> None:
        for attr in ("_active_roles_cache", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            if hasattr(self, attr):
                delattr(self, attr)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.clear_role_cache()


class LoginLog(ChainedLog):
    """Every login success, failure, lockout and logout (RuoYi 登录日志)."""

    time = models.DateTimeField("时间", default=timezone_now, editable=False, db_index=True)
    username = models.CharField("登录账号", max_length=150, db_index=True)
    user = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="用户"
    )
    org = models.ForeignKey(
        "orgs.Organization",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属组织",
    )
    status = models.CharField("结果", max_length=10, choices=LoginStatus.choices)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=500, blank=True)
    message = models.CharField("说明", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = "user"
    scope_widen_all: ClassVar[bool] = False
    chain_name: ClassVar[str] = "login"
    chain_fields: ClassVar[tuple[str, ...]] = (
        "time",
        "username",
        "status",
        "ip",
        "user_agent",
        "message",
    )

    class Meta:
        verbose_name = "登录日志"
        verbose_name_plural = "登录日志"
        ordering = ["-time", "-pk"]
        indexes = [
            models.Index(fields=["org", "time"], name="loginlog_org_time"),
            # The sealer's lookup: only the rows not sealed yet, whatever the table's size.
            models.Index(
                fields=["id"], condition=models.Q(chain_seq__isnull=True), name="loginlog_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.get_status_display()}"


class PasswordHistory(models.Model):
    """The hashes of an account's last passwords (not reusable: 等保 身份鉴别)."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="password_history", verbose_name="用户"
    )
    password = models.CharField("密码（哈希）", max_length=128)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        default_permissions = ()
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "created_at"], name="pwhistory_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A personal API token for machine clients (the national exchange, scripts).

    Only a keyed hash of the key is stored; the key is shown once when issued. Every token expires,
    may be read-only, can be revoked by its owner or the security administrator, and stops working
    when the account is disabled or must change its password.
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("用途", max_length=100)
    key_prefix = models.CharField("令牌前缀", max_length=12, db_index=True)
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(
        "只读", default=True, help_text="只读令牌只能查询，不能修改数据"
    )
    scopes = models.JSONField(
        "使用范围",
        default=list,
        blank=True,
        help_text="令牌只能调用所列范围的接口（如“数据交换”）；为空时可调用账号有权使用的全部接口",
    )
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    last_used_ip = models.GenericIPAddressField("最近使用IP", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="吊销人"
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field: ClassVar[str] = "user__org"
    scope_owner_field: ClassVar[str | None] = "user"

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        # Issued and revoked through the services; no change or delete.
        default_permissions = ("add", "view")
        ordering = ["-created_at", "-pk"]
        permissions = [("revoke_apitoken", "吊销他人的 API 令牌")]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    @property
    def state(self) -> str:
        from django.utils import timezone

        if self.revoked_at:
            return "已吊销"
        if self.expires_at <= timezone.now():
            return "已过期"
        return "有效"

    @property
    def is_usable(self) -> bool:
        return self.state == "有效"

    @property
    def scope_labels(self) -> str:
        from .choices import TokenScope

        labels = [TokenScope(s).label for s in self.scopes or [] if s in TokenScope.values]
        return "、".join(labels) or "全部接口"

    def allows_path(self, path: str) -> bool:
        from .choices import TOKEN_SCOPE_PATHS

        if not self.scopes:
            return True
        return any(
            path.startswith(prefix)
            for scope in self.scopes
            for prefix in TOKEN_SCOPE_PATHS.get(scope, ())
        )


class ApiTokenUse(models.Model):
    """One request made with an API token (accepted or refused for its scope): who, when, what."""

    token = models.ForeignKey(
        ApiToken, models.CASCADE, related_name="uses", verbose_name="API 令牌"
    )
    time = models.DateTimeField("时间", default=timezone_now, db_index=True)
    method = models.CharField("方法", max_length=10)
    path = models.CharField("接口", max_length=300)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    allowed = models.BooleanField("已放行", default=True)
    message = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "API 令牌使用记录"
        verbose_name_plural = "API 令牌使用记录"
        default_permissions = ("view",)
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["token", "time"], name="apitokenuse_token_time")]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class PhoneCode(models.Model):
    """One one-time code sent by SMS to a mobile number (``accounts.phone_codes``).

    Only a keyed hash of the code is kept (``code_hash``, with a per-row salt); the mobile number
    is encrypted with a blind index (as ``EnterpriseContact.mobile``), and so is the client
    address that asked for it (``client_index``, for the hourly cap per address). ``subject``
    binds a code to what it confirms (e.g. ``demand:42``); ``attempts`` counts wrong entries and
    ``paused_until`` stops both entering and sending for that purpose and mobile after too many.
    Never shown on a page; rows older than a day are purged when new codes are sent.
    """

    purpose = models.CharField("用途", max_length=20, choices=CodePurpose.choices)
    subject = models.CharField("确认对象", max_length=64, blank=True)
    mobile = EncryptedTextField("手机号码")
    mobile_index = models.CharField("手机号索引", max_length=64, db_index=True)
    client_index = models.CharField("请求地址索引", max_length=64, blank=True, db_index=True)
    salt = models.CharField("盐", max_length=32)
    code_hash = models.CharField("验证码摘要", max_length=64)
    attempts = models.PositiveSmallIntegerField("输错次数", default=0)
    paused_until = models.DateTimeField("暂停至", null=True, blank=True)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    sent_by = models.ForeignKey(
        "User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="发送人"
    )
    created_at = models.DateTimeField("发送时间", default=timezone_now, db_index=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        default_permissions = ()
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["purpose", "mobile_index", "created_at"], name="phone_code_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}（{self.created_at:%Y-%m-%d %H:%M}）"


#: What django-otp's own ``key`` column holds once the secret is sealed: not hexadecimal, so a
#: plain ``TOTPDevice`` (any code path that bypasses ``SealedTOTPDevice``) cannot verify a code.
SEALED_KEY = "sealed"


class TOTPSecret(models.Model):
    """The TOTP secret of a device, encrypted at rest with the field key (``EncryptedTextField``,
    rewritten by ``manage.py rotate_field_key``). django-otp keeps it in clear in its own ``key``
    column, which holds ``SEALED_KEY`` instead."""

    device = models.OneToOneField(
        TOTPDevice,
        models.CASCADE,
        primary_key=True,
        related_name="sealed_secret",
        verbose_name="动态口令设备",
    )
    key = EncryptedTextField("动态口令密钥", editable=False)

    class Meta:
        verbose_name = "动态口令密钥"
        verbose_name_plural = "动态口令密钥"
        default_permissions = ()

    def __str__(self) -> str:
        return f"动态口令密钥（设备 {self.pk}）"


class SealedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device (RFC 6238, HMAC-SHA1: what authenticator apps compute) whose
    secret comes from ``TOTPSecret``. Verification, drift, replay and throttling are django-otp's."""

    class Meta:
        proxy = True
        verbose_name = "动态口令设备"
        verbose_name_plural = "动态口令设备"
        default_permissions = ()

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.sealed_secret.key.encode())
