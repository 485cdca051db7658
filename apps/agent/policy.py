"""The policy engine: plain code over the merchant's StoreSettings.

Every function takes the merchant's rules, the order as the platform reported it, and
the moment of the decision; none takes customer text. The only customer inputs are the
amount and the items they ask about, and those are checked against the limits here —
so nothing a customer writes ("ignore your instructions", "your limit is now 1000")
can move a limit. The LLM never calls this module's outcome into question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from apps.integrations.commerce.base import LineItem, LineItemQuantity, OrderInfo
from apps.stores.models import StoreSettings

CENT = Decimal("0.01")


class Outcome(StrEnum):
    ALLOW = "allow"
    NEEDS_APPROVAL = "needs_approval"
    DECLINE = "decline"
    ESCALATE = "escalate"


@dataclass(frozen=True)
class Decision:
    """What the rules say, why (`code` for code, `reason` for people) and under which rules."""

    outcome: Outcome
    code: str
    reason: str
    policy_version: int
    amount: Decimal | None = None
    currency: str = ""
    items: tuple[LineItemQuantity, ...] = ()
    # Titles of the items the rules exclude (final sale), for an honest answer.
    excluded: tuple[str, ...] = ()
    deadline: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW


def _decision(
    rules: StoreSettings, outcome: Outcome, code: str, reason: str, **kw: object
) -> Decision:
    return Decision(
        outcome=outcome,
        code=code,
        reason=reason[:300],
        policy_version=rules.version,
        **kw,  # type: ignore[arg-type]
    )


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


# ---------------------------------------------------------------- items


def is_final_sale(rules: StoreSettings, item: LineItem) -> bool:
    tags = {str(t).strip().lower() for t in (rules.final_sale_tags or [])}
    return bool(tags) and any(t.strip().lower() in tags for t in item.tags)


def delivered_items(order: OrderInfo) -> dict[str, tuple[int, datetime]]:
    """line item id -> (quantity delivered, when the latest of it was delivered)."""
    delivered: dict[str, tuple[int, datetime]] = {}
    for fulfillment in order.fulfillments:
        if fulfillment.status == "cancelled" or fulfillment.delivered_at is None:
            continue
        when = fulfillment.delivered_at
        # A fulfilment that lists no items covers the whole order (single-shipment platforms).
        covered = fulfillment.line_items or tuple(
            LineItemQuantity(li.id, li.quantity) for li in order.line_items
        )
        for entry in covered:
            qty, latest = delivered.get(entry.line_item_id, (0, when))
            delivered[entry.line_item_id] = (qty + entry.quantity, max(latest, when))
    return delivered


def _value(order: OrderInfo, items: list[LineItemQuantity]) -> Decimal:
    prices = {li.id: li.price for li in order.line_items}
    return money(sum((prices[i.line_item_id] * i.quantity for i in items), Decimal("0")))


# ---------------------------------------------------------------- returns


def return_eligibility(
    rules: StoreSettings, order: OrderInfo, now: datetime, wanted: set[str] | None = None
) -> Decision:
    """Which items may go back: delivered, inside the window, not final sale, not refunded.

    `wanted` limits the answer to those line item ids (None = every item).
    """
    if order.is_cancelled:
        return _decision(rules, Outcome.DECLINE, "cancelled", f"Order {order.name} was cancelled.")
    if order.refundable_amount <= 0:
        return _decision(
            rules, Outcome.DECLINE, "already_refunded", f"Order {order.name} is already refunded."
        )
    window = timedelta(days=rules.return_window_days)
    candidates = [li for li in order.line_items if wanted is None or li.id in wanted]
    sorted_items = _sort_items(rules, order, candidates, now, window)
    eligible = [LineItemQuantity(i.id, qty) for i, qty, _ in sorted_items["eligible"]]
    excluded = [i.title for i, _, _ in sorted_items["final_sale"]]
    if eligible:
        deadline = min(when for _, _, when in sorted_items["eligible"] if when is not None)
        return _decision(
            rules,
            Outcome.ALLOW,
            "eligible",
            f"Delivered within the {rules.return_window_days}-day return window.",
            items=tuple(eligible),
            amount=_value(order, eligible),
            currency=order.currency,
            excluded=tuple(excluded),
            deadline=deadline + window,
        )
    return _ineligible(
        rules,
        order,
        excluded,
        late=len(sorted_items["late"]),
        undelivered=len(sorted_items["undelivered"]),
        refunded=len(sorted_items["refunded"]),
    )


_Sorted = dict[str, list[tuple[LineItem, int, datetime | None]]]


def _sort_items(
    rules: StoreSettings,
    order: OrderInfo,
    items: list[LineItem],
    now: datetime,
    window: timedelta,
) -> _Sorted:
    """Each item with its returnable quantity and delivery time, under why (not) returnable."""
    delivered = delivered_items(order)
    found: _Sorted = {k: [] for k in ("eligible", "final_sale", "undelivered", "refunded", "late")}
    for item in items:
        qty, when = delivered.get(item.id, (0, None))
        returnable = min(qty, item.refundable_quantity)
        if is_final_sale(rules, item):
            bucket = "final_sale"
        elif qty == 0 or when is None:
            bucket = "undelivered"
        elif returnable == 0:
            bucket = "refunded"
        elif when + window < now:
            bucket = "late"
        else:
            bucket = "eligible"
        found[bucket].append((item, returnable, when))
    return found


def _ineligible(
    rules: StoreSettings,
    order: OrderInfo,
    excluded: list[str],
    *,
    late: int,
    undelivered: int,
    refunded: int,
) -> Decision:
    if late:
        code, reason = (
            "outside_return_window",
            f"Order {order.name} was delivered more than {rules.return_window_days} days ago.",
        )
    elif undelivered:
        code, reason = "not_delivered", f"Order {order.name} has not been delivered yet."
    elif excluded:
        code, reason = "final_sale", "Final-sale items cannot be returned."
    elif refunded:
        code, reason = "already_refunded", f"Order {order.name} is already refunded."
    else:
        code, reason = "no_matching_items", f"No such item on order {order.name}."
    return _decision(rules, Outcome.DECLINE, code, reason, excluded=tuple(excluded))


# ---------------------------------------------------------------- refunds


def refund_decision(
    rules: StoreSettings,
    order: OrderInfo,
    now: datetime,
    *,
    requested: Decimal | None = None,
    requested_currency: str = "",
    wanted: set[str] | None = None,
    refunded_unapproved: Decimal = Decimal("0"),
) -> Decision:
    """May the agent refund, must the merchant approve, or is it declined?

    The amount is what the customer asked for, or else what the returnable items are
    worth; either way never above what is refundable on the order. The auto-approve
    limit holds for the order as a whole: `refunded_unapproved` (what the agent already
    refunded on this order without a person's approval) counts against it.
    """
    refundable = money(order.refundable_amount)
    if refundable <= 0 or order.financial_status == "refunded":
        return _decision(
            rules, Outcome.DECLINE, "already_refunded", f"Order {order.name} is already refunded."
        )
    if requested_currency and requested_currency.upper() != order.currency.upper():
        return _decision(
            rules,
            Outcome.DECLINE,
            "wrong_currency",
            f"Refunds for order {order.name} are made in {order.currency}.",
        )
    if requested is not None and money(requested) > refundable:
        return _decision(
            rules,
            Outcome.DECLINE,
            "above_refundable",
            f"At most {refundable} {order.currency} can be refunded on order {order.name}.",
            amount=refundable,
            currency=order.currency,
        )
    if order.is_cancelled:
        return _decision(
            rules,
            Outcome.NEEDS_APPROVAL,
            "cancelled_order",
            "Refunds on cancelled orders are reviewed by the team.",
            amount=money(requested) if requested is not None else refundable,
            currency=order.currency,
        )
    if order.fulfillment_status == "unfulfilled":
        return _decision(
            rules,
            Outcome.DECLINE,
            "not_shipped",
            f"Order {order.name} has not shipped yet; it can be cancelled instead.",
        )
    eligibility = return_eligibility(rules, order, now, wanted)
    if not eligibility.allowed:
        return eligibility
    return _refund_amount_decision(
        rules, order, eligibility, requested, refundable, money(refunded_unapproved)
    )


def _refund_amount_decision(
    rules: StoreSettings,
    order: OrderInfo,
    eligibility: Decision,
    requested: Decimal | None,
    refundable: Decimal,
    refunded_unapproved: Decimal,
) -> Decision:
    ceiling = min(eligibility.amount or Decimal("0"), refundable)
    amount = money(requested) if requested is not None else ceiling
    common = {
        "amount": amount,
        "currency": order.currency,
        "items": eligibility.items,
        "excluded": eligibility.excluded,
        "deadline": eligibility.deadline,
    }
    if amount <= 0:
        return _decision(rules, Outcome.DECLINE, "no_amount", "There is nothing to refund.")
    if amount > ceiling:
        return _decision(
            rules,
            Outcome.DECLINE,
            "above_eligible",
            f"The returnable items on order {order.name} are worth {ceiling} {order.currency}.",
            amount=ceiling,
            currency=order.currency,
        )
    if order.currency.upper() != rules.refund_currency.upper():
        reason = f"Refunds in {order.currency} are approved by the team."
        return _decision(rules, Outcome.NEEDS_APPROVAL, "currency_mismatch", reason, **common)
    limit = money(rules.refund_auto_approve_limit)
    if amount > limit:
        reason = f"Refunds above {limit} {rules.refund_currency} are approved by the team."
        return _decision(
            rules, Outcome.NEEDS_APPROVAL, "above_auto_approve_limit", reason, **common
        )
    if amount + refunded_unapproved > limit:
        reason = (
            f"Refunds on one order above {limit} {rules.refund_currency} in total are "
            f"approved by the team ({refunded_unapproved} already refunded)."
        )
        return _decision(rules, Outcome.NEEDS_APPROVAL, "above_order_limit", reason, **common)
    reason = f"Within the {limit} {rules.refund_currency} auto-approve limit."
    return _decision(rules, Outcome.ALLOW, "within_limit", reason, **common)


# ---------------------------------------------------------------- cancel and address


def cancel_decision(rules: StoreSettings, order: OrderInfo, now: datetime) -> Decision:
    """Only before fulfilment and within the cancellation window from order creation."""
    if order.is_cancelled:
        return _decision(
            rules, Outcome.DECLINE, "already_cancelled", f"Order {order.name} is already cancelled."
        )
    if has_shipped(order):
        return _decision(
            rules, Outcome.DECLINE, "already_fulfilled", f"Order {order.name} has already shipped."
        )
    hours = rules.cancellation_window_hours
    if order.created_at is None or order.created_at + timedelta(hours=hours) < now:
        reason = f"Orders can be cancelled within {hours} hours of being placed."
        return _decision(rules, Outcome.DECLINE, "outside_cancellation_window", reason)
    return _decision(
        rules,
        Outcome.ALLOW,
        "cancellable",
        f"Not shipped and within the {hours}-hour cancellation window.",
        amount=money(order.refundable_amount),
        currency=order.currency,
        deadline=order.created_at + timedelta(hours=hours),
    )


def address_change_decision(rules: StoreSettings, order: OrderInfo) -> Decision:
    """Only before fulfilment, and only when the merchant allows address changes."""
    if not rules.allow_address_changes:
        reason = "The store does not change shipping addresses through chat."
        return _decision(rules, Outcome.DECLINE, "address_changes_disabled", reason)
    if order.is_cancelled:
        return _decision(
            rules, Outcome.DECLINE, "already_cancelled", f"Order {order.name} is cancelled."
        )
    if has_shipped(order):
        return _decision(
            rules, Outcome.DECLINE, "already_fulfilled", f"Order {order.name} has already shipped."
        )
    return _decision(rules, Outcome.ALLOW, "changeable", "Not shipped yet.")


def has_shipped(order: OrderInfo) -> bool:
    if order.fulfillment_status not in ("unfulfilled", ""):
        return True
    return any(f.status != "cancelled" for f in order.fulfillments)


def order_change_decision(rules: StoreSettings, order: OrderInfo) -> Decision:
    """Item, size or quantity changes are made by people, and only before fulfilment."""
    if order.is_cancelled:
        return _decision(
            rules, Outcome.DECLINE, "already_cancelled", f"Order {order.name} is cancelled."
        )
    if has_shipped(order):
        return _decision(
            rules, Outcome.DECLINE, "already_fulfilled", f"Order {order.name} has already shipped."
        )
    reason = "Changes to the items of an order are made by the team."
    return _decision(rules, Outcome.ESCALATE, "needs_person", reason)


def intent_decision(rules: StoreSettings, intent: str) -> Decision | None:
    """ESCALATE when the merchant wants every conversation about `intent` handled by people."""
    if intent in (rules.always_human_intents or []):
        reason = "The store has a person handle these requests."
        return _decision(rules, Outcome.ESCALATE, "always_human", reason)
    return None
