"""Front's Core API and application webhooks, as documented (reference §3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx

from standins.helpdesk.standin import StandIn, StoredMessage, StoredThread, read_json

API = "https://api2.frontapp.com"


class FakeFront(StandIn):
    provider = "front"
    documented_limit = (50, 60.0)
    host = "api2.frontapp.com"

    def __init__(self, company_id: str, inbox_id: str, **kw: Any) -> None:
        super().__init__(company_id, **kw)
        self.inbox_id = self.channel_ref = inbox_id
        self.imports: dict[str, str] = {}  # external_id -> message uid
        self.uids: dict[str, str] = {}  # message uid -> message id
        self.raw: dict[str, dict[str, Any]] = {}  # message or comment id -> its object
        self.tags: dict[str, str] = {}  # tag id -> name
        # The company's inboxes (a team's queue) and its people besides our bot.
        self.inboxes = {inbox_id: "Support", "inb_returns": "Returns"}

    def error(
        self, status: int, message: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        error = {"status": status, "title": message, "message": message}
        return httpx.Response(status, json={"_error": error}, headers=headers)

    def route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        method, body = request.method, read_json(request)
        if parts == ["me"] and method == "GET":  # a company token names the company
            return httpx.Response(200, json={"id": self.tenant_key, "name": "Northwind"})
        if len(parts) == 2 and parts[0] == "teammates" and method == "GET":
            if unquote(parts[1]) != "alt:email:bot@merchant.test":
                return self.error(404, "Not found")
            return httpx.Response(200, json={"id": self.bot_id, "email": "bot@merchant.test"})
        if parts == ["teammates"] and method == "GET":
            people = [
                {"id": self.bot_id, "first_name": "Aftersale", "last_name": "Bot"},
                {"id": self.agent_id, "first_name": "Maria", "last_name": "Lopez"},
            ]
            return httpx.Response(200, json={"_results": people, "_pagination": {"next": None}})
        if parts == ["inboxes"] and method == "GET":
            listed = [{"id": i, "name": n} for i, n in self.inboxes.items()]
            return httpx.Response(200, json={"_results": listed, "_pagination": {"next": None}})
        if len(parts) == 2 and parts[0] == "contacts" and method == "GET":
            email = unquote(parts[1]).removeprefix("alt:email:")
            contact = self.customers.get(email)
            return httpx.Response(200, json=contact) if contact else self.error(404, "Not found")
        if parts == ["contacts"] and method == "POST":
            email = body["handles"][0]["handle"]
            self.customers[email] = {
                "id": f"crd_{self.new_id()}",
                "name": body.get("name"),
                "handles": body["handles"],
            }
            return httpx.Response(201, json=self.customers[email])
        if parts == ["inboxes", self.inbox_id, "imported_messages"] and method == "POST":
            return self._import(body)
        if len(parts) == 2 and parts[0] == "messages" and method == "GET":
            return self._message(unquote(parts[1]))
        if len(parts) == 2 and parts[0] == "comments" and method == "GET":
            found = self.raw.get(parts[1])
            return httpx.Response(200, json=found) if found else self.error(404, "Not found")
        if parts == ["tags"] and method == "GET":
            results = [{"id": i, "name": n} for i, n in self.tags.items()]
            return httpx.Response(200, json={"_results": results, "_pagination": {"next": None}})
        if parts == ["tags"] and method == "POST":
            tag_id = f"tag_{self.new_id()}"
            self.tags[tag_id] = body["name"]
            return httpx.Response(201, json={"id": tag_id, "name": body["name"]})
        if len(parts) >= 2 and parts[0] == "conversations":
            thread = self.threads.get(parts[1])
            if thread is None:
                return self.error(404, "Not found")
            return self._conversation_route(method, thread, parts[2:], body)
        return self.error(404, "Not found")

    def _import(self, body: dict[str, Any]) -> httpx.Response:
        for key in ("sender", "to", "body", "external_id", "created_at", "metadata"):
            if key not in body:
                return self.error(400, f"{key} is required")
        if body["external_id"] in self.imports:
            # VERIFY: Front refuses to import an external_id twice; modelled as accepting
            # the retry with the first import's uid.
            return httpx.Response(
                202, json={"status": "accepted", "message_uid": self.imports[body["external_id"]]}
            )
        inbound = body["metadata"]["is_inbound"] is True
        if body.get("conversation_id"):
            if body["conversation_id"] not in self.threads:
                return self.error(404, "Not found")
            thread = self.threads[body["conversation_id"]]
        else:
            handle = body["sender"]["handle"] if inbound else body["to"][0]
            thread = StoredThread(
                f"cnv_{self.new_id()}", handle, body["external_id"], body.get("subject", ""), "open"
            )
            self.threads[thread.id] = thread
        author = "customer" if inbound else "bot"
        message = self._store(
            thread, author, True, body["body"], notified=False, external_id=body["external_id"]
        )
        uid = f"uid{self.new_id()}"
        self.imports[body["external_id"]] = uid
        self.uids[uid] = message.id
        return httpx.Response(202, json={"status": "accepted", "message_uid": uid})

    def _store(
        self,
        thread: StoredThread,
        author: str,
        public: bool,
        text: str,
        *,
        notified: bool,
        external_id: str = "",
    ) -> StoredMessage:
        prefix = "msg" if public else "com"
        author_id = {"bot": self.bot_id, "agent": self.agent_id, "automation": self.agent_id}.get(
            author, ""
        )
        message = StoredMessage(
            f"{prefix}_{self.new_id()}", author, public, text, notified, external_id, author_id
        )
        thread.messages.append(message)
        self.raw[message.id] = {
            "id": message.id,
            "type": "custom" if public else "comment",
            "is_inbound": author == "customer",
            "author": {"id": author_id, "first_name": "Maria" if author == "agent" else "Bot"}
            if author_id
            else None,
            "body": text,
            "text": text,
            "_links": {"related": {"conversation": f"{API}/conversations/{thread.id}"}},
        }
        return message

    def _message(self, ref: str) -> httpx.Response:
        message_id = (
            self.uids.get(ref.removeprefix("alt:uid:"), "") if ref.startswith("alt:uid:") else ref
        )
        found = self.raw.get(message_id)
        return httpx.Response(200, json=found) if found else self.error(404, "Not found")

    def _conversation_route(
        self, method: str, thread: StoredThread, rest: list[str], body: Any
    ) -> httpx.Response:
        if not rest and method == "GET":
            tags = [{"id": i, "name": n} for i, n in self.tags.items() if n in thread.tags]
            assignee = {"id": thread.assignee} if thread.assignee else None
            return httpx.Response(
                200,
                json={"id": thread.id, "status": thread.status, "tags": tags, "assignee": assignee},
            )
        if not rest and method == "PATCH":
            if "inbox_id" in body and body["inbox_id"] not in self.inboxes:
                return self.error(404, "Inbox not found")
            thread.status = body.get("status", thread.status)
            thread.team = body.get("inbox_id", thread.team)
            return httpx.Response(204)
        if rest in (["messages"], ["comments"]) and method == "GET":
            public = rest == ["messages"]
            listed = [self.raw[m.id] for m in thread.messages if m.public == public]
            return httpx.Response(200, json={"_results": listed, "_pagination": {"next": None}})
        if rest == ["messages"] and method == "POST":
            message = self._store(thread, "bot", True, body["body"], notified=True)
            if body.get("options", {}).get("archive", True):
                thread.status = "archived"  # Front's default: a reply archives the conversation
            uid = f"uid{self.new_id()}"
            self.uids[uid] = message.id
            return httpx.Response(202, json={"status": "accepted", "message_uid": uid})
        if rest == ["comments"] and method == "POST":
            comment = self._store(
                thread,
                "bot" if body["author_id"] == self.bot_id else "agent",
                False,
                body["body"],
                notified=False,
            )
            return httpx.Response(201, json=self.raw[comment.id])
        if rest == ["tags"] and method == "POST":
            thread.tags += [
                self.tags[i] for i in body["tag_ids"] if self.tags[i] not in thread.tags
            ]
            return httpx.Response(204)
        if rest == ["assignee"] and method == "PUT":
            thread.assignee = body["assignee_id"] or ""
            return httpx.Response(204)
        return self.error(404, "Not found")

    # --- webhooks --------------------------------------------------------------------------

    def agent_writes(
        self, thread_id: str, author: str, *, public: bool, body: str
    ) -> StoredMessage:
        thread = self.threads[thread_id]
        return self._store(thread, author, public, body, notified=public and author != "customer")

    def message_webhook(
        self, thread_id: str, message: StoredMessage, *, tenant_key: str = ""
    ) -> dict[str, Any]:
        kind = (
            "comment"
            if not message.public
            else ("inbound" if message.author == "customer" else "out_reply")
        )
        source = {"automation": "rule", "bot": "api", "agent": "teammate", "customer": "inboxes"}[
            message.author
        ]
        return self._event(
            thread_id,
            kind,
            source,
            {"_meta": {"type": "message"}, "data": {"id": message.id}},
            tenant_key,
        )

    def closed_webhook(self, thread_id: str, *, tenant_key: str = "") -> dict[str, Any]:
        self.threads[thread_id].status = "archived"
        return self._event(thread_id, "archive", "teammate", {}, tenant_key)

    def tagged_webhook(self, thread_id: str, tag: str, *, tenant_key: str = "") -> dict[str, Any]:
        self.threads[thread_id].tags.append(tag)
        if tag not in self.tags.values():
            self.tags[f"tag_{self.new_id()}"] = tag
        target = {"_meta": {"type": "tag"}, "data": {"name": tag}}
        return self._event(thread_id, "tag", "teammate", target, tenant_key)

    def _event(
        self, thread_id: str, kind: str, source: str, target: dict[str, Any], tenant_key: str
    ) -> dict[str, Any]:
        event = {
            "id": f"evt_{self.new_id()}",
            "type": kind,
            "emitted_at": 1767225600,
            "conversation": {"id": thread_id, "status": self.threads[thread_id].status},
            "source": {"_meta": {"type": source}},
            "target": target,
        }
        return {
            "type": kind,
            "authorization": {"id": tenant_key or self.tenant_key},
            "payload": event,
        }

    def sign(self, body: bytes, *, secret: str, sent_at: datetime) -> dict[str, str]:
        stamp = str(int(sent_at.timestamp() * 1000))
        digest = hmac.new(secret.encode(), stamp.encode() + b":" + body, hashlib.sha256).digest()
        return {
            "X-Front-Signature": base64.b64encode(digest).decode(),
            "X-Front-Request-Timestamp": stamp,
        }
