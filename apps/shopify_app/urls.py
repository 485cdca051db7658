from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from apps.shopify_app import views

app_name = "shopify_app"
urlpatterns: list[URLPattern | URLResolver] = [
    path("install", views.install, name="install"),
    path("callback", views.callback, name="callback"),
    path("session-token", views.session_token_bounce, name="session_token"),
]
