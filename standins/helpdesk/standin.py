"""What the four helpdesk stand-ins share: state, auth, fault injection, ids.

A stand-in is a small stateful fake of one provider's REST API (mounted with respx) and a
source of its webhooks, answering in the shapes documented in reference/helpdesks.md. It
keeps what a test needs to see from the provider's side: each thread's messages, who wrote
them, whether they are public, and whether the helpdesk delivered them to the customer.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from apps.integrations.helpdesk.base import Credentials, Tenant, WebhookRequest

Handler = Callable[[httpx.Request, list[str]], httpx.Response]


@dataclass
class StoredMessage:
    id: str
    author: str  # "customer" | "bot" | "agent" | "automation"
    public: bool
    body: str
    notified: bool  # the helpdesk sent it to the customer on its channel
    external_id: str = ""
    author_id: str = ""


@dataclass
class StoredThread:
    id: str
    customer_id: str
    external_id: str
    subject: str
    status: str
    tags: list[str] = field(default_factory=list)
    assignee: str = ""
    team: str = ""  # Gorgias team, Zendesk group, Front inbox, Intercom team
    messages: list[StoredMessage] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """The next matching request fails this way. `lost` runs the request, then loses the
    answer (a timeout after the provider committed: the case idempotency exists for)."""

    kind: str  # "429" | "500" | "401" | "lost"
    method: str = ""
    path_contains: str = ""
    retry_after: int = 7


class StandIn:
    provider = ""
    host = ""
    prefix = ""
    channel_ref = ""
    # The provider's documented limit (reference/helpdesks.md), enforced once
    # `enforce_limit()` is called: (calls, seconds) in any sliding stretch of that length,
    # or with `leaky`, a bucket of `calls` draining calls/seconds each second.
    documented_limit: tuple[int, float] = (0, 0.0)
    leaky = False

    def __init__(self, tenant_key: str, *, bot_id: str, agent_id: str, secret: str) -> None:
        self.tenant_key = tenant_key
        self.bot_id = bot_id
        self.agent_id = agent_id  # a human teammate in the merchant's helpdesk
        self.webhook_secret = secret
        self.token = f"token-{tenant_key}"
        # What the provider's OAuth issues for this account (see `oauth_tokens`).
        self.oauth_token = f"oauth-{tenant_key}"
        self.customers: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, StoredThread] = {}
        self.faults: list[Fault] = []
        self.requests: list[httpx.Request] = []
        self.webhooks: dict[str, dict[str, Any]] = {}
        self._next = 1000
        self.enforcing = False
        self.rate_limited = 0  # 429s answered for the documented limit
        self._calls: deque[float] = deque()
        self._bucket = (0.0, time.monotonic())

    # --- what a test configures ----------------------------------------------------------

    def credentials(self) -> Credentials:
        return Credentials(self.token)

    def tenant(self, **overrides: Any) -> Tenant:
        values: dict[str, Any] = {
            "provider": self.provider,
            "tenant_key": self.tenant_key,
            "base_url": f"https://{self.host}{self.prefix}",
            "credentials": self.credentials(),
            "bot_actor_id": self.bot_id,
            "channel_ref": self.channel_ref,
            "webhook_secret": self.webhook_secret,
            **overrides,
        }
        return Tenant(**values)

    def fail_next(self, kind: str, method: str = "", path_contains: str = "", **kw: Any) -> None:
        self.faults.append(Fault(kind, method, path_contains, **kw))

    def revoke(self) -> None:
        self.token = "revoked"
        self.oauth_token = "revoked-oauth"

    def oauth_tokens(self, form: dict[str, str]) -> dict[str, Any]:
        """The provider's token endpoint: a code (any non-empty one, since consent is
        played by the test) or a refresh token for a Bearer access token."""
        grant = form.get("grant_type")
        if grant not in ("authorization_code", "refresh_token") or not (
            form.get("code") or form.get("refresh_token")
        ):
            return {"error": "invalid_grant"}
        return {
            "access_token": self.oauth_token,
            "refresh_token": f"refresh-{self.new_id()}",
            "expires_in": 3600,
            "token_type": "bearer",
        }

    def new_id(self) -> int:
        self._next += 1
        return self._next

    # --- HTTP ----------------------------------------------------------------------------

    def enforce_limit(self) -> None:
        self.enforcing = True

    def _over_limit(self) -> bool:
        calls, seconds = self.documented_limit
        now = time.monotonic()
        if self.leaky:
            level, since = self._bucket
            level = max(0.0, level - (now - since) * calls / seconds)
            if level + 1 > calls:
                self._bucket = (level, now)
                return True
            self._bucket = (level + 1, now)
            return False
        while self._calls and self._calls[0] <= now - seconds:
            self._calls.popleft()
        if len(self._calls) >= calls:
            return True
        self._calls.append(now)
        return False

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.enforcing and self._over_limit():
            self.rate_limited += 1
            return self.fault_response(Fault("429", retry_after=2))
        fault = self._fault_for(request)
        if fault is not None and fault.kind != "lost":
            return self.fault_response(fault)
        if not self.authorised(request):
            return self.error(401, "Unauthorized")
        path = request.url.path.removeprefix(self.prefix)
        response = self.route(request, [p for p in path.split("/") if p])
        if fault is not None:
            raise httpx.ReadTimeout("answer lost after the provider committed", request=request)
        return response

    def _fault_for(self, request: httpx.Request) -> Fault | None:
        for fault in self.faults:
            if (not fault.method or fault.method == request.method) and (
                fault.path_contains in request.url.path
            ):
                self.faults.remove(fault)
                return fault
        return None

    def authorised(self, request: httpx.Request) -> bool:
        given = request.headers.get("authorization")
        return given in (self.credentials().authorization(), f"Bearer {self.oauth_token}")

    def fault_response(self, fault: Fault) -> httpx.Response:
        if fault.kind == "429":
            return self.error(429, "Too many requests", {"Retry-After": str(fault.retry_after)})
        if fault.kind == "401":
            return self.error(401, "Unauthorized")
        return self.error(500, "Internal error")

    def error(
        self, status: int, message: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return httpx.Response(status, json={"error": message}, headers=headers)

    def route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        raise NotImplementedError

    # --- what tests read -----------------------------------------------------------------

    def thread_by_external_id(self, external_id: str) -> list[StoredThread]:
        return [t for t in self.threads.values() if t.external_id == external_id]

    def thread(self, thread_id: str) -> StoredThread:
        return self.threads[thread_id]

    # --- webhooks ------------------------------------------------------------------------

    def agent_writes(
        self, thread_id: str, author: str, *, public: bool, body: str
    ) -> StoredMessage:
        """Someone in the helpdesk (or its automation) adds a message to the thread."""
        raise NotImplementedError

    def message_webhook(
        self, thread_id: str, message: StoredMessage, *, tenant_key: str = ""
    ) -> dict[str, Any]:
        raise NotImplementedError

    def closed_webhook(self, thread_id: str, *, tenant_key: str = "") -> dict[str, Any]:
        raise NotImplementedError

    def tagged_webhook(self, thread_id: str, tag: str, *, tenant_key: str = "") -> dict[str, Any]:
        """A person adds `tag` to the thread in the helpdesk."""
        raise NotImplementedError

    def sign(self, body: bytes, *, secret: str, sent_at: datetime) -> dict[str, str]:
        raise NotImplementedError

    def deliver(
        self,
        payload: dict[str, Any],
        *,
        secret: str | None = None,
        sent_at: datetime | None = None,
        received_at: datetime | None = None,
        tamper: bool = False,
    ) -> WebhookRequest:
        now = datetime.now(UTC)
        body = json.dumps(payload).encode()
        headers = self.sign(
            body,
            secret=self.webhook_secret if secret is None else secret,
            sent_at=sent_at or now,
        )
        if tamper:
            body = body.replace(b"}", b' , "x": 1}', 1)
        lowered = {k.lower(): v for k, v in headers.items()}
        return WebhookRequest(body=body, headers=lowered, received_at=received_at or now)


def read_json(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else {}
