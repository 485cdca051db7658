"""A stored helpdesk delivery: re-read it with the provider, then apply the takeover rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.helpdesk.events import helpdesk_event_apply
from apps.integrations.helpdesk.base import (
    HelpdeskError,
    InvalidWebhook,
    NeedsReauth,
    NotFound,
    PermanentError,
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

TOPIC_PREFIX = "helpdesk/"


def handle_helpdesk_event(event: WebhookEvent, store: Store) -> HandlerResult:
    provider_key = event.topic.removeprefix(TOPIC_PREFIX)
    credential = IntegrationCredential.objects.filter(store=store, provider=provider_key).first()
    if credential is None:
        return HandlerResult.ignored("the helpdesk was disconnected")
    try:
        provider = provider_for(tenant_from_config(provider_key, credential.revealed_config()))
        payload = parse_json(event.payload) if isinstance(event.payload, str) else event.payload
        parsed = provider.parse_webhook(payload)
    except (InvalidJSON, InvalidWebhook, NeedsReauth) as exc:
        raise PermanentHandlerError(str(exc)) from exc
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
    outcome = helpdesk_event_apply(store, provider_key, hydrated)
    return HandlerResult.processed(outcome.value)
