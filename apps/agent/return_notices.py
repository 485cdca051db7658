"""Telling the customer what became of their return, once each: the label, the refund.

Posted in the conversation outside a turn (the label is bought by a task, the refund is
released by a carrier's webhook). The conditional UPDATE on `outcome_told_at` makes a
second caller (a retried task, a replayed webhook, the reconciler) post nothing. The label
also goes by email through the outbox when the customer proved that email address and the
store can send email, except in an email conversation, where the posted message itself
leaves by email in the thread. That email is the label action's customer notice too: it is
queued under the notice's key, so the "label ready" notice never follows it as a second email.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.agent.escalation import escalate_message
from apps.agent.replies import fmt_money
from apps.agent.return_offer import refund_when
from apps.agent.state import ConversationState
from apps.conversations.models import ActionStatus, AgentAction, Channel, Message
from apps.conversations.outbox import queue_email
from apps.conversations.services import message_add_assistant
from apps.integrations.commerce.base import normalise_email
from apps.integrations.messaging.registry import email_sender
from apps.integrations.shipping.models import LabelState, ReturnShipment
from apps.notifications.customer import action_key
from apps.stores.models import RefundRelease, ReturnLabels, StoreSettings
from apps.stores.services import store_settings

REACHED: dict[str, str] = {
    RefundRelease.FIRST_SCAN: "is on its way back to us",
    RefundRelease.DELIVERED: "has been delivered to us",
    RefundRelease.INSPECTED: "has been checked by our team",
}


def _claim(action: AgentAction) -> bool:
    return bool(
        AgentAction.objects.filter(pk=action.pk, outcome_told_at__isnull=True).update(
            outcome_told_at=timezone.now()
        )
    )


def label_text(label: AgentAction, rules: StoreSettings) -> str:
    result = label.result or {}
    order_name = str(label.parameters.get("order_name", ""))
    cost = fmt_money(result.get("cost"), str(result.get("currency") or "USD"))
    carrier = " ".join(str(result.get(k) or "") for k in ("carrier", "service")).strip()
    lines = [
        f"Here is your prepaid return label for order {order_name}: {result.get('label_url')}",
        f"Carrier: {carrier}, tracking number {result.get('tracking_code')}.",
        (
            f"The label cost {cost}, which will be deducted from your refund."
            if rules.return_labels == ReturnLabels.DEDUCTED
            else "The label is free of charge."
        ),
    ]
    if rules.return_packing_instructions.strip():
        lines.append(f"How to pack it: {rules.return_packing_instructions.strip()}")
    lines.append(f"Your refund is released {refund_when(rules)}.")
    return "\n".join(lines)


def _no_label_text(label: AgentAction) -> str:
    order_name = str(label.parameters.get("order_name", ""))
    shipment = ReturnShipment.objects.filter(
        store_id=label.store_id, reference=label.idempotency_key
    ).first()
    if shipment is not None and shipment.state == LabelState.NO_RATES:
        why = "no carrier offered a rate for a return from your address"
    else:
        why = "the shipping service did not complete it"
    return (
        f"Your return for order {order_name} is open, but I couldn't create a prepaid "
        f"label: {why}. Nothing was charged. I've passed this to our team, and a person "
        "will get back to you here with a way to send the items back."
    )


def verified_email(label: AgentAction) -> str:
    """The order's email, when the customer proved it in this conversation; else ""."""
    order = label.order
    if order is None or not order.email:
        return ""
    conversation = label.conversation
    state = ConversationState.load(conversation.state)
    # The email a guest gave proves itself only together with this order's number (the
    # verification step matched them); a logged-in customer's comes from the platform.
    proven = state.is_verified(order.platform_order_id) or conversation.customer_verified
    claimed = {normalise_email(state.email), normalise_email(conversation.customer_email)}
    return order.email if proven and normalise_email(order.email) in claimed else ""


def label_told_once(label: AgentAction) -> bool:
    """Post the label (or why there is none) once; True when this call posted it."""
    label = AgentAction.objects.select_related("store", "conversation", "order").get(pk=label.pk)
    if label.status not in (ActionStatus.EXECUTED, ActionStatus.FAILED):
        return False
    with transaction.atomic():
        if not _claim(label):
            return False
        if label.status == ActionStatus.EXECUTED:
            text = label_text(label, store_settings(label.store))
            message = message_add_assistant(
                label.conversation,
                text,
                metadata={"action_ids": [label.pk], "kind": "return_label"},
            )
            _email(label, text, message)
            return True
        message_add_assistant(
            label.conversation,
            _no_label_text(label),
            metadata={"action_ids": [label.pk], "kind": "return_label"},
        )
    if label.message_id is not None:
        escalate_message(label.message_id, reason="No prepaid return label could be bought")
    return True


def _email(label: AgentAction, text: str, message: Message) -> None:
    if label.conversation.channel == Channel.EMAIL:
        return  # the message just posted is emailed in the thread (the reply hook)
    to = verified_email(label)
    if not to or email_sender(label.store) is None:
        return
    order_name = str(label.parameters.get("order_name", ""))
    queue_email(
        store=label.store,
        to=to,
        subject=f"Your return label for order {order_name}",
        text=text,
        key=action_key(label.pk),
        conversation=label.conversation,
        message=message,
    )


def refund_told_once(refund: AgentAction) -> bool:
    """Tell the customer their return's refund went through (or did not), once."""
    if refund.status not in (ActionStatus.EXECUTED, ActionStatus.FAILED):
        return False  # awaiting the merchant: the approval's outcome is told when decided
    refund = AgentAction.objects.select_related("conversation", "store").get(pk=refund.pk)
    order_name = str(refund.parameters.get("order_name", ""))
    amount = fmt_money(refund.amount, refund.currency)
    where = REACHED.get(store_settings(refund.store).refund_release, REACHED["inspected"])
    if refund.status == ActionStatus.EXECUTED:
        text = f"Your return for order {order_name} {where}: I've refunded {amount}."
    else:
        text = (
            f"Your return for order {order_name} {where}, but the refund of {amount} "
            "could not be completed. Our team will follow up here."
        )
    with transaction.atomic():
        if not _claim(refund):
            return False
        message_add_assistant(
            refund.conversation, text, metadata={"action_ids": [refund.pk], "kind": "refund"}
        )
    return True


def tell_refund_failed(refund: AgentAction) -> None:
    """A refund reported made that the payment provider failed afterwards: say so plainly
    and hand the conversation to people (the caller moved the action, once)."""
    refund = AgentAction.objects.select_related("conversation").get(pk=refund.pk)
    order_name = str(refund.parameters.get("order_name", ""))
    amount = fmt_money(refund.amount, refund.currency)
    message_add_assistant(
        refund.conversation,
        f"An update on your refund of {amount} on order {order_name}: the payment provider "
        "could not complete it after all, so the money has not been returned. I'm sorry. "
        "Our team has been told and will follow up here.",
        metadata={"action_ids": [refund.pk], "kind": "refund_failed"},
    )
    if refund.message_id is not None:
        escalate_message(refund.message_id, reason="A Stripe refund failed after it was made")
