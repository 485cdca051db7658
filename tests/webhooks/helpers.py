"""Building signed Shopify deliveries for tests, shaped like Shopify's own."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from apps.shopify_app.security import sign_webhook

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = "jsmith.myshopify.com"
API_VERSION = "2026-10"


@cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text()


def fixture(name: str) -> dict[str, Any]:
    """A fresh copy of tests/webhooks/fixtures/<name>.json."""
    return copy.deepcopy(json.loads(_fixture_text(name)))


def delivery_headers(
    topic: str,
    body: bytes,
    *,
    shop: str = SHOP,
    event_id: str | None = None,
    webhook_id: str | None = None,
    secret: str | None = None,
    style: str = "x-shopify",
    triggered_at: str = "2026-03-02T15:15:34.123456789Z",
) -> dict[str, str]:
    """Headers as Shopify sends them: `X-Shopify-*` or the newer un-prefixed `shopify-*`."""
    values = {
        "Topic": topic,
        "Hmac-Sha256": sign_webhook(body, secret or settings.SHOPIFY_API_SECRET),
        "Shop-Domain": shop,
        "API-Version": API_VERSION,
        "Webhook-Id": webhook_id or str(uuid.uuid4()),
        "Triggered-At": triggered_at,
    }
    if event_id != "":
        values["Event-Id"] = event_id or str(uuid.uuid4())
    prefix = "X-Shopify-" if style == "x-shopify" else "shopify-"
    return {f"{prefix}{name}": value for name, value in values.items()}


def post_webhook(
    client: Client,
    topic: str,
    payload: dict[str, Any] | bytes,
    **options: Any,
) -> Any:
    """POST a signed delivery to the inbox; `options` go to delivery_headers."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = delivery_headers(topic, body, **options)
    return client.post(
        "/webhooks/shopify", data=body, content_type="application/json", headers=headers
    )


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """Point this process's Celery producer at a port where nothing listens, as if Redis
    had gone away; restore the real broker on exit."""
    from config.celery import app

    real_url = app.conf.broker_url

    def use(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    use("redis://127.0.0.1:9/0")
    try:
        yield
    finally:
        use(real_url)


def queued_event_ids(queue: str = "celery") -> list[int]:
    """The webhook event ids waiting in a queue of the test broker (the default one),
    decoded from the task messages (kombu's Redis envelope around Celery's protocol 2
    body): one id per `process_webhook_event`, a batch per `dispatch_webhook_events`."""
    from apps.core.redis import get_redis

    client = get_redis()
    assert client is not None, "these tests need REDIS_URL"
    ids: list[int] = []
    for raw in client.lrange(queue, 0, -1):
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        task = envelope["headers"]["task"]
        if task == "apps.webhooks.tasks.process_webhook_event":
            ids.append(args[0])
        elif task == "apps.webhooks.tasks.dispatch_webhook_events":
            ids.extend(args[0])
        else:
            raise AssertionError(f"unexpected task in the queue: {task}")
    return sorted(ids)


def process_pending_events() -> None:
    """What the worker does with the events the views stored (tests never commit, so no
    hand-off runs): each pending event processed, oldest first."""
    from apps.webhooks.models import WebhookEvent, WebhookStatus
    from apps.webhooks.processing import webhook_event_process

    pending = WebhookEvent.objects.filter(status=WebhookStatus.PENDING).order_by("pk")
    for pk in pending.values_list("pk", flat=True):
        webhook_event_process(pk)


class WorkerClient(Client):
    """A test client whose POSTs are followed by the worker's part (process_pending_events),
    for tests about what an inbound message becomes rather than about the request."""

    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = super().post(*args, **kwargs)
        process_pending_events()
        return response
