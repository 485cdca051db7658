"""What a helpdesk webhook changes on our side, and which store's helpdesk it came from.

The URL a helpdesk posts to names the store's connection and carries a per-connection
secret (`/webhooks/helpdesk/<provider>/<credential id>.<token>`): for Gorgias, which signs
nothing, it is the first proof; for the others it chooses whose signing secret to check.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime

import redis.exceptions

from apps.conversations.takeover import AI_SILENT, Outcome, apply_helpdesk_event
from apps.core.redis import get_redis
from apps.helpdesk.models import HelpdeskSync, HelpdeskThread, SyncStatus
from apps.helpdesk.preferences import helpdesk_settings, tag_name
from apps.integrations.helpdesk.base import EventKind, HelpdeskEvent
from apps.integrations.helpdesk.tenants import HELPDESKS
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

TOKEN_CONFIG_KEY = "webhook_token"
MAX_TOKEN = 100


def new_webhook_token() -> str:
    return secrets.token_urlsafe(24)


def webhook_path_token(credential: IntegrationCredential) -> str:
    return f"{credential.pk}.{credential.revealed_config().get(TOKEN_CONFIG_KEY, '')}"


def credential_for_token(provider: str, token: str) -> IntegrationCredential | None:
    """The connection the URL token names, or None (unknown, disconnected, wrong secret)."""
    if provider not in HELPDESKS or len(token) > MAX_TOKEN:
        return None
    pk, _, secret = token.partition(".")
    if not pk.isdigit() or not secret:
        return None
    credential = (
        IntegrationCredential.objects.select_related("store")
        .filter(pk=int(pk), provider=provider)
        .exclude(status=IntegrationStatus.NOT_CONNECTED)
        .first()
    )
    if credential is None:
        return None
    expected = credential.revealed_config().get(TOKEN_CONFIG_KEY, "")
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        return None
    return credential


def helpdesk_event_apply(store: Store, provider: str, event: HelpdeskEvent) -> Outcome:
    """Apply a verified, hydrated event to the conversation its thread mirrors (if any)."""
    thread = (
        HelpdeskThread.objects.select_related("conversation")
        .filter(store=store, provider=provider, thread_id=event.thread_id)
        .first()
    )
    if thread is None:
        return Outcome.IGNORED  # a ticket we never created: not ours to act on
    ours = set(
        HelpdeskSync.objects.filter(
            conversation_id=thread.conversation_id, provider=provider, status=SyncStatus.SENT
        ).values_list("provider_message_id", flat=True)
    )
    return apply_helpdesk_event(thread.conversation, event, our_message_ids=ours)


def silent_thread(store: Store, provider: str, thread_id: str) -> HelpdeskThread | None:
    """The thread of ours whose conversation people hold (the AI silent), if that is this one."""
    return (
        HelpdeskThread.objects.select_related("conversation")
        .filter(
            store=store,
            provider=provider,
            thread_id=thread_id,
            conversation__status__in=AI_SILENT,
        )
        .first()
    )


def hand_back_tag_seen(
    thread: HelpdeskThread, event: HelpdeskEvent, *, tags: Collection[str], hand_back_tag: str
) -> Outcome:
    """The thread's tags as the helpdesk's API reads them now: the merchant's hand-back tag
    just added (absent when last looked) hands the conversation back to the AI."""
    wanted = tag_name(hand_back_tag)
    present = bool(wanted) and wanted in {tag_name(t) for t in tags}
    if not present:
        HelpdeskThread.objects.filter(pk=thread.pk).update(hand_back_tagged=False)
        return Outcome.IGNORED
    added = HelpdeskThread.objects.filter(pk=thread.pk, hand_back_tagged=False).update(
        hand_back_tagged=True
    )
    if not added:
        return Outcome.IGNORED  # left on from before: not a new hand-back
    tagged = replace(event, kind=EventKind.TAGS, tags=(hand_back_tag,))
    return apply_helpdesk_event(thread.conversation, tagged, hand_back_tag=hand_back_tag)


def hand_back_baseline(store: Store, provider: str, thread_id: str, tags: Collection[str]) -> None:
    """At a takeover, whether the hand-back tag is already on the thread (so that only
    adding it afterwards hands back)."""
    wanted = tag_name(helpdesk_settings(store.pk).hand_back_tag)
    HelpdeskThread.objects.filter(store=store, provider=provider, thread_id=thread_id).update(
        hand_back_tagged=bool(wanted) and wanted in {tag_name(t) for t in tags}
    )


def _seen_key(credential_id: int) -> str:
    return f"helpdesk:webhook-seen:{credential_id}"


def webhook_seen(credential_id: int) -> None:
    """Note that a verified webhook arrived (the integrations page shows webhooks alive)."""
    client = get_redis()
    if client is None:
        return
    try:
        client.set(_seen_key(credential_id), str(int(time.time())), ex=90 * 86400)
    except redis.exceptions.RedisError:
        return  # a missing "last event" on the page is all it costs


def webhook_last_seen(credential_id: int) -> datetime | None:
    client = get_redis()
    if client is None:
        return None
    try:
        raw = client.get(_seen_key(credential_id))
    except redis.exceptions.RedisError:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw or "")
    return datetime.fromtimestamp(int(text), UTC) if text.isdigit() else None
