"""The Django admin for the inbox, the exports and the order snapshot: read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from apps.integrations.commerce.shopify.webhook_orders import order_upsert_from_shopify
from apps.webhooks.models import CustomerDataExport, WebhookEvent, WebhookStatus
from tests.webhooks.factories import WebhookEventFactory
from tests.webhooks.helpers import fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("ops", "ops@example.com", "pw-for-tests-only")
    client.force_login(user)
    return user


@pytest.fixture
def viewer(client):
    """Staff that may look but not replay."""
    user = User.objects.create_user("viewer", "v@example.com", "pw-for-tests-only", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    client.force_login(user)
    return user


def test_the_event_page_pretty_prints_the_payload_and_offers_no_edit(client, staff, shop):
    event = WebhookEventFactory(store=shop, last_error="OperationalError: boom")
    page = client.get(f"/admin/webhooks/webhookevent/{event.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<pre>{\n  &quot;admin_graphql_api_id&quot;" in html
    assert "OperationalError: boom" in html
    assert 'name="_save"' not in html
    assert client.get("/admin/webhooks/webhookevent/add/").status_code == 403
    assert client.post(f"/admin/webhooks/webhookevent/{event.pk}/delete/").status_code == 403
    assert WebhookEvent.objects.filter(pk=event.pk).exists()


def test_the_event_list_filters_by_status_and_topic(client, staff, shop):
    WebhookEventFactory(store=shop, status="failed", event_id="evt-failed")
    WebhookEventFactory(store=shop, status="processed", event_id="evt-done")
    WebhookEventFactory(store=shop, status="failed", topic="products/update")
    page = client.get("/admin/webhooks/webhookevent/?status__exact=failed&topic=orders/create")
    assert page.status_code == 200
    assert b"orders/create" in page.content
    assert [e.event_id for e in page.context["cl"].result_list] == ["evt-failed"]
    other = client.get("/admin/webhooks/webhookevent/?topic=other")
    assert [e.topic for e in other.context["cl"].result_list] == ["products/update"]


def test_the_replay_action_resets_and_enqueues(
    client, staff, shop, queued, django_capture_on_commit_callbacks
):
    failed = WebhookEventFactory(store=shop, status="failed", attempts=8)
    busy = WebhookEventFactory(store=shop, status="processing")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/webhooks/webhookevent/",
            {"action": "replay", "_selected_action": [failed.pk, busy.pk]},
            follow=True,
        )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "1 event(s) reset to pending and enqueued.",
        "1 event(s) are being processed and were left alone.",
    ]
    assert WebhookEvent.objects.get(pk=failed.pk).status == WebhookStatus.PENDING
    assert WebhookEvent.objects.get(pk=busy.pk).status == WebhookStatus.PROCESSING
    assert queued() == 1


def test_a_view_only_user_cannot_replay(client, viewer, shop, queued):
    failed = WebhookEventFactory(store=shop, status="failed")
    page = client.get("/admin/webhooks/webhookevent/")
    assert page.status_code == 200
    assert b'value="replay"' not in page.content
    client.post(
        "/admin/webhooks/webhookevent/", {"action": "replay", "_selected_action": [failed.pk]}
    )
    assert WebhookEvent.objects.get(pk=failed.pk).status == WebhookStatus.FAILED
    assert queued() == 0


def test_an_export_can_be_read_and_downloaded(client, staff, shop):
    export = CustomerDataExport.objects.create(
        store=shop, data_request_id="9999", email="jon@example.com",
        data={"orders": [{"name": "#1001"}], "conversations": []},
    )  # fmt: skip
    page = client.get(f"/admin/webhooks/customerdataexport/{export.pk}/change/")
    assert page.status_code == 200
    assert b"&quot;#1001&quot;" in page.content

    download = client.get(f"/admin/webhooks/customerdataexport/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert download["Content-Disposition"] == (
        f'attachment; filename="customer-data-{shop.pk}-9999.json"'
    )
    assert download.json() == export.data


def test_a_download_needs_admin_rights(client, shop):
    export = CustomerDataExport.objects.create(store=shop, data_request_id="1", data={})
    response = client.get(f"/admin/webhooks/customerdataexport/{export.pk}/download/")
    assert response.status_code == 302  # to the login page
    assert "/admin/login/" in response["Location"]


def test_the_order_snapshot_is_read_only_in_the_admin(client, staff, shop):
    order_upsert_from_shopify(shop, fixture("orders_fulfilled"))
    from apps.orders.models import Order

    order = Order.objects.get()
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "1Z2345" in html
    assert 'name="_save"' not in html
    assert client.get("/admin/orders/order/").status_code == 200
    assert client.get("/admin/orders/order/add/").status_code == 403
