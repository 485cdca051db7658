from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from apps.woocommerce_app import views

app_name = "woocommerce_app"
urlpatterns: list[URLPattern | URLResolver] = [
    path("connect", views.connect, name="connect"),
    path("callback", views.callback, name="callback"),
    path("return", views.returned, name="returned"),
]
