"""Who the customer in a conversation is, from verified facts only.

An order is in focus only after the shopper proved they own it (order number plus the
email or phone on it, or a logged-in customer whose id owns it), so the order's customer
is who they are. A logged-in customer is verified by Shopify's signed App Proxy id. For SMS
and email the address the message came from is the customer's own. An email a web shopper
merely typed proves nothing and is never shown as theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.conversations.models import Channel, Conversation


@dataclass(frozen=True)
class CustomerIdentity:
    name: str
    email: str
    phone: str
    # How we know, in the merchant's words; empty when we do not.
    verified_by: str

    @property
    def label(self) -> str:
        return self.name or self.email or self.phone or "Visitor"


def customer_identity(conversation: Conversation) -> CustomerIdentity:
    """Who the customer is, as far as verified facts say (reads `order_in_focus`: select it
    with the conversation)."""
    order = conversation.order_in_focus
    if order is not None:
        return CustomerIdentity(
            name=order.customer_name,
            email=order.email,
            phone=order.phone,
            verified_by=f"Owns order {order.name}",
        )
    email = conversation.customer_email if conversation.channel == Channel.EMAIL else ""
    phone = conversation.customer_phone if conversation.channel == Channel.SMS else ""
    if conversation.customer_verified:
        return CustomerIdentity("", email, phone, "Logged-in customer")
    if email or phone:
        # The sender's number or address is a claim, never proof: say so, so nobody in the
        # team takes it for a verified customer.
        where = "number" if phone else "address"
        return CustomerIdentity("", email, phone, f"Not yet: wrote from this {where}, unproven")
    return CustomerIdentity("", "", "", "")
