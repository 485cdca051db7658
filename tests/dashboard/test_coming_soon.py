"""Nothing promised that isn't built: integrations not built yet are "coming soon", cannot be
set up, and the plans do not sell them. Switching one on is its flag in
integrations.connections.registry.CONNECTABLE."""

from __future__ import annotations

import pytest

from apps.billing.plans import GROWTH, Feature, feature_is_live, live_features
from apps.dashboard.services.integrations import ProviderNotConnectable, integration_connect
from apps.integrations.connections import registry
from apps.stores.models import IntegrationCredential, SettingsAuditEntry

pytestmark = pytest.mark.django_db

STRIPE = {"secret_key": "sk_test_51Hq2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYzAbCdEfGhIjK1234"}


@pytest.fixture
def nothing_built(monkeypatch):
    """Every provider switched off, whichever are built by now: the rules under test are
    about the switch, not about today's list."""
    monkeypatch.setattr(registry, "CONNECTABLE", dict.fromkeys(registry.PROVIDERS, False))


def test_every_provider_has_its_switch():
    assert set(registry.CONNECTABLE) == set(registry.PROVIDERS)


def test_a_provider_not_built_is_listed_as_coming_soon_without_a_connect_button(
    merchant, nothing_built
):
    html = merchant.get("/app/integrations/").content.decode()

    for key, spec in registry.PROVIDERS.items():
        if registry.CONNECTABLE[key]:
            continue
        start = html.index(f'id="integration-{key}"')
        card = html[start : html.index("</article>", start)]
        assert "Coming soon" in card, key
        assert ">Connect<" not in card, key
        assert f"/app/integrations/{key}/form/" not in card, key
        assert spec.name in card


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/app/integrations/stripe/form/"),
        ("post", "/app/integrations/stripe/connect/"),
        ("post", "/app/integrations/stripe/test/"),
    ],
)
def test_a_provider_not_built_cannot_be_set_up(merchant, shop, method, path, nothing_built):
    response = getattr(merchant, method)(path, STRIPE if method == "post" else None)

    assert response.status_code == 404
    assert not IntegrationCredential.objects.filter(store=shop).exists()
    assert not SettingsAuditEntry.objects.filter(store=shop).exists()


def test_the_service_refuses_a_provider_not_built(shop, nothing_built):
    with pytest.raises(ProviderNotConnectable):
        integration_connect(
            store=shop, actor="owner", spec=registry.PROVIDERS["stripe"], values=STRIPE
        )
    assert not IntegrationCredential.objects.filter(store=shop).exists()


def test_switching_one_provider_on_makes_only_that_one_connectable(
    merchant, monkeypatch, nothing_built
):
    monkeypatch.setitem(registry.CONNECTABLE, "stripe", True)

    html = merchant.get("/app/integrations/").content.decode()
    stripe = html[html.index('id="integration-stripe"') :]
    stripe = stripe[: stripe.index("</article>")]
    assert "Coming soon" not in stripe
    assert ">Connect<" in stripe
    assert merchant.get("/app/integrations/stripe/form/").status_code == 200
    assert merchant.get("/app/integrations/easypost/form/").status_code == 404


def test_the_plans_do_not_sell_channels_and_helpdesks_before_they_work(monkeypatch, nothing_built):
    assert {f for f, live in live_features().items() if not live} == {
        Feature.SMS,
        Feature.EMAIL,
        Feature.HELPDESK,
    }
    assert feature_is_live(Feature.WEB_CHAT)
    assert feature_is_live(Feature.ANALYTICS)

    monkeypatch.setitem(registry.CONNECTABLE, "zendesk", True)
    assert feature_is_live(Feature.HELPDESK)  # one helpdesk is enough
    assert not feature_is_live(Feature.SMS)
    monkeypatch.setitem(registry.CONNECTABLE, "twilio", True)
    assert feature_is_live(Feature.SMS)


def test_the_billing_page_marks_what_is_not_built_as_coming_soon(
    merchant, monkeypatch, nothing_built
):
    html = merchant.get("/app/billing/").content.decode()
    growth = html[html.index(f'data-plan="{GROWTH.key}"') :]
    growth = growth[: growth.index("</section>")]
    for line in ("SMS channel", "Email channel", "Helpdesk integrations"):
        item = growth[growth.index(line) : growth.index("</li>", growth.index(line))]
        assert "Coming soon" in item, line

    monkeypatch.setattr(registry, "CONNECTABLE", dict.fromkeys(registry.PROVIDERS, True))
    html = merchant.get("/app/billing/").content.decode()
    assert "Coming soon" not in html


def test_the_page_explains_coming_soon_only_while_a_card_carries_it(
    merchant, monkeypatch, nothing_built
):
    assert "cannot be connected yet" in merchant.get("/app/integrations/").content.decode()

    monkeypatch.setattr(registry, "CONNECTABLE", dict.fromkeys(registry.PROVIDERS, True))
    html = merchant.get("/app/integrations/").content.decode()
    assert "cannot be connected yet" not in html
    assert "Coming soon" not in html
