"""`make demo` runs on SQLite, which the rest of the suite never touches: its own set-up,
in fresh processes, must serve every page a newcomer opens. Raw SQL is where the two
databases differ (SQLite hands datetimes back as text), so the inbox's poll version once
broke the demo's inbox while every PostgreSQL test passed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

PAGES = [
    "/demo/",
    "/app/",
    "/app/conversations/",
    "/app/conversations/?status=escalated",
    "/app/analytics/",
    "/app/analytics/?start={year_ago}&end={today}",
    "/app/settings/",
    "/app/settings/knowledge/",
    "/app/integrations/",
    "/app/billing/",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The demo as `make demo` sets it up (migrate, seed, sample messages, links), served
    by runserver; yields its base URL and the printed dashboard token."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "TESTING"},
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}",
        "REDIS_URL": "",
    }
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    _manage(env, "demo_messages")
    links = _manage(env, "demo_links", "--port", str(port))
    token = re.search(r"id_token=([\w.-]+)", links)
    assert token, links
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "runserver exited"
            assert time.monotonic() < deadline, "runserver never came up"
            time.sleep(0.3)
        yield base, token.group(1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_every_page_a_newcomer_opens_answers_200(demo_server):
    base, token = demo_server
    today = time.strftime("%Y-%m-%d", time.gmtime())
    year_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 365 * 86400))
    with httpx.Client(base_url=base, timeout=30) as client:
        failures = []
        for page in PAGES:
            path = page.format(today=today, year_ago=year_ago)
            joiner = "&" if "?" in path else "?"
            url = path if path.startswith("/demo") else f"{path}{joiner}id_token={token}"
            status = client.get(url).status_code
            if status != 200:
                failures.append((path, status))
        assert failures == []
        inbox = client.get(f"/app/conversations/?id_token={token}").text
        detail = re.findall(r"/app/conversations/(\d+)/", inbox)
        assert detail, "the demo inbox lists no conversation"
        for conversation_id in sorted(set(detail))[:5]:
            path = f"/app/conversations/{conversation_id}/"
            status = client.get(f"{path}?id_token={token}").status_code
            if status != 200:
                failures.append((path, status))
    assert failures == []
