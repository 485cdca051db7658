"""Settings → your team & helpdesk: validated, saved per store, audited, used by the sync."""

from __future__ import annotations

from datetime import time

import pytest

from apps.helpdesk.models import HelpdeskSettings, TicketsFor
from apps.helpdesk.preferences import helpdesk_settings
from apps.stores.models import SettingsAuditEntry
from apps.stores.services import store_settings

pytestmark = pytest.mark.django_db

URL = "/app/settings/helpdesk/"
VALUES = {
    "tickets_for": "all",
    "tags": " VIP, ai handled,vip ",
    "escalation_assignee": "tea_2b4",
    "ai_replies_as": "notes",
    "hand_back_tag": "Back to AI",
    "team_days": ["1", "2", "3", "4", "5", "6"],
    "team_opens_at": "08:30",
    "team_closes_at": "18:00",
}


def test_the_settings_page_loads_the_section_with_the_defaults(merchant):
    assert 'hx-get="/app/settings/helpdesk/"' in merchant.get("/app/settings/").content.decode()
    html = merchant.get(URL).content.decode()
    assert 'value="escalations" selected' in html
    assert 'name="team_opens_at" value="09:00"' in html
    assert 'name="hand_back_tag" value="aftersale-ai"' in html


def test_saving_stores_the_choices_and_the_hours_and_audits_them(merchant, shop):
    version = store_settings(shop).version
    response = merchant.post(URL, VALUES)
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    prefs = helpdesk_settings(shop.pk)
    assert (prefs.tickets_for, prefs.tags, prefs.escalation_assignee) == (
        TicketsFor.ALL,
        ["vip", "ai-handled"],
        "tea_2b4",
    )
    assert (prefs.ai_replies_as, prefs.hand_back_tag) == ("notes", "back-to-ai")
    rules = store_settings(shop)
    assert (rules.team_days, rules.team_opens_at, rules.team_closes_at) == (
        "123456",
        time(8, 30),
        time(18),
    )
    assert rules.version == version + 1  # the agent quotes the hours: a new version
    assert set(SettingsAuditEntry.objects.filter(store=shop).values_list("section", flat=True)) == {
        "helpdesk",
        "team hours",
    }
    again = merchant.post(URL, VALUES)
    assert "No changes to save" in again.content.decode()
    assert SettingsAuditEntry.objects.filter(store=shop).count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tickets_for", "sometimes"),
        ("team_closes_at", "07:00"),
        ("escalation_assignee", "1; DROP TABLE"),
        ("team_days", []),
        ("tags", ",".join(f"t{i}" for i in range(30))),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(merchant, shop, field, value):
    response = merchant.post(URL, {**VALUES, field: value})
    assert response.status_code == 422
    assert "nothing was saved" in response.content.decode()
    assert not HelpdeskSettings.objects.filter(store=shop).exists()
    assert store_settings(shop).team_opens_at == time(9)


def test_a_store_saves_only_its_own_settings(merchant, rival, shop, other_shop):
    rival.post(URL, VALUES)
    assert helpdesk_settings(shop.pk).tickets_for == TicketsFor.ESCALATIONS
    assert helpdesk_settings(other_shop.pk).tickets_for == TicketsFor.ALL
