"""Rows of the classic OAuth install flow."""

from __future__ import annotations

from django.db import models


class OAuthState(models.Model):
    """A single-use `state` nonce for one shop's authorization-code install.

    Not tenant-owned: it exists before the Store does. Only the SHA-256 of the nonce is
    stored, so a database read does not yield a usable state. Consumed with a
    conditional UPDATE (see apps.shopify_app.oauth_state), which makes it single-use
    even when two callbacks race.
    """

    shop = models.CharField(max_length=255)
    nonce_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"OAuth state for {self.shop}"

    def __repr__(self) -> str:
        return f"<OAuthState {self.pk} {self.shop} used={self.used_at is not None}>"
