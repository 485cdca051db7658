from __future__ import annotations

import pytest

from apps.shopify_app.tasks import post_install
from apps.stores.models import StoreSettings
from apps.stores.services import store_uninstall
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_post_install_creates_the_settings_once():
    store = StoreFactory()
    assert not StoreSettings.objects.filter(store=store).exists()

    post_install(store.pk)
    post_install(store.pk)

    assert StoreSettings.objects.filter(store=store).count() == 1


def test_post_install_ignores_an_uninstalled_or_missing_store():
    store = StoreFactory()
    store_uninstall(store)

    post_install(store.pk)
    post_install(store.pk + 1000)

    assert StoreSettings.objects.count() == 0


def test_post_install_is_a_late_acking_bounded_task():
    assert post_install.acks_late is True
    assert post_install.soft_time_limit == 60
    assert post_install.time_limit == 90
    assert post_install.name == "apps.shopify_app.tasks.post_install"
