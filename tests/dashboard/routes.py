"""Every dashboard route, with what it needs, for the auth and tenancy tests."""

from __future__ import annotations

from dataclasses import dataclass

from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Conversation
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store


@dataclass(frozen=True)
class Objects:
    conversation: Conversation
    action: AgentAction
    faq: KnowledgeEntry


def store_objects(store: Store) -> Objects:
    """A conversation with an action awaiting approval, and an FAQ entry, in `store`."""
    # By email, so the address is the customer's own and the inbox shows it.
    conversation = Conversation.objects.create(
        store=store,
        channel="email",
        customer_email="secret-customer@example.com",
        primary_intent="refund_request",
    )
    action = AgentAction.objects.create(
        store=store,
        conversation=conversation,
        kind=ActionKind.REFUND,
        status=ActionStatus.AWAITING_APPROVAL,
        idempotency_key=f"refund:test:{store.pk}",
        parameters={"order_id": "x", "order_name": "#1", "amount": "80.00", "currency": "USD"},
        amount="80.00",
        currency="USD",
        policy_reason="Refunds above 50.00 USD are approved by the team.",
    )
    faq = KnowledgeEntry.objects.create(
        store=store, kind=KnowledgeKind.FAQ, title="Secret FAQ", body="Only this store's answer."
    )
    return Objects(conversation, action, faq)


def routes(o: Objects) -> list[tuple[str, str]]:
    """(method, path) of every dashboard route, object routes pointing at `o`."""
    c, a, f = o.conversation.pk, o.action.pk, o.faq.pk
    return [
        ("GET", "/app/"),
        ("POST", "/app/onboarding/widget-done/"),
        ("GET", "/app/conversations/"),
        ("GET", f"/app/conversations/{c}/"),
        ("POST", f"/app/conversations/{c}/take-over/"),
        ("POST", f"/app/conversations/{c}/hand-back/"),
        ("POST", f"/app/conversations/{c}/compose/"),
        ("GET", f"/app/conversations/{c}/transcript/"),
        ("POST", f"/app/actions/{a}/approve/"),
        ("POST", f"/app/actions/{a}/reject/"),
        ("GET", "/app/settings/"),
        ("POST", "/app/settings/agent/"),
        ("POST", "/app/settings/policies/"),
        ("POST", "/app/settings/time-zone/"),
        ("GET", "/app/settings/knowledge/"),
        ("POST", "/app/settings/knowledge/faq/"),
        ("GET", f"/app/settings/knowledge/faq/{f}/"),
        ("GET", f"/app/settings/knowledge/faq/{f}/edit/"),
        ("POST", f"/app/settings/knowledge/faq/{f}/edit/"),
        ("POST", f"/app/settings/knowledge/faq/{f}/delete/"),
        ("GET", "/app/settings/knowledge/preview/?q=refund"),
        ("GET", "/app/integrations/"),
        ("GET", "/app/integrations/stripe/"),
        ("GET", "/app/integrations/stripe/form/"),
        ("POST", "/app/integrations/stripe/connect/"),
        ("POST", "/app/integrations/stripe/disconnect/"),
        ("POST", "/app/integrations/stripe/test/"),
    ]


def object_routes(o: Objects) -> list[tuple[str, str]]:
    """The routes that address one of `o`'s objects by id."""
    ids = (f"/{o.conversation.pk}/", f"/{o.action.pk}/", f"/{o.faq.pk}/")
    return [(m, p) for m, p in routes(o) if any(i in p for i in ids)]
