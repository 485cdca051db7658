"""Intercom: contact-initiated conversations, replies and notes as admin, topic webhooks.

Facts from reference/helpdesks.md §4: the tenant's region host is used for every call
and `Intercom-Version` is pinned; a conversation is created by the contact; admin actions
need our bot's admin id; close/open/assign go through `/parts`. An admin comment is
delivered to the customer, so a reply they already have is mirrored as a note. There is
no native idempotency: the conversation carries our id in a custom attribute, searched for
before creating. Webhooks are signed `sha1=` hex HMAC-SHA1 of the body, with no timestamp
(freshness comes from `created_at`, replays from deduping on the notification id).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.integrations.helpdesk.base import (
    Assignee,
    AssigneeKind,
    Author,
    Customer,
    EventKind,
    HelpdeskEvent,
    Identity,
    InvalidWebhook,
    MessageKind,
    OutMessage,
    Tenant,
    ThreadRef,
    ThreadStatus,
    Visibility,
    WebhookRequest,
)
from apps.integrations.helpdesk.common import (
    MAX_WEBHOOK_AGE,
    check_tenant,
    header,
    ident,
    items,
    obj,
    required_id,
)
from apps.integrations.helpdesk.http import HelpdeskHttp

HOSTS = {"us": "api.intercom.io", "eu": "api.eu.intercom.io", "au": "api.au.intercom.io"}
# Pinned: an app's default version can change under us (reference/helpdesks.md §4).
API_VERSION = "2.14"
REF_ATTRIBUTE = "aftersale_ref"
# Intercom retries a failed delivery for hours; older than this is a replay.
MAX_NOTIFICATION_AGE = timedelta(hours=12)
MESSAGE_TOPICS = {
    "conversation.admin.replied",
    "conversation.admin.noted",
    "conversation.user.replied",
    "conversation.user.created",
    "conversation.operator.replied",
}


def base_url(region: str) -> str:
    return f"https://{HOSTS[region]}"


class IntercomProvider:
    key = "intercom"

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.http = HelpdeskHttp(tenant, "Intercom", {"Intercom-Version": API_VERSION})

    def identify(self, *, actor_email: str = "") -> Identity:
        me = obj(self.http.call("GET", "/me"))
        app = obj(me.get("app"))
        label = f"{me.get('email') or me.get('name') or 'admin'} in {app.get('name') or 'Intercom'}"
        return Identity(
            required_id(app, "id_code", what="workspace id"),
            required_id(me, "id", what="admin id"),
            label,
        )

    def find_or_create_customer(self, email: str, name: str = "") -> Customer:
        query = {"query": {"field": "email", "operator": "=", "value": email}}
        for contact in items(
            obj(self.http.call("POST", "/contacts/search", json=query)).get("data")
        ):
            if ident(contact.get("id")):
                return Customer(ident(contact["id"]), email, name)
        body = self.http.call(
            "POST", "/contacts", json={"role": "user", "email": email, "name": name or email}
        )
        return Customer(required_id(body, "id", what="contact id"), email, name)

    def _search(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        found = self.http.call("POST", "/conversations/search", json={"query": query})
        return [c for c in items(obj(found).get("conversations")) if ident(c.get("id"))]

    def _find(self, external_id: str, customer: Customer, first_body: str) -> ThreadRef | None:
        field = f"custom_attributes.{REF_ATTRIBUTE}"
        for conversation in self._search({"field": field, "operator": "=", "value": external_id}):
            return ThreadRef(ident(conversation["id"]), customer.id)
        # A create whose answer was lost left a conversation not yet marked with our id:
        # this contact's, unmarked, starting with the same words.
        same_start = {
            "operator": "AND",
            "value": [
                {"field": "contact_ids", "operator": "=", "value": customer.id},
                {"field": "source.body", "operator": "=", "value": first_body},
            ],
        }
        for conversation in self._search(same_start):
            if not obj(conversation.get("custom_attributes")).get(REF_ATTRIBUTE):
                return ThreadRef(ident(conversation["id"]), customer.id)
        return None

    def create_thread(
        self,
        customer: Customer,
        subject: str,
        first: OutMessage,
        *,
        external_id: str,
        tags: Sequence[str] = (),
    ) -> ThreadRef:
        if first.kind is not MessageKind.CUSTOMER:
            raise ValueError("an Intercom conversation starts with the customer's message")
        body = first.body_html or first.body_text
        thread = self._find(external_id, customer, body)
        if thread is None:
            start = {"from": {"type": "user", "id": customer.id}, "body": body}
            created = self.http.call("POST", "/conversations", json=start)
            thread = ThreadRef(
                required_id(created, "conversation_id", what="conversation id"), customer.id
            )
        # Marked after creation; a retry after a lost answer finds it unmarked (above).
        self.http.call(
            "PUT",
            f"/conversations/{thread.id}",
            json={"custom_attributes": {REF_ATTRIBUTE: external_id}},
        )
        if tags:
            self.update_thread(thread, add_tags=tags)
        return thread

    def post_message(self, thread: ThreadRef, message: OutMessage, *, external_id: str) -> str:
        body = message.body_html or message.body_text
        if message.kind is MessageKind.CUSTOMER:
            sent: dict[str, Any] = {
                "message_type": "comment",
                "type": "user",
                "intercom_user_id": thread.customer_id,
                "body": body,
            }
        else:
            public = message.kind is MessageKind.REPLY and not message.delivered
            sent = {
                "message_type": "comment" if public else "note",
                "type": "admin",
                "admin_id": self.tenant.bot_actor_id,
                "body": body,
            }
        answer = self.http.call("POST", f"/conversations/{thread.id}/reply", json=sent)
        parts = items(obj(obj(answer).get("conversation_parts")).get("conversation_parts"))
        if not parts or not ident(parts[-1].get("id")):
            return required_id(answer, "id", what="conversation part id")
        return ident(parts[-1]["id"])

    def find_message(
        self, thread: ThreadRef, message: OutMessage, *, external_id: str, exclude: Collection[str]
    ) -> str | None:
        customer = message.kind is MessageKind.CUSTOMER
        author = thread.customer_id if customer else self.tenant.bot_actor_id
        wanted = (message.body_html or message.body_text).strip()
        parts = items(
            obj(self._conversation(thread).get("conversation_parts")).get("conversation_parts")
        )
        for part in parts:
            mine = ident(obj(part.get("author")).get("id")) == author
            same = str(part.get("body") or "").strip() == wanted
            if mine and same and ident(part.get("id")) not in exclude:
                return ident(part["id"])
        return None

    def _part(self, thread: ThreadRef, **part: str) -> None:
        sent = {"type": "admin", "admin_id": self.tenant.bot_actor_id, **part}
        self.http.call("POST", f"/conversations/{thread.id}/parts", json=sent)

    def update_thread(
        self,
        thread: ThreadRef,
        *,
        status: ThreadStatus | None = None,
        add_tags: Sequence[str] = (),
        assignee: Assignee | None = None,
    ) -> None:
        if status is not None:
            self._part(thread, message_type="close" if status is ThreadStatus.CLOSED else "open")
        for name in add_tags:
            tag = self.http.call("POST", "/tags", json={"name": name})  # finds or creates
            self.http.call(
                "POST",
                f"/conversations/{thread.id}/tags",
                json={
                    "id": required_id(tag, "id", what="tag id"),
                    "admin_id": self.tenant.bot_actor_id,
                },
            )
        if assignee is not None:
            # An assignment part: `type` says whether assignee_id is an admin or a team,
            # admin_id is who assigns (developers.intercom.com ... /assign-a-conversation).
            self.http.call(
                "POST",
                f"/conversations/{thread.id}/parts",
                json={
                    "message_type": "assignment",
                    "type": "team" if assignee.kind is AssigneeKind.TEAM else "admin",
                    "admin_id": self.tenant.bot_actor_id,
                    "assignee_id": assignee.id,
                },
            )

    def list_assignees(self) -> list[Assignee]:
        admins = obj(self.http.call("GET", "/admins")).get("admins")
        teams = obj(self.http.call("GET", "/teams")).get("teams")
        found = [
            Assignee(AssigneeKind.USER, ident(a.get("id")), str(a.get("name") or "")[:100])
            for a in items(admins)
            if ident(a.get("id")) and ident(a.get("id")) != self.tenant.bot_actor_id
        ]
        found += [
            Assignee(AssigneeKind.TEAM, ident(t.get("id")), str(t.get("name") or "")[:100])
            for t in items(teams)
            if ident(t.get("id"))
        ]
        return found

    def close_thread(self, thread: ThreadRef) -> None:
        self.update_thread(thread, status=ThreadStatus.CLOSED)

    def _conversation(self, thread: ThreadRef) -> dict[str, Any]:
        return obj(self.http.call("GET", f"/conversations/{thread.id}"))

    def thread_status(self, thread: ThreadRef) -> ThreadStatus:
        closed = self._conversation(thread).get("state") == "closed"
        return ThreadStatus.CLOSED if closed else ThreadStatus.OPEN

    def thread_tags(self, thread: ThreadRef) -> frozenset[str]:
        tags = items(obj(self._conversation(thread).get("tags")).get("tags"))
        return frozenset(str(t["name"]) for t in tags if isinstance(t.get("name"), str))

    def verify_webhook(self, request: WebhookRequest) -> None:
        given = header(request.headers, "X-Hub-Signature").removeprefix("sha1=")
        secret = self.tenant.webhook_secret
        expected = hmac.new(secret.encode(), request.body, hashlib.sha1).hexdigest()
        if not secret or not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise InvalidWebhook("bad signature")
        # No signed timestamp: the signed body's created_at dates the notification.
        try:
            created = obj(parse_json(request.body)).get("created_at")
        except InvalidJSON as exc:
            raise InvalidWebhook("not JSON") from exc
        if not isinstance(created, int) or isinstance(created, bool):
            raise InvalidWebhook("no created_at")
        age = request.received_at - datetime.fromtimestamp(created, UTC)
        if age > MAX_NOTIFICATION_AGE or age < -MAX_WEBHOOK_AGE:
            raise InvalidWebhook("stale notification")

    def parse_webhook(self, payload: Any) -> list[HelpdeskEvent]:
        body = obj(payload)
        check_tenant(ident(body.get("app_id")), self.tenant.tenant_key)
        event_id, topic = ident(body.get("id")), str(body.get("topic") or "")
        item = obj(obj(body.get("data")).get("item"))
        thread_id = ident(item.get("id"))
        if not event_id or not thread_id:
            return []
        base = HelpdeskEvent(event_id, self.tenant.tenant_key, thread_id, EventKind.OTHER)
        if topic == "conversation.admin.closed":
            return [replace(base, kind=EventKind.CLOSED)]
        if topic == "conversation.admin.opened":
            return [replace(base, kind=EventKind.REOPENED)]
        if topic == "conversation_part.tag.created":
            return [replace(base, kind=EventKind.TAGS)]
        if topic not in MESSAGE_TOPICS:
            return []
        parts = items(obj(item.get("conversation_parts")).get("conversation_parts"))
        part = parts[-1] if parts else obj(item.get("source"))
        return [self._message_event(base, part)]

    def _message_event(self, base: HelpdeskEvent, part: dict[str, Any]) -> HelpdeskEvent:
        author = obj(part.get("author"))
        kind, author_id = str(author.get("type") or ""), ident(author.get("id"))
        if kind == "admin" and author_id == self.tenant.bot_actor_id:
            who = Author.BOT_SELF
        elif kind == "admin":
            who = Author.HUMAN_AGENT
        elif kind == "bot":
            who = Author.AUTOMATION  # Fin, Workflows
        elif kind in ("user", "lead", "contact"):
            who = Author.CUSTOMER
        else:
            who = Author.UNKNOWN
        note = part.get("part_type") == "note"
        return replace(
            base,
            kind=EventKind.MESSAGE,
            author=who,
            author_id=author_id,
            author_name=str(author.get("name") or "")[:100],
            visibility=Visibility.INTERNAL if note else Visibility.PUBLIC,
            message_id=ident(part.get("id")),
            body_text=str(part.get("body") or ""),
        )

    def hydrate(self, event: HelpdeskEvent) -> HelpdeskEvent:
        return event  # signed and complete

    def subscribe_webhooks(self, url: str) -> dict[str, str]:
        return {}  # topics are subscribed on the app in the Developer Hub, for every workspace

    def unsubscribe_webhooks(self, state: Mapping[str, str]) -> None:
        return None
