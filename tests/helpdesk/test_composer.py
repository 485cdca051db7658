"""What the merchant writes in our dashboard's composer reaches the mirrored helpdesk thread,
for each of the four stand-ins: a reply (already delivered by us) stored without the
helpdesk sending it again, a team note as an internal note; the helpdesk's echo of either
is never a human takeover and never reaches the customer twice."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.conversations.models import Conversation, ConversationStatus, Message, MessageRole
from apps.dashboard.services.replies import conversation_reply, note_add
from apps.helpdesk.models import AiRepliesAs, HelpdeskSettings, HelpdeskSync, SyncStatus
from apps.helpdesk.sync import connected_helpdesks, start_mirroring, sync_send
from apps.stores.models import IntegrationCredential, Store
from apps.webhooks.models import WebhookEvent
from apps.webhooks.tasks import process_webhook_event
from standins.helpdesk.standin import StoredMessage, StoredThread
from tests.helpdesk.test_webhooks import credential, post  # noqa: F401  (fixture)
from tests.integrations.helpdesk.conftest import HelpdeskWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def mirrored(store: Store, credential: IntegrationCredential) -> Conversation:  # noqa: F811
    """A conversation whose ticket exists in the helpdesk, the customer's message in it."""
    conversation = Conversation.objects.create(
        store=store, status=ConversationStatus.AI_HANDLING, customer_email="jane@example.com"
    )
    Message.objects.create(
        store=store, conversation=conversation, role=MessageRole.CUSTOMER, text="Where is it?"
    )
    [first] = start_mirroring(conversation, connected_helpdesks(store))
    assert sync_send(first).status == SyncStatus.SENT
    return conversation


def the_thread(world: HelpdeskWorld) -> StoredThread:
    [thread] = world.standin.threads.values()
    return thread


def stored(world: HelpdeskWorld, text: str) -> StoredMessage:
    [found] = [m for m in the_thread(world).messages if text in m.body]
    return found


def reply(conversation: Conversation, text: str, callbacks) -> Message:  # type: ignore[no-untyped-def]
    with callbacks() as enqueued:
        message = conversation_reply(
            store=conversation.store,
            conversation_id=conversation.pk,
            text=text,
            author="staff-1",
            display_name="Sam",
        )
    assert enqueued  # the send leaves once the reply is committed
    return message


@pytest.mark.parametrize("replies_as", [AiRepliesAs.PUBLIC, AiRepliesAs.NOTES])
def test_a_composer_reply_is_mirrored_in_its_transaction_and_never_sent_again(
    world: HelpdeskWorld,
    mirrored: Conversation,
    replies_as: str,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
):
    HelpdeskSettings.objects.create(store=mirrored.store, ai_replies_as=replies_as)
    message = reply(mirrored, "Sam here: it ships tomorrow.", django_capture_on_commit_callbacks)
    row = HelpdeskSync.objects.get(message=message)
    assert (row.provider, row.status) == (world.name, SyncStatus.PENDING)

    assert sync_send(row.pk).status == SyncStatus.SENT
    copy = stored(world, "it ships tomorrow")
    assert copy.author == "bot"  # posted as our bot's user: its echo is ours
    assert not copy.notified  # the customer got it from us; the helpdesk sends nothing
    if replies_as == AiRepliesAs.NOTES:
        assert not copy.public
    # Recorded, so a webhook naming it is known as ours (Front answers an import's uid).
    assert HelpdeskSync.objects.get(pk=row.pk).provider_message_id


def test_the_helpdesks_echo_of_a_composer_reply_changes_nothing(
    client: Client,
    world: HelpdeskWorld,
    credential: IntegrationCredential,  # noqa: F811
    mirrored: Conversation,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
):
    message = reply(mirrored, "Sam here: refund sent.", django_capture_on_commit_callbacks)
    assert sync_send(HelpdeskSync.objects.get(message=message).pk).status == SyncStatus.SENT
    # Hand it back, so that a takeover by the echo would show.
    Conversation.objects.filter(pk=mirrored.pk).update(status=ConversationStatus.AI_HANDLING)

    echo = world.standin.message_webhook(the_thread(world).id, stored(world, "refund sent"))
    assert post(client, world, credential, echo).status_code == 200
    [event] = WebhookEvent.objects.all()
    process_webhook_event(event.pk)
    event.refresh_from_db()
    assert event.note == "ignored"
    mirrored.refresh_from_db()
    assert mirrored.status == ConversationStatus.AI_HANDLING
    # Nothing new for the customer: the one reply is the one Sam wrote.
    people = mirrored.messages.filter(role=MessageRole.HUMAN_AGENT)
    assert list(people.values_list("text", flat=True)) == ["Sam here: refund sent."]
    assert not HelpdeskSync.objects.filter(message__in=people).exclude(message=message).exists()


def test_a_team_note_becomes_an_internal_note_in_the_helpdesk(
    world: HelpdeskWorld,
    mirrored: Conversation,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
):
    with django_capture_on_commit_callbacks() as enqueued:
        note = note_add(
            store=mirrored.store,
            conversation_id=mirrored.pk,
            text="Customer called, wants express shipping.",
            author="staff-1",
        )
    assert enqueued
    row = HelpdeskSync.objects.get(note_id=note.pk)
    assert row.message_id is None
    assert sync_send(row.pk).status == SyncStatus.SENT
    assert sync_send(row.pk).status == "skipped"  # a redelivered task posts nothing more
    copy = stored(world, "wants express shipping")
    assert not copy.public
    assert not copy.notified
    assert copy.author == "bot"
    assert [m.body for m in the_thread(world).messages].count(copy.body) == 1
    # The note is the team's: nothing of it is a message the customer could see.
    assert not mirrored.messages.filter(text__contains="express shipping").exists()


def test_a_note_on_a_conversation_not_mirrored_queues_nothing(
    store: Store,
    credential: IntegrationCredential,  # noqa: F811
):
    conversation = Conversation.objects.create(store=store, customer_email="jane@example.com")
    note_add(store=store, conversation_id=conversation.pk, text="Call back", author="staff-1")
    assert not HelpdeskSync.objects.exists()


def test_a_reply_written_in_the_helpdesk_is_not_mirrored_back(
    client: Client,
    world: HelpdeskWorld,
    credential: IntegrationCredential,  # noqa: F811
    mirrored: Conversation,
):
    thread = the_thread(world)
    written = world.standin.agent_writes(thread.id, "agent", public=True, body="Maria: on it.")
    assert post(client, world, credential, world.standin.message_webhook(thread.id, written))
    process_webhook_event(WebhookEvent.objects.get().pk)
    human = mirrored.messages.get(role=MessageRole.HUMAN_AGENT)
    assert human.text == "Maria: on it."
    assert not HelpdeskSync.objects.filter(message=human).exists()
    assert [m.body for m in thread.messages].count("Maria: on it.") == 1
