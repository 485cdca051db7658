from django.apps import AppConfig


class ShopifyAppConfig(AppConfig):
    name = "apps.shopify_app"
    label = "shopify_app"
