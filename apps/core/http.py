"""Outbound HTTP: one place that sets timeouts and refuses redirects."""

from __future__ import annotations

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def http_client(*, timeout: float | httpx.Timeout | None = None, **kwargs: object) -> httpx.Client:
    """A fresh client per call site: no shared state between tenants, explicit timeouts,
    no redirects (a redirect could carry our credentials to another host)."""
    return httpx.Client(
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        follow_redirects=False,
        **kwargs,  # type: ignore[arg-type]
    )
