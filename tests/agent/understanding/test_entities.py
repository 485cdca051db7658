"""E-mails, phones, money, tracking numbers and product words: positive and negative tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.agent.understanding.entities import extract
from apps.agent.understanding.types import Money, Phone, Quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my email is Jane@Example.com", ("jane@example.com",)),
        ("jane.o'neil+shop@mail.co.uk.", ("jane.o'neil+shop@mail.co.uk",)),
        ("a@b.io or c@d.com", ("a@b.io", "c@d.com")),
    ],
)
def test_it_reads_emails(text: str, expected: tuple[str, ...]) -> None:
    assert extract(text).entities.emails == expected


@pytest.mark.parametrize("text", ["jane at example dot com", "@handle on insta", "me@localhost"])
def test_it_ignores_what_is_not_an_email(text: str) -> None:
    assert extract(text).entities.emails == ()


@pytest.mark.parametrize(
    ("text", "raw", "digits"),
    [
        ("call me at 555-123-4567", "555-123-4567", "5551234567"),
        ("my number is (555) 123-4567", "(555) 123-4567", "5551234567"),
        ("+44 7700 900123", "+44 7700 900123", "447700900123"),
        ("ring 07700 900123 after 5", "07700 900123", "07700900123"),
        ("5551234567", "5551234567", "5551234567"),
        ("0044 20 7946 0958", "0044 20 7946 0958", "442079460958"),
        ("call 555.123.4567 2 times", "555.123.4567", "5551234567"),
    ],
)
def test_it_reads_phones_as_written_and_as_digits(text: str, raw: str, digits: str) -> None:
    assert extract(text).entities.phones == (Phone(text=raw, digits=digits),)


@pytest.mark.parametrize(
    "text",
    ["order 1001", "1001 1002 1003", "on 12/03/2024", "$1,299.99", "zip 90210", "size 10"],
)
def test_it_does_not_read_other_numbers_as_phones(text: str) -> None:
    assert extract(text).entities.phones == ()


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("refund $25 please", "25", "USD"),
        ("it was $25.50", "25.50", "USD"),
        ("25 dollars", "25", "USD"),
        ("fifty bucks", "50", "USD"),
        ("twenty five dollars", "25", "USD"),
        ("a hundred and twenty euros", "120", "EUR"),
        ("USD 25.50", "25.50", "USD"),
        ("USD25", "25", "USD"),
        ("25$", "25", "USD"),
        ("€30", "30", "EUR"),
        ("30 EUR", "30", "EUR"),
        ("30,50 €", "30.50", "EUR"),
        ("1.299,99 €", "1299.99", "EUR"),
        ("$1,299.99", "1299.99", "USD"),
        ("£15", "15", "GBP"),
        ("15 quid", "15", "GBP"),
        ("refund me 15 pounds", "15", "GBP"),
        ("C$40", "40", "CAD"),
        ("A$30", "30", "AUD"),
        ("CAD 12", "12", "CAD"),
        ("50 cents", "0.50", ""),
    ],
)
def test_it_reads_amounts(text: str, amount: str, currency: str) -> None:
    (money,) = extract(text).entities.amounts
    assert money.amount == Decimal(amount)
    assert money.currency == currency


@pytest.mark.parametrize(
    "text",
    [
        "2 shirts",
        "order 1001",
        "#1001",
        "size 10",
        "it's 100% cotton",
        "the parcel weighs 15 pounds",
        "a dollar store near me",
        "$ sign",
        "2024",
        "call 555-123-4567",
    ],
)
def test_it_does_not_read_other_numbers_as_money(text: str) -> None:
    assert extract(text).entities.amounts == ()


def test_an_amount_keeps_the_text_as_written() -> None:
    assert extract("refund USD 25.50 now").entities.amounts == (
        Money(Decimal("25.50"), "USD", "USD 25.50"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tracking 1Z999AA10123456784", "1Z999AA10123456784"),
        ("ups 1z999aa10123456784 stuck", "1Z999AA10123456784"),
        ("usps 9400111899223397623910", "9400111899223397623910"),
        ("9400 1118 9922 3397 6239 10", "9400111899223397623910"),
        ("420902109205590164917312751089", "420902109205590164917312751089"),
        ("fedex 123456789012", "123456789012"),
        ("fedex says 123456789012345", "123456789012345"),
        ("my dhl tracking number is 1234567890", "1234567890"),
        ("tracking number: 12345678", "12345678"),
        ("royal mail AB123456789GB", "AB123456789GB"),
        ("LX123456789CN hasn't moved", "LX123456789CN"),
        ("amazon TBA123456789000", "TBA123456789000"),
        ("GM2951173225174494 dhl ecommerce", "GM2951173225174494"),
    ],
)
def test_it_reads_tracking_numbers(text: str, expected: str) -> None:
    assert extract(text).entities.tracking_numbers == (expected,)


@pytest.mark.parametrize(
    "text",
    [
        "call 5551234567",
        "order 1001",
        "use code SUMMER2024SALE",
        "gift card ABCD1234EFGH5678",
        "my card 4111 1111 1111 1111",
        "tracking says delivered",
        "the tracking is stuck",
        "jane@example.com",
        "https://shop.example.com/orders/1Z999AA10123456784",
    ],
)
def test_it_does_not_read_other_codes_as_tracking(text: str) -> None:
    assert extract(text).entities.tracking_numbers == ()


def test_it_proposes_product_terms_quantities_sizes_and_colours() -> None:
    entities = extract(
        'I ordered 2 shirts and 3 blue hoodies, is the "Aurora Lamp" in XL?'
    ).entities
    assert entities.product_terms == ("Aurora Lamp", "shirts", "blue hoodies")
    assert entities.quantities == (Quantity(2, "shirts"), Quantity(3, "blue hoodies"))
    assert entities.sizes == ("XL",)
    assert entities.colors == ("blue",)


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("change it to size M", ("M",)),
        ("do you have a size 9.5", ("9.5",)),
        ("I need it in a large", ("L",)),
        ("swap the xs for an XL", ("XL",)),
        ("we live in a small town", ()),
    ],
)
def test_it_reads_sizes(text: str, sizes: tuple[str, ...]) -> None:
    assert extract(text).entities.sizes == sizes


@pytest.mark.parametrize(
    "text",
    [
        "can you check my card was charged",
        "in case it matters, I watched the tracking",
        "my phone number is 555-123-4567",
        "where is my order",
    ],
)
def test_everyday_words_are_not_product_terms(text: str) -> None:
    assert extract(text).entities.product_terms == ()
