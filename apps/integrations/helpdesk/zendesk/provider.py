"""Zendesk Support: tickets, comments through ticket updates, event webhooks.

Facts from reference/helpdesks.md §2: the customer is the ticket's requester; every
comment and status change is a `PUT /tickets/{id}`; `Idempotency-Key` guards ticket
creation; event webhooks are signed base64(HMAC-SHA256(secret, timestamp + body)) and
their ids arrive as strings. A public comment triggers Zendesk's default notification
email, so a reply the customer already has is mirrored as an internal note.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

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
    Tenant,
    ThreadRef,
    ThreadStatus,
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
    numeric,
    obj,
    required_id,
)
from apps.integrations.helpdesk.http import HelpdeskHttp

EVENT_PREFIX = "zen:event-type:"
SUBSCRIPTIONS = (
    "zen:event-type:ticket.comment_added",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.tags_changed",
)
CLOSED_STATUSES = {"solved", "closed"}
# Zendesk's own system user signs trigger/automation comments.
SYSTEM_AUTHOR = "-1"


def base_url(subdomain: str) -> str:
    return f"https://{subdomain}.zendesk.com/api/v2"


class ZendeskProvider:
    key = "zendesk"

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.http = HelpdeskHttp(tenant, "Zendesk")

    def identify(self, *, actor_email: str = "") -> Identity:
        me = obj(obj(self.http.call("GET", "/users/me")).get("user"))
        host = self.tenant.base_url.removeprefix("https://").split("/")[0]
        label = f"{me.get('email') or me.get('name') or 'API user'} on {host}"
        # Zendesk's API never names the account id; webhooks carry it (see parse_webhook).
        return Identity("", required_id(me, "id", what="user id"), label)

    def find_or_create_customer(self, email: str, name: str = "") -> Customer:
        user = {"email": email, "name": name or email, "role": "end-user"}
        body = self.http.call("POST", "/users/create_or_update", json={"user": user})
        return Customer(required_id(body, "user", "id", what="user id"), email, name)

    def create_thread(
        self,
        customer: Customer,
        subject: str,
        first: OutMessage,
        *,
        external_id: str,
        tags: Sequence[str] = (),
    ) -> ThreadRef:
        # The key expires on Zendesk's side after a while; the external_id look-up covers
        # a retry that comes later than that.
        found = self._find(external_id)
        if found is not None:
            return found
        ticket = {
            "subject": subject,
            "comment": self._comment(first, customer.id),
            "requester_id": numeric(customer.id),
            "external_id": external_id,
            "tags": list(tags),
        }
        body = self.http.call(
            "POST", "/tickets", json={"ticket": ticket}, headers={"Idempotency-Key": external_id}
        )
        return ThreadRef(required_id(body, "ticket", "id", what="ticket id"), customer.id)

    def _find(self, external_id: str) -> ThreadRef | None:
        body = self.http.call("GET", "/tickets", params={"external_id": external_id})
        for ticket in items(obj(body).get("tickets")):
            if ticket.get("external_id") == external_id and ident(ticket.get("id")):
                return ThreadRef(ident(ticket["id"]), ident(ticket.get("requester_id")))
        return None

    def _comment(self, message: OutMessage, customer_id: str) -> dict[str, Any]:
        comment: dict[str, Any] = {"body": message.body_text}
        if message.body_html:
            comment["html_body"] = message.body_html
        if message.kind is MessageKind.CUSTOMER:
            comment.update(public=True, author_id=numeric(customer_id))
        else:
            # A public comment emails the requester: only an undelivered reply may go public.
            comment["public"] = message.kind is MessageKind.REPLY and not message.delivered
        return comment

    def post_message(self, thread: ThreadRef, message: OutMessage, *, external_id: str) -> str:
        comment = self._comment(message, thread.customer_id)
        body = self.http.call("PUT", f"/tickets/{thread.id}", json={"ticket": {"comment": comment}})
        for event in items(obj(obj(body).get("audit")).get("events")):
            if event.get("type") == "Comment" and ident(event.get("id")):
                return ident(event["id"])
        return required_id(body, "audit", "id", what="comment audit")

    def find_message(
        self, thread: ThreadRef, message: OutMessage, *, external_id: str, exclude: Collection[str]
    ) -> str | None:
        # Comments carry no id of ours: the same text by the same author, not yet accounted for.
        author = (
            thread.customer_id if message.kind is MessageKind.CUSTOMER else self.tenant.bot_actor_id
        )
        found = self.http.call(
            "GET", f"/tickets/{thread.id}/comments", params={"sort_order": "desc"}
        )
        for comment in items(obj(found).get("comments")):
            same = str(comment.get("body") or "").strip() == message.body_text.strip()
            mine = ident(comment.get("author_id")) == author
            if same and mine and ident(comment.get("id")) not in exclude:
                return ident(comment["id"])
        return None

    def update_thread(
        self,
        thread: ThreadRef,
        *,
        status: ThreadStatus | None = None,
        add_tags: Sequence[str] = (),
        assignee: Assignee | None = None,
    ) -> None:
        # One PUT for everything: updates share a 30-per-10-minutes budget per ticket.
        ticket: dict[str, Any] = {}
        if status is not None:
            ticket["status"] = "solved" if status is ThreadStatus.CLOSED else "open"
        if add_tags:
            ticket["additional_tags"] = list(add_tags)
        if assignee is not None:
            field = "group_id" if assignee.kind is AssigneeKind.TEAM else "assignee_id"
            ticket[field] = numeric(assignee.id)
        if ticket:
            self.http.call("PUT", f"/tickets/{thread.id}", json={"ticket": ticket})

    def list_assignees(self) -> list[Assignee]:
        agents = self.http.call(
            "GET", "/users", params={"role[]": ["agent", "admin"], "page[size]": "100"}
        )
        groups = self.http.call("GET", "/groups", params={"page[size]": "100"})
        found = [
            Assignee(AssigneeKind.USER, ident(u.get("id")), str(u.get("name") or "")[:100])
            for u in items(obj(agents).get("users"))
            if ident(u.get("id")) and ident(u.get("id")) != self.tenant.bot_actor_id
        ]
        found += [
            Assignee(AssigneeKind.TEAM, ident(g.get("id")), str(g.get("name") or "")[:100])
            for g in items(obj(groups).get("groups"))
            if ident(g.get("id"))
        ]
        return found

    def close_thread(self, thread: ThreadRef) -> None:
        self.update_thread(thread, status=ThreadStatus.CLOSED)

    def _ticket(self, thread: ThreadRef) -> dict[str, Any]:
        ticket = obj(obj(self.http.call("GET", f"/tickets/{thread.id}")).get("ticket"))
        if not ticket:
            raise NotFound("Zendesk: no such ticket")
        return ticket

    def thread_status(self, thread: ThreadRef) -> ThreadStatus:
        status = self._ticket(thread).get("status")
        return ThreadStatus.CLOSED if status in CLOSED_STATUSES else ThreadStatus.OPEN

    def thread_tags(self, thread: ThreadRef) -> frozenset[str]:
        tags = self._ticket(thread).get("tags")
        return (
            frozenset(t for t in tags if isinstance(t, str))
            if isinstance(tags, list)
            else frozenset()
        )

    def verify_webhook(self, request: WebhookRequest) -> None:
        stamp = header(request.headers, "X-Zendesk-Webhook-Signature-Timestamp")
        try:
            sent_at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidWebhook("no timestamp") from exc
        if sent_at.tzinfo is None:
            raise InvalidWebhook("no timestamp")
        check_base64_signature(
            header(request.headers, "X-Zendesk-Webhook-Signature"),
            self.tenant.webhook_secret,
            stamp.encode() + request.body,
        )
        check_fresh(sent_at, request.received_at)

    def parse_webhook(self, payload: Any) -> list[HelpdeskEvent]:
        body = obj(payload)
        if self.tenant.tenant_key.isdigit():  # the account id, when known
            check_tenant(ident(body.get("account_id")), self.tenant.tenant_key)
        event_id = ident(body.get("id"))
        kind = str(body.get("type", "")).removeprefix(EVENT_PREFIX)
        detail, event = obj(body.get("detail")), obj(body.get("event"))
        thread_id = ident(detail.get("id"))
        if not event_id or not thread_id:
            return []
        if kind == "ticket.comment_added":
            return [self._comment_event(event_id, thread_id, obj(event.get("comment")))]
        if kind == "ticket.status_changed":
            current = str(event.get("current", "")).lower()
            closed = current in CLOSED_STATUSES
            return [
                HelpdeskEvent(
                    event_id,
                    self.tenant.tenant_key,
                    thread_id,
                    EventKind.CLOSED if closed else EventKind.REOPENED,
                )
            ]
        if kind == "ticket.tags_changed":
            # The event type is Zendesk's (developer.zendesk.com/api-reference/webhooks/
            # event-types/ticket-events); its `event` names the change (added.tags /
            # removed.tags in public code: bb-io/Zendesk TagsChangedEvent) and `detail.tags`
            # the ticket's tags. Neither is trusted alone: the tags are read back from the
            # API before anyone acts on them.
            return [HelpdeskEvent(event_id, self.tenant.tenant_key, thread_id, EventKind.TAGS)]
        return []

    def _comment_event(
        self, event_id: str, thread_id: str, comment: dict[str, Any]
    ) -> HelpdeskEvent:
        author = obj(comment.get("author"))
        author_id = ident(author.get("id"))
        if author_id == self.tenant.bot_actor_id:
            who = Author.BOT_SELF
        elif author_id == SYSTEM_AUTHOR:
            who = Author.AUTOMATION
        elif author.get("is_staff") is True:
            who = Author.HUMAN_AGENT
        elif author_id:
            who = Author.CUSTOMER
        else:
            who = Author.UNKNOWN
        public = comment.get("is_public") is True
        return HelpdeskEvent(
            event_id,
            self.tenant.tenant_key,
            thread_id,
            EventKind.MESSAGE,
            author=who,
            author_id=author_id,
            author_name=str(author.get("name") or "")[:100],
            visibility=Visibility.PUBLIC if public else Visibility.INTERNAL,
            message_id=ident(comment.get("id")),
            body_text=str(comment.get("body") or ""),
        )

    def hydrate(self, event: HelpdeskEvent) -> HelpdeskEvent:
        return event  # signed and complete

    def subscribe_webhooks(self, url: str) -> dict[str, str]:
        webhook = {
            "name": "Aftersale",
            "endpoint": url,
            "http_method": "POST",
            "request_format": "json",
            "status": "active",
            "subscriptions": list(SUBSCRIPTIONS),
        }
        body = self.http.call("POST", "/webhooks", json={"webhook": webhook})
        webhook_id = required_id(body, "webhook", "id", what="webhook id")
        secret = self.http.call("GET", f"/webhooks/{webhook_id}/signing_secret")
        return {
            "webhook_id": webhook_id,
            "signing_secret": str(obj(obj(secret).get("signing_secret")).get("secret") or ""),
        }

    def unsubscribe_webhooks(self, state: Mapping[str, str]) -> None:
        if state.get("webhook_id"):
            with contextlib.suppress(NotFound):  # already gone: the goal is reached
                self.http.call("DELETE", f"/webhooks/{state['webhook_id']}")
