"""Which notifications a store sends, and how far its team digest has got."""

from __future__ import annotations

from django.db import models

from apps.stores.models import Store


class NotificationKind(models.TextChoices):
    TEAM_DIGEST = "team_digest", "Team digest: escalations and approvals"
    ACTION_DONE = "action_done", "Customer: an action they asked for is done"
    WEB_BY_EMAIL = "web_by_email", "Customer on web chat: the same notice by email"
    TRANSCRIPT = "transcript", "Customer: the conversation transcript on request"


class NotificationSettings(models.Model):
    """One row per store (created on first use). The team's address is the store's escalation
    email (StoreSettings); nothing is sent to the team without one."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="notifications")
    team_digest = models.BooleanField(default=True)
    action_done = models.BooleanField(default=True)
    # Web chat has no address of its own: only the verified order's email, and only if asked.
    web_by_email = models.BooleanField(default=False)
    transcript = models.BooleanField(default=True)
    # Team digest: events up to here were sent (or skipped); the next digest starts after it.
    digest_through = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notifications of store {self.store_id}"

    def enabled(self, kind: str) -> bool:
        return bool(getattr(self, kind))
