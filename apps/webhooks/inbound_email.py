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
    """The email in SendGrid's parsed form fields, None when it has no usable sender."""
    headers = _headers(form.get("headers", ""))
    _, sender = parseaddr(form.get("from", "") or headers.get("From", ""))
    sender = sender.strip().lower()
    if not EMAIL_ADDRESS.fullmatch(sender):
        return None
    message_id = next(iter(message_ids(headers.get("Message-ID", ""))), "")
    chain = message_ids(headers.get("In-Reply-To", "")) + message_ids(headers.get("References", ""))
    return InboundEmail(
        sender=sender,
        # jsonb (where the worker takes the email from) cannot hold NUL.
        subject=" ".join(form.get("subject", "").split())[:200].replace("\x00", ""),
        text=form.get("text", "").replace("\x00", ""),
        html=form.get("html", "").replace("\x00", ""),
        to=tuple(_recipients(form)),
        headers=headers,
        message_id=message_id,
        references=tuple(dict.fromkeys(chain)),
        attachments=tuple(attachments),
    )


def _headers(raw: str) -> dict[str, str]:
    """The raw header block as a dict (the first value of each name; names as sent)."""
    parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
        raw[:MAX_HEADER_CHARS]
    )
    found: dict[str, str] = {}
    for name, value in parsed.items():
        found.setdefault(name, " ".join(str(value).split())[:2000])
    return found


def _recipients(form: QueryDict) -> list[str]:
    """Every address the email was sent to: the envelope's and the To/Cc headers'."""
    addresses: list[str] = []
    try:
        envelope = parse_json(form.get("envelope", "{}").encode())
    except InvalidJSON:
        envelope = {}
    if isinstance(envelope, dict) and isinstance(envelope.get("to"), list):
        addresses += [str(a) for a in envelope["to"]]
    for _, address in getaddresses([form.get("to", ""), form.get("cc", "")]):
        addresses.append(address)
    return [a.lower()[:254] for a in addresses if a][:MAX_RECIPIENTS]
