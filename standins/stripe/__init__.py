"""A stand-in for Stripe's v1 refunds API, with its idempotency behaviour and error objects.

Shaped like docs.stripe.com/api: form-encoded POSTs, `{"object": "list", "data", "has_more"}`
lists, error objects `{"error": {"type", "code", "message", "param"}}`, amounts in minor
units. Idempotency as documented (docs.stripe.com/api/idempotent_requests): the first answer
to a key — a 500 included — is stored and replayed with `Idempotent-Replayed: true`; the same
key with other parameters is an `idempotency_error`. `expire_keys()` plays the 24 h pruning.

Accounts are keyed by secret key; another account's objects are `resource_missing`.
Faults: `fail_next` (statuses answered before the request is processed), `fail_after_create`
(the refund is made, then a 500 is answered and stored for the key), `no_refund_permission`
(restricted keys without rak_refund_write: 403).
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests
import stripe

from standins.requests_transport import Answer, Call, StandInAdapter

API = "https://api.stripe.com"


def _error(status: int, type_: str, message: str, code: str = "", param: str = "") -> Answer:
    error: dict[str, Any] = {"type": type_, "message": message}
    if code:
        error["code"] = code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        error["param"] = param
    headers = {"Stripe-Should-Retry": "false"} if status >= 500 else {}
    return Answer(status, {"error": error}, headers)


def _missing(kind: str, object_id: str, param: str = "id") -> Answer:
    return _error(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing", param
    )


@dataclass
class Payment:
    intent_id: str
    charge_id: str
    amount: int
    currency: str
    refunded: int = 0
    email: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class Account:
    payments: dict[str, Payment] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, tuple[str, Answer]] = field(default_factory=dict)  # idempotency key →
    created: int = 0


class StripeStandIn:
    def __init__(self, api_keys: tuple[str, ...] = ("sk_test_standin",)) -> None:
        self.accounts: dict[str, Account] = {key: Account() for key in api_keys}
        self.no_refund_permission: set[str] = set()
        self.fail_next: list[int] = []
        self.fail_after_create = 0
        self.calls: list[Call] = []
        self._ids = itertools.count(1)

    # ------------------------------------------------------------ plumbing

    def http_client(self) -> stripe.RequestsClient:
        session = requests.Session()
        session.mount(API, StandInAdapter(self.handle))
        return stripe.RequestsClient(session=session)

    def client(self, api_key: str, max_network_retries: int = 0) -> stripe.StripeClient:
        return stripe.StripeClient(
            api_key, http_client=self.http_client(), max_network_retries=max_network_retries
        )

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):024d}"

    def add_payment(
        self,
        api_key: str,
        amount: int,
        currency: str = "usd",
        *,
        email: str = "",
        metadata: dict[str, str] | None = None,
    ) -> Payment:
        payment = Payment(
            self._id("pi"), self._id("ch"), amount, currency, 0, email, dict(metadata or {})
        )
        self.accounts[api_key].payments[payment.intent_id] = payment
        return payment

    def expire_keys(self) -> None:
        """Stripe prunes idempotency keys after ≥ 24 h: a reuse is then a new request."""
        for account in self.accounts.values():
            account.keys.clear()

    def handle(self, call: Call) -> Answer:
        self.calls.append(call)
        if self.fail_next:
            return _error(self.fail_next.pop(0), "api_error", "An unknown error occurred.")
        token = call.headers.get("Authorization", "").removeprefix("Bearer ")
        account = self.accounts.get(token)
        if account is None:
            return _error(401, "invalid_request_error", "Invalid API Key provided: sk_***")
        parts = call.path.strip("/").split("/")[1:]  # drop "v1"
        if call.method == "GET" and len(parts) == 2 and parts[0] in ("payment_intents", "charges"):
            return self._payment_object(account, parts[0], parts[1], call.query)
        if parts[:1] != ["refunds"]:
            return _error(404, "invalid_request_error", f"Unrecognized request URL ({call.path}).")
        if call.method == "POST" and len(parts) == 1:
            return self._idempotent(token, account, call)
        if call.method == "GET" and len(parts) == 1:
            return self._list(account, call.query)
        if call.method == "GET" and len(parts) == 2:
            refund = account.refunds.get(parts[1])
            return Answer(200, refund) if refund else _missing("refund", parts[1])
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({call.path}).")

    # ------------------------------------------------------------ payments

    def _payment_object(
        self, account: Account, kind: str, object_id: str, query: dict[str, str]
    ) -> Answer:
        if kind == "payment_intents":
            payment = account.payments.get(object_id)
        else:
            payment = next((p for p in account.payments.values() if p.charge_id == object_id), None)
        if payment is None:
            return _missing("payment_intent" if kind == "payment_intents" else "charge", object_id)
        charge = {
            "id": payment.charge_id,
            "object": "charge",
            "amount": payment.amount,
            "amount_captured": payment.amount,
            "amount_refunded": payment.refunded,
            "currency": payment.currency,
            "payment_intent": payment.intent_id,
            "receipt_email": payment.email or None,
            "billing_details": {"email": payment.email or None},
            "metadata": payment.metadata,
            "refunded": payment.refunded >= payment.amount,
            "status": "succeeded",
        }
        if kind == "charges":
            return Answer(200, charge)
        expanded = any(v == "latest_charge" for k, v in query.items() if k.startswith("expand"))
        return Answer(
            200,
            {
                "id": payment.intent_id,
                "object": "payment_intent",
                "amount": payment.amount,
                "amount_received": payment.amount,
                "currency": payment.currency,
                "latest_charge": charge if expanded else payment.charge_id,
                "metadata": payment.metadata,
                "receipt_email": payment.email or None,
                "status": "succeeded",
            },
        )

    # ------------------------------------------------------------ refunds

    def _idempotent(self, token: str, account: Account, call: Call) -> Answer:
        key = call.headers.get("Idempotency-Key", "")
        fingerprint = json.dumps(sorted(call.form().items()))
        if key in account.keys:
            first, answer = account.keys[key]
            if first != fingerprint:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                )
            return Answer(
                answer.status, answer.body, {**answer.headers, "Idempotent-Replayed": "true"}
            )
        answer = self._create(token, account, call.form())
        if answer.status < 300 and self.fail_after_create:
            self.fail_after_create -= 1
            answer = _error(500, "api_error", "An unknown error occurred.")
        if key and answer.status not in (401, 403, 429):
            account.keys[key] = (fingerprint, answer)
        return answer

    def _create(self, token: str, account: Account, form: dict[str, str]) -> Answer:
        if token in self.no_refund_permission:
            return _error(
                403,
                "invalid_request_error",
                f"The provided key '{token[:8]}***' does not have the required permissions for "
                "this endpoint on account 'acct_standin'. Having the 'rak_refund_write' "
                "permission would allow this request to continue.",
            )
        payment = self._payment(account, form)
        if payment is None:
            ref = form.get("payment_intent") or form.get("charge") or ""
            param = "payment_intent" if "payment_intent" in form else "charge"
            return _missing(param, ref, param)
        remaining = payment.amount - payment.refunded
        amount = int(form["amount"]) if form.get("amount") else remaining
        if remaining <= 0:
            return _error(
                400,
                "invalid_request_error",
                f"Charge {payment.charge_id} has already been refunded.",
                "charge_already_refunded",
            )
        if amount <= 0 or amount > remaining:
            return _error(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                "amount_too_large",
                "amount",
            )
        payment.refunded += amount
        account.created += 1
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": self._id("txn"),
            "charge": payment.charge_id,
            "created": int(time.time()),
            "currency": payment.currency,
            "metadata": {
                k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")
            },
            "payment_intent": payment.intent_id,
            "reason": form.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        account.refunds[refund["id"]] = refund
        return Answer(200, refund)

    @staticmethod
    def _payment(account: Account, form: dict[str, str]) -> Payment | None:
        if "payment_intent" in form:
            return account.payments.get(form["payment_intent"])
        charge = form.get("charge")
        return next((p for p in account.payments.values() if p.charge_id == charge), None)

    def _list(self, account: Account, query: dict[str, str]) -> Answer:
        payment = self._payment(account, query)
        refunds = sorted(
            (
                r
                for r in account.refunds.values()
                if payment is not None and r["payment_intent"] == payment.intent_id
            ),
            key=lambda r: r["id"],
            reverse=True,  # newest first, as Stripe lists
        )
        if "starting_after" in query:
            ids = [r["id"] for r in refunds]
            start = ids.index(query["starting_after"]) + 1 if query["starting_after"] in ids else 0
            refunds = refunds[start:]
        limit = max(1, min(100, int(query.get("limit") or 10)))
        page = refunds[:limit]
        return Answer(
            200,
            {
                "object": "list",
                "data": page,
                "has_more": len(refunds) > limit,
                "url": "/v1/refunds",
            },
        )

    def settle(self, api_key: str, refund_id: str, status: str, reason: str = "") -> dict[str, Any]:
        """The refund's later fate (e.g. `failed`: the card was closed), as Stripe reports it."""
        refund = self.accounts[api_key].refunds[refund_id]
        refund["status"] = status
        if status == "failed":
            refund["failure_reason"] = reason or "expired_or_canceled_card"
            for payment in self.accounts[api_key].payments.values():
                if payment.intent_id == refund["payment_intent"]:
                    payment.refunded -= refund["amount"]
        return refund

    def event(self, type_: str, obj: dict[str, Any], livemode: bool = False) -> bytes:
        """A v1 snapshot Event as Stripe POSTs it to an endpoint."""
        return json.dumps(
            {
                "id": self._id("evt"),
                "object": "event",
                "api_version": stripe.api_version,
                "created": int(time.time()),
                "data": {"object": obj},
                "livemode": livemode,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": type_,
            }
        ).encode()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header: t=…,v1=hex HMAC-SHA256 of "{t}.{body}"."""
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp or int(time.time())
    )
