"""Deleting old rows in bounded batches, so a purge never holds a hot table for long.

Each batch is its own short transaction: it locks at most `batch` candidate rows with
SKIP LOCKED (rows a request or worker is using are left for the next run), deletes them
and commits. A run stops when nothing is left or its time budget is spent; beat runs it
again later, so a backlog drains over several runs instead of in one long statement.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet


@dataclass(frozen=True)
class Purge:
    deleted: int  # rows of the purged model (related rows an `erase` removes not included)
    batches: int
    seconds: float
    finished: bool  # nothing was left to delete


def purge_in_batches(
    candidates: Callable[[], QuerySet[Any]],
    *,
    batch: int,
    budget_seconds: float,
    erase: Callable[[list[int]], object] | None = None,
    pause: float | None = None,
) -> Purge:
    """Delete what `candidates()` selects (ordered by an indexed column), `batch` rows per
    transaction, until none is left or `budget_seconds` have passed. `erase(ids)` deletes
    a batch with whatever belongs to it; by default the rows alone are deleted.

    Between batches it sleeps `pause` seconds (RETENTION_PAUSE_SECONDS, off by default):
    back to back, the deletes compete for the disk and a core with the requests writing
    the same tables; the pause trades purge speed for their latency where that shows
    (BENCH_ONLY=retention bench/dashboard.py measures both)."""
    pause = settings.RETENTION_PAUSE_SECONDS if pause is None else pause
    started = time.monotonic()
    deleted = batches = 0
    while time.monotonic() - started < budget_seconds:
        if batches and pause > 0:
            time.sleep(pause)
        with transaction.atomic():
            queryset = candidates()
            ids = list(
                queryset.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return Purge(deleted, batches, time.monotonic() - started, True)
            if erase is None:
                queryset.model.objects.filter(pk__in=ids).delete()
            else:
                erase(ids)
        deleted += len(ids)
        batches += 1
        if len(ids) < batch:  # the last of them (what is locked waits for the next run)
            return Purge(deleted, batches, time.monotonic() - started, True)
    return Purge(deleted, batches, time.monotonic() - started, False)
