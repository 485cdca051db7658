"""The transcript reads clearly: lookups on one line, what matters in full, labelled times."""

from __future__ import annotations

import re

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


def test_times_are_labelled_with_their_zone(merchant, shop):
    conversation = make.conversation(shop)

    html = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    inbox = merchant.get("/app/conversations/").content.decode()

    for page in (html, inbox):
        stamps = re.findall(r'<time datetime="([^"]+)" data-local>([^<]+)</time>', page)
        assert stamps
        assert all(label.endswith(" UTC") for _, label in stamps)
