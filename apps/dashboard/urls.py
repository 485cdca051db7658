from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from apps.shopify_app.views import app_home

app_name = "dashboard"
# The embedded admin's entry point lives in shopify_app for now; the dashboard grows here.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", app_home, name="home"),
]
