"""Background work started from the dashboard."""

from __future__ import annotations

from celery import shared_task

from apps.dashboard.services.integrations import integration_check_run


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=45,
    ignore_result=True,
)
def integration_check(credential_id: int) -> None:
    """Run a store's "test connection" for one provider (idempotent; a failure is a result)."""
    integration_check_run(credential_id)


# Celery discovers each app's `tasks` module; the analytics tasks live with their package.
from apps.dashboard.analytics.tasks import rollup_refresh_days, rollups_sweep  # noqa: E402

__all__ = ["integration_check", "rollup_refresh_days", "rollups_sweep"]
