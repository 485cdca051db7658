"""Create or reset the demo store to its canonical data (see `demo.data`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.integrations.commerce.demo import data
from apps.integrations.commerce.snapshot import address_to_json, info_to_order_fields
from apps.integrations.models import DemoOrderEvent, DemoProduct, DemoReturn, DemoVariant
from apps.orders.models import Order
from apps.stores.models import (
    KnowledgeEntry,
    KnowledgeKind,
    Platform,
    Store,
    StoreSettings,
    StoreStatus,
)

# Every Order column the seed owns, i.e. all but the key it upserts on.
_ORDER_FIELDS = [
    f.name
    for f in Order._meta.concrete_fields
    if f.name not in ("id", "store", "platform_order_id")
]


@dataclass(frozen=True)
class SeedCounts:
    products: int
    variants: int
    orders: int
    policies: int
    faq: int


def seed_demo_store(*, domain: str = data.DEMO_DOMAIN, now: datetime | None = None) -> Store:
    """The demo store (platform demo) with its settings, catalogue, orders and knowledge.

    Idempotent: re-running resets every piece of demo data to the canonical state with
    dates relative to `now` (default: the current time), discarding refunds, returns,
    notes and other changes made since. Orders keep their row ids, so conversations that
    point at them stay valid. One transaction, a fixed small number of queries.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    domain = domain.strip().lower()
    if not domain:
        raise ValueError("a domain is required")
    with transaction.atomic():
        store = _store(domain, now)
        _settings(store)
        _catalogue(store)
        _orders(store, now)
        _knowledge(store, domain)
    return store


def seed_counts(store: Store) -> SeedCounts:
    policies = KnowledgeEntry.objects.filter(store=store, kind=KnowledgeKind.POLICY).count()
    return SeedCounts(
        products=DemoProduct.objects.filter(store=store).count(),
        variants=DemoVariant.objects.filter(store=store).count(),
        orders=Order.objects.filter(store=store).count(),
        policies=policies,
        faq=KnowledgeEntry.objects.filter(store=store, kind=KnowledgeKind.FAQ).count(),
    )


def _store(domain: str, now: datetime) -> Store:
    canonical = {
        "name": data.STORE_NAME,
        "currency": data.CURRENCY,
        "status": StoreStatus.INSTALLED,
        "uninstalled_at": None,
        "needs_reauth": False,
    }
    store, _ = Store.objects.get_or_create(
        platform=Platform.DEMO, domain=domain, defaults={**canonical, "installed_at": now}
    )
    # Two seeds of one store at once would interleave their deletes and inserts.
    store = Store.objects.select_for_update().get(pk=store.pk)
    changed = [name for name, value in canonical.items() if getattr(store, name) != value]
    for name in changed:
        setattr(store, name, canonical[name])
    if store.installed_at is None:
        store.installed_at = now
        changed.append("installed_at")
    if changed:
        store.save(update_fields=[*changed, "updated_at"])
    return store


def _settings(store: Store) -> None:
    rules, _ = StoreSettings.objects.get_or_create(store=store)
    canonical = {
        field.name: field.get_default()
        for field in StoreSettings._meta.concrete_fields
        if field.editable and field.name not in ("id", "store", "version")
    }
    canonical.update(data.SETTINGS)
    changed = [name for name, value in canonical.items() if getattr(rules, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(rules, name, canonical[name])
    # Actions record the rules' version that allowed them; a changed rule set is a new one.
    rules.version += 1
    rules.save(update_fields=[*changed, "version", "updated_at"])


def _catalogue(store: Store) -> None:
    DemoVariant.objects.filter(store=store).delete()
    DemoProduct.objects.filter(store=store).delete()
    products = DemoProduct.objects.bulk_create(
        DemoProduct(
            store=store,
            platform_id=spec.platform_id,
            title=spec.title,
            handle=spec.handle,
            product_type=spec.product_type,
            description=spec.description,
            tags=list(spec.tags),
            position=spec.number,
        )
        for spec in data.PRODUCTS
    )
    DemoVariant.objects.bulk_create(
        DemoVariant(
            store=store,
            product=product,
            platform_id=spec.variant_id(variant.title),
            title=variant.title,
            sku=variant.sku,
            price=variant.price,
            track_inventory=variant.inventory is not None,
            inventory_quantity=variant.inventory or 0,
            position=position,
        )
        for spec, product in zip(data.PRODUCTS, products, strict=True)
        for position, variant in enumerate(spec.variants, start=1)
    )


def _orders(store: Store, now: datetime) -> None:
    DemoReturn.objects.filter(store=store).delete()
    DemoOrderEvent.objects.filter(store=store).delete()
    rows = []
    for info in data.demo_orders(now):
        fields = info_to_order_fields(info)
        rows.append(
            Order(
                store=store,
                **fields,
                total_tax=0,
                billing_address=address_to_json(info.shipping_address),
                closed_at=info.cancelled_at,
            )
        )
    Order.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["store", "platform_order_id"],
        update_fields=_ORDER_FIELDS,
    )
    ids = [row.platform_order_id for row in rows]
    Order.objects.filter(store=store).exclude(platform_order_id__in=ids).delete()


def _knowledge(store: Store, domain: str) -> None:
    KnowledgeEntry.objects.filter(store=store).delete()
    entries = [
        KnowledgeEntry(
            store=store,
            kind=KnowledgeKind.POLICY,
            policy_type=kind,
            title=title,
            body=body,
            source_url=f"https://{domain}/policies/{slug}",
        )
        for kind, title, slug, body in data.POLICIES
    ]
    entries += [
        KnowledgeEntry(store=store, kind=KnowledgeKind.FAQ, title=title, body=body)
        for title, body in data.FAQ
    ]
    KnowledgeEntry.objects.bulk_create(entries)
