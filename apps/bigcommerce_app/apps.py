from django.apps import AppConfig


class BigCommerceAppConfig(AppConfig):
    name = "apps.bigcommerce_app"
    label = "bigcommerce_app"
