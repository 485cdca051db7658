"""SendGrid Inbound Parse (`/inbound/email/<store token>`): an email as a multipart POST.

Inbound Parse is not signed. What stands in for a signature: the store-scoped, unguessable
token in the URL (known to SendGrid's settings only), a connected SendGrid integration, and the
Message-ID taken once (a replayed POST is acknowledged and changes nothing). Attachments are
never stored: their bytes are discarded while the request is read, and only their name, type and
size are noted. The request parses the post, looks up the store and its SendGrid connection in
one query and stores the email as an inbound event with one INSERT ... ON CONFLICT DO NOTHING
(keyed by the Message-ID, so a replay stores nothing), handed to the worker after commit;
threading, loop and auto-reply checks, the conversation and the agent are the worker's
(apps.webhooks.handlers.messaging).
"""

from __future__ import annotations

import email.parser
import email.policy
from email.utils import getaddresses, parseaddr
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.conversations import inbound
from apps.conversations.email_inbound import (
    Attachment,
    InboundEmail,
    email_to_payload,
    receipt_id,
)
from apps.conversations.email_mime import decode_text, read_mime
from apps.conversations.email_threading import message_ids
from apps.conversations.models import Channel
from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.integrations.messaging.base import EMAIL_ADDRESS
from apps.webhooks.handlers.messaging import EMAIL_TOPIC
from apps.webhooks.models import Provider
from apps.webhooks.provider_inbox import provider_event_insert

# SendGrid refuses emails over 30 MB itself; anything larger is not from it.
MAX_REQUEST_BYTES = 30 * 1024 * 1024
MAX_HEADER_CHARS = 64 * 1024
MAX_ATTACHMENTS_NOTED = 10
MAX_RECIPIENTS = 50
# What the form is decoded as before each field is decoded per its own charset: one
# character per byte, so the bytes come back unchanged.
RAW_FIELDS = "latin-1"


class _NoteAttachments(FileUploadHandler):
    """Reads each attached file to its end, keeping only its name, type and size."""

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request)
        self.noted: list[Attachment] = []
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        # Returning nothing: the bytes go nowhere, no handler after this one sees them.
        self._size += len(raw_data)

    def file_complete(self, file_size: int) -> None:
        if len(self.noted) < MAX_ATTACHMENTS_NOTED:
            name = str(self.file_name or "attachment")[:100]
            self.noted.append(Attachment(name, str(self.content_type or "")[:100], self._size))


@csrf_exempt
@require_POST
def inbound_email(request: HttpRequest, token: str) -> HttpResponse:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES:
        return HttpResponse(status=413)
    credential = inbound.endpoint_credential(token, Channel.EMAIL, "sendgrid")
    if credential is None:
        return HttpResponse(status=404)
    store = credential.store
    attachments = _NoteAttachments(request)
    request.upload_handlers = [attachments]
    # Each field arrives in the charset SendGrid names for it in `charsets` (ISO-8859-1,
    # Shift_JIS... not only UTF-8): read every field as Latin-1, which maps each byte to one
    # character and loses nothing, and decode the bytes per field in parse_inbound.
    request.encoding = RAW_FIELDS
    try:
        form = request.POST
    except (RequestDataTooBig, TooManyFieldsSent):
        return HttpResponse(status=413)
    except MultiPartParserError:
        return HttpResponse(status=400)
    parsed = parse_inbound(form, attachments.noted)
    if parsed is None:
        return HttpResponse(status=400)
    provider_event_insert(
        provider=Provider.SENDGRID,
        store=store,
        event_id=f"{store.pk}:{receipt_id(parsed)}",
        topic=EMAIL_TOPIC,
        payload=email_to_payload(parsed),
    )
    # 200 whatever became of it (a duplicate, an auto-reply): SendGrid must not post it again.
    return HttpResponse(status=200)


def parse_inbound(form: QueryDict, attachments: list[Attachment]) -> InboundEmail | None:
    """The email in SendGrid's form fields (read as RAW_FIELDS), None when it has no usable
    sender. Either the parsed fields (text, html, headers) or, when the merchant chose "POST
    the raw, full MIME message", the whole message in `email`."""
    fields = _Fields(form)
    raw = fields.raw("email")
    if raw:
        mime = read_mime(raw)
        headers, text, html = mime.headers, mime.text, mime.html
        noted = [Attachment(a.name, a.content_type, a.size) for a in mime.attachments]
        attachments = (attachments + noted)[:MAX_ATTACHMENTS_NOTED]
    else:
        headers = _headers(fields.text("headers"))
        text, html = fields.text("text"), fields.text("html")
    _, sender = parseaddr(fields.text("from") or headers.get("From", ""))
    sender = sender.strip().lower()
    if not EMAIL_ADDRESS.fullmatch(sender):
        return None
    message_id = next(iter(message_ids(headers.get("Message-ID", ""))), "")
    chain = message_ids(headers.get("In-Reply-To", "")) + message_ids(headers.get("References", ""))
    subject = fields.text("subject") or headers.get("Subject", "")
    return InboundEmail(
        sender=sender,
        # jsonb (where the worker takes the email from) cannot hold NUL.
        subject=" ".join(subject.split())[:200].replace("\x00", ""),
        text=text.replace("\x00", ""),
        html=html.replace("\x00", ""),
        to=tuple(_recipients(fields)),
        headers={k.replace("\x00", ""): v.replace("\x00", "") for k, v in headers.items()},
        message_id=message_id.replace("\x00", ""),
        references=tuple(r.replace("\x00", "") for r in dict.fromkeys(chain)),
        attachments=tuple(
            Attachment(_utf8(a.name).replace("\x00", ""), a.content_type, a.size)
            for a in attachments
        ),
    )


class _Fields:
    """The form's fields decoded per SendGrid's `charsets` (field name -> charset)."""

    def __init__(self, form: QueryDict) -> None:
        self._form = form
        try:
            charsets = parse_json(self.raw("charsets") or b"{}")
        except InvalidJSON:
            charsets = {}
        self._charsets = charsets if isinstance(charsets, dict) else {}

    def raw(self, name: str) -> bytes:
        return str(self._form.get(name, "")).encode(RAW_FIELDS)

    def text(self, name: str) -> str:
        charset = self._charsets.get(name)
        return decode_text(self.raw(name), charset if isinstance(charset, str) else "utf-8")


def _utf8(field: str) -> str:
    """A value Django decoded as RAW_FIELDS (an attachment's file name), as UTF-8."""
    return decode_text(field.encode(RAW_FIELDS, errors="replace"), "utf-8")


def _headers(raw: str) -> dict[str, str]:
    """The raw header block as a dict (the first value of each name; names as sent)."""
    parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
        raw[:MAX_HEADER_CHARS]
    )
    found: dict[str, str] = {}
    for name, value in parsed.items():
        found.setdefault(name, " ".join(str(value).split())[:2000])
    return found


def _recipients(fields: _Fields) -> list[str]:
    """Every address the email was sent to: the envelope's and the To/Cc headers'."""
    addresses: list[str] = []
    try:
        envelope = parse_json(fields.raw("envelope") or b"{}")
    except InvalidJSON:
        envelope = {}
    if isinstance(envelope, dict) and isinstance(envelope.get("to"), list):
        addresses += [str(a) for a in envelope["to"]]
    for _, address in getaddresses([fields.text("to"), fields.text("cc")]):
        addresses.append(address)
    return [a.lower()[:254] for a in addresses if a][:MAX_RECIPIENTS]
