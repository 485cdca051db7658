"""The merchant's helpdesk as seen from our side: which thread mirrors which conversation,
and the outbox of messages still to send there.

A sync row is the unit of exactly-once delivery: one per (message, provider), claimed by
one worker at a time with a conditional UPDATE, and marked sent with the provider's id
for the message in the same statement that releases it.
"""

from __future__ import annotations

from django.db import models

from apps.conversations.models import Conversation, Message
from apps.stores.models import Store


class HelpdeskThread(models.Model):
    """The ticket/conversation that mirrors one of our conversations at one provider."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="helpdesk_threads"
    )
    provider = models.CharField(max_length=20)
    # Ours, sent as the provider's idempotency key / external id: a create retried after
    # a lost answer finds the thread instead of opening a second one.
    external_id = models.CharField(max_length=64)
    thread_id = models.CharField(max_length=64, blank=True)  # empty until created
    customer_ref = models.CharField(max_length=254, blank=True)
    # Whether the merchant's hand-back tag was on the thread when last looked at: only the
    # tag being added hands back, not a tag left on from an earlier hand-back.
    hand_back_tagged = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "provider"], name="helpdeskthread_unique_conversation"
            ),
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="helpdeskthread_unique_external_id"
            ),
        ]
        indexes = [models.Index(fields=["store", "provider", "thread_id"])]

    def __str__(self) -> str:
        return f"{self.provider} thread {self.thread_id or '(not created)'}"


class SyncStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    # The last attempt timed out after the request left: the provider may have it. It is
    # sent again only after the thread was checked for it (never blindly).
    UNCERTAIN = "uncertain", "Uncertain"
    FAILED = "failed", "Failed"  # permanent, or out of attempts: the page offers a retry


class HelpdeskSync(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    # What is sent: one of our messages, or a team note written in our dashboard (notes are
    # not messages, so that nothing reading messages can show one to the customer; the
    # dashboard sits above this app, so the row keeps the note's id and words itself).
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="helpdesk_syncs", null=True, blank=True
    )
    note_id = models.PositiveBigIntegerField(null=True, blank=True)
    note_text = models.TextField(blank=True)
    provider = models.CharField(max_length=20)
    provider_message_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=12, choices=SyncStatus.choices, default=SyncStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The fencing token of the attempt holding the row.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "provider"], name="helpdesksync_unique_message_provider"
            ),
            models.UniqueConstraint(
                fields=["note_id", "provider"],
                name="helpdesksync_unique_note_provider",
                condition=models.Q(note_id__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(message__isnull=False) ^ models.Q(note_id__isnull=False),
                name="helpdesksync_message_or_note",
            ),
        ]
        indexes = [
            models.Index(
                fields=["conversation", "provider", "id"],
                name="helpdesksync_unsent",
                condition=~models.Q(status="sent"),
            )
        ]

    def __str__(self) -> str:
        what = f"message {self.message_id}" if self.message_id else f"note {self.note_id}"
        return f"sync of {what} to {self.provider} ({self.status})"


class TicketsFor(models.TextChoices):
    ALL = "all", "Every conversation"
    ESCALATIONS = "escalations", "Only conversations handed to the team"
    NEVER = "never", "Never"


class AssigneeTo(models.TextChoices):
    # The values are the protocol's AssigneeKind.
    USER = "user", "A person"
    TEAM = "team", "A team (Zendesk group, Front inbox)"


class AiRepliesAs(models.TextChoices):
    NOTES = "notes", "Internal notes"
    # Stored in the thread as public replies without the helpdesk sending them again
    # (where a provider cannot store without sending, they go in as notes).
    PUBLIC = "public", "Public messages (not sent to the customer again)"


class HelpdeskSettings(models.Model):
    """The merchant's choices for their helpdesk: when a ticket opens, how it is labelled
    and routed, and how the AI's replies appear in it. Absent = the defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+")
    tickets_for = models.CharField(
        max_length=12, choices=TicketsFor.choices, default=TicketsFor.ESCALATIONS
    )
    # Added to every ticket beside "aftersale" and the conversation's intent.
    tags = models.JSONField(default=list, blank=True)
    # Where an escalated ticket is routed: a person (Gorgias user, Zendesk agent, Front
    # teammate, Intercom admin) or a team (Gorgias team, Zendesk group, Front inbox,
    # Intercom team), by its id in the helpdesk; an empty id leaves the helpdesk's routing.
    escalation_assignee_kind = models.CharField(
        max_length=8, choices=AssigneeTo.choices, default=AssigneeTo.USER
    )
    escalation_assignee = models.CharField(max_length=64, blank=True)
    ai_replies_as = models.CharField(
        max_length=8, choices=AiRepliesAs.choices, default=AiRepliesAs.PUBLIC
    )
    # A person adding this tag in the helpdesk hands the conversation back to the AI.
    hand_back_tag = models.CharField(max_length=50, blank=True, default="aftersale-ai")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "helpdesk settings"

    def __str__(self) -> str:
        return f"helpdesk settings of store {self.store_id}"
