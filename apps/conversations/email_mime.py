"""Reading a raw MIME email (RFC 5322 bytes) into what an inbound email needs: its headers,
its plain text and HTML, and a note of each attachment. For providers that post the whole
message (SendGrid Inbound Parse's "POST the raw, full MIME message" option).

Never raises on what a sender controls: a part in an unknown or bogus charset is read as UTF-8
with replacement characters, a malformed structure yields what could be read. Bounded: at most
MAX_PARTS parts are looked at, and attachments are only measured, never kept.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage, Message

MAX_PARTS = 200
MAX_ATTACHMENTS = 10
MAX_HEADER_CHARS = 2000


@dataclass(frozen=True)
class MimeAttachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MimeEmail:
    headers: dict[str, str]  # the first value of each header name, decoded (RFC 2047)
    text: str
    html: str
    attachments: tuple[MimeAttachment, ...]


def read_mime(raw: bytes) -> MimeEmail:
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    headers: dict[str, str] = {}
    for name in message:
        if name not in headers:
            headers[name] = _header(message, name)
    text, html = "", ""
    attachments: list[MimeAttachment] = []
    for index, part in enumerate(message.walk()):
        if index >= MAX_PARTS:
            break
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if part.get_content_disposition() == "attachment" or kind not in (
            "text/plain",
            "text/html",
        ):
            if len(attachments) < MAX_ATTACHMENTS:
                attachments.append(_attachment(part))
            continue
        # The first plain and the first HTML body win; later ones are alternatives or quotes.
        if kind == "text/plain" and not text:
            text = part_text(part)
        elif kind == "text/html" and not html:
            html = part_text(part)
    return MimeEmail(headers=headers, text=text, html=html, attachments=tuple(attachments))


def part_text(part: Message) -> str:
    """A text part decoded with its declared charset, else UTF-8, never failing."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_text(payload, part.get_content_charset() or "utf-8")


def decode_text(data: bytes, charset: str) -> str:
    """`data` in `charset`; an unknown charset, or a codec that is not a text encoding (a
    sender can name any), falls back to UTF-8 with replacement characters."""
    try:
        return data.decode(charset.strip() or "utf-8", errors="replace")
    except (LookupError, ValueError, TypeError):
        return data.decode("utf-8", errors="replace")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = str(message.get(name, ""))
    except (LookupError, ValueError, TypeError, AttributeError):
        # A header the policy could not decode: its raw form, as text.
        value = str(message.get_all(name, [""])[0])
    return " ".join(value.split())[:MAX_HEADER_CHARS]


def _attachment(part: Message) -> MimeAttachment:
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else 0
    name = part.get_filename() or "attachment"
    return MimeAttachment(str(name)[:100], part.get_content_type()[:100], size)
