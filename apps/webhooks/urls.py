from django.urls import URLPattern, URLResolver, path

from apps.webhooks import (
    bigcommerce_views,
    helpdesk_views,
    provider_views,
    views,
    woocommerce_views,
)

app_name = "webhooks"
urlpatterns: list[URLPattern | URLResolver] = [
    path("shopify", views.shopify_webhook, name="shopify"),
    path("bigcommerce", bigcommerce_views.bigcommerce_webhook, name="bigcommerce"),
    path("easypost/<int:store_id>", provider_views.easypost_webhook, name="easypost"),
    path("stripe/<int:store_id>", provider_views.stripe_webhook, name="stripe"),
    path("woocommerce/<int:store_id>", woocommerce_views.woocommerce_webhook, name="woocommerce"),
    path(
        "helpdesk/<slug:provider>/<str:token>",
        helpdesk_views.helpdesk_webhook,
        name="helpdesk",
    ),
]
