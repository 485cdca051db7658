"""Sending SMS through Twilio's Messages API (the official SDK, sync: Celery only).

Twilio has no idempotency key for Messages, and a 500 may come after the message was accepted
(reference §6): a 5xx or a read timeout is an AmbiguousError, and `find_sms` looks the message up
before the outbox sends it again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from apps.integrations.messaging.base import (
    BLOCKED,
    CREDENTIALS,
    INVALID_RECIPIENT,
    RATE_LIMITED,
    REJECTED,
    UNAVAILABLE,
    UNSUBSCRIBED,
    AmbiguousError,
    MessagingError,
    PermanentError,
    Sent,
    Sms,
    TransientError,
)

API_BASE = "https://api.twilio.com"
TIMEOUT_SECONDS = 10.0
LOOKUP_PAGE = 50  # the most recent messages to one number that a look-up reads
CLOCK_SLACK = timedelta(minutes=2)  # Twilio's clock against ours

# Twilio error codes (twilio.com/docs/api/errors) by what they mean for the outbox.
PERMANENT_CODES = {
    21211: INVALID_RECIPIENT,  # invalid To
    21612: INVALID_RECIPIENT,  # unroutable
    21614: INVALID_RECIPIENT,  # not a mobile number
    21408: BLOCKED,  # no permission for the region
    21610: UNSUBSCRIBED,  # the recipient texted STOP
    21606: REJECTED,  # From not SMS-capable / not owned
    21212: REJECTED,  # invalid From
    21617: REJECTED,  # body too long
    20003: CREDENTIALS,
}
TRANSIENT_CODES = {21611: UNAVAILABLE, 20429: RATE_LIMITED}  # queue full, too many requests


# The SDK logs every request and response at INFO; ours says what matters.
_sdk_logger = logging.getLogger("apps.integrations.messaging.twilio.sdk")
_sdk_logger.setLevel(logging.WARNING)


class TwilioSender:
    key = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str = "",
        api_key_sid: str = "",
        api_key_secret: str = "",
        api_base: str = "",
        timeout: float = TIMEOUT_SECONDS,
        messaging_service_sid: str = "",
    ) -> None:
        """Sends with the API key when one is given (the account's Auth Token then stays out
        of the requests; it is still what inbound signatures are checked with), else with
        the Auth Token."""
        http = _HttpClient(api_base or API_BASE, timeout=timeout)
        if api_key_sid:
            self._client = Client(api_key_sid, api_key_secret, account_sid, http_client=http)
        else:
            self._client = Client(account_sid, auth_token, http_client=http)
        self._service = messaging_service_sid

    def send_sms(self, sms: Sms) -> Sent:
        sms.check()
        params: dict[str, Any] = {"to": sms.to, "body": sms.body}
        if self._service:
            params["messaging_service_sid"] = self._service  # Twilio picks the sender
        else:
            params["from_"] = sms.from_number
        if sms.status_callback:
            params["status_callback"] = sms.status_callback
        try:
            message = self._client.messages.create(**params)
        except Exception as exc:
            raise _error(exc) from None
        return Sent(message_id=str(message.sid), status=str(message.status or "queued"))

    def find_sms(self, sms: Sms, *, since: datetime) -> Sent | None:
        try:
            # Through a Messaging Service the sender is any number of its pool.
            sender = {} if self._service else {"from_": sms.from_number}
            recent = self._client.messages.list(to=sms.to, limit=LOOKUP_PAGE, **sender)
        except Exception as exc:
            raise _error(exc) from None
        for message in recent:
            created = message.date_created
            if message.body == sms.body and (created is None or created >= since - CLOCK_SLACK):
                return Sent(message_id=str(message.sid), status=str(message.status or "queued"))
        return None


class _HttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, with a timeout and an overridable base URL (stand-ins)."""

    def __init__(self, api_base: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout, max_retries=0, logger=_sdk_logger)
        self._api_base = api_base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._api_base != API_BASE and url.startswith(API_BASE):
            url = self._api_base + url[len(API_BASE) :]
        return super().request(method, url, *args, **kwargs)


def _error(exc: Exception) -> MessagingError:
    if isinstance(exc, TwilioRestException):
        return _rest_error(exc)
    if isinstance(exc, requests.ConnectTimeout) or _never_connected(exc):
        return TransientError("Could not reach Twilio.", reason=UNAVAILABLE)
    if isinstance(exc, requests.RequestException):
        # A read timeout or a dropped connection: the request may have arrived.
        return AmbiguousError("Twilio did not answer.", reason=UNAVAILABLE)
    if isinstance(exc, TwilioException):
        # An answer the SDK could not read: the request may have been taken.
        return AmbiguousError("Twilio answered in an unexpected way.", reason=UNAVAILABLE)
    raise exc


def _rest_error(exc: TwilioRestException) -> MessagingError:
    code = int(exc.code or 0)
    label = str(exc.code or exc.status)
    if code in TRANSIENT_CODES or exc.status == 429:
        reason = TRANSIENT_CODES.get(code, RATE_LIMITED)
        return TransientError(f"Twilio: {exc.msg}"[:300], reason=reason, provider_code=label)
    if exc.status >= 500:
        return AmbiguousError(
            f"Twilio answered {exc.status}.", reason=UNAVAILABLE, provider_code=label
        )
    if exc.status in (401, 403) and code not in PERMANENT_CODES:
        return PermanentError(
            "Twilio refused the credentials.", reason=CREDENTIALS, provider_code=label
        )
    reason = PERMANENT_CODES.get(code, REJECTED)
    return PermanentError(
        f"Twilio refused the SMS: {exc.msg}"[:300], reason=reason, provider_code=label
    )


def _never_connected(exc: Exception) -> bool:
    """A connection that was never established cannot have delivered the request."""
    return isinstance(exc, requests.ConnectionError) and (
        "NewConnectionError" in repr(exc.args) or "Failed to establish" in str(exc)
    )
