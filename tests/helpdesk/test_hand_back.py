"""Handing a conversation back to the AI from the helpdesk, for each of the four: a person
adds the merchant's hand-back tag to the thread; the tags are read back from the helpdesk's
API (never believed from the payload), and only the tag being added hands back."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.conversations.models import Conversation, ConversationStatus
from apps.helpdesk.models import HelpdeskSettings
from apps.stores.models import IntegrationCredential
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.tasks import process_webhook_event
from tests.helpdesk.test_webhooks import (  # noqa: F401  (fixtures)
    credential,
    human_reply,
    mirrored,
    post,
    thread_id,
)
from tests.integrations.helpdesk.conftest import HelpdeskWorld

pytestmark = pytest.mark.django_db


def delivered(
    client: Client, world: HelpdeskWorld, cred: IntegrationCredential, payload: dict
) -> str:
    before = set(WebhookEvent.objects.values_list("pk", flat=True))
    assert post(client, world, cred, payload).status_code == 200
    [event] = WebhookEvent.objects.exclude(pk__in=before)
    process_webhook_event(event.pk)
    event.refresh_from_db()
    return "ignored" if event.status == WebhookStatus.IGNORED else event.note


def status(conversation: Conversation) -> str:
    conversation.refresh_from_db()
    return conversation.status


def test_the_merchants_tag_hands_the_conversation_back_once_per_adding(
    client: Client,
    world: HelpdeskWorld,
    credential: IntegrationCredential,  # noqa: F811
    mirrored: Conversation,  # noqa: F811
):
    HelpdeskSettings.objects.create(store=mirrored.store, hand_back_tag="Back to AI")
    thread = thread_id(mirrored)
    # A tag while the AI answers anyway changes nothing (and costs no API call).
    calls = len(world.standin.requests)
    vip = world.standin.tagged_webhook(thread, "vip")
    assert delivered(client, world, credential, vip) == "ignored"
    assert status(mirrored) == ConversationStatus.AI_HANDLING
    assert len(world.standin.requests) == calls + (1 if world.name == "gorgias" else 0)

    assert delivered(client, world, credential, human_reply(world, mirrored)) == "took_over"
    assert status(mirrored) == ConversationStatus.HUMAN_HANDLING
    other = world.standin.tagged_webhook(thread, "urgent")
    assert delivered(client, world, credential, other) == "ignored"
    assert status(mirrored) == ConversationStatus.HUMAN_HANDLING

    tagged = world.standin.tagged_webhook(thread, "back-to-ai")
    assert delivered(client, world, credential, tagged) == "handed_back"
    assert status(mirrored) == ConversationStatus.AI_HANDLING

    # A person takes over again; the tag still on the thread does not hand it straight back.
    assert delivered(client, world, credential, human_reply(world, mirrored)) == "took_over"
    again = world.standin.tagged_webhook(thread, "refund")
    assert delivered(client, world, credential, again) == "ignored"
    assert status(mirrored) == ConversationStatus.HUMAN_HANDLING
