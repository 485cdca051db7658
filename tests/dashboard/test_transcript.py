"""The transcript reads clearly: lookups on one line, what matters in full, labelled times."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.dashboard import factories as make

pytestmark = pytest.mark.django_db


def test_lookups_fold_into_one_line_and_a_refund_stays_a_card(merchant, shop):
    conversation = make.conversation(shop)
    lookup = make.action(conversation, kind="lookup_order", status="executed", amount=None)
    track = make.action(conversation, kind="track_shipment", status="executed", amount=None)
    refund = make.action(conversation)

    html = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()

    routine = html.split('<details class="action-line" data-routine>', 1)[1].split("</details>")[0]
    assert f'id="action-{lookup.pk}"' in routine
    assert f'id="action-{track.pk}"' in routine
    assert "Look up order #1001: executed" in routine
    assert f'id="action-{refund.pk}"' not in routine
    assert f'id="action-{refund.pk}"' in html
    assert html.count("data-routine") == 1


def test_times_are_in_the_stores_zone_and_labelled_with_it(merchant, shop):
    shop.timezone = "America/New_York"
    shop.save(update_fields=["timezone"])
    conversation = make.conversation(shop)

    html = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    inbox = merchant.get("/app/conversations/").content.decode()

    for page in (html, inbox):
        stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', page)
        assert stamps
        for moment, label in stamps:
            there = datetime.fromisoformat(moment).astimezone(ZoneInfo("America/New_York"))
            assert label == f"{there:%b} {there.day}, {there:%H:%M} {there.tzname()}"


def _version(html: str) -> str:
    return re.search(r'id="transcript" data-version="([^"]+)"', html).group(1)


def test_the_transcript_poll_answers_204_until_something_changes(merchant, shop):
    from apps.chat.services import message_add_customer

    conversation = make.conversation(shop)
    page = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    version = _version(page)
    url = f"/app/conversations/{conversation.pk}/transcript/"

    quiet = merchant.get(url, {"v": version}, htmx=True, target="transcript")
    assert quiet.status_code == 204
    assert quiet.content == b""

    message_add_customer(conversation, "Are you still there?")
    changed = merchant.get(url, {"v": version}, htmx=True, target="transcript")

    assert changed.status_code == 200
    html = changed.content.decode()
    assert "Are you still there?" in html
    assert _version(html) != version
    assert 'id="composer"' not in html  # the composer (and what is typed there) is untouched


def test_an_action_decided_elsewhere_changes_the_version(merchant, shop):
    conversation = make.conversation(shop)
    action = make.action(conversation)
    url = f"/app/conversations/{conversation.pk}/transcript/"
    version = _version(merchant.get(f"/app/conversations/{conversation.pk}/").content.decode())

    action.status = "executed"
    action.save()

    assert merchant.get(url, {"v": version}, htmx=True, target="transcript").status_code == 200


def test_the_transcript_of_another_store_is_not_found(merchant, other_shop):
    theirs = make.conversation(other_shop, messages=("secret question",))

    response = merchant.get(f"/app/conversations/{theirs.pk}/transcript/", htmx=True)

    assert response.status_code == 404
    assert b"secret question" not in response.content
