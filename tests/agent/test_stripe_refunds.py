"""Orders paid through Stripe are refunded through Stripe: matched to the order, once per
action whatever fails, never above the charge, and a later failure told honestly."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from apps.agent import payment_refunds
from apps.agent.actions import ActionSpec, action_execute, action_get_or_create
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.integrations.commerce.base import OrderInfo, PaymentReference
from apps.integrations.commerce.registry import get_commerce_provider
from apps.integrations.payments.base import PaymentInfo
from apps.integrations.payments.matching import (
    Ambiguous,
    Unidentified,
    mismatch,
    stripe_reference,
)
from apps.integrations.payments.stripe.provider import StripePayments
from apps.orders.models import Order
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import webhook_event_process
from standins.stripe import StripeStandIn, sign
from tests.agent.conftest import Chat

pytestmark = pytest.mark.django_db

JANE = "jane@example.com"
KEY, WHSEC = "sk_test_storeflow", "whsec_flowsecret01"


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> StripeStandIn:
    standin = StripeStandIn((KEY,))
    provider = StripePayments(standin.client(KEY))
    monkeypatch.setattr(payment_refunds, "payments_provider_for", lambda store: provider)
    return standin


def _stripe_connected(store: Store) -> None:
    IntegrationCredential.objects.create(
        store=store,
        provider="stripe",
        config=Secret(json.dumps({"secret_key": KEY, "webhook_secret": WHSEC})),
        status=IntegrationStatus.CONNECTED,
    )


def _paid(store: Store, standin: StripeStandIn, number: int = 1002, **payment: Any) -> str:
    """Order `number` was paid through Stripe (its total, its email) and says so."""
    order = Order.objects.get(store=store, number=number)
    amount = int(payment.pop("amount", order.total_price * 100))
    intent = standin.add_payment(KEY, amount, "usd", email=order.email, **payment).intent_id
    order.payment_references = [{"gateway": "stripe", "reference": intent, "source": "attribute"}]
    order.save(update_fields=["payment_references"])
    return intent


def _refund_action(store: Store, amount: str, request: str = "1") -> AgentAction:
    order = get_commerce_provider(store).get_order("demo-order-1002")
    assert order is not None
    spec = ActionSpec(
        kind=ActionKind.REFUND,
        order_id=order.id,
        order_name=order.name,
        amount=Decimal(amount),
        currency=order.currency,
        reason="Customer request",
        request=request,
    )
    conversation = store.conversations.create()
    message = Message.objects.create(
        store=store, conversation=conversation, role=MessageRole.CUSTOMER, text="refund please"
    )
    action, _ = action_get_or_create(
        spec=spec,
        store_id=store.pk,
        conversation_id=conversation.pk,
        message_id=message.pk,
        order_pk=None,
        status=ActionStatus.PROPOSED,
        policy_version=1,
        policy_reason="test",
    )
    return action


def _execute(action: AgentAction) -> AgentAction:
    return action_execute(action, get_commerce_provider(action.store))


def _demo_refunded(store: Store) -> Decimal:
    return Order.objects.get(store=store, number=1002).total_refunded


def test_the_agent_refunds_a_stripe_paid_order_through_stripe(
    chat: Callable[..., Chat], demo_store: Store, standin: StripeStandIn
) -> None:
    _stripe_connected(demo_store)
    intent = _paid(demo_store, standin)
    c = chat(email=JANE)
    assert "Shall I go ahead?" in c("I want a refund for order 1002").reply.text
    done = c("yes").reply.text

    (action,) = AgentAction.objects.filter(kind=ActionKind.REFUND)
    assert action.status == ActionStatus.EXECUTED
    assert action.result["provider"] == "stripe"
    assert "$45.00" in done
    (refund,) = standin.accounts[KEY].refunds.values()
    assert refund["payment_intent"] == intent
    assert refund["amount"] == 4500
    assert refund["metadata"]["aftersale_action"] == str(action.pk)
    idempotency = {c.headers.get("Idempotency-Key") for c in standin.calls if c.method == "POST"}
    assert idempotency == {f"aftersale-refund-{demo_store.pk}-{action.pk}"}
    assert _demo_refunded(demo_store) == 0  # the platform was not asked to refund too


def test_a_500_after_the_refund_was_made_leaves_it_to_resume_and_refunds_once(
    demo_store: Store, standin: StripeStandIn
) -> None:
    _stripe_connected(demo_store)
    _paid(demo_store, standin)
    standin.fail_after_create = 1
    action = _execute(_refund_action(demo_store, "20.00"))
    assert action.status == ActionStatus.EXECUTING  # the money may have moved: not failed
    standin.expire_keys()  # even past Stripe's idempotency window
    action = _execute(action)  # the reconciler's resume
    assert action.status == ActionStatus.EXECUTED
    assert standin.accounts[KEY].created == 1
    assert _execute(action).status == ActionStatus.EXECUTED
    assert standin.accounts[KEY].created == 1


def test_a_partial_after_a_partial_never_exceeds_the_charge(
    demo_store: Store, standin: StripeStandIn
) -> None:
    _stripe_connected(demo_store)
    _paid(demo_store, standin)
    first = _execute(_refund_action(demo_store, "30.00", request="a"))
    second = _execute(_refund_action(demo_store, "20.00", request="b"))
    assert first.status == ActionStatus.EXECUTED
    assert second.status == ActionStatus.FAILED
    assert "Only 15.00 USD is still refundable" in second.error
    assert standin.accounts[KEY].created == 1
    third = _execute(_refund_action(demo_store, "15.00", request="c"))
    assert third.status == ActionStatus.EXECUTED
    assert sum(r["amount"] for r in standin.accounts[KEY].refunds.values()) == 4500


@pytest.mark.parametrize(
    ("payment", "said"),
    [
        ({"amount": 9900}, "amount differs"),
        ({"metadata": {"order_id": "demo-order-1001"}}, "names another order"),
    ],
    ids=["amount_case", "other_order_case"],
)
def test_a_payment_that_is_not_the_orders_is_refused_and_nothing_refunded(
    demo_store: Store, standin: StripeStandIn, payment: dict[str, Any], said: str
) -> None:
    _stripe_connected(demo_store)
    _paid(demo_store, standin, **payment)
    action = _execute(_refund_action(demo_store, "10.00"))
    assert action.status == ActionStatus.FAILED
    assert said in action.error
    assert standin.accounts[KEY].created == 0
    assert _demo_refunded(demo_store) == 0


def test_a_key_without_refund_permission_fails_clearly_and_marks_the_integration(
    demo_store: Store, standin: StripeStandIn
) -> None:
    _stripe_connected(demo_store)
    _paid(demo_store, standin)
    standin.no_refund_permission.add(KEY)
    action = _execute(_refund_action(demo_store, "10.00"))
    assert action.status == ActionStatus.FAILED
    assert "rak_refund_write" in action.error
    credential = IntegrationCredential.objects.get(store=demo_store, provider="stripe")
    assert credential.status == IntegrationStatus.FAILING
    assert "rak_refund_write" in credential.last_error


def test_without_stripe_connected_the_platform_refunds(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(payment_refunds, "payments_provider_for", lambda store: None)
    action = _execute(_refund_action(demo_store, "10.00"))
    assert action.status == ActionStatus.EXECUTED
    assert "provider" not in action.result
    assert _demo_refunded(demo_store) == Decimal("10.00")


def _post(client: Any, store: Store, body: bytes) -> None:
    response = client.post(
        f"/webhooks/stripe/{store.pk}",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": sign(body, WHSEC)},
    )
    assert response.status_code == 200
    for pk in WebhookEvent.objects.filter(status=WebhookStatus.PENDING).values_list(
        "pk", flat=True
    ):
        webhook_event_process(pk)


def test_a_refund_failed_later_fails_the_action_and_the_customer_hears_it_once(
    client: Any, demo_store: Store, standin: StripeStandIn
) -> None:
    _stripe_connected(demo_store)
    _paid(demo_store, standin)
    action = _execute(_refund_action(demo_store, "20.00"))
    refund_id = action.result["refund_id"]
    failed = standin.settle(KEY, refund_id, "failed", "expired_or_canceled_card")
    body = standin.event("refund.failed", failed)
    _post(client, demo_store, body)
    _post(client, demo_store, standin.event("refund.updated", failed))  # another delivery
    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED
    assert "expired_or_canceled_card" in action.error
    told = Message.objects.filter(
        conversation=action.conversation, role=MessageRole.ASSISTANT, text__contains="could not"
    )
    assert told.count() == 1
    action.conversation.refresh_from_db()
    assert action.conversation.status == ConversationStatus.ESCALATED


def _order(**values: Any) -> OrderInfo:
    base: dict[str, Any] = {
        "id": "gid://shopify/Order/77",
        "name": "#1077",
        "number": 1077,
        "currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
        "total_price": Decimal("45.00"),
        "email": "jane@example.com",
    }
    return OrderInfo(**{**base, **values})


def _payment(**values: Any) -> PaymentInfo:
    base: dict[str, Any] = {
        "id": "pi_12345678",
        "amount": Decimal("45.00"),
        "refunded": Decimal(0),
        "currency": "USD",
        "succeeded": True,
        "email": "Jane@Example.com",
    }
    return PaymentInfo(**{**base, **values})


def test_the_reference_is_the_one_stripe_id_the_order_names() -> None:
    stripe_pi = PaymentReference("stripe", "pi_3Nabcdefgh12345", "transaction")
    assert stripe_reference(_order(payments=(stripe_pi,))) == "pi_3Nabcdefgh12345"
    assert stripe_reference(_order(payments=(PaymentReference("paypal", "pi_x"),))) == ""
    assert stripe_reference(_order(payments=(PaymentReference("stripe", "not-an-id"),))) == ""
    other = PaymentReference("stripe", "pi_3Nzzzzzzzz99999", "attribute")
    with pytest.raises(Ambiguous):
        stripe_reference(_order(payments=(stripe_pi, other)))
    # Stripe took the money but the provider found no id: never the platform's refund.
    unknown = PaymentReference("stripe", "", "transaction")
    with pytest.raises(Unidentified):
        stripe_reference(_order(payments=(unknown,)))
    assert stripe_reference(_order(payments=(unknown, stripe_pi))) == "pi_3Nabcdefgh12345"


@pytest.mark.parametrize(
    ("payment", "problem"),
    [
        ({}, ""),
        ({"metadata": {"order_id": "77"}}, ""),
        ({"metadata": {"order_name": "#1077"}}, ""),
        ({"succeeded": False}, "did not succeed"),
        ({"currency": "EUR"}, "in EUR"),
        ({"amount": Decimal("45.01")}, "amount differs"),
        ({"email": "someone@else.example"}, "receipt email differs"),
        ({"metadata": {"order_id": "78"}}, "another order"),
    ],
)
def test_a_payment_matches_an_order_only_when_everything_agrees(
    payment: dict[str, Any], problem: str
) -> None:
    found = mismatch(_order(), _payment(**payment))
    assert (problem in found) if problem else found == ""
