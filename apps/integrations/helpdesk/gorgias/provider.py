"""Gorgias: tickets with messages, HTTP-integration webhooks (unsigned).

Facts from reference/helpdesks.md §1: a ticket is created with its first message; every
message needs `channel`, `via` and `from_agent`; an internal note is
`channel: internal-note`; a message with `sent_datetime` is stored without being sent
(how a reply the customer already has is mirrored); `PUT` tags replace the list. There is
no native idempotency: the ticket carries our `external_id` and is looked up before
creating. Webhooks carry no signature: a per-store token in the URL and a secret header
set on the integration, and the message is re-fetched from the API before it is believed.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
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
    PermanentError,
    Tenant,
    ThreadRef,
    ThreadStatus,
    Visibility,
    WebhookRequest,
)
from apps.integrations.helpdesk.common import (
    check_tenant,
    header,
    ident,
    items,
    numeric,
    obj,
    required_id,
)
from apps.integrations.helpdesk.http import HelpdeskHttp

SECRET_HEADER = "X-Aftersale-Webhook-Secret"
INTERNAL_NOTE = "internal-note"
# The body Gorgias renders for each delivery: Jinja over the event's context.
TEMPLATE = (
    '{"account": "{{account.domain}}", "ticket_id": "{{ticket.id}}", '
    '"ticket_status": "{{ticket.status}}", "message_id": "{{message.id}}", '
    '"updated_datetime": "{{ticket.updated_datetime}}"}'
)
MAX_USER_PAGES = 10
TRIGGERS = {"ticket-message-created": True, "ticket-updated": True}


def base_url(subdomain: str) -> str:
    return f"https://{subdomain}.gorgias.com/api"


class GorgiasProvider:
    key = "gorgias"

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.http = HelpdeskHttp(tenant, "Gorgias")

    def identify(self, *, actor_email: str = "") -> Identity:
        me = self._me(actor_email or self.tenant.credentials.user)
        host = f"{self.tenant.tenant_key}.gorgias.com"
        label = f"{me.get('email') or me.get('name') or 'API user'} on {host}"
        return Identity(self.tenant.tenant_key, required_id(me, "id", what="user id"), label)

    def _me(self, email: str) -> dict[str, Any]:
        """The user the credentials act as. Public code disagrees on `GET /users/0` (one
        connector reads it as "the current user", another found user 0 missing with valid
        credentials), so a 404 falls back to the user with the login email."""
        try:
            return obj(self.http.call("GET", "/users/0"))
        except NotFound:
            if not email:
                raise PermanentError("name the Gorgias user the AI writes as") from None
        cursor = ""
        for _ in range(MAX_USER_PAGES):
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            page = obj(self.http.call("GET", "/users", params=params))
            for user in items(page.get("data")):
                if str(user.get("email") or "").lower() == email.lower():
                    return user
            cursor = str(obj(page.get("meta")).get("next_cursor") or "")
            if not cursor:
                break
        raise PermanentError(f"no Gorgias user {email[:100]}")

    def find_or_create_customer(self, email: str, name: str = "") -> Customer:
        found = self.http.call("GET", "/customers", params={"email": email})
        for customer in items(obj(found).get("data")):
            if ident(customer.get("id")):
                return Customer(ident(customer["id"]), email, name)
        channel = {"type": "email", "address": email, "preferred": True}
        body = self.http.call(
            "POST",
            "/customers",
            json={"name": name or email, "email": email, "channels": [channel]},
        )
        return Customer(required_id(body, "id", what="customer id"), email, name)

    def create_thread(
        self,
        customer: Customer,
        subject: str,
        first: OutMessage,
        *,
        external_id: str,
        tags: Sequence[str] = (),
    ) -> ThreadRef:
        found = self._find(external_id)
        if found is not None:
            return found
        ticket = {
            "customer": {"id": numeric(customer.id)},
            "subject": subject,
            "channel": "api",
            "via": "api",
            "external_id": external_id,
            "tags": [{"name": t} for t in tags],
            "messages": [self._message(first, customer.id, f"{external_id}:first")],
        }
        body = self.http.call("POST", "/tickets", json=ticket)
        return ThreadRef(required_id(body, "id", what="ticket id"), customer.id)

    def _find(self, external_id: str) -> ThreadRef | None:
        # VERIFY (reference §1): the ticket list filtered by our external_id.
        body = self.http.call("GET", "/tickets", params={"external_id": external_id})
        for ticket in items(obj(body).get("data")):
            if ticket.get("external_id") == external_id and ident(ticket.get("id")):
                customer = ident(obj(ticket.get("customer")).get("id"))
                return ThreadRef(ident(ticket["id"]), customer)
        return None

    def _message(self, message: OutMessage, customer_id: str, external_id: str) -> dict[str, Any]:
        sent: dict[str, Any] = {
            "body_text": message.body_text,
            "body_html": message.body_html or None,
            "external_id": external_id,
            "via": "api",
        }
        if message.kind is MessageKind.CUSTOMER:
            sent.update(from_agent=False, channel="api", sender={"id": numeric(customer_id)})
        elif message.kind is MessageKind.NOTE:
            sent.update(
                from_agent=True,
                channel=INTERNAL_NOTE,
                sender={"id": numeric(self.tenant.bot_actor_id)},
            )
        else:
            sent.update(
                from_agent=True,
                channel="api",
                sender={"id": numeric(self.tenant.bot_actor_id)},
                receiver={"id": numeric(customer_id)},
            )
        if message.kind is not MessageKind.NOTE and message.delivered:
            # With sent_datetime Gorgias stores the message and does not send it again.
            sent["sent_datetime"] = datetime.now(UTC).isoformat()
        return sent

    def post_message(self, thread: ThreadRef, message: OutMessage, *, external_id: str) -> str:
        sent = self._message(message, thread.customer_id, external_id)
        body = self.http.call("POST", f"/tickets/{thread.id}/messages", json=sent)
        return required_id(body, "id", what="message id")

    def find_message(
        self, thread: ThreadRef, message: OutMessage, *, external_id: str, exclude: Collection[str]
    ) -> str | None:
        # Our external_id is stored on the message as sent (Gorgias ignores it otherwise).
        found = self.http.call("GET", f"/tickets/{thread.id}/messages", params={"limit": "100"})
        for sent in items(obj(found).get("data")):
            if sent.get("external_id") == external_id and ident(sent.get("id")) not in exclude:
                return ident(sent["id"])
        return None

    def _ticket(self, thread: ThreadRef) -> dict[str, Any]:
        ticket = obj(self.http.call("GET", f"/tickets/{thread.id}"))
        if not ticket:
            raise NotFound("Gorgias: no such ticket")
        return ticket

    def update_thread(
        self,
        thread: ThreadRef,
        *,
        status: ThreadStatus | None = None,
        add_tags: Sequence[str] = (),
        assignee: Assignee | None = None,
    ) -> None:
        change: dict[str, Any] = {}
        if status is not None:
            change["status"] = status.value
        if add_tags:
            # PUT replaces the whole list: send what is there plus what we add.
            names = self.thread_tags(thread) | set(add_tags)
            change["tags"] = [{"name": n} for n in sorted(names)]
        if assignee is not None:
            # The Ticket update takes assignee_user and assignee_team (reference §1).
            field = "assignee_team" if assignee.kind is AssigneeKind.TEAM else "assignee_user"
            change[field] = {"id": numeric(assignee.id)}
        if change:
            self.http.call("PUT", f"/tickets/{thread.id}", json=change)

    def list_assignees(self) -> list[Assignee]:
        found = []
        for path, kind in (("/users", AssigneeKind.USER), ("/teams", AssigneeKind.TEAM)):
            page = obj(self.http.call("GET", path, params={"limit": "100"}))
            for row in items(page.get("data")):
                name = str(row.get("name") or row.get("email") or "")[:100]
                if ident(row.get("id")) and ident(row.get("id")) != self.tenant.bot_actor_id:
                    found.append(Assignee(kind, ident(row["id"]), name))
        return found

    def close_thread(self, thread: ThreadRef) -> None:
        self.update_thread(thread, status=ThreadStatus.CLOSED)

    def thread_status(self, thread: ThreadRef) -> ThreadStatus:
        closed = self._ticket(thread).get("status") == "closed"
        return ThreadStatus.CLOSED if closed else ThreadStatus.OPEN

    def thread_tags(self, thread: ThreadRef) -> frozenset[str]:
        tags = items(self._ticket(thread).get("tags"))
        return frozenset(str(t["name"]) for t in tags if isinstance(t.get("name"), str))

    def verify_webhook(self, request: WebhookRequest) -> None:
        given = header(request.headers, SECRET_HEADER)
        secret = self.tenant.webhook_secret
        if not secret or not given or not hmac.compare_digest(given.encode(), secret.encode()):
            raise InvalidWebhook("bad secret header")

    def parse_webhook(self, payload: Any) -> list[HelpdeskEvent]:
        body = obj(payload)
        domain = str(body.get("account") or "").split(".")[0]
        check_tenant(domain, self.tenant.tenant_key)
        ticket_id, message_id = ident(body.get("ticket_id")), ident(body.get("message_id"))
        if not ticket_id:
            return []
        if message_id:
            # Unsigned: nothing about the message is believed until hydrate re-reads it.
            return [
                HelpdeskEvent(
                    f"message:{message_id}",
                    self.tenant.tenant_key,
                    ticket_id,
                    EventKind.MESSAGE,
                    message_id=message_id,
                    needs_fetch=True,
                )
            ]
        status = str(body.get("ticket_status") or "")
        stamp = str(body.get("updated_datetime") or "")[:40]
        kind = EventKind.CLOSED if status == "closed" else EventKind.REOPENED
        return [
            HelpdeskEvent(
                f"ticket:{ticket_id}:{status}:{stamp}",
                self.tenant.tenant_key,
                ticket_id,
                kind,
                needs_fetch=True,
            )
        ]

    def hydrate(self, event: HelpdeskEvent) -> HelpdeskEvent:
        if not event.needs_fetch:
            return event
        if event.kind is not EventKind.MESSAGE:
            closed = self.thread_status(ThreadRef(event.thread_id)) is ThreadStatus.CLOSED
            kind = EventKind.CLOSED if closed else EventKind.REOPENED
            return replace(event, kind=kind, needs_fetch=False)
        message = obj(
            self.http.call("GET", f"/tickets/{event.thread_id}/messages/{event.message_id}")
        )
        if ident(message.get("ticket_id")) not in ("", event.thread_id):
            raise InvalidWebhook("the message belongs to another ticket")
        # The TicketMessage object (developers.gorgias.com/reference/the-ticketmessage-object):
        # `from_agent` says the company sent it, `sender` is a user or a customer, and
        # `rule_id` is "the ID of the rule which sent the message, if any": a rule's message
        # is the helpdesk's automation whoever it is sent as. `via` is only "how it was
        # received or sent", so "rule" there is a second sign, never the only one needed.
        sender = obj(message.get("sender"))
        sender_id = ident(sender.get("id"))
        internal = message.get("channel") == INTERNAL_NOTE or message.get("public") is False
        if message.get("from_agent") is not True:
            who = Author.CUSTOMER
        elif sender_id == self.tenant.bot_actor_id:
            who = Author.BOT_SELF
        elif message.get("rule_id") is not None or message.get("via") == "rule":
            who = Author.AUTOMATION
        else:
            who = Author.HUMAN_AGENT
        return replace(
            event,
            author=who,
            author_id=sender_id,
            author_name=str(sender.get("firstname") or sender.get("name") or "")[:100],
            visibility=Visibility.INTERNAL if internal else Visibility.PUBLIC,
            body_text=str(message.get("stripped_text") or message.get("body_text") or ""),
            needs_fetch=False,
        )

    def subscribe_webhooks(self, url: str) -> dict[str, str]:
        integration = {
            "name": "Aftersale",
            "type": "http",
            "http": {
                "url": url,
                "method": "POST",
                "request_content_type": "application/json",
                "headers": {SECRET_HEADER: self.tenant.webhook_secret},
                "form": TEMPLATE,
                "triggers": TRIGGERS,
            },
        }
        body = self.http.call("POST", "/integrations", json=integration)
        return {"integration_id": required_id(body, "id", what="integration id")}

    def unsubscribe_webhooks(self, state: Mapping[str, str]) -> None:
        if state.get("integration_id"):
            with contextlib.suppress(NotFound):
                self.http.call("DELETE", f"/integrations/{state['integration_id']}")
