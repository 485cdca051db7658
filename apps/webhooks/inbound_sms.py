"""Twilio's inbound SMS webhook (`/inbound/sms/<store token>`) (the reply hook that puts the agent's
answer in the outbox is apps.conversations.sms.queue_sms_reply, registered in apps.py).

The signature is checked over the public URL Twilio requested (APP_URL + path + query), not
the host Django sees behind our proxy (reference §8.10), with the SDK's RequestValidator and the
store's own auth token. The request is kept to what must happen before answering: one query for
the store and its Twilio credential (the auth token decrypted once a minute per process, see
apps.stores.credential_cache), the signature check, one INSERT ... ON CONFLICT DO NOTHING of the
text as an inbound event (the MessageSid is its key, so Twilio's retries store nothing), and its
hand-off to the worker after commit. Keywords, opt-outs, the conversation and the agent are the
worker's (apps.webhooks.handlers.messaging): Twilio sends the confirmation carriers require for
STOP itself, so nothing about them has to be in the TwiML answered here.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from apps.conversations import inbound, outbox
from apps.conversations.models import Channel
from apps.stores.credential_cache import revealed_config_cached
from apps.stores.models import Store
from apps.webhooks.handlers.messaging import SMS_TOPIC
from apps.webhooks.models import Provider
from apps.webhooks.provider_inbox import provider_event_insert

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
    # jsonb cannot hold NUL; nobody texts one on purpose.
    body = request.POST.get("Body", "").replace("\x00", "")[:1600] or "(empty message)"
    provider_event_insert(
        provider=Provider.TWILIO,
        store=verified,
        event_id=f"{verified.pk}:{sid}",
        topic=SMS_TOPIC,
        payload={"sid": sid, "from": customer, "to": store_number, "body": body},
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
    credential = inbound.endpoint_credential(token, Channel.SMS, "twilio")
    if credential is None:
        return HttpResponse(status=404)
    store = credential.store
    config = revealed_config_cached(credential.pk, credential.sealed)  # type: ignore[attr-defined]
    url = settings.APP_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(config["auth_token"])
    if not signature or not validator.validate(url, request.POST, signature):
        return HttpResponse(status=403)
    if request.POST.get("AccountSid") != config["account_sid"]:
        return HttpResponse(status=403)
    return store
