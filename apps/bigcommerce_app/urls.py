from django.urls import URLPattern, path

from apps.bigcommerce_app import views

app_name = "bigcommerce_app"
urlpatterns: list[URLPattern] = [
    path("uninstall", views.uninstall_view, name="uninstall"),
]
