"""`manage.py chat --store DOMAIN [--customer-email E] [--json] [MESSAGE]`.

Talk to a store's agent from the terminal. With MESSAGE: one turn, then exit; without:
a conversation until EOF or "quit". The pipeline runs inline (no broker or worker needed).
With --customer-email, a customer the store knows (by their orders) chats logged in, as
the storefront's App Proxy would vouch for them; an unknown email is only what the
customer claims, and proves nothing.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from apps.agent.pipeline import TurnResult, run_turn
from apps.agent.tasks import answer_on_commit
from apps.conversations.models import AgentAction, Channel, Conversation
from apps.conversations.services import MessageRejected, conversation_start, message_save_customer
from apps.integrations.commerce.base import normalise_email
from apps.orders.models import Order
from apps.stores.models import Store, StoreSettings

logger = logging.getLogger(__name__)
QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit"})


def find_store(domain: str) -> Store:
    """The installed store with this domain; CommandError when there is none or several."""
    wanted = domain.strip().lower()
    stores = list(Store.objects.filter(domain=wanted)[:2])
    if not stores:
        raise CommandError(f"no store with domain {wanted!r} (run `make demo`?)")
    if len(stores) > 1:
        raise CommandError(f"several stores use the domain {wanted!r}")
    if not stores[0].is_installed:
        raise CommandError(f"the store {wanted!r} has uninstalled the app")
    return stores[0]


def start_conversation(store: Store, email: str) -> Conversation:
    """A web conversation; logged in (verified platform id) when the store knows `email`."""
    email = normalise_email(email)
    if not email:
        return conversation_start(store, Channel.WEB)
    customer_id = (
        Order.objects.filter(store=store, email__iexact=email)
        .exclude(customer_platform_id="")
        .values_list("customer_platform_id", flat=True)
        .first()
    )
    return conversation_start(
        store,
        Channel.WEB,
        customer_email=email,
        customer_platform_id=customer_id or "",
        customer_verified=bool(customer_id),
    )


def take_turn(conversation: Conversation, text: str) -> TurnResult:
    """Save the message and answer it inline.

    One transaction: the "answer this" task every channel enqueues is enqueued only on
    commit, when the reply already exists, so a worker that picks it up finds nothing left
    to do, and an unreachable broker costs nothing but that redundant task.
    """
    result: TurnResult | None = None
    try:
        with transaction.atomic():
            message, _ = message_save_customer(conversation, text)
            answer_on_commit(message.pk)
            result = run_turn(message)
    except BrokerUnavailable:
        if result is None:
            raise
        logger.warning("the broker is unreachable; answered inline only")
    assert result is not None
    return result


def action_json(action: AgentAction) -> dict[str, Any]:
    params = action.parameters or {}
    return {
        "kind": action.kind,
        "status": action.status,
        "idempotency_key": action.idempotency_key,
        "order": params.get("order_name") or (action.order.name if action.order else ""),
        "amount": str(action.amount) if action.amount is not None else None,
        "currency": action.currency,
        "policy_reason": action.policy_reason,
        "error": action.error,
    }


def turn_json(result: TurnResult, conversation: Conversation) -> dict[str, Any]:
    return {
        "reply": result.reply.text if result.reply is not None else None,
        "intent": result.intent,
        "entities": result.entities,
        "actions": [action_json(a) for a in result.actions],
        "escalated": result.escalated,
        "conversation_id": conversation.pk,
    }


class Command(BaseCommand):
    help = "Chat with a store's support agent (one turn with MESSAGE, else interactive)."
    _agent_name = "Agent"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message", nargs="?", help="send one message and exit")
        parser.add_argument("--store", required=True, help="the store's domain")
        parser.add_argument("--customer-email", default="", help="chat as this customer")
        parser.add_argument("--json", action="store_true", help="print each turn as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        store = find_store(options["store"])
        conversation = start_conversation(store, options["customer_email"])
        rules = StoreSettings.objects.filter(store=store).first()
        self._agent_name = rules.agent_name if rules else "Agent"
        as_json: bool = options["json"]
        if options["message"] is not None:
            self._one(conversation, options["message"], as_json)
            return
        self._interactive(store, conversation, as_json, sys.stdin)

    def _one(self, conversation: Conversation, text: str, as_json: bool) -> None:
        try:
            result = take_turn(conversation, text)
        except MessageRejected as exc:
            raise CommandError(str(exc)) from None
        self._show(result, conversation, as_json)

    def _interactive(
        self, store: Store, conversation: Conversation, as_json: bool, stream: TextIO
    ) -> None:
        if not as_json:
            who = "logged in" if conversation.customer_verified else "a guest"
            where = store.name or store.domain
            self.stdout.write(f"Chatting with {self._agent_name} at {where} as {who}.")
            self.stdout.write('Type "quit" or press Ctrl-D to leave.')
        for line in iter(lambda: self._prompt(stream, as_json), None):
            text = line.strip()
            if text.lower() in QUIT_WORDS:
                break
            if not text:
                continue
            try:
                result = take_turn(conversation, text)
            except MessageRejected as exc:
                self.stderr.write(str(exc))
                continue
            self._show(result, conversation, as_json)

    def _prompt(self, stream: TextIO, as_json: bool) -> str | None:
        if not as_json and stream.isatty():
            self.stdout.write("you> ", ending="")
            self.stdout.flush()
        line = stream.readline()
        return line if line else None

    def _show(self, result: TurnResult, conversation: Conversation, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(turn_json(result, conversation)))
            return
        name = self._agent_name
        if result.reply is None:
            self.stdout.write("(our team is handling this conversation; the agent is silent)")
        else:
            self.stdout.write(f"{name}> {result.reply.text}")
        for action in result.actions:
            self.stdout.write(self.style.NOTICE(f"  [{action.kind}: {action.status}]"))
