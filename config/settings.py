"""Settings for Liveblog, driven by environment variables (documented in README.md).

With nothing set, the project runs on its embedded default: SQLite, the
in-memory channel layer and DEBUG on, so `make run` works on any machine.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_flag(name: str, default: bool) -> bool:
    """A 0/1 switch; set to nothing (`DEBUG=` in a compose file), it keeps its default."""
    return env.bool(name, default=default) if env.str(name, default="") else default


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated variable; blanks around and between items are dropped."""
    return [item for item in env.list(name, cast=str.strip, default=default) if item]


DEBUG = env_flag("DEBUG", True)

# Read as it is: django-environ takes a value that starts with `$` for the name of another
# variable, and Django's own generated keys may start with one.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "corsheaders",
    "channels",
    "accounts",
    "liveblog",
    "newsroom",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.CompressPublicResponses",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RefuseNulInQueryStrings",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default; tests and production use PostgreSQL.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# Under ASGI each request runs sync code in a thread of its own, so persistent
# connections (CONN_MAX_AGE) are never reused and pile up; a pool shares them instead.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses a pool with persistent connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        # A request waits this long for a connection, then gets a 503: PostgreSQL away must
        # not hold requests (and their sockets) for long.
        "timeout": 3,
        # Give up a failing reconnect soon: the pool's backoff (1, 2, 4, 8 s…) would otherwise
        # keep a worker without connections for seconds after PostgreSQL is back, while a
        # given-up pool tries again at once on the next request.
        "reconnect_timeout": 2,
    }
    # Django then checks each pooled connection before use, so the first request after
    # PostgreSQL restarts gets a live one instead of failing on a dead one.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A PostgreSQL that does not answer at all (not just refusing) fails a request in 3 s, not 2 min.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts and wait for it, so two writers
    # (the scheduler and the web server) queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The in-memory layer only works inside one process; production runs several
# workers, so they share Redis pub/sub, which fans a broadcast out once per worker.
# Readers' sockets take no layer channel of their own: each process subscribes once
# per event (liveblog/fanout.py), so neither layer holds per-socket queues.
# Pub/sub, not RedisChannelLayer: that one holds a pooled connection per waiting
# channel, past redis-py's default pool of 100 under load. The timeouts are set,
# not inherited (redis-py 8 reads every reply with a 5 s default): a PUBLISH reply
# is read on a worker's event loop, so a busy loop must not pass for a dead Redis,
# while a Redis that is really gone still fails in bounded time. BENCHMARKS.md.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": 5,
                        "socket_timeout": 30,
                        # PING an idle subscription now and then, so a dropped one reconnects.
                        "health_check_interval": 30,
                    }
                ]
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# API throttling and login attempt counts live in the cache. Per process by default; with
# several workers set CACHE_URL (e.g. redis://host:6379/1) so they count together.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # Sign-in counts must not hang a request on a frozen Redis (they fail open).
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }

# Reader pages and API reads are rendered once per change and shared through that cache
# (liveblog/pagecache.py); RENDER_CACHE=0 renders every request, for comparing in benchmarks.
LIVEBLOG_RENDER_CACHE = env_flag("RENDER_CACHE", True)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic names each file after a hash of its content and stores gzip and brotli copies
# beside it; WhiteNoise then serves the hashed names with a far-future, immutable Cache-Control.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Pictures go through Django's storage API: the filesystem (MEDIA_ROOT, served by nginx) by
# default; MEDIA_STORAGE=s3 keeps them in S3-compatible object storage instead, which every
# host reads alike (pip install 'liveblog[s3]'; docs/operations.md, "Production shape").
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="") or "filesystem"
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("MEDIA_S3_BUCKET"),
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "custom_domain": env.str("MEDIA_S3_CUSTOM_DOMAIN", default="") or None,
            # Pictures are public: plain URLs a CDN can cache, not signed ones that expire.
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured(f"MEDIA_STORAGE is {MEDIA_STORAGE!r}; use 'filesystem' or 's3'.")
# In development the ASGI server serves static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Uploaded images are limited so one bad file cannot fill a worker's memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LIVEBLOG_DEMO_EVENT_SLUG = "ukraine-ceasefire-summit"
# Who publishes: named in JSON-LD `publisher` and link previews. The logo is a static file path.
LIVEBLOG_PUBLISHER_NAME = env.str("PUBLISHER_NAME", default="Liveblog")
LIVEBLOG_PUBLISHER_LOGO = env.str("PUBLISHER_LOGO", default="liveblog/logo.png")

# Scheduled posts: a separate `run_scheduler` process in production; inside the web
# process on the embedded default, whose in-memory channel layer no other process reaches.
LIVEBLOG_SCHEDULER_IN_PROCESS = env_flag("SCHEDULER_IN_PROCESS", not REDIS_URL)
LIVEBLOG_SCHEDULER_INTERVAL = env.float("SCHEDULER_INTERVAL", default=5.0)

# Webhook deliveries carry absolute links (permalinks, pictures); the worker has no request to
# take the host from, so it takes it from here.
LIVEBLOG_SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000/")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_flag("BEHIND_HTTPS_PROXY", False) else None
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Partner REST API (liveblog/api/) -------------------------------------------------------
# Partner origins allowed to call the API from a browser (comma-separated, e.g. https://partner.example).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
# Browsers hide response headers outside a short safe list; partners' scripts need these ones.
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Location"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "if-match", "if-none-match", "user-agent"]
CORS_PREFLIGHT_MAX_AGE = 86400

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JournalistTokenAuthentication",
        "accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["liveblog.api.parsers.StrictJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.authentication.AnonymousRateThrottle",
        "accounts.authentication.PartnerKeyRateThrottle",
        "accounts.authentication.JournalistRateThrottle",
    ],
    # Partner keys carry their own rate. The counts live in the default cache, which is per
    # process unless CACHES points at a shared one (Redis) in production.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="60/min"),
        "journalist": env.str("API_JOURNALIST_RATE", default="600/min"),
    },
    # How many proxies (CDN, load balancer) put the client's address in X-Forwarded-For;
    # 0 counts the connecting address, so a client cannot pick its own throttle bucket.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "liveblog.api.errors.api_exception_handler",
}

# The docs page's Swagger UI and Redoc come from drf-spectacular-sidecar: no CDN needed.
INSTALLED_APPS += ["drf_spectacular_sidecar"]

SPECTACULAR_SETTINGS = {
    "TITLE": "Liveblog partner API",
    "DESCRIPTION": (
        "Events, posts, speakers and quotes of Liveblog, for partner sites and newsroom tools. "
        "Poll an event with `GET /api/v1/events/{slug}/posts/?after={seq}` and `If-None-Match`; "
        "the guide is docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "liveblog.api.schema.document_errors_and_caching",
    ],
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "liveblog.models.Event.Status",
        "PostStatusEnum": "liveblog.models.Post.Status",
        "NewPostStatusEnum": ["draft", "published"],
        "PostStatusChangeEnum": ["published", "retracted"],
        "PublishedStatusEnum": ["published"],
    },
}
