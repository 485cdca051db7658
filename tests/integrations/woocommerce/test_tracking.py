"""Parcels from the common tracking plugins' order meta, probed in order."""

from __future__ import annotations

from apps.integrations.commerce.base import LineItemQuantity
from apps.integrations.commerce.woocommerce.tracking import parcels_from_meta

ALL = (LineItemQuantity("7", 1), LineItemQuantity("8", 2))


def test_shipment_tracking_with_a_known_carrier_and_trackship_state() -> None:
    meta = {
        "_wc_shipment_tracking_items": [
            {"tracking_provider": "ups", "tracking_number": "1Z1", "date_shipped": "1700000000"}
        ],
        "shipment_status": [
            {
                "status": "delivered",
                "status_date": "2023-11-16 10:00:00",
                "tracking_events": [{"message": "Left at door", "datetime": "2023-11-16 10:00"}],
            }
        ],
    }

    [parcel] = parcels_from_meta(meta, order_id="5", all_items=ALL)

    assert (parcel.tracking[0].company, parcel.tracking[0].url) == (
        "UPS",
        "https://www.ups.com/track?tracknum=1Z1",
    )
    assert parcel.shipment_status == "delivered"
    assert parcel.delivered_at is not None
    assert parcel.latest_event == "Left at door"
    assert parcel.line_items == ALL


def test_a_partial_shipment_carries_only_its_products() -> None:
    meta = {
        "_wc_shipment_tracking_items": [
            {
                "tracking_number": "X1",
                "custom_tracking_provider": "Local Post",
                "custom_tracking_link": "javascript:alert(1)",
                "products_list": [{"item_id": "8", "qty": "1"}],
            }
        ]
    }

    [parcel] = parcels_from_meta(meta, order_id="5", all_items=ALL)

    assert parcel.line_items == (LineItemQuantity("8", 1),)
    assert parcel.tracking[0].company == "Local Post"
    assert parcel.tracking[0].url == ""  # only https links are passed on


def test_aftership_then_yith_then_the_generic_keys() -> None:
    aftership = {"_aftership_tracking_number": "AS1", "_aftership_tracking_provider": "fedex"}
    yith = {
        "ywot_tracking_code": "YT1",
        "ywot_carrier_name": "DHL",
        "ywot_pick_up_date": "2024-01-02",
    }
    generic = {"_tracking_number": "G1", "_tracking_provider": "usps"}

    [a] = parcels_from_meta(aftership, order_id="5", all_items=ALL)
    [y] = parcels_from_meta(yith, order_id="5", all_items=ALL)
    [g] = parcels_from_meta(generic, order_id="5", all_items=ALL)

    assert (a.tracking[0].number, a.tracking[0].company) == ("AS1", "FedEx")
    assert (y.tracking[0].number, y.tracking[0].company) == ("YT1", "DHL")
    assert y.created_at is not None
    assert (g.tracking[0].number, g.tracking[0].company) == ("G1", "USPS")
    # The first plugin with something wins.
    [first] = parcels_from_meta({**generic, **aftership}, order_id="5", all_items=ALL)
    assert first.tracking[0].number == "AS1"


def test_no_or_malformed_meta_gives_no_parcels() -> None:
    for meta in (
        {},
        {"_wc_shipment_tracking_items": "garbage"},
        {"shipment_status": [1, 2]},
        {"_wc_shipment_tracking_items": [{"tracking_number": ""}]},
    ):
        assert parcels_from_meta(meta, order_id="5", all_items=ALL) == []
