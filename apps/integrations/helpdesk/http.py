"""The one way helpdesk providers call their APIs: httpx, explicit timeouts, typed errors.

A response is mapped to the protocol's errors here, once, so each provider only shapes
its requests and reads its answers (reference/helpdesks.md, "Rate limits" per provider).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from apps.core.http import http_client
from apps.core.logging import redact
from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.integrations.connections.base import CheckResult
from apps.integrations.connections.common import answer
from apps.integrations.connections.http import get, provider_message
from apps.integrations.helpdesk import throttle
from apps.integrations.helpdesk.base import (
    Credentials,
    NeedsReauth,
    NotFound,
    PermanentError,
    RateLimited,
    Tenant,
    TransientError,
)

# Sync runs in a worker, never in a request: allow a slow helpdesk, but bounded.
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
DEFAULT_RETRY_AFTER = 10.0
MAX_RETRY_AFTER = 3600.0


class HelpdeskHttp:
    def __init__(self, tenant: Tenant, name: str, extra_headers: Mapping[str, str] = {}) -> None:
        self.tenant = tenant
        self.name = name
        self.extra_headers = dict(extra_headers)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The decoded JSON answer (None for an empty body), or one of the protocol errors."""
        if throttle.is_metered():
            wait = throttle.seconds_until_allowed(self.tenant)
            if wait:  # our own budget: the provider never sees this call
                raise RateLimited(f"{self.name}: our rate budget", retry_after=wait, status=None)
        url = path if path.startswith("https://") else f"{self.tenant.base_url}{path}"
        sent = {
            "Accept": "application/json",
            "Authorization": self.tenant.credentials.authorization(),
            **self.extra_headers,
            **(headers or {}),
        }
        try:
            with http_client(timeout=TIMEOUT) as client:
                response = client.request(method, url, json=json, params=params, headers=sent)
        except httpx.ConnectTimeout as exc:
            raise TransientError(f"could not reach {self.name} in time") from exc
        except httpx.TimeoutException as exc:
            # The request left: the provider may have acted on it.
            raise TransientError(f"{self.name} did not answer in time", ambiguous=True) from exc
        except httpx.HTTPError as exc:
            raise TransientError(f"could not reach {self.name}: {type(exc).__name__}") from exc
        return self.answer(response)

    def answer(self, response: httpx.Response) -> Any:
        status = response.status_code
        if status < 300:
            return _json(response) if response.content else None
        said = redact(f"{self.name}: {provider_message(_json(response)) or response.reason_phrase}")
        said = f"{said} (HTTP {status})"
        if status == 429:
            raise RateLimited(said, retry_after=retry_after(response))
        if status in (401, 403):
            raise NeedsReauth(said, status=status)
        if status in (404, 410):
            raise NotFound(said, status=status)
        if status in (408, 409) or status >= 500:
            # 409: Zendesk answers it while a request with the same Idempotency-Key runs.
            raise TransientError(said, status=status)
        raise PermanentError(said, status=status)


def check_get(
    name: str, url: str, credentials: Credentials, extra_headers: Mapping[str, str] = {}
) -> dict[str, object] | CheckResult:
    """The connection check's one GET, authenticated as the provider's own calls are: the
    answer's JSON object, or the failed check the merchant reads. It keeps the check's
    short timeouts (a merchant is waiting), unlike `HelpdeskHttp`'s worker timeouts."""
    headers = {"Authorization": credentials.authorization(), **extra_headers}
    response = get(url, headers=headers)
    if isinstance(response, CheckResult):
        return response
    return answer(response, name)


def retry_after(response: httpx.Response, now: float | None = None) -> float:
    """Seconds to wait: Retry-After (seconds or an HTTP date), else a unix reset time
    (Intercom's X-RateLimit-Reset), else a default; bounded either way."""
    now = time.time() if now is None else now
    value = response.headers.get("retry-after", "").strip()
    wait: float | None = None
    if value:
        try:
            wait = float(value)
        except ValueError:
            try:
                wait = parsedate_to_datetime(value).timestamp() - now
            except (TypeError, ValueError):
                wait = None
    if wait is None:
        reset = response.headers.get("x-ratelimit-reset", "").strip()
        if reset.isdigit():
            wait = int(reset) - now
    if wait is None:
        wait = DEFAULT_RETRY_AFTER
    return min(max(wait, 1.0), MAX_RETRY_AFTER)


def _json(response: httpx.Response) -> Any:
    try:
        return parse_json(response.content)
    except InvalidJSON:
        return None
