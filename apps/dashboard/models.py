"""What only the dashboard keeps: onboarding steps the merchant marked done by hand."""

from __future__ import annotations

from django.db import models

from apps.stores.models import Store


class OnboardingStep(models.TextChoices):
    # No API tells whether the theme's app embed is on, so the merchant says so.
    WIDGET_ENABLED = "widget_enabled", "Chat widget enabled in the theme"


class OnboardingMark(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="onboarding_marks")
    step = models.CharField(max_length=40, choices=OnboardingStep.choices)
    # The Shopify staff user (session token `sub`) who marked it.
    marked_by = models.CharField(max_length=64)
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "step"], name="onboarding_unique_store_step")
        ]

    def __str__(self) -> str:
        return f"{self.step} done"


# The analytics rollup lives with its package; importing it here registers the model.
from apps.dashboard.analytics.models import DailyRollup  # noqa: E402

__all__ = ["DailyRollup", "OnboardingMark", "OnboardingStep"]
