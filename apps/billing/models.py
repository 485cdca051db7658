"""Billing rows: a store's Shopify app subscriptions and the ledger of what was charged.

The tables keep the names they were created with (when billing lived in shopify_app), so
moving the models here changed no data.
"""

from __future__ import annotations

from django.db import models


class SubscriptionStatus(models.TextChoices):
    """Shopify's AppSubscriptionStatus values (ACCEPTED is deprecated and never stored)."""

    PENDING = "PENDING", "Waiting for approval"
    ACTIVE = "ACTIVE", "Active"
    DECLINED = "DECLINED", "Declined"
    EXPIRED = "EXPIRED", "Expired"
    FROZEN = "FROZEN", "Frozen (unpaid)"
    CANCELLED = "CANCELLED", "Cancelled"


class AppSubscription(models.Model):
    """One Shopify app subscription of a store, as created by appSubscriptionCreate.

    The terms (prices, cap, trial) are copied from the plan when it is created: they are
    what the merchant approved, whatever the plan table says later. `status` follows
    Shopify (the return URL check and app_subscriptions/update); `shopify_updated_at` is
    the newest update applied, so a late webhook never rolls the status back.
    """

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="app_subscriptions"
    )
    shopify_id = models.CharField(max_length=100, unique=True)
    plan_key = models.CharField(max_length=30)
    name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    test = models.BooleanField(default=False)
    trial_days = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="USD")
    recurring_price = models.DecimalField(max_digits=10, decimal_places=2)
    usage_price = models.DecimalField(max_digits=10, decimal_places=2)
    capped_amount = models.DecimalField(max_digits=10, decimal_places=2)
    # gid://shopify/AppSubscriptionLineItem/...: the line item usage records go to.
    usage_line_item_id = models.CharField(max_length=150, blank=True)
    # Shopify's own figures for the usage line item, as of the last sync.
    balance_used = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    current_period_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    shopify_updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Shopify keeps one active subscription per app and shop.
            models.UniqueConstraint(
                fields=["store"],
                condition=models.Q(status__in=["ACTIVE", "FROZEN"]),
                name="appsubscription_one_current_per_store",
            )
        ]
        indexes = [models.Index(fields=["store", "-created_at"])]
        db_table = "shopify_app_appsubscription"

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    def __repr__(self) -> str:
        return f"<AppSubscription {self.pk} store={self.store_id} {self.plan_key} {self.status}>"


class LedgerStatus(models.TextChoices):
    PENDING = "pending", "Sending to Shopify"
    CHARGED = "charged", "Charged"
    FAILED = "failed", "Not charged (error)"
    SKIPPED_CAP = "skipped_cap", "Not charged (cap reached)"
    FREE_TRIAL = "free_trial", "Free (trial)"


class BillingLedgerEntry(models.Model):
    """One AI resolution and what it was charged: the merchant's readable billing record.

    Written before Shopify is called (outbox style, status pending) and updated after.
    `idempotency_key` derives from the store and the conversation and is sent to Shopify
    as the usage record's idempotencyKey: a conversation is charged at most once, however
    often the task runs. The conversation may later be erased (a privacy request); the
    ledger row stays as the billing record.
    """

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(
        AppSubscription, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255)
    status = models.CharField(
        max_length=12, choices=LedgerStatus.choices, default=LedgerStatus.PENDING
    )
    idempotency_key = models.CharField(max_length=255, unique=True)
    shopify_usage_record_id = models.CharField(max_length=150, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When the latest attempt to send it started (a claim; see billing.usage).
    attempted_at = models.DateTimeField(null=True, blank=True)
    # When the conversation qualified as resolved (decides trial and billing cycle).
    resolved_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    charged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["store", "-created_at"]),
            models.Index(fields=["subscription", "status", "created_at"]),
            models.Index(
                fields=["status", "attempted_at"],
                name="ledger_pending",
                condition=models.Q(status="pending"),
            ),
        ]
        db_table = "shopify_app_billingledgerentry"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} [{self.status}]"
