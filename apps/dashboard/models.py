"""What only the dashboard keeps: onboarding marks, team notes, staff names, analytics rollups."""

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


class InternalNote(models.Model):
    """A note the merchant's team leaves on a conversation. It lives apart from `Message`
    on purpose: nothing that reads messages (the widget, the agent) can ever show a note to
    the customer. A helpdesk mirroring the conversation gets it as an internal note only
    (apps/helpdesk/sync.py `mirror_note`)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="internal_notes")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="internal_notes"
    )
    author = models.CharField(max_length=64)  # Shopify staff user id (session token `sub`)
    author_name = models.CharField(max_length=60, blank=True)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "id"])]

    def __str__(self) -> str:
        return f"note on conversation {self.conversation_id}"


class StaffProfile(models.Model):
    """The name a staff member signs customer replies with (the session token carries only
    an id, and customers should see a name, not a number)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="staff_profiles")
    user_id = models.CharField(max_length=64)
    display_name = models.CharField(max_length=60)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "user_id"], name="staff_profile_unique_user")
        ]

    def __str__(self) -> str:
        return self.display_name


# The analytics rollup lives with its package; importing it here registers the model.
from apps.dashboard.analytics.models import DailyRollup  # noqa: E402

__all__ = ["DailyRollup", "InternalNote", "OnboardingMark", "OnboardingStep", "StaffProfile"]
