"""A stand-in for EasyPost's v2 API: return shipments, rates, labels, refunds and trackers.

Shaped like docs.easypost.com (objects with `id`/`object`/`mode`, amounts as strings, errors
as `{"error": {"code", "message", "errors"}}`), keyed by API key so two stores' accounts
never see each other's objects (another account's id is a 404, as on EasyPost).

`mount(client)` puts an `easypost.EasyPostClient` on the stand-in. Faults a test can set:
`no_rates_zips` (carriers answer `messages[]` rate errors), `invalid_zips` (422 address),
`wallet_empty` (402 on buy), `fail_next` (status codes answered to the next calls).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from standins.requests_transport import Answer, Call, StandInAdapter

API = "https://api.easypost.com"

# (carrier, service, rate, delivery_days) offered for every parcel.
DEFAULT_RATES: tuple[tuple[str, str, str, int], ...] = (
    ("USPS", "GroundAdvantage", "6.95", 5),
    ("USPS", "Priority", "9.40", 2),
    ("UPS", "Ground", "11.20", 4),
    ("FedEx", "FEDEX_2_DAY", "24.80", 2),
)

# The documented test tracking codes and the status each reports.
TEST_CODES = {
    "EZ1000000001": "pre_transit",
    "EZ2000000002": "in_transit",
    "EZ3000000003": "out_for_delivery",
    "EZ4000000004": "delivered",
    "EZ5000000005": "return_to_sender",
    "EZ6000000006": "failure",
    "EZ7000000007": "unknown",
}


def _error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message, "errors": []}})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    shipments: dict[str, dict[str, Any]] = field(default_factory=dict)
    trackers: dict[str, dict[str, Any]] = field(default_factory=dict)
    purchases: int = 0
    trackers_created: int = 0  # new Tracker objects (a duplicate code returns the old one)


class EasyPostStandIn:
    def __init__(self, api_keys: tuple[str, ...] = ("EZTKstandin",)) -> None:
        self.accounts: dict[str, Account] = {key: Account() for key in api_keys}
        self.rates = DEFAULT_RATES
        self.no_rates_zips: set[str] = set()
        self.invalid_zips: set[str] = set()
        self.wallet_empty = False
        self.fail_next: list[int] = []
        self.calls: list[Call] = []
        self._ids = itertools.count(1)

    # ------------------------------------------------------------ plumbing

    def adapter(self) -> StandInAdapter:
        return StandInAdapter(self.handle)

    def mount(self, client: Any) -> Any:
        """Send `client`'s requests here (the SDK keeps its requests.Session there)."""
        client._requests_session.mount(API, self.adapter())
        return client

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):032x}"

    def handle(self, call: Call) -> Answer:
        self.calls.append(call)
        if self.fail_next:
            status = self.fail_next.pop(0)
            if status == 429:
                return _error(429, "RATE_LIMITED", "You have exceeded the rate limit.")
            return _error(status, "INTERNAL_SERVER_ERROR", "Something went wrong on our end.")
        token = call.headers.get("Authorization", "").removeprefix("Bearer ")
        account = self.accounts.get(token)
        if account is None:
            return _error(401, "APIKEY.INACTIVE", "This api key is no longer active.")
        parts = call.path.strip("/").split("/")[1:]  # drop "v2"
        route = (call.method, parts[0] if parts else "", len(parts), parts[-1])
        match route:
            case ("POST", "shipments", 1, _):
                return self._create_shipment(account, call.json().get("shipment") or {})
            case ("GET", "shipments", 2, _):
                return self._found(account.shipments.get(parts[1]))
            case ("POST", "shipments", 3, "buy"):
                return self._buy(account, parts[1], call.json())
            case ("POST", "shipments", 3, "refund"):
                return self._refund(account, parts[1])
            case ("POST", "trackers", 1, _):
                return self._create_tracker(account, call.json().get("tracker") or {})
            case ("GET", "trackers", 2, _):
                return self._found(account.trackers.get(parts[1]))
        return _error(404, "NOT_FOUND", "The requested resource could not be found.")

    @staticmethod
    def _found(obj: dict[str, Any] | None) -> Answer:
        if obj is None:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        return Answer(200, obj)

    # ------------------------------------------------------------ shipments

    def _address(self, given: dict[str, Any]) -> dict[str, Any]:
        return {"id": self._id("adr"), "object": "Address", "mode": "test", **given}

    def _create_shipment(self, account: Account, given: dict[str, Any]) -> Answer:
        to_address = given.get("to_address") or {}
        from_address = given.get("from_address") or {}
        for address in (to_address, from_address):
            if not address.get("street1") or str(address.get("zip")) in self.invalid_zips:
                return _error(
                    422,
                    "ADDRESS.VERIFY.FAILURE",
                    "Unable to verify address.",
                )
        parcel = given.get("parcel") or {}
        if not parcel.get("weight"):
            return _error(422, "PARCEL.WEIGHT.MISSING", "Parcel weight is required.")
        shipment_id = self._id("shp")
        rates: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        if {str(to_address.get("zip")), str(from_address.get("zip"))} & self.no_rates_zips:
            messages = [
                {
                    "carrier": carrier,
                    "carrier_account_id": f"ca_{carrier.lower()}",
                    "type": "rate_error",
                    "message": "Invalid postal code for this service.",
                }
                for carrier in sorted({r[0] for r in self.rates})
            ]
        else:
            rates = [
                {
                    "id": self._id("rate"),
                    "object": "Rate",
                    "mode": "test",
                    "carrier": carrier,
                    "service": service,
                    "rate": amount,
                    "currency": "USD",
                    "retail_rate": None,
                    "list_rate": amount,
                    "delivery_days": days,
                    "est_delivery_days": days,
                    "shipment_id": shipment_id,
                    "carrier_account_id": f"ca_{carrier.lower()}",
                }
                for carrier, service, amount, days in self.rates
            ]
        shipment = {
            "id": shipment_id,
            "object": "Shipment",
            "mode": "test",
            "created_at": _now(),
            "is_return": bool(given.get("is_return")),
            "reference": given.get("reference"),
            "to_address": self._address(to_address),
            "from_address": self._address(from_address),
            "parcel": {"id": self._id("prcl"), "object": "Parcel", **parcel},
            "rates": rates,
            "messages": messages,
            "selected_rate": None,
            "postage_label": None,
            "tracking_code": None,
            "tracker": None,
            "refund_status": None,
            "status": "unknown",
        }
        account.shipments[shipment_id] = shipment
        return Answer(201, shipment)

    def _buy(self, account: Account, shipment_id: str, body: dict[str, Any]) -> Answer:
        shipment = account.shipments.get(shipment_id)
        if shipment is None:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        if shipment["postage_label"] is not None:
            return _error(
                422, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment."
            )
        rate_id = (body.get("rate") or {}).get("id")
        rate = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
        if rate is None:
            return _error(422, "SHIPMENT.RATE.INVALID", "The rate is not valid for this shipment.")
        if self.wallet_empty:
            return _error(402, "PAYMENT.INSUFFICIENT_FUNDS", "Insufficient funds.")
        account.purchases += 1
        tracking_code = f"EZ2{next(self._ids):09d}"
        tracker = self._tracker(account, tracking_code, rate["carrier"], "pre_transit")
        tracker["shipment_id"] = shipment_id
        shipment.update(
            selected_rate=rate,
            tracking_code=tracking_code,
            tracker=tracker,
            status="unknown",
            postage_label={
                "id": self._id("pl"),
                "object": "PostageLabel",
                "label_file_type": "image/png",
                "label_url": f"https://easypost-files.s3.amazonaws.com/files/postage_label/{shipment_id}.png",
                "label_date": _now(),
            },
        )
        return Answer(200, shipment)

    def _refund(self, account: Account, shipment_id: str) -> Answer:
        shipment = account.shipments.get(shipment_id)
        if shipment is None:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        if shipment["postage_label"] is None or shipment["refund_status"] is not None:
            return _error(422, "SHIPMENT.REFUND.UNAVAILABLE", "This shipment cannot be refunded.")
        shipment["refund_status"] = "submitted"
        return Answer(200, shipment)

    # ------------------------------------------------------------ trackers

    def _tracker(
        self, account: Account, tracking_code: str, carrier: str, status: str
    ) -> dict[str, Any]:
        for tracker in account.trackers.values():
            # Same code and carrier within ~3 months: EasyPost returns the existing tracker.
            if tracker["tracking_code"] == tracking_code and tracker["carrier"] == carrier:
                return tracker
        account.trackers_created += 1
        tracker_id = self._id("trk")
        tracker = {
            "id": tracker_id,
            "object": "Tracker",
            "mode": "test",
            "tracking_code": tracking_code,
            "carrier": carrier,
            "status": status,
            "status_detail": "status_update",
            "est_delivery_date": None,
            "signed_by": None,
            "shipment_id": None,
            "public_url": f"https://track.easypost.com/{tracker_id}",
            "weight": None,
            "fees": [],
            "carrier_detail": {
                "object": "CarrierDetail",
                "service": None,
                "container_type": None,
                "est_delivery_date_local": None,
                "est_delivery_time_local": None,
                "origin_location": None,
                "destination_location": None,
            },
            "tracking_details": [],
            "created_at": _now(),
            "updated_at": _now(),
        }
        account.trackers[tracker_id] = tracker
        self.advance(tracker, status)
        return tracker

    def _create_tracker(self, account: Account, given: dict[str, Any]) -> Answer:
        code = str(given.get("tracking_code") or "")
        carrier = str(given.get("carrier") or "")
        if not code:
            return _error(422, "TRACKER.TRACKING_CODE.MISSING", "Missing tracking code.")
        if not carrier:
            if code not in TEST_CODES:
                return _error(422, "TRACKER.CARRIER.UNDETECTABLE", "Unable to detect the carrier.")
            carrier = "USPS"
        return Answer(201, self._tracker(account, code, carrier, TEST_CODES.get(code, "unknown")))

    def advance(self, tracker: dict[str, Any], status: str, message: str = "") -> dict[str, Any]:
        """Move a tracker to `status` with a new scan (what EasyPost's carriers report)."""
        if status == "unknown":
            return tracker
        tracker["status"] = status
        tracker["updated_at"] = _now()
        if status == "delivered":
            tracker["signed_by"] = "John Tester"  # what EasyPost's test delivered code reports
        if status in ("in_transit", "out_for_delivery"):
            when = datetime.now(UTC) + timedelta(days=2)
            tracker["est_delivery_date"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        tracker["tracking_details"].append(
            {
                "object": "TrackingDetail",
                "status": status,
                "status_detail": "status_update",
                "message": message or status.replace("_", " ").capitalize(),
                "datetime": _now(),
                "source": tracker["carrier"],
                "tracking_location": {
                    "object": "TrackingLocation",
                    "city": "Springfield",
                    "state": "IL",
                    "country": "US",
                    "zip": "62704",
                },
            }
        )
        return tracker

    def tracker_of(self, api_key: str, tracker_id: str) -> dict[str, Any]:
        return self.accounts[api_key].trackers[tracker_id]

    def event(self, tracker: dict[str, Any], description: str = "tracker.updated") -> bytes:
        """A webhook Event carrying `tracker` as its result, as EasyPost POSTs it."""
        return json.dumps(
            {
                "id": self._id("evt"),
                "object": "Event",
                "mode": tracker.get("mode", "test"),
                "description": description,
                "status": "pending",
                "created_at": _now(),
                "updated_at": _now(),
                "previous_attributes": {},
                "pending_urls": [],
                "completed_urls": [],
                "result": json.loads(json.dumps(tracker)),
            }
        ).encode()


def sign(body: bytes, secret: str) -> str:
    """The `X-Hmac-Signature` EasyPost sends: HMAC-SHA256 hex of the raw body, NFKD secret."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()
