"""The composer: replies from the merchant's team reach the customer, notes never do."""

from __future__ import annotations

import pytest

from apps.conversations import hooks
from apps.conversations.models import Conversation, ConversationStatus, Message, MessageRole
from apps.dashboard.models import InternalNote, StaffProfile
from apps.stores.models import KnowledgeEntry, KnowledgeKind
from tests.chat.chat_api import post_json, proxy_messages_url, proxy_start
from tests.dashboard import factories as make

pytestmark = pytest.mark.django_db

STAFF = "74221789523"  # the session token's `sub`


def _compose(merchant, conversation, **data):
    return merchant.post(
        f"/app/conversations/{conversation.pk}/compose/", data, target="conversation-panel"
    )


def test_a_reply_while_the_ai_handles_takes_over_and_is_signed(merchant, shop):
    conversation = make.conversation(shop, status=ConversationStatus.AI_HANDLING)

    response = _compose(
        merchant, conversation, kind="reply", text="Hi, Sam here.\nLooking now.", display_name="Sam"
    )

    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.HUMAN_HANDLING
    reply = Message.objects.get(conversation=conversation, role=MessageRole.HUMAN_AGENT)
    assert reply.text == "Hi, Sam here.\nLooking now."
    assert reply.metadata == {"author": STAFF, "display_name": "Sam"}
    html = response.content.decode()
    assert "Sam (team)" in html
    assert "data-sent" in html  # the page drops the saved draft
    assert "Sent to the customer" in response.headers["HX-Trigger"]
    assert StaffProfile.objects.get(store=shop, user_id=STAFF).display_name == "Sam"
    inbox = merchant.get("/app/conversations/").content.decode()
    assert '<span class="muted">Your team: </span>Hi, Sam here.' in inbox


def test_the_chosen_name_is_offered_next_time(merchant, shop):
    conversation = make.conversation(shop)
    before = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    assert 'value="Fancy Socks team"' in before

    _compose(merchant, conversation, kind="reply", text="Hello", display_name="Sam at Fancy")

    after = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    assert 'value="Sam at Fancy"' in after


def test_the_shopper_sees_the_reply_with_the_name_but_never_a_note(merchant, shop, client):
    conversation_id, token = proxy_start(client, shop)
    url = proxy_messages_url(shop, conversation_id, token)
    assert post_json(client, url, {"text": "Is anyone there?"}).status_code == 201
    conversation = Conversation.objects.get(pk=conversation_id)

    _compose(merchant, conversation, kind="note", text="VIP, be nice", display_name="Sam")
    _compose(merchant, conversation, kind="reply", text="Yes, I'm here!", display_name="Sam")

    seen = client.get(url).json()["messages"]
    people = [m for m in seen if m["role"] == "human_agent"]
    assert [(m["text"], m["author"]) for m in people] == [("Yes, I'm here!", "Sam")]
    assert all("VIP" not in m["text"] for m in seen)


def test_a_note_is_kept_for_the_team_and_changes_nothing_else(merchant, shop):
    conversation = make.conversation(shop, status=ConversationStatus.AI_HANDLING)
    messages_before = Message.objects.filter(conversation=conversation).count()

    response = _compose(merchant, conversation, kind="note", text="Refund approved by phone")

    assert response.status_code == 200
    note = InternalNote.objects.get(conversation=conversation)
    assert (note.text, note.author, note.store_id) == ("Refund approved by phone", STAFF, shop.pk)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.AI_HANDLING
    assert Message.objects.filter(conversation=conversation).count() == messages_before
    html = response.content.decode()
    assert "Internal note" in html
    assert "Refund approved by phone" in html


def test_a_reply_reaches_the_reply_hooks_like_any_reply(
    merchant, shop, django_capture_on_commit_callbacks
):
    conversation = make.conversation(shop)
    seen: list[int] = []
    hooks.register_reply_hook(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _compose(merchant, conversation, kind="reply", text="On it", display_name="Sam")
    finally:
        hooks.unregister_reply_hook(seen.append)
    reply = Message.objects.get(conversation=conversation, role=MessageRole.HUMAN_AGENT)
    assert seen == [reply.pk]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "reply", "text": "   ", "display_name": "Sam"}, "Write something first."),
        ({"kind": "reply", "text": "x" * 2001, "display_name": "Sam"}, "under 2000 characters"),
        ({"kind": "reply", "text": "Hello", "display_name": "  "}, "Enter the name"),
        ({"kind": "note", "text": ""}, "Write something first."),
    ],
)
def test_a_bad_message_is_refused_keeps_the_draft_and_changes_nothing(merchant, shop, data, error):
    conversation = make.conversation(shop, status=ConversationStatus.AI_HANDLING)
    before = Message.objects.filter(conversation=conversation).count()

    response = _compose(merchant, conversation, **data)

    assert response.status_code == 422
    assert error in response.content.decode()
    if data["text"].strip():
        assert data["text"][:50] in response.content.decode()  # the draft comes back
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.AI_HANDLING
    assert Message.objects.filter(conversation=conversation).count() == before
    assert not InternalNote.objects.exists()
    assert not StaffProfile.objects.exists()


def test_another_stores_conversation_is_not_found_and_untouched(merchant, other_shop):
    theirs = make.conversation(other_shop, status=ConversationStatus.AI_HANDLING)

    for kind in ("reply", "note"):
        response = _compose(merchant, theirs, kind=kind, text="Hello", display_name="Sam")
        assert response.status_code == 404

    theirs.refresh_from_db()
    assert theirs.status == ConversationStatus.AI_HANDLING
    assert not Message.objects.filter(conversation=theirs, role=MessageRole.HUMAN_AGENT).exists()
    assert not InternalNote.objects.exists()


def test_take_over_focuses_the_composer(merchant, shop):
    conversation = make.conversation(shop, status=ConversationStatus.AI_HANDLING)

    html = merchant.post(
        f"/app/conversations/{conversation.pk}/take-over/", target="conversation-panel"
    ).content.decode()

    assert "data-focus" in html
    assert 'id="composer-text"' in html


def test_canned_replies_come_from_the_stores_own_faq(merchant, shop, other_shop):
    KnowledgeEntry.objects.create(
        store=shop, kind=KnowledgeKind.FAQ, title="Gift wrap", body="We wrap <b>everything</b>."
    )
    KnowledgeEntry.objects.create(
        store=other_shop, kind=KnowledgeKind.FAQ, title="Rival secret", body="Theirs."
    )
    conversation = make.conversation(shop)

    html = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()

    assert 'data-body="We wrap &lt;b&gt;everything&lt;/b&gt;."' in html
    assert "Gift wrap" in html
    assert "Rival secret" not in html


def test_an_escalated_conversation_offers_take_over_not_hand_back(merchant, shop):
    conversation = make.conversation(shop, status=ConversationStatus.ESCALATED)

    html = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()

    assert "Take over" in html
    assert "Hand back to Aftersale" not in html
