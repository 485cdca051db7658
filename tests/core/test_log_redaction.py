"""Every credential-bearing parameter name we use is redacted, on every log path."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from apps.core.logging import RedactSecretsFilter, install_redaction, redact

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Sx9fQ2vLkP7wZr4T"  # what must never reach a log line
NAMES = [
    "token",
    "key",
    "id_token",
    "hmac",
    "signature",
    "code",
    "state",
    "consumer_key",
    "consumer_secret",
    "customer_claim",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "shape",
    [
        "GET /proxy/chat/x?shop=a.myshopify.com&{name}={secret}&timestamp=1 HTTP/1.1",
        "GET /x?{name}={secret} HTTP/1.1",
        '{{"{name}": "{secret}", "other": 1}}',
        "{{'{name}': '{secret}'}}",
        "{name}: {secret}",
        "/shopify/session-token?shopify-reload=%2Fapp%2F%3F{name}%3D{secret}%26x%3D1",
        "{NAME}={secret}",
    ],
    ids=["query", "query-last", "json", "python-repr", "header-like", "url-encoded", "upper"],
)
def test_each_credential_parameter_is_redacted_in_every_shape(name, shape):
    line = shape.format(name=name, NAME=name.upper(), secret=SECRET)

    cleaned = redact(line)

    assert SECRET not in cleaned
    assert SECRET[:6] not in cleaned
    assert "[redacted]" in cleaned


def test_a_value_with_percent_escapes_is_redacted_whole():
    cleaned = redact("/callback?code=ab%2Bcd%2Fef&shop=x.myshopify.com")
    assert "cd" not in cleaned.split("code=")[1].split("&")[0].replace("[redacted]", "")
    assert "shop=x.myshopify.com" in cleaned


@pytest.mark.parametrize(
    "line",
    [
        "shop=x.myshopify.com&timestamp=1700000000&path_prefix=/apps/aftersale",
        "monkey=banana donkey: kong",
        "webhook event 12 (orders/create) attempt 2 failed",
    ],
)
def test_other_parameters_are_left_readable(line):
    assert redact(line) == line


def test_the_shopify_hmac_header_is_redacted():
    cleaned = redact(f"headers: X-Shopify-Hmac-Sha256: {SECRET}=")
    assert SECRET not in cleaned


def test_install_redaction_adds_the_filter_to_every_handler_once():
    logger = logging.getLogger("tests.redaction.install")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        install_redaction(logger)
        install_redaction(logger)
        assert sum(isinstance(f, RedactSecretsFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)


def test_celery_worker_and_task_loggers_get_the_filter():
    from celery import signals

    import config.celery  # noqa: F401 - connects the signal receivers

    for signal in (signals.after_setup_logger, signals.after_setup_task_logger):
        logger = logging.getLogger(f"tests.redaction.{signal.name}")
        handler = logging.StreamHandler()
        logger.addHandler(handler)
        try:
            signal.send(
                sender=None, logger=logger, loglevel=20, logfile=None, format="", colorize=False
            )
            assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters), signal.name
        finally:
            logger.removeHandler(handler)


def test_gunicorn_loggers_get_the_filter_in_each_worker():
    namespace: dict[str, object] = {}
    exec((ROOT / "config" / "gunicorn.conf.py").read_text(), namespace)
    error_log = logging.getLogger("gunicorn.error")
    handler = logging.StreamHandler()
    error_log.addHandler(handler)
    try:
        namespace["post_worker_init"](object())  # type: ignore[operator]
        assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    finally:
        error_log.removeHandler(handler)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_runserver_request_log_carries_no_chat_token_or_credential(tmp_path):
    """The demo serves with runserver, whose request log writes every query string."""
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",  # the demo's own set-up
        "REDIS_URL": "",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        query = "&".join(f"{name}={SECRET}{i}" for i, name in enumerate(NAMES))
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/ping?{query}", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        time.sleep(0.5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert "/ping?" in output  # the request line was logged...
    assert SECRET not in output  # ...without any of the values


def test_woocommerce_keys_are_redacted_wherever_they_appear():
    key, secret = "ck_" + "0a" * 20, "cs_" + "1b" * 20

    cleaned = redact(f"keys {key} and {secret} in a message")

    assert "0a0a" not in cleaned
    assert "1b1b" not in cleaned
