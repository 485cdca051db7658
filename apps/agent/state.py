"""The pipeline's memory between turns, kept in Conversation.state as plain JSON.

Typed here so every skill reads and writes the same keys. It never holds secrets; it
holds what the customer told us (an order number, an email), what we asked last, the
action waiting for a yes/no, and the verification counters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

# After this many failed ownership checks the conversation goes to a human and the
# agent stops looking up orders in it (no enumeration by guessing).
MAX_FAILED_VERIFICATIONS = 3
# After this many consecutive turns we could not understand, a human takes over.
MAX_MISUNDERSTOOD = 3
MAX_VERIFIED_ORDERS = 10
# Intents about one particular order (they need a verified order first).
ORDER_INTENTS = frozenset(
    {
        "order_status",
        "return_request",
        "refund_request",
        "refund_status",
        "cancel_order",
        "change_address",
        "change_order",
    }
)


class Awaiting:
    """What the agent asked for last turn (passed to `understand` as `awaiting`)."""

    NOTHING = ""
    ORDER_NUMBER = "order_number"
    EMAIL = "email"
    CONFIRMATION = "confirmation"
    ADDRESS = "address"
    NOTE = "note"
    AMOUNT = "amount"
    HANDOFF = "handoff_confirmation"


@dataclass
class Pending:
    """An action proposed to the customer and waiting for their yes/no."""

    kind: str
    order_id: str
    order_name: str
    amount: str = ""
    currency: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    address: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    item_titles: list[str] = field(default_factory=list)
    # Which proposal this is (part of the action's idempotency key: a new request for the
    # same thing is a new action), and when and in answer to which message it was made.
    proposal_id: str = ""
    proposed_at: str = ""
    asked_in: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Pending | None:
        if not data or not data.get("kind") or not data.get("order_id"):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class ConversationState:
    intent: str = ""
    awaiting: str = Awaiting.NOTHING
    pending: Pending | None = None
    # Unverified details the customer gave, kept until they can be checked together.
    order_number: str = ""
    email: str = ""
    phone: str = ""
    # The order being discussed (platform id + name), set only after verification.
    focus_id: str = ""
    focus_name: str = ""
    verified_order_ids: list[str] = field(default_factory=list)
    failed_verifications: int = 0
    verification_locked: bool = False
    misunderstood: int = 0
    # When the customer last wrote (ISO); a guest's proof of ownership lapses after a pause.
    last_turn_at: str = ""

    @classmethod
    def load(cls, raw: dict[str, Any] | None) -> ConversationState:
        raw = dict(raw or {})
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known and k != "pending"}
        state = cls(**values)
        state.pending = Pending.from_dict(raw.get("pending"))
        return state

    def dump(self) -> dict[str, Any]:
        data = asdict(self)
        data["pending"] = asdict(self.pending) if self.pending else None
        return data

    def is_verified(self, order_id: str) -> bool:
        return order_id in self.verified_order_ids

    def remember_verified(self, order_id: str, name: str) -> None:
        if order_id not in self.verified_order_ids:
            self.verified_order_ids = [*self.verified_order_ids, order_id][-MAX_VERIFIED_ORDERS:]
        self.focus_id, self.focus_name = order_id, name
        self.order_number = ""

    def forget_proof_if_idle(self, now: datetime, idle: timedelta) -> bool:
        """After `idle` without a message, the next person at this screen may be someone
        else: forget which orders were proven and every detail given for them (the
        failure counters stay). True when something was forgotten."""
        try:
            last = datetime.fromisoformat(self.last_turn_at) if self.last_turn_at else None
        except ValueError:
            last = None
        self.last_turn_at = now.isoformat()
        if last is None or now - last <= idle:
            return False
        proven = bool(self.verified_order_ids or self.focus_id or self.email or self.phone)
        self.verified_order_ids = []
        self.focus_id = self.focus_name = ""
        self.order_number = self.email = self.phone = ""
        self.pending = None
        self.awaiting = Awaiting.NOTHING
        return proven

    def clear_question(self) -> None:
        self.awaiting = Awaiting.NOTHING
        self.pending = None
