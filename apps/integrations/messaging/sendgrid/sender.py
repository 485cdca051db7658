"""Sending email through SendGrid's v3 Mail Send (the official SDK, sync: Celery only).

A 202 means queued, not delivered: delivery arrives later on the signed Event Webhook, matched on
the `X-Message-Id` returned here (events carry it as the prefix of `sg_message_id`).
"""

from __future__ import annotations

from typing import Any
from urllib.error import URLError

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import CustomArg, Header, Mail, ReplyTo

from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.integrations.messaging.base import (
    BLOCKED,
    CREDENTIALS,
    INVALID_RECIPIENT,
    RATE_LIMITED,
    REJECTED,
    UNAVAILABLE,
    AmbiguousError,
    Email,
    MessagingError,
    PermanentError,
    Sent,
    TransientError,
)
from apps.integrations.messaging.sendgrid.connection import HOSTS

TIMEOUT_SECONDS = 10.0


class SendGridSender:
    key = "sendgrid"

    def __init__(
        self,
        *,
        api_key: str,
        region: str = "global",
        host: str = "",
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._api_key = api_key
        # `host` points the SDK at a stand-in (tests, benchmarks); otherwise the region's API.
        self._host = host or f"https://{HOSTS.get(region, HOSTS['global'])}"
        self._timeout = timeout

    def send_email(self, email: Email) -> Sent:
        email.check()
        client = SendGridAPIClient(self._api_key, host=self._host)
        client.client.timeout = self._timeout  # the SDK has no timeout of its own
        try:
            response = client.send(_mail(email))
        except HTTPError as exc:
            raise _http_error(exc) from None
        except TimeoutError:
            raise AmbiguousError("SendGrid did not answer in time.", reason=UNAVAILABLE) from None
        except URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise AmbiguousError(
                    "SendGrid did not answer in time.", reason=UNAVAILABLE
                ) from None
            raise TransientError("Could not reach SendGrid.", reason=UNAVAILABLE) from None
        message_id = _header(response.headers, "X-Message-Id")
        status = "accepted" if response.status_code == 202 else "validated"  # 200 = sandbox
        return Sent(message_id=message_id, status=status)


def _mail(email: Email) -> Mail:
    sender = (email.from_email, email.from_name) if email.from_name else email.from_email
    message = Mail(
        from_email=sender,
        to_emails=email.to,
        subject=email.subject,
        plain_text_content=email.text,
        html_content=email.html or None,
    )
    if email.reply_to:
        message.reply_to = ReplyTo(email.reply_to)
    for name, value in email.headers.items():
        message.header = Header(name, value)
    for name, value in email.tags.items():
        message.custom_arg = CustomArg(name, value)
    return message


def _http_error(exc: HTTPError) -> MessagingError:
    status = int(getattr(exc, "status_code", 0) or 0)
    said = _said(getattr(exc, "body", b""))
    if status == 429:
        return TransientError(
            "SendGrid is rate limiting.", reason=RATE_LIMITED, provider_code="429"
        )
    if status >= 500:
        return AmbiguousError(
            f"SendGrid answered {status}.", reason=UNAVAILABLE, provider_code=str(status)
        )
    if status in (401, 403):
        return PermanentError(
            "SendGrid refused the API key.", reason=CREDENTIALS, provider_code=str(status)
        )
    reason = REJECTED
    lowered = said.lower()
    if "address" in lowered or "email" in lowered:
        reason = INVALID_RECIPIENT
    if "unsubscribe" in lowered or "suppress" in lowered or "block" in lowered:
        reason = BLOCKED
    return PermanentError(
        f"SendGrid refused the email: {said}"[:300], reason=reason, provider_code=str(status)
    )


def _said(body: Any) -> str:
    """The first error message in SendGrid's `{"errors": [{"message": ...}]}` shape."""
    try:
        parsed = parse_json(body if isinstance(body, bytes) else str(body or "").encode())
    except InvalidJSON:
        return ""
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message")
        return " ".join(message.split()) if isinstance(message, str) else ""
    return ""


def _header(headers: Any, name: str) -> str:
    if headers is None:
        return ""
    value = headers.get(name) or headers.get(name.lower())
    return str(value) if value else ""
