"""Settings and policies: validated, saved atomically with an audit entry, versioned."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.stores.models import SettingsAuditEntry, StoreSettings
from apps.stores.services import store_settings

pytestmark = pytest.mark.django_db

AGENT = {
    "agent_name": "Max",
    "tone": "formal",
    "greeting": "Good day. How may I help?",
    "widget_color": "#0A7C55",
    "languages": ["en", "fr"],
}
POLICIES = {
    "return_window_days": "45",
    "refund_auto_approve_limit": "120.50",
    "refund_currency": "usd",
    "cancellation_window_hours": "6",
    "allow_address_changes": "",
    "final_sale_tags": " final-sale, Clearance ,FINAL-SALE,, gift-card ",
    "always_human_intents": ["complaint", "payment_issue"],
    "escalation_email": "help@fancy-socks.example",
}


def _snapshot(shop) -> dict:
    row = store_settings(shop)
    return {f.name: getattr(row, f.name) for f in StoreSettings._meta.concrete_fields}


def test_the_settings_page_shows_the_current_values(merchant, shop):
    rules = store_settings(shop)
    rules.return_window_days = 21
    rules.final_sale_tags = ["final-sale", "outlet"]
    rules.save()

    html = merchant.get("/app/settings/").content.decode()

    assert 'name="return_window_days" value="21"' in html
    assert 'value="final-sale, outlet"' in html
    assert 'name="agent_name" value="Ava"' in html


def test_saving_the_agent_settings_bumps_the_version_and_audits_each_field(merchant, shop):
    before = store_settings(shop).version

    response = merchant.post("/app/settings/agent/", AGENT)

    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    rules = StoreSettings.objects.get(store=shop)
    assert (rules.agent_name, rules.tone, rules.widget_color) == ("Max", "formal", "#0a7c55")
    assert rules.languages == ["en", "fr"]
    assert rules.version == before + 1
    entry = SettingsAuditEntry.objects.get(store=shop)
    assert (entry.section, entry.actor, entry.settings_version) == (
        "agent",
        "74221789523",
        before + 1,
    )
    assert entry.changes == {
        "agent_name": {"old": "Ava", "new": "Max"},
        "tone": {"old": "friendly", "new": "formal"},
        "greeting": {
            "old": StoreSettings._meta.get_field("greeting").default,
            "new": AGENT["greeting"],
        },
        "widget_color": {"old": "#1a73e8", "new": "#0a7c55"},
        "languages": {"old": [], "new": ["en", "fr"]},
    }
    # The audit log is swapped into the page with the saved form.
    assert 'id="audit-log" hx-swap-oob="true"' in response.content.decode()


def test_saving_the_policies_cleans_the_values(merchant, shop):
    response = merchant.post("/app/settings/policies/", POLICIES)

    assert response.status_code == 200
    rules = StoreSettings.objects.get(store=shop)
    assert rules.return_window_days == 45
    assert rules.refund_auto_approve_limit == Decimal("120.50")
    assert rules.refund_currency == "USD"
    assert rules.cancellation_window_hours == 6
    assert rules.allow_address_changes is False
    assert rules.final_sale_tags == ["final-sale", "Clearance", "gift-card"]
    assert rules.always_human_intents == ["complaint", "payment_issue"]
    assert rules.escalation_email == "help@fancy-socks.example"
    changes = SettingsAuditEntry.objects.get(store=shop).changes
    assert changes["refund_auto_approve_limit"] == {"old": "50.00", "new": "120.50"}
    assert changes["allow_address_changes"] == {"old": True, "new": False}


def test_saving_the_same_values_again_changes_nothing(merchant, shop):
    merchant.post("/app/settings/policies/", POLICIES)
    version = store_settings(shop).version

    response = merchant.post(
        "/app/settings/policies/", {**POLICIES, "refund_auto_approve_limit": "120.5"}
    )

    assert response.status_code == 200
    assert "No changes to save" in response.content.decode()
    assert store_settings(shop).version == version
    assert SettingsAuditEntry.objects.filter(store=shop).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("return_window_days", "-1", "greater than or equal to 0"),
        ("return_window_days", "366", "less than or equal to 365"),
        ("return_window_days", "ten", "Enter a whole number"),
        ("refund_auto_approve_limit", "-0.01", "greater than or equal to 0"),
        ("refund_auto_approve_limit", "10.001", "no more than 2 decimal places"),
        ("refund_auto_approve_limit", "1e9", "less than or equal to 100000"),
        ("refund_auto_approve_limit", "NaN", "Enter a number"),
        ("refund_currency", "EUR", "currency, USD."),
        ("refund_currency", "", "This field is required"),
        ("cancellation_window_hours", "-3", "greater than or equal to 0"),
        ("final_sale_tags", "x" * 41, "at most 40 characters"),
        ("final_sale_tags", ",".join(f"t{i}" for i in range(51)), "at most 50 tags"),
        ("always_human_intents", ["delete_everything"], "Select a valid choice"),
        ("escalation_email", "not-an-email", "valid email"),
        ("escalation_email", "a" * 250 + "@x.com", "at most 254"),
    ],
)
def test_invalid_policies_are_form_errors_and_change_nothing(merchant, shop, field, value, error):
    before = _snapshot(shop)

    response = merchant.post("/app/settings/policies/", {**POLICIES, field: value})

    assert response.status_code == 422
    assert error in response.content.decode()
    assert "nothing was saved" in response.content.decode()
    assert _snapshot(shop) == before
    assert not SettingsAuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("agent_name", "", "This field is required"),
        ("agent_name", "   ", "This field is required"),
        ("agent_name", "A" * 61, "at most 60 characters"),
        ("agent_name", "Ava\nBot", "one line"),
        ("agent_name", "Ava\x00", "Null characters are not allowed"),
        ("agent_name", "Ava\x07", "control characters"),
        ("greeting", "x" * 301, "at most 300 characters"),
        ("tone", "sarcastic", "Select a valid choice"),
        ("widget_color", "red", "Use a colour like #1a73e8"),
        ("widget_color", "#12345", "Use a colour like #1a73e8"),
        ("widget_color", "#12345g", "Use a colour like #1a73e8"),
        ("widget_color", "#123456;}", "at most 7 characters"),
        ("languages", ["en", "klingon"], "Select a valid choice"),
    ],
)
def test_invalid_agent_settings_are_form_errors_and_change_nothing(
    merchant, shop, field, value, error
):
    before = _snapshot(shop)

    response = merchant.post("/app/settings/agent/", {**AGENT, field: value})

    assert response.status_code == 422
    assert error in response.content.decode()
    assert _snapshot(shop) == before
    assert not SettingsAuditEntry.objects.exists()


def test_missing_fields_are_form_errors(merchant, shop):
    before = _snapshot(shop)

    response = merchant.post("/app/settings/policies/", {})

    assert response.status_code == 422
    assert response.content.decode().count("This field is required") >= 4
    assert _snapshot(shop) == before


def test_hostile_text_is_shown_as_text(merchant, shop):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = merchant.post("/app/settings/agent/", {**AGENT, "greeting": hostile})
    assert response.status_code == 200

    html = merchant.get("/app/settings/").content.decode()

    assert hostile not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert store_settings(shop).greeting == hostile


def test_a_store_in_another_currency_sets_limits_in_its_own(rival, other_shop):
    response = rival.post("/app/settings/policies/", {**POLICIES, "refund_currency": "USD"})
    assert response.status_code == 422
    assert "currency, EUR." in response.content.decode()

    assert (
        rival.post("/app/settings/policies/", {**POLICIES, "refund_currency": "eur"}).status_code
        == 200
    )
    assert store_settings(other_shop).refund_currency == "EUR"


def test_a_change_applies_to_one_store_only(merchant, shop, other_shop):
    other_before = _snapshot(other_shop)
    merchant.post("/app/settings/policies/", POLICIES)

    assert store_settings(shop).return_window_days == 45
    assert _snapshot(other_shop) == other_before
    assert not SettingsAuditEntry.objects.filter(store=other_shop).exists()


def test_get_is_not_allowed_on_the_save_endpoints(merchant):
    assert merchant.get("/app/settings/policies/").status_code == 405
    assert merchant.get("/app/settings/agent/").status_code == 405
