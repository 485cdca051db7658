"""The mergeable figures of one day (or of any set of days): what a rollup row stores.

Everything here is a count or a fixed-bucket histogram, so the figures of many days are
their sums, and a range read from daily rollups equals the same range computed at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from apps.dashboard.analytics import buckets
from apps.dashboard.analytics.buckets import Histogram


@dataclass
class Tally:
    """Conversations of a group (a day, an intent): counts and first-reply histogram."""

    conversations: int = 0
    ai_resolved: int = 0
    escalated: int = 0
    human_handled: int = 0
    first_reply: Histogram = field(default_factory=dict)
    # Start to resolution of the conversations resolved by the AI.
    resolution: Histogram = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.conversations += other.conversations
        self.ai_resolved += other.ai_resolved
        self.escalated += other.escalated
        self.human_handled += other.human_handled
        buckets.add_into(self.first_reply, other.first_reply)
        buckets.add_into(self.resolution, other.resolution)

    def add_json(self, value: dict[str, Any]) -> None:
        """add() of a stored Tally JSON, without building it first (a year's rollups hold
        thousands of them: the analytics page merges them on every view)."""
        self.conversations += value.get("conversations", 0)
        self.ai_resolved += value.get("ai_resolved", 0)
        self.escalated += value.get("escalated", 0)
        self.human_handled += value.get("human_handled", 0)
        buckets.add_json_into(self.first_reply, value.get("first_reply"))
        buckets.add_json_into(self.resolution, value.get("resolution"))

    def to_json(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "ai_resolved": self.ai_resolved,
            "escalated": self.escalated,
            "human_handled": self.human_handled,
            "first_reply": buckets.to_json(self.first_reply),
            "resolution": buckets.to_json(self.resolution),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Tally:
        return cls(
            conversations=int(value.get("conversations", 0)),
            ai_resolved=int(value.get("ai_resolved", 0)),
            escalated=int(value.get("escalated", 0)),
            human_handled=int(value.get("human_handled", 0)),
            first_reply=buckets.from_json(value.get("first_reply")),
            resolution=buckets.from_json(value.get("resolution")),
        )


@dataclass
class Refunded:
    amount: Decimal = Decimal("0.00")
    count: int = 0


@dataclass
class DayFacts:
    """One day of one store, in the store's time zone."""

    day: date
    totals: Tally = field(default_factory=Tally)
    intents: dict[str, Tally] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    # Executed actions by kind (on the day they were carried out).
    actions: dict[str, int] = field(default_factory=dict)
    # Money given back by currency: refunds and the refunds of cancellations.
    refunds: dict[str, Refunded] = field(default_factory=dict)
    # Prepaid return labels bought, by currency; a return's time from the customer's yes
    # to its refund (seconds histogram), on the refund's day.
    label_spend: dict[str, Refunded] = field(default_factory=dict)
    return_to_refund: Histogram = field(default_factory=dict)
    # A rollup's intents as stored ({intent: Tally JSON}), merged without parsing each.
    stored_intents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def intent(self, name: str) -> Tally:
        return self.intents.setdefault(name, Tally())

    def refunded(self, currency: str) -> Refunded:
        return self.refunds.setdefault(currency, Refunded())


def merge_days(days: Iterable[DayFacts], day: date = date.min) -> DayFacts:
    """The figures of several days as one (totals, intents, actions, refunds summed)."""
    merged = DayFacts(day=day)
    for facts in days:
        merged.totals.add(facts.totals)
        for name, tally in facts.intents.items():
            merged.intent(name).add(tally)
        for name, value in facts.stored_intents.items():
            merged.intent(name).add_json(value)
        for channel, count in facts.channels.items():
            merged.channels[channel] = merged.channels.get(channel, 0) + count
        for kind, count in facts.actions.items():
            merged.actions[kind] = merged.actions.get(kind, 0) + count
        for currency, refunded in facts.refunds.items():
            total = merged.refunded(currency)
            total.amount += refunded.amount
            total.count += refunded.count
        for currency, spent in facts.label_spend.items():
            total = merged.label_spend.setdefault(currency, Refunded())
            total.amount += spent.amount
            total.count += spent.count
        buckets.add_into(merged.return_to_refund, facts.return_to_refund)
    return merged
