"""Import the shop's policies into the store's knowledge base (kind "policy").

Idempotent: one entry per policy type, updated in place; a policy the merchant removed
in Shopify is removed here too (the agent must not quote it any more). Bodies arrive as
HTML and are stored as plain text: the knowledge base never holds markup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html.parser import HTMLParser

from django.db import transaction

from apps.core.locks import named_lock
from apps.integrations.commerce.base import Policy
from apps.integrations.commerce.shopify.mapping import POLICY_TYPES
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store

logger = logging.getLogger(__name__)

BODY_MAX = 20_000
SHOPIFY_TYPES = set(POLICY_TYPES.values())
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "hr",
}
_SKIPPED = {"script", "style", "head", "template", "noscript", "iframe", "object", "svg"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text: tags dropped, scripts/styles removed, entities decoded,
    paragraphs kept as blank-line separated blocks."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text, blank = [], False
    for line in lines:
        if line:
            text.append(line)
            blank = False
        elif text and not blank:
            text.append("")
            blank = True
    return "\n".join(text).strip()


@dataclass(frozen=True)
class PolicyImport:
    created: int
    updated: int
    removed: int


def policies_import(*, store: Store, policies: list[Policy]) -> PolicyImport:
    """Replace the store's imported policies with `policies`. Idempotent."""
    created = updated = 0
    wanted = {p.type: p for p in policies}
    with named_lock(f"policies-import:{store.pk}", timeout=60, wait=30), transaction.atomic():
        entries = KnowledgeEntry.objects.select_for_update().filter(
            store=store, kind=KnowledgeKind.POLICY
        )
        held = {e.policy_type: e for e in entries}
        for kind, policy in wanted.items():
            values = {
                "title": (policy.title or kind.title())[:200],
                "body": html_to_text(policy.body)[:BODY_MAX],
                "source_url": policy.url if len(policy.url) <= 200 else "",
            }
            entry = held.get(kind)
            if entry is None:
                KnowledgeEntry.objects.create(
                    store=store, kind=KnowledgeKind.POLICY, policy_type=kind, **values
                )
                created += 1
            elif any(getattr(entry, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(entry, name, value)
                entry.save()
                updated += 1
        # Only types Shopify manages: an entry the merchant wrote by hand stays.
        stale = [e.pk for kind, e in held.items() if kind in SHOPIFY_TYPES and kind not in wanted]
        removed, _ = KnowledgeEntry.objects.filter(pk__in=stale).delete()
    logger.info(
        "policies imported store_id=%s created=%s updated=%s removed=%s",
        store.pk,
        created,
        updated,
        removed,
    )
    return PolicyImport(created=created, updated=updated, removed=removed)
