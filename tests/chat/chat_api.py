"""Helpers for the chat API tests: signed App Proxy requests and widget-key requests."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from apps.shopify_app.security import sign_proxy_query
from apps.stores.models import Store

JSON = "application/json"


def proxy_params(
    store: Store,
    *,
    customer_id: str = "",
    timestamp: int | None = None,
    shop: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The query Shopify's App Proxy would send for this store, signed with the app secret."""
    params = {
        "shop": shop or store.domain,
        "logged_in_customer_id": customer_id,
        "path_prefix": "/apps/aftersale",
        "timestamp": str(int(time.time()) if timestamp is None else timestamp),
        **extra,
    }
    params["signature"] = sign_proxy_query(params)
    return params


def proxy_url(path: str, params: dict[str, str] | list[tuple[str, str]]) -> str:
    return f"/proxy/chat/{path}?{urlencode(params)}"


def widget_url(path: str, key: str, **params: str) -> str:
    return f"/api/chat/{path}?{urlencode({'key': key, **params})}"


def post_json(client: Client, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type=JSON, **extra)


def proxy_start(client: Client, store: Store, customer_id: str = "") -> tuple[int, str]:
    response = post_json(
        client, proxy_url("conversations", proxy_params(store, customer_id=customer_id)), {}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    return data["conversation"]["id"], data["token"]


def proxy_messages_url(
    store: Store, conversation_id: int, token: str, customer_id: str = "", **extra: str
) -> str:
    params = proxy_params(store, customer_id=customer_id, token=token, **extra)
    return proxy_url(f"conversations/{conversation_id}/messages", params)


def widget_start(client: Client, store: Store, **extra: Any) -> tuple[int, str]:
    response = post_json(client, widget_url("conversations", store.widget_key), {}, **extra)
    assert response.status_code == 201, response.content
    data = response.json()
    return data["conversation"]["id"], data["token"]


def widget_messages_url(store: Store, conversation_id: int, token: str, **extra: str) -> str:
    return widget_url(
        f"conversations/{conversation_id}/messages", store.widget_key, token=token, **extra
    )


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """A JSON problem (never HTML) with this status and code, and a message for people."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert "<" not in response.content.decode()
    return body
