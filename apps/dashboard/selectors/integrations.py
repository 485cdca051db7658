"""What the integrations page shows per provider (never a secret value)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.dashboard.services.integrations import check_pending
from apps.integrations.connections.base import ProviderSpec
from apps.integrations.connections.registry import PROVIDERS, connectable
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store


@dataclass(frozen=True)
class IntegrationCard:
    spec: ProviderSpec
    status: str
    hint: str = ""
    last_error: str = ""
    last_checked_at: datetime | None = None
    checking: bool = False
    check_lost: bool = False  # asked for, never answered (no worker?)
    public_values: dict[str, str] | None = None  # the non-secret fields, for the form
    connectable: bool = True  # False: coming soon, nothing can be set up yet

    @property
    def configured(self) -> bool:
        return self.public_values is not None

    @property
    def status_label(self) -> str:
        if self.checking:
            return "Checking…"
        return IntegrationStatus(self.status).label


def _card(spec: ProviderSpec, row: IntegrationCredential | None) -> IntegrationCard:
    if row is None:
        return IntegrationCard(spec, IntegrationStatus.NOT_CONNECTED, connectable=connectable(spec))
    config = row.revealed_config()
    public = {f.name: config.get(f.name, "") for f in spec.fields if not f.secret}
    lost = (
        row.check_requested_at is not None
        and (row.last_checked_at is None or row.last_checked_at < row.check_requested_at)
        and not check_pending(row)
    )
    return IntegrationCard(
        spec,
        row.status,
        hint=row.hint,
        last_error=row.last_error,
        last_checked_at=row.last_checked_at,
        checking=check_pending(row),
        check_lost=lost,
        public_values=public,
        connectable=connectable(spec),
    )


def integration_cards(store: Store) -> list[IntegrationCard]:
    """Every supported provider, in page order, with the store's state (one query)."""
    rows = {r.provider: r for r in IntegrationCredential.objects.filter(store=store)}
    return [_card(spec, rows.get(key)) for key, spec in PROVIDERS.items()]


def integration_card(store: Store, spec: ProviderSpec) -> IntegrationCard:
    row = IntegrationCredential.objects.filter(store=store, provider=spec.key).first()
    return _card(spec, row)
