"""The load bench/faults.py puts on the stack, and what it checks afterwards.

Shoppers chat through /api/chat the way the widget does (a client_message_id per message,
"try again" with the same id); webhooks arrive signed the way Shopify sends them (a non-2xx
answer is redelivered with the same event id). The Ledger keeps what the clients were told;
`settled` counts it against the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "webhooks" / "fixtures" / "orders_create.json"
SHOP = "bench-faults.myshopify.com"
STATUS_URL = f"https://{SHOP}/548380009/orders/123456abcd/authenticate?key=abcdefg"
SECRET = secrets.token_hex(16)
THINK = int(os.environ.get("BENCH_THINK_MS", "400")) / 1000
CUSTOMERS = [("1001", "jane@example.com"), ("1005", "sam@example.com"),
             ("1008", "priya@example.com"), ("1011", "alex@example.com")]  # fmt: skip


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(q * len(ordered)) - 1)] if ordered else float("nan")


# ---------------------------------------------------------------- the load


@dataclass
class Ledger:
    """What the clients were told: the ground truth the database is checked against."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    webhooks_acked: set[str] = field(default_factory=set)
    webhook_answers: dict[int, int] = field(default_factory=dict)
    messages_acked: set[str] = field(default_factory=set)
    chat_answers: dict[int, int] = field(default_factory=dict)
    visible_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, bucket: dict[int, int], status: int) -> None:
        with self.lock:
            bucket[status] = bucket.get(status, 0) + 1


class Load:
    """Shoppers and a webhook sender, each a thread, until stopped."""

    def __init__(self, base_url: str, widget_key: str, ledger: Ledger) -> None:
        self.base_url = base_url
        self.widget_key = widget_key
        self.ledger = ledger
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.webhook_rate = 0.0

    def start(self, *, shoppers: int, webhook_rate: float) -> None:
        self.stopping.clear()
        self.webhook_rate = webhook_rate
        self.threads = [threading.Thread(target=self._shopper, args=(n,)) for n in range(shoppers)]
        if webhook_rate > 0:
            senders = max(1, int(webhook_rate // 40) + 1)
            self.threads += [threading.Thread(target=self._webhooks, args=(webhook_rate / senders,))
                             for _ in range(senders)]  # fmt: skip
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(120)

    # -- chat, as the widget does it
    def _shopper(self, n: int) -> None:
        number, email = CUSTOMERS[n % len(CUSTOMERS)]
        address = f"2001:db8:{n:x}::1"
        with httpx.Client(base_url=self.base_url, timeout=10,
                          headers={"X-Forwarded-For": address}) as client:  # fmt: skip
            conversation = None
            while not self.stopping.is_set():
                if conversation is None:
                    conversation = self._start(client)
                    if conversation is None:
                        time.sleep(1)
                        continue
                for text in ("where is my order", f"#{number} {email}", "thanks"):
                    if self.stopping.is_set():
                        return
                    self._say(client, conversation, text)
                    time.sleep(THINK * (0.5 + secrets.randbelow(100) / 100))
                conversation = None

    def _start(self, client: httpx.Client) -> tuple[int, str] | None:
        try:
            answer = client.post(f"/api/chat/conversations?key={self.widget_key}", json={})
        except httpx.HTTPError:
            return None
        if answer.status_code != 201:
            return None
        body = answer.json()
        return body["conversation"]["id"], body["token"]

    def _say(self, client: httpx.Client, conversation: tuple[int, str], text: str) -> None:
        """POST with a client_message_id, retrying the same id until acknowledged (the
        widget's "try again"), then poll until the reply is visible."""
        conversation_id, token = conversation
        path = f"/api/chat/conversations/{conversation_id}/messages"
        query = {"key": self.widget_key, "token": token}
        client_id = str(uuid.uuid4())
        began = time.perf_counter()
        message_id = None
        deadline = time.monotonic() + 90
        while message_id is None and time.monotonic() < deadline:
            try:
                body = {"text": text, "client_message_id": client_id}
                answer = client.post(path, params=query, json=body)
                status = answer.status_code
            except httpx.HTTPError:
                status = 0
            self.ledger.count(self.ledger.chat_answers, status)
            if status in (200, 201):
                message_id = answer.json()["message"]["id"]
                with self.ledger.lock:
                    self.ledger.messages_acked.add(client_id)
            else:
                time.sleep(1.0)
        if message_id is None:
            return
        while time.monotonic() < deadline:
            try:
                polled = client.get(path, params={**query, "after": str(message_id)})
                if polled.status_code == 200 and any(
                    m["role"] == "assistant" for m in polled.json()["messages"]
                ):
                    with self.ledger.lock:
                        self.ledger.visible_ms.append((time.perf_counter() - began) * 1000)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)

    # -- webhooks, as Shopify sends them
    def _webhooks(self, rate: float) -> None:
        from apps.shopify_app.security import sign_webhook

        base = json.loads(FIXTURE.read_text())
        interval = 1.0 / rate
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            next_at = time.monotonic()
            while not self.stopping.is_set():
                event_id = str(uuid.uuid4())
                number = int(hashlib.sha256(event_id.encode()).hexdigest()[:7], 16)
                # The payload names its shop, and the handler checks it is the sender's.
                order = {**base, "id": 10**9 + number, "order_number": number,
                         "name": f"#{number}", "order_status_url": STATUS_URL}  # fmt: skip
                body = json.dumps(order).encode()
                headers = {
                    "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Shop-Domain": SHOP, "X-Shopify-Api-Version": "2026-10",
                    "X-Shopify-Webhook-Id": event_id, "X-Shopify-Event-Id": event_id,
                    "X-Shopify-Hmac-Sha256": sign_webhook(body, SECRET),
                }  # fmt: skip
                self._deliver(client, body, headers, event_id)
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))

    def _deliver(
        self, client: httpx.Client, body: bytes, headers: dict[str, str], event_id: str
    ) -> None:
        for _attempt in range(60):  # Shopify redelivers a non-2xx answer
            try:
                status = client.post("/webhooks/shopify", content=body, headers=headers).status_code
            except httpx.HTTPError:
                status = 0
            self.ledger.count(self.ledger.webhook_answers, status)
            if 200 <= status < 300:
                with self.ledger.lock:
                    self.ledger.webhooks_acked.add(event_id)
                return
            time.sleep(1.0)


# ---------------------------------------------------------------- checks


def healthz(base_url: str) -> int:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def settled(ledger: Ledger) -> tuple[bool, dict[str, int]]:
    """Counts over everything acknowledged so far; True once nothing is still in flight."""
    from django.db import connection

    from apps.conversations.models import Message, MessageRole
    from apps.webhooks.models import WebhookEvent, WebhookStatus

    connection.close()  # PostgreSQL may have restarted since the last look
    with ledger.lock:
        acked_events, acked_messages = set(ledger.webhooks_acked), set(ledger.messages_acked)
    rows = dict(WebhookEvent.objects.filter(shop_domain=SHOP).values_list("event_id", "status"))
    customer = list(
        Message.objects.filter(role=MessageRole.CUSTOMER).values_list(
            "pk", "client_message_id", "handled_at"
        )
    )
    by_client: dict[str, int] = {}
    for _pk, client_id, _handled in customer:
        by_client[client_id] = by_client.get(client_id, 0) + 1
    handled = {client_id for _pk, client_id, at in customer if at is not None}
    replies = (
        Message.objects.filter(role=MessageRole.ASSISTANT)
        .exclude(metadata__kind="approval")
        .count()
    )
    counts = {
        "webhooks_acked": len(acked_events),
        "webhooks_without_row": len([e for e in acked_events if e not in rows]),
        "webhooks_unprocessed": len(
            [e for e in acked_events if rows.get(e) != WebhookStatus.PROCESSED]
        ),
        "messages_acked": len(acked_messages),
        "messages_stored_twice": sum(n - 1 for n in by_client.values()),
        "messages_unanswered": len(acked_messages - handled),
        "messages_answered_twice": max(0, replies - len(customer)),
    }
    done = counts["webhooks_unprocessed"] == 0 and counts["messages_unanswered"] == 0
    return done, counts


def worker_results(log: str) -> dict[str, int]:
    """Completed process_webhook_event runs by result, from the worker's INFO log."""
    found: dict[str, int] = {}
    pattern = r"process_webhook_event\[[^\]]+\] succeeded in [0-9.e-]+s: '(\w+)'"
    for result in re.findall(pattern, log):
        found[result] = found.get(result, 0) + 1
    return found
