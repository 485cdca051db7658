"""Gorgias's REST API and HTTP-integration webhooks, as documented (reference §1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from apps.integrations.helpdesk.base import Credentials
from apps.integrations.helpdesk.gorgias.provider import SECRET_HEADER
from standins.helpdesk.standin import StandIn, StoredMessage, StoredThread, read_json


class FakeGorgias(StandIn):
    provider = "gorgias"
    documented_limit = (40, 20.0)
    leaky = True
    prefix = "/api"

    def __init__(self, subdomain: str, **kw: Any) -> None:
        super().__init__(subdomain, **kw)
        self.host = f"{subdomain}.gorgias.com"
        self.raw_messages: dict[str, dict[str, Any]] = {}
        # Whether GET /users/0 names the authenticated user (public code disagrees).
        self.user_zero = True
        self.teams = {"31": "Returns team"}

    def _users(self) -> list[dict[str, Any]]:
        """The account's users: our bot first (the credentials' user), then a person."""
        return [
            {"id": int(self.bot_id), "email": "bot@merchant.test", "name": "Bot"},
            {"id": int(self.agent_id), "email": "maria@merchant.test", "name": "Maria Lopez"},
        ]

    def credentials(self) -> Credentials:
        return Credentials(self.token, user="owner@merchant.test")

    def error(
        self, status: int, message: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return httpx.Response(
            status, json={"error": {"msg": message}, "message": message}, headers=headers
        )

    def fault_response(self, fault: Any) -> httpx.Response:
        if fault.kind == "429":
            # Gorgias spells it Retry-after and reports the bucket on every answer.
            headers = {
                "Retry-after": str(fault.retry_after),
                "X-Gorgias-Account-Api-Call-Limit": "40/40",
            }
            return self.error(429, "Too Many Requests", headers)
        return super().fault_response(fault)

    def route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        method, body = request.method, read_json(request)
        if parts == ["account"] and method == "GET":
            account = {"domain": self.tenant_key, "status": {"status": "active"}}
            return httpx.Response(200, json=account)
        if parts == ["users", "0"] and method == "GET":  # the authenticated user
            if not self.user_zero:
                return self.error(404, "Resource not found")
            return httpx.Response(200, json=self._users()[0])
        if parts == ["teams"] and method == "GET":
            teams = [{"id": int(i), "name": n} for i, n in self.teams.items()]
            return httpx.Response(200, json={"data": teams, "meta": {"next_cursor": None}})
        if parts == ["users"] and method == "GET":
            return httpx.Response(200, json={"data": self._users(), "meta": {"next_cursor": None}})
        if parts == ["customers"] and method == "GET":
            found = [
                c for c in self.customers.values() if c["email"] == request.url.params.get("email")
            ]
            return httpx.Response(200, json={"data": found, "meta": {"next_cursor": None}})
        if parts == ["customers"] and method == "POST":
            customer = {"id": self.new_id(), "email": body["email"], "name": body.get("name")}
            self.customers[body["email"]] = customer
            return httpx.Response(201, json=customer)
        if parts == ["tickets"] and method == "GET":
            wanted = request.url.params.get("external_id")
            found = [self._ticket(t) for t in self.threads.values() if t.external_id == wanted]
            return httpx.Response(200, json={"data": found, "meta": {"next_cursor": None}})
        if parts == ["tickets"] and method == "POST":
            return self._create(body)
        if len(parts) >= 2 and parts[0] == "tickets":
            thread = self.threads.get(parts[1])
            if thread is None:
                return self.error(404, "Resource not found")
            return self._ticket_route(request, thread, parts[2:], body)
        if parts == ["integrations"] and method == "POST":
            integration_id = str(self.new_id())
            self.webhooks[integration_id] = body
            return httpx.Response(201, json={"id": int(integration_id), **body})
        if len(parts) == 2 and parts[0] == "integrations" and method == "DELETE":
            if self.webhooks.pop(parts[1], None) is None:
                return self.error(404, "Resource not found")
            return httpx.Response(204)
        return self.error(404, "Resource not found")

    def _ticket_route(
        self, request: httpx.Request, thread: StoredThread, rest: list[str], body: Any
    ) -> httpx.Response:
        method = request.method
        if not rest and method == "GET":
            return httpx.Response(200, json=self._ticket(thread))
        if not rest and method == "PUT":
            if "status" in body:
                thread.status = body["status"]
            if "tags" in body:
                thread.tags = [t["name"] for t in body["tags"]]  # PUT replaces the list
            if "assignee_user" in body:
                thread.assignee = str(body["assignee_user"]["id"])
            if "assignee_team" in body:
                team = str(body["assignee_team"]["id"])
                if team not in self.teams:
                    return self.error(400, "Team not found")
                thread.team = team
            return httpx.Response(200, json=self._ticket(thread))
        if rest == ["messages"] and method == "GET":
            listed = [m for m in self.raw_messages.values() if m["ticket_id"] == int(thread.id)]
            return httpx.Response(200, json={"data": listed, "meta": {"next_cursor": None}})
        if rest == ["messages"] and method == "POST":
            return httpx.Response(201, json=self._add(thread, body))
        if len(rest) == 2 and rest[0] == "messages" and method == "GET":
            raw = self.raw_messages.get(rest[1])
            if raw is None or raw["ticket_id"] != int(thread.id):
                return self.error(404, "Resource not found")
            return httpx.Response(200, json=raw)
        return self.error(404, "Resource not found")

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        if not body.get("messages"):
            return self.error(400, "messages: a ticket needs at least one message")
        thread = StoredThread(
            id=str(self.new_id()),
            customer_id=str(body["customer"]["id"]),
            external_id=body.get("external_id") or "",
            subject=body.get("subject", ""),
            status="open",
            tags=[t["name"] for t in body.get("tags", [])],
        )
        self.threads[thread.id] = thread
        for message in body["messages"]:
            self._add(thread, message)
        return httpx.Response(201, json=self._ticket(thread))

    def _add(self, thread: StoredThread, body: dict[str, Any]) -> dict[str, Any]:
        for key in ("channel", "via", "from_agent"):
            if key not in body:
                raise AssertionError(f"Gorgias needs {key} on every message")
        note = body["channel"] == "internal-note"
        from_agent = body["from_agent"] is True
        sender = str(body.get("sender", {}).get("id", ""))
        raw = {
            "id": self.new_id(),
            "ticket_id": int(thread.id),
            "from_agent": from_agent,
            "public": not note,
            "channel": body["channel"],
            "via": body["via"],
            "rule_id": body.get("rule_id"),
            "sender": {
                "id": int(sender) if sender else None,
                "firstname": body.get("_firstname", ""),
            },
            "receiver": body.get("receiver"),
            "body_text": body.get("body_text"),
            "stripped_text": body.get("body_text"),
            "external_id": body.get("external_id"),
            "sent_datetime": body.get("sent_datetime"),
        }
        self.raw_messages[str(raw["id"])] = raw
        author = "customer" if not from_agent else ("bot" if sender == self.bot_id else "agent")
        if body.get("rule_id") is not None:
            author = "automation"
        thread.messages.append(
            StoredMessage(
                str(raw["id"]),
                author,
                not note,
                body.get("body_text") or "",
                # Gorgias sends an agent message unless sent_datetime says it already was.
                notified=from_agent and not note and not body.get("sent_datetime"),
                external_id=body.get("external_id") or "",
                author_id=sender,
            )
        )
        return raw

    def _ticket(self, thread: StoredThread) -> dict[str, Any]:
        return {
            "id": int(thread.id),
            "external_id": thread.external_id or None,
            "subject": thread.subject,
            "status": thread.status,
            "customer": {"id": int(thread.customer_id)},
            "assignee_user": {"id": int(thread.assignee)} if thread.assignee else None,
            "assignee_team": {"id": int(thread.team)} if thread.team else None,
            "tags": [{"id": i, "name": n} for i, n in enumerate(thread.tags)],
        }

    # --- webhooks --------------------------------------------------------------------------

    def agent_writes(
        self, thread_id: str, author: str, *, public: bool, body: str
    ) -> StoredMessage:
        thread = self.threads[thread_id]
        sender = {"agent": self.agent_id, "bot": self.bot_id, "automation": self.agent_id}
        sent: dict[str, Any] = {
            "channel": "email" if public else "internal-note",
            "via": {"agent": "helpdesk", "automation": "rule"}.get(author, "api"),
            "from_agent": author != "customer",
            "sender": {"id": int(sender.get(author, thread.customer_id))},
            "body_text": body,
            "_firstname": "Maria" if author == "agent" else "",
        }
        if author == "automation":
            sent["rule_id"] = 55
        self._add(thread, sent)
        return thread.messages[-1]

    def message_webhook(
        self, thread_id: str, message: StoredMessage, *, tenant_key: str = ""
    ) -> dict[str, Any]:
        return self._render(thread_id, message.id, tenant_key)

    def closed_webhook(self, thread_id: str, *, tenant_key: str = "") -> dict[str, Any]:
        self.threads[thread_id].status = "closed"
        return self._render(thread_id, "", tenant_key)

    def tagged_webhook(self, thread_id: str, tag: str, *, tenant_key: str = "") -> dict[str, Any]:
        """ticket-updated, as a tag added in Gorgias fires it."""
        self.threads[thread_id].tags.append(tag)
        return self._render(thread_id, "", tenant_key)

    def _render(self, thread_id: str, message_id: str, tenant_key: str) -> dict[str, Any]:
        """The integration's TEMPLATE as Gorgias renders it (every value a string)."""
        n = self.new_id()
        return {
            "account": f"{tenant_key or self.tenant_key}.gorgias.com",
            "ticket_id": thread_id,
            "ticket_status": self.threads[thread_id].status,
            "message_id": message_id,
            # Each update is its own moment (the provider dedupes ticket events on it).
            "updated_datetime": f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}",
        }

    def sign(self, body: bytes, *, secret: str, sent_at: datetime) -> dict[str, str]:
        return {SECRET_HEADER: secret}  # Gorgias signs nothing: the header we configured
