"""Zendesk Support's Ticketing API and event webhooks, as documented (reference §2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Any

import httpx

from apps.integrations.helpdesk.base import Credentials
from standins.helpdesk.standin import StandIn, StoredMessage, StoredThread, read_json


class FakeZendesk(StandIn):
    provider = "zendesk"
    documented_limit = (200, 60.0)
    prefix = "/api/v2"

    def __init__(self, subdomain: str, account_id: str, **kw: Any) -> None:
        super().__init__(account_id, **kw)
        self.host = f"{subdomain}.zendesk.com"
        self.email = "bot@merchant.test"
        self.idempotency: dict[str, tuple[bytes, httpx.Response]] = {}

    def credentials(self) -> Credentials:
        return Credentials(self.token, user=f"{self.email}/token")

    def error(
        self, status: int, message: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return httpx.Response(
            status, json={"error": message, "description": message}, headers=headers
        )

    def route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        method, body = request.method, read_json(request)
        if parts in (["users", "me"], ["users", "me.json"]) and method == "GET":
            me = {"id": int(self.bot_id), "email": "bot@merchant.test", "role": "agent"}
            return httpx.Response(200, json={"user": me})
        if parts == ["users"] and method == "GET":
            roles = set(request.url.params.get_list("role[]"))
            staff = [
                {"id": int(self.bot_id), "name": "Aftersale", "role": "agent"},
                {"id": int(self.agent_id), "name": "Maria Lopez", "role": "admin"},
            ]
            found = [u for u in staff if not roles or u["role"] in roles]
            return httpx.Response(200, json={"users": found, "meta": {"has_more": False}})
        if parts == ["groups"] and method == "GET":
            groups = [{"id": 3101, "name": "Returns"}]
            return httpx.Response(200, json={"groups": groups, "meta": {"has_more": False}})
        if parts == ["users", "create_or_update"] and method == "POST":
            return self._upsert_user(body["user"])
        if parts == ["tickets"] and method == "GET":
            wanted = request.url.params.get("external_id")
            found = [self._ticket(t) for t in self.threads.values() if t.external_id == wanted]
            return httpx.Response(200, json={"tickets": found, "meta": {"has_more": False}})
        if parts == ["tickets"] and method == "POST":
            return self._create(request, body["ticket"])
        if len(parts) == 2 and parts[0] == "tickets":
            thread = self.threads.get(parts[1])
            if thread is None:
                return self.error(404, "RecordNotFound")
            if method == "GET":
                return httpx.Response(200, json={"ticket": self._ticket(thread)})
            if method == "PUT":
                return self._update(thread, body["ticket"])
        if len(parts) == 3 and parts[0] == "tickets" and parts[2] == "comments":
            thread = self.threads.get(parts[1])
            if thread is None:
                return self.error(404, "RecordNotFound")
            comments = [
                {"id": int(m.id), "body": m.body, "public": m.public, "author_id": int(m.author_id)}
                for m in reversed(thread.messages)
            ]
            return httpx.Response(200, json={"comments": comments, "meta": {"has_more": False}})
        if parts == ["webhooks"] and method == "POST":
            webhook_id = f"01H{self.new_id()}"
            self.webhooks[webhook_id] = body["webhook"]
            return httpx.Response(201, json={"webhook": {"id": webhook_id, **body["webhook"]}})
        if len(parts) == 3 and parts[0] == "webhooks" and parts[2] == "signing_secret":
            secret = {"algorithm": "SHA256", "secret": self.webhook_secret}
            return httpx.Response(200, json={"signing_secret": secret})
        if len(parts) == 2 and parts[0] == "webhooks" and method == "DELETE":
            if self.webhooks.pop(parts[1], None) is None:
                return self.error(404, "RecordNotFound")
            return httpx.Response(204)
        return self.error(404, "InvalidEndpoint")

    def _upsert_user(self, user: dict[str, Any]) -> httpx.Response:
        email = user["email"]
        created = email not in self.customers
        if created:
            self.customers[email] = {
                "id": self.new_id(),
                "email": email,
                "name": user.get("name"),
                "role": "end-user",
            }
        return httpx.Response(201 if created else 200, json={"user": self.customers[email]})

    def _create(self, request: httpx.Request, ticket: dict[str, Any]) -> httpx.Response:
        key = request.headers.get("idempotency-key", "")
        if key in self.idempotency:
            sent, answer = self.idempotency[key]
            if sent != request.content:
                return httpx.Response(400, json={"error": "IdempotentRequestError"})
            return httpx.Response(
                answer.status_code, json=answer.json(), headers={"x-idempotency-lookup": "hit"}
            )
        thread = StoredThread(
            id=str(self.new_id()),
            customer_id=str(ticket["requester_id"]),
            external_id=ticket.get("external_id") or "",
            subject=ticket.get("subject", ""),
            status="new",
            tags=list(ticket.get("tags", [])),
        )
        self.threads[thread.id] = thread
        self._add_comment(thread, ticket["comment"])
        answer = httpx.Response(201, json={"ticket": self._ticket(thread)})
        if key:
            self.idempotency[key] = (request.content, answer)
        return answer

    def _add_comment(self, thread: StoredThread, comment: dict[str, Any]) -> StoredMessage:
        author_id = str(comment.get("author_id") or self.bot_id)
        public = comment.get("public", True) is not False
        is_requester = author_id == thread.customer_id
        message = StoredMessage(
            id=str(self.new_id()),
            author="customer" if is_requester else "bot",
            public=public,
            body=comment.get("body") or comment.get("html_body") or "",
            # Zendesk's default trigger emails the requester on a public agent comment.
            notified=public and not is_requester,
            author_id=author_id,
        )
        thread.messages.append(message)
        return message

    def _update(self, thread: StoredThread, change: dict[str, Any]) -> httpx.Response:
        events: list[dict[str, Any]] = []
        if "comment" in change:
            message = self._add_comment(thread, change["comment"])
            events.append({"id": int(message.id), "type": "Comment", "public": message.public})
        if "status" in change:
            thread.status = change["status"]
        thread.tags += [t for t in change.get("additional_tags", []) if t not in thread.tags]
        if "assignee_id" in change:
            thread.assignee = str(change["assignee_id"])
        if "group_id" in change:
            thread.team = str(change["group_id"])
        audit = {"id": self.new_id(), "ticket_id": int(thread.id), "events": events}
        return httpx.Response(200, json={"ticket": self._ticket(thread), "audit": audit})

    def _ticket(self, thread: StoredThread) -> dict[str, Any]:
        return {
            "id": int(thread.id),
            "external_id": thread.external_id or None,
            "subject": thread.subject,
            "status": thread.status,
            "requester_id": int(thread.customer_id),
            "assignee_id": int(thread.assignee) if thread.assignee else None,
            "group_id": int(thread.team) if thread.team else None,
            "tags": list(thread.tags),
        }

    # --- webhooks --------------------------------------------------------------------------

    def agent_writes(
        self, thread_id: str, author: str, *, public: bool, body: str
    ) -> StoredMessage:
        thread = self.threads[thread_id]
        author_id = {"agent": self.agent_id, "bot": self.bot_id, "automation": "-1"}.get(
            author, thread.customer_id
        )
        message = StoredMessage(
            str(self.new_id()),
            author,
            public,
            body,
            public and author != "customer",
            author_id=author_id,
        )
        thread.messages.append(message)
        return message

    def message_webhook(
        self, thread_id: str, message: StoredMessage, *, tenant_key: str = ""
    ) -> dict[str, Any]:
        staff = message.author in ("agent", "bot")
        names = {"agent": "Maria Lopez", "bot": "Aftersale", "automation": "Zendesk"}
        return self._event(
            thread_id,
            "ticket.comment_added",
            {
                "comment": {
                    "id": message.id,
                    "body": message.body,
                    "is_public": message.public,
                    "author": {
                        "id": message.author_id,
                        "is_staff": staff,
                        "name": names.get(message.author, "Jane"),
                    },
                }
            },
            tenant_key,
        )

    def closed_webhook(self, thread_id: str, *, tenant_key: str = "") -> dict[str, Any]:
        self.threads[thread_id].status = "solved"
        return self._event(
            thread_id,
            "ticket.status_changed",
            {"current": "SOLVED", "previous": "OPEN"},
            tenant_key,
        )

    def tagged_webhook(self, thread_id: str, tag: str, *, tenant_key: str = "") -> dict[str, Any]:
        self.threads[thread_id].tags.append(tag)
        change = {"added": {"tags": [tag]}, "removed": {"tags": []}}
        return self._event(thread_id, "ticket.tags_changed", change, tenant_key)

    def _event(
        self, thread_id: str, kind: str, event: dict[str, Any], tenant_key: str
    ) -> dict[str, Any]:
        thread = self.threads[thread_id]
        return {
            "id": str(uuid.uuid4()),
            "account_id": int(tenant_key or self.tenant_key),
            "type": f"zen:event-type:{kind}",
            "subject": f"zen:ticket:{thread_id}",
            "time": "2026-01-01T00:00:00Z",
            "detail": {
                "id": thread_id,
                "requester_id": thread.customer_id,
                "status": thread.status.upper(),
                "tags": list(thread.tags),
            },
            "event": event,
        }

    def sign(self, body: bytes, *, secret: str, sent_at: datetime) -> dict[str, str]:
        stamp = sent_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
        return {
            "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        }
