"""The tenant (`Store`), its merchant settings and its knowledge base."""

from __future__ import annotations

import secrets
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from apps.stores.credential_cache import config_from_plaintext
from apps.stores.fields import EncryptedTextField, Secret


def _widget_key() -> str:
    return f"wk_{secrets.token_urlsafe(18)}"


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    BIGCOMMERCE = "bigcommerce", "BigCommerce"
    DEMO = "demo", "Demo"


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ValidationError("Use an IANA time zone name, e.g. America/New_York.") from exc


class StoreStatus(models.TextChoices):
    INSTALLED = "installed", "Installed"
    UNINSTALLED = "uninstalled", "Uninstalled"


class Store(models.Model):
    """One merchant's shop on one platform. Every tenant-owned row points here."""

    platform = models.CharField(max_length=20, choices=Platform.choices)
    domain = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=20, choices=StoreStatus.choices, default=StoreStatus.INSTALLED
    )
    granted_scopes = models.TextField(blank=True)
    installed_at = models.DateTimeField(null=True, blank=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    # The merchant's day (analytics days, their rollups) is in the shop's IANA time zone.
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The zone the platform last reported (time_zones.py): a new report is followed, the
    # same report again leaves a zone the merchant chose in the dashboard alone.
    platform_timezone = models.CharField(max_length=64, blank=True)
    # As of when that report was true (the shop's updated_at in the webhook): deliveries
    # come out of order, and an older report never replaces a newer one.
    platform_timezone_at = models.DateTimeField(null=True, blank=True)

    access_token = EncryptedTextField()
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = EncryptedTextField()
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the platform refused our token (401/403): the merchant must re-open the app.
    needs_reauth = models.BooleanField(default=False)

    # Public identifier the storefront widget sends for non-proxied chat (not a secret).
    widget_key = models.CharField(max_length=64, unique=True, default=_widget_key)
    # Other host names the platform says the store's storefronts live on (BigCommerce:
    # a custom domain, a headless site): the widget-key API's CORS allows them too.
    storefront_hosts = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "domain"], name="store_unique_platform_domain"
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain} ({self.platform})"

    def __repr__(self) -> str:
        return f"<Store {self.pk} {self.platform}:{self.domain} {self.status}>"

    @property
    def is_installed(self) -> bool:
        return self.status == StoreStatus.INSTALLED

    @property
    def zone(self) -> ZoneInfo:
        """The shop's time zone (UTC when the stored name is unknown to this machine)."""
        try:
            return ZoneInfo(self.timezone or "UTC")
        except (ValueError, ZoneInfoNotFoundError):
            return ZoneInfo("UTC")

    @property
    def scopes(self) -> set[str]:
        return {s.strip() for s in self.granted_scopes.split(",") if s.strip()}


class Tone(models.TextChoices):
    FRIENDLY = "friendly", "Friendly"
    FORMAL = "formal", "Formal"
    CONCISE = "concise", "Concise"


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1a73e8.")


class ReturnLabels(models.TextChoices):
    OFF = "off", "No prepaid labels"
    MERCHANT_PAYS = "merchant_pays", "Prepaid, the store pays"
    DEDUCTED = "deducted", "Prepaid, deducted from the refund"


class RefundRelease(models.TextChoices):
    FIRST_SCAN = "first_scan", "On the carrier's first scan"
    DELIVERED = "delivered", "On delivery to the warehouse"
    INSPECTED = "inspected", "After a person inspects the return"


class StoreSettings(models.Model):
    """The merchant's rules. The policy engine reads only these; no customer text moves them.

    `version` increases on every change so each AgentAction records which rules allowed it.
    """

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="settings")
    version = models.PositiveIntegerField(default=1)

    agent_name = models.CharField(max_length=60, default="Ava")
    tone = models.CharField(max_length=20, choices=Tone.choices, default=Tone.FRIENDLY)
    greeting = models.CharField(
        max_length=300, default="Hi! I can help with orders, returns and questions about our store."
    )
    widget_color = models.CharField(max_length=7, default="#1a73e8", validators=[hex_colour])
    languages = models.JSONField(default=list, blank=True)

    return_window_days = models.PositiveIntegerField(
        default=30, validators=[MaxValueValidator(365)]
    )
    refund_auto_approve_limit = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    refund_currency = models.CharField(max_length=3, default="USD")
    cancellation_window_hours = models.PositiveIntegerField(
        default=12, validators=[MaxValueValidator(24 * 30)]
    )
    allow_address_changes = models.BooleanField(default=True)
    final_sale_tags = models.JSONField(default=list, blank=True)
    # Intents that always go to a human (e.g. ["complaint", "payment_issue"]).
    always_human_intents = models.JSONField(default=list, blank=True)
    escalation_email = models.EmailField(blank=True)
    # Conversations (with their messages and actions) older than this are erased by the
    # retention job; the analytics rollups keep the daily totals.
    conversation_retention_days = models.PositiveIntegerField(
        default=730, validators=[MinValueValidator(30), MaxValueValidator(3650)]
    )
    # Returns that finish themselves: whether a prepaid label is bought for an
    # accepted return and who pays for it, and when a returned parcel releases the refund.
    return_labels = models.CharField(
        max_length=20, choices=ReturnLabels.choices, default=ReturnLabels.OFF
    )
    refund_release = models.CharField(
        max_length=20, choices=RefundRelease.choices, default=RefundRelease.INSPECTED
    )
    # Shown with the label: how to pack the parcel (the merchant's words, plain text).
    return_packing_instructions = models.TextField(max_length=1000, blank=True)
    # What the customer confirms about the items before a return is started ("unworn,
    # with tags attached"); a "no" starts nothing.
    return_conditions = models.JSONField(default=list, blank=True)
    # When the merchant's people answer (store time): what a customer handed to them is told.
    team_days = models.CharField(max_length=7, default="12345")  # ISO weekdays, Monday = 1
    team_opens_at = models.TimeField(default=time(9, 0))
    team_closes_at = models.TimeField(default=time(17, 0))

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "store settings"

    def __str__(self) -> str:
        return f"settings v{self.version} for {self.store.domain}"


class KnowledgeKind(models.TextChoices):
    POLICY = "policy", "Store policy"
    FAQ = "faq", "FAQ entry"


class KnowledgeEntry(models.Model):
    """What the agent may say about the store: imported policies and the merchant's FAQ."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="knowledge")
    kind = models.CharField(max_length=10, choices=KnowledgeKind.choices)
    # For policies: refund, shipping, privacy, terms, contact, ... (the platform's type).
    policy_type = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20_000)
    source_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["store", "kind"])]
        verbose_name_plural = "knowledge entries"

    def __str__(self) -> str:
        return self.title


class IntegrationStatus(models.TextChoices):
    NOT_CONNECTED = "not_connected", "Not connected"
    CONNECTED = "connected", "Connected"
    FAILING = "failing", "Failing"


class IntegrationCredential(models.Model):
    """A store's credentials for one outside provider (helpdesk, shipping, payments, messaging).

    `config` is the provider's fields as one JSON object, encrypted at rest; the page shows
    only `hint` (e.g. "ends in …4f2a"). `status` is what the last connection check found.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="integrations")
    provider = models.CharField(max_length=30)
    config = EncryptedTextField()
    # Safe to show: which fields are set and the last characters of the secret one.
    hint = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=20, choices=IntegrationStatus.choices, default=IntegrationStatus.NOT_CONNECTED
    )
    last_error = models.CharField(max_length=500, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # Set when a check is requested; a check that finishes records last_checked_at after it.
    check_requested_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "provider"], name="integration_unique_store_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} ({self.status})"

    def __repr__(self) -> str:
        return f"<IntegrationCredential {self.pk} {self.provider} {self.status}>"

    def revealed_config(self) -> dict[str, str]:
        """The decrypted fields (for the provider client only; never log or render them)."""
        value: object = self.config
        if not isinstance(value, Secret) or not value:
            return {}
        return config_from_plaintext(value.reveal())


class SettingsAuditEntry(models.Model):
    """Who changed what in the merchant's configuration, and when.

    `changes` maps each field to {"old": ..., "new": ...}; secret fields are recorded as
    changed without their values.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="settings_audit")
    # The Shopify staff user (session token `sub`) who made the change.
    actor = models.CharField(max_length=64)
    section = models.CharField(max_length=40)
    summary = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    settings_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"])]
        verbose_name_plural = "settings audit entries"

    def __str__(self) -> str:
        return f"{self.section}: {self.summary}"
