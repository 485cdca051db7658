"""The helpdesk protocol: what Aftersale asks of Gorgias, Zendesk, Front and Intercom.

One `HelpdeskProvider` is bound to one merchant's account (`Tenant`). Everything the rest
of the app sees is provider-neutral: a thread (ticket or conversation) id, a message id,
and webhook `HelpdeskEvent`s whose author is already classified (our bot, a human agent,
the customer, or the helpdesk's own automation) and whose visibility is public or internal.
The facts behind each provider's mapping are in ../shared/reference/helpdesks.md.

Every failure is one of four errors, so the sync task decides without knowing the
provider: permanent (do not retry), transient (retry with backoff), rate-limited (retry
after the provider's own wait), needs-reauth (stop, show "reconnect" to the merchant).
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Author(StrEnum):
    BOT_SELF = "bot_self"  # our own post, echoed back by the helpdesk
    HUMAN_AGENT = "human_agent"
    CUSTOMER = "customer"
    AUTOMATION = "automation"  # the helpdesk's rules, triggers, Fin, AI agent
    UNKNOWN = "unknown"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class EventKind(StrEnum):
    MESSAGE = "message"
    CLOSED = "closed"
    REOPENED = "reopened"
    ASSIGNMENT = "assignment"
    TAGS = "tags"
    OTHER = "other"


class MessageKind(StrEnum):
    """What a message we post is, in the helpdesk's terms."""

    CUSTOMER = "customer"  # the customer's own words, shown as written by them
    REPLY = "reply"  # our bot's public reply
    NOTE = "note"  # internal: never visible to the customer


class AssigneeKind(StrEnum):
    """Who an escalated thread is routed to, in each helpdesk's terms."""

    USER = "user"  # a person: Gorgias user, Zendesk agent, Front teammate, Intercom admin
    TEAM = "team"  # a group: Gorgias team, Zendesk group, Front inbox, Intercom team


class ThreadStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# --- errors -------------------------------------------------------------------------------


class HelpdeskError(Exception):
    """A call failed. The message is safe to log and show (no secrets, bounded)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message[:300])
        self.status = status


class PermanentError(HelpdeskError):
    """The provider refused the request as made; retrying the same request cannot help."""


class NotFound(PermanentError):
    """The ticket, conversation or message does not exist (deleted, merged, never ours)."""


class TransientError(HelpdeskError):
    """Network failure, timeout or 5xx: retry later. `ambiguous`: the request left and
    its answer was lost (a read timeout), so the provider may have acted on it."""

    def __init__(self, message: str, *, status: int | None = None, ambiguous: bool = False):
        super().__init__(message, status=status)
        self.ambiguous = ambiguous


class RateLimited(TransientError):
    """429: wait `retry_after` seconds (the provider's own figure) before the next call."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class NeedsReauth(HelpdeskError):
    """The credentials were revoked or lack a permission: the merchant must reconnect."""


class InvalidWebhook(Exception):
    """A webhook failed verification (signature, freshness, tenant): refuse, change nothing."""


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """How we authenticate: HTTP Basic (user + secret) or a Bearer token (user empty)."""

    secret: str = field(repr=False)
    user: str = ""

    def authorization(self) -> str:
        if self.user:
            pair = f"{self.user}:{self.secret}".encode()
            return "Basic " + base64.b64encode(pair).decode()
        return f"Bearer {self.secret}"


@dataclass(frozen=True)
class Tenant:
    """One merchant's account at one provider, as stored when they connected."""

    provider: str
    # Names the account in webhooks: Gorgias subdomain, Zendesk account_id, Front cmp_ id,
    # Intercom app_id. A webhook for another key is never this tenant's.
    tenant_key: str
    base_url: str  # no trailing slash; Intercom's holds the tenant's region host
    credentials: Credentials
    # Our bot's own user in the helpdesk (Gorgias user id, Zendesk agent id, Front tea_,
    # Intercom admin id): posts by it are our echoes, never a human.
    bot_actor_id: str
    # Where threads are created: Front inbox id, Intercom unused, Gorgias/Zendesk unused.
    channel_ref: str = ""
    webhook_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class Customer:
    id: str
    email: str
    name: str = ""


@dataclass(frozen=True)
class ThreadRef:
    id: str
    customer_id: str = ""


@dataclass(frozen=True)
class Assignee:
    kind: AssigneeKind
    id: str
    name: str = ""  # as the helpdesk shows it (listing only)


@dataclass(frozen=True)
class OutMessage:
    body_text: str
    kind: MessageKind
    body_html: str = ""
    # Already delivered to the customer by us (widget, email): the helpdesk must store it
    # without sending it again (reference §6 pitfall 5).
    delivered: bool = True


@dataclass(frozen=True)
class HelpdeskEvent:
    """One thing that happened in the helpdesk, in our vocabulary."""

    event_id: str  # the provider's delivery/event id: dedupe on (provider, event_id)
    tenant_key: str
    thread_id: str
    kind: EventKind
    author: Author = Author.UNKNOWN
    author_id: str = ""
    author_name: str = ""
    visibility: Visibility | None = None
    message_id: str = ""
    body_text: str = ""
    occurred_at: datetime | None = None
    # The payload was a preview or unauthenticated (Front, Gorgias): call `hydrate` before
    # acting on the author or the body.
    needs_fetch: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identity:
    """Who the credentials act as, learnt when connecting."""

    # The account's key in webhooks; "" where the API does not tell it (Zendesk: its
    # per-webhook signing secret proves the account instead).
    tenant_key: str
    actor_id: str  # our bot: the user/admin/teammate the credentials post as
    label: str  # "connected as": shown to the merchant, never a secret


@dataclass(frozen=True)
class WebhookRequest:
    """What verification reads: the exact bytes received and the headers (lower-case)."""

    body: bytes
    headers: Mapping[str, str]
    received_at: datetime


class HelpdeskProvider(Protocol):
    """One merchant's helpdesk. Calls block on the network: run them in Celery tasks only."""

    key: str
    tenant: Tenant

    def identify(self, *, actor_email: str = "") -> Identity:
        """The account and the user these credentials act as (Front: the teammate with
        `actor_email`, since its API tokens belong to the company)."""
        ...

    def find_or_create_customer(self, email: str, name: str = "") -> Customer: ...

    def create_thread(
        self,
        customer: Customer,
        subject: str,
        first: OutMessage,
        *,
        external_id: str,
        tags: Sequence[str] = (),
    ) -> ThreadRef:
        """Create the ticket/conversation with its first message. Idempotent on
        `external_id`: a retry after an ambiguous failure returns the same thread."""
        ...

    def post_message(self, thread: ThreadRef, message: OutMessage, *, external_id: str) -> str:
        """Add a message; return the provider's id for it (Front: the message uid)."""
        ...

    def find_message(
        self, thread: ThreadRef, message: OutMessage, *, external_id: str, exclude: Collection[str]
    ) -> str | None:
        """The id of `message` if an earlier attempt whose answer was lost did post it
        (ids in `exclude` are other messages of ours, already accounted for)."""
        ...

    def update_thread(
        self,
        thread: ThreadRef,
        *,
        status: ThreadStatus | None = None,
        add_tags: Sequence[str] = (),
        assignee: Assignee | None = None,
    ) -> None:
        """Change what is given; `assignee` routes the thread to a person or a team (Front:
        a team is an inbox the conversation moves to)."""
        ...

    def list_assignees(self) -> list[Assignee]:
        """The people and the teams a thread can be routed to (first page of each: enough
        to choose from, never the whole directory)."""
        ...

    def close_thread(self, thread: ThreadRef) -> None: ...

    def thread_status(self, thread: ThreadRef) -> ThreadStatus: ...

    def thread_tags(self, thread: ThreadRef) -> frozenset[str]: ...

    def verify_webhook(self, request: WebhookRequest) -> None:
        """Raise InvalidWebhook unless the request is authentic, fresh and this tenant's."""
        ...

    def parse_webhook(self, payload: Any) -> list[HelpdeskEvent]:
        """The events in a verified webhook body (already parsed), authors classified."""
        ...

    def hydrate(self, event: HelpdeskEvent) -> HelpdeskEvent:
        """Re-read the event's message from the API when `needs_fetch`; else return it."""
        ...

    def subscribe_webhooks(self, url: str) -> dict[str, str]:
        """Register our webhook (a no-op where the app's own settings hold it: Front,
        Intercom); return what `unsubscribe_webhooks` needs, and under `signing_secret`
        the secret to verify deliveries with when the provider issues one (store it
        encrypted)."""
        ...

    def unsubscribe_webhooks(self, state: Mapping[str, str]) -> None: ...
