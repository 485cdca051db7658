"""Front: conversations in an inbox, filled by imported messages; application webhooks.

Facts from reference/helpdesks.md §3: a conversation starts with a message imported into
the merchant's inbox (`external_id` makes the import idempotent: Front will not import
two messages with one external_id); message creation is asynchronous (202 + a
`message_uid`, resolved to the message later); a reply archives the conversation unless
`options.archive` is false and is sent on the channel, so a reply the customer already has
is imported (stored, not sent); comments are internal. App webhooks are signed
base64(HMAC-SHA256(key, f"{timestamp}:{body}")) and carry previews only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

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
    NotFound,
    OutMessage,
    PermanentError,
    Tenant,
    ThreadRef,
    ThreadStatus,
    TransientError,
    Visibility,
    WebhookRequest,
)
from apps.integrations.helpdesk.common import (
    check_base64_signature,
    check_fresh,
    check_tenant,
    header,
    ident,
    items,
    obj,
    required_id,
)
from apps.integrations.helpdesk.http import HelpdeskHttp

API = "https://api2.frontapp.com"
MESSAGE_EVENTS = {"inbound", "outbound", "out_reply"}


class FrontProvider:
    key = "front"

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.http = HelpdeskHttp(tenant, "Front")

    def identify(self, *, actor_email: str = "") -> Identity:
        company = obj(self.http.call("GET", "/me"))
        if not actor_email:
            raise PermanentError("name the teammate the AI writes as")
        teammate = obj(self.http.call("GET", f"/teammates/alt:email:{quote(actor_email)}"))
        label = f"{actor_email} at {company.get('name') or 'Front'}"
        return Identity(
            required_id(company, "id", what="company id"),
            required_id(teammate, "id", what="teammate id"),
            label,
        )

    def find_or_create_customer(self, email: str, name: str = "") -> Customer:
        try:
            found = self.http.call("GET", f"/contacts/alt:email:{quote(email, safe='@')}")
            return Customer(required_id(found, "id", what="contact id"), email, name)
        except NotFound:
            pass
        handle = {"handle": email, "source": "email"}
        body = self.http.call(
            "POST", "/contacts", json={"name": name or email, "handles": [handle]}
        )
        return Customer(required_id(body, "id", what="contact id"), email, name)

    def _import(
        self,
        message: OutMessage,
        email: str,
        external_id: str,
        *,
        subject: str = "",
        conversation_id: str = "",
    ) -> str:
        inbound = message.kind is MessageKind.CUSTOMER
        sent: dict[str, Any] = {
            "sender": {"handle": email} if inbound else {"author_id": self.tenant.bot_actor_id},
            "to": [email] if not inbound else [self.tenant.channel_ref],
            "body": message.body_html or message.body_text,
            "external_id": external_id,
            "created_at": int(datetime.now(UTC).timestamp()),
            "metadata": {"is_inbound": inbound, "is_archived": False},
        }
        if subject:
            sent["subject"] = subject
        if conversation_id:
            sent["conversation_id"] = conversation_id
        path = f"/inboxes/{self.tenant.channel_ref}/imported_messages"
        return required_id(self.http.call("POST", path, json=sent), "message_uid", what="uid")

    def _conversation_of(self, uid: str) -> str:
        try:
            message = obj(self.http.call("GET", f"/messages/alt:uid:{uid}"))
        except NotFound as exc:
            # Accepted but not processed yet: ask again later (the import is idempotent).
            raise TransientError("Front has not created the message yet") from exc
        link = str(obj(obj(message.get("_links")).get("related")).get("conversation") or "")
        conversation = link.rstrip("/").rsplit("/", 1)[-1]
        if not conversation.startswith("cnv_"):
            raise TransientError("Front has not threaded the message yet")
        return conversation

    def create_thread(
        self,
        customer: Customer,
        subject: str,
        first: OutMessage,
        *,
        external_id: str,
        tags: Sequence[str] = (),
    ) -> ThreadRef:
        uid = self._import(first, customer.email, external_id, subject=subject)
        thread = ThreadRef(self._conversation_of(uid), customer.email)
        if tags:
            self.update_thread(thread, add_tags=tags)
        return thread

    def post_message(self, thread: ThreadRef, message: OutMessage, *, external_id: str) -> str:
        if message.kind is MessageKind.NOTE:
            comment = {"author_id": self.tenant.bot_actor_id, "body": message.body_text}
            body = self.http.call("POST", f"/conversations/{thread.id}/comments", json=comment)
            return required_id(body, "id", what="comment id")
        if message.kind is MessageKind.REPLY and not message.delivered:
            reply = {
                "body": message.body_html or message.body_text,
                "author_id": self.tenant.bot_actor_id,
                "options": {"archive": False},
            }
            body = self.http.call("POST", f"/conversations/{thread.id}/messages", json=reply)
            return required_id(body, "message_uid", what="uid")
        return self._import(message, thread.customer_id, external_id, conversation_id=thread.id)

    def find_message(
        self, thread: ThreadRef, message: OutMessage, *, external_id: str, exclude: Collection[str]
    ) -> str | None:
        if message.kind is MessageKind.CUSTOMER or (
            message.kind is MessageKind.REPLY and message.delivered
        ):
            return None  # an import: Front dedupes it on external_id, so posting again is safe
        path = "comments" if message.kind is MessageKind.NOTE else "messages"
        found = self.http.call("GET", f"/conversations/{thread.id}/{path}")
        wanted = (message.body_html or message.body_text).strip()
        for sent in items(obj(found).get("_results")):
            mine = ident(obj(sent.get("author")).get("id")) == self.tenant.bot_actor_id
            same = str(sent.get("text") or sent.get("body") or "").strip() == wanted
            if mine and same and ident(sent.get("id")) not in exclude:
                return ident(sent["id"])
        return None

    def _tag_ids(self, names: Sequence[str]) -> list[str]:
        known = {
            str(t.get("name")): ident(t.get("id"))
            for t in items(
                obj(self.http.call("GET", "/tags", params={"limit": "100"})).get("_results")
            )
        }
        ids = []
        for name in names:
            if not known.get(name):
                created = self.http.call("POST", "/tags", json={"name": name})
                known[name] = required_id(created, "id", what="tag id")
            ids.append(known[name])
        return ids

    def update_thread(
        self,
        thread: ThreadRef,
        *,
        status: ThreadStatus | None = None,
        add_tags: Sequence[str] = (),
        assignee: Assignee | None = None,
    ) -> None:
        if status is not None:
            value = "archived" if status is ThreadStatus.CLOSED else "open"
            self.http.call("PATCH", f"/conversations/{thread.id}", json={"status": value})
        if add_tags:
            # POST adds; PATCH tag_ids would replace the list.
            ids = self._tag_ids(add_tags)
            self.http.call("POST", f"/conversations/{thread.id}/tags", json={"tag_ids": ids})
        if assignee is not None and assignee.kind is AssigneeKind.TEAM:
            # Front routes by inbox: the conversation moves into the team's inbox.
            self.http.call("PATCH", f"/conversations/{thread.id}", json={"inbox_id": assignee.id})
        elif assignee is not None:
            self.http.call(
                "PUT", f"/conversations/{thread.id}/assignee", json={"assignee_id": assignee.id}
            )

    def list_assignees(self) -> list[Assignee]:
        teammates = self.http.call("GET", "/teammates", params={"limit": "100"})
        inboxes = self.http.call("GET", "/inboxes", params={"limit": "100"})
        found = []
        for mate in items(obj(teammates).get("_results")):
            name = " ".join(str(mate.get(k) or "") for k in ("first_name", "last_name")).strip()
            if ident(mate.get("id")) and ident(mate.get("id")) != self.tenant.bot_actor_id:
                found.append(Assignee(AssigneeKind.USER, ident(mate["id"]), name[:100]))
        for inbox in items(obj(inboxes).get("_results")):
            if ident(inbox.get("id")):
                name = str(inbox.get("name") or "")[:100]
                found.append(Assignee(AssigneeKind.TEAM, ident(inbox["id"]), name))
        return found

    def close_thread(self, thread: ThreadRef) -> None:
        self.update_thread(thread, status=ThreadStatus.CLOSED)

    def _conversation(self, thread: ThreadRef) -> dict[str, Any]:
        return obj(self.http.call("GET", f"/conversations/{thread.id}"))

    def thread_status(self, thread: ThreadRef) -> ThreadStatus:
        archived = self._conversation(thread).get("status") in ("archived", "deleted")
        return ThreadStatus.CLOSED if archived else ThreadStatus.OPEN

    def thread_tags(self, thread: ThreadRef) -> frozenset[str]:
        tags = items(self._conversation(thread).get("tags"))
        return frozenset(str(t["name"]) for t in tags if isinstance(t.get("name"), str))

    def verify_webhook(self, request: WebhookRequest) -> None:
        stamp = header(request.headers, "X-Front-Request-Timestamp")
        if not stamp.isdigit():
            raise InvalidWebhook("no timestamp")
        check_base64_signature(
            header(request.headers, "X-Front-Signature"),
            self.tenant.webhook_secret,
            stamp.encode() + b":" + request.body,
        )
        check_fresh(datetime.fromtimestamp(int(stamp) / 1000, UTC), request.received_at)

    def parse_webhook(self, payload: Any) -> list[HelpdeskEvent]:
        body = obj(payload)
        check_tenant(ident(obj(body.get("authorization")).get("id")), self.tenant.tenant_key)
        event = obj(body.get("payload"))
        event_id, kind = ident(event.get("id")), str(event.get("type") or "")
        thread_id = ident(obj(event.get("conversation")).get("id"))
        if not event_id or not thread_id:
            return []
        base = HelpdeskEvent(event_id, self.tenant.tenant_key, thread_id, EventKind.OTHER)
        target = obj(obj(event.get("target")).get("data"))
        if kind in MESSAGE_EVENTS or kind == "comment":
            # Previews: hydrate reads the message or comment before anyone believes it.
            return [
                replace(
                    base,
                    kind=EventKind.MESSAGE,
                    message_id=ident(target.get("id")),
                    visibility=Visibility.INTERNAL if kind == "comment" else Visibility.PUBLIC,
                    author=Author.AUTOMATION if _by_rule(event) else Author.UNKNOWN,
                    needs_fetch=True,
                )
            ]
        if kind == "archive":
            return [replace(base, kind=EventKind.CLOSED)]
        if kind == "reopen":
            return [replace(base, kind=EventKind.REOPENED)]
        if kind in ("tag", "tag_added"):
            return [replace(base, kind=EventKind.TAGS)]
        return []

    def hydrate(self, event: HelpdeskEvent) -> HelpdeskEvent:
        if not event.needs_fetch or not event.message_id:
            return event
        internal = event.visibility is Visibility.INTERNAL
        path = f"/comments/{event.message_id}" if internal else f"/messages/{event.message_id}"
        found = obj(self.http.call("GET", path))
        author = obj(found.get("author"))
        author_id = ident(author.get("id"))
        if event.author is Author.AUTOMATION:
            who = Author.AUTOMATION
        elif not internal and found.get("is_inbound") is True:
            who = Author.CUSTOMER
        elif author_id == self.tenant.bot_actor_id:
            who = Author.BOT_SELF
        elif author_id.startswith("tea_"):
            who = Author.HUMAN_AGENT
        else:
            who = Author.UNKNOWN
        return replace(
            event,
            author=who,
            author_id=author_id,
            author_name=str(author.get("first_name") or "")[:100],
            body_text=str(found.get("text") or found.get("body") or ""),
            needs_fetch=False,
        )

    def subscribe_webhooks(self, url: str) -> dict[str, str]:
        return {}  # application webhooks are part of the app, not of each company

    def unsubscribe_webhooks(self, state: Mapping[str, str]) -> None:
        return None


def _by_rule(event: dict[str, Any]) -> bool:
    return obj(obj(event.get("source")).get("_meta")).get("type") == "rule"
