"""The demo platform's records in the Django admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from apps.integrations.commerce.base import LineItemQuantity
from apps.integrations.commerce.demo import DemoCommerceProvider, seed_demo_store
from apps.integrations.models import DemoOrderEvent, DemoProduct, DemoReturn, DemoVariant

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client: Client) -> Client:
    user = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


@pytest.fixture
def activity() -> DemoProduct:
    store = seed_demo_store()
    provider = DemoCommerceProvider(store)
    provider.create_return(
        order_id="demo-order-1002",
        line_items=[LineItemQuantity("demo-li-1002-1", 1)],
        reason="Too small",
        idempotency_key="admin-return",
    )
    provider.add_note(order_id="demo-order-1002", note="Return opened")
    return DemoProduct.objects.get(store=store, handle="classic-hoodie")


@pytest.mark.parametrize("name", ["demoproduct", "demoreturn", "demoorderevent"])
def test_the_lists_and_pages_render(
    admin_client_logged_in: Client, activity: DemoProduct, name: str
) -> None:
    model = {
        "demoproduct": DemoProduct,
        "demoreturn": DemoReturn,
        "demoorderevent": DemoOrderEvent,
    }[name]
    row = model.objects.first()
    assert row is not None

    listing = admin_client_logged_in.get(reverse(f"admin:integrations_{name}_changelist"))
    page = admin_client_logged_in.get(reverse(f"admin:integrations_{name}_change", args=[row.pk]))

    assert listing.status_code == page.status_code == 200


def test_the_product_page_lists_its_variants(
    admin_client_logged_in: Client, activity: DemoProduct
) -> None:
    page = admin_client_logged_in.get(
        reverse("admin:integrations_demoproduct_change", args=[activity.pk])
    )

    assert b"NW-HOOD-XL" in page.content


def test_a_variant_added_in_the_admin_belongs_to_its_products_store(
    admin_client_logged_in: Client, activity: DemoProduct
) -> None:
    variants = list(activity.variants.all())
    form = {
        "store": activity.store_id,
        "platform_id": activity.platform_id,
        "title": activity.title,
        "handle": activity.handle,
        "product_type": activity.product_type,
        "description": activity.description,
        "tags": '["apparel"]',
        "position": activity.position,
        "variants-TOTAL_FORMS": len(variants) + 1,
        "variants-INITIAL_FORMS": len(variants),
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 1000,
    }
    for i, v in enumerate([*variants, None]):
        prefix = f"variants-{i}-"
        form.update(
            {
                f"{prefix}id": v.pk if v else "",
                f"{prefix}product": activity.pk,
                f"{prefix}platform_id": v.platform_id if v else "demo-var-1-5",
                f"{prefix}title": v.title if v else "XXL",
                f"{prefix}sku": v.sku if v else "NW-HOOD-XXL",
                f"{prefix}price": v.price if v else "70.00",
                f"{prefix}track_inventory": "on",
                f"{prefix}inventory_quantity": v.inventory_quantity if v else 3,
            }
        )

    response = admin_client_logged_in.post(
        reverse("admin:integrations_demoproduct_change", args=[activity.pk]), form
    )

    assert response.status_code == 302, response.content[:2000]
    added = DemoVariant.objects.get(platform_id="demo-var-1-5")
    assert added.store_id == activity.store_id
    assert added.product_id == activity.pk


def test_order_events_are_read_only(admin_client_logged_in: Client, activity: DemoProduct) -> None:
    event = DemoOrderEvent.objects.get()

    response = admin_client_logged_in.post(
        reverse("admin:integrations_demoorderevent_change", args=[event.pk]), {"kind": "cancelled"}
    )

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.kind == "note_added"
    assert (
        admin_client_logged_in.get(reverse("admin:integrations_demoorderevent_add")).status_code
        == 403
    )
