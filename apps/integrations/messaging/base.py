"""The messaging protocol: send an email or an SMS and get the provider's message id.

Provider-neutral and typed. SendGrid (email), Twilio (SMS) and the console provider (the demo:
it writes what would be sent to a file) implement it in their own modules; the outbox sees only
this file. Every call blocks on the network: make it from a Celery task, never in a request.

Errors say what to do next, not what went wrong inside the SDK:
- `PermanentError`: sending again cannot help (invalid or unroutable recipient, unsubscribed or
  blocked, rejected content, credentials refused). The outbox row fails.
- `TransientError`: nothing was sent; try again later (429, connection refused, queue full).
- `AmbiguousError`: the provider may have accepted the message (a 5xx, a read timeout). Look it
  up (`SmsSender.find_sms`) before sending again: SMS sends have no idempotency key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

# Bounds every provider applies before calling out (SMS: Twilio's 1,600-character limit).
MAX_SMS_CHARS = 1600
MAX_SUBJECT_CHARS = 200
MAX_EMAIL_CHARS = 100_000
MAX_HEADER_CHARS = 998  # RFC 5322 line limit

EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
PHONE = re.compile(r"\+[1-9][0-9]{6,14}")  # E.164
# Headers of ours (threading); anything else could let a body-derived value set routing.
ALLOWED_HEADERS = frozenset({"Message-ID", "In-Reply-To", "References", "Auto-Submitted"})


class MessagingError(Exception):
    """A send that did not succeed. `reason` is one of the short words below; `provider_code` is
    the provider's own code, for the log and the outbox row."""

    def __init__(self, message: str, *, reason: str = "error", provider_code: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.provider_code = provider_code


class PermanentError(MessagingError):
    """Sending this message again cannot succeed."""


class TransientError(MessagingError):
    """Nothing was sent; the same message may be sent again later."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = "unavailable",
        provider_code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason, provider_code=provider_code)
        self.retry_after = retry_after


class AmbiguousError(TransientError):
    """The provider may have accepted the message: look it up before sending it again."""


# Reasons shared by providers (PermanentError.reason / TransientError.reason).
INVALID_RECIPIENT = "invalid_recipient"
UNSUBSCRIBED = "unsubscribed"
BLOCKED = "blocked"
REJECTED = "rejected"
CREDENTIALS = "credentials"
RATE_LIMITED = "rate_limited"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Email:
    to: str
    from_email: str
    subject: str
    text: str
    html: str = ""
    from_name: str = ""
    reply_to: str = ""
    # Threading headers of ours. A Message-ID fixed per outbox row also lets mail clients
    # collapse a copy sent again after an ambiguous failure.
    headers: Mapping[str, str] = field(default_factory=dict)
    # Echoed back in the provider's delivery events (SendGrid custom args): e.g. the outbox row.
    tags: Mapping[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """Raise PermanentError when this email must not be handed to any provider."""
        for label, address in (("recipient", self.to), ("sender", self.from_email)):
            if not EMAIL_ADDRESS.fullmatch(address):
                raise PermanentError(f"Invalid {label} address.", reason=INVALID_RECIPIENT)
        if self.reply_to and not EMAIL_ADDRESS.fullmatch(self.reply_to):
            raise PermanentError("Invalid reply-to address.", reason=REJECTED)
        if not self.subject.strip() or len(self.subject) > MAX_SUBJECT_CHARS:
            raise PermanentError("The subject is empty or too long.", reason=REJECTED)
        if not self.text.strip() or len(self.text) + len(self.html) > MAX_EMAIL_CHARS:
            raise PermanentError("The body is empty or too long.", reason=REJECTED)
        single_lines = [self.subject, self.from_name, *self.headers.values(), *self.tags.values()]
        # A line break in a header value would let it add headers of its own (injection).
        if any(_breaks_line(value) or len(value) > MAX_HEADER_CHARS for value in single_lines):
            raise PermanentError("A header value is not a single line.", reason=REJECTED)
        if set(self.headers) - ALLOWED_HEADERS:
            raise PermanentError("Unsupported header.", reason=REJECTED)


@dataclass(frozen=True)
class Sms:
    to: str
    body: str
    from_number: str
    status_callback: str = ""  # where the provider reports delivery (public URL)

    def check(self) -> None:
        """Raise PermanentError when this SMS must not be handed to any provider."""
        if not PHONE.fullmatch(self.to):
            raise PermanentError("Invalid recipient number.", reason=INVALID_RECIPIENT)
        if not PHONE.fullmatch(self.from_number):
            raise PermanentError("Invalid sender number.", reason=REJECTED)
        if not self.body.strip() or len(self.body) > MAX_SMS_CHARS:
            raise PermanentError("The message is empty or too long.", reason=REJECTED)
        if self.status_callback and not self.status_callback.startswith(("https://", "http://")):
            raise PermanentError("The status callback is not a URL.", reason=REJECTED)


@dataclass(frozen=True)
class Sent:
    """The provider took the message. `message_id` correlates its delivery events."""

    message_id: str
    status: str = "accepted"


@runtime_checkable
class EmailSender(Protocol):
    key: str

    def send_email(self, email: Email) -> Sent: ...


@runtime_checkable
class SmsSender(Protocol):
    key: str

    def send_sms(self, sms: Sms) -> Sent: ...

    def find_sms(self, sms: Sms, *, since: datetime) -> Sent | None:
        """The message the provider accepted for this SMS since `since`, None if there is none.
        Called after an AmbiguousError, before sending again."""
        ...


def _breaks_line(value: str) -> bool:
    return any(ch in value for ch in "\r\n\x00")
