"""Newsroom settings, read from the environment.

Every value has a safe default for trying the site on one machine (SQLite, no
Redis). Production sets ``DJANGO_DEBUG=0``, ``DJANGO_SECRET_KEY``,
``DJANGO_ALLOWED_HOSTS`` and ``DATABASE_URL``; see the README's table.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_networks(name: str) -> list[str]:
    """Comma-separated CIDR networks, each checked now so that a typo stops the site."""
    networks = env_list(name, [])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {network!r} is not a network (CIDR).") from None
    return networks


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the site needs a long random "
            "secret: export DJANGO_SECRET_KEY=\"$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')\", or set DJANGO_DEBUG=1 to try the site locally."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_prose_editor",
    "django_tasks_db",
    "axes",
    "articles",
    "interchange",
    "wires",
    "newsletters",
]

MIDDLEWARE = [
    # A cached page for an anonymous reader, before anything else: a hit costs no
    # database query and no other middleware. Pages are stored as they left the stack
    # below (security headers, ETag), and a miss goes through all of it.
    "articles.cache.PublicPageCacheMiddleware",
    # The security headers next, so that every response gets them: static files, pages
    # (and so the cached ones), and the 400, 404, 413, 500 and 503 that other
    # middleware answers.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Control characters in the path, NUL in the query, bodies too big to read.
    "articles.hardening.HostileInputMiddleware",
    # The edition's language from the address (/fa/… is Persian), for pages and errors.
    "articles.middleware.EditionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag on every response and 304 for conditional requests (the page cache answers
    # them itself for the pages it holds).
    "django.middleware.http.ConditionalGetMiddleware",
    # A lost database connection becomes a branded 503 with Retry-After.
    "articles.middleware.DatabaseUnavailableMiddleware",
    # Reader pages from the replica, writers from the primary (unused without a replica).
    "newsroom.db_router.ReplicaRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Sign-in throttling (django-axes): five failures for one username from one address
# lock that pair out for fifteen minutes, and so do twenty for any usernames from one
# address (password spraying) for that address; nowhere else is locked. The lockout
# page says which, and when to try again (articles.hardening).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("NEWSROOM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NEWSROOM_LOGIN_COOLOFF_MINUTES", 15))
# Per account and address first, per address second: articles.hardening.SignInThrottle
# reads them in that order, each with its own limit.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "articles.hardening.SignInThrottle"
AXES_USERNAME_CALLABLE = "articles.hardening.sign_in_name"
AXES_CLIENT_IP_CALLABLE = "articles.hardening.client_address"
AXES_LOCKOUT_CALLABLE = "articles.hardening.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "articles.context_processors.site",
                "articles.context_processors.edition",
            ],
        },
    },
]

# Database: SQLite for trying the site, PostgreSQL (DATABASE_URL) everywhere else.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode (deploy/pgbouncer): a server connection is one
# client's for one transaction only, so nothing may rely on session state. Django's
# psycopg backend prepares no statements by default; server-side cursors (.iterator())
# are turned off; and nothing is set at connect (PgBouncer refuses `options`): the
# statement timeout is the database role's default instead (`ALTER ROLE … SET
# statement_timeout`), which every server connection, hence every transaction, starts
# with; PgBouncer's query_timeout backs it up.
DB_TRANSACTION_POOLING = env_bool("DJANGO_DB_TRANSACTION_POOLING", False)
# A streaming replica for reader pages (newsroom.db_router); optional. Tests mirror the
# primary's test database on it.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name the same kind of database.")
DATABASE_ROUTERS = ["newsroom.db_router.ReplicaRouter"]
for _database in DATABASES.values():
    if _database["ENGINE"] != "django.db.backends.postgresql":
        continue
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"]["connect_timeout"] = env_int("DJANGO_DB_CONNECT_TIMEOUT", 3)
    if DB_TRANSACTION_POOLING:
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # A slow query is cut off instead of holding a worker (0 turns the limit off).
        _timeout_ms = env_int("DJANGO_DB_STATEMENT_TIMEOUT_MS", 15000)
        _database["OPTIONS"]["options"] = f"-c statement_timeout={_timeout_ms}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database for trying the site: the web server and the worker share it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, degrading to "uncached" while Redis is down.
            "BACKEND": "articles.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            # Fail fast when Redis is unreachable rather than hold a worker.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (scheduled publishing) in a PostgreSQL-backed queue: `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("NEWSROOM_LANGUAGE", "en")
# The editions: a story is written in one of these (``Story.language``); the default
# language's pages have no prefix, every other's live under ``/<code>/`` (``/fa/``).
# Add a language here, with its labels' names and a locale/<code> catalogue.
LANGUAGES = [("en", "English"), ("fa", "فارسی")]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
# The interface in each edition's language: locale/<code>/LC_MESSAGES/django.po, and its
# compiled .mo beside it (committed; `make run` compiles it anew where gettext is installed).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images may be served from a host of their own, with no cookies of ours
# (e.g. https://media.example.org/); by default from this site under /media/.
MEDIA_URL = os.environ.get("MEDIA_URL", "media/")
if not MEDIA_URL.endswith("/"):
    raise ImproperlyConfigured(f"MEDIA_URL={MEDIA_URL!r} must end with a slash.")
_media = urlsplit(MEDIA_URL)
_MEDIA_ORIGINS = [f"{_media.scheme}://{_media.netloc}"] if _media.netloc else []
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    # The media folder; a failed write leaves no partial file (articles.storage).
    "default": {"BACKEND": "articles.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Media in S3-compatible object storage when a bucket is named (django-storages): each
# object is written whole or not at all, named once and never overwritten, and linked
# unsigned on the media host (MEDIA_URL, a cookieless host of its own in front of the
# bucket, e.g. a CDN), which must then be a full URL. Without keys, boto3 finds its own
# credentials (an instance role).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    if not _media.netloc or _media.scheme not in ("http", "https"):
        raise ImproperlyConfigured(
            f"AWS_STORAGE_BUCKET_NAME is set: set MEDIA_URL to the full URL of the media "
            f"host in front of the bucket (https://media.example.org/), not {MEDIA_URL!r}."
        )
    STORAGES["default"] = {
        "BACKEND": "articles.storage.S3MediaStorage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "custom_domain": (_media.netloc + _media.path).rstrip("/"),
            "url_protocol": f"{_media.scheme}:",
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": None,
            # Stored names are generated and never reused.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Larger uploads go to a temporary file, of which no more than articles.uploads.MAX_BYTES
# is ever written; a body larger than that and the form is refused unread (413).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "articles.uploads.CappedUploadHandler",
]

# Security headers on every response; production hardening when DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Reader pages use no nonce (so a cached page is right for every reader); the admin does.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *_MEDIA_ORIGINS],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# The health check is polled by load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Email: printed to the console while developing, sent over SMTP in production.
_EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": env_int("DJANGO_EMAIL_PORT", 25),
        "username": os.environ.get("DJANGO_EMAIL_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
        # The newsletter sender holds a row lock while a server takes a message: a
        # server that hangs must not hold it for ever.
        "timeout": env_int("DJANGO_EMAIL_TIMEOUT", 30),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "newsroom@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Whatever a request put in a log line (a path, a username) is written escaped.
    "formatters": {"escaped": {"()": "articles.middleware.EscapingFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "escaped"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Agency feeds (wires/): each fetch is bounded in time and size; loopback addresses are
# refused unless a test allows them.
WIRES = {
    "ALLOW_LOOPBACK": env_bool("NEWSROOM_WIRES_ALLOW_LOOPBACK", False),
    "TIMEOUT": env_int("NEWSROOM_WIRES_TIMEOUT", 10),
    "MAX_BYTES": env_int("NEWSROOM_WIRES_MAX_BYTES", 5 * 1024 * 1024),
}

# What the reading site says about itself: names, language and the absolute base URL
# used in feeds, sitemaps, canonical links and structured data.
NEWSROOM = {
    "SITE_NAME": os.environ.get("NEWSROOM_SITE_NAME", "Newsroom"),
    # The shipped tagline is translated like the interface; an operator's own
    # (NEWSROOM_TAGLINE) is used as written, in every edition that has none of its own
    # (NEWSROOM_TAGLINE_FA, … one per language code: articles.site.tagline).
    "TAGLINE": (
        os.environ["NEWSROOM_TAGLINE"]
        if "NEWSROOM_TAGLINE" in os.environ
        else gettext_lazy("Smart, brief news.")
    ),
    "TAGLINES": {
        code: os.environ[f"NEWSROOM_TAGLINE_{code.upper()}"]
        for code, _name in LANGUAGES
        if f"NEWSROOM_TAGLINE_{code.upper()}" in os.environ
    },
    "BASE_URL": os.environ.get("NEWSROOM_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
    "LANGUAGE": LANGUAGE_CODE,
    "LOGO": os.environ.get("NEWSROOM_LOGO", "img/logo.png"),
    # Full pages for anonymous readers, invalidated at once on publish (articles.cache).
    "PAGE_CACHE_SECONDS": env_int("NEWSROOM_PAGE_CACHE_SECONDS", 0 if DEBUG else 600),
    # Dotted path of a function called after every invalidation, e.g. to purge a CDN.
    "PURGE_HOOK": os.environ.get("NEWSROOM_PURGE_HOOK", ""),
    # The house rules gate submit, approve, schedule and publish (editors set them in
    # the admin); 0 turns the gates off everywhere, for tests of other things.
    "HOUSE_RULES": env_bool("NEWSROOM_HOUSE_RULES", True),
    # Days a story stays in the trash, restorable, before it is deleted for good.
    "TRASH_DAYS": env_int("NEWSROOM_TRASH_DAYS", 30),
    # The read API (interchange/): how long a CDN may keep an answer, and the requests a
    # minute of a partner key without a limit of its own.
    "API_CACHE_SECONDS": env_int("NEWSROOM_API_CACHE_SECONDS", 60),
    "API_KEY_RATE_PER_MINUTE": env_int("NEWSROOM_API_KEY_RATE_PER_MINUTE", 600),
    # Webhooks: one attempt's limit, the first retry's wait (it doubles) and the longest,
    # attempts before giving up (about three days), and networks they may reach although
    # private or loopback (comma-separated CIDRs; none by default).
    "WEBHOOK_TIMEOUT_SECONDS": env_int("NEWSROOM_WEBHOOK_TIMEOUT_SECONDS", 15),
    "WEBHOOK_RETRY_BASE_SECONDS": env_int("NEWSROOM_WEBHOOK_RETRY_BASE_SECONDS", 30),
    "WEBHOOK_RETRY_CAP_SECONDS": env_int("NEWSROOM_WEBHOOK_RETRY_CAP_SECONDS", 12 * 60 * 60),
    "WEBHOOK_MAX_ATTEMPTS": env_int("NEWSROOM_WEBHOOK_MAX_ATTEMPTS", 17),
    "WEBHOOK_ALLOWED_NETWORKS": env_networks("NEWSROOM_WEBHOOK_ALLOWED_NETWORKS"),
    # Failed sign-ins from one address, for any usernames, that lock that address.
    "LOGIN_ADDRESS_FAILURE_LIMIT": env_int("NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT", 20),
    # Proxies in front of the app servers that append to X-Forwarded-For (a load
    # balancer: 1); throttling and the audit log then see readers' own addresses.
    "PROXY_COUNT": env_int("NEWSROOM_PROXY_COUNT", 0),
}
# Newsletters (newsletters/): sender, sending speed, sign-up limits, link lifetimes.
NEWSROOM.update(
    {
        # "" → DEFAULT_FROM_EMAIL; "" → the "newsletter" mailer if set, else the default;
        # "" → unsubscribe@ the sender's domain (List-Unsubscribe's mailto).
        "NEWSLETTER_FROM_EMAIL": os.environ.get("NEWSROOM_NEWSLETTER_FROM_EMAIL", ""),
        "NEWSLETTER_MAILER": os.environ.get("NEWSROOM_NEWSLETTER_MAILER", ""),
        "NEWSLETTER_UNSUBSCRIBE_MAILBOX": os.environ.get(
            "NEWSROOM_NEWSLETTER_UNSUBSCRIBE_MAILBOX", ""
        ),
        "NEWSLETTER_RATE_PER_MINUTE": env_int("NEWSROOM_NEWSLETTER_RATE_PER_MINUTE", 600),
        "NEWSLETTER_BATCH_SIZE": env_int("NEWSROOM_NEWSLETTER_BATCH_SIZE", 100),
        "NEWSLETTER_LEASE_SECONDS": env_int("NEWSROOM_NEWSLETTER_LEASE_SECONDS", 300),
        "NEWSLETTER_MAX_ATTEMPTS": env_int("NEWSROOM_NEWSLETTER_MAX_ATTEMPTS", 5),
        "NEWSLETTER_RETRY_SECONDS": env_int("NEWSROOM_NEWSLETTER_RETRY_SECONDS", 60),
        "NEWSLETTER_SIGNUPS_PER_HOUR": env_int("NEWSROOM_NEWSLETTER_SIGNUPS_PER_HOUR", 5),
        "NEWSLETTER_CONFIRMATIONS_PER_DAY": env_int("NEWSROOM_NEWSLETTER_CONFIRMATIONS_PER_DAY", 3),
        "NEWSLETTER_BLOCKED_DOMAINS": env_list("NEWSROOM_NEWSLETTER_BLOCKED_DOMAINS", []),
        "NEWSLETTER_CONFIRM_DAYS": env_int("NEWSROOM_NEWSLETTER_CONFIRM_DAYS", 7),
        "NEWSLETTER_FORM_HOURS": env_int("NEWSROOM_NEWSLETTER_FORM_HOURS", 6),
        "NEWSLETTER_DATA_LINK_MINUTES": env_int("NEWSROOM_NEWSLETTER_DATA_LINK_MINUTES", 60),
        "NEWSLETTER_DRAFT_HOURS": env_int("NEWSROOM_NEWSLETTER_DRAFT_HOURS", 2),
        "NEWSLETTER_SOFT_BOUNCE_LIMIT": env_int("NEWSROOM_NEWSLETTER_SOFT_BOUNCE_LIMIT", 5),
        "NEWSLETTER_MAX_STORIES": env_int("NEWSROOM_NEWSLETTER_MAX_STORIES", 25),
    }
)
# The production topology (deploy/, README "Running in production"): Varnish purged by
# surrogate key (with NEWSROOM_PURGE_HOOK=articles.purge.purge), the replica's limits.
NEWSROOM.update(
    {
        # Every Varnish in front (comma-separated URLs); each takes every purge.
        "VARNISH_URLS": env_list("NEWSROOM_VARNISH_URLS", []),
        "PURGE_TIMEOUT_SECONDS": env_int("NEWSROOM_PURGE_TIMEOUT_SECONDS", 3),
        # Reader pages leave a replica further behind than this for the primary…
        "REPLICA_MAX_LAG_SECONDS": env_int("DJANGO_DB_REPLICA_MAX_LAG_SECONDS", 5),
        # …and whoever wrote reads the primary this long (never less than the above).
        "READ_YOUR_WRITES_SECONDS": env_int("DJANGO_DB_READ_YOUR_WRITES_SECONDS", 10),
        # X-Newsroom-Database: replica|primary on every answer, for operators.
        "DB_ROUTE_HEADER": env_bool("NEWSROOM_DB_ROUTE_HEADER", False),
    }
)
# Newsletters through a provider of their own (django-anymail), e.g.
# NEWSROOM_NEWSLETTER_EMAIL_BACKEND=anymail.backends.postmark.EmailBackend; else the
# site's mailer. Credentials and the webhook secret ("user:password") as ANYMAIL_*.
if os.environ.get("NEWSROOM_NEWSLETTER_EMAIL_BACKEND"):
    MAILERS["newsletter"] = {"BACKEND": os.environ["NEWSROOM_NEWSLETTER_EMAIL_BACKEND"]}
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

if NEWSROOM["LOGIN_ADDRESS_FAILURE_LIMIT"] <= AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT must be higher than NEWSROOM_LOGIN_FAILURE_LIMIT: "
        "one person's typos would otherwise lock everyone at their address out."
    )
