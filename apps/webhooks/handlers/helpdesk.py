"""A stored helpdesk delivery: re-read it with the provider, then apply the takeover rule."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apps.conversations.takeover import Outcome
from apps.core.locks import LockTimeout
from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.helpdesk.events import (
    hand_back_baseline,
    hand_back_tag_seen,
    helpdesk_event_apply,
    silent_thread,
)
from apps.helpdesk.preferences import helpdesk_settings
from apps.helpdesk.tokens import fresh_config
from apps.integrations.helpdesk import throttle
from apps.integrations.helpdesk.base import (
    EventKind,
    HelpdeskError,
    HelpdeskProvider,
    InvalidWebhook,
    NeedsReauth,
    NotFound,
    PermanentError,
    ThreadRef,
)
from apps.integrations.helpdesk.registry import provider_for
from apps.integrations.helpdesk.tenants import tenant_from_config
from apps.stores.models import IntegrationCredential
from apps.webhooks.handlers.base import (
    HandlerResult,
    PermanentHandlerError,
    TransientHandlerError,
)

if TYPE_CHECKING:
    from apps.stores.models import Store
    from apps.webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)

TOPIC_PREFIX = "helpdesk/"


def handle_helpdesk_event(event: WebhookEvent, store: Store) -> HandlerResult:
    # Calls made for a webhook (re-reads, tags) draw from the account's budget like sync.
    with throttle.metered():
        return _handle(event, store)


def _handle(event: WebhookEvent, store: Store) -> HandlerResult:
    provider_key = event.topic.removeprefix(TOPIC_PREFIX)
    credential = IntegrationCredential.objects.filter(store=store, provider=provider_key).first()
    if credential is None:
        return HandlerResult.ignored("the helpdesk was disconnected")
    try:
        provider = provider_for(tenant_from_config(provider_key, fresh_config(credential)))
        payload = parse_json(event.payload) if isinstance(event.payload, str) else event.payload
        parsed = provider.parse_webhook(payload)
    except (InvalidJSON, InvalidWebhook, NeedsReauth) as exc:
        raise PermanentHandlerError(str(exc)) from exc
    except (HelpdeskError, LockTimeout) as exc:  # a token refresh that could not run now
        raise TransientHandlerError(str(exc)) from exc
    wanted = event.webhook_id  # the provider's own event id
    found = next((e for e in parsed if e.event_id == wanted), None)
    if found is None:
        return HandlerResult.ignored("no such event in the delivery")
    try:
        hydrated = provider.hydrate(found)
    except (NotFound, InvalidWebhook):
        # Gorgias: the message named is not on that ticket (forged or deleted): do nothing.
        return HandlerResult.ignored("the helpdesk does not confirm the message")
    except (NeedsReauth, PermanentError) as exc:
        raise PermanentHandlerError(str(exc)) from exc
    except HelpdeskError as exc:
        raise TransientHandlerError(str(exc)) from exc
    hand_back_tag = helpdesk_settings(store.pk).hand_back_tag
    if hand_back_tag and hydrated.kind in (EventKind.TAGS, EventKind.REOPENED):
        thread = silent_thread(store, provider_key, hydrated.thread_id)
        if thread is None:
            return HandlerResult.ignored("no conversation of ours waits for a hand-back")
        tags = _tags(provider, hydrated.thread_id)
        outcome = hand_back_tag_seen(thread, hydrated, tags=tags, hand_back_tag=hand_back_tag)
        return HandlerResult.processed(outcome.value)
    outcome = helpdesk_event_apply(store, provider_key, hydrated)
    if outcome is Outcome.TOOK_OVER and hand_back_tag:
        try:
            hand_back_baseline(
                store, provider_key, hydrated.thread_id, _tags(provider, hydrated.thread_id)
            )
        except TransientHandlerError as exc:  # the takeover stands; only the baseline waits
            logger.warning("hand-back baseline of %s not read: %s", hydrated.thread_id, exc)
    return HandlerResult.processed(outcome.value)


def _tags(provider: HelpdeskProvider, thread_id: str) -> frozenset[str]:
    """The thread's tags from the helpdesk's API (never from the unsigned/preview payload)."""
    try:
        return provider.thread_tags(ThreadRef(thread_id))
    except NotFound:
        return frozenset()
    except (NeedsReauth, PermanentError) as exc:
        raise PermanentHandlerError(str(exc)) from exc
    except HelpdeskError as exc:
        raise TransientHandlerError(str(exc)) from exc
