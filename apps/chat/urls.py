"""The storefront chat API (twice: through the App Proxy and by widget key) and the demo page.

Shopify forwards https://<shop>/apps/aftersale/chat/... to <APP_URL>/proxy/chat/...
(shopify.app.toml [app_proxy]); other storefronts call <APP_URL>/api/chat/... directly.
"""

from django.urls import URLPattern, URLResolver, path

from apps.chat import demo
from apps.chat.api import fallback
from apps.chat.api import views as api

app_name = "chat"


def _chat_routes(prefix: str, via: str) -> list[URLPattern | URLResolver]:
    kwargs = {"via": via}
    return [
        path(f"{prefix}/config", api.config, kwargs, name=f"{via}-config"),
        path(
            f"{prefix}/conversations",
            api.conversation_create,
            kwargs,
            name=f"{via}-conversations",
        ),
        path(
            f"{prefix}/conversations/<str:conversation_id>/messages",
            api.conversation_messages,
            kwargs,
            name=f"{via}-messages",
        ),
        # Anything else under the prefix is a JSON 404, never Django's HTML page.
        path(f"{prefix}/<path:rest>", fallback.unknown_endpoint, name=f"{via}-unknown"),
        path(prefix, fallback.unknown_endpoint),
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    *_chat_routes("proxy/chat", "proxy"),
    *_chat_routes("api/chat", "widget"),
    path("demo/", demo.demo_page, {"page": "home"}, name="demo"),
    path("demo/help/", demo.demo_page, {"page": "help"}, name="demo-help"),
]
