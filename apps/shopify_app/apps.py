from django.apps import AppConfig


class ShopifyAppConfig(AppConfig):
    name = "apps.shopify_app"
    label = "shopify_app"

    def ready(self) -> None:
        from apps.integrations.commerce.shopify.tokens import use_token_source
        from apps.shopify_app.token_source import InstalledStoreTokens

        use_token_source(InstalledStoreTokens())
