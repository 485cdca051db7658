from django.urls import URLPattern, URLResolver, path

from apps.webhooks import views

app_name = "webhooks"
urlpatterns: list[URLPattern | URLResolver] = [
    path("shopify", views.shopify_webhook, name="shopify"),
]
