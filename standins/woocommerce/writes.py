"""What the stand-in store changes on a write, as WooCommerce does it."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from standins.woocommerce.store import WooStandIn

_STATUSES = {
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "partial-shipped",
}
_ADDRESS_FIELDS = {
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "email",
    "phone",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def gmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ApiError(400, "rest_invalid_param", "Invalid parameter(s): amount") from None


def _touch(shop: WooStandIn, order: dict[str, Any]) -> None:
    order["date_modified_gmt"] = order["date_modified"] = shop.now_gmt()


def set_meta(holder: dict[str, Any], key: str, value: Any, shop: WooStandIn) -> None:
    """WC_Data::update_meta_data without an id: replace the key's value, or add it."""
    for row in holder.setdefault("meta_data", []):
        if row["key"] == key:
            row["value"] = value
            return
    holder["meta_data"].append({"id": shop.new_id(), "key": key, "value": value})


def order_update(shop: WooStandIn, order: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    status = body.get("status")
    if status is not None:
        if status not in _STATUSES:
            raise ApiError(400, "rest_invalid_param", "Invalid parameter(s): status")
        order["status"] = status
    for part in ("billing", "shipping"):
        if isinstance(body.get(part), dict):
            for name, value in body[part].items():
                if name in _ADDRESS_FIELDS:
                    order[part][name] = str(value)
    for row in body.get("meta_data") or []:
        if isinstance(row, dict) and row.get("key"):
            set_meta(order, str(row["key"]), copy.deepcopy(row.get("value")), shop)
    _touch(shop, order)
    return order


def _refunded_total(shop: WooStandIn, order: dict[str, Any]) -> Decimal:
    return sum((Decimal(r["amount"]) for r in shop.refunds.get(order["id"], [])), Decimal("0"))


def refund_create(shop: WooStandIn, order: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    lines = {line["id"]: line for line in order["line_items"]}
    refund_lines = []
    worth = Decimal("0")
    for row in body.get("line_items") or []:
        line = lines.get(int(row.get("id", 0)))
        quantity = int(row.get("quantity") or 0)
        if line is None:
            raise ApiError(400, "woocommerce_rest_invalid_line_item", "Invalid line item.")
        total = _decimal(row.get("refund_total") or 0)
        worth += total
        refund_lines.append(
            {
                "id": shop.new_id(),
                "name": line["name"],
                "product_id": line["product_id"],
                "variation_id": line["variation_id"],
                "quantity": -quantity,
                "subtotal": money(-total),
                "total": money(-total),
                "meta_data": [
                    {"id": shop.new_id(), "key": "_refunded_item_id", "value": str(line["id"])}
                ],
            }
        )
    amount = _decimal(body["amount"]) if body.get("amount") not in (None, "") else worth
    remaining = Decimal(order["total"]) - _refunded_total(shop, order)
    if amount <= 0 or amount > remaining:
        raise ApiError(400, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
    refund = {
        "id": shop.new_id(),
        "date_created_gmt": shop.now_gmt(),
        "amount": money(amount),
        "reason": str(body.get("reason") or ""),
        "refunded_by": 1,
        "refunded_payment": body.get("api_refund", True) is not False,
        "meta_data": [],
        "line_items": refund_lines,
    }
    for row in body.get("meta_data") or []:
        if isinstance(row, dict) and row.get("key"):
            set_meta(refund, str(row["key"]), row.get("value"), shop)
    shop.refunds.setdefault(order["id"], []).append(refund)
    order["refunds"].append(
        {"id": refund["id"], "reason": refund["reason"], "total": money(-amount)}
    )
    if _refunded_total(shop, order) >= Decimal(order["total"]):
        shop.status_before_refund[order["id"]] = order["status"]
        order["status"] = "refunded"
    _touch(shop, order)
    return refund


def refund_delete(shop: WooStandIn, order: dict[str, Any], refund_id: int) -> dict[str, Any]:
    held = shop.refunds.get(order["id"], [])
    refund = next((r for r in held if r["id"] == refund_id), None)
    if refund is None:
        raise ApiError(404, "woocommerce_rest_invalid_id", "Invalid ID.")
    held.remove(refund)
    order["refunds"] = [r for r in order["refunds"] if r["id"] != refund_id]
    if order["status"] == "refunded":
        order["status"] = shop.status_before_refund.pop(order["id"], "processing")
    _touch(shop, order)
    return refund


def webhook_create(shop: WooStandIn, body: dict[str, Any]) -> dict[str, Any]:
    topic = str(body.get("topic") or "")
    url = str(body.get("delivery_url") or "")
    if not topic or not url.startswith(("https://", "http://")):
        raise ApiError(400, "rest_invalid_param", "Invalid parameter(s): topic, delivery_url")
    hook = {
        "id": shop.new_id(),
        "name": str(body.get("name") or topic),
        "status": str(body.get("status") or "active"),
        "topic": topic,
        "resource": topic.split(".")[0],
        "event": topic.split(".")[-1],
        "delivery_url": url,
        "secret": str(body.get("secret") or ""),
        "failure_count": 0,
        "date_created_gmt": shop.now_gmt(),
    }
    shop.webhooks[int(str(hook["id"]))] = hook
    return {k: v for k, v in hook.items() if k != "secret"}
