"""Log redaction: the last line of defence if a secret reaches a log call.

Every handler of ours carries RedactSecretsFilter: Django's (settings.LOGGING, which also
covers runserver's request log, `django.server`), Celery's worker and task loggers
(config/celery.py) and gunicorn's (config/gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re

# Every parameter name that carries a credential somewhere in our traffic: chat tokens and
# widget keys (`token`, `key`), App Bridge `id_token`, install/callback `hmac`, `code` and
# `state`, App Proxy `signature`, a storefront's signed `customer_claim`, plus the OAuth and
# provider names. A compound name ending in one of them counts too (`access_token`,
# `api_key`, `consumer_secret`, `X-Shopify-Hmac-Sha256`).
_NAMES = r"token|key|hmac|signature|code|state|secret|password|session|claim"
_CREDENTIAL = re.compile(
    # the name starts a word, or follows an encoded ? or & (%3F, %26) inside a URL
    r"(?i)((?:(?<![A-Za-z0-9])|(?<=%3F)|(?<=%26))(?:[A-Za-z0-9]+[_-])*(?:" + _NAMES + r")"
    r"(?:-sha256)?"
    # = in a query, : in JSON/headers/reprs, %3D inside a URL-encoded URL (a reload path)
    r"['\"]?\s*(?:=|:|%3D)\s*['\"]?)"
    # the value: up to a separator; percent escapes are part of it, except %26 (an &)
    r"(?:[^\s&'\",}%]|%(?!26)[0-9A-Fa-f]{2})+"
)

_PATTERNS = [
    # Shopify access, refresh and session tokens; generic bearer headers.
    re.compile(r"\b(shp(?:at|ua|ca|ss|rt)_)[0-9a-zA-Z]+"),
    # WooCommerce consumer keys and secrets.
    re.compile(r"\b(c[ks]_)[0-9a-fA-F]{16,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(x-shopify-access-token['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    _CREDENTIAL,
    # Fernet ciphertexts (never useful in a log either).
    re.compile(r"()gAAAAA[0-9A-Za-z_=-]{20,}"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}[redacted]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrites the formatted message so no handler ever sees a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_redaction(logger: logging.Logger) -> None:
    """Add the filter to each of `logger`'s handlers (once), for loggers that libraries
    configure themselves rather than through settings.LOGGING."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
            handler.addFilter(RedactSecretsFilter())
