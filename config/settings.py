"""Settings, read from the environment (django-environ).

With no DATABASE_URL the app runs on SQLite, and with no REDIS_URL tasks run inline
and locks/rate limits live in the process: that is the `make demo` mode. Production
and the test suite set both.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# GENERAL
DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("TESTING", default="pytest" in sys.modules)
DEV_MODE = DEBUG or TESTING

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEV_MODE:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

APP_URL = env("APP_URL", default="http://localhost:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[APP_URL])
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
# Believe X-Forwarded-Proto only behind a proxy of ours that sets it on every request
# (overwriting what the client sent); otherwise any client could claim https.
TRUST_X_FORWARDED_PROTO = env.bool("TRUST_X_FORWARDED_PROTO", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_PROTO else None
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = "en-us"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DATABASES
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Prepared statements: Django turns psycopg's off (prepare_threshold None) for poolers'
# sake. Connected straight to PostgreSQL we prepare what asks for it explicitly (the
# webhook inbox's INSERT, `prepare=True`) and nothing else (a threshold never reached).
# Behind PgBouncer in transaction mode (README "Connection pooling") each transaction
# may run on another server session, so nothing may rely on session state: prepared
# statements and server-side cursors are off there.
DATABASE_POOLER = env("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer-transaction"):
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer-transaction'")
PREPARE_EXPLICIT_ONLY = 2**31 - 1
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        "prepare_threshold": None if DATABASE_POOLER else PREPARE_EXPLICIT_ONLY
    }
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = bool(DATABASE_POOLER)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}

# REDIS: broker, cache, locks and rate limits. Empty = in-process fallbacks (demo only).
REDIS_URL = env("REDIS_URL", default="")

# APPS
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
]
LOCAL_APPS = [
    "apps.core",
    "apps.stores",
    "apps.orders",
    "apps.integrations",
    "apps.shopify_app",
    "apps.bigcommerce_app",
    "apps.woocommerce_app",
    "apps.billing",
    "apps.webhooks",
    "apps.conversations",
    "apps.chat",
    "apps.agent",
    "apps.helpdesk",
    "apps.notifications",
    "apps.dashboard",
]
INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.csp.ContentSecurityPolicyMiddleware",
    "apps.core.admin_gate.AdminGateMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
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
                "apps.core.csp.csp_nonce",
            ],
        },
    },
]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# CACHES
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# SECURITY
SESSION_COOKIE_SECURE = not DEBUG and APP_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HSTS on by default wherever the public URL is https (Django sends it on secure requests
# only: behind a TLS-terminating proxy that needs TRUST_X_FORWARDED_PROTO).
SECURE_HSTS_SECONDS = env.int(
    "SECURE_HSTS_SECONDS",
    default=31_536_000 if not DEV_MODE and APP_URL.startswith("https://") else 0,
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# The Django admin (webhook replay, support look-ups) is served only when enabled, and its
# login is throttled per client address.
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=DEV_MODE)
ADMIN_LOGIN_RATE_LIMIT = env("ADMIN_LOGIN_RATE_LIMIT", default="10/600")


def _dev_encryption_key() -> str:
    digest = hashlib.sha256(f"aftersale-dev-encryption:{SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# Credentials at rest: MultiFernet. The first key encrypts, every key decrypts.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
if not ENCRYPTION_KEYS:
    if not DEV_MODE:
        raise ImproperlyConfigured("ENCRYPTION_KEYS must hold at least one Fernet key")
    ENCRYPTION_KEYS = [_dev_encryption_key()]

# SHOPIFY
SHOPIFY_API_KEY = env("SHOPIFY_API_KEY", default="dev-api-key" if DEV_MODE else "")
SHOPIFY_API_SECRET = env("SHOPIFY_API_SECRET", default="dev-api-secret" if DEV_MODE else "")
SHOPIFY_API_SECRET_OLD = env("SHOPIFY_API_SECRET_OLD", default="")
SHOPIFY_SCOPES = env(
    "SHOPIFY_SCOPES",
    # What the commerce provider uses, plus write_app_proxy for the storefront chat (README).
    default="read_orders,write_orders,read_all_orders,read_customers,read_products,"
    "read_returns,write_returns,read_legal_policies,write_app_proxy",
)
SHOPIFY_API_VERSION = env("SHOPIFY_API_VERSION", default="2026-10")
SHOPIFY_HTTP_TIMEOUT = env.float("SHOPIFY_HTTP_TIMEOUT", default=10.0)
# GraphQL Admin API client (apps.integrations.commerce.shopify). Tests/bench point the
# URL template at a local stand-in; production keeps Shopify's.
SHOPIFY_ADMIN_URL_TEMPLATE = env(
    "SHOPIFY_ADMIN_URL_TEMPLATE", default="https://{shop}/admin/api/{version}/graphql.json"
)
SHOPIFY_MAX_ATTEMPTS = env.int("SHOPIFY_MAX_ATTEMPTS", default=5)
# Longest a customer turn waits for Shopify (throttle + retries) before "still checking".
SHOPIFY_MAX_WAIT_SECONDS = env.float("SHOPIFY_MAX_WAIT_SECONDS", default=8.0)
SHOPIFY_BACKGROUND_MAX_WAIT_SECONDS = env.float("SHOPIFY_BACKGROUND_MAX_WAIT_SECONDS", default=60.0)
# Order cache: a row younger than this is served without an API call (webhooks keep it
# fresh); final orders (cancelled, refunded, delivered long ago) keep longer.
SHOPIFY_ORDER_CACHE_SECONDS = env.int("SHOPIFY_ORDER_CACHE_SECONDS", default=300)
SHOPIFY_ORDER_CACHE_FINAL_SECONDS = env.int("SHOPIFY_ORDER_CACHE_FINAL_SECONDS", default=86400)
SHOPIFY_BACKFILL_DAYS = env.int("SHOPIFY_BACKFILL_DAYS", default=90)
# A backfill of more orders than this runs as one bulk operation (a JSONL export Shopify
# writes, at ~0 points) instead of cursor pages (~30 points an order: 1,000 orders are
# 5 minutes of a standard plan's 100 points/s). 0 = always bulk.
SHOPIFY_BULK_BACKFILL_THRESHOLD = env.int("SHOPIFY_BULK_BACKFILL_THRESHOLD", default=1000)
# WOOCOMMERCE (apps.integrations.commerce.woocommerce): REST API v3 with the store's keys.
# A store's host must resolve to public addresses (apps.core.netguard); stand-ins on
# 127.0.0.1 need this on, which only tests and DEBUG may do.
WOOCOMMERCE_ALLOW_LOCAL_HOSTS = env.bool("WOOCOMMERCE_ALLOW_LOCAL_HOSTS", default=TESTING)
if WOOCOMMERCE_ALLOW_LOCAL_HOSTS and not (DEBUG or TESTING):
    raise ImproperlyConfigured("WOOCOMMERCE_ALLOW_LOCAL_HOSTS is for tests and DEBUG only")
WOOCOMMERCE_HTTP_TIMEOUT = env.float("WOOCOMMERCE_HTTP_TIMEOUT", default=10.0)
WOOCOMMERCE_MAX_ATTEMPTS = env.int("WOOCOMMERCE_MAX_ATTEMPTS", default=5)
# Longest a customer turn waits for a WooCommerce store before "still checking".
WOOCOMMERCE_MAX_WAIT_SECONDS = env.float("WOOCOMMERCE_MAX_WAIT_SECONDS", default=8.0)
# A snapshot row younger than this answers without a call (webhooks and the poll keep it fresh).
WOOCOMMERCE_ORDER_CACHE_SECONDS = env.int("WOOCOMMERCE_ORDER_CACHE_SECONDS", default=300)
WOOCOMMERCE_ORDER_CACHE_FINAL_SECONDS = env.int(
    "WOOCOMMERCE_ORDER_CACHE_FINAL_SECONDS", default=86400
)
# Throttles of the open /shopify/install entry point, e.g. "per_address=20/600,per_shop=10/600".
INSTALL_RATE_LIMITS = env.dict("INSTALL_RATE_LIMITS", default={})
# BIGCOMMERCE (apps.integrations.commerce.bigcommerce, apps.bigcommerce_app): the app's
# client id and secret from the Developer Portal (the secret signs the load/uninstall JWTs
# and Standard Webhooks signatures). Tests/bench point the API base at a stand-in.
BIGCOMMERCE_CLIENT_ID = env("BIGCOMMERCE_CLIENT_ID", default="")
BIGCOMMERCE_CLIENT_SECRET = env("BIGCOMMERCE_CLIENT_SECRET", default="")
BIGCOMMERCE_API_BASE = env("BIGCOMMERCE_API_BASE", default="https://api.bigcommerce.com")
BIGCOMMERCE_LOGIN_BASE = env("BIGCOMMERCE_LOGIN_BASE", default="https://login.bigcommerce.com")
# Longest a customer turn waits for BigCommerce (quota + retries) before "still checking".
BIGCOMMERCE_MAX_WAIT_SECONDS = env.float("BIGCOMMERCE_MAX_WAIT_SECONDS", default=8.0)
BIGCOMMERCE_ORDER_CACHE_SECONDS = env.int("BIGCOMMERCE_ORDER_CACHE_SECONDS", default=300)
# After install, orders changed in the last this-many days (at most this many) are read
# into the snapshot in the background.
BIGCOMMERCE_BACKFILL_DAYS = env.int("BIGCOMMERCE_BACKFILL_DAYS", default=60)
BIGCOMMERCE_BACKFILL_MAX_ORDERS = env.int("BIGCOMMERCE_BACKFILL_MAX_ORDERS", default=2000)
# Merchants on platforms we do not bill through (BigCommerce, WooCommerce) see the plan
# page as free while this is on.
BILLING_FREE_DURING_BETA = env.bool("BILLING_FREE_DURING_BETA", default=True)

# BILLING (apps.billing): subscriptions are test charges when this is on (and
# always on development stores); usage charges are sent every BILLING_CHARGE_SECONDS.
SHOPIFY_BILLING_TEST = env.bool("SHOPIFY_BILLING_TEST", default=DEV_MODE)
BILLING_CHARGE_SECONDS = env.int("BILLING_CHARGE_SECONDS", default=300)

# WEBHOOKS
# Shopify's largest order payloads (hundreds of line items) stay well below 1 MiB.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(WEBHOOK_MAX_BODY_BYTES, 2_621_440)
WEBHOOK_SWEEP_SECONDS = env.int("WEBHOOK_SWEEP_SECONDS", default=60)
WEBHOOK_PENDING_GRACE_SECONDS = env.int("WEBHOOK_PENDING_GRACE_SECONDS", default=30)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# One event's handler: the hard limit also bounds how long a claim by a dead worker holds
# the event (the sweep takes it back WEBHOOK_TASK_TIME_LIMIT + 10 s after the claim).
WEBHOOK_TASK_SOFT_TIME_LIMIT = env.int("WEBHOOK_TASK_SOFT_TIME_LIMIT", default=35)
WEBHOOK_TASK_TIME_LIMIT = env.int("WEBHOOK_TASK_TIME_LIMIT", default=45)

# RETENTION (README "Retention"): how long rows that only grow are kept. Beat purges them
# in short batches. A webhook row is the dedupe record of its event: Shopify redelivers
# for up to 48 hours, so no webhook row goes before 3 days.
RETENTION_MIN_WEBHOOK_DAYS = 3
RETENTION_WEBHOOK_PROCESSED_DAYS = env.int("RETENTION_WEBHOOK_PROCESSED_DAYS", default=14)
RETENTION_WEBHOOK_IGNORED_DAYS = env.int("RETENTION_WEBHOOK_IGNORED_DAYS", default=3)
RETENTION_WEBHOOK_FAILED_DAYS = env.int("RETENTION_WEBHOOK_FAILED_DAYS", default=60)
if (
    min(
        RETENTION_WEBHOOK_PROCESSED_DAYS,
        RETENTION_WEBHOOK_IGNORED_DAYS,
        RETENTION_WEBHOOK_FAILED_DAYS,
    )
    < RETENTION_MIN_WEBHOOK_DAYS
):
    raise ImproperlyConfigured("webhook retention must be at least 3 days (redelivery dedupe)")
# Rows per transaction, and seconds a run may spend before leaving the rest to the next.
RETENTION_BATCH = env.int("RETENTION_BATCH", default=500)
RETENTION_RUN_SECONDS = env.int("RETENTION_RUN_SECONDS", default=40)
# Seconds between batches, to leave the disk and a core to the requests writing the same
# tables on a host where the purge shows in their latency. Off by default: measured with
# BENCH_ONLY=retention bench/dashboard.py, 0.05 s halved the purge's rows per second and
# moved the webhook inbox's p99 (10-14 ms) no further than its noise.
RETENTION_PAUSE_SECONDS = env.float("RETENTION_PAUSE_SECONDS", default=0.0)
RETENTION_SECONDS = env.int("RETENTION_SECONDS", default=600)

# AGENT
AGENT_LLM_PROVIDER = env("AGENT_LLM_PROVIDER", default="")  # "", "anthropic" or "openai"
AGENT_LLM_API_KEY = env("AGENT_LLM_API_KEY", default="")
AGENT_LLM_MODEL = env("AGENT_LLM_MODEL", default="")
AGENT_LLM_TIMEOUT = env.float("AGENT_LLM_TIMEOUT", default=8.0)
if AGENT_LLM_PROVIDER and not AGENT_LLM_API_KEY:
    raise ImproperlyConfigured("AGENT_LLM_API_KEY must be set when AGENT_LLM_PROVIDER is")
# The pipeline's optional helper (apps.agent.assistant): the LLM one answers None, i.e. is
# off, unless AGENT_LLM_PROVIDER names a provider.
AGENT_ASSISTANT = env("AGENT_ASSISTANT", default="apps.agent.llm.assistant:build_llm_assistant")
AGENT_TURN_TIME_LIMIT = env.int("AGENT_TURN_TIME_LIMIT", default=60)
# A customer message still unanswered after this long is re-enqueued by the sweep.
AGENT_UNANSWERED_GRACE_SECONDS = env.int("AGENT_UNANSWERED_GRACE_SECONDS", default=120)
AGENT_SWEEP_SECONDS = env.int("AGENT_SWEEP_SECONDS", default=60)
# An action executing (or approved and not started) this long is finished by the
# reconciler: far beyond the action lock's 15 s lease, so its holder is gone.
AGENT_ACTION_RECONCILE_SECONDS = env.int("AGENT_ACTION_RECONCILE_SECONDS", default=60)
# Returns whose label task was lost are enqueued again this often, once they are this old:
# past the label task's first run, so the sweep never races it (apps.agent.return_sweep).
RETURN_LABEL_SWEEP_SECONDS = env.int("RETURN_LABEL_SWEEP_SECONDS", default=300)
RETURN_LABEL_SWEEP_AFTER_SECONDS = env.int("RETURN_LABEL_SWEEP_AFTER_SECONDS", default=900)

# STOREFRONT CHAT (apps.chat.api)
# Proxies we run in front of Django (each appends one X-Forwarded-For entry); 0 = none.
CHAT_TRUSTED_PROXY_HOPS = env.int("CHAT_TRUSTED_PROXY_HOPS", default=0)
# Overrides of the chat rate limits, e.g. "message_per_conversation=10/60,read_per_address=300/60".
CHAT_RATE_LIMITS = env.dict("CHAT_RATE_LIMITS", default={})
# A conversation token opens its conversation only while the conversation is this fresh:
# idle for at most CHAT_TOKEN_IDLE_HOURS and at most CHAT_TOKEN_MAX_AGE_DAYS old.
CHAT_TOKEN_IDLE_HOURS = env.int("CHAT_TOKEN_IDLE_HOURS", default=24)
CHAT_TOKEN_MAX_AGE_DAYS = env.int("CHAT_TOKEN_MAX_AGE_DAYS", default=7)
# A guest's proof of owning an order lapses after this many idle minutes (a shared screen).
AGENT_VERIFICATION_IDLE_MINUTES = env.int("AGENT_VERIFICATION_IDLE_MINUTES", default=30)

# CELERY
# "memory://localhost/" rather than "memory://": kombu warns about a missing hostname on
# every inline task otherwise, noise a newcomer reads as a broken broker.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TASK_IGNORE_RESULT = True
# Customer-facing work (agent turns, carrying out approved actions and telling the
# customer) has a queue and worker pool of its own, so a webhook backlog on the default
# queue never delays a reply. Procfile / docker-compose run a worker per queue.
# A customer's inbound text or email (a webhook event) is put on the chat queue by the
# relay, per event, not by a route here: apps.webhooks.dispatch.queue_for.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_CHAT_QUEUE = "chat"
CELERY_TASK_ROUTES = {
    "apps.agent.tasks.handle_message": {"queue": CELERY_CHAT_QUEUE},
    "apps.agent.tasks.execute_action": {"queue": CELERY_CHAT_QUEUE},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# acks_late needs a visibility timeout longer than the longest task. A publish gives up
# on an unreachable broker within milliseconds instead of retrying for seconds: a web
# request (a webhook) must still answer, and the sweep re-enqueues what it could not send.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
}
# The hour of the night (store time) at which the rollups of yesterday and the day before
# are recomputed from the source rows.
ROLLUP_HEAL_HOUR = env.int("ROLLUP_HEAL_HOUR", default=2)

CELERY_BEAT_SCHEDULE = {
    "agent-sweep-unanswered-messages": {
        "task": "apps.agent.tasks.sweep_unanswered_messages",
        "schedule": float(AGENT_SWEEP_SECONDS),
    },
    "agent-reconcile-actions": {
        "task": "apps.agent.tasks.reconcile_actions",
        "schedule": float(AGENT_ACTION_RECONCILE_SECONDS),
    },
    "agent-sweep-return-labels": {
        "task": "agent.sweep_return_labels",
        "schedule": float(RETURN_LABEL_SWEEP_SECONDS),
    },
    "webhooks-sweep-pending": {
        "task": "apps.webhooks.tasks.sweep_pending_events",
        "schedule": float(WEBHOOK_SWEEP_SECONDS),
    },
    "analytics-rollups-sweep": {
        "task": "apps.dashboard.analytics.tasks.rollups_sweep",
        "schedule": 3600.0,
    },
    "retention-webhook-events": {
        "task": "apps.webhooks.tasks.purge_webhook_events",
        "schedule": float(RETENTION_SECONDS),
    },
    "retention-conversations": {
        "task": "apps.conversations.tasks.purge_conversations",
        "schedule": float(RETENTION_SECONDS),
    },
    "billing-charge-resolutions": {
        "task": "apps.billing.tasks.charge_resolutions",
        "schedule": float(BILLING_CHARGE_SECONDS),
    },
    "helpdesk-sweep-sync": {
        "task": "apps.helpdesk.tasks.sweep_helpdesk_sync",
        "schedule": 60.0,
    },
}

# HELPDESKS: "gorgias=http://127.0.0.1:8201/gorgias/api,..." sends a provider's API calls to a
# stand-in instead of the merchant's account (tests, benchmarks; standins/helpdesk/server.py).
HELPDESK_API_BASES: dict[str, str] = env.dict("HELPDESK_API_BASES", default={})
# Our public app at each helpdesk (OAuth client; Zendesk's is the global client Zendesk
# issues). Front signs app webhooks with the app's signing key, Intercom with the client
# secret. A provider without a client id offers only its API-token connection.
HELPDESK_APPS: dict[str, dict[str, str]] = {
    name: {
        "client_id": env(f"HELPDESK_{name.upper()}_CLIENT_ID", default=""),
        "client_secret": env(f"HELPDESK_{name.upper()}_CLIENT_SECRET", default=""),
        "webhook_secret": env(f"HELPDESK_{name.upper()}_WEBHOOK_SECRET", default=""),
    }
    for name in ("gorgias", "zendesk", "front", "intercom")
}
# Where the OAuth pages live, per provider (tests point them at a stand-in).
HELPDESK_OAUTH_URLS: dict[str, str] = env.dict("HELPDESK_OAUTH_URLS", default={})

# MESSAGING: the outbox sends email/SMS through the store's connected provider.
# Without one, and only in DEBUG/tests, the console provider writes what would be sent to
# MESSAGING_CONSOLE_DIR. The *_API_* values point the SDKs at a stand-in (tests, benchmarks).
MESSAGING_CONSOLE_DIR = env("MESSAGING_CONSOLE_DIR", default=str(BASE_DIR / "var" / "messages"))
MESSAGING_SENDGRID_API_HOST = env("MESSAGING_SENDGRID_API_HOST", default="")
MESSAGING_TWILIO_API_BASE = env("MESSAGING_TWILIO_API_BASE", default="")
MESSAGING_OUTBOX_MAX_ATTEMPTS = env.int("MESSAGING_OUTBOX_MAX_ATTEMPTS", default=12)
MESSAGING_OUTBOX_SWEEP_SECONDS = env.int("MESSAGING_OUTBOX_SWEEP_SECONDS", default=60)
# WooCommerce's backstop: orders modified since the last poll, and our webhooks kept on.
WOOCOMMERCE_POLL_SECONDS = env.int("WOOCOMMERCE_POLL_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["woocommerce-poll-stores"] = {
    "task": "apps.woocommerce_app.tasks.poll_woocommerce_stores",
    "schedule": float(WOOCOMMERCE_POLL_SECONDS),
}
# NOTIFICATIONS: the team digest goes out at most once per NOTIFICATIONS_DIGEST_MINUTES; the
# sweep also queues customer notices of actions done.
NOTIFICATIONS_DIGEST_MINUTES = env.int("NOTIFICATIONS_DIGEST_MINUTES", default=60)
NOTIFICATIONS_SWEEP_SECONDS = env.int("NOTIFICATIONS_SWEEP_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {
    "task": "apps.notifications.tasks.sweep_notifications",
    "schedule": float(NOTIFICATIONS_SWEEP_SECONDS),
}
CELERY_BEAT_SCHEDULE["messaging-sweep-outbox"] = {
    "task": "apps.conversations.tasks.sweep_outbox",
    "schedule": float(MESSAGING_OUTBOX_SWEEP_SECONDS),
}

# LOGGING: every handler passes through the redaction filter.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "apps.core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Inline tasks (the demo): "task succeeded" lines would interleave with what the demo
    # prints for a newcomer; failures still log.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}  # type: ignore[index]

# SHIPPING / PAYMENTS: EasyPost and Stripe are reached through their SDKs with each store's
# own key. These point the SDKs at a stand-in (end-to-end tests, benchmarks); empty in
# production, where the SDKs' own addresses are used.
SHIPPING_EASYPOST_API_BASE = env("SHIPPING_EASYPOST_API_BASE", default="")
PAYMENTS_STRIPE_API_BASE = env("PAYMENTS_STRIPE_API_BASE", default="")
