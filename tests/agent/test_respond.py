"""Replies: plain text, bounded, in the merchant's tone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.agent.replies import TEMPLATES, say
from apps.agent.respond import MAX_REPLY_LENGTH, plain_text
from apps.stores.models import Store, StoreSettings, Tone
from tests.agent.conftest import Chat


def test_html_is_removed_and_urls_stay_plain() -> None:
    text = plain_text(
        '<b>Done</b>! Track: <a href="https://x.test/t">https://x.test/t</a> &lt;ok&gt;'
    )
    assert text == "Done ! Track: https://x.test/t ok"


def test_replies_are_bounded_at_a_sentence() -> None:
    text = plain_text("A sentence that goes on. " * 200)
    assert len(text) <= MAX_REPLY_LENGTH
    assert text.endswith(".")


def test_every_template_exists_in_every_tone_or_is_tone_neutral() -> None:
    for key, template in TEMPLATES.items():
        if isinstance(template, dict):
            assert set(template) == {t.value for t in Tone}, key


@pytest.mark.parametrize("tone", [t.value for t in Tone])
def test_each_tone_has_its_own_wording(tone: str) -> None:
    texts = {say("handoff", t) for t in Tone}
    assert len(texts) == len(Tone)
    assert say("greeting", tone, agent="Ava", store="Northwind Outfitters").count("Ava") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tone", "opener"),
    [
        ("friendly", "Here's the latest"),
        ("formal", "Here is the status"),
        ("concise", "Order #1001:"),
    ],
)
def test_the_merchants_tone_shapes_the_same_facts(
    chat: Callable[..., Chat], demo_store: Store, tone: str, opener: str
) -> None:
    StoreSettings.objects.filter(store=demo_store).update(tone=tone)
    text = chat(email="jane@example.com")("where is order 1001").reply.text
    assert text.startswith(opener)
    assert "1Z999AA10123456784" in text
