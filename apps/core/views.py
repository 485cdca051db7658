from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from apps.core.redis import get_redis

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        logger.warning("healthz: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    client = get_redis()
    if client is None:
        return settings.CELERY_TASK_ALWAYS_EAGER  # demo mode: tasks run inline
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        logger.warning("healthz: broker unreachable")
        return False


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def ping(request: HttpRequest) -> JsonResponse:
    """A trivial endpoint: the ceiling the webhook benchmark compares against."""
    return JsonResponse({"ok": True})
