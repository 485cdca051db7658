"""Parcels from order meta: WooCommerce core has no shipments, tracking plugins add them.

The common plugins are probed in this order, the first that has something wins:

1. Shipment Tracking (WooCommerce's own extension) and Advanced Shipment Tracking (zorem)
   both keep `_wc_shipment_tracking_items`: a list of `{tracking_provider,
   custom_tracking_provider, custom_tracking_link, tracking_number, date_shipped,
   tracking_id}`; AST adds `products_list` (`[{item_id, qty}]`) for partial shipments.
   TrackShip (zorem's tracking service) keeps the carrier's state beside it in
   `shipment_status`, one entry per tracking item: `{status, status_date,
   est_delivery_date, tracking_events}`.
2. AfterShip: `_aftership_tracking_items`, or `_aftership_tracking_number` with
   `_aftership_tracking_provider_name`.
3. YITH Order Tracking: `ywot_tracking_code`, `ywot_carrier_name`, `ywot_pick_up_date`.
4. The generic `_tracking_number` / `_tracking_provider`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from apps.integrations.commerce.base import Fulfillment, LineItemQuantity, Tracking

# Shipment Tracking's provider slugs for the carriers we see most, with their public
# tracking pages; anything else keeps the plugin's own name and custom link.
CARRIERS: dict[str, tuple[str, str]] = {
    "ups": ("UPS", "https://www.ups.com/track?tracknum={}"),
    "usps": ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={}"),
    "fedex": ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={}"),
    "dhl-express": (
        "DHL Express",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={}",
    ),
    "royal-mail": ("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{}"),
    "canada-post": (
        "Canada Post",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={}",
    ),
}
# TrackShip's states in our vocabulary (Fulfillment.shipment_status).
_STATES = {
    "pre_transit": "label_printed",
    "label_created": "label_printed",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "available_for_pickup": "ready_for_pickup",
    "delivered": "delivered",
    "return_to_sender": "failure",
    "failure": "failure",
    "exception": "failure",
}


def parcels_from_meta(
    meta: Mapping[str, Any], *, order_id: str, all_items: tuple[LineItemQuantity, ...]
) -> list[Fulfillment]:
    """The order's parcels; `all_items` is what a parcel carries when the plugin doesn't say."""
    for probe in (_shipment_tracking, _aftership, _yith, _generic):
        found = probe(meta, order_id, all_items)
        if found:
            return found
    return []


def _shipment_tracking(
    meta: Mapping[str, Any], order_id: str, all_items: tuple[LineItemQuantity, ...]
) -> list[Fulfillment]:
    items = _records(meta.get("_wc_shipment_tracking_items"))
    states = _records(meta.get("shipment_status"))
    parcels = []
    for index, item in enumerate(items):
        number = _text(item.get("tracking_number"))
        if not number:
            continue
        company, url = _carrier(item, number)
        state = states[index] if index < len(states) else {}
        shipped = _when(item.get("date_shipped"))
        carried = _products(item.get("products_list")) or all_items
        parcels.append(
            _parcel(
                f"{order_id}-{_text(item.get('tracking_id')) or index}",
                Tracking(number, company, url),
                shipped,
                state,
                carried,
            )
        )
    return parcels


def _parcel(
    parcel_id: str,
    tracking: Tracking,
    shipped: datetime | None,
    state: Mapping[str, Any],
    items: tuple[LineItemQuantity, ...],
) -> Fulfillment:
    status = _STATES.get(_text(state.get("status")).lower(), "")
    status_at = _when(state.get("status_date"))
    events = _records(state.get("tracking_events"))
    last = events[-1] if events else {}
    event = _text(last.get("message") or last.get("description"))
    event_at = _when(last.get("datetime") or last.get("date")) or (status_at if event else None)
    if not event and status == "delivered":
        event, event_at = "Delivered", status_at
    return Fulfillment(
        id=parcel_id,
        status="success",
        shipment_status=status,
        tracking=(tracking,),
        created_at=shipped,
        updated_at=status_at or shipped,
        estimated_delivery_at=_when(state.get("est_delivery_date")),
        delivered_at=status_at if status == "delivered" else None,
        latest_event=event,
        latest_event_at=event_at,
        line_items=items,
    )


def _aftership(
    meta: Mapping[str, Any], order_id: str, all_items: tuple[LineItemQuantity, ...]
) -> list[Fulfillment]:
    rows = _records(meta.get("_aftership_tracking_items"))
    if not rows and _text(meta.get("_aftership_tracking_number")):
        rows = [
            {
                "tracking_number": meta.get("_aftership_tracking_number"),
                "slug": meta.get("_aftership_tracking_provider"),
                "provider_name": meta.get("_aftership_tracking_provider_name"),
            }
        ]
    parcels = []
    for index, row in enumerate(rows):
        number = _text(row.get("tracking_number"))
        if number:
            slug = _text(row.get("slug")).lower()
            name = _text(row.get("provider_name")) or CARRIERS.get(slug, (slug.upper(), ""))[0]
            url = CARRIERS[slug][1].format(number) if slug in CARRIERS else ""
            tracking = Tracking(number, name, url)
            parcels.append(_parcel(f"{order_id}-as{index}", tracking, None, {}, all_items))
    return parcels


def _yith(
    meta: Mapping[str, Any], order_id: str, all_items: tuple[LineItemQuantity, ...]
) -> list[Fulfillment]:
    number = _text(meta.get("ywot_tracking_code"))
    if not number:
        return []
    tracking = Tracking(number, _text(meta.get("ywot_carrier_name")), "")
    shipped = _when(meta.get("ywot_pick_up_date"))
    return [_parcel(f"{order_id}-ywot", tracking, shipped, {}, all_items)]


def _generic(
    meta: Mapping[str, Any], order_id: str, all_items: tuple[LineItemQuantity, ...]
) -> list[Fulfillment]:
    number = _text(meta.get("_tracking_number"))
    if not number:
        return []
    slug = _text(meta.get("_tracking_provider")).lower()
    name, template = CARRIERS.get(slug, (_text(meta.get("_tracking_provider")), ""))
    tracking = Tracking(number, name, template.format(number) if template else "")
    return [_parcel(f"{order_id}-t", tracking, None, {}, all_items)]


# ---------------------------------------------------------------- readers


def _carrier(item: Mapping[str, Any], number: str) -> tuple[str, str]:
    slug = _text(item.get("tracking_provider")).lower()
    if slug in CARRIERS:
        name, template = CARRIERS[slug]
        return name, template.format(number)
    name = _text(item.get("custom_tracking_provider")) or _text(item.get("tracking_provider"))
    link = _text(item.get("custom_tracking_link"))
    return name, link if link.startswith("https://") else ""


def _products(value: object) -> tuple[LineItemQuantity, ...]:
    found = []
    for row in _records(value):
        line_id = _text(row.get("item_id"))
        quantity = _int(row.get("qty"))
        if line_id and quantity > 0:
            found.append(LineItemQuantity(line_id, quantity))
    return tuple(found)


def _records(value: object) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):  # PHP arrays with numeric keys arrive as objects
        value = [value[k] for k in sorted(value, key=lambda k: _int(k))]
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, Mapping)]


def _text(value: object) -> str:
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def _int(value: object) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


def _when(value: object) -> datetime | None:
    """Unix seconds (Shipment Tracking's date_shipped) or a date/datetime string, as UTC."""
    text = _text(value)
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    try:
        moment = parse_datetime(text.replace(" ", "T", 1)) if len(text) > 10 else None
        if moment is None:
            moment = datetime.fromisoformat(text[:10])
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
