"""Settings → your team & helpdesk: validated, saved per store, audited, used by the sync."""

from __future__ import annotations

import json
from datetime import time

import pytest

from apps.core.redis import get_redis
from apps.dashboard.views import helpdesk_settings as helpdesk_settings_view
from apps.helpdesk.assignees import Choice
from apps.helpdesk.models import HelpdeskSettings, TicketsFor
from apps.helpdesk.preferences import helpdesk_settings
from apps.integrations.helpdesk.base import AssigneeKind
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, SettingsAuditEntry
from apps.stores.services import store_settings

pytestmark = pytest.mark.django_db

URL = "/app/settings/helpdesk/"
VALUES = {
    "tickets_for": "all",
    "tags": " VIP, ai handled,vip ",
    "escalation_assignee_kind": "user",
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
        ("escalation_assignee_kind", "robot"),
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


def listed(shop, *choices: Choice) -> None:
    """What a refresh of the store's helpdesk people and teams left in Redis."""
    rows = [{"provider": c.provider, "kind": c.kind, "id": c.id, "name": c.name} for c in choices]
    client = get_redis()
    assert client is not None
    client.set(f"helpdesk:assignees:{shop.pk}", json.dumps(rows))


MARIA = Choice("front", AssigneeKind.USER, "tea_2b4", "Maria Lopez")
RETURNS = Choice("front", AssigneeKind.TEAM, "inb_9", "Returns")


def test_a_team_is_saved_as_the_escalations_route(merchant, shop):
    listed(shop, MARIA, RETURNS)
    html = merchant.get(URL).content.decode()
    assert '<option value="inb_9">Returns: a team in Front</option>' in html
    values = {**VALUES, "escalation_assignee_kind": "team", "escalation_assignee": "inb_9"}
    assert merchant.post(URL, values).status_code == 200
    prefs = helpdesk_settings(shop.pk)
    assert (prefs.escalation_assignee_kind, prefs.escalation_assignee) == ("team", "inb_9")


@pytest.mark.parametrize(
    ("kind", "assignee", "error"),
    [
        ("team", "tea_2b4", "This id is a person in your helpdesk."),
        ("user", "tea_nobody", "Your helpdesk lists no one with this id."),
    ],
)
def test_with_the_helpdesks_list_an_id_not_on_it_is_refused(merchant, shop, kind, assignee, error):
    listed(shop, MARIA, RETURNS)
    values = {**VALUES, "escalation_assignee_kind": kind, "escalation_assignee": assignee}
    response = merchant.post(URL, values)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not HelpdeskSettings.objects.filter(store=shop).exists()


def test_without_a_list_the_page_asks_a_helpdesk_for_one(merchant, shop, monkeypatch):
    asked: list[int] = []
    monkeypatch.setattr(helpdesk_settings_view, "enqueue_assignees_refresh", asked.append)
    merchant.get(URL)
    assert asked == []  # no helpdesk connected: nothing to ask
    IntegrationCredential.objects.create(
        store=shop, provider="front", config=Secret("{}"), status=IntegrationStatus.CONNECTED
    )
    html = merchant.get(URL).content.decode()
    assert asked == [shop.pk]
    assert "<datalist" not in html  # meanwhile a typed id is taken
