"""Settings for 匠桥, read from the environment (variables carry a ``DJANGO_``/``JIANGQIAO_`` prefix).

Every variable is listed with a comment in ``deploy/jiangqiao.env.example``
(checked by ``jiangqiao/core/tests/test_deploy_files.py``). Production has no settings file of its own:
it is this module plus environment variables.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APP_DIR = BASE_DIR / "jiangqiao"

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read ``NAME`` or the file named by ``NAME_FILE`` (container secrets)."""
    if path := env.str(f"{name}_FILE", default=""):
        return Path(path).read_text(encoding="utf-8").strip()
    return env.str(name, default=default)


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Key for field-level encryption of personal data (base64 of 32 bytes). Separate from SECRET_KEY so
# that rotating the session key never makes stored ID numbers unreadable.
FIELD_ENCRYPTION_KEY = env_secret("JIANGQIAO_FIELD_ENCRYPTION_KEY")
# Key rotation (docs/deploy.md, 密钥轮换与备份恢复): retired field keys still accepted for decryption
# (comma-separated), and the key the blind indexes were built with (required while old keys are set).
FIELD_ENCRYPTION_OLD_KEYS = env.list("JIANGQIAO_FIELD_ENCRYPTION_OLD_KEYS", default=[])
FIELD_INDEX_KEY = env_secret("JIANGQIAO_FIELD_INDEX_KEY", default="")
if FIELD_ENCRYPTION_OLD_KEYS and not FIELD_INDEX_KEY:
    raise ImproperlyConfigured(
        "配置了 JIANGQIAO_FIELD_ENCRYPTION_OLD_KEYS 却未配置 JIANGQIAO_FIELD_INDEX_KEY："
        "请把 JIANGQIAO_FIELD_INDEX_KEY 设为原来的字段加密密钥"
    )
# HMAC key of the audit-log hash chain (docs/security.md, 审计日志防篡改). Without it nobody can
# recompute the chain after editing a log row in the database. Unset, it is derived from the
# field-encryption key — set it on its own before ever rotating that key, and never change it.
JIANGQIAO_AUDIT_CHAIN_KEY = env_secret("JIANGQIAO_AUDIT_CHAIN_KEY", default="")
# Identifier of this instance in data exchange (province ↔ national).
INSTANCE_ID = env.str("JIANGQIAO_INSTANCE_ID", default="jiangqiao-local")
# National exchange (docs/exchange.md): how personal identifiers leave this instance by default
# (full / masked / hash), and the HMAC key shared by the instances that exchange data (distinct
# from the field-encryption key, which never leaves an instance).
JIANGQIAO_EXCHANGE_PII = env.str("JIANGQIAO_EXCHANGE_PII", default="hash")
JIANGQIAO_EXCHANGE_HASH_KEY = env_secret("JIANGQIAO_EXCHANGE_HASH_KEY", default="")
JIANGQIAO_EXCHANGE_MAX_BYTES = env.int("JIANGQIAO_EXCHANGE_MAX_BYTES", default=50 * 1024 * 1024)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "jiangqiao.core",
    "jiangqiao.orgs",
    "jiangqiao.accounts",
    "jiangqiao.taxonomy",
    "jiangqiao.talents",
    "jiangqiao.demands",
    "jiangqiao.matching",
    "jiangqiao.casework",
    "jiangqiao.academy",
    "jiangqiao.dashboards",
    "jiangqiao.exchange",
    "jiangqiao.privacy",
    "jiangqiao.demo",
]

MIDDLEWARE = [
    "jiangqiao.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The header middlewares come before anything that may answer early (the request-size limit),
    # so that every answer carries the headers.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "jiangqiao.core.middleware.PermissionsPolicyMiddleware",
    "jiangqiao.core.uploads.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiangqiao.core.sessions.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jiangqiao.core.middleware.RequestContextMiddleware",
    "jiangqiao.accounts.middleware.SecondFactorMiddleware",
    "jiangqiao.accounts.middleware.PasswordPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [APP_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiangqiao.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'jiangqiao.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # JIT compilation pays off for long analytical queries, not for list pages: off by default.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", env.str("JIANGQIAO_PG_OPTIONS", default="-c jit=off")
    )
    # Persistent connections (seconds; 0 = one per request). Each request first checks a kept
    # connection, so a restarted PostgreSQL costs one failed check, not a worker's errors.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("JIANGQIAO_DB_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "jiangqiao.accounts.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env.int("JIANGQIAO_PASSWORD_MIN_LENGTH", default=8)
PASSWORD_CHAR_CLASSES = env.int("JIANGQIAO_PASSWORD_CHAR_CLASSES", default=3)
PASSWORD_MAX_AGE_DAYS = env.int("JIANGQIAO_PASSWORD_MAX_AGE_DAYS", default=90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "jiangqiao.accounts.password_validation.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_CHAR_CLASSES},
    },
    {"NAME": "jiangqiao.accounts.password_validation.UsernameInPasswordValidator"},
    {
        "NAME": "jiangqiao.accounts.password_validation.GuessabilityValidator",
        "OPTIONS": {"min_score": env.int("JIANGQIAO_PASSWORD_MIN_SCORE", default=3)},
    },
    {
        "NAME": "jiangqiao.accounts.password_validation.PasswordHistoryValidator",
        "OPTIONS": {"count": env.int("JIANGQIAO_PASSWORD_HISTORY", default=5)},
    },
]
# Personal API tokens (machine clients): every token expires; this is the longest a token may live.
JIANGQIAO_API_TOKEN_MAX_DAYS = env.int("JIANGQIAO_API_TOKEN_MAX_DAYS", default=365)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: the session expires after this many idle minutes. Its expiry is moved on by a
# write at most once a SESSION_REFRESH_SECONDS (jiangqiao.core.sessions), not on every request:
# each write queues for SQLite's single write lock.
SESSION_COOKIE_AGE = env.int("JIANGQIAO_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_ENGINE = "jiangqiao.core.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Response headers (docs/security.md, 响应头与内容安全策略). The full URL never leaves the site
# (record ids and search terms are in it); other sites get the origin only.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts only from files of this site, never inline or eval;
# style elements only from files; style *attributes* stay allowed (the pages set widths of
# progress bars and columns with them, and a style attribute cannot run script). Old browsers
# without style-src-elem/-attr fall back to style-src. No page may be framed (frame-ancestors).
_CSP_SELF, _CSP_NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_CSP_SELF],
        "script-src": [_CSP_SELF],
        "style-src": [_CSP_SELF, "'unsafe-inline'"],
        "style-src-elem": [_CSP_SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [_CSP_SELF, "data:"],
        "font-src": [_CSP_SELF, "data:"],
        "connect-src": [_CSP_SELF],
        "object-src": [_CSP_NONE],
        "base-uri": [_CSP_NONE],
        "form-action": [_CSP_SELF],
        "frame-ancestors": [_CSP_NONE],
    }
}
# Permissions-Policy (core.middleware.PermissionsPolicyMiddleware): every powerful feature off; no
# page uses the camera (check-in is by the phone's own QR scanner), microphone or location.
JIANGQIAO_PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "serial",
        "xr-spatial-tracking",
    )
}
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind nginx (deploy/nginx/jiangqiao.conf): take the client address from X-Forwarded-For and keep
# the proxy's X-Request-ID (core.context). Only when a proxy sets them; a client could forge both.
JIANGQIAO_TRUST_X_FORWARDED_FOR = env.bool("JIANGQIAO_TRUST_X_FORWARDED_FOR", default=False)

# Login lockout (django-axes): 5 failures lock the user name for 10 minutes.
AXES_ENABLED = env.bool("JIANGQIAO_AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("JIANGQIAO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("JIANGQIAO_LOGIN_LOCK_MINUTES", default=10))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The 10 minutes count from the lock: attempts during the lockout do not restart it (otherwise one
# try every 9 minutes would keep an administrator locked out for ever).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Per client address, a higher limit in a window that starts at the first failure (see
# accounts/throttling.py): stops password spraying across accounts without locking out an office.
JIANGQIAO_LOGIN_IP_FAILURE_LIMIT = env.int("JIANGQIAO_LOGIN_IP_FAILURE_LIMIT", default=30)
JIANGQIAO_LOGIN_IP_WINDOW_MINUTES = env.int("JIANGQIAO_LOGIN_IP_WINDOW_MINUTES", default=10)
AXES_LOCKOUT_CALLABLE = "jiangqiao.accounts.views.lockout_response"
AXES_VERBOSE = False
# Lockout is per account (等保: 登录失败处理). Locking by IP with the same limit would lock a whole
# office behind one NAT address after five mistakes of different people, so axes' IP warning is
# silenced deliberately; the address has its own, higher limit (JIANGQIAO_LOGIN_IP_*).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Second factor (TOTP, django-otp; accounts/second_factor.py, docs/security.md). Required for the
# 三员 administrators and the 省总工作专班, optional for everyone else. Wrong codes count against
# the account with the login lockout's limit and pause (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME);
# django-otp's own exponential back-off is off so that one policy applies. Only the test settings
# turn the gate off (as they turn axes off); the second-factor tests turn it back on.
JIANGQIAO_SECOND_FACTOR_ENFORCED = True
OTP_TOTP_ISSUER = env.str("JIANGQIAO_TOTP_ISSUER", default="匠桥")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Duplicate checks that match another unit's records (core/probes.py, docs/import-export.md): each
# user may hit this many distinct records of other units per window; over it, the user's duplicate
# checks (imports, registering, exchange imports) are refused until the window ends (HTTP 429).
JIANGQIAO_FOREIGN_MATCH_LIMIT = env.int("JIANGQIAO_FOREIGN_MATCH_LIMIT", default=30)
JIANGQIAO_FOREIGN_MATCH_WINDOW_MINUTES = env.int(
    "JIANGQIAO_FOREIGN_MATCH_WINDOW_MINUTES", default=60
)

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from npm (package.json + lock) and are served locally: no CDN, ever.
STATICFILES_DIRS = [
    APP_DIR / "static",
    ("vendor/tabler", NODE_MODULES / "@tabler" / "core" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "JIANGQIAO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "/media/"

CACHES = {"default": env.cache("JIANGQIAO_CACHE_URL", default="locmemcache://")}

# A filter left empty filters nothing: its select says 不限 (django-filter's default is ---------).
FILTERS_EMPTY_CHOICE_LABEL = "不限"
# No "（空）" option in choice filters: the fields filtered by choice (statuses, kinds) are never
# empty, and the option only confused users (a status list offering 「（空）」).
FILTERS_NULL_CHOICE_LABEL = None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token class first: a bad or expired token answers 401 with WWW-Authenticate.
        "jiangqiao.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [  # DRF's, with Chinese errors (and no 500 on deep JSON)
        "jiangqiao.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "jiangqiao.core.api.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "jiangqiao.core.api.filters.ScopedFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "jiangqiao.core.api.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "jiangqiao.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "jiangqiao.core.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Rate limits (core/api/throttles.py, docs/security.md): per address without sign-in, per user,
    # and per user for writes; counted in the default cache (Redis in production).
    "DEFAULT_THROTTLE_CLASSES": [
        "jiangqiao.core.api.throttles.ApiAnonThrottle",
        "jiangqiao.core.api.throttles.ApiUserThrottle",
        "jiangqiao.core.api.throttles.ApiWriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("JIANGQIAO_API_RATE_ANON", default="60/min"),
        "user": env.str("JIANGQIAO_API_RATE_USER", default="600/min"),
        "write": env.str("JIANGQIAO_API_RATE_WRITE", default="120/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "匠桥 API",
    "DESCRIPTION": "劳模工匠助企行“两库一平台”与工匠学院管理平台的 REST API（/api/v1/）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One OpenAPI enum per choice set (otherwise every "status" field collides).
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "jiangqiao.core.choices.Status",
        "OfferStatusEnum": "jiangqiao.casework.choices.OfferStatus",
        "OfferSourceEnum": "jiangqiao.casework.choices.OfferSource",
        "DeclineReasonEnum": "jiangqiao.casework.choices.DeclineReason",
        "ContactChannelEnum": "jiangqiao.casework.choices.ContactChannel",
        "JobStatusEnum": "jiangqiao.core.choices.JobStatus",
        "OperationStatusEnum": "jiangqiao.core.choices.OperationStatus",
        "LoginStatusEnum": "jiangqiao.accounts.choices.LoginStatus",
        "ChangeActionEnum": "jiangqiao.core.choices.ChangeAction",
        "BusinessTypeEnum": "jiangqiao.core.choices.BusinessType",
        "DataScopeEnum": "jiangqiao.core.choices.DataScope",
        "OrgLevelEnum": "jiangqiao.orgs.choices.OrgLevel",
        "CraftsmanStatusEnum": "jiangqiao.talents.choices.CraftsmanStatus",
        "ConsentPurposeEnum": "jiangqiao.talents.choices.ConsentPurpose",
        "TeamLevelEnum": "jiangqiao.talents.choices.TeamLevel",
        "MemberRoleEnum": "jiangqiao.talents.choices.MemberRole",
        "GenderEnum": "jiangqiao.talents.choices.Gender",
        "DemandStatusEnum": "jiangqiao.demands.choices.DemandStatus",
        "DemandKindEnum": "jiangqiao.demands.choices.DemandKind",
        "SizeClassEnum": "jiangqiao.demands.choices.SizeClass",
        "GradeEnum": "jiangqiao.demands.choices.Grade",
        "OwnerLevelEnum": "jiangqiao.demands.choices.OwnerLevel",
        "VisibilityEnum": "jiangqiao.demands.choices.Visibility",
        "ChannelEnum": "jiangqiao.demands.choices.Channel",
        "DeliveryModeEnum": "jiangqiao.demands.choices.DeliveryMode",
        "SuggestionStatusEnum": "jiangqiao.matching.choices.SuggestionStatus",
        "SuggestionSourceEnum": "jiangqiao.matching.choices.SuggestionSource",
        "SessionModeEnum": "jiangqiao.casework.choices.SessionMode",
        "ProblemResultEnum": "jiangqiao.casework.choices.ProblemResult",
        "OutcomeResultEnum": "jiangqiao.demands.choices.DemandOutcome",
        "ImportModeEnum": "jiangqiao.core.choices.ImportMode",
        "ApprovalStatusEnum": "jiangqiao.core.choices.ApprovalStatus",
        "NotificationLevelEnum": "jiangqiao.core.choices.NotificationLevel",
        "CourseStatusEnum": "jiangqiao.academy.choices.CourseStatus",
        "ClassStatusEnum": "jiangqiao.academy.choices.ClassStatus",
        "EnrolmentStatusEnum": "jiangqiao.academy.choices.EnrolmentStatus",
        "AttendanceStatusEnum": "jiangqiao.academy.choices.AttendanceStatus",
        "OrderStatusEnum": "jiangqiao.academy.choices.OrderStatus",
        "OrderKindEnum": "jiangqiao.academy.choices.OrderKind",
        "OrderSiteEnum": "jiangqiao.academy.choices.OrderSite",
        "CompetitionStatusEnum": "jiangqiao.academy.choices.CompetitionStatus",
        "InnovationStatusEnum": "jiangqiao.academy.choices.InnovationStatus",
        "InnovationKindEnum": "jiangqiao.academy.choices.InnovationKind",
        "JudgeKindEnum": "jiangqiao.academy.choices.JudgeKind",
        "RequestKindEnum": "jiangqiao.privacy.choices.RequestKind",
        "RequestStatusEnum": "jiangqiao.privacy.choices.RequestStatus",
        "SubjectKindEnum": "jiangqiao.privacy.choices.SubjectKind",
    },
}

# Background work: Django's Tasks API (django-tasks backport). The database backend needs no extra
# server; set JIANGQIAO_TASK_BACKEND=rq (and JIANGQIAO_REDIS_URL) in production.
REDIS_URL = env.str("JIANGQIAO_REDIS_URL", default="redis://127.0.0.1:6379/0")
TASK_BACKEND = env.str("JIANGQIAO_TASK_BACKEND", default="database")
# Two queues: "default" (imports, exports, reports: what a clerk waits for) and "matching" (the
# embedding refresh after each profile or demand save). Workers take "default" first (RQ: queues
# in the order given; docs/deploy.md), so a burst of submissions never queues in front of an import.
TASK_QUEUES = ["default", "matching"]
_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES},
    "immediate": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASK_QUEUES,
    },
}
TASKS = {"default": _TASK_BACKENDS[TASK_BACKEND]}
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in TASK_QUEUES}
if TASK_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")

# Matching (推荐工匠 / 清单匹配 / 平台匹配). The sentence encoder: "use" (Universal Sentence Encoder
# multilingual, bundled with the wheel, no network) or "hash" (a deterministic stand-in for tests).
JIANGQIAO_MATCH_ENCODER = env.str("JIANGQIAO_MATCH_ENCODER", default="use")
# Suggestions kept per demand; demands per 清单匹配 Excel export; evidence items the index builder
# encodes itself (more than that and it waits for the background job that computes embeddings).
JIANGQIAO_MATCH_TOP = env.int("JIANGQIAO_MATCH_TOP", default=10)
JIANGQIAO_MATCH_EXPORT_MAX = env.int("JIANGQIAO_MATCH_EXPORT_MAX", default=500)
JIANGQIAO_MATCH_INLINE_ENCODE_MAX = env.int("JIANGQIAO_MATCH_INLINE_ENCODE_MAX", default=300)
# The shared matching index (docs/matching.md, "Shared index"): built by the periodic worker every
# REFRESH seconds into DIR (per machine), memory-mapped by every web process, which looks for a new
# generation at most every CHECK seconds. MAX_SEGMENTS: incremental segments before a full rebuild.
JIANGQIAO_MATCH_INDEX_DIR = BASE_DIR / env.str(
    "JIANGQIAO_MATCH_INDEX_DIR", default="var/match-index"
)
JIANGQIAO_MATCH_INDEX_REFRESH_SECONDS = env.float(
    "JIANGQIAO_MATCH_INDEX_REFRESH_SECONDS", default=20
)
JIANGQIAO_MATCH_INDEX_CHECK_SECONDS = env.float("JIANGQIAO_MATCH_INDEX_CHECK_SECONDS", default=2)
JIANGQIAO_MATCH_INDEX_MAX_SEGMENTS = env.int("JIANGQIAO_MATCH_INDEX_MAX_SEGMENTS", default=100)
JIANGQIAO_MATCH_INDEX_KEEP = env.int("JIANGQIAO_MATCH_INDEX_KEEP", default=3)
# Who builds it: "periodic" (run_periodic --loop, as make run does) or "service" (each web node runs
# manage.py matching_index --loop; run_periodic, then a timer on one node, leaves it alone).
JIANGQIAO_MATCH_INDEX_BUILDER = env.str("JIANGQIAO_MATCH_INDEX_BUILDER", default="periodic")
# Tests only: readers run the builder themselves before reading (no periodic worker in tests).
JIANGQIAO_MATCH_INDEX_INLINE = False
JIANGQIAO_MATCH_INDEX_FSYNC = True

# Log retention (网络安全法 Art. 21: at least six months).
# Spreadsheet import and export (core.io): limits against oversized or hostile files, and the
# sizes above which imports and exports run as background jobs.
JIANGQIAO_IMPORT_MAX_BYTES = env.int("JIANGQIAO_IMPORT_MAX_BYTES", default=64 * 1024 * 1024)
JIANGQIAO_IMPORT_MAX_ROWS = env.int("JIANGQIAO_IMPORT_MAX_ROWS", default=200_000)
JIANGQIAO_IMPORT_MAX_UNCOMPRESSED = env.int(
    "JIANGQIAO_IMPORT_MAX_UNCOMPRESSED", default=768 * 1024 * 1024
)
JIANGQIAO_IMPORT_INLINE_MAX_BYTES = env.int("JIANGQIAO_IMPORT_INLINE_MAX_BYTES", default=64 * 1024)
JIANGQIAO_EXPORT_INLINE_MAX = env.int("JIANGQIAO_EXPORT_INLINE_MAX", default=5000)
# Exports of more rows than this (or, with identifiers in clear, than the second figure) wait for
# the security administrator's approval (core.approve_export).
JIANGQIAO_EXPORT_APPROVAL_ROWS = env.int("JIANGQIAO_EXPORT_APPROVAL_ROWS", default=10_000)
JIANGQIAO_EXPORT_APPROVAL_UNMASKED_ROWS = env.int(
    "JIANGQIAO_EXPORT_APPROVAL_UNMASKED_ROWS", default=500
)
JIANGQIAO_EXPORT_KEEP_DAYS = env.int("JIANGQIAO_EXPORT_KEEP_DAYS", default=3)
# SQLite only (one write lock for the whole database): a "valid rows" import commit writes this
# many records per transaction and leaves the lock free for a moment between transactions, so
# other users' writes get in (0: one transaction). See core/io/services.py.
JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS = env.int("JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS", default=500)
JIANGQIAO_IMPORT_COMMIT_PAUSE = env.float("JIANGQIAO_IMPORT_COMMIT_PAUSE", default=0.05)
# Background jobs and their worker (docs/deploy.md, "Background jobs"). A running job sends a
# heartbeat every JIANGQIAO_JOB_HEARTBEAT_SECONDS besides its progress; one without either for
# JIANGQIAO_JOB_STALE_MINUTES is taken as killed with its worker and marked 已中断 (re-runnable).
JIANGQIAO_JOB_STALE_MINUTES = env.float("JIANGQIAO_JOB_STALE_MINUTES", default=2)
JIANGQIAO_JOB_HEARTBEAT_SECONDS = env.float("JIANGQIAO_JOB_HEARTBEAT_SECONDS", default=20)
# The database worker's own heartbeat (read by the jobs page: "后台任务处理程序未运行").
JIANGQIAO_WORKER_HEARTBEAT_SECONDS = env.float("JIANGQIAO_WORKER_HEARTBEAT_SECONDS", default=15)
# A job's bookkeeping writes (claim, progress, outcome) retry a busy database this many times,
# waiting JIANGQIAO_JOB_RETRY_DELAY seconds, doubled after each attempt (capped at 5 s).
JIANGQIAO_JOB_DB_RETRIES = env.int("JIANGQIAO_JOB_DB_RETRIES", default=6)
JIANGQIAO_JOB_RETRY_DELAY = env.float("JIANGQIAO_JOB_RETRY_DELAY", default=0.25)
# Request bodies (core/uploads.py, docs/security.md 上传与请求大小): form fields without files up
# to 10 MB in total and 2000 fields; files above 2.5 MB go to a temporary file, not memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("JIANGQIAO_FORM_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# 站内消息: also send a copy by e-mail to recipients with an address (an intranet mail server, e.g.
# DJANGO_EMAIL_URL=smtp+tls://user:password@mail.example.org:587). The one-time secrets of a split
# password reset never leave the platform by e-mail.
JIANGQIAO_NOTIFY_BY_EMAIL = env.bool("JIANGQIAO_NOTIFY_BY_EMAIL", default=False)
vars().update(env.email_url("DJANGO_EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="jiangqiao@localhost")

# Days the change, operation and login logs are kept; never below 180 (网络安全法 Art. 21): a
# smaller value stops the start-up (system check jiangqiao.audit.E001).
JIANGQIAO_LOG_RETENTION_DAYS = env.int("JIANGQIAO_LOG_RETENTION_DAYS", default=180)
# Hours between two integrity checks of the audit-log chains (``run_periodic``).
JIANGQIAO_AUDIT_VERIFY_HOURS = env.float("JIANGQIAO_AUDIT_VERIFY_HOURS", default=6)
# Log rows are sealed into their chain after their transaction commits; ``run_periodic`` seals
# every JIANGQIAO_AUDIT_SEAL_SECONDS what a dead process left unsealed. A row still unsealed after
# JIANGQIAO_AUDIT_SEAL_GRACE_MINUTES is reported by ``audit_verify`` (未封存).
JIANGQIAO_AUDIT_SEAL_SECONDS = env.float("JIANGQIAO_AUDIT_SEAL_SECONDS", default=60)
JIANGQIAO_AUDIT_SEAL_GRACE_MINUTES = env.int("JIANGQIAO_AUDIT_SEAL_GRACE_MINUTES", default=10)

# JIANGQIAO_LOG_JSON=1: one JSON object per line (core.jsonlog: request id, user id, and on the
# per-request line of jiangqiao.request the route, status and duration). Off: plain lines, and the
# per-request line is not written.
JIANGQIAO_LOG_JSON = env.bool("JIANGQIAO_LOG_JSON", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "jiangqiao.core.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if JIANGQIAO_LOG_JSON else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "jiangqiao.request": {"level": "INFO" if JIANGQIAO_LOG_JSON else "WARNING"},
    },
}

# Health and metrics (core.health, core.metrics): /healthz answers 503 when the latest worker
# heartbeat is older than this; /metrics answers only these client addresses (JIANGQIAO_METRICS_ALLOW,
# comma-separated) or a request with "Authorization: Bearer <JIANGQIAO_METRICS_TOKEN>", else 404.
JIANGQIAO_HEALTH_WORKER_STALE_MINUTES = env.float(
    "JIANGQIAO_HEALTH_WORKER_STALE_MINUTES", default=2
)
JIANGQIAO_METRICS_ALLOW = env.list("JIANGQIAO_METRICS_ALLOW", default=["127.0.0.1", "::1"])
JIANGQIAO_METRICS_TOKEN = env_secret("JIANGQIAO_METRICS_TOKEN", default="")

# 服务办理 (casework): deadlines in working days on the Chinese public-holiday calendar, and counts.
# ``levels`` overrides them per owner level (province/city/county/grassroots).
JIANGQIAO_CASEWORK = {
    "accept_days": env.int("JIANGQIAO_CASEWORK_ACCEPT_DAYS", default=5),
    "contact_days": env.int("JIANGQIAO_CASEWORK_CONTACT_DAYS", default=2),
    "contact_attempts": env.int("JIANGQIAO_CASEWORK_CONTACT_ATTEMPTS", default=3),
    "escalate_days": env.int("JIANGQIAO_CASEWORK_ESCALATE_DAYS", default=10),
    "levels": {},
    # 发布质量评分 (casework/quality.py): each of the four criteria at least this of 5, and the
    # total at least this of 20, for a demand to be listed on the claim list (认领清单).
    "quality_min_each": env.int("JIANGQIAO_CASEWORK_QUALITY_MIN_EACH", default=2),
    "quality_min_total": env.int("JIANGQIAO_CASEWORK_QUALITY_MIN_TOTAL", default=12),
    # 续期: renewals of one publication, and the days before expiry the publisher is told.
    "publish_renewals_max": env.int("JIANGQIAO_CASEWORK_PUBLISH_RENEWALS_MAX", default=2),
    "publish_notice_days": env.int("JIANGQIAO_CASEWORK_PUBLISH_NOTICE_DAYS", default=3),
}

# Notification channels besides the inbox (core.channels): the shipped SMS and WeChat backends
# only log; a deployment points these at its provider's gateway (same ``send`` signature).
JIANGQIAO_SMS_BACKEND = env.str(
    "JIANGQIAO_SMS_BACKEND", default="jiangqiao.core.channels.LoggingSmsBackend"
)
JIANGQIAO_WECHAT_BACKEND = env.str(
    "JIANGQIAO_WECHAT_BACKEND", default="jiangqiao.core.channels.LoggingWeChatBackend"
)
# Evidence files of service sessions: stored here, never under MEDIA_URL; downloaded only through
# a view that checks the session's data scope. Types and size are checked on upload.
JIANGQIAO_PRIVATE_ROOT = env.path(
    "JIANGQIAO_PRIVATE_ROOT", default=str(BASE_DIR / "var" / "private")
)
JIANGQIAO_EVIDENCE_MAX_BYTES = env.int("JIANGQIAO_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# Attachments of demands (photos, drawings, PDFs; docs/intake.md "附件"): largest file, files per
# demand. Kept privately like the evidence, downloaded only within the demand's scope.
JIANGQIAO_ATTACHMENT_MAX_BYTES = env.int("JIANGQIAO_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
JIANGQIAO_ATTACHMENT_MAX_FILES = env.int("JIANGQIAO_ATTACHMENT_MAX_FILES", default=10)
# One-time SMS codes (accounts/phone_codes.py; 企业自助注册, 代录确认): lifetime, wrong entries
# before a pause and its length, the wait before a new code, codes per mobile and per client
# address in an hour. Each at least 1.
JIANGQIAO_SMS_CODE_TTL_MINUTES = max(1, env.int("JIANGQIAO_SMS_CODE_TTL_MINUTES", default=10))
JIANGQIAO_SMS_CODE_MAX_ATTEMPTS = max(1, env.int("JIANGQIAO_SMS_CODE_MAX_ATTEMPTS", default=5))
JIANGQIAO_SMS_CODE_PAUSE_MINUTES = max(1, env.int("JIANGQIAO_SMS_CODE_PAUSE_MINUTES", default=15))
JIANGQIAO_SMS_CODE_RESEND_SECONDS = max(1, env.int("JIANGQIAO_SMS_CODE_RESEND_SECONDS", default=60))
JIANGQIAO_SMS_CODE_MOBILE_HOURLY = max(1, env.int("JIANGQIAO_SMS_CODE_MOBILE_HOURLY", default=5))
JIANGQIAO_SMS_CODE_CLIENT_HOURLY = max(1, env.int("JIANGQIAO_SMS_CODE_CLIENT_HOURLY", default=20))
# Virus scanning of uploads (core/scanning.py, docs/security.md): a class with scan(data, name);
# empty records files as 未扫描. ClamdScanner talks to a local clamd by unix socket or loopback TCP.
JIANGQIAO_VIRUS_SCANNER = env.str("JIANGQIAO_VIRUS_SCANNER", default="")
JIANGQIAO_CLAMD_SOCKET = env.str("JIANGQIAO_CLAMD_SOCKET", default="")
JIANGQIAO_CLAMD_TCP = env.str("JIANGQIAO_CLAMD_TCP", default="")
JIANGQIAO_CLAMD_TIMEOUT = env.float("JIANGQIAO_CLAMD_TIMEOUT", default=30.0)

# Largest file per kind (core/uploads.py): JIANGQIAO_IMPORT_MAX_BYTES, JIANGQIAO_EXCHANGE_MAX_BYTES,
# JIANGQIAO_EVIDENCE_MAX_BYTES and JIANGQIAO_ATTACHMENT_MAX_BYTES; forms and API refuse larger files
# with a message naming the field and the limit. The whole request body may be at most
# JIANGQIAO_REQUEST_MAX_BYTES (HTTP 413 above it); nginx's client_max_body_size must be the same
# figure (70m).
JIANGQIAO_REQUEST_MAX_BYTES = env.int("JIANGQIAO_REQUEST_MAX_BYTES", default=70 * 1024 * 1024)
if (
    max(
        JIANGQIAO_IMPORT_MAX_BYTES,
        JIANGQIAO_EXCHANGE_MAX_BYTES,
        JIANGQIAO_EVIDENCE_MAX_BYTES,
        JIANGQIAO_ATTACHMENT_MAX_BYTES,
    )
    > JIANGQIAO_REQUEST_MAX_BYTES
):
    raise ImproperlyConfigured(
        "JIANGQIAO_REQUEST_MAX_BYTES 小于最大的单个上传文件上限（JIANGQIAO_*_MAX_BYTES），"
        "这类文件将永远无法上传"
    )
