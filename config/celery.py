import logging
import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("aftersale")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _redact_celery_logs(logger: logging.Logger, **kwargs: Any) -> None:
    """Celery gives its worker and task loggers handlers of its own (the task logger does
    not propagate): they get the same redaction as every handler in settings.LOGGING."""
    from apps.core.logging import install_redaction

    install_redaction(logger)
