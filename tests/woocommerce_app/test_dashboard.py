"""A WooCommerce store's home page: the storefront chat card, the claim secret pasted in
(never shown back), and the webhook notice."""

from __future__ import annotations

from django.test import Client, RequestFactory

from apps.dashboard.store_session import start_store_session
from apps.stores.models import IntegrationCredential, Store
from apps.woocommerce_app.models import WooConnection
from tests.factories import StoreFactory

SECRET = "p" * 48


def _auth(store: Store) -> dict[str, str]:
    token = start_store_session(RequestFactory().get("/"), None, store, user_id="owner")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_HX_REQUEST": "true"}


def test_the_home_page_shows_the_widget_key_and_the_notice(
    client: Client, woo_store: Store
) -> None:
    WooConnection.objects.filter(store=woo_store).update(
        notice="We switched your webhooks back on."
    )

    page = client.get("/app/", **_auth(woo_store))

    assert page.status_code == 200
    assert woo_store.widget_key in page.content.decode()
    assert "We switched your webhooks back on." in page.content.decode()


def test_the_claim_secret_is_kept_and_never_shown_back(client: Client, woo_store: Store) -> None:
    response = client.post(
        "/app/woocommerce/claim-secret/", {"claim_secret": SECRET}, **_auth(woo_store)
    )

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    config = IntegrationCredential.objects.get(store=woo_store).revealed_config()
    assert config["claim_secret"] == SECRET
    assert config["webhook_secret"] == "whsec-north"
    assert SECRET not in client.get("/app/", **_auth(woo_store)).content.decode()


def test_a_malformed_secret_changes_nothing(client: Client, woo_store: Store) -> None:
    response = client.post(
        "/app/woocommerce/claim-secret/", {"claim_secret": "short"}, **_auth(woo_store)
    )

    assert response.status_code == 400
    assert (
        IntegrationCredential.objects.get(store=woo_store).revealed_config()["claim_secret"]
        == "claim"
    )


def test_the_notice_can_be_dismissed(client: Client, woo_store: Store) -> None:
    WooConnection.objects.filter(store=woo_store).update(notice="Webhooks re-enabled.")

    assert client.post("/app/woocommerce/dismiss-notice/", **_auth(woo_store)).status_code == 200
    assert WooConnection.objects.get(store=woo_store).notice == ""


def test_a_store_of_another_platform_has_no_such_card(client: Client, db: None) -> None:
    other = StoreFactory(platform="bigcommerce", domain="store-abc.mybigcommerce.com")

    response = client.post(
        "/app/woocommerce/claim-secret/", {"claim_secret": SECRET}, **_auth(other)
    )

    assert response.status_code == 404
    assert not IntegrationCredential.objects.filter(store=other).exists()


def test_the_policy_pages_the_merchant_points_to_are_imported(
    client: Client, woo_store: Store, woo_shop, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from apps.stores.models import KnowledgeEntry
    from apps.woocommerce_app import tasks

    monkeypatch.setattr(
        tasks.import_policies, "delay", lambda store_id: tasks.import_policies.apply((store_id,))
    )
    woo_shop.pages.append(
        {
            "id": 5,
            "slug": "returns-and-refunds",
            "status": "publish",
            "link": "https://northwind.example/returns-and-refunds/",
            "title": {"rendered": "Returns &amp; refunds"},
            "content": {"rendered": "<p>Send it back within <b>60 days</b>.</p>"},
        }
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/app/woocommerce/policy-pages/",
            {"refund_page": "https://northwind.example/returns-and-refunds/", "shipping_page": ""},
            **_auth(woo_store),
        )

    assert response.status_code == 200
    assert WooConnection.objects.get(store=woo_store).policy_pages == {
        "refund": "https://northwind.example/returns-and-refunds/"
    }
    entry = KnowledgeEntry.objects.get(store=woo_store, policy_type="refund")
    assert (entry.title, entry.body) == ("Returns & refunds", "Send it back within 60 days.")


def test_a_page_address_that_is_not_a_page_is_refused(client: Client, woo_store: Store) -> None:
    response = client.post(
        "/app/woocommerce/policy-pages/", {"refund_page": "javascript:alert(1)"}, **_auth(woo_store)
    )

    assert response.status_code == 400
    assert WooConnection.objects.get(store=woo_store).policy_pages == {}
