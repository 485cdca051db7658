"""The respond-step guard: a reworded reply may state nothing the facts do not."""

from __future__ import annotations

import pytest

from apps.agent.facts import Facts, unsupported_facts

DRAFT = (
    "Here's the latest on order #1001:\n"
    "Shipped with UPS, tracking number 1Z999AA10123456784.\n"
    "Track it here: https://www.ups.com/track?tracknum=1Z999AA10123456784\n"
    "Estimated delivery: November 29, 2026. Total $1,089.00."
)
FACTS = Facts(items=(("order", "#1001"), ("amount", "$1,089.00")))


@pytest.mark.parametrize(
    "reply",
    [
        "Order #1001 is with UPS (1Z999AA10123456784) and should arrive November 29, 2026.",
        "Your parcel (#1001) is on its way! Follow it: "
        "https://www.ups.com/track?tracknum=1Z999AA10123456784.",
        "Order 1001 cost $1089 in total.",
        "You paid 1089.00 for order #1001.",
        "It's on the way.",
    ],
    ids=["reworded_case", "url_case", "money_format_case", "decimal_case", "no_values_case"],
)
def test_rewordings_that_keep_to_the_facts_pass(reply: str) -> None:
    assert FACTS.unsupported_in(reply, draft=DRAFT) == []


@pytest.mark.parametrize(
    ("reply", "invented"),
    [
        ("Order #1001 arrives in 3 days.", ["3"]),
        ("We've refunded $50.00 on order #1001.", ["50"]),
        ("Track it at https://evil.example/track/1001", ["evil.example/track/1001"]),
        ("Tracking number 1Z999AA10123456785.", ["1z999aa10123456785"]),
        ("Write to refunds@northwind.example about #1001.", ["refunds@northwind.example"]),
        ("Use code SAVE20 for order #1002.", ["save20", "1002"]),
    ],
    ids=["days_case", "amount_case", "url_case", "tracking_case", "email_case", "code_case"],
)
def test_a_value_that_is_in_no_fact_is_caught(reply: str, invented: list[str]) -> None:
    assert sorted(FACTS.unsupported_in(reply, draft=DRAFT)) == sorted(invented)


def test_knowledge_text_vouches_for_its_own_numbers() -> None:
    knowledge = "Standard shipping takes 3-5 business days; express 1-2 days for $15."
    assert unsupported_facts("Express takes 1-2 days and costs $15.", [knowledge]) == []
    assert unsupported_facts("Express is free.", [knowledge]) == []
    assert unsupported_facts("Express costs $10.", [knowledge]) == ["10"]
