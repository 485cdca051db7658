"""BigCommerce's REST APIs for one store: its token, its shared quota, bounded patience.

Every call takes a request from the store's shared quota (ratelimit.StoreQuota), waiting
for the window to reset when it is nearly spent,
sends `X-Auth-Token`, records the X-Rate-Limit-* headers it gets back, and sorts the
outcome:

* 204 -> None (V2 lists answer an empty page with no body at all);
* 429 with rate headers -> wait `X-Rate-Limit-Time-Reset-Ms`, try again; 429 without them
  (platform load) and 5xx/network errors -> exponential backoff, but a request that may
  have reached BigCommerce is resent only when replaying it is harmless (not a refund);
* 401/403 -> the store is flagged `needs_reauth` and ReauthorizationRequired is raised;
* 404 -> NotFound; other 4xx -> PlatformRejected with BigCommerce's message.

No call waits longer than `max_wait` in total: a customer turn gets a
TransientCommerceError instead of hanging, and the agent says it is still checking.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from django.conf import settings

from apps.core.http import http_client
from apps.integrations.commerce.base import (
    CommerceError,
    PlatformRejected,
    ReauthorizationRequired,
    TransientCommerceError,
)
from apps.integrations.commerce.bigcommerce.ids import store_hash
from apps.integrations.commerce.bigcommerce.ratelimit import RESERVE, StoreQuota
from apps.stores.fields import Secret
from apps.stores.models import Store

logger = logging.getLogger(__name__)

_FIRST_BACKOFF = 0.25
_MAX_ATTEMPTS = 5
_SAFE_TO_REPLAY = {"GET", "PUT", "DELETE"}


class NotFound(CommerceError):
    pass


class BigCommerceClient:
    def __init__(
        self,
        store: Store,
        *,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        reserve: int = RESERVE,
    ) -> None:
        self.store = store
        self.store_hash = store_hash(store)
        # Wall-clock time: the quota's reset moment is shared with other processes.
        self.quota = StoreQuota(self.store_hash, clock=clock)
        self.reserve = reserve
        self.max_wait = settings.BIGCOMMERCE_MAX_WAIT_SECONDS if max_wait is None else max_wait
        self._sleep = sleep
        self._clock = clock
        # Made on the first request: a turn answered from the snapshot sends none, and
        # building a client loads the CA bundle (~50 ms of CPU) for nothing.
        self._client: httpx.Client | None = None
        self.calls = 0
        self.throttled = 0

    @property
    def _http(self) -> httpx.Client:
        if self._client is None:
            token = self.store.access_token
            self._client = http_client(
                base_url=f"{settings.BIGCOMMERCE_API_BASE}/stores/{self.store_hash}/",
                headers={
                    "X-Auth-Token": token.reveal()
                    if isinstance(token, Secret)
                    else str(token or ""),
                    "Accept": "application/json",
                },
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._send("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._send("POST", path, body=body)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self._send("PUT", path, body=body)

    def delete(self, path: str) -> Any:
        return self._send("DELETE", path)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        deadline = self._clock() + self.max_wait
        backoff = _FIRST_BACKOFF
        for _attempt in range(_MAX_ATTEMPTS):
            self._take_quota(deadline)
            self.calls += 1
            try:
                response = self._http.request(method, path, params=params, json=body)
            except httpx.TransportError as exc:
                if method not in _SAFE_TO_REPLAY and not isinstance(exc, httpx.ConnectError):
                    raise TransientCommerceError(f"BigCommerce did not answer {method}") from exc
                self._wait(backoff, deadline)
                backoff *= 2
                continue
            self.quota.record(response.headers)
            if response.status_code == 429:
                self.throttled += 1
                reset = response.headers.get("X-Rate-Limit-Time-Reset-Ms")
                self._wait(int(reset) / 1000 if reset and reset.isdigit() else backoff, deadline)
                backoff *= 2
                continue
            if response.status_code >= 500:
                if method not in _SAFE_TO_REPLAY:
                    raise TransientCommerceError(f"BigCommerce answered {response.status_code}")
                self._wait(backoff, deadline)
                backoff *= 2
                continue
            return self._outcome(response)
        raise TransientCommerceError("BigCommerce is busy; try again shortly")

    def _take_quota(self, deadline: float) -> None:
        while True:
            wait = self.quota.take(self.reserve)
            if wait <= 0:
                return
            self._wait(wait, deadline)

    def _wait(self, seconds: float, deadline: float) -> None:
        if seconds <= 0:
            return
        if self._clock() + seconds > deadline:
            raise TransientCommerceError("BigCommerce is busy; try again shortly")
        self._sleep(seconds)

    def _outcome(self, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 204 or not response.content:
            return None
        if status in (401, 403):
            Store.objects.filter(pk=self.store.pk).update(needs_reauth=True)
            raise ReauthorizationRequired("BigCommerce refused the store's token")
        if status == 404:
            raise NotFound(_message(response))
        if status >= 400:
            raise PlatformRejected(_message(response), code=str(status))
        try:
            return response.json()
        except ValueError as exc:
            raise TransientCommerceError("BigCommerce answered something that is not JSON") from exc


def _message(response: httpx.Response) -> str:
    """BigCommerce's own words: V2 `[{status, message}]`, V3 `{title, errors}`."""
    try:
        found = response.json()
    except ValueError:
        return f"BigCommerce answered {response.status_code}"
    if isinstance(found, list) and found and isinstance(found[0], dict):
        return str(found[0].get("message") or "")[:300]
    if isinstance(found, dict):
        return str(found.get("title") or found.get("message") or "")[:300]
    return f"BigCommerce answered {response.status_code}"
