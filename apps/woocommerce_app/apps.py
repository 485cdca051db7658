from django.apps import AppConfig


class WooCommerceAppConfig(AppConfig):
    name = "apps.woocommerce_app"
    label = "woocommerce_app"
