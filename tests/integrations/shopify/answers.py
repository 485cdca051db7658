"""Answers in Shopify's documented shapes, to script the stand-in's operations with
(standins.shopify.simulator.ShopSimulator.on): `{"data": ..., "extensions": {"cost": {...}}}`,
THROTTLED as HTTP 200 + errors[].extensions.code, mutation userErrors inside `data`,
401/403/5xx as plain HTTP statuses."""

from __future__ import annotations

from typing import Any

import httpx

from tests.clock import iso_ago


def cost(
    requested: float = 10,
    actual: float | None = -1,
    available: float = 990.0,
    maximum: float = 1000.0,
    rate: float = 100.0,
) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested if actual == -1 else actual,
            "throttleStatus": {
                "maximumAvailable": maximum,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


def ok(data: Any, **cost_args: Any) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "extensions": cost(**cost_args)})


def throttled(
    requested: float = 500, available: float = 100.0, rate: float = 100.0
) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": cost(requested=requested, actual=None, available=available, rate=rate),
        },
    )


def graphql_error(message: str, code: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "errors": [
                {
                    "message": message,
                    "locations": [{"line": 2, "column": 3}],
                    "extensions": {"code": code},
                }
            ],
            "extensions": cost(requested=0, actual=0),
        },
    )


def money(amount: str, currency: str = "USD") -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def line_item(
    n: int,
    *,
    title: str = "Hoodie",
    quantity: int = 1,
    price: str = "40.00",
    current: int | None = None,
    unfulfilled: int = 0,
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/LineItem/{n}",
        "title": title,
        "variantTitle": "M",
        "sku": f"SKU-{n}",
        "quantity": quantity,
        "currentQuantity": quantity if current is None else current,
        "unfulfilledQuantity": unfulfilled,
        "originalUnitPriceSet": money(price),
        "variant": {"id": f"gid://shopify/ProductVariant/{n}"},
        "product": {"id": f"gid://shopify/Product/{n}", "tags": ["cotton"]},
    }


def fulfillment(
    n: int,
    *,
    number: str = "1Z999",
    company: str = "UPS",
    event: str | None = "IN_TRANSIT",
    status: str = "SUCCESS",
    delivered_at: str | None = None,
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Fulfillment/{n}",
        "status": status,
        "displayStatus": event or "FULFILLED",
        "createdAt": iso_ago(days=32),
        "updatedAt": iso_ago(days=31),
        "deliveredAt": delivered_at,
        "estimatedDeliveryAt": iso_ago(days=28),
        "trackingInfo": [
            {
                "number": number,
                "company": company,
                "url": f"https://www.ups.com/track?tracknum={number}",
            }
        ],
        "events": {
            "nodes": [{"status": event, "happenedAt": iso_ago(days=31, hours=1)}] if event else []
        },
    }


def order(
    number: int = 1001,
    *,
    oid: int | None = None,
    email: str = "jane@example.com",
    phone: str | None = "+1 555 010 1234",
    customer: int | None = 77,
    updated_at: str | None = None,
    financial: str = "PAID",
    fulfillment_status: str = "FULFILLED",
    fulfillments: list[Any] | None = None,
    line_items: list[Any] | None = None,
    refunds: list[Any] | None = None,
    cancelled_at: str | None = None,
    has_more_lines: bool = False,
    created_at: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Order/{oid or 5000 + number}",
        "name": f"#{number}",
        "email": email,
        "phone": phone,
        "createdAt": created_at or iso_ago(days=33),
        "updatedAt": updated_at or iso_ago(days=14),
        "cancelledAt": cancelled_at,
        "cancelReason": "CUSTOMER" if cancelled_at else None,
        "closedAt": None,
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": fulfillment_status,
        "note": note,
        "tags": ["vip"],
        "statusPageUrl": f"https://shop.example.com/orders/{number}/status",
        "currencyCode": "USD",
        "customer": {"id": f"gid://shopify/Customer/{customer}", "displayName": "Jane Doe"}
        if customer
        else None,
        "subtotalPriceSet": money("80.00"),
        "totalShippingPriceSet": money("5.00"),
        "totalTaxSet": money("6.40"),
        "totalPriceSet": money("91.40"),
        "totalRefundedSet": money("0.00"),
        "shippingAddress": {
            "name": "Jane Doe",
            "address1": "1 Main St",
            "address2": None,
            "city": "Springfield",
            "province": "Oregon",
            "zip": "97477",
            "country": "United States",
            "countryCodeV2": "US",
            "phone": "+1 555 010 1234",
        },
        "lineItems": {
            "pageInfo": {"hasNextPage": has_more_lines},
            "nodes": line_items if line_items is not None else [line_item(1, quantity=2)],
        },
        "fulfillments": fulfillments if fulfillments is not None else [fulfillment(1)],
        "refunds": refunds or [],
    }
