"""Rows of the WooCommerce connect flow and of merchant sign-in.

Secrets are not here: the store's REST keys are `Store.access_token`, and its webhook and
customer-claim secrets are its `IntegrationCredential` for "woocommerce" (both encrypted).
Nonces and sign-in tokens are stored only as SHA-256 digests.
"""

from __future__ import annotations

from django.db import models

from apps.stores.models import Store


class ConnectState(models.Model):
    """A single-use state for one store URL's app authorization (the `user_id` WooCommerce
    hands back with the keys). Not tenant-owned: it exists before the Store does."""

    domain = models.CharField(max_length=255)
    owner_email = models.EmailField()
    nonce_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"WooCommerce connect state for {self.domain}"


class WooConnection(models.Model):
    """What we know about one connected WooCommerce store beyond its keys."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="woo_connection")
    key_id = models.CharField(max_length=40, blank=True)
    key_permissions = models.CharField(max_length=20, blank=True)
    # Addresses allowed to sign in: the one given at sign-up, once the store confirmed it.
    owner_emails = models.JSONField(default=list, blank=True)
    # Our webhooks on the store, by topic: {"order.created": 12, ...}.
    webhook_ids = models.JSONField(default=dict, blank=True)
    webhooks_checked_at = models.DateTimeField(null=True, blank=True)
    # The modified_after poll's high-water mark (the store's date_modified_gmt).
    polled_through = models.DateTimeField(null=True, blank=True)
    # The pages holding the store's policies, by type ({"refund": "returns-page"}); types
    # not named fall back to the usual slugs (catalog.DEFAULT_POLICY_SLUGS).
    policy_pages = models.JSONField(default=dict, blank=True)
    # Shown on the dashboard until the merchant dismisses it (e.g. a webhook re-enabled).
    notice = models.CharField(max_length=300, blank=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"WooCommerce connection of {self.store_id}"


class SignInLink(models.Model):
    """A single-use, short-lived email sign-in link for one store's owner."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="woo_sign_in_links")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in link for store {self.store_id}"
