"""Conversations, their messages, and every action the agent proposed or took."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from apps.orders.models import Order
from apps.stores.models import Store

MAX_MESSAGE_LENGTH = 2000


class Channel(models.TextChoices):
    WEB = "web", "Web chat"
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class ConversationStatus(models.TextChoices):
    OPEN = "open", "Open"
    AI_HANDLING = "ai_handling", "AI handling"
    HUMAN_HANDLING = "human_handling", "Human handling"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"


class Conversation(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(
        max_length=20, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )

    customer_email = models.CharField(max_length=254, blank=True)
    customer_phone = models.CharField(max_length=32, blank=True)
    # Set only from a verified source (App Proxy logged_in_customer_id, platform data).
    customer_platform_id = models.CharField(max_length=64, blank=True)
    customer_verified = models.BooleanField(default=False)

    primary_intent = models.CharField(max_length=32, blank=True)
    order_in_focus = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The pipeline's working memory between turns (pending question, collected entities,
    # failed verification count...). Never holds secrets.
    state = models.JSONField(default=dict, blank=True)
    # {"gorgias": "123", "zendesk": "456"}
    helpdesk_ticket_ids = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # When its AI resolution got a billing ledger row (charged, free or over the cap).
    # The charge sweep reads only conversations without one (conversation_unbilled), so
    # a store's already-billed history is never re-examined on each run.
    billing_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Checked with EXPLAIN on generated data by bench/dashboard.py.
        indexes = [
            models.Index(fields=["store", "-created_at"]),
            # Inbox filters: a page of one status / intent, newest first, read in order.
            models.Index(
                fields=["store", "status", "-created_at"], name="conversation_store_status"
            ),
            models.Index(
                fields=["store", "primary_intent", "-created_at"], name="conversation_store_intent"
            ),
            # The billing charge sweep (recently active or resolved) and the rollup sweep
            # (recent changes, quiet periods ending).
            models.Index(fields=["last_message_at"], name="conversation_last_message"),
            models.Index(
                fields=["resolved_at"],
                name="conversation_resolved",
                condition=models.Q(resolved_at__isnull=False),
            ),
            models.Index(fields=["updated_at"], name="conversation_updated"),
            # The inbox poll's "anything changed?": the store's latest change, read off
            # the end of the index instead of every row of the store.
            models.Index(fields=["store", "updated_at"], name="conversation_store_updated"),
            # The billing charge sweep: a store's unbilled conversations in the order they
            # are billed (resolved moment, id), so a run reads one batch and stops.
            models.Index(
                F("store"),
                Coalesce("resolved_at", "last_message_at", "created_at"),
                F("id"),
                name="conversation_unbilled",
                condition=models.Q(billing_recorded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk} ({self.channel}, {self.status})"


class MessageRole(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    ASSISTANT = "assistant", "Assistant"
    HUMAN_AGENT = "human_agent", "Human agent"
    SYSTEM = "system", "System"


class Message(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="messages")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=20, choices=MessageRole.choices)
    text = models.TextField(max_length=MAX_MESSAGE_LENGTH * 4)
    metadata = models.JSONField(default=dict, blank=True)
    # For customer messages: set once the agent has answered it (idempotent handling).
    handled_at = models.DateTimeField(null=True, blank=True)
    # For assistant replies: the customer message this answers (one reply per message).
    reply_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reply"
    )
    # For customer messages from the widget: the id the client generated for this message,
    # sent again with every retry, so a retried POST finds the row instead of adding one.
    client_message_id = models.CharField(max_length=64, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_message_id"],
                condition=~models.Q(client_message_id=""),
                name="message_unique_client_id",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "id"]),
            # The unanswered-message sweep reads only this small slice.
            models.Index(
                fields=["created_at"],
                condition=models.Q(role="customer", handled_at__isnull=True),
                name="message_unanswered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"


class ActionKind(models.TextChoices):
    LOOKUP_ORDER = "lookup_order", "Look up order"
    TRACK_SHIPMENT = "track_shipment", "Track shipment"
    CREATE_RETURN = "create_return", "Create return"
    # A prepaid label for a return (apps/agent/return_labels.py); its result holds the cost.
    RETURN_LABEL = "return_label", "Buy return label"
    REFUND = "refund", "Refund"
    CANCEL_ORDER = "cancel_order", "Cancel order"
    CHANGE_ADDRESS = "change_address", "Change shipping address"
    ADD_ORDER_NOTE = "add_order_note", "Add order note"
    SEARCH_PRODUCTS = "search_products", "Search products"
    ESCALATE = "escalate", "Escalate to a human"


class ActionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    # Claimed and sent (or about to be sent) to the platform; the outcome is not recorded
    # yet. A row left here by a dead process is finished by the reconciler (same key).
    EXECUTING = "executing", "Executing"
    EXECUTED = "executed", "Executed"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"


class AgentAction(models.Model):
    """One side effect (or lookup) of the agent: the audit trail for a dispute.

    `idempotency_key` is derived from what the action does (store, order, kind, items,
    amount), so a retried task finds the existing row instead of acting twice.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="agent_actions")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="actions")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="agent_actions"
    )
    kind = models.CharField(max_length=32, choices=ActionKind.choices)
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.PROPOSED
    )
    idempotency_key = models.CharField(max_length=128, unique=True)
    parameters = models.JSONField(default=dict, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    # Why the policy engine allowed, held or declined it, in plain words.
    policy_reason = models.CharField(max_length=300, blank=True)
    # The platform's response, as evidence (never credentials).
    evidence = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    approved_by = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # When the current execution claimed the row (status executing): how the reconciler
    # tells an execution in progress from one whose process died.
    execution_started_at = models.DateTimeField(null=True, blank=True)
    # When the customer was told the outcome outside a turn's reply (after an approval, or
    # after the reconciler finished it): the claim that tells them once.
    outcome_told_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["store", "kind", "status"]),
            models.Index(fields=["conversation", "id"]),
            # The reconciler reads only this small slice: actions claimed or approved and
            # not finished.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status__in=["proposed", "executing"]),
                name="action_unfinished_idx",
            ),
            # The rollup sweep: actions changed since its last run.
            models.Index(fields=["updated_at"], name="agentaction_updated"),
            # Analytics: a store's actions carried out in a range of days (lookups have
            # no executed_at: their creation is the moment).
            models.Index(
                F("store"),
                Coalesce("executed_at", "created_at"),
                name="agentaction_done_at",
                condition=models.Q(status="executed"),
            ),
            # The lost-label sweep (apps.agent.return_sweep): returns recorded in a range of
            # time, and whether a return already has its label action.
            models.Index(
                fields=["store", "executed_at"],
                condition=models.Q(kind="create_return", status="executed"),
                name="action_return_recorded_idx",
            ),
            models.Index(
                KeyTextTransform("return_action_id", "parameters"),
                condition=models.Q(kind="return_label"),
                name="action_label_return_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} [{self.status}]"


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    # The provider may have taken it (a 5xx, a timeout, a worker lost mid-call): the next
    # attempt looks it up before sending again.
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"


class OutboundMessage(models.Model):
    """One email or SMS to send (the outbox), written in the transaction that causes it.

    `idempotency_key` is unique per store: whatever asks twice (a retried task, a replayed
    webhook) finds the first row. A task sends it once (apps.conversations.outbox).
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="outbound_messages")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound"
    )
    # The reply this carries, when it carries one.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=100_000)
    html = models.TextField(max_length=100_000, blank=True)
    # Email only: from name, reply-to and our threading headers.
    envelope = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=128)
    provider = models.CharField(max_length=30, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the current attempt began (a `sending` row older than the task limit was lost).
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # When the first attempt that may have reached the provider began (look-ups start here).
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "idempotency_key"], name="outbound_unique_store_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["provider", "provider_message_id"], name="outbound_provider_id_idx"
            ),
            # The outbox sweep reads only rows still to send.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["queued", "sending", "unconfirmed"]),
                name="outbound_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient} ({self.status})"


class InboundEndpoint(models.Model):
    """The store-scoped, unguessable token in a provider's inbound URL
    (`/inbound/sms/<token>`): which store a provider's POST is for. The signature proves
    it came from the provider; the token only routes it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="inbound_endpoints")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "channel"], name="inbound_unique_store_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} inbound for store {self.store_id}"


class InboundReceipt(models.Model):
    """A provider's id for an inbound message already taken (Twilio retries and replays)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    external_id = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "channel", "external_id"], name="inbound_receipt_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.external_id}"


class SmsOptOut(models.Model):
    """A number that texted STOP to one of the store's numbers (START lifts it). Nothing is
    ever sent from `store_number` to `phone` while `opted_out` holds."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sms_opt_outs")
    phone = models.CharField(max_length=32)
    store_number = models.CharField(max_length=32)
    opted_out = models.BooleanField(default=True)
    keyword = models.CharField(max_length=20)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "phone", "store_number"], name="sms_opt_out_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone} {'out' if self.opted_out else 'in'} ({self.keyword})"


class EmailThread(models.Model):
    """The email thread of an email conversation: the per-conversation token in its reply-to
    address (`support+<token>@<inbound domain>`) and in our Message-IDs, and what the next
    reply needs to stay in the customer's thread. A reply threads here only when it carries
    the token (address or headers) and comes from the address that started it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="email_thread"
    )
    token = models.CharField(max_length=32, unique=True)
    customer_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    # The customer's latest Message-ID and the chain so far (bounded): In-Reply-To/References.
    last_message_id = models.CharField(max_length=300, blank=True)
    references = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"email thread of conversation {self.conversation_id}"
