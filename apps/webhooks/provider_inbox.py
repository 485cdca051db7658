"""Persisting a verified delivery from a store's own provider account (EasyPost, Stripe).

Unlike Shopify's hot path (inbox.py) the store is known from the URL before anything is
stored, and the volume is a few events per return, so this is a plain ORM insert. The
unique (provider, event_id) constraint is the dedupe: a redelivery inserts nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.stores.models import Store
from apps.webhooks.handlers import HANDLERS
from apps.webhooks.inbox import NO_HANDLER, UNINSTALLED, Recorded
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.relay import hand_off

MAX_EVENT_ID = 128


def provider_event_record(
    *, provider: str, store: Store, event_id: str, topic: str, payload: dict[str, Any]
) -> Recorded:
    """Store the event once (persist first), then hand it to the worker after commit."""
    note = ""
    if topic not in HANDLERS:
        note = NO_HANDLER
    elif not store.is_installed:
        note = UNINSTALLED
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider,
                store=store,
                shop_domain=store.domain,
                topic=topic[:100],
                event_id=event_id[:MAX_EVENT_ID],
                webhook_id=event_id[:MAX_EVENT_ID],
                payload=payload,
                received_at=timezone.now(),
                dispatched_at=timezone.now(),
                status=WebhookStatus.IGNORED if note else WebhookStatus.PENDING,
                note=note,
            )
    except IntegrityError:
        return Recorded.DUPLICATE
    if note:
        return Recorded.IGNORED
    transaction.on_commit(partial(hand_off, event.pk))
    return Recorded.ACCEPTED
