"""Intercom's REST API (version 2.14) and webhook notifications, as documented (reference §4)."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime
from typing import Any

import httpx

from standins.helpdesk.standin import StandIn, StoredMessage, StoredThread, read_json


class FakeIntercom(StandIn):
    provider = "intercom"
    documented_limit = (10_000 // 6, 10.0)

    def __init__(self, app_id: str, region: str = "us", **kw: Any) -> None:
        super().__init__(app_id, **kw)
        self.host = {
            "us": "api.intercom.io",
            "eu": "api.eu.intercom.io",
            "au": "api.au.intercom.io",
        }[region]
        self.tag_ids: dict[str, str] = {}
        self.versions: set[str] = set()
        self.teams = {"6101": "Returns"}

    def error(
        self, status: int, message: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        code = {429: "rate_limit_exceeded", 401: "unauthorized", 404: "not_found"}.get(
            status, "server_error"
        )
        body = {"type": "error.list", "errors": [{"code": code, "message": message}]}
        return httpx.Response(status, json=body, headers=headers)

    def fault_response(self, fault: Any) -> httpx.Response:
        if fault.kind == "429":
            # Intercom tells the reset time, not a wait.
            reset = str(int(time.time()) + fault.retry_after)
            headers = {
                "X-RateLimit-Limit": "166",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset,
            }
            return self.error(429, "Rate Limit Exceeded", headers)
        return super().fault_response(fault)

    def route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        self.versions.add(request.headers.get("intercom-version", ""))
        method, body = request.method, read_json(request)
        if parts == ["me"] and method == "GET":
            app = {"type": "app", "id_code": self.tenant_key, "name": "Northwind", "region": "US"}
            me = {"type": "admin", "id": self.bot_id, "email": "bot@merchant.test", "app": app}
            return httpx.Response(200, json=me)
        if parts == ["admins"] and method == "GET":
            admins = [
                {"type": "admin", "id": self.bot_id, "name": "Aftersale"},
                {"type": "admin", "id": self.agent_id, "name": "Maria Lopez"},
            ]
            return httpx.Response(200, json={"type": "admin.list", "admins": admins})
        if parts == ["teams"] and method == "GET":
            teams = [{"type": "team", "id": i, "name": n} for i, n in self.teams.items()]
            return httpx.Response(200, json={"type": "team.list", "teams": teams})
        if parts == ["contacts", "search"]:
            value = body["query"]["value"]
            found = [c for c in self.customers.values() if c["email"] == value]
            return httpx.Response(
                200, json={"type": "list", "data": found, "total_count": len(found), "pages": {}}
            )
        if parts == ["contacts"] and method == "POST":
            contact = {
                "type": "contact",
                "id": f"{self.new_id():024x}",
                "role": body["role"],
                "email": body["email"],
            }
            self.customers[body["email"]] = contact
            return httpx.Response(200, json=contact)
        if parts == ["conversations", "search"]:
            found = [
                self._conversation(t)
                for t in self.threads.values()
                if self._matches(t, body["query"])
            ]
            return httpx.Response(
                200,
                json={
                    "type": "conversation.list",
                    "conversations": found,
                    "total_count": len(found),
                },
            )
        if parts == ["conversations"] and method == "POST":
            sender = body["from"]
            thread = StoredThread(str(self.new_id()), sender["id"], "", "", "open")
            self.threads[thread.id] = thread
            part = self._part(
                thread, "customer", True, body["body"], notified=False, author_id=sender["id"]
            )
            return httpx.Response(
                200, json={"type": "user_message", "id": part.id, "conversation_id": thread.id}
            )
        if parts == ["tags"] and method == "POST":
            tag_id = self.tag_ids.setdefault(body["name"], str(self.new_id()))
            return httpx.Response(200, json={"type": "tag", "id": tag_id, "name": body["name"]})
        if len(parts) >= 2 and parts[0] == "conversations":
            conversation = self.threads.get(parts[1])
            if conversation is None:
                return self.error(404, "Resource Not Found")
            return self._conversation_route(method, conversation, parts[2:], body)
        return self.error(404, "Resource Not Found")

    def _matches(self, thread: StoredThread, query: dict[str, Any]) -> bool:
        if query.get("operator") == "AND":
            return all(self._matches(thread, q) for q in query["value"])
        field, value = query["field"], query["value"]
        if field.startswith("custom_attributes."):
            return thread.attributes.get(field.removeprefix("custom_attributes.")) == value
        if field == "contact_ids":
            return thread.customer_id == value
        if field == "source.body":
            return bool(thread.messages) and thread.messages[0].body == value
        raise AssertionError(f"the stand-in does not search {field}")

    def _conversation_route(
        self, method: str, thread: StoredThread, rest: list[str], body: Any
    ) -> httpx.Response:
        if not rest and method == "GET":
            return httpx.Response(200, json=self._conversation(thread))
        if not rest and method == "PUT":
            thread.attributes.update(body.get("custom_attributes", {}))
            return httpx.Response(200, json=self._conversation(thread))
        if rest == ["reply"]:
            if body["type"] == "user":
                self._part(
                    thread,
                    "customer",
                    True,
                    body["body"],
                    notified=False,
                    author_id=body["intercom_user_id"],
                )
            else:
                comment = body["message_type"] == "comment"
                author = "bot" if body["admin_id"] == self.bot_id else "agent"
                # An admin comment is delivered to the user; a note never is.
                self._part(
                    thread,
                    author,
                    comment,
                    body["body"],
                    notified=comment,
                    author_id=body["admin_id"],
                )
            return httpx.Response(200, json=self._conversation(thread))
        if rest == ["parts"]:
            kind = body["message_type"]
            if kind in ("close", "open"):
                thread.status = "closed" if kind == "close" else "open"
            elif kind == "assignment" and body["type"] == "team":
                if body["assignee_id"] not in self.teams:
                    return self.error(404, "Team Not Found")
                thread.team = body["assignee_id"]
            elif kind == "assignment":
                thread.assignee = body["assignee_id"]
            return httpx.Response(200, json=self._conversation(thread))
        if rest == ["tags"] and method == "POST":
            name = next(n for n, i in self.tag_ids.items() if i == body["id"])
            if name not in thread.tags:
                thread.tags.append(name)
            return httpx.Response(200, json={"type": "tag", "id": body["id"], "name": name})
        return self.error(404, "Resource Not Found")

    def _part(
        self,
        thread: StoredThread,
        author: str,
        public: bool,
        text: str,
        *,
        notified: bool,
        author_id: str,
    ) -> StoredMessage:
        message = StoredMessage(
            str(self.new_id()), author, public, text, notified, author_id=author_id
        )
        thread.messages.append(message)
        return message

    def _part_json(self, message: StoredMessage) -> dict[str, Any]:
        kind = {"customer": "user", "bot": "admin", "agent": "admin", "automation": "bot"}[
            message.author
        ]
        return {
            "type": "conversation_part",
            "id": message.id,
            "part_type": "comment" if message.public else "note",
            "body": message.body,
            "author": {
                "type": kind,
                "id": message.author_id,
                "name": "Maria Lopez" if message.author == "agent" else "x",
            },
        }

    def _conversation(self, thread: StoredThread) -> dict[str, Any]:
        parts = [self._part_json(m) for m in thread.messages[1:]]
        return {
            "type": "conversation",
            "id": thread.id,
            "state": thread.status,
            "open": thread.status == "open",
            # The conversation names its assignees by id, one person and one team.
            "admin_assignee_id": thread.assignee or None,
            "team_assignee_id": thread.team or None,
            "custom_attributes": dict(thread.attributes),
            "contacts": {
                "type": "contact.list",
                "contacts": [{"type": "contact", "id": thread.customer_id}],
            },
            "tags": {
                "type": "tag.list",
                "tags": [
                    {"type": "tag", "name": n, "id": self.tag_ids.get(n, "")} for n in thread.tags
                ],
            },
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": parts,
                "total_count": len(parts),
            },
        }

    # --- webhooks --------------------------------------------------------------------------

    def agent_writes(
        self, thread_id: str, author: str, *, public: bool, body: str
    ) -> StoredMessage:
        thread = self.threads[thread_id]
        author_id = {"agent": self.agent_id, "bot": self.bot_id, "automation": "fin"}.get(
            author, thread.customer_id
        )
        return self._part(
            thread,
            author,
            public,
            body,
            notified=public and author != "customer",
            author_id=author_id,
        )

    def message_webhook(
        self, thread_id: str, message: StoredMessage, *, tenant_key: str = ""
    ) -> dict[str, Any]:
        if message.author == "customer":
            topic = "conversation.user.replied"
        elif message.author == "automation":
            topic = "conversation.operator.replied"
        else:
            topic = "conversation.admin.replied" if message.public else "conversation.admin.noted"
        item = self._conversation(self.threads[thread_id])
        # The notification carries the new part last.
        item["conversation_parts"]["conversation_parts"] = [self._part_json(message)]
        return self._notification(topic, item, tenant_key)

    def closed_webhook(self, thread_id: str, *, tenant_key: str = "") -> dict[str, Any]:
        self.threads[thread_id].status = "closed"
        return self._notification(
            "conversation.admin.closed", self._conversation(self.threads[thread_id]), tenant_key
        )

    def tagged_webhook(self, thread_id: str, tag: str, *, tenant_key: str = "") -> dict[str, Any]:
        self.threads[thread_id].tags.append(tag)
        item = self._conversation(self.threads[thread_id])
        return self._notification("conversation_part.tag.created", item, tenant_key)

    def _notification(self, topic: str, item: dict[str, Any], tenant_key: str) -> dict[str, Any]:
        now = int(time.time())
        return {
            "type": "notification_event",
            "app_id": tenant_key or self.tenant_key,
            "id": f"notif_{self.new_id()}",
            "topic": topic,
            "data": {"type": "notification_event_data", "item": item},
            "delivery_attempts": 1,
            "first_sent_at": now,
            "created_at": now,
        }

    def sign(self, body: bytes, *, secret: str, sent_at: datetime) -> dict[str, str]:
        return {
            "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        }
