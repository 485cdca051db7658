"""Twilio's inbound SMS webhook (`/inbound/sms/<store token>`) (the reply hook that puts the agent's
answer in the outbox is apps.conversations.sms.queue_sms_reply, registered in apps.py).

The signature is checked over the public URL Twilio requested (APP_URL + path + query), not
the host Django sees behind our proxy (reference §8.10), with the SDK's RequestValidator and the
store's own auth token. The view only persists and enqueues; the reply is sent by a task.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from apps.chat.services import receive_sms
from apps.conversations import inbound, outbox
from apps.conversations.models import Channel
from apps.integrations.messaging.registry import connected_config
from apps.stores.models import Store

MAX_BODY_BYTES = 64 * 1024  # a text is at most 1,600 characters plus Twilio's fields
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@csrf_exempt
@require_POST
def inbound_sms(request: HttpRequest, token: str) -> HttpResponse:
    verified = _verified(request, token)
    if isinstance(verified, HttpResponse):
        return verified
    sid, customer = request.POST.get("MessageSid", ""), request.POST.get("From", "")
    store_number = request.POST.get("To", "")
    if not (
        MESSAGE_SID.fullmatch(sid) and PHONE.fullmatch(customer) and PHONE.fullmatch(store_number)
    ):
        return HttpResponse(status=400)
    receive_sms(
        store=verified,
        message_sid=sid,
        customer=customer,
        store_number=store_number,
        body=request.POST.get("Body", "")[:1600] or "(empty message)",
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, token: str) -> HttpResponse:
    """Twilio's status callback for a message we sent: the outbox row follows it."""
    verified = _verified(request, token)
    if isinstance(verified, HttpResponse):
        return verified
    sid = request.POST.get("MessageSid", "")
    if not MESSAGE_SID.fullmatch(sid):
        return HttpResponse(status=400)
    outbox.record_delivery(
        store=verified,
        provider="twilio",
        message_id=sid,
        event=request.POST.get("MessageStatus", "")[:20],
        detail=request.POST.get("ErrorCode", "")[:10],
    )
    return HttpResponse(status=204)


def _verified(request: HttpRequest, token: str) -> Store | HttpResponse:
    """The store this signed Twilio request is for, or the refusal to answer with."""
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    store = inbound.store_for_token(token, Channel.SMS)
    config = connected_config(store, "twilio") if store else None
    if store is None or config is None:
        return HttpResponse(status=404)
    url = settings.APP_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(config["auth_token"])
    if not signature or not validator.validate(url, request.POST, signature):
        return HttpResponse(status=403)
    if request.POST.get("AccountSid") != config["account_sid"]:
        return HttpResponse(status=403)
    return store
