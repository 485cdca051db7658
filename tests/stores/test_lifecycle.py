from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.stores.models import Store, StoreStatus
from apps.stores.services import TokenSet, store_install, store_uninstall

pytestmark = pytest.mark.django_db

TOKENS = TokenSet(
    access_token="shpat_first",
    scopes="read_orders",
    access_token_expires_at=timezone.now() + timedelta(hours=1),
    refresh_token="shprt_first",
    refresh_token_expires_at=timezone.now() + timedelta(days=90),
)


def test_install_creates_the_store_with_encrypted_tokens_and_default_settings():
    store = store_install(platform="shopify", domain="a.myshopify.com", tokens=TOKENS)
    assert store.status == StoreStatus.INSTALLED
    assert store.access_token.reveal() == "shpat_first"
    assert store.refresh_token.reveal() == "shprt_first"
    assert store.settings.version == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM stores_store")
        assert all("shp" not in value for value in cursor.fetchone())


def test_uninstall_forgets_tokens_and_reinstall_revives_the_same_store():
    store = store_install(platform="shopify", domain="a.myshopify.com", tokens=TOKENS)
    assert store_uninstall(store) is True
    assert store_uninstall(store) is False
    store = Store.objects.get(pk=store.pk)
    assert store.status == StoreStatus.UNINSTALLED
    assert store.access_token is None
    assert store.refresh_token is None

    new = TokenSet(access_token="shpat_second", scopes="read_orders,write_orders")
    revived = store_install(platform="shopify", domain="a.myshopify.com", tokens=new)
    assert revived.pk == store.pk
    assert revived.status == StoreStatus.INSTALLED
    assert revived.uninstalled_at is None
    assert revived.access_token.reveal() == "shpat_second"
    assert revived.scopes == {"read_orders", "write_orders"}


def test_token_set_repr_hides_the_tokens():
    assert "shpat_first" not in repr(TOKENS)
    assert "shprt_first" not in str(TOKENS)
