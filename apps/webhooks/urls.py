from django.urls import URLPattern, URLResolver, path

from apps.webhooks import helpdesk_views, views

app_name = "webhooks"
urlpatterns: list[URLPattern | URLResolver] = [
    path("shopify", views.shopify_webhook, name="shopify"),
    path(
        "helpdesk/<slug:provider>/<str:token>",
        helpdesk_views.helpdesk_webhook,
        name="helpdesk",
    ),
]
