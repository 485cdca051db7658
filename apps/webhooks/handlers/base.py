"""What a topic handler receives and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apps.webhooks.models import WebhookStatus

if TYPE_CHECKING:
    from apps.stores.models import Store
    from apps.webhooks.models import WebhookEvent


@dataclass(frozen=True)
class HandlerResult:
    status: WebhookStatus
    note: str = ""

    @classmethod
    def processed(cls, note: str = "") -> HandlerResult:
        return cls(WebhookStatus.PROCESSED, note)

    @classmethod
    def ignored(cls, note: str) -> HandlerResult:
        return cls(WebhookStatus.IGNORED, note)


class PermanentHandlerError(Exception):
    """The event can never succeed as it is (bad payload, wrong shop): fail, don't retry."""


class TransientHandlerError(Exception):
    """Worth another attempt later (a lock held elsewhere, a dependency briefly down)."""


Handler = Callable[["WebhookEvent", "Store"], HandlerResult]
