"""One notification in the store's look: plain text and simple HTML from the same parts, the
store's name and colour, and one line saying why the reader got it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string

from apps.stores.models import Store
from apps.stores.services import store_settings

MAX_SMS_CHARS = 480  # three segments: a notice, not a letter


@dataclass(frozen=True)
class Notice:
    subject: str
    lines: tuple[str, ...]
    why: str
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, url)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def brand_name(store: Store) -> str:
    return store.name or store.domain


def render(store: Store, notice: Notice) -> Rendered:
    name = brand_name(store)
    links = "\n".join(f"{label}: {url}" for label, url in notice.links)
    text = "\n\n".join([*notice.lines, *([links] if links else []), f"— {name}", notice.why])
    html = render_to_string(
        "notifications/email.html",
        {
            "store_name": name,
            "colour": store_settings(store).widget_color,
            "notice": notice,
        },
    )
    sms_links = " ".join(url for _, url in notice.links)
    sms = " ".join([f"{name}:", *notice.lines, sms_links]).strip()
    return Rendered(subject=notice.subject[:200], text=text, html=html, sms=sms[:MAX_SMS_CHARS])
