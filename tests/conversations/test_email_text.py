"""An inbound email read as a customer message: new text only; machines are never answered."""

from __future__ import annotations

import pytest

from apps.conversations.email_text import html_to_text, is_automatic, new_text

OURS = frozenset({"inbound.northwind.example", "aftersale.example.com"})


@pytest.mark.parametrize(
    "body",
    [
        "Where is my order?\n\nOn Tue, 1 Dec 2026 at 10:00, Northwind <help@northwind.example>"
        " wrote:\n> Your order shipped.",
        "Where is my order?\r\n\r\n> Your order shipped.\r\n> Northwind",
        "Where is my order?\n\n-----Original Message-----\nFrom: Northwind\nYour order shipped.",
        "Where is my order?\n________________________________\nFrom: Northwind <help@nw.example>",
        "Where is my order?\n\nOn Tue, 1 Dec 2026 at 10:00, Northwind Outfitters\n"
        "<help@northwind.example> wrote:\n> Shipped",
        "Where is my order?\n-- \nJane Doe\nAcme Corp",
        "Where is my order?\n\nSent from my iPhone",
    ],
)
def test_only_the_new_text_is_kept(body: str) -> None:
    assert new_text(body) == "Where is my order?"


def test_a_bare_forward_keeps_its_body_and_the_text_is_bounded() -> None:
    assert new_text("From: Jane\nPlease help") == "From: Jane\nPlease help"
    assert len(new_text("x" * 50_000)) == 4000


def test_html_only_email_becomes_text_without_its_quote() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><p>Refund &amp; return?</p>"
        '<div class="gmail_quote">On Tue … wrote:<blockquote>old</blockquote></div></body></html>'
    )
    assert html_to_text(html).strip() == "Refund & return?"


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        ({"Auto-Submitted": "auto-replied"}, "jane@example.com"),
        ({"Precedence": "bulk"}, "jane@example.com"),
        ({"X-Autoreply": "yes"}, "jane@example.com"),
        ({"List-Id": "<news.example.com>"}, "jane@example.com"),
        ({}, "MAILER-DAEMON@mx.example.com"),
        ({}, "support+abc@inbound.northwind.example"),  # our own reply looping back
    ],
)
def test_machines_and_our_own_mail_are_automatic(headers: dict[str, str], sender: str) -> None:
    assert is_automatic(headers, sender, OURS)


def test_a_person_is_not_automatic() -> None:
    assert not is_automatic(
        {"Auto-Submitted": "no", "Subject": "Re: order"}, "jane@example.com", OURS
    )
