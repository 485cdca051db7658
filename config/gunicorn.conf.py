"""Gunicorn settings for `web` (Procfile) and the webhook benchmark; all from the environment.

gthread workers: a webhook request spends most of its time waiting for PostgreSQL to
commit (a WAL flush), so several threads per process keep the CPU busy meanwhile and let
PostgreSQL flush many commits at once; keep-alive connections are honoured too.
"""

import gc
import logging
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A worker that stops answering its heartbeat this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
backlog = 2048
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def post_worker_init(worker: object) -> None:
    """The app is loaded: redact gunicorn's own log lines as Django's are, then freeze its
    long-lived objects out of the garbage collector's view, so collections triggered by
    request garbage stay short (fewer latency spikes)."""
    from apps.core.logging import install_redaction

    for name in ("gunicorn.error", "gunicorn.access"):
        install_redaction(logging.getLogger(name))
    gc.collect()
    gc.freeze()


# The path without its query string: id_token, hmac, code and chat tokens travel there.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
