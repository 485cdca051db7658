"""A local stand-in for SendGrid's Mail Send and Twilio's Messages API, over real HTTP.

The official SDKs talk to it unchanged (SendGrid through `host=`, Twilio through the sender's
`api_base`), so tests and benchmarks exercise their HTTP layers. Answers are shaped like the
documented ones (reference §5–6): SendGrid 202 with `X-Message-Id`, `{"errors": [...]}` on 4xx;
Twilio 201 with the Message resource, `{"code", "message", "status"}` errors, and the test
credentials' magic numbers. `fail_next` queues faults, including "accepted, then answered 500".
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SENDGRID_KEY = "SG.standin-key-0123456789.abcdefghijklmnopqrstuvwxyz"
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "standin-auth-token"
# A Standard API key of the same account: sends as the account, authenticated as the key.
TWILIO_API_KEY_SID = "SK" + "0" * 31 + "2"
TWILIO_API_KEY_SECRET = "standin-api-key-secret"
TWILIO_SERVICE_NUMBER = "+15005550006"
BAD_KEY = "The provided authorization grant is invalid, expired, or revoked"
INVALID_EMAIL_DOMAIN = "invalid.example"  # SendGrid answers 400 for these recipients

# Twilio test credentials' magic To numbers (twilio.com/docs/iam/test-credentials).
TWILIO_MAGIC_TO = {
    "+15005550001": (21211, "The 'To' number is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


@dataclass
class Fault:
    status: int
    accept: bool = False  # take the message, then answer `status` anyway


@dataclass
class State:
    emails: list[dict[str, Any]] = field(default_factory=list)
    sms: list[dict[str, Any]] = field(default_factory=list)
    # Each SMS's sid -> who authenticated its create (the Account SID, or an API key SID).
    sms_senders: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, *, accept: bool = False) -> None:
        with self.lock:
            self.faults.append(Fault(status, accept))

    def _fault(self) -> Fault | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None


class MessagingStandIn:
    """Serves on 127.0.0.1 (`port`, else a free one) in a daemon thread; a context manager."""

    def __init__(self, port: int = 0) -> None:
        self.state = State()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> MessagingStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        if path == "/v3/mail/send":
            self._sendgrid_send(raw)
        elif path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
            self._twilio_create(raw)
        else:
            self._answer(404, {"message": "not found"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        prefix = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages"
        if not self._twilio_authorized():
            return
        if parts.path == prefix + ".json":
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            found = [
                m
                for m in reversed(self.state.sms)
                if query.get("To", m["to"]) == m["to"] and query.get("From", m["from"]) == m["from"]
            ]
            size = int(query.get("PageSize", "50"))
            self._answer(
                200, {"messages": found[:size], "next_page_uri": None, "page": 0, "page_size": size}
            )
            return
        for message in self.state.sms:
            if parts.path == f"{prefix}/{message['sid']}.json":
                self._answer(200, message)
                return
        self._answer(
            404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        )

    # ---------------------------------------------------------------- SendGrid

    def _sendgrid_send(self, raw: bytes) -> None:
        if self.headers.get("Authorization") != f"Bearer {SENDGRID_KEY}":
            self._answer(
                401,
                {
                    "errors": [
                        {
                            "field": None,
                            "message": BAD_KEY,
                        }
                    ]
                },
            )
            return
        body = json.loads(raw)
        recipient = body["personalizations"][0]["to"][0]["email"]
        if recipient.endswith("@" + INVALID_EMAIL_DOMAIN):
            self._answer(
                400,
                {
                    "errors": [
                        {
                            "field": "personalizations.0.to.0.email",
                            "message": "Does not contain a valid address.",
                        }
                    ]
                },
            )
            return
        fault = self.state._fault()
        if fault and not fault.accept:
            self._answer(fault.status, {"errors": [{"field": None, "message": "Internal error"}]})
            return
        message_id = uuid.uuid4().hex[:22]
        with self.state.lock:
            self.state.emails.append({"id": message_id, "body": body})
        if fault:
            self._answer(fault.status, {"errors": [{"field": None, "message": "Internal error"}]})
            return
        sandbox = body.get("mail_settings", {}).get("sandbox_mode", {}).get("enable") is True
        self._answer(200 if sandbox else 202, None, {"X-Message-Id": message_id})

    # ---------------------------------------------------------------- Twilio

    def _twilio_authorized(self) -> bool:
        pairs = ((TWILIO_SID, TWILIO_TOKEN), (TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET))
        for user, password in pairs:
            expected = base64.b64encode(f"{user}:{password}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {expected}":
                self.twilio_user = user
                return True
        self._answer(
            401,
            {
                "code": 20003,
                "message": "Authenticate",
                "more_info": "https://www.twilio.com/docs/errors/20003",
                "status": 401,
            },
        )
        return False

    def _twilio_create(self, raw: bytes) -> None:
        if not self._twilio_authorized():
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if form.get("To") in TWILIO_MAGIC_TO:
            code, text = TWILIO_MAGIC_TO[form["To"]]
            self._answer(
                400,
                {
                    "code": code,
                    "message": text,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": 400,
                },
            )
            return
        if not form.get("From") and not form.get("MessagingServiceSid"):
            self._answer(
                400,
                {"code": 21603, "message": "A 'From' phone number is required.", "status": 400},
            )
            return
        fault = self.state._fault()
        if fault and not fault.accept:
            self._answer(
                fault.status,
                {"code": 20500, "message": "Internal Server Error", "status": fault.status},
            )
            return
        now = format_datetime(datetime.now(UTC), usegmt=True)
        sid = "SM" + uuid.uuid4().hex
        message = {
            "sid": sid,
            "account_sid": TWILIO_SID,
            "to": form.get("To"),
            # Through a Messaging Service, Twilio picks a number of its pool.
            "from": form.get("From") or TWILIO_SERVICE_NUMBER,
            "body": form.get("Body", ""),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "status_callback": form.get("StatusCallback"),
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
        }
        with self.state.lock:
            self.state.sms.append(message)
            self.state.sms_senders[sid] = getattr(self, "twilio_user", "")
        if fault:
            self._answer(
                fault.status,
                {"code": 20500, "message": "Internal Server Error", "status": fault.status},
            )
            return
        self._answer(201, message)

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
