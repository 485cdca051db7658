"""Odd input never crashes, and long input is cut before any work is done on it."""

from __future__ import annotations

import pytest

from apps.agent.understanding import INTENTS, Understanding, understand
from apps.agent.understanding.text import MAX_INPUT_CHARS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "?!?!...",
        "😀😀😀",
        "👍",
        "где мой заказ",
        "我的订单在哪里",
        "注文はどこですか",
        "أين طلبي",
        "\x00\x01 order \x7f 1001",
        "a" * 10_000,
        "1" * 10_000,
        "#" * 5_000,
        ("where is my order 1001 " * 500),
        "$" * 3000 + "1",
        "1Z" * 3000,
        "@" * 4000,
        "\u200b\u200b\u200b",
        "ｗｈｅｒｅ ｉｓ ｍｙ ｏｒｄｅｒ",
    ],
)
def test_it_never_crashes(text: str) -> None:
    u = understand(text)
    assert isinstance(u, Understanding)
    assert u.intent in INTENTS
    assert 0.0 <= u.confidence <= 1.0


def test_empty_input_is_other_with_nothing_found() -> None:
    u = understand("")
    assert (u.intent, u.source, u.confidence) == ("other", "empty", 1.0)
    assert u.entities.order_numbers == ()
    assert not (u.is_affirmative)
    assert not (u.is_negative)
    assert not (u.wants_human)


def test_long_input_is_truncated_and_the_rest_is_never_read() -> None:
    # The work stays bounded because only the first MAX_INPUT_CHARS are looked at: what is
    # understood of 43,000 characters is exactly what is understood of their head.
    long_text = "my parcel has not arrived and I am waiting " * 1000
    u = understand(long_text)
    head = understand(long_text[:MAX_INPUT_CHARS])
    assert u.truncated
    assert not head.truncated
    assert u.intent == "order_status"
    assert (u.intent, u.confidence, u.entities, u.language) == (
        head.intent,
        head.confidence,
        head.entities,
        head.language,
    )


def test_nothing_beyond_the_limit_is_read() -> None:
    text = "x " * (MAX_INPUT_CHARS // 2) + " order #1001"
    assert understand(text).entities.order_numbers == ()
    assert understand("order #1001 " + "x " * MAX_INPUT_CHARS).entities.order_numbers == ("1001",)


def test_full_width_text_is_normalised() -> None:
    u = understand("ｗｈｅｒｅ ｉｓ ｍｙ ｏｒｄｅｒ ＃１００１")
    assert u.entities.order_numbers == ("1001",)
    assert u.intent == "order_status"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is my order", "en"),
        ("dónde está mi pedido", "es"),
        ("où est ma commande", "fr"),
        ("wo ist meine bestellung", "de"),
        ("где мой заказ", "ru"),
        ("我的订单在哪里", "zh"),
        ("注文はどこですか", "ja"),
        ("12345", ""),
    ],
)
def test_it_guesses_the_language_cheaply(text: str, language: str) -> None:
    assert understand(text).language == language


def test_the_result_is_immutable() -> None:
    u = understand("hi")
    with pytest.raises(AttributeError):
        u.intent = "other"  # type: ignore[misc]
