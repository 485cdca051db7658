"""Reply templates per tone, and the formatting of the facts that fill them.

A template is either one string for every tone or a {tone: string} dict (friendly is the
fallback). Templates hold wording only; every value in a reply is a placeholder filled
from a tool result, a knowledge entry or the merchant's settings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from apps.stores.models import Tone

Template = str | dict[str, str]

_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "GBP": "£", "EUR": "€"}


def fmt_money(amount: Decimal | str | None, currency: str) -> str:
    value = Decimal(str(amount or 0)).quantize(Decimal("0.01"))
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{value:,}" if symbol else f"{value:,} {currency.upper()}"


def fmt_date(when: datetime | None) -> str:
    return f"{when:%B} {when.day}, {when.year}" if when else ""


def fmt_list(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


TEMPLATES: dict[str, Template] = {
    # ------------------------------------------------------------ verification
    "ask_order_number": {
        "friendly": "Happy to help! What's your order number? You'll find it in your order "
        "confirmation email.",
        "formal": "Certainly. Could you please provide your order number? It appears in your "
        "order confirmation email.",
        "concise": "What's your order number?",
    },
    "ask_email": {
        "friendly": "Thanks! To keep order details private, what's the email address (or phone "
        "number) used for order #{number}?",
        "formal": "Thank you. To protect your privacy, please provide the email address or "
        "phone number used for order #{number}.",
        "concise": "What email or phone number was used for order #{number}?",
    },
    "not_found": {
        "friendly": "I couldn't find an order #{number} with those details. Could you check the "
        "order number and the email address or phone number used at checkout?",
        "formal": "I was unable to find an order #{number} matching those details. Please check "
        "the order number and the email address or phone number used at checkout.",
        "concise": "No order #{number} matches those details. Please check the number and the "
        "email or phone used at checkout.",
    },
    "verification_locked": {
        "friendly": "I'm not able to look up more orders in this chat, so I've passed the "
        "conversation to our team. Someone will reply here soon.",
        "formal": "I am unable to look up further orders in this conversation. I have passed "
        "it to our team, who will reply here.",
        "concise": "I can't look up more orders here. Our team will reply in this chat.",
    },
    "choose_order": {
        "friendly": "I can see these recent orders on your account: {orders}. Which one do "
        "you mean?",
        "formal": "Your account has the following recent orders: {orders}. Which one do you mean?",
        "concise": "Your recent orders: {orders}. Which one?",
    },
    "no_orders": "I couldn't find any orders on your account. If you ordered as a guest, "
    "please give me the order number and the email used at checkout.",
    # ------------------------------------------------------------ order status
    "status_opener": {
        "friendly": "Here's the latest on order {order}:",
        "formal": "Here is the status of order {order}:",
        "concise": "Order {order}:",
    },
    "anything_else": {
        "friendly": "Anything else I can help with?",
        "formal": "Is there anything else I can help you with?",
        "concise": "",
    },
    # ------------------------------------------------------------ confirmation flow
    "confirm_suffix": "(yes/no)",
    "done": {"friendly": "Done!", "formal": "This is complete.", "concise": "Done."},
    "pending_dropped": {
        "friendly": "Okay, I won't {what}. Anything else I can help with?",
        "formal": "Understood. I will not {what}. Is there anything else I can help you with?",
        "concise": "Okay, I won't {what}.",
    },
    "confirm_unsure": "To be safe I haven't done anything yet. Shall I {what}? Please answer "
    "just yes or no.",
    "not_done_other": "I haven't done anything on order {order}.",
    "nothing_pending": "There's nothing waiting for your go-ahead, so I haven't done anything. "
    "What can I help you with?",
    "proposal_void": "That earlier offer is no longer open, so I haven't done anything. "
    "Tell me what you'd like and I'll check it again.",
    "negated_request": "Understood, I won't {what}; nothing has been changed. Is there anything "
    "else I can help with?",
    "sorry_cannot": {
        "friendly": "I'm sorry, I can't {what}.",
        "formal": "Unfortunately, I am unable to {what}.",
        "concise": "I can't {what}.",
    },
    "action_failed": {
        "friendly": "I'm sorry, I couldn't {what}: the store's system reported an error, so I "
        "can't confirm it went through. I've passed this to our team to check, and they'll "
        "reply here.",
        "formal": "I was unable to {what}: the store's system reported an error, so I cannot "
        "confirm it was completed. I have passed this to our team, who will reply here.",
        "concise": "I couldn't {what} (the store's system reported an error), so I can't confirm "
        "it went through. Our team will check and reply here.",
    },
    "action_refused": {
        "friendly": "I'm sorry, I couldn't {what}: the store's system turned it down, so "
        "nothing was changed. I've passed this to our team, and they'll reply here.",
        "formal": "I was unable to {what}: the store's system declined it, so nothing was "
        "changed. I have passed this to our team, who will reply here.",
        "concise": "I couldn't {what}: the store's system declined it, nothing was changed. "
        "Our team will reply here.",
    },
    "awaiting_approval": {
        "friendly": "I've sent your request to {what} to our team for approval. You'll get "
        "an answer here.",
        "formal": "I have forwarded your request to {what} to our team for approval. You will "
        "receive an answer here.",
        "concise": "Your request to {what} is waiting for approval by our team.",
    },
    "done_before": "That was already done earlier, so nothing new was done just now: {what}",
    "still_awaiting": "Your request to {what} is waiting for approval by our team.",
    "was_rejected": "Our team reviewed the request to {what} and did not approve it.",
    # ------------------------------------------------------------ knowledge
    "knowledge_opener": {
        "friendly": "Here's what our {title} says:",
        "formal": "According to our {title}:",
        "concise": "{title}:",
    },
    "knowledge_full_page": "Full page: {url}",
    # ------------------------------------------------------------ not sure / several asks
    "clarify": {
        "friendly": "Just to be sure I help with the right thing: do you {first}, or {second}?",
        "formal": "To make sure I help with the right matter: do you {first}, or {second}?",
        "concise": "Do you {first}, or {second}?",
    },
    "clarify_request": "If you {request}, tell me and I'll take it from there.",
    "means_policy_question": "have a general question about our policy",
    "means_refund_request": "want a refund for one of your orders",
    "means_return_request": "want to return or exchange an item you received",
    "means_cancel_order": "want to cancel one of your orders",
    "means_change_order": "want to change an order that hasn't shipped yet",
    "means_change_address": "want to change the delivery address of an order",
    "means_payment_issue": "have a problem with a payment",
    "means_refund_status": "want news of a refund that is already under way",
    "means_order_status": "want to know where an order is",
    "further_requests": "You also asked about {others}: I'm handling this first, then we'll "
    "come to that.",
    "about_order_status": "where an order is",
    "about_return_request": "a return or exchange",
    "about_refund_request": "a refund",
    "about_refund_status": "a refund under way",
    "about_cancel_order": "cancelling an order",
    "about_change_address": "changing an address",
    "about_change_order": "changing an order",
    "about_product_question": "a product",
    "about_policy_question": "our policies",
    "about_payment_issue": "a payment",
    "about_complaint": "a problem with an order",
    "about_human_handoff": "talking to our team",
    "knowledge_not_covered": {
        "friendly": "Our {title} doesn't mention {names}. Here's what it says:",
        "formal": "Our {title} does not mention {names}. It states:",
        "concise": "Our {title} doesn't mention {names}. It says:",
    },
    "knowledge_unknown": {
        "friendly": "I'm sorry, I don't have information about that. Would you like me to "
        "connect you with someone from our team? (yes/no)",
        "formal": "I am afraid I do not have information about that. Would you like me to "
        "connect you with a member of our team? (yes/no)",
        "concise": "I don't have information about that. Want me to connect you with our "
        "team? (yes/no)",
    },
    "offer_human": {
        "friendly": "Would you like me to connect you with someone from our team? (yes/no)",
        "formal": "Would you like me to connect you with a member of our team? (yes/no)",
        "concise": "Want me to connect you with our team? (yes/no)",
    },
    # ------------------------------------------------------------ handoff and small talk
    "handoff": {
        "friendly": "I've passed this conversation to our team. A person will reply here as "
        "soon as they can.",
        "formal": "I have passed this conversation to our team. A member of staff will reply "
        "here as soon as possible.",
        "concise": "I've passed this to our team; a person will reply here.",
    },
    "already_escalated": {
        "friendly": "Our team already has this conversation and will reply here soon.",
        "formal": "Our team already has this conversation and will reply here shortly.",
        "concise": "Our team has this conversation and will reply here.",
    },
    "legal_handoff": "I'm sorry things have come to this. I've passed this conversation to our "
    "team, and a person will reply here as soon as they can.",
    "lost_email": "No problem: the phone number on the order works too. What's the phone "
    "number used for the order (and its order number, if you haven't given it)? If you have "
    'neither, just say "person" and I\'ll pass you to our team.',
    "contact_change": "I can't change the email, phone number or name on an order myself, so "
    "I've passed your request to our team. They'll reply here.",
    "handoff_declined": {
        "friendly": "No problem! Is there anything else I can help with?",
        "formal": "Very well. Is there anything else I can help you with?",
        "concise": "Okay. Anything else?",
    },
    "greeting": {
        "friendly": "Hi, I'm {agent} from {store}! I can help with your orders, "
        "returns, refunds and questions about our products and policies. What can I do for you?",
        "formal": "Hello, I am {agent}, the assistant of {store}. I can help with orders, returns, "
        "refunds and questions about our products and policies. How may I help you?",
        "concise": "Hi, I'm {agent}. I can help with orders, returns, refunds, products and "
        "policies. What do you need?",
    },
    "other": {
        "friendly": "Sorry, I'm not sure I understood. I can help with order status, returns, "
        "refunds, cancellations, address changes, and questions about our products and "
        "policies. Could you tell me a bit more?",
        "formal": "I apologise, I did not understand. I can help with order status, returns, "
        "refunds, cancellations, address changes, and questions about our products and "
        "policies. Could you please rephrase?",
        "concise": "I didn't understand. I can help with orders, returns, refunds, "
        "cancellations, address changes, products and policies.",
    },
    "complaint": {
        "friendly": "I'm really sorry about your experience, and thank you for telling us.",
        "formal": "I am sorry to hear about your experience, and thank you for letting us know.",
        "concise": "Sorry about that.",
    },
    "payment_issue": {
        "friendly": "I'm sorry you're having trouble with a payment. I can't see card or bank "
        "details, so I've passed this to our team, who will reply here.",
        "formal": "I am sorry for the trouble with your payment. I cannot see card or bank "
        "details, so I have passed this to our team, who will reply here.",
        "concise": "I can't see payment details, so I've passed this to our team; they'll "
        "reply here.",
    },
    "empty_message": {
        "friendly": "I didn't catch a message there. How can I help?",
        "formal": "I did not receive any text. How may I help you?",
        "concise": "Empty message. How can I help?",
    },
    "too_long": {
        "friendly": "That message is too long for me to read. Could you send your question in "
        "a shorter message (under {limit} characters)?",
        "formal": "That message is too long for me to process. Please send your question in a "
        "shorter message (under {limit} characters).",
        "concise": "Too long. Please keep it under {limit} characters.",
    },
    "approved_done": {
        "friendly": "Good news: our team approved your request to {what}, and it's done.",
        "formal": "Our team has approved your request to {what}, and it has been completed.",
        "concise": "Approved and done: {what}.",
    },
    "done_later": {
        "friendly": "An update on your request to {what}: it's done.",
        "formal": "An update on your request to {what}: it has been completed.",
        "concise": "Done: {what}.",
    },
    "failed_later": "An update on your request to {what}: the store's system reported an "
    "error, so it has not been confirmed. Our team will follow up here.",
    "approved_failed": "Our team approved your request to {what}, but the store's system "
    "reported an error, so it has not been confirmed. Our team will follow up here.",
    "approval_rejected": {
        "friendly": "Our team reviewed your request to {what} and couldn't approve it. "
        "They'll reply here if you have questions.",
        "formal": "Our team has reviewed your request to {what} and was unable to approve it.",
        "concise": "Your request to {what} was not approved.",
    },
    "timed_out": "Sorry, I couldn't finish that just now. Please try again in a moment.",
    "platform_unavailable": {
        "friendly": "Sorry, I can't reach our order system right now. I've passed your "
        "message to our team and a person will get back to you here.",
        "formal": "We are unable to reach our order system at the moment. Your message has "
        "been passed to our team, who will reply here.",
        "concise": "Our order system is unavailable right now; our team will reply here.",
    },
}


def say(key: str, tone: str, **values: object) -> str:
    """The template `key` in `tone`, filled with `values` (friendly when the tone is unknown)."""
    template = TEMPLATES[key]
    if isinstance(template, dict):
        template = template.get(tone) or template[Tone.FRIENDLY]
    return template.format(**values)


def join(*parts: str) -> str:
    """Sentences into one reply, skipping empty ones."""
    return " ".join(p.strip() for p in parts if p and p.strip())


def lines(*parts: str) -> str:
    """A reply laid out on separate lines (status details read better that way)."""
    return "\n".join(p.strip() for p in parts if p and p.strip())
