"""Demo providers that misbehave on purpose (the network stays blocked; these stand in)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any, ClassVar

from apps.integrations.commerce.base import (
    CancelResult,
    LineItemQuantity,
    PlatformRejected,
    ReauthorizationRequired,
    RefundResult,
    TransientCommerceError,
)
from apps.integrations.commerce.demo.provider import DemoCommerceProvider


class FailingProvider(DemoCommerceProvider):
    """The platform is down for refunds and refuses cancellations."""

    def refund(self, **kwargs: Any) -> RefundResult:
        raise TransientCommerceError("The platform answered 503 Service Unavailable.")

    def cancel_order(self, **kwargs: Any) -> CancelResult:
        raise PlatformRejected("Order cannot be cancelled right now.", code="invalid")


class CountingProvider(DemoCommerceProvider):
    """Counts refund calls across threads, and lingers inside each to widen any race."""

    calls: ClassVar[list[str]] = []
    _guard = threading.Lock()
    delay = 0.2

    def refund(
        self,
        *,
        order_id: str,
        amount: Decimal | None,
        line_items: list[LineItemQuantity] | None,
        reason: str,
        idempotency_key: str,
        notify_customer: bool = True,
    ) -> RefundResult:
        with self._guard:
            self.calls.append(idempotency_key)
        time.sleep(self.delay)
        return super().refund(
            order_id=order_id,
            amount=amount,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
            notify_customer=notify_customer,
        )


class StalledProvider(DemoCommerceProvider):
    """The turn's soft time limit fires while the platform is being asked."""

    def find_order(self, number: str, **identity: str) -> None:  # type: ignore[override]
        from celery.exceptions import SoftTimeLimitExceeded

        raise SoftTimeLimitExceeded()


class StalledRefundProvider(DemoCommerceProvider):
    """The time limit fires while the refund call is in flight (nothing reached the platform)."""

    def refund(self, **kwargs: Any) -> RefundResult:
        from celery.exceptions import SoftTimeLimitExceeded

        raise SoftTimeLimitExceeded()


class BusyProvider(DemoCommerceProvider):
    """The platform is throttling or down for every read (Shopify THROTTLED, 5xx)."""

    lookups: ClassVar[int] = 0

    def find_order(self, number: str, **identity: Any) -> Any:
        type(self).lookups += 1
        raise TransientCommerceError("The platform is busy; try again shortly.")

    def search_products(self, query: str, *, limit: int = 5) -> Any:
        type(self).lookups += 1
        raise TransientCommerceError("The platform is busy; try again shortly.")


class RevokedProvider(DemoCommerceProvider):
    """The merchant's token was revoked: every call needs re-authorisation."""

    def find_order(self, number: str, **identity: Any) -> Any:
        raise ReauthorizationRequired("store needs re-authorisation")


class ProcessKilled(BaseException):
    """The process died here (SIGKILL, OOM, a gunicorn timeout): nothing after it runs.
    A BaseException, so no `except Exception` records anything on the way out."""


class KeyRecordingProvider(DemoCommerceProvider):
    """Records every refund key it is sent, across threads. With `gate` set, the first
    refund waits inside the call (before the platform acts) until `release` is set, so a
    test can act while an execution is in flight; with `die_after_commit`, the refund is
    made and then the process "dies" before the answer is recorded."""

    keys: ClassVar[list[str]] = []
    gate: ClassVar[bool] = False
    die_after_commit: ClassVar[bool] = False
    entered = threading.Event()
    release = threading.Event()
    _guard = threading.Lock()

    @classmethod
    def reset(cls, *, gate: bool = False, die_after_commit: bool = False) -> None:
        cls.keys = []
        cls.gate, cls.die_after_commit = gate, die_after_commit
        cls.entered = threading.Event()
        cls.release = threading.Event()

    def refund(self, **kwargs: Any) -> RefundResult:
        with self._guard:
            self.keys.append(kwargs["idempotency_key"])
            first = len(self.keys) == 1
        if self.gate and first:
            self.entered.set()
            self.release.wait(10)
        done = super().refund(**kwargs)
        if self.die_after_commit:
            raise ProcessKilled()
        return done
