"""What every helpdesk provider does, whatever the helpdesk (conftest.py plugs them in)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from apps.integrations.helpdesk.base import (
    Assignee,
    AssigneeKind,
    Author,
    Customer,
    EventKind,
    HelpdeskEvent,
    InvalidWebhook,
    MessageKind,
    NeedsReauth,
    NotFound,
    OutMessage,
    RateLimited,
    ThreadRef,
    ThreadStatus,
    TransientError,
    Visibility,
)
from tests.integrations.helpdesk.conftest import HelpdeskWorld

FIRST = OutMessage("Where is my order #1001?", MessageKind.CUSTOMER)


def start(world: HelpdeskWorld, external_id: str = "conv-1") -> tuple[Customer, ThreadRef]:
    customer = world.provider.find_or_create_customer("jane@example.com", "Jane Doe")
    thread = world.provider.create_thread(
        customer, "Order #1001", FIRST, external_id=external_id, tags=("aftersale", "order_status")
    )
    return customer, thread


def events_for(world: HelpdeskWorld, payload: dict, **deliver: object) -> list[HelpdeskEvent]:
    """A webhook as the endpoint handles it: verify the raw body, parse, hydrate."""
    request = world.standin.deliver(payload, **deliver)  # type: ignore[arg-type]
    world.provider.verify_webhook(request)
    events = world.provider.parse_webhook(json.loads(request.body))
    return [world.provider.hydrate(e) for e in events]


def test_a_customer_is_found_rather_than_created_twice(world: HelpdeskWorld):
    first = world.provider.find_or_create_customer("jane@example.com", "Jane Doe")
    again = world.provider.find_or_create_customer("jane@example.com", "Jane Doe")
    assert first.id
    assert first.id == again.id
    assert len(world.standin.customers) == 1


def test_a_thread_starts_with_the_customer_message_and_our_tags(world: HelpdeskWorld):
    _, thread = start(world)
    stored = world.standin.thread(thread.id)
    assert [(m.author, m.public, m.body) for m in stored.messages] == [
        ("customer", True, FIRST.body_text)
    ]
    assert {"aftersale", "order_status"} <= world.provider.thread_tags(thread)
    assert world.provider.thread_status(thread) is ThreadStatus.OPEN


def test_a_create_retried_with_the_same_id_returns_the_same_thread(world: HelpdeskWorld):
    _, thread = start(world)
    _, again = start(world)
    assert again.id == thread.id
    assert len(world.standin.threads) == 1


def test_a_create_whose_answer_was_lost_makes_no_second_thread(world: HelpdeskWorld):
    world.standin.fail_next("lost", "POST", world.create_path)
    with pytest.raises(TransientError):
        start(world)
    _, thread = start(world)
    assert list(world.standin.threads) == [thread.id]
    assert len(world.standin.thread(thread.id).messages) == 1


def test_each_kind_of_message_lands_as_itself_and_the_customer_never_gets_one_twice(
    world: HelpdeskWorld,
):
    _, thread = start(world)
    sent = {
        "customer": OutMessage("It has not arrived.", MessageKind.CUSTOMER),
        "delivered": OutMessage("It is on its way.", MessageKind.REPLY, delivered=True),
        "undelivered": OutMessage(
            "A colleague will follow up.", MessageKind.REPLY, delivered=False
        ),
        "note": OutMessage("Verified: jane@example.com owns #1001", MessageKind.NOTE),
    }
    ids = {k: world.provider.post_message(thread, m, external_id=f"m-{k}") for k, m in sent.items()}
    assert all(ids.values())
    assert len(set(ids.values())) == 4
    stored = {m.body: m for m in world.standin.thread(thread.id).messages}
    customer, delivered = stored["It has not arrived."], stored["It is on its way."]
    undelivered, note = stored["A colleague will follow up."], stored[sent["note"].body_text]
    assert customer.author == "customer"
    assert not customer.notified
    assert not delivered.notified  # already delivered by us: stored, never sent again
    assert delivered.author == "bot"
    assert undelivered.notified
    assert undelivered.public
    assert undelivered.author == "bot"
    assert not note.public
    assert not note.notified
    # A reply does not close the thread (Front archives on reply unless told not to).
    assert world.provider.thread_status(thread) is ThreadStatus.OPEN


def test_tags_are_added_to_what_is_there_and_a_closed_thread_reads_closed(world: HelpdeskWorld):
    _, thread = start(world)
    world.provider.update_thread(thread, add_tags=("escalated",))
    assert {"aftersale", "order_status", "escalated"} <= world.provider.thread_tags(thread)
    world.provider.close_thread(thread)
    assert world.provider.thread_status(thread) is ThreadStatus.CLOSED


def test_a_rate_limit_says_how_long_to_wait(world: HelpdeskWorld):
    world.standin.fail_next("429", retry_after=7)
    with pytest.raises(RateLimited) as caught:
        world.provider.find_or_create_customer("jane@example.com")
    assert 5 <= caught.value.retry_after <= 8


def test_a_server_error_is_transient_and_a_revoked_token_needs_reauth(world: HelpdeskWorld):
    world.standin.fail_next("500")
    with pytest.raises(TransientError):
        world.provider.find_or_create_customer("jane@example.com")
    world.standin.revoke()
    with pytest.raises(NeedsReauth):
        world.provider.find_or_create_customer("jane@example.com")


def test_a_thread_the_helpdesk_does_not_have_is_not_found(world: HelpdeskWorld):
    with pytest.raises(NotFound):
        world.provider.post_message(ThreadRef(world.missing_thread, "1"), FIRST, external_id="m-1")


@pytest.mark.parametrize(
    ("author", "public", "expected", "visibility"),
    [
        ("agent", True, Author.HUMAN_AGENT, Visibility.PUBLIC),
        ("agent", False, Author.HUMAN_AGENT, Visibility.INTERNAL),
        ("bot", True, Author.BOT_SELF, Visibility.PUBLIC),
        ("automation", True, Author.AUTOMATION, Visibility.PUBLIC),
        ("customer", True, Author.CUSTOMER, Visibility.PUBLIC),
    ],
)
def test_a_message_webhook_names_its_author_and_visibility(
    world: HelpdeskWorld, author: str, public: bool, expected: Author, visibility: Visibility
):
    _, thread = start(world)
    message = world.standin.agent_writes(thread.id, author, public=public, body="Hello Jane")
    [event] = events_for(world, world.standin.message_webhook(thread.id, message))
    assert (event.kind, event.author, event.visibility) == (EventKind.MESSAGE, expected, visibility)
    assert (event.thread_id, event.message_id) == (thread.id, message.id)
    assert event.event_id
    assert event.tenant_key == world.standin.tenant_key
    assert "Hello Jane" in event.body_text
    assert not event.needs_fetch


def test_a_human_reply_carries_the_agent_name(world: HelpdeskWorld):
    _, thread = start(world)
    message = world.standin.agent_writes(thread.id, "agent", public=True, body="Hi")
    [event] = events_for(world, world.standin.message_webhook(thread.id, message))
    assert event.author_name.startswith("Maria")


def test_a_closed_thread_webhook_is_a_closed_event(world: HelpdeskWorld):
    _, thread = start(world)
    [event] = events_for(world, world.standin.closed_webhook(thread.id))
    assert (event.kind, event.thread_id) == (EventKind.CLOSED, thread.id)


def test_a_webhook_with_the_wrong_secret_is_refused(world: HelpdeskWorld):
    _, thread = start(world)
    message = world.standin.agent_writes(thread.id, "agent", public=True, body="Hi")
    with pytest.raises(InvalidWebhook):
        events_for(world, world.standin.message_webhook(thread.id, message), secret="guessed")


def test_a_webhook_naming_another_account_is_refused(world: HelpdeskWorld):
    _, thread = start(world)
    message = world.standin.agent_writes(thread.id, "agent", public=True, body="Hi")
    payload = world.standin.message_webhook(thread.id, message, tenant_key=world.foreign_key)
    with pytest.raises(InvalidWebhook):
        events_for(world, payload)


def test_a_changed_body_or_a_made_up_message_changes_nothing(world: HelpdeskWorld):
    """Signed providers refuse an altered body; Gorgias (unsigned) re-reads the message and
    finds a made-up one missing from the ticket."""
    _, thread = start(world)
    message = world.standin.agent_writes(thread.id, "agent", public=True, body="Hi")
    payload = world.standin.message_webhook(thread.id, message)
    if world.name == "gorgias":
        payload["message_id"] = "31337"
        with pytest.raises(NotFound):
            events_for(world, payload)
    else:
        with pytest.raises(InvalidWebhook):
            events_for(world, payload, tamper=True)


def test_an_old_delivery_is_refused_where_the_helpdesk_dates_it(world: HelpdeskWorld):
    if world.name == "gorgias":
        pytest.skip("Gorgias dates nothing it sends; its events are deduped and re-read")
    _, thread = start(world)
    message = world.standin.agent_writes(thread.id, "agent", public=True, body="Hi")
    payload = world.standin.message_webhook(thread.id, message)
    later = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(InvalidWebhook):
        events_for(world, payload, received_at=later)


def test_webhooks_are_registered_and_removed(world: HelpdeskWorld):
    state = world.provider.subscribe_webhooks("https://app.test/webhooks/helpdesk/x/tok")
    if world.name in ("front", "intercom"):
        assert state == {}
        assert world.standin.webhooks == {}
        return
    assert len(world.standin.webhooks) == 1
    if world.name == "zendesk":
        assert state["signing_secret"] == world.standin.webhook_secret
    world.provider.unsubscribe_webhooks(state)
    world.provider.unsubscribe_webhooks(state)  # already gone is fine
    assert world.standin.webhooks == {}


@pytest.mark.parametrize(
    "message",
    [
        OutMessage("Not here yet.", MessageKind.CUSTOMER),
        OutMessage("Sorry, a colleague will check.", MessageKind.REPLY, delivered=False),
        OutMessage("Customer verified.", MessageKind.NOTE),
    ],
    ids=["customer", "reply", "note"],
)
def test_a_post_whose_answer_was_lost_is_found_or_harmless_to_repeat(
    world: HelpdeskWorld, message: OutMessage
):
    """After a lost answer the sync asks `find_message` first; when it finds nothing,
    posting again must be safe (the provider dedupes, as Front's imports do)."""
    _, thread = start(world)
    imported = world.name == "front" and message.kind is MessageKind.CUSTOMER
    world.standin.fail_next("lost", "", "imported_messages" if imported else thread.id)
    with pytest.raises(TransientError) as caught:
        world.provider.post_message(thread, message, external_id="m-lost")
    assert caught.value.ambiguous
    found = world.provider.find_message(thread, message, external_id="m-lost", exclude=set())
    if found is None:
        world.provider.post_message(thread, message, external_id="m-lost")
    stored = world.standin.thread(thread.id).messages
    assert [m.body for m in stored].count(message.body_text) == 1
    if found is not None:
        assert found in {m.id for m in stored}
        # Already accounted for: not found again for another message with the same text.
        assert (
            world.provider.find_message(thread, message, external_id="m-2", exclude={found}) is None
        )


def test_a_message_never_posted_is_not_found(world: HelpdeskWorld):
    _, thread = start(world)
    message = OutMessage("Anything else?", MessageKind.REPLY, delivered=False)
    assert world.provider.find_message(thread, message, external_id="m-9", exclude=set()) is None


def test_a_tag_added_in_the_helpdesk_is_an_event_whose_tags_the_api_confirms(
    world: HelpdeskWorld,
):
    _, thread = start(world)
    [event] = events_for(world, world.standin.tagged_webhook(thread.id, "aftersale-ai"))
    # Gorgias says only "the ticket was updated"; the others name a tag change.
    assert event.kind in (EventKind.TAGS, EventKind.REOPENED)
    assert event.thread_id == thread.id
    assert "aftersale-ai" in world.provider.thread_tags(thread)


def test_the_credentials_name_their_account_and_the_user_we_post_as(world: HelpdeskWorld):
    identity = world.provider.identify(actor_email="bot@merchant.test")
    assert identity.actor_id == world.standin.bot_id
    # Zendesk's API never names its account id: its webhooks' signing secret stands in.
    assert identity.tenant_key == ("" if world.name == "zendesk" else world.standin.tenant_key)
    assert "bot@merchant.test" in identity.label
    world.standin.revoke()
    with pytest.raises(NeedsReauth):
        world.provider.identify(actor_email="bot@merchant.test")


def test_the_people_and_teams_to_route_to_are_listed_without_our_bot(world: HelpdeskWorld):
    listed = world.provider.list_assignees()
    people = {a.id for a in listed if a.kind is AssigneeKind.USER}
    teams = [a for a in listed if a.kind is AssigneeKind.TEAM]
    assert world.standin.agent_id in people
    assert world.standin.bot_id not in people  # escalating to the AI itself routes nowhere
    assert teams
    assert all(a.id and a.name for a in listed)


def test_a_thread_is_routed_to_a_person_or_to_a_team(world: HelpdeskWorld):
    _, thread = start(world)
    person = Assignee(AssigneeKind.USER, world.standin.agent_id)
    world.provider.update_thread(thread, assignee=person)
    assert world.standin.thread(thread.id).assignee == world.standin.agent_id
    [team, *_] = [a for a in world.provider.list_assignees() if a.kind is AssigneeKind.TEAM]
    world.provider.update_thread(thread, status=ThreadStatus.OPEN, assignee=team)
    stored = world.standin.thread(thread.id)
    assert stored.team == team.id  # Gorgias team, Zendesk group, Front inbox, Intercom team
    assert stored.assignee == world.standin.agent_id  # the person stays
    assert world.provider.thread_status(thread) is ThreadStatus.OPEN
