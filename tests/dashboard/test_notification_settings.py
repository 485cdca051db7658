"""Settings → Notifications: each switch saved and audited, a preview in the store's look, the
transcript sent on request; scoped to the merchant's store."""

from __future__ import annotations

import pytest

from apps.chat.services import message_add_customer
from apps.conversations.models import Channel, OutboundMessage
from apps.conversations.services import conversation_start
from apps.notifications.preferences import notification_settings
from apps.stores.models import SettingsAuditEntry
from apps.stores.services import store_settings

pytestmark = pytest.mark.django_db


def test_the_settings_page_loads_the_notification_switches(merchant) -> None:  # type: ignore[no-untyped-def]
    page = merchant.get("/app/settings/").content.decode()
    assert "/app/settings/notifications/" in page
    html = merchant.get("/app/settings/notifications/", htmx=True).content.decode()
    for name in ("team_digest", "action_done", "web_by_email", "transcript"):
        assert f'data-notification="{name}"' in html
    assert 'name="web_by_email">' in html  # off by default
    assert 'name="team_digest" checked' in html


def test_switches_are_saved_and_audited(merchant, shop) -> None:  # type: ignore[no-untyped-def]
    response = merchant.post(
        "/app/settings/notifications/save/", {"team_digest": "on", "web_by_email": "on"}
    )
    assert response.status_code == 200
    prefs = notification_settings(shop)
    assert (prefs.team_digest, prefs.action_done, prefs.web_by_email, prefs.transcript) == (
        True,
        False,
        True,
        False,
    )
    entry = SettingsAuditEntry.objects.get(store=shop, section="notifications")
    assert set(entry.changes) == {"action_done", "web_by_email", "transcript"}


def test_a_preview_shows_the_notice_in_the_stores_look(merchant, shop) -> None:  # type: ignore[no-untyped-def]
    rules = store_settings(shop)
    rules.widget_color = "#123456"
    rules.escalation_email = "team@shop.example.com"
    rules.save()
    html = merchant.get(
        "/app/settings/notifications/preview/team_digest/", htmx=True
    ).content.decode()
    assert "#123456" in html
    assert "2 conversations need your team" in html
    assert "team@shop.example.com is the escalation address" in html
    assert not OutboundMessage.objects.exists()  # a preview sends nothing
    label = merchant.get("/app/settings/notifications/preview/web_by_email/", htmx=True)
    assert "https://example.com/label.pdf" in label.content.decode()


def test_an_unknown_preview_is_not_found(merchant) -> None:  # type: ignore[no-untyped-def]
    response = merchant.get("/app/settings/notifications/preview/updated_at/", htmx=True)
    assert response.status_code == 404


def test_the_transcript_needs_a_proven_address_and_is_scoped(merchant, rival, shop) -> None:  # type: ignore[no-untyped-def]
    conversation = conversation_start(shop, Channel.WEB, customer_email="claimed@example.net")
    message_add_customer(conversation, "hello")
    path = f"/app/conversations/{conversation.pk}/send-transcript/"
    assert rival.post(path).status_code == 404
    response = merchant.post(path)
    assert response.status_code == 200
    assert "no proven address" in response.content.decode()
    assert not OutboundMessage.objects.exists()
