"""A Shopify store with Stripe connected: the refund of an order a Stripe checkout paid
goes through Stripe, found by the order's own payments query (never the shared order
query); an order Shopify Payments took is refunded on Shopify as before; and when the
payment cannot be told, nothing is refunded on either rail."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import respx
from django.utils import timezone

from apps.agent import payment_refunds
from apps.agent.actions import ActionSpec, action_execute, action_get_or_create
from apps.agent.pipeline import run_turn
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.conversations.services import conversation_start
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.provider import ShopifyCommerceProvider
from apps.integrations.payments.stripe.provider import StripePayments
from apps.orders.models import Order
from apps.stores.models import Store
from standins.shopify import endpoint
from standins.shopify.build import demo_shop, paid_through_stripe
from standins.shopify.simulator import ShopSimulator
from standins.shopify.state import OrderRec
from standins.stripe import StripeStandIn
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

KEY = "sk_test_shopifystripe"
ORDER = "gid://shopify/Order/10001002"


@pytest.fixture
def store() -> Store:
    store = StoreFactory(domain="stripe-shop.myshopify.com", access_token="shpat_stripeshop01")
    store.refresh_from_db()
    return store


@pytest.fixture
def shop(store: Store) -> Iterator[ShopSimulator]:
    sim = ShopSimulator(store.domain, clock=time.time)
    demo_shop(sim.shop, timezone.now())
    with respx.mock(assert_all_called=False) as router:
        router.post(endpoint(store.domain)).mock(side_effect=sim.respond)
        yield sim


@pytest.fixture
def stripe(monkeypatch: pytest.MonkeyPatch) -> StripeStandIn:
    standin = StripeStandIn((KEY,))
    provider = StripePayments(standin.client(KEY))
    monkeypatch.setattr(payment_refunds, "payments_provider_for", lambda store: provider)
    return standin


def _provider(store: Store) -> ShopifyCommerceProvider:
    client = ShopifyClient(store, max_wait=2.0, sleep=lambda seconds: None)
    return ShopifyCommerceProvider(store, client=client)


def _order(shop: ShopSimulator) -> OrderRec:
    return shop.shop.orders[ORDER]


def _stripe_paid(shop: ShopSimulator, stripe: StripeStandIn, where: str = "authorization") -> str:
    order = _order(shop)
    amount = int(order.total * 100)
    intent = stripe.add_payment(KEY, amount, "usd", email=order.email).intent_id
    paid_through_stripe(order, intent, where=where)
    return intent


def _refund(store: Store, amount: str, request: str = "1") -> AgentAction:
    conversation = store.conversations.create()
    message = Message.objects.create(
        store=store, conversation=conversation, role=MessageRole.CUSTOMER, text="refund please"
    )
    spec = ActionSpec(
        kind=ActionKind.REFUND,
        order_id=ORDER,
        order_name="#1002",
        amount=Decimal(amount),
        currency="USD",
        reason="Customer request",
        request=request,
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


@pytest.mark.parametrize("where", ["authorization", "receipt", "attribute"])
def test_a_stripe_paid_shopify_order_is_refunded_through_stripe_once(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn, where: str
) -> None:
    intent = _stripe_paid(shop, stripe, where)
    action = action_execute(_refund(store, "20.00"), _provider(store))

    assert action.status == ActionStatus.EXECUTED, action.error
    assert action.result["provider"] == "stripe"
    (refund,) = stripe.accounts[KEY].refunds.values()
    assert (refund["payment_intent"], refund["amount"]) == (intent, 2000)
    assert _order(shop).refunds == []  # Shopify was not asked to refund as well
    assert shop.ops().count("OrderPayments") == 1
    assert "RefundCreate" not in shop.ops()
    # Kept on the snapshot: a second refund on the same order version asks Shopify nothing.
    row = Order.objects.get(store=store, platform_order_id=ORDER)
    assert [r["reference"] for r in row.payment_references] == [intent]
    second = action_execute(_refund(store, "5.00", request="2"), _provider(store))
    assert second.status == ActionStatus.EXECUTED, second.error
    assert shop.ops().count("OrderPayments") == 1
    assert stripe.accounts[KEY].created == 2


def test_an_order_shopify_payments_took_is_refunded_on_shopify(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn
) -> None:
    action = action_execute(_refund(store, "20.00"), _provider(store))

    assert action.status == ActionStatus.EXECUTED, action.error
    assert "provider" not in action.result
    assert [r.amount for r in _order(shop).refunds] == [Decimal("20.00")]
    assert stripe.accounts[KEY].refunds == {}
    assert shop.ops().count("OrderPayments") == 1


def test_a_customer_set_attribute_never_diverts_a_shopify_payments_refund(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn
) -> None:
    # Cart attributes are the shopper's to write; the order was paid with Shopify Payments.
    order = _order(shop)
    other = stripe.add_payment(KEY, int(order.total * 100), "usd", email=order.email).intent_id
    order.custom_attributes.append(("stripe_payment_intent", other))

    action = action_execute(_refund(store, "20.00"), _provider(store))

    assert action.status == ActionStatus.EXECUTED, action.error
    assert stripe.accounts[KEY].refunds == {}
    assert len(_order(shop).refunds) == 1


def test_two_stripe_payments_on_one_order_are_refused(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn
) -> None:
    _stripe_paid(shop, stripe)
    order = _order(shop)
    second = stripe.add_payment(KEY, 100, "usd", email=order.email).intent_id
    order.transactions.append(
        type(order.transactions[0])(
            "gid://shopify/OrderTransaction/77",
            "stripe",
            "SALE",
            "SUCCESS",
            Decimal("1.00"),
            authorization_code=second,
        )
    )

    action = action_execute(_refund(store, "20.00"), _provider(store))

    assert action.status == ActionStatus.FAILED
    assert "more than one Stripe payment" in action.error
    assert stripe.accounts[KEY].refunds == {}
    assert order.refunds == []


def test_a_stripe_payment_without_an_id_is_refused_not_refunded_on_shopify(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn
) -> None:
    _stripe_paid(shop, stripe, "receipt")
    _order(shop).transactions[0].receipt = {"status": "succeeded"}

    action = action_execute(_refund(store, "20.00"), _provider(store))

    assert action.status == ActionStatus.FAILED
    assert "names no Stripe payment id" in action.error
    assert stripe.accounts[KEY].refunds == {}
    assert _order(shop).refunds == []


def test_when_the_payments_query_fails_nothing_is_refunded_on_either_rail(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn
) -> None:
    _stripe_paid(shop, stripe)
    busy = httpx.Response(503, text="Service Unavailable")
    shop.on("OrderPayments", *([busy] * 10))

    action = action_execute(_refund(store, "20.00"), _provider(store))

    assert action.status == ActionStatus.FAILED
    assert "Shopify is busy" in action.error
    assert action.evidence["code"] == "payment_unknown"
    assert stripe.accounts[KEY].refunds == {}
    assert _order(shop).refunds == []
    assert "RefundCreate" not in shop.ops()


def test_the_payments_query_waits_for_the_shared_cost_bucket(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn
) -> None:
    intent = _stripe_paid(shop, stripe)
    assert _provider(store).get_order(ORDER) is not None  # the snapshot holds the order
    shop._available = 5.0  # another worker spent the shop's points
    waits: list[float] = []
    client = ShopifyClient(store, sleep=waits.append, clock=time.time)

    action = action_execute(_refund(store, "20.00"), ShopifyCommerceProvider(store, client=client))

    assert action.status == ActionStatus.EXECUTED, action.error
    # Shopify answered THROTTLED once (HTTP 200); the client waited, then asked again.
    assert shop.throttled == 1
    assert shop.ops() == ["OrderById", "OrderPayments", "OrderPayments"]
    assert sum(waits) > 0
    assert [r["payment_intent"] for r in stripe.accounts[KEY].refunds.values()] == [intent]


def test_the_customer_hears_nothing_was_changed_when_the_payment_cannot_be_read(
    store: Store, shop: ShopSimulator, stripe: StripeStandIn
) -> None:
    _stripe_paid(shop, stripe)
    shop.on("OrderPayments", httpx.Response(503, text="Service Unavailable"))
    conversation = conversation_start(store, Channel.WEB, customer_email=_order(shop).email)
    run_turn(message_add_customer(conversation, "I want a refund for order 1002"))
    said = run_turn(message_add_customer(conversation, "yes"))

    (action,) = AgentAction.objects.filter(kind=ActionKind.REFUND)
    assert action.status == ActionStatus.FAILED
    assert action.evidence == {"refused": True, "code": "payment_unknown"}
    assert "nothing was changed" in said.reply.text
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ESCALATED
    assert stripe.accounts[KEY].refunds == {}
    assert "RefundCreate" not in shop.ops()
