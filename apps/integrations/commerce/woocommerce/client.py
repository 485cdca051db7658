"""The WooCommerce REST API (wc/v3) client: one store, bounded patience, honest errors.

Every call authenticates with HTTP Basic (consumer key and secret) over HTTPS. Some hosts
strip the `Authorization` header before PHP sees it; WooCommerce then answers 401. After
one such 401 the call is repeated with the keys as query parameters, and when that works
the store is remembered (in Redis) as a query-string host, so later calls go straight
there. Another 401/403 means the keys were revoked: the store is flagged `needs_reauth`.

429 and 5xx are retried with backoff, honouring Retry-After when the host sends one; a
request that may have reached the store (a timeout on a POST) is not resent. No call
waits longer than `max_wait` in total: a customer turn gets WooBusy (a
TransientCommerceError) instead of hanging, and the agent says it is still checking.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone

from apps.core.http import http_client
from apps.core.netguard import NonPublicAddress, PublicOnlyTransport
from apps.core.redis import get_redis
from apps.integrations.commerce.base import (
    CommerceError,
    PlatformRejected,
    ReauthorizationRequired,
    TransientCommerceError,
)
from apps.integrations.commerce.woocommerce.credentials import KeyPair, key_pair_of
from apps.stores.models import Store

logger = logging.getLogger(__name__)

PER_PAGE_MAX = 100  # WordPress refuses more with 400 rest_invalid_param
_SAFE_TRANSPORT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_QUERY_AUTH_SECONDS = 30 * 86400
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class WooBusy(TransientCommerceError):
    def __init__(self, message: str, *, retry_after: float = 5.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WooNotFound(CommerceError):
    """404: the resource does not exist (or is not this store's)."""


class StoreAddressRefused(ReauthorizationRequired):
    """The store's host name resolves to an address outside the public internet: nothing
    was sent, and trying again changes nothing until the merchant fixes the address. Like
    refused keys, it needs the merchant (so a customer's message goes to the team)."""


class WooRejected(PlatformRejected):
    """A 4xx with WooCommerce's `{code, message, data: {status}}`."""

    def __init__(self, message: str, *, code: str = "", status: int = 400) -> None:
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class WooResponse:
    data: Any
    headers: Mapping[str, str]

    @property
    def total_pages(self) -> int | None:
        try:
            return int(self.headers.get("x-wp-totalpages", ""))
        except ValueError:
            return None

    @property
    def has_next(self) -> bool:
        return bool(_LINK_NEXT.search(self.headers.get("link", "")))


class _Retry(Exception):
    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


def base_url(domain: str) -> str:
    return f"https://{domain.strip('/')}/wp-json"


class WooClient:
    """REST calls for one store. Not shared between stores or threads."""

    def __init__(
        self,
        store: Store,
        *,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.max_wait = settings.WOOCOMMERCE_MAX_WAIT_SECONDS if max_wait is None else max_wait
        self._sleep = sleep
        self._clock = clock
        self._http: httpx.Client | None = None
        self._keys: KeyPair | None = None
        self._query_auth: bool | None = None
        self.requests_sent = 0
        self.throttled = 0

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # ------------------------------------------------------------ calls

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, namespace: str = "wc/v3"
    ) -> WooResponse:
        return self.request("GET", path, params=params, namespace=namespace)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        namespace: str = "wc/v3",
    ) -> WooResponse:
        """One call, retried within the wait bound. Raises WooBusy, WooNotFound, WooRejected,
        ReauthorizationRequired."""
        deadline = self._clock() + self.max_wait
        state: dict[str, Any] = {"tries": 0, "switched": False}
        while True:
            try:
                return self._attempt(method, path, params or {}, json, namespace, state)
            except _Retry as retry:
                if self._clock() + retry.delay > deadline or state["tries"] >= _max_attempts():
                    raise WooBusy(
                        f"WooCommerce is busy for {self.store.domain} ({retry.reason})",
                        retry_after=max(retry.delay, 1.0),
                    ) from None
                if retry.delay > 0:
                    self._sleep(retry.delay)

    def paginate(
        self, path: str, params: Mapping[str, Any], *, limit: int, max_pages: int = 5
    ) -> list[Any]:
        """Up to `limit` items across pages (X-WP-TotalPages, else the Link header)."""
        found: list[Any] = []
        page = 1
        per_page = max(1, min(limit, PER_PAGE_MAX))
        while len(found) < limit and page <= max_pages:
            response = self.get(path, {**params, "per_page": per_page, "page": page})
            items = response.data if isinstance(response.data, list) else []
            found.extend(items)
            total = response.total_pages
            more = page < total if total is not None else response.has_next
            if not items or not more:
                break
            page += 1
        return found[:limit]

    # ------------------------------------------------------------ one attempt

    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        body: Any,
        namespace: str,
        state: dict[str, Any],
    ) -> WooResponse:
        state["tries"] += 1
        try:
            response = self._send(method, path, params, body, namespace)
        except NonPublicAddress as exc:
            raise StoreAddressRefused(f"{self.store.domain}: {exc}") from None
        except httpx.TransportError as exc:
            reached = not isinstance(exc, _SAFE_TRANSPORT_ERRORS)
            if reached and method != "GET":
                raise WooBusy(
                    f"{self.store.domain} did not answer {method} {path}; not resent"
                ) from None
            raise _Retry(f"network: {type(exc).__name__}", _backoff(state["tries"])) from None
        return self._handle(response, method, path, state)

    def _send(
        self, method: str, path: str, params: Mapping[str, Any], body: Any, namespace: str
    ) -> httpx.Response:
        keys = self._key_pair()
        query = dict(params)
        auth: httpx.BasicAuth | None = None
        if self._uses_query_auth():
            query.update(consumer_key=keys.consumer_key, consumer_secret=keys.consumer_secret)
        else:
            auth = httpx.BasicAuth(keys.consumer_key, keys.consumer_secret)
        if self._http is None:
            timeout = float(settings.WOOCOMMERCE_HTTP_TIMEOUT)
            # The merchant chose this host: every request goes to an address checked public
            # (apps.core.netguard), unless local stand-ins are allowed (tests, DEBUG).
            guard = None if settings.WOOCOMMERCE_ALLOW_LOCAL_HOSTS else PublicOnlyTransport()
            self._http = http_client(
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), transport=guard
            )
        self.requests_sent += 1
        url = f"{base_url(self.store.domain)}/{namespace}/{path.lstrip('/')}"
        return self._http.request(
            method,
            url,
            params=query,
            json=body,
            auth=auth,
            headers={"Accept": "application/json"},
        )

    def _handle(
        self, response: httpx.Response, method: str, path: str, state: dict[str, Any]
    ) -> WooResponse:
        status = response.status_code
        if 200 <= status < 300:
            if state["switched"]:
                self._remember_query_auth()
            return WooResponse(_json(response), response.headers)
        if status == 401 and not state["switched"] and not self._uses_query_auth():
            # The host may have dropped our Authorization header: try the keys in the query.
            state["switched"] = True
            self._query_auth = True
            raise _Retry("401 with header auth; trying query-string auth", 0.0)
        if status in (401, 403):
            self._refused(status, _error(response)[0])
        if status == 429 or status >= 500:
            if status == 429:
                self.throttled += 1
            delay = max(_backoff(state["tries"]), _retry_after(response))
            raise _Retry(f"HTTP {status}", delay)
        code, message = _error(response)
        if status == 404:
            raise WooNotFound(f"{method} {path}: {code or 'not found'}")
        raise WooRejected(message or f"{method} {path}: HTTP {status}", code=code, status=status)

    def _refused(self, status: int, code: str) -> None:
        Store.objects.filter(pk=self.store.pk).update(needs_reauth=True, updated_at=timezone.now())
        self.store.needs_reauth = True
        self._forget_query_auth()
        logger.warning(
            "woocommerce refused our keys store_id=%s status=%s code=%s",
            self.store.pk,
            status,
            code,
        )
        raise ReauthorizationRequired(
            f"WooCommerce refused our keys for {self.store.domain} ({status} {code})"
        )

    # ------------------------------------------------------------ auth mode

    def _key_pair(self) -> KeyPair:
        if self._keys is None:
            self._keys = key_pair_of(self.store)
        return self._keys

    def _uses_query_auth(self) -> bool:
        if self._query_auth is None:
            client = get_redis()
            self._query_auth = bool(client and client.get(_query_auth_key(self.store)))
        return self._query_auth

    def _remember_query_auth(self) -> None:
        logger.info("woocommerce host strips Authorization; query auth store_id=%s", self.store.pk)
        client = get_redis()
        if client is not None:
            client.set(_query_auth_key(self.store), "1", ex=_QUERY_AUTH_SECONDS)

    def _forget_query_auth(self) -> None:
        client = get_redis()
        if client is not None:
            client.delete(_query_auth_key(self.store))


def _query_auth_key(store: Store) -> str:
    return f"woo:query-auth:{store.pk}"


def _max_attempts() -> int:
    return int(settings.WOOCOMMERCE_MAX_ATTEMPTS)


def _backoff(tries: int) -> float:
    return min(8.0, 0.5 * 2 ** (tries - 1)) + random.uniform(0, 0.25)  # noqa: S311


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise WooRejected("WooCommerce answered with something that is not JSON") from None


def _error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("code") or "")[:100], str(body.get("message") or "")[:300]
