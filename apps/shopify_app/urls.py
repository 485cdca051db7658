from django.urls import URLPattern, URLResolver

app_name = "shopify_app"
urlpatterns: list[URLPattern | URLResolver] = []
