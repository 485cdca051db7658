"""Changes to an order: cancel, shipping address, note and tags.

Each reads the order fresh from Shopify first (never from the snapshot: a decision to
change an order must see its current state) and writes what Shopify returns back into
the snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from apps.core.redis import get_redis
from apps.integrations.commerce.base import (
    Address,
    CancelResult,
    OrderInfo,
    OrderNotFound,
    PlatformRejected,
)
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import user_error_rejection
from apps.integrations.commerce.shopify.lookups import OrderLookups
from apps.integrations.commerce.shopify.refunds import action_reference, validate_key

CANCEL_REASONS = {"customer", "declined", "fraud", "inventory", "staff", "other"}
# orderCancel runs as a job: look a few times (about 7 s in all), then report it pending.
JOB_POLL_DELAYS = (0.5, 1.0, 1.5, 2.0, 2.0)
_NOTE_ADDITION_MAX = 1000
_CANCEL_MEMORY_SECONDS = 30 * 24 * 3600
_local_cancels: dict[str, str] = {}
_TAG_MAX = 40


class OrderEdits:
    def __init__(
        self,
        client: ShopifyClient,
        lookups: OrderLookups,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.lookups = lookups
        self._sleep = sleep

    def _current(self, order_id: str) -> OrderInfo:
        order = self.lookups.fetch(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        return order

    # ------------------------------------------------------------ cancel

    def cancel(
        self,
        *,
        order_id: str,
        reason: str,
        refund: bool,
        restock: bool,
        idempotency_key: str,
        notify_customer: bool,
    ) -> CancelResult:
        """Cancel once: an order already cancelled (by us or anyone) is reported, not re-sent."""
        validate_key(idempotency_key)
        order = self._current(order_id)
        reference = action_reference(idempotency_key)
        if order.is_cancelled:
            if self._cancelled_by(order_id) != reference:
                raise PlatformRejected("The order is already cancelled.", code="ALREADY_CANCELLED")
            return CancelResult(
                order_id=order_id,
                refunded=order.financial_status in ("refunded", "voided"),
                evidence={"platform": "shopify", "already_cancelled": True, "replayed": True},
            )
        if any(f.status not in ("cancelled", "failure") for f in order.fulfillments):
            raise PlatformRejected(
                "Part of the order has shipped, so it can't be cancelled.",
                code="ALREADY_FULFILLED",
            )
        variables: dict[str, Any] = {
            "orderId": order_id,
            "reason": _cancel_reason(reason),
            "restock": restock,
            "notifyCustomer": notify_customer,
            "staffNote": f"Cancelled by the Aftersale agent [{reference}]",
        }
        if refund:
            variables["refundMethod"] = {"originalPaymentMethodsRefund": True}
        data = self.client.execute(documents.ORDER_CANCEL, variables)
        payload = (data or {}).get("orderCancel") or {}
        if payload.get("orderCancelUserErrors"):
            raise user_error_rejection(payload["orderCancelUserErrors"])
        self._remember_cancel(order_id, reference)
        job = payload.get("job") or {}
        done = bool(job.get("done")) or self._wait_for_job(str(job.get("id") or ""))
        if done:
            self.lookups.fetch(order_id)
        return CancelResult(
            order_id=order_id,
            refunded=refund,
            evidence={"platform": "shopify", "job_id": job.get("id"), "job_done": done},
        )

    def _remember_cancel(self, order_id: str, reference: str) -> None:
        # Which action cancelled the order: its retry is answered, anyone else's refused.
        redis = get_redis()
        if redis is not None:
            redis.set(f"shopify:cancelled-by:{order_id}", reference, ex=_CANCEL_MEMORY_SECONDS)
        else:
            _local_cancels[order_id] = reference

    def _cancelled_by(self, order_id: str) -> str:
        redis = get_redis()
        if redis is None:
            return _local_cancels.get(order_id, "")
        raw = redis.get(f"shopify:cancelled-by:{order_id}")
        return raw.decode() if isinstance(raw, bytes) else str(raw or "")

    def _wait_for_job(self, job_id: str) -> bool:
        if not job_id:
            return False
        for delay in JOB_POLL_DELAYS:
            self._sleep(delay)
            data = self.client.execute(documents.JOB_STATUS, {"id": job_id})
            if ((data or {}).get("job") or {}).get("done"):
                return True
        return False

    # ------------------------------------------------------------ address

    def update_shipping_address(self, *, order_id: str, address: Address) -> OrderInfo:
        """Only before anything shipped. Raises PlatformRejected once it has."""
        order = self._current(order_id)
        if order.is_cancelled:
            raise PlatformRejected("The order is cancelled.", code="ORDER_CANCELLED")
        shipped = [f for f in order.fulfillments if f.status not in ("cancelled", "failure")]
        if shipped or order.fulfillment_status not in ("unfulfilled", "on_hold"):
            raise PlatformRejected(
                "The order has already been fulfilled, so its address can't change.",
                code="ALREADY_FULFILLED",
                field="shippingAddress",
            )
        country = address.country_code or (
            order.shipping_address.country_code if order.shipping_address else ""
        )
        if not address.address1 or not address.city or not country:
            raise PlatformRejected(
                "A new address needs a street, a city and a country.",
                code="INCOMPLETE_ADDRESS",
                field="shippingAddress",
            )
        return self._update({"id": order_id, "shippingAddress": _address_input(address, country)})

    # ------------------------------------------------------------ note and tags

    def add_note(self, *, order_id: str, note: str, tags: list[str]) -> None:
        """Append (never overwrite) the note; add tags. A repeat of the same note is a no-op."""
        addition = " ".join(note.split())[:_NOTE_ADDITION_MAX] if note else ""
        clean_tags = _clean_tags(tags)
        if not addition and not clean_tags:
            return
        if addition:
            data = self.client.execute(documents.ORDER_NOTE, {"id": order_id})
            current = ((data or {}).get("order") or {}).get("note")
            if (data or {}).get("order") is None:
                raise OrderNotFound(order_id)
            current = str(current or "")
            if addition not in current:
                joined = f"{current.rstrip()}\n{addition}" if current.strip() else addition
                self._update({"id": order_id, "note": joined})
        if clean_tags:
            data = self.client.execute(
                documents.TAGS_ADD,
                {"id": order_id, "tags": clean_tags, **documents.LIVE.variables()},
            )
            payload = (data or {}).get("tagsAdd") or {}
            if payload.get("userErrors"):
                raise user_error_rejection(payload["userErrors"])
            node = payload.get("node")
            if not node:
                raise OrderNotFound(order_id)
            if node.get("updatedAt"):
                self.lookups.remember(node)

    def _update(self, order_input: dict[str, Any]) -> OrderInfo:
        data = self.client.execute(
            documents.ORDER_UPDATE, {"input": order_input, **documents.LIVE.variables()}
        )
        payload = (data or {}).get("orderUpdate") or {}
        if payload.get("userErrors"):
            raise user_error_rejection(payload["userErrors"])
        node = payload.get("order")
        if not node:
            raise OrderNotFound(str(order_input["id"]))
        return self.lookups.remember(node)


def _cancel_reason(reason: str) -> str:
    word = (reason or "").strip().lower()
    return word.upper() if word in CANCEL_REASONS else "CUSTOMER"


def _address_input(address: Address, country_code: str) -> dict[str, str]:
    first, _, last = address.name.strip().partition(" ")
    fields = {
        "firstName": first,
        "lastName": last,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "zip": address.zip,
        "countryCode": country_code.upper(),
        "phone": address.phone,
    }
    # MailingAddressInput takes a province *code* (ON, CA, NSW).
    province = address.province.strip()
    if province and len(province) <= 3:
        fields["provinceCode"] = province.upper()
    return {k: v for k, v in fields.items() if v}


def _clean_tags(tags: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for tag in tags or []:
        text = " ".join(str(tag).replace(",", " ").split())[:_TAG_MAX]
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return list(seen.values())
