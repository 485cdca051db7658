"""Helpdesk mirroring: conversations of several stores mirrored into helpdesk stand-ins that
enforce each provider's documented rate limit, and the chat's p95 with mirroring on vs off.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/helpdesk.py

Part 1 (sync): BENCH_HD_CONVERSATIONS (200) conversations across 5 stores (two Gorgias, one
Zendesk, one Intercom, one Front: standins/helpdesk over real HTTP, each answering 429 past
its documented limit) arrive over BENCH_HD_ARRIVAL_S (60) seconds, each a customer message
and the AI's reply one second later; a Celery worker (prefork) sends them through the real
outbox. Reports messages synced per second, p95 delay from our message to the helpdesk,
429s received (target 0: our Redis bucket throttles first) and duplicates (target 0).

BENCH_HD_ONLY=sync or =chat runs one part alone.

Part 2 (chat): the chat benchmark's shoppers (bench/chat.py, BENCH_CONVERSATIONS and
BENCH_ROUNDS, here 10 x 2) on two copies of the demo store chatting at the same time: one with
no helpdesk, one with every conversation mirrored into an Intercom stand-in. Target: the
mirrored store's server-side p95 is within 10% of the other's (sync never runs in the
request). Exits 1 on a missed target.

Like with like: the claim is about the request, so the two halves run at the same moment,
through the same gunicorn and chat worker, on the same 2 cores; machine load and warm-up hit
both alike (run one after the other, the same code differed by +35% and +98% between two
runs). The sync worker is not running meanwhile (its sends queue up in the broker) and starts
after the chat to drain them; a bench thread starts mirroring each new conversation of the
mirrored store as the worker's `mirror_conversation` would, so every later message there pays
its share. "Mirroring really ran" checks that every row then reached the stand-in. What stays
in the mirrored request is what mirroring really adds there: the "mirrored into which
helpdesks" query, the sync row's INSERT, and the hand-off of its id to the relay thread
(tests/helpdesk/test_chat_cost.py pins it).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("BENCH_CONVERSATIONS", "10")
os.environ.setdefault("BENCH_ROUNDS", "2")

import chat as chat_bench  # noqa: E402  (bench/ is on sys.path when run as a script)

ROOT = chat_bench.ROOT
sys.path.insert(0, str(ROOT))

CONVERSATIONS = int(os.environ.get("BENCH_HD_CONVERSATIONS", "200"))
ARRIVAL_SECONDS = float(os.environ.get("BENCH_HD_ARRIVAL_S", "60"))
DRAIN_TIMEOUT = float(os.environ.get("BENCH_HD_TIMEOUT_S", "600"))
# (provider, tenant key, share of the conversations)
STORES = [
    ("gorgias", "northwind", 0.2),
    ("gorgias", "southwind", 0.2),
    ("zendesk", "10001", 0.25),
    ("intercom", "abc123", 0.25),
    ("front", "cmp_a1", 0.1),
]
MAX_CHAT_P95_CHANGE = 0.10
# Stand-ins, stand-ins, gunicorn: BENCH_HD_PORT_BASE (8210) + 0..2.
_BASE = int(os.environ.get("BENCH_HD_PORT_BASE", "8210"))
PORTS = (_BASE, _BASE + 1, _BASE + 2)


def bench_env() -> dict[str, str]:
    env = chat_bench.bench_env()
    env["DATABASE_URL"] = env["DATABASE_URL"].replace("_bench_chat", "_bench_helpdesk")
    return env


def make_fake(provider: str, key: str):  # type: ignore[no-untyped-def]
    from standins.helpdesk.fake_front import FakeFront
    from standins.helpdesk.fake_gorgias import FakeGorgias
    from standins.helpdesk.fake_intercom import FakeIntercom
    from standins.helpdesk.fake_zendesk import FakeZendesk

    ids = {"bot_id": "7001", "agent_id": "7002", "secret": "bench-secret"}
    if provider == "gorgias":
        return FakeGorgias(key, **ids)
    if provider == "zendesk":
        return FakeZendesk("bench", key, **ids)
    if provider == "front":
        return FakeFront(key, "inb_77", **{**ids, "bot_id": "tea_bot"})
    return FakeIntercom(key, **ids)


def stored_config(provider: str, fake) -> dict[str, str]:  # type: ignore[no-untyped-def]
    common = {"bot_actor_id": fake.bot_id, "webhook_secret": "bench-secret"}
    if provider == "gorgias":
        return {**common, "subdomain": fake.tenant_key, "email": "owner@merchant.test",
                "api_key": fake.token}  # fmt: skip
    if provider == "zendesk":
        return {**common, "subdomain": "bench", "email": "bot@merchant.test",
                "api_token": fake.token, "account_id": fake.tenant_key}  # fmt: skip
    if provider == "front":
        return {**common, "api_token": fake.token, "company_id": fake.tenant_key,
                "inbox_id": fake.channel_ref}  # fmt: skip
    return {**common, "access_token": fake.token, "region": "us", "app_id": fake.tenant_key}


def api_bases(url: str) -> str:
    prefixes = {"gorgias": "/api", "zendesk": "/api/v2", "front": "", "intercom": ""}
    return ",".join(f"{p}={url}/{p}-{{tenant}}{prefix}" for p, prefix in prefixes.items())


def connect(store, provider: str, fake) -> None:  # type: ignore[no-untyped-def]
    import json

    from apps.helpdesk.models import HelpdeskSettings, TicketsFor
    from apps.stores.fields import Secret
    from apps.stores.models import IntegrationCredential, IntegrationStatus

    IntegrationCredential.objects.update_or_create(
        store=store,
        provider=provider,
        defaults={
            "config": Secret(json.dumps(stored_config(provider, fake))),
            "status": IntegrationStatus.CONNECTED,
        },
    )
    HelpdeskSettings.objects.update_or_create(store=store, defaults={"tickets_for": TicketsFor.ALL})


def arrive(stores: list, count: int) -> None:  # type: ignore[type-arg]
    """Conversations arrive evenly over ARRIVAL_SECONDS: a customer message, mirroring
    starts (as the reply hook would), and the AI's reply a second later."""
    from django.db import transaction

    from apps.conversations.models import Conversation, Message, MessageRole
    from apps.helpdesk.escalation import mirror_start
    from apps.helpdesk.sync import connected_helpdesks
    from apps.helpdesk.tasks import enqueue_sync

    def reply(conversation: Conversation) -> None:
        Message.objects.create(
            store=conversation.store,
            conversation=conversation,
            role=MessageRole.ASSISTANT,
            text=f"Reply in {conversation.pk}",
        )

    plan = [s for s, share in stores for _ in range(round(share * count))][:count]
    plan = [plan[i] for i in sorted(range(len(plan)), key=lambda i: (i * 7919) % len(plan))]
    began = time.monotonic()
    replies: list[tuple[float, Conversation]] = []
    for n, store in enumerate(plan):
        due = began + n * ARRIVAL_SECONDS / max(1, len(plan))
        while replies and replies[0][0] <= time.monotonic():
            reply(replies.pop(0)[1])
        time.sleep(max(0.0, due - time.monotonic()))
        conversation = Conversation.objects.create(store=store, customer_email=f"c{n}@example.com")
        Message.objects.create(
            store=store, conversation=conversation, role=MessageRole.CUSTOMER, text=f"Question {n}"
        )
        with transaction.atomic():
            for row in mirror_start(conversation, connected_helpdesks(store.pk)):
                transaction.on_commit(lambda row=row: enqueue_sync(row))
        replies.append((time.monotonic() + 1.0, conversation))
    for at, conversation in replies:
        time.sleep(max(0.0, at - time.monotonic()))
        reply(conversation)


def sync_part(env: dict[str, str], log: Path) -> bool:
    from apps.helpdesk.models import HelpdeskSync, SyncStatus
    from apps.stores.models import Store
    from standins.helpdesk.server import HelpdeskServer

    fakes = {f"{p}-{k}": make_fake(p, k) for p, k, _ in STORES}
    for fake in fakes.values():
        fake.enforce_limit()
    with HelpdeskServer(fakes, port=PORTS[0]) as server:
        env = {**env, "HELPDESK_API_BASES": api_bases(server.url)}
        worker = start_worker(env, log, queue="celery", concurrency="4")
        try:
            stores = []
            by_fake = {}
            for i, (provider, key, share) in enumerate(STORES):
                store = Store.objects.create(
                    platform="demo", domain=f"bench-{i}.example", name=f"Bench {i}"
                )
                connect(store, provider, fakes[f"{provider}-{key}"])
                stores.append((store, share))
                by_fake[f"{provider}-{key}"] = store
            began = time.monotonic()
            arrive(stores, CONVERSATIONS)
            deadline = time.monotonic() + DRAIN_TIMEOUT
            rows = HelpdeskSync.objects.exclude(store__domain__startswith="demo")
            while rows.exclude(status=SyncStatus.SENT).exists() and time.monotonic() < deadline:
                time.sleep(1)
            elapsed = time.monotonic() - began
        finally:
            chat_bench.stop(worker)
        return report_sync(rows, fakes, by_fake, elapsed)


def report_sync(rows, fakes, stores, elapsed: float) -> bool:  # type: ignore[no-untyped-def]
    from apps.helpdesk.models import HelpdeskThread, SyncStatus

    expected_threads = {
        name: HelpdeskThread.objects.filter(store=store).count() for name, store in stores.items()
    }

    sent = list(rows.filter(status=SyncStatus.SENT).values_list("message__created_at", "sent_at"))
    total = rows.count()
    delays = [(s - c).total_seconds() for c, s in sent]
    too_many = sum(f.rate_limited for f in fakes.values())
    duplicates = 0
    for name, fake in fakes.items():
        for thread in fake.threads.values():
            bodies = [m.body for m in thread.messages]
            if len(bodies) != len(set(bodies)):
                print(f"  duplicate in {name} thread {thread.id}: {bodies}")
            duplicates += len(bodies) - len(set(bodies))
        # One thread per mirrored conversation: any more is a ticket opened twice.
        duplicates += len(fake.threads) - expected_threads[name]
    first = min(c for c, _ in sent) if sent else None
    last = max(s for _, s in sent) if sent else None
    span = (last - first).total_seconds() if first and last else elapsed
    print(
        f"helpdesk sync: {CONVERSATIONS} conversations across {len(fakes)} stores arriving over "
        f"{ARRIVAL_SECONDS:.0f} s; {len(sent)}/{total} messages synced in {span:.1f} s"
    )
    if delays:
        print(
            f"  messages synced/s {len(sent) / span:6.2f}   delay our message -> helpdesk: "
            f"p50 {chat_bench.percentile(delays, 50):.1f} s  "
            f"p95 {chat_bench.percentile(delays, 95):.1f} s  max {max(delays):.1f} s"
        )
    for name, fake in fakes.items():
        calls = len(fake.requests)
        print(f"  {name:<20} {calls:5d} API calls  {fake.rate_limited:3d} x 429  "
              f"{len(fake.threads):4d} threads")  # fmt: skip
    print(f"  429s received {too_many}   duplicates {duplicates}")
    checks = {
        "every message synced": len(sent) == total and total > 0,
        "no 429 (our bucket throttles first)": too_many == 0,
        "no duplicates": duplicates == 0,
    }
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'} {name}")
    return all(checks.values())


def start_worker(env: dict[str, str], log: Path, *, queue: str, concurrency: str):  # type: ignore[no-untyped-def]
    import secrets
    import subprocess

    command = [
        str(chat_bench.CELERY), "-A", "config", "worker", "--pool=prefork",
        f"--concurrency={concurrency}", "--loglevel=WARNING", "--without-gossip",
        "--without-mingle", "--without-heartbeat", "-Q", queue,
        "-n", f"bench-hd-{queue}-{secrets.token_hex(3)}@%h",
    ]  # fmt: skip
    with log.open("wb") as handle:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    time.sleep(6)  # --loglevel=WARNING prints no "ready": give it the time it takes
    if worker.poll() is not None:
        raise SystemExit(f"the Celery worker did not come up:\n{log.read_text()[-2000:]}")
    return worker


def chat_runs(port: int, keys: list[str]) -> list[chat_bench.Results]:
    """The shoppers of every store in `keys` chatting at the same time (all start together);
    each shopper has its own address, so no store's shoppers share a rate-limit subject."""
    results = [chat_bench.Results() for _ in keys]
    barrier = threading.Barrier(chat_bench.CONVERSATIONS * len(keys))
    threads = [
        threading.Thread(
            target=chat_bench.run_shopper,
            args=(n * chat_bench.CONVERSATIONS + i, port, key, results[n], barrier),
        )
        for n, key in enumerate(keys)
        for i in range(chat_bench.CONVERSATIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class MirrorStarter(threading.Thread):
    """Starts mirroring the store's new conversations into its connected helpdesks (what
    the paused worker's `mirror_conversation` would do); the sends wait for the drain.
    Polls alike in both halves, finding nothing to do while no helpdesk is connected."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.store = store
        self.done = threading.Event()

    def run(self) -> None:
        from django.db import connection, transaction

        from apps.conversations.models import Conversation
        from apps.helpdesk.escalation import mirror_start
        from apps.helpdesk.models import HelpdeskThread
        from apps.helpdesk.sync import connected_helpdesks
        from apps.helpdesk.tasks import enqueue_sync

        try:
            while not self.done.wait(0.2):
                providers = connected_helpdesks(self.store.pk)
                if not providers:
                    continue
                fresh = Conversation.objects.filter(store=self.store).exclude(
                    pk__in=HelpdeskThread.objects.filter(store=self.store).values("conversation")
                )
                for conversation in fresh:
                    with transaction.atomic():
                        for row in mirror_start(conversation, providers):
                            transaction.on_commit(lambda row=row: enqueue_sync(row))
        finally:
            connection.close()


def chat_part(env: dict[str, str], tmp: Path) -> bool:
    from apps.core.redis import get_redis
    from apps.helpdesk.models import HelpdeskSync, SyncStatus
    from apps.integrations.commerce.demo import seed_demo_store
    from standins.helpdesk.server import HelpdeskServer

    plain = seed_demo_store(domain="plain.aftersale.test")
    store = seed_demo_store()
    fake = make_fake("intercom", "chat01")
    with HelpdeskServer({"intercom-chat01": fake}, port=PORTS[1]) as server:
        env = {**env, "HELPDESK_API_BASES": api_bases(server.url)}
        port = PORTS[2]
        chat_worker = chat_bench.start_worker(env, tmp / f"bench-hd-chat-{port}.log")
        sync_worker = None
        server_process = chat_bench.start_server(env, port)
        try:
            chat_bench.warm_up(port, store.widget_key)
            chat_bench.warm_up(port, plain.widget_key)
            # every process warm before anything counts
            chat_runs(port, [plain.widget_key, store.widget_key])
            for k in get_redis().scan_iter("rl:chat:*"):
                get_redis().delete(k)
            connect(store, "intercom", fake)
            starter = MirrorStarter(store)
            starter.start()
            off, on = chat_runs(port, [plain.widget_key, store.widget_key])
            starter.done.set()
            starter.join()
            # Only now the sync worker, so that it burns no CPU while the chat is measured.
            sync_worker = start_worker(
                env, tmp / f"bench-hd-sync-{port}.log", queue="celery", concurrency="1"
            )
            rows = HelpdeskSync.objects.filter(store=store)
            deadline = time.monotonic() + DRAIN_TIMEOUT
            while rows.exclude(status=SyncStatus.SENT).exists() and time.monotonic() < deadline:
                time.sleep(1)
            mirrored = rows.filter(status=SyncStatus.SENT).count()
            unsent = rows.exclude(status=SyncStatus.SENT).count()
        finally:
            chat_bench.stop(server_process)
            chat_bench.stop(chat_worker)
            if sync_worker is not None:
                chat_bench.stop(sync_worker)
    return report_chat(off, on, mirrored, unsent, len(fake.threads))


def report_chat(off, on, mirrored: int, unsent: int, threads: int) -> bool:  # type: ignore[no-untyped-def]
    def p95(results, kind: str) -> float:  # type: ignore[no-untyped-def]
        values = (
            (results.server_ms["post"] + results.server_ms["poll"])
            if kind == "server"
            else results.visible_ms
        )
        return chat_bench.percentile(values, 95) if values else float("nan")

    print(f"chat, a store not mirrored (off) vs a mirrored one (on) at the same time "
          f"({chat_bench.CONVERSATIONS} shoppers x {chat_bench.ROUNDS} conversations x 3 turns "
          f"each)")  # fmt: skip
    rows = {}
    for kind, label in (("server", "server-side p95"), ("visible", "POST to reply visible p95")):
        before, after = p95(off, kind), p95(on, kind)
        rows[kind] = (after - before) / before if before else float("inf")
        print(f"  {label:<28} off {before:7.1f} ms   on {after:7.1f} ms   change {rows[kind]:+.1%}")
    print(f"  mirrored while on: {mirrored} sync rows sent after the run ({unsent} unsent), "
          f"{threads} helpdesk threads")  # fmt: skip
    checks = {
        "no errors": not off.errors and not on.errors,
        "mirroring really ran": mirrored > 0 and unsent == 0 and threads > 0,
        f"server-side p95 change < {MAX_CHAT_P95_CHANGE:.0%}": rows["server"] < MAX_CHAT_P95_CHANGE,
    }
    for error in (off.errors + on.errors)[:5]:
        print(f"  ERROR {error}")
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'} {name}")
    return all(checks.values())


def main() -> int:
    env = bench_env()
    chat_bench.prepare(env)
    tmp = Path(env.get("TMPDIR", "/tmp"))
    only = os.environ.get("BENCH_HD_ONLY", "")  # "sync" or "chat": one part alone
    ok_sync = only == "chat" or sync_part(env, tmp / "bench-hd-sync-worker.log")
    ok_chat = only == "sync" or chat_part(env, tmp)
    from apps.core.redis import get_redis

    get_redis().delete("celery", "chat")
    return 0 if ok_sync and ok_chat else 1


if __name__ == "__main__":
    sys.exit(main())
