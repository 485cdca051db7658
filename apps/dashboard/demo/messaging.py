"""The demo store's email and SMS samples: one customer writes by email (with the quoted history
mail clients add), one texts; the real agent answers and the replies go through the outbox to the
console provider, so a newcomer sees in the inbox the channels and delivery states, and in
`var/messages/messages.jsonl` exactly what would have been sent."""

from __future__ import annotations

from apps.agent.tasks import answer_in_order, conversation_lock
from apps.chat.services import receive_email, receive_sms
from apps.conversations.email_inbound import InboundEmail
from apps.conversations.models import Message
from apps.stores.models import Store

SAMPLE_EMAIL = InboundEmail(
    sender="jane@example.com",
    subject="Re: Your order #1001 has shipped",
    text=(
        "Hi, it has been a few days. Where is my order 1001?\n\nJane\n\n"
        "On Mon, Demo Store <support@demo.aftersale.test> wrote:\n"
        "> Your order #1001 has shipped.\n"
    ),
    message_id="<demo-sample-1@mail.example.com>",
)
SAMPLE_SMS_SID = "SM" + "d" * 32


def demo_messaging_ensure(store: Store) -> None:
    """Feed the samples in through the real inbound services and answer them (idempotent: each
    is taken once by its Message-ID / MessageSid)."""
    receive_email(store=store, email=SAMPLE_EMAIL)
    receive_sms(
        store=store,
        message_sid=SAMPLE_SMS_SID,
        customer="+15550101001",
        store_number="+15550100000",
        body="Hi, can I change the address on order 1001?",
    )
    for message in Message.objects.filter(
        store=store, handled_at__isnull=True, conversation__channel__in=("email", "sms")
    ):
        with conversation_lock(message.conversation_id):
            answer_in_order(message.conversation_id, up_to=message.pk)
