"""EasyPost tracker and Stripe refund webhooks: verified per store, persisted once, applied
forward only, never to another store's rows."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest

from apps.integrations.payments.models import PaymentRefundRecord
from apps.integrations.shipping.models import LabelState, ReturnShipment
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import webhook_event_process
from standins import easypost as ep
from standins import stripe as st
from tests.factories import StoreFactory

EP_SECRET = "tracker-secret-é"  # non-ASCII: the SDK NFKD-normalises it
WHSEC = "whsec_standinsecret123"


def _connect(store: Any, provider: str, **config: str) -> None:
    IntegrationCredential.objects.create(
        store=store,
        provider=provider,
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )


@pytest.fixture
def stores(db: Any) -> tuple[Any, Any]:
    a = StoreFactory(domain="a.myshopify.com")
    b = StoreFactory(domain="b.myshopify.com")
    for store, suffix in ((a, "A"), (b, "B")):
        _connect(store, "easypost", api_key=f"EZTK{suffix}", webhook_secret=f"{EP_SECRET}{suffix}")
        _connect(
            store, "stripe", secret_key=f"sk_test_{suffix}xxxxxxxx", webhook_secret=WHSEC + suffix
        )
    return a, b


@pytest.fixture
def standin() -> ep.EasyPostStandIn:
    return ep.EasyPostStandIn(("EZTKA", "EZTKB"))


def _label(
    store: Any, standin: ep.EasyPostStandIn, key: str = "EZTKA"
) -> tuple[ReturnShipment, dict]:
    tracker = standin._tracker(standin.accounts[key], "EZ2000000002", "USPS", "pre_transit")
    row = ReturnShipment.objects.create(
        store=store,
        reference=f"action-{tracker['id']}",
        state=LabelState.BOUGHT,
        tracker_id=tracker["id"],
        tracking_code=tracker["tracking_code"],
        carrier="USPS",
    )
    return row, tracker


def _post_easypost(client: Any, store: Any, body: bytes, secret: str | None = None) -> Any:
    signature = ep.sign(body, secret if secret is not None else f"{EP_SECRET}A")
    return client.post(
        f"/webhooks/easypost/{store.pk}",
        body,
        content_type="application/json",
        headers={"X-Hmac-Signature": signature},
    )


def _process_all() -> None:
    for pk in WebhookEvent.objects.filter(status=WebhookStatus.PENDING).values_list(
        "pk", flat=True
    ):
        webhook_event_process(pk)


# ---------------------------------------------------------------- EasyPost


def test_a_signed_tracker_event_moves_the_return_in_transit(client, stores, standin):
    store, _ = stores
    row, tracker = _label(store, standin)
    body = standin.event(standin.advance(tracker, "in_transit", "Accepted at USPS origin"))
    response = _post_easypost(client, store, body)
    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    _process_all()
    row.refresh_from_db()
    assert row.tracking_status == "in_transit"
    assert row.first_scan_at is not None
    assert row.latest_event == "Accepted at USPS origin"
    assert row.estimated_delivery_at is not None


def test_a_replayed_event_is_stored_once(client, stores, standin):
    store, _ = stores
    _, tracker = _label(store, standin)
    body = standin.event(standin.advance(tracker, "in_transit"))
    assert _post_easypost(client, store, body).json() == {"status": "accepted"}
    assert _post_easypost(client, store, body).json() == {"status": "duplicate"}
    assert WebhookEvent.objects.filter(provider="easypost").count() == 1


def test_delivered_before_in_transit_never_moves_the_return_back(client, stores, standin):
    store, _ = stores
    row, tracker = _label(store, standin)
    in_transit = standin.event(standin.advance(tracker, "in_transit"))
    delivered = standin.event(standin.advance(tracker, "delivered"))
    _post_easypost(client, store, delivered)
    _process_all()
    _post_easypost(client, store, in_transit)  # the older event arrives last
    _process_all()
    row.refresh_from_db()
    assert row.tracking_status == "delivered"
    assert row.delivered_at is not None
    late = WebhookEvent.objects.get(payload__result__status="in_transit")
    assert late.status == WebhookStatus.PROCESSED
    assert late.note.startswith("stale")


@pytest.mark.parametrize(
    "secret", ["wrong-secret", f"{EP_SECRET}B", ""], ids=["forged", "other-store", "empty"]
)
def test_a_badly_signed_event_is_refused_and_not_stored(client, stores, standin, secret):
    store, _ = stores
    _, tracker = _label(store, standin)
    body = standin.event(standin.advance(tracker, "delivered"))
    assert _post_easypost(client, store, body, secret).status_code == 401
    assert not WebhookEvent.objects.exists()


def test_an_unsigned_event_is_refused(client, stores, standin):
    store, _ = stores
    _, tracker = _label(store, standin)
    body = standin.event(tracker)
    response = client.post(f"/webhooks/easypost/{store.pk}", body, content_type="application/json")
    assert response.status_code == 401


def test_another_stores_tracker_is_never_applied_here(client, stores, standin):
    store_a, store_b = stores
    row_b, tracker_b = _label(store_b, standin, "EZTKB")
    body = standin.event(standin.advance(tracker_b, "delivered"))
    # Signed with store A's secret and sent to store A's URL: A has no such tracker.
    assert _post_easypost(client, store_a, body).status_code == 200
    _process_all()
    row_b.refresh_from_db()
    assert row_b.tracking_status == "unknown"
    assert WebhookEvent.objects.get().status == WebhookStatus.IGNORED


def test_a_signed_body_that_is_not_an_event_is_refused(client, stores):
    store, _ = stores
    for body in (b"not json", b"[1, 2]", b'{"object": "Event"}'):
        assert _post_easypost(client, store, body).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_store_without_the_integration_has_no_endpoint(client, db, standin):
    store = StoreFactory(domain="c.myshopify.com")
    body = standin.event(standin._tracker(standin.accounts["EZTKA"], "EZ1", "USPS", "pre_transit"))
    assert _post_easypost(client, store, body).status_code == 404
    assert client.get(f"/webhooks/easypost/{store.pk}").status_code == 405


# ---------------------------------------------------------------- Stripe


def _refund_row(
    store: Any, refund_id: str = "re_1", status: str = "pending"
) -> PaymentRefundRecord:
    return PaymentRefundRecord.objects.create(
        store=store,
        key=f"aftersale-refund-{store.pk}-7",
        payment_reference="pi_1",
        amount=Decimal("30.00"),
        currency="USD",
        refund_id=refund_id,
        status=status,
    )


def _refund_obj(refund_id: str, status: str, key: str = "", reason: str = "") -> dict[str, Any]:
    obj = {
        "id": refund_id,
        "object": "refund",
        "amount": 3000,
        "currency": "usd",
        "payment_intent": "pi_1",
        "charge": "ch_1",
        "status": status,
        "metadata": {"aftersale_key": key} if key else {},
    }
    if reason:
        obj["failure_reason"] = reason
    return obj


def _post_stripe(
    client: Any, store: Any, body: bytes, secret: str = WHSEC + "A", at: int | None = None
) -> Any:
    return client.post(
        f"/webhooks/stripe/{store.pk}",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": st.sign(body, secret, at)},
    )


def test_a_failed_refund_is_recorded_from_the_signed_event(client, stores):
    store, _ = stores
    row = _refund_row(store)
    body = st.StripeStandIn().event(
        "refund.failed", _refund_obj("re_1", "failed", reason="expired_or_canceled_card")
    )
    assert _post_stripe(client, store, body).json() == {"status": "accepted"}
    _process_all()
    row.refresh_from_db()
    assert (row.status, row.failure_reason) == ("failed", "expired_or_canceled_card")


def test_a_refund_is_found_by_our_key_when_we_lack_its_id(client, stores):
    store, _ = stores
    row = _refund_row(store, refund_id="")
    body = st.StripeStandIn().event("refund.updated", _refund_obj("re_9", "succeeded", key=row.key))
    _post_stripe(client, store, body)
    _process_all()
    row.refresh_from_db()
    assert (row.refund_id, row.status) == ("re_9", "succeeded")


def test_a_late_pending_never_undoes_a_succeeded_refund(client, stores):
    store, _ = stores
    row = _refund_row(store, status="succeeded")
    _post_stripe(
        client, store, st.StripeStandIn().event("refund.updated", _refund_obj("re_1", "pending"))
    )
    _process_all()
    row.refresh_from_db()
    assert row.status == "succeeded"


def test_stripe_events_are_deduped_on_the_event_id(client, stores):
    store, _ = stores
    _refund_row(store)
    body = st.StripeStandIn().event("refund.updated", _refund_obj("re_1", "succeeded"))
    assert _post_stripe(client, store, body).json() == {"status": "accepted"}
    assert _post_stripe(client, store, body).json() == {"status": "duplicate"}


@pytest.mark.parametrize(
    ("secret", "age"),
    [("whsec_forged0000", 0), (WHSEC + "B", 0), (WHSEC + "A", 301)],
    ids=["forged", "other-store", "too-old"],
)
def test_a_bad_or_old_stripe_signature_is_refused(client, stores, secret, age):
    store, _ = stores
    body = st.StripeStandIn().event("refund.updated", _refund_obj("re_1", "succeeded"))
    response = _post_stripe(client, store, body, secret, int(time.time()) - age)
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_signature_within_the_tolerance_is_accepted(client, stores):
    store, _ = stores
    body = st.StripeStandIn().event("refund.updated", _refund_obj("re_1", "succeeded"))
    assert _post_stripe(client, store, body, at=int(time.time()) - 250).status_code == 200


def test_another_stores_refund_is_never_changed(client, stores):
    store_a, store_b = stores
    row_b = _refund_row(store_b)
    body = st.StripeStandIn().event("refund.failed", _refund_obj("re_1", "failed", key=row_b.key))
    _post_stripe(client, store_a, body)
    _process_all()
    row_b.refresh_from_db()
    assert row_b.status == "pending"
    assert WebhookEvent.objects.get().status == WebhookStatus.IGNORED


def test_an_event_we_do_not_handle_is_kept_and_ignored(client, stores):
    store, _ = stores
    body = st.StripeStandIn().event("customer.created", {"id": "cus_1", "object": "customer"})
    assert _post_stripe(client, store, body).json() == {"status": "ignored"}
