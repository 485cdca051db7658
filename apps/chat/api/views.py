"""The chat endpoints. Each authenticates (see endpoint.py), checks limits, calls one service.

    GET  <base>/config                                   the widget's look and greeting
    POST <base>/conversations                            start; returns id + token
    POST <base>/conversations/<id>/messages?token=       the customer writes
    GET  <base>/conversations/<id>/messages?token=&after= new messages + typing state

<base> is /proxy/chat (through the Shopify App Proxy) or /api/chat (?key=<widget key>).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apps.chat.api import ratelimit, selectors
from apps.chat.api.auth import ChatClient
from apps.chat.api.body import (
    client_message_id,
    id_or_none,
    message_text,
    parse_id,
    read_json_object,
    single_param,
)
from apps.chat.api.endpoint import chat_endpoint
from apps.chat.api.problems import ChatProblem, conversation_not_found
from apps.chat.api.responses import json_response
from apps.chat.api.serializers import config_json, conversation_json, message_json
from apps.chat.api.tokens import (
    conversation_is_open,
    conversation_token,
    token_is_valid,
)
from apps.chat.services import message_receive_customer
from apps.conversations.models import Conversation, ConversationStatus
from apps.conversations.services import ClientMessageIdReused, MessageRejected, conversation_start
from apps.core.clients import client_key

CONFIG_MAX_AGE = 300
# What a "Talk to a person" request says in the transcript (the client's text is ignored).
HANDOFF_TEXT = "I'd like to talk to a person, please."


@chat_endpoint("GET")
def config(request: HttpRequest, client: ChatClient) -> HttpResponse:
    ratelimit.enforce(("read_per_address", client.address))
    store_settings = selectors.chat_store_settings(store=client.store)
    response = json_response(config_json(client.store, store_settings))
    # Every page view loads the widget; the browser may reuse the look for a few minutes.
    response["Cache-Control"] = f"private, max-age={CONFIG_MAX_AGE}"
    return response


@chat_endpoint("POST")
def conversation_create(request: HttpRequest, client: ChatClient) -> HttpResponse:
    ratelimit.enforce(("start_per_address", client.address))
    read_json_object(request)  # bounded and well-formed, even though nothing is required yet
    conversation = conversation_start(
        store=client.store,
        customer_platform_id=client.customer_id,
        customer_verified=bool(client.customer_id),
    )
    token = conversation_token(
        store_id=client.store.pk, conversation_id=conversation.pk, customer_id=client.customer_id
    )
    body = {"conversation": conversation_json(conversation), "token": token}
    return json_response(body, status=201)


@chat_endpoint("GET", "POST")
def conversation_messages(
    request: HttpRequest, client: ChatClient, conversation_id: str
) -> HttpResponse:
    conversation = _conversation_for(request, client, conversation_id)
    if request.method == "POST":
        return _message_create(request, client, conversation)
    return _messages_list(request, client, conversation)


def _conversation_for(request: HttpRequest, client: ChatClient, raw_id: str) -> Conversation:
    """The conversation the caller's token opens, in the caller's store; 404 otherwise."""
    token = single_param(request, "token")
    if not token:
        raise ChatProblem(401, "token_required", "This conversation's access token is missing.")
    conversation_id = id_or_none(raw_id)
    if conversation_id is None or not token_is_valid(
        token,
        store_id=client.store.pk,
        conversation_id=conversation_id,
        customer_id=client.customer_id,
    ):
        raise conversation_not_found()
    conversation = selectors.chat_conversation_get(
        store=client.store, conversation_id=conversation_id
    )
    if conversation is None or not conversation_is_open(conversation, timezone.now()):
        # An expired token is answered like a missing conversation: the widget starts anew.
        raise conversation_not_found()
    return conversation


def _message_create(
    request: HttpRequest, client: ChatClient, conversation: Conversation
) -> HttpResponse:
    data = read_json_object(request)
    if data.get("kind") == "handoff":
        # The widget's "Talk to a person": never rate-limited away by the message limits.
        ratelimit.enforce(("handoff_per_conversation", str(conversation.pk)))
        text = HANDOFF_TEXT
    else:
        ratelimit.enforce(
            ("message_per_address", client.address),
            ("message_per_conversation", str(conversation.pk)),
        )
        text = message_text(data)
    try:
        # A keyed hash of the caller's address: the agent counts failed order checks per
        # client across conversations (apps.agent.probing).
        message, created = message_receive_customer(
            conversation,
            text,
            client_message_id=client_message_id(data),
            metadata={"client": client_key(client.address)},
        )
    except MessageRejected as rejected:  # our checks above already match the service's
        raise ChatProblem(400, "invalid_message", str(rejected)) from None
    except ClientMessageIdReused as reused:
        raise ChatProblem(409, "client_message_id_reused", str(reused)) from None
    if not created:
        conversation.refresh_from_db(fields=["status"])
    body = {
        "message": message_json(message),
        "conversation": conversation_json(conversation),
        # The task was enqueued on commit (or the sweep enqueues it when the broker was
        # down); once a person has taken over, the AI stays quiet.
        "agent_working": conversation.status != ConversationStatus.HUMAN_HANDLING,
    }
    # A retry of a message already saved gets the same message back, not a second copy.
    return json_response(body, status=201 if created else 200)


def _messages_list(
    request: HttpRequest, client: ChatClient, conversation: Conversation
) -> HttpResponse:
    ratelimit.enforce(("read_per_address", client.address))
    after = parse_id(single_param(request, "after") or "0", field="after")
    messages, more = selectors.chat_messages_after(conversation=conversation, after=after)
    body = {
        "messages": [message_json(m) for m in messages],
        "more": more,
        "agent_working": selectors.chat_agent_is_working(conversation=conversation),
        "conversation": conversation_json(conversation),
    }
    return json_response(body)
