"""One turn's working set: who is asking, under which rules, and what happened so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from apps.agent.facts import FactsBuilder
from apps.agent.replies import say
from apps.agent.state import ConversationState
from apps.agent.understanding.types import Understanding
from apps.conversations.models import AgentAction, Conversation, Message
from apps.integrations.commerce.base import CommerceProvider
from apps.orders.models import Order
from apps.stores.models import Store, StoreSettings


@dataclass
class Draft:
    """A skill's answer: the template text and whether it asks the customer to confirm.

    A confirmation prompt is shown verbatim (never rephrased), so what the customer
    agrees to is exactly what will be done.
    """

    text: str
    confirm: bool = False


@dataclass
class Turn:
    store: Store
    rules: StoreSettings
    conversation: Conversation
    message: Message
    provider: CommerceProvider
    state: ConversationState
    understanding: Understanding
    now: datetime
    intent: str = ""
    # What the previous reply asked for (the state's `awaiting` is reset for this turn).
    awaited: str = ""
    facts: FactsBuilder = field(default_factory=FactsBuilder)
    # Side effects (saved as they happen) and lookups/escalations (saved with the reply).
    actions: list[AgentAction] = field(default_factory=list)
    records: list[AgentAction] = field(default_factory=list)
    escalated: bool = False
    # The order in focus changed this turn (conversation.order_in_focus needs saving).
    focus_changed: bool = False
    # platform order id -> local snapshot row pk (None when not synced yet).
    _order_pks: dict[str, int | None] = field(default_factory=dict)

    @property
    def tone(self) -> str:
        return self.rules.tone

    @property
    def logged_in_customer_id(self) -> str:
        """The platform customer id, only when it came from a verified source."""
        if self.conversation.customer_verified and self.conversation.customer_platform_id:
            return self.conversation.customer_platform_id
        return ""

    def say(self, key: str, **values: object) -> str:
        return say(key, self.tone, **values)

    def add_record(self, action: AgentAction) -> None:
        """Queue a lookup/escalation row for saving with the reply (once per key)."""
        if all(r.idempotency_key != action.idempotency_key for r in self.records):
            self.records.append(action)

    def remember_order_pk(self, platform_order_id: str, pk: int) -> None:
        self._order_pks[platform_order_id] = pk

    def order_pk(self, platform_order_id: str) -> int | None:
        """The local snapshot row for an order the platform returned (None if not synced)."""
        if platform_order_id not in self._order_pks:
            self._order_pks[platform_order_id] = (
                Order.objects.filter(store=self.store, platform_order_id=platform_order_id)
                .values_list("pk", flat=True)
                .first()
            )
        return self._order_pks[platform_order_id]
