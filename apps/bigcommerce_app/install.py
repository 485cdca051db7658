"""Installing, opening and uninstalling: the store row, its secrets, the setup task."""

from __future__ import annotations

import json
import logging
import secrets

from django.db import transaction

from apps.bigcommerce_app.oauth import InstallError, exchange_code, missing_scopes
from apps.bigcommerce_app.signed_payload import SignedPayload
from apps.integrations.commerce.bigcommerce.ids import (
    InvalidStoreHash,
    domain_for,
    hash_from_context,
)
from apps.stores.models import (
    IntegrationCredential,
    IntegrationStatus,
    Platform,
    Store,
    StoreStatus,
)
from apps.stores.services import TokenSet, store_install, store_uninstall

logger = logging.getLogger(__name__)

CREDENTIAL = "bigcommerce"
MAX_PARAM = 512


def complete_install(*, code: str, scope: str, context: str) -> tuple[Store, str]:
    """Exchange the code and install (or revive) the store; returns it and the user id."""
    if not code or not context or max(len(code), len(scope), len(context)) > MAX_PARAM:
        raise InstallError("The install link is incomplete; please install again.")
    try:
        store_hash = hash_from_context(context)
    except InvalidStoreHash:
        raise InstallError("The install link names no store.") from None
    grant = exchange_code(code=code, scope=scope, context=context)
    missing = missing_scopes(grant.scopes)
    if missing:
        raise InstallError(f"Aftersale needs these permissions: {', '.join(sorted(missing))}.")
    store = store_install(
        platform=Platform.BIGCOMMERCE,
        domain=domain_for(store_hash),
        tokens=TokenSet(access_token=grant.access_token, scopes=" ".join(sorted(grant.scopes))),
    )
    webhook_secret(store)
    _after_commit_setup(store.pk)
    return store, grant.user_id


def store_for_payload(payload: SignedPayload) -> Store | None:
    """The installed store a verified signed payload names, None when there is none."""
    return Store.objects.filter(
        platform=Platform.BIGCOMMERCE,
        domain=domain_for(payload.store_hash),
        status=StoreStatus.INSTALLED,
    ).first()


def uninstall(payload: SignedPayload) -> bool:
    store = Store.objects.filter(
        platform=Platform.BIGCOMMERCE, domain=domain_for(payload.store_hash)
    ).first()
    return store is not None and store_uninstall(store)


def webhook_secret(store: Store) -> str:
    """The store's own secret for its webhook header, created once and kept encrypted."""
    with transaction.atomic():
        credential, created = IntegrationCredential.objects.select_for_update().get_or_create(
            store=store,
            provider=CREDENTIAL,
            defaults={
                "config": json.dumps({"webhook_secret": secrets.token_urlsafe(32)}),
                "status": IntegrationStatus.CONNECTED,
                "hint": "webhook secret",
            },
        )
    if created:
        credential.refresh_from_db()  # the field encrypts on save and reads back a Secret
    return credential.revealed_config()["webhook_secret"]


def _after_commit_setup(store_id: int) -> None:
    from apps.bigcommerce_app.tasks import set_up_store

    transaction.on_commit(lambda: set_up_store.delay(store_id))
