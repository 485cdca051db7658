"""The per-store, per-day rollup the analytics page reads for every day before today."""

from __future__ import annotations

from django.db import models

from apps.stores.models import Store


class DailyRollup(models.Model):
    """One store's figures for one day of its calendar (in `timezone`).

    Counts are columns; the groupings (by intent, channel, action kind, refund currency)
    and the duration histograms (fixed buckets, see analytics.buckets) are JSON, all
    mergeable by summing. Rows outlive the conversations they count (retention).
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="daily_rollups")
    day = models.DateField()
    # The zone the day was cut in; a row cut in another zone than the store's is recomputed.
    timezone = models.CharField(max_length=64)
    conversations = models.PositiveIntegerField(default=0)
    ai_resolved = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    human_handled = models.PositiveIntegerField(default=0)
    actions_executed = models.PositiveIntegerField(default=0)
    # {"first_reply": {...}, "resolution": {...}} bucket histograms of the day's conversations.
    histograms = models.JSONField(default=dict)
    # {intent: Tally JSON}
    intents = models.JSONField(default=dict)
    # {channel: conversations}
    channels = models.JSONField(default=dict)
    # {kind: executed}
    actions = models.JSONField(default=dict)
    # {currency: {"amount": "12.50", "count": 2}}
    refunds = models.JSONField(default=dict)
    # {"label_spend": {currency: {"amount", "count"}}, "to_refund": histogram}
    returns = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="daily_rollup_unique_store_day")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}: {self.conversations} conversations"
