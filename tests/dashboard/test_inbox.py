"""The inbox: filters, pagination, a constant number of queries, and the transcript view."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.dashboard.selectors import inbox as inbox_selectors
from tests.dashboard import factories as make

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-conversation="(\d+)"')


def _listed(response) -> list[int]:
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def test_the_inbox_lists_the_stores_conversations_newest_first(merchant, shop):
    old = make.conversation(
        shop, email="old@example.com", created_at=timezone.now() - timedelta(days=2)
    )
    new = make.conversation(
        shop, email="new@example.com", messages=("Hi", "Hello! How can I help?")
    )

    response = merchant.get("/app/conversations/")

    html = response.content.decode()
    assert _listed(response) == [new.pk, old.pk]
    assert "Hello! How can I help?" in html
    assert "2 messages" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "escalated"}, ["escalated"]),
        ({"intent": "refund_request"}, ["refund"]),
        ({"channel": "sms"}, ["sms"]),
        ({"needs_approval": "on"}, ["refund"]),
        ({"date_from": "2026-01-10", "date_to": "2026-01-10"}, ["dated"]),
        ({"status": "ai_handling", "channel": "email"}, []),
    ],
)
def test_filters(merchant, shop, params, expected):
    from datetime import datetime

    rows = {
        "escalated": make.conversation(shop, status="escalated", intent="complaint"),
        "refund": make.conversation(shop, intent="refund_request"),
        "sms": make.conversation(shop, channel="sms", intent="greeting"),
        "dated": make.conversation(
            shop,
            intent="other",
            created_at=timezone.make_aware(datetime(2026, 1, 10, 23, 30)),
        ),
    }
    make.action(rows["refund"])
    make.action(rows["escalated"], status="executed")

    response = merchant.get("/app/conversations/", params)

    assert response.status_code == 200
    assert sorted(_listed(response)) == sorted(rows[k].pk for k in expected)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"status": "deleted"}, "Select a valid choice"),
        ({"date_from": "yesterday"}, "Enter a valid date"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "before the start date"),
    ],
)
def test_an_invalid_filter_is_shown_and_ignored(merchant, shop, params, error):
    row = make.conversation(shop)

    response = merchant.get("/app/conversations/", params)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert _listed(response) == [row.pk]


def test_pagination(merchant, shop):
    rows = [make.conversation(shop, messages=()) for _ in range(30)]
    newest_first = [r.pk for r in reversed(rows)]

    first = merchant.get("/app/conversations/")
    second = merchant.get("/app/conversations/", {"page": "2"})
    beyond = merchant.get("/app/conversations/", {"page": "99"})
    garbage = merchant.get("/app/conversations/", {"page": "abc"})

    assert _listed(first) == newest_first[:25]
    assert _listed(second) == newest_first[25:]
    assert _listed(beyond) == newest_first[25:]
    assert _listed(garbage) == newest_first[:25]
    assert "26–30 of 30" in second.content.decode()


def test_pagination_keeps_the_filters(merchant, shop):
    for _ in range(26):
        make.conversation(shop, channel="sms", messages=())

    html = merchant.get("/app/conversations/", {"channel": "sms"}).content.decode()

    assert "/app/conversations/?channel=sms&amp;page=2" in html


def test_an_htmx_filter_request_gets_only_the_results(merchant, shop):
    make.conversation(shop)

    response = merchant.get(
        "/app/conversations/", {"status": "ai_handling"}, htmx=True, target="inbox-results"
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-results"')
    assert "<html" not in html


def _queries_for(merchant, shop, rows: int) -> int:
    for _ in range(rows):
        conv = make.conversation(shop, messages=("a", "b", "c"), intent="refund_request")
        make.action(conv)
        make.action(conv, status="executed")
    merchant.get("/app/conversations/")  # creates the settings row once
    with CaptureQueriesContext(connection) as captured:
        response = merchant.get("/app/conversations/")
    assert len(_listed(response)) == rows
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_rows_shown(
    merchant, shop, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(inbox_selectors, "PAGE_SIZE", 50)
    few = _queries_for(merchant, shop, 5)
    make_more = 45
    for _ in range(make_more):
        conv = make.conversation(shop, messages=("a", "b", "c"), intent="refund_request")
        make.action(conv)

    with django_assert_max_num_queries(few):
        response = merchant.get("/app/conversations/")
    assert len(_listed(response)) == 50
    assert few <= 5  # store, count, settings, the page itself


def test_the_transcript_shows_every_message_and_action_with_its_state(merchant, shop):
    conv = make.conversation(shop, messages=("Refund my order please", "That needs approval."))
    waiting = make.action(conv, evidence={"refund": {"id": "gid://shopify/Refund/1"}})
    done = make.action(conv, kind="lookup_order", status="executed", amount=None)
    failed = make.action(conv, kind="cancel_order", status="failed", amount=None)
    failed.error = "Order already fulfilled"
    failed.save()

    html = merchant.get(f"/app/conversations/{conv.pk}/").content.decode()

    assert "Refund my order please" in html
    assert "That needs approval." in html
    assert re.search(rf'id="action-{waiting.pk}" data-status="awaiting_approval"', html)
    assert re.search(rf'id="action-{done.pk}" data-status="executed"', html)
    assert re.search(rf'id="action-{failed.pk}" data-status="failed"', html)
    assert "80.00 USD" in html
    assert "Refunds above 50.00 USD are approved by the team." in html
    assert "(rules v3)" in html
    assert "Order already fulfilled" in html
    assert "gid://shopify/Refund/1" in html
    assert f"/app/actions/{waiting.pk}/approve/" in html
    assert f"/app/actions/{done.pk}/approve/" not in html


def test_hostile_customer_text_is_shown_as_text(merchant, shop):
    conv = make.conversation(shop, messages=('<script>alert("x")</script>',))

    html = merchant.get(f"/app/conversations/{conv.pk}/").content.decode()
    listing = merchant.get("/app/conversations/").content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<script>alert("x")</script>' not in listing


def test_an_unknown_conversation_is_404(merchant):
    assert merchant.get("/app/conversations/999999/").status_code == 404


def test_the_inbox_poll_answers_204_until_a_conversation_changes(merchant, shop):
    from apps.chat.services import message_add_customer

    conversation = make.conversation(shop, status="escalated")
    page = merchant.get("/app/conversations/", {"status": "escalated"}).content.decode()
    poll = re.search(r'id="inbox-results" hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "status=escalated" in poll  # the poll keeps the merchant's filters

    quiet = merchant.get(poll, htmx=True, target="inbox-results")
    assert quiet.status_code == 204

    message_add_customer(conversation, "Hello? Anyone?")
    fresh = merchant.get(poll, htmx=True, target="inbox-results")

    assert fresh.status_code == 200
    assert "Hello? Anyone?" in fresh.content.decode()
    assert _listed(fresh) == [conversation.pk]
    # The next poll asks about the new version, and carries no stale one.
    again = re.search(r'hx-get="([^"]+)"', fresh.content.decode()).group(1)
    assert again.count("v=") == 1
    assert again != poll.replace("&", "&amp;")
