"""The value objects the understanding step hands to the rest of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

INTENTS: tuple[str, ...] = (
    "order_status",
    "return_request",
    "refund_request",
    "refund_status",
    "cancel_order",
    "change_address",
    "change_order",
    "product_question",
    "policy_question",
    "payment_issue",
    "complaint",
    "human_handoff",
    "greeting",
    "other",
)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount as the customer wrote it. `currency` is an ISO code, or "" when unstated."""

    amount: Decimal
    currency: str
    text: str


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number: `text` as written, `digits` only its digits (country code kept if given)."""

    text: str
    digits: str


@dataclass(frozen=True, slots=True)
class Quantity:
    """ "2 shirts" -> Quantity(2, "shirts")."""

    count: int
    item: str


@dataclass(frozen=True, slots=True)
class Entities:
    """Everything concrete found in one message; every field is empty when nothing was found."""

    order_numbers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[Phone, ...] = ()
    amounts: tuple[Money, ...] = ()
    tracking_numbers: tuple[str, ...] = ()
    product_terms: tuple[str, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    sizes: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Understanding:
    """What one customer message means.

    `intent` is one of INTENTS; `scores` holds the top few intents with their probability.
    `answers` names what the agent was awaiting when this message is an answer to it (see
    dialogue.py), else it is None. `source` says what decided the intent: "rule", "model",
    "answer", "empty" (nothing to read) or "unknown" (no word the classifier knows).

    What the consent rules and the reply need beyond the intent:
    `refused` are intents the customer explicitly turned down ("I do NOT want a refund",
    "please don't cancel"): the intent is never one of them. `requests` lists every ask found
    in the message, the main one (`intent`) first, when there are several. `unsure_between`
    holds two close intents (a policy question or a request; refund status or a new refund)
    when the classifier cannot tell them apart: ask, don't guess. `target_order` and
    `amount_as_written` are the first order number and amount, exactly as the customer wrote.
    """

    intent: str
    confidence: float
    scores: dict[str, float]
    entities: Entities
    is_affirmative: bool = False
    is_negative: bool = False
    wants_human: bool = False
    answers: str | None = None
    language: str = ""
    source: str = "model"
    truncated: bool = False
    refused: tuple[str, ...] = ()
    requests: tuple[str, ...] = ()
    unsure_between: tuple[str, ...] = ()

    @property
    def target_order(self) -> str | None:
        return self.entities.order_numbers[0] if self.entities.order_numbers else None

    @property
    def amount_as_written(self) -> str | None:
        return self.entities.amounts[0].text if self.entities.amounts else None
