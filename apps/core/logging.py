"""Log redaction: the last line of defence if a secret reaches a log call."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    # Shopify access, refresh and session tokens; generic bearer headers.
    re.compile(r"\b(shp(?:at|ua|ca|ss|rt)_)[0-9a-zA-Z]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(x-shopify-access-token['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    # Query-string and JSON credentials.
    re.compile(
        r"(?i)((?:id_token|access_token|refresh_token|client_secret|subject_token|hmac|signature"
        r"|session|code|password|api_key|secret)['\"]?\s*[=:]\s*['\"]?)[^\s&'\",}]+"
    ),
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
