from __future__ import annotations

import io
import logging
import pickle

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from apps.stores import crypto
from apps.stores.fields import Secret
from apps.stores.models import Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


def _raw_token(store: Store) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM stores_store WHERE id = %s", [store.pk])
        return cursor.fetchone()[0]


def test_it_never_writes_plaintext_to_the_database():
    store = StoreFactory(access_token=TOKEN)
    raw = _raw_token(store)
    assert raw is not None
    assert TOKEN not in raw
    assert raw.startswith("gAAAAA")
    assert Store.objects.get(pk=store.pk).access_token.reveal() == TOKEN


def test_empty_secret_is_stored_as_null():
    store = StoreFactory(access_token="")
    assert _raw_token(store) is None
    assert Store.objects.get(pk=store.pk).access_token is None


def test_secret_does_not_print_itself(caplog):
    store = Store.objects.get(pk=StoreFactory(access_token=TOKEN).pk)
    caplog.set_level(logging.INFO)
    logging.getLogger("aftersale.test").info("store %s token %s", store, store.access_token)
    text = f"{store!r} {store} {store.access_token} {store.access_token!r} {vars(store)}"
    assert TOKEN not in text
    assert TOKEN not in caplog.text
    with pytest.raises(TypeError):
        pickle.dumps(store.access_token)


def test_redaction_filter_scrubs_tokens_that_reach_a_log_line():
    from apps.core.logging import redact

    line = f"calling shop with X-Shopify-Access-Token: {TOKEN} and ?id_token=eyJabc.def&x=1"
    cleaned = redact(line)
    assert TOKEN not in cleaned
    assert "eyJabc.def" not in cleaned
    assert "x=1" in cleaned


def test_rotation_re_encrypts_every_secret_under_the_first_key(settings):
    old_key = settings.ENCRYPTION_KEYS[0]
    store = StoreFactory(access_token=TOKEN, refresh_token="shprt_refresh")
    new_key = Fernet.generate_key().decode()
    with override_settings(ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("rotate_encryption_keys", stdout=io.StringIO())
        raw = _raw_token(store)
        assert Fernet(new_key.encode()).decrypt(raw.encode()).decode() == TOKEN
    # Only the new key remains: everything still decrypts.
    with override_settings(ENCRYPTION_KEYS=[new_key]):
        fresh = Store.objects.get(pk=store.pk)
        assert fresh.access_token.reveal() == TOKEN
        assert fresh.refresh_token.reveal() == "shprt_refresh"


def test_a_value_under_an_unknown_key_fails_without_echoing_it():
    store = StoreFactory(access_token=TOKEN)
    with override_settings(ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(crypto.DecryptionError) as info:
            Store.objects.get(pk=store.pk)
        assert "gAAAAA" not in str(info.value)


def test_secret_equality_and_truthiness():
    assert Secret("a") == Secret("a")
    assert not Secret("")
