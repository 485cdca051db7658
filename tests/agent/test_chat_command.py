"""`manage.py chat`: one turn or a conversation with a store's agent, inline."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from apps.agent.tasks import handle_message
from apps.conversations.models import Conversation, Message, MessageRole
from apps.integrations.commerce.demo import seed_demo_store
from apps.stores.models import Store, StoreStatus

pytestmark = pytest.mark.django_db

DOMAIN = "demo.aftersale.test"


@pytest.fixture
def demo() -> Store:
    return seed_demo_store(domain=DOMAIN)


def chat(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("chat", *args, stdout=out)
    return out.getvalue()


def test_one_turn_as_json(demo: Store) -> None:
    out = chat("--store", DOMAIN, "--json", "where is order #1001? jane@example.com")

    data = json.loads(out)
    assert set(data) >= {"reply", "intent", "entities", "actions", "conversation_id"}
    assert data["intent"] == "order_status"
    assert "1Z999AA10123456784" in data["reply"]
    assert data["entities"]["order_numbers"] == ["1001"]
    assert data["entities"]["emails"] == ["jane@example.com"]
    kinds = {(a["kind"], a["status"]) for a in data["actions"]}
    assert ("lookup_order", "executed") in kinds
    assert all(a["idempotency_key"].startswith(a["kind"] + ":") for a in data["actions"])
    conversation = Conversation.objects.get(pk=data["conversation_id"], store=demo)
    assert not conversation.customer_verified
    assert list(conversation.messages.values_list("role", flat=True)) == ["customer", "assistant"]


def test_an_action_is_reported_with_its_status(demo: Store) -> None:
    out = chat(
        "--store",
        DOMAIN,
        "--customer-email",
        "alex@example.com",
        "--json",
        "please refund order 1011",
    )
    data = json.loads(out)
    assert data["intent"] == "refund_request"
    assert "approval" in data["reply"]
    # A proposal is only a question: nothing was done yet.
    assert {a["kind"] for a in data["actions"]} <= {"lookup_order"}


def test_a_known_customer_chats_logged_in(demo: Store) -> None:
    out = chat("--store", DOMAIN, "--customer-email", "Jane@Example.com", "where is order 1001")

    assert out.startswith("Ava> Here's the latest on order #1001")
    assert "1Z999AA10123456784" in out
    conversation = Conversation.objects.get(store=demo)
    assert conversation.customer_platform_id == "demo-cust-1"
    assert conversation.customer_verified


def test_an_unknown_email_is_only_a_claim(demo: Store) -> None:
    chat("--store", DOMAIN, "--customer-email", "mallory@example.com", "where is order 1004")
    conversation = Conversation.objects.get(store=demo)
    assert (conversation.customer_email, conversation.customer_platform_id) == (
        "mallory@example.com",
        "",
    )
    assert not conversation.customer_verified
    reply = conversation.messages.get(role=MessageRole.ASSISTANT).text
    assert "Trail Runner" not in reply
    assert "Sam" not in reply


def test_an_interactive_conversation_until_quit(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = chat(
        "--store",
        DOMAIN,
        stdin="hello\n\nwhere is my order 1001\njane@example.com\nquit\nnever read\n",
        monkeypatch=monkeypatch,
    )

    assert "Chatting with Ava at Northwind Outfitters as a guest." in out
    assert out.count("Ava> ") == 3
    assert "What's your order number" not in out  # the number came with the question
    assert "1Z999AA10123456784" in out
    assert "[lookup_order: executed]" in out
    conversation = Conversation.objects.get(store=demo)
    texts = list(
        conversation.messages.filter(role=MessageRole.CUSTOMER).values_list("text", flat=True)
    )
    assert texts == ["hello", "where is my order 1001", "jane@example.com"]


def test_end_of_input_ends_the_conversation_as_json_lines(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = chat("--store", DOMAIN, "--json", stdin="hi\nthanks", monkeypatch=monkeypatch)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["intent"] for line in lines] == ["greeting", "greeting"]
    assert len({line["conversation_id"] for line in lines}) == 1


def test_a_worker_picking_up_the_queued_task_answers_nothing_twice(
    demo: Store,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ran: list[int] = []

    def run_now(args: tuple[int], **options: object) -> None:
        ran.append(args[0])
        handle_message.apply(args=list(args))

    monkeypatch.setattr(handle_message, "apply_async", run_now)
    with django_capture_on_commit_callbacks(execute=True):
        chat("--store", DOMAIN, "hello")

    assert len(ran) == 1
    assert Message.objects.filter(role=MessageRole.ASSISTANT).count() == 1


def test_an_unknown_store_is_an_error_with_a_non_zero_exit(
    demo: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CommandError, match="no store with domain 'nope.example'"):
        chat("--store", "nope.example", "hi")
    # As from the shell; keep the test's connection open (the command closes them on exit).
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "chat", "--store", "nope.example", "hi"]).execute()
    assert exited.value.code == 1
    assert "no store with domain" in capsys.readouterr().err
    assert not Conversation.objects.exists()


def test_an_uninstalled_store_is_refused(demo: Store) -> None:
    Store.objects.filter(pk=demo.pk).update(status=StoreStatus.UNINSTALLED)
    with pytest.raises(CommandError, match="uninstalled"):
        chat("--store", DOMAIN, "hi")
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("text", ["   ", "x" * 2001])
def test_an_empty_or_oversized_message_is_refused(demo: Store, text: str) -> None:
    with pytest.raises(CommandError, match="empty|longer than"):
        chat("--store", DOMAIN, text)
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_does_not_lose_the_inline_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kombu.exceptions import OperationalError

    seed_demo_store(domain=DOMAIN)

    tried: list[int] = []

    def broker_down(args: tuple[int], **options: object) -> None:
        tried.append(args[0])
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(handle_message, "apply_async", broker_down)

    out = chat("--store", DOMAIN, "--json", "hello")

    assert json.loads(out)["intent"] == "greeting"
    assert len(tried) == 1
    assert Message.objects.filter(role=MessageRole.ASSISTANT).count() == 1
