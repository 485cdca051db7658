"""The helpdesk outbox: each message of a mirrored conversation is sent to each connected
helpdesk exactly once, in order, within the tenant's rate budget.

- `mirror_message` writes the sync rows; call it inside the transaction that saves the
  message, so a message never exists without its rows (the task is enqueued on commit).
- `sync_send` claims one row with a conditional UPDATE (two workers: one wins), sends it,
  and records the provider's id for it in the statement that releases the row.
- Order within a thread: a row waits while an earlier row of its thread is unsent.
- A row whose answer was lost (read timeout, worker death mid-send) becomes `uncertain`;
  its next attempt first looks for the message in the thread (`find_message`) and posts
  only when it is not there. A thread creation needs no look: it is keyed by our id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from apps.conversations.models import Conversation, Message, MessageRole
from apps.conversations.takeover import HELPDESK_MESSAGE_ID
from apps.core.locks import LockTimeout
from apps.helpdesk.escalation import NOTE_KIND
from apps.helpdesk.models import (
    AiRepliesAs,
    HelpdeskSettings,
    HelpdeskSync,
    HelpdeskThread,
    SyncStatus,
)
from apps.helpdesk.preferences import helpdesk_settings, ticket_tags
from apps.helpdesk.tokens import fresh_config
from apps.integrations.helpdesk import throttle
from apps.integrations.helpdesk.base import (
    Assignee,
    AssigneeKind,
    Customer,
    HelpdeskError,
    HelpdeskProvider,
    MessageKind,
    NeedsReauth,
    OutMessage,
    PermanentError,
    RateLimited,
    Tenant,
    ThreadRef,
    ThreadStatus,
    TransientError,
)
from apps.integrations.helpdesk.registry import provider_for
from apps.integrations.helpdesk.tenants import HELPDESKS, tenant_from_config
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

logger = logging.getLogger(__name__)

# With the backoff below, 14 attempts span about 6 hours: an hour-long outage loses nothing.
MAX_ATTEMPTS = 14
MAX_BACKOFF_SECONDS = 3600
# Roles mirrored, and as what. A person's reply is mirrored when written in our dashboard
# (one written in the helpdesk is already there: see `from_helpdesk`).
KINDS = {
    MessageRole.CUSTOMER: MessageKind.CUSTOMER,
    MessageRole.ASSISTANT: MessageKind.REPLY,
    MessageRole.HUMAN_AGENT: MessageKind.REPLY,
    MessageRole.SYSTEM: MessageKind.NOTE,
}
# Replies we delivered to the customer ourselves: stored in the helpdesk as the merchant
# chose for the AI's replies, never sent by it a second time (reference §6 pitfall 5).
DELIVERED_REPLIES = (MessageRole.ASSISTANT, MessageRole.HUMAN_AGENT)
UNSENT = (SyncStatus.PENDING, SyncStatus.SENDING, SyncStatus.FAILED)


@dataclass(frozen=True)
class SendOutcome:
    status: str
    retry_in: float | None = None  # seconds until the row's task should run again
    next_row: int | None = None  # the thread's next row, now free to go


def connected_helpdesks(store: Store | int) -> list[str]:
    store_id = store if isinstance(store, int) else store.pk
    return list(
        IntegrationCredential.objects.filter(
            store_id=store_id, provider__in=HELPDESKS, status=IntegrationStatus.CONNECTED
        ).values_list("provider", flat=True)
    )


def mirrored_providers(conversation_id: int, store_id: int) -> list[str]:
    """The connected helpdesks a conversation is mirrored into, in one query."""
    connected = IntegrationCredential.objects.filter(
        store_id=store_id, provider__in=HELPDESKS, status=IntegrationStatus.CONNECTED
    ).values("provider")
    return list(
        HelpdeskThread.objects.filter(
            conversation_id=conversation_id, provider__in=connected
        ).values_list("provider", flat=True)
    )


def start_mirroring(conversation: Conversation, providers: list[str]) -> list[int]:
    """Mirror `conversation` into each provider from its first message: the thread rows and
    a sync row per message so far (later messages get theirs as they are saved). Returns
    the first row to send per provider. Idempotent."""
    messages = list(conversation.messages.filter(role__in=list(KINDS)).order_by("id"))
    messages = [m for m in messages if mirrored_role(m)]
    first_rows = []
    for provider in providers:
        thread_for(conversation, provider)
        rows = [mirror_message(m, [provider])[0] for m in messages]
        if rows:
            first_rows.append(rows[0])
    return first_rows


def mirrored_role(message: Message) -> bool:
    return message.role in KINDS and not from_helpdesk(message)


def from_helpdesk(message: Message) -> bool:
    """A person's reply written in a helpdesk and brought here by its webhook."""
    return bool((message.metadata or {}).get(HELPDESK_MESSAGE_ID))


def mirror_message(message: Message, providers: list[str]) -> list[int]:
    """Sync rows for `message` to each provider (existing rows are kept); their ids."""
    if not mirrored_role(message):
        return []
    ids = []
    for provider in providers:
        row, _ = HelpdeskSync.objects.get_or_create(
            message=message,
            provider=provider,
            defaults={"store_id": message.store_id, "conversation_id": message.conversation_id},
        )
        ids.append(row.pk)
    return ids


def new_message_rows(message: Message, providers: list[str]) -> list[int]:
    """Sync rows for a message saved just now (no row can exist yet): one INSERT, no
    lookup. Call inside the transaction that saves it."""
    if not providers or not mirrored_role(message):
        return []
    rows = HelpdeskSync.objects.bulk_create(
        HelpdeskSync(
            message=message,
            provider=provider,
            store_id=message.store_id,
            conversation_id=message.conversation_id,
        )
        for provider in providers
    )
    return [row.pk for row in rows]


def mirror_note(conversation: Conversation, note_id: int, text: str) -> list[int]:
    """Sync rows for a team note written in our dashboard, to each helpdesk already
    mirroring the conversation: an internal note there. Call inside the transaction that
    saves the note; enqueue the returned rows on commit."""
    mirrored = set(
        HelpdeskThread.objects.filter(conversation=conversation).values_list("provider", flat=True)
    )
    providers = [p for p in connected_helpdesks(conversation.store_id) if p in mirrored]
    ids = []
    for provider in providers:
        row, _ = HelpdeskSync.objects.get_or_create(
            note_id=note_id,
            provider=provider,
            defaults={
                "store_id": conversation.store_id,
                "conversation_id": conversation.pk,
                "note_text": text,
            },
        )
        ids.append(row.pk)
    return ids


def thread_for(conversation: Conversation, provider: str) -> HelpdeskThread:
    thread, _ = HelpdeskThread.objects.get_or_create(
        conversation=conversation,
        provider=provider,
        defaults={
            "store_id": conversation.store_id,
            "external_id": f"aftersale-{conversation.store_id}-{conversation.pk}",
        },
    )
    return thread


def sync_send(row_id: int) -> SendOutcome:
    row = _claim(row_id)
    if row is None:
        return SendOutcome("skipped")
    blocked_for = _earlier_unsent(row)
    if blocked_for is not None:
        return _wait_behind(row, blocked_for)
    credential = IntegrationCredential.objects.filter(
        store_id=row.store_id, provider=row.provider
    ).first()
    if credential is None:
        return _release(row, SyncStatus.FAILED, error="the helpdesk is not connected")
    if credential.status == IntegrationStatus.NOT_CONNECTED:
        # Being (re)connected or disconnected: wait for the outcome.
        return _release(row, SyncStatus.PENDING, error="the helpdesk is connecting", wait=60)
    try:
        tenant = tenant_from_config(row.provider, fresh_config(credential))
    except NeedsReauth as exc:
        _needs_reconnect(credential, str(exc))
        return _release(row, SyncStatus.FAILED, error=str(exc))
    except (HelpdeskError, LockTimeout) as exc:  # the token refresh could not run now
        return _release(row, SyncStatus.PENDING, error=str(exc), wait=_backoff(row))
    holder = f"sync:{row.pk}"
    if not throttle.take_turn(tenant, holder):
        return _release(row, SyncStatus.PENDING, wait=1, counted=False, status_name="busy")
    outcome = _attempt(row, tenant, credential)
    if outcome.status != "throttled":  # held back mid-way, it keeps the turn to finish
        throttle.end_turn(tenant, holder)
    return outcome


def _attempt(row: HelpdeskSync, tenant: Tenant, credential: IntegrationCredential) -> SendOutcome:
    try:
        with throttle.metered():
            provider_id = _send(row, provider_for(tenant))
    except RateLimited as exc:
        if exc.status is None:  # our budget held it back before the provider saw it
            return _release(
                row,
                SyncStatus.PENDING,
                wait=exc.retry_after,
                counted=False,
                status_name="throttled",
            )
        throttle.pause(tenant, exc.retry_after)
        return _release(row, SyncStatus.PENDING, wait=exc.retry_after, counted=False)
    except NeedsReauth as exc:
        _needs_reconnect(credential, str(exc))
        return _release(row, SyncStatus.FAILED, error=str(exc))
    except TransientError as exc:
        if exc.ambiguous:
            return _release(row, SyncStatus.UNCERTAIN, error=str(exc), wait=_backoff(row))
        if row.attempts >= MAX_ATTEMPTS:
            return _release(row, SyncStatus.FAILED, error=str(exc))
        return _release(row, SyncStatus.PENDING, error=str(exc), wait=_backoff(row))
    except HelpdeskError as exc:
        return _release(row, SyncStatus.FAILED, error=str(exc))
    return _sent(row, provider_id)


def _claim(row_id: int) -> HelpdeskSync | None:
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = HelpdeskSync.objects.filter(
        due, pk=row_id, status__in=(SyncStatus.PENDING, SyncStatus.UNCERTAIN)
    ).update(status=SyncStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return HelpdeskSync.objects.select_related("message", "conversation").get(pk=row_id)


def _was_uncertain(row: HelpdeskSync) -> bool:
    return row.last_error.startswith("uncertain:")


# How often a row behind another checks again, at least. It is woken as soon as the row
# ahead is sent (`_sent`), so behind a row backing off it sleeps until that row's turn:
# an hour-long outage is not every waiting message's task re-run every few seconds.
WAIT_BEHIND_SECONDS = 5.0


def _earlier_unsent(row: HelpdeskSync) -> float | None:
    """Seconds to wait while an earlier row of the thread is unsent; None: go."""
    ahead = (
        HelpdeskSync.objects.filter(
            conversation_id=row.conversation_id,
            provider=row.provider,
            id__lt=row.pk,
            status__in=(*UNSENT, SyncStatus.UNCERTAIN),
        )
        .exclude(status=SyncStatus.FAILED)
        .values_list("next_attempt_at", flat=True)
    )
    turns = list(ahead)
    if not turns:
        return None
    now = timezone.now()
    if any(t is None for t in turns):
        return WAIT_BEHIND_SECONDS  # a row ahead is due, or being sent, now
    soonest = min(t for t in turns if t is not None)
    return max(WAIT_BEHIND_SECONDS, (soonest - now).total_seconds())


def _wait_behind(row: HelpdeskSync, seconds: float) -> SendOutcome:
    """Sleep `seconds` behind the row ahead. Should that row be sent while this one was
    claimed, its wake-up (`_sent`) found this row not pending and missed it: look again
    after releasing, or this row would sleep out the row ahead's whole backoff."""
    waiting = _release(row, SyncStatus.PENDING, wait=seconds, counted=False, status_name="waiting")
    if _earlier_unsent(row) is not None:
        return waiting
    woken = HelpdeskSync.objects.filter(
        pk=row.pk, claimed_at=row.claimed_at, status=SyncStatus.PENDING
    ).update(next_attempt_at=None)
    return SendOutcome("waiting", retry_in=0) if woken else waiting


def _content(row: HelpdeskSync, prefs: HelpdeskSettings) -> tuple[OutMessage, str, dict[str, Any]]:
    """What the row sends, the id it is sent under, and its message's metadata."""
    message = row.message
    if message is None:
        return OutMessage(row.note_text, MessageKind.NOTE), f"note-{row.note_id}", {}
    out = OutMessage(message.text, _kind(message, prefs))
    return out, f"msg-{message.pk}", message.metadata or {}


def _send(row: HelpdeskSync, provider: HelpdeskProvider) -> str:
    prefs = helpdesk_settings(row.store_id)
    out, external_id, metadata = _content(row, prefs)
    thread = thread_for(row.conversation, row.provider)
    if not thread.thread_id:
        customer = _customer(row.conversation, provider)
        ref = provider.create_thread(
            customer,
            _subject(row.conversation),
            out,
            external_id=thread.external_id,
            tags=ticket_tags(prefs, _intent(row.conversation)),
        )
        HelpdeskThread.objects.filter(pk=thread.pk).update(
            thread_id=ref.id, customer_ref=ref.customer_id
        )
        return f"thread:{ref.id}"
    ref = ThreadRef(thread.thread_id, thread.customer_ref)
    if _was_uncertain(row):
        # The last attempt's answer was lost: look in the thread before posting again.
        ours = HelpdeskSync.objects.filter(
            conversation_id=row.conversation_id, provider=row.provider, status=SyncStatus.SENT
        ).values_list("provider_message_id", flat=True)
        found = provider.find_message(ref, out, external_id=external_id, exclude=set(ours))
        if found:
            return found
    if metadata.get("kind") == NOTE_KIND:
        # Before the note: a retry after a failed routing must not post the note twice.
        _route_escalation(provider, ref, prefs, str(metadata.get("intent") or ""))
    return provider.post_message(ref, out, external_id=external_id)


def _kind(message: Message, prefs: HelpdeskSettings) -> MessageKind:
    if message.role in DELIVERED_REPLIES and prefs.ai_replies_as == AiRepliesAs.NOTES:
        return MessageKind.NOTE
    return KINDS[MessageRole(message.role)]


def _intent(conversation: Conversation) -> str:
    return conversation.primary_intent or ""


def _subject(conversation: Conversation) -> str:
    intent = _intent(conversation).replace("_", " ")
    about = f": {intent}" if intent else ""
    return f"Aftersale conversation {conversation.pk}{about}"


def _route_escalation(
    provider: HelpdeskProvider, ref: ThreadRef, prefs: HelpdeskSettings, intent: str
) -> None:
    """Tag and assign the thread as the merchant chose (idempotent). A refusal (an assignee
    that does not exist, say) leaves the helpdesk's own routing; anything worth retrying
    fails the row's attempt, which routes again before the note."""
    try:
        provider.update_thread(
            ref,
            status=ThreadStatus.OPEN,
            add_tags=ticket_tags(prefs, intent),
            assignee=escalation_assignee(prefs),
        )
    except PermanentError as exc:
        logger.warning("helpdesk thread %s not tagged/assigned: %s", ref.id, exc)


def escalation_assignee(prefs: HelpdeskSettings) -> Assignee | None:
    if not prefs.escalation_assignee:
        return None
    return Assignee(AssigneeKind(prefs.escalation_assignee_kind), prefs.escalation_assignee)


def _customer(conversation: Conversation, provider: HelpdeskProvider) -> Customer:
    email = conversation.customer_email or f"conversation-{conversation.pk}@customers.invalid"
    return provider.find_or_create_customer(email)


def _sent(row: HelpdeskSync, provider_id: str) -> SendOutcome:
    HelpdeskSync.objects.filter(pk=row.pk, claimed_at=row.claimed_at).update(
        status=SyncStatus.SENT,
        provider_message_id=provider_id[:128],
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
    )
    following = (
        HelpdeskSync.objects.filter(
            conversation_id=row.conversation_id,
            provider=row.provider,
            id__gt=row.pk,
            status=SyncStatus.PENDING,
        )
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        # It may have been told to wait for this one: it need not any more.
        HelpdeskSync.objects.filter(pk=following, status=SyncStatus.PENDING).update(
            next_attempt_at=None
        )
    return SendOutcome(SyncStatus.SENT, next_row=following)


def _release(
    row: HelpdeskSync,
    status: str,
    *,
    error: str = "",
    wait: float | None = None,
    counted: bool = True,
    status_name: str = "",
) -> SendOutcome:
    if status == SyncStatus.UNCERTAIN:
        error = f"uncertain: {error}"
    changes: dict[str, object] = {
        "status": status,
        "last_error": error[:300],
        "next_attempt_at": timezone.now() + timedelta(seconds=wait) if wait else None,
    }
    if not counted:
        changes["attempts"] = F("attempts") - 1
    # Fenced: an attempt that lost its claim (taken back by the sweep) changes nothing.
    HelpdeskSync.objects.filter(pk=row.pk, claimed_at=row.claimed_at).update(**changes)
    retry = wait if status in (SyncStatus.PENDING, SyncStatus.UNCERTAIN) else None
    return SendOutcome(status_name or str(status), retry_in=retry)


def _backoff(row: HelpdeskSync) -> float:
    return float(min(5 * 2 ** max(row.attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _needs_reconnect(credential: IntegrationCredential, error: str) -> None:
    IntegrationCredential.objects.filter(pk=credential.pk).update(
        status=IntegrationStatus.FAILING, last_error=f"Reconnect needed: {error}"[:500]
    )


# A claim older than the task's hard time limit belongs to a worker that died mid-send.
CLAIM_LEASE = timedelta(seconds=120)


def sync_sweep(*, limit: int = 500) -> list[int]:
    """Rows to send again: due pending/uncertain rows, and rows whose worker died while
    sending (marked uncertain first: the provider may have the message)."""
    now = timezone.now()
    HelpdeskSync.objects.filter(status=SyncStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE).update(
        status=SyncStatus.UNCERTAIN, last_error="uncertain: the worker stopped mid-send"
    )
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(
        HelpdeskSync.objects.filter(due, status__in=(SyncStatus.PENDING, SyncStatus.UNCERTAIN))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
