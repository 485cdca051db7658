"""Email threading: who a store's email comes from, the per-conversation reply-to address
(`support+<token>@<inbound domain>`), our Message-IDs, and which thread an inbound email
continues.

The token only routes; it never proves who writes. An email continues a conversation only
when it carries the token (in the address it was sent to, or in In-Reply-To/References, which
quote our Message-IDs) and comes from the address that started the thread. Anything else starts
a new conversation: a claimed address alone never joins one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from apps.conversations.models import Conversation, EmailThread
from apps.integrations.messaging import registry
from apps.stores.models import Store

REPLY_LOCAL_PART = "support"
# Where replies come back when the console provider stands in for SendGrid (`make demo`).
DEMO_INBOUND_DOMAIN = "inbound.demo.aftersale.test"
DEMO_FROM_EMAIL = "support@demo.aftersale.test"
MAX_REFERENCES = 20
MAX_TOKENS_LOOKED_UP = 10

_TOKEN = r"[a-z0-9]{20}"
_TOKEN_IN_ADDRESS = re.compile(rf"\+({_TOKEN})@", re.IGNORECASE)
_TOKEN_IN_MESSAGE_ID = re.compile(rf"<[^<>@\s]*\.t({_TOKEN})@[^<>\s]+>", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]{3,250}>")


@dataclass(frozen=True)
class EmailIdentity:
    """What a store's email is sent as, and the domain its replies come back to."""

    from_email: str
    from_name: str
    inbound_domain: str

    @property
    def id_domain(self) -> str:
        return self.inbound_domain or self.from_email.rpartition("@")[2]

    def is_ours(self, address: str) -> bool:
        """Mail from our own sender or our inbound domain is our mail coming back (a loop)."""
        address = address.lower()
        domain = address.rpartition("@")[2]
        return address == self.from_email.lower() or (
            bool(self.inbound_domain) and domain == self.inbound_domain.lower()
        )


def email_identity(store: Store) -> EmailIdentity | None:
    """The store's sending identity, None when no email provider is set up."""
    found = registry.email_sender(store)
    if found is None:
        return None
    _, config = found
    if not config:  # the console provider: the demo's own addresses
        return EmailIdentity(DEMO_FROM_EMAIL, store.name[:100], DEMO_INBOUND_DOMAIN)
    return EmailIdentity(
        from_email=config.get("from_email", ""),
        from_name=(config.get("from_name") or store.name)[:100],
        inbound_domain=config.get("inbound_domain", "").lower(),
    )


def message_ids(value: str) -> list[str]:
    """The `<…>` ids in a Message-ID, In-Reply-To or References header, in order."""
    return _MESSAGE_ID.findall(value or "")[: MAX_REFERENCES * 2]


def thread_start(
    *, store: Store, conversation: Conversation, customer_address: str, subject: str
) -> EmailThread:
    return EmailThread.objects.create(
        store=store,
        conversation=conversation,
        token="".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(20)),
        customer_address=customer_address.lower()[:254],
        subject=_clean_subject(subject),
    )


def thread_for(
    store: Store, *, sender: str, to: Iterable[str], references: Iterable[str]
) -> EmailThread | None:
    """The store's thread this email continues, None when it continues none (see module)."""
    tokens: list[str] = []
    for address in to:
        tokens += [t.lower() for t in _TOKEN_IN_ADDRESS.findall(address)]
    for message_id in references:
        tokens += [t.lower() for t in _TOKEN_IN_MESSAGE_ID.findall(message_id)]
    if not tokens:
        return None
    return (
        EmailThread.objects.select_for_update()
        .select_related("conversation")
        .filter(
            store=store,
            token__in=tokens[:MAX_TOKENS_LOOKED_UP],
            customer_address=sender.lower(),
        )
        .order_by("-id")
        .first()
    )


def thread_note_inbound(thread: EmailThread, *, message_id: str, references: list[str]) -> None:
    """Remember the customer's latest Message-ID, so our reply answers it in their client."""
    if not message_id:
        return
    chain = [r for r in [*thread.references, *references] if r != message_id]
    thread.references = list(dict.fromkeys(chain))[-(MAX_REFERENCES - 1) :] + [message_id]
    thread.last_message_id = message_id[:300]
    thread.save(update_fields=["references", "last_message_id"])


def reply_address(thread: EmailThread, identity: EmailIdentity) -> str:
    if not identity.inbound_domain:
        return ""
    return f"{REPLY_LOCAL_PART}+{thread.token}@{identity.inbound_domain}"


def our_message_id(thread: EmailThread, identity: EmailIdentity, *, key: str) -> str:
    """A Message-ID for one email of ours in this thread (fixed per outbox key, so a copy sent
    again after an ambiguous failure carries the same one)."""
    slug = re.sub(r"[^A-Za-z0-9]", "-", key)[:60]
    return f"<{slug}.t{thread.token}@{identity.id_domain}>"


def reply_envelope(
    thread: EmailThread, identity: EmailIdentity, *, key: str, automatic: bool = True
) -> dict[str, object]:
    """The outbox envelope of a reply in this thread: from name, reply-to, threading headers."""
    headers = {"Message-ID": our_message_id(thread, identity, key=key)}
    if thread.last_message_id:
        headers["In-Reply-To"] = thread.last_message_id
        headers["References"] = _references_header(list(thread.references))
    if automatic:
        # Auto-responders that honour RFC 3834 stay quiet when they see it.
        headers["Auto-Submitted"] = "auto-replied"
    return {
        "from_name": identity.from_name,
        "reply_to": reply_address(thread, identity),
        "headers": headers,
    }


def _references_header(chain: list[str]) -> str:
    """The chain within one header line: the oldest ids go first (the newest matter most)."""
    while chain and len(" ".join(chain)) > 900:
        chain.pop(0)
    return " ".join(chain)


def reply_subject(thread: EmailThread) -> str:
    subject = thread.subject or "Your message"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"[:200]


def _clean_subject(subject: str) -> str:
    return " ".join((subject or "").split())[:190]
