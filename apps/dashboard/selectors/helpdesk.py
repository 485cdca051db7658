"""What the integrations page shows of a store's helpdesk beyond its credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from apps.helpdesk.connect import AUTH_KEY, CONNECTED_AS_KEY, WEBHOOK_STATE_KEY
from apps.helpdesk.events import webhook_last_seen
from apps.helpdesk.models import HelpdeskSync, SyncStatus
from apps.integrations.connections.base import CredentialField, ProviderSpec
from apps.integrations.helpdesk import oauth
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

# Webhooks of these helpdesks are registered in the merchant's account when connecting;
# Front's and Intercom's belong to our app.
PER_ACCOUNT_WEBHOOKS = ("gorgias", "zendesk")


@dataclass(frozen=True)
class HelpdeskState:
    spec: ProviderSpec
    connected: bool
    reconnect: bool
    connected_as: str = ""
    via_oauth: bool = False
    webhooks: str = ""
    last_event_at: datetime | None = None
    last_sync_at: datetime | None = None
    failed: int = 0
    waiting: int = 0
    oauth_fields: tuple[CredentialField, ...] = ()
    oauth_available: bool = False


def helpdesk_state(store: Store, spec: ProviderSpec) -> HelpdeskState:
    available = oauth.available(spec.key)
    needs = oauth.APPS[spec.key].needs if spec.key in oauth.APPS else ()
    fields = tuple(f for f in spec.fields if f.name in needs)
    row = IntegrationCredential.objects.filter(store=store, provider=spec.key).first()
    if row is None:
        return HelpdeskState(spec, False, False, oauth_fields=fields, oauth_available=available)
    config = row.revealed_config()
    sync = HelpdeskSync.objects.filter(store=store, provider=spec.key).aggregate(
        last=Max("sent_at"),
        failed=Count("id", filter=Q(status=SyncStatus.FAILED)),
        waiting=Count("id", filter=~Q(status__in=(SyncStatus.SENT, SyncStatus.FAILED))),
    )
    last_event = webhook_last_seen(row.pk)
    return HelpdeskState(
        spec,
        connected=row.status == IntegrationStatus.CONNECTED,
        reconnect=row.last_error.startswith("Reconnect needed"),
        connected_as=config.get(CONNECTED_AS_KEY, ""),
        via_oauth=config.get(AUTH_KEY) == "oauth",
        webhooks=_webhooks(spec.key, config, row.status),
        last_event_at=last_event,
        last_sync_at=sync["last"],
        failed=sync["failed"],
        waiting=sync["waiting"],
        oauth_fields=fields,
        oauth_available=available,
    )


def _webhooks(provider: str, config: dict[str, str], status: str) -> str:
    if status != IntegrationStatus.CONNECTED:
        return "not registered"
    if provider in PER_ACCOUNT_WEBHOOKS:
        return "registered" if config.get(WEBHOOK_STATE_KEY, "{}") != "{}" else "missing"
    return "set on our app"
