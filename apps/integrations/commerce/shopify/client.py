"""The GraphQL Admin API client: one store, one pinned API version, bounded patience.

Every call: take the operation's estimated cost from the shop's shared bucket (waiting
if it is short), POST with the store's token, read `extensions.cost` back into the
bucket, and sort the outcome:

* THROTTLED (HTTP 200 + errors[].extensions.code) -> wait what the restore rate implies;
* network errors, 429 and 5xx -> retry with backoff (tenacity), honouring Retry-After,
  resending a request that may have reached Shopify only when the operation is safe
  to replay;
* 401 -> one token refresh and one more try; a second 401, or a 403 -> the store is
  flagged `needs_reauth` and ReauthorizationRequired is raised;
* any other top-level `errors` -> ShopifyGraphQLError with Shopify's code.

No call waits longer than `max_wait` in total: a customer turn gets ShopifyBusy (a
TransientCommerceError) instead of hanging, and the agent says it is still checking.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type
from tenacity.stop import stop_after_attempt

from apps.core.http import http_client
from apps.integrations.commerce.base import ReauthorizationRequired
from apps.integrations.commerce.shopify.documents import Operation
from apps.integrations.commerce.shopify.errors import (
    QueryTooExpensive,
    ShopifyBusy,
    ShopifyGraphQLError,
)
from apps.integrations.commerce.shopify.throttle import CostMemory, QueryCost, ShopBucket
from apps.integrations.commerce.shopify.tokens import TokenSource, token_source
from apps.stores.models import Store

logger = logging.getLogger(__name__)

# While the bucket is short, look again this often: in-flight queries of other workers
# give back their unused points long before the restore rate alone would refill them.
_BUCKET_POLL_SECONDS = 0.05
_SAFE_TRANSPORT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TRANSIENT_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}


class _Retry(Exception):
    """One attempt failed in a way worth repeating after `delay` seconds."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


def _wait_from_exception(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    return exc.delay if isinstance(exc, _Retry) else 1.0


class ShopifyClient:
    """GraphQL Admin API calls for one store. Not shared between stores or threads."""

    def __init__(
        self,
        store: Store,
        *,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        tokens: TokenSource | None = None,
    ) -> None:
        self.store = store
        self._tokens = tokens or token_source()
        self.max_wait = settings.SHOPIFY_MAX_WAIT_SECONDS if max_wait is None else max_wait
        self._sleep = sleep
        self._clock = clock
        self._bucket = ShopBucket(store.domain, clock=clock)
        self._costs = CostMemory()
        self._http: httpx.Client | None = None
        self._token = ""
        self.requests_sent = 0
        self.points_used = 0.0
        self.last_cost: QueryCost | None = None

    @property
    def endpoint(self) -> str:
        return settings.SHOPIFY_ADMIN_URL_TEMPLATE.format(
            shop=self.store.domain, version=settings.SHOPIFY_API_VERSION
        )

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def pause(self, seconds: float) -> None:
        """Wait on this client's clock (a background job waiting on Shopify's side)."""
        self._sleep(seconds)

    def execute(self, operation: Operation, variables: dict[str, Any] | None = None) -> Any:
        """Run one operation and return its `data`. Raises the errors listed in the module doc."""
        variables = variables or {}
        deadline = self._clock() + self.max_wait
        state = {"refreshed": False}
        retrying = Retrying(
            retry=retry_if_exception_type(_Retry),
            wait=_wait_from_exception,
            stop=stop_after_attempt(settings.SHOPIFY_MAX_ATTEMPTS),
            sleep=self._sleep,
            reraise=False,
        )
        try:
            return retrying(self._attempt, operation, variables, deadline, state)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            reason = last.reason if isinstance(last, _Retry) else "repeated failures"
            raise ShopifyBusy(
                f"Shopify kept failing for {operation.name} ({reason})", retry_after=5.0
            ) from None

    # ------------------------------------------------------------------ one attempt

    def _attempt(
        self, op: Operation, variables: dict[str, Any], deadline: float, state: dict[str, bool]
    ) -> Any:
        shape = _shape(op, variables)
        reserved = self._reserve(op, shape, deadline)
        try:
            response = self._post(op, variables)
        except httpx.TransportError as exc:
            reached = not isinstance(exc, _SAFE_TRANSPORT_ERRORS)
            # A request that may have run at Shopify may also have spent its points.
            self._bucket.settle(reserved=0.0 if reached else reserved, cost=None)
            if reached and not op.replay_safe:
                raise ShopifyBusy(
                    f"Shopify did not answer {op.name}; not resent because it may have run"
                ) from None
            raise self._retry_or_give_up(
                f"network: {type(exc).__name__}", _backoff(state), deadline
            ) from None
        return self._handle(op, shape, reserved, response, deadline, state)

    def _reserve(self, op: Operation, shape: str, deadline: float) -> float:
        cost = self._costs.estimate(shape, op.estimated_cost)
        while True:
            wait = self._bucket.reserve(cost)
            if wait <= 0:
                return cost
            # The restore rate alone may promise a long wait, but queries in flight give
            # their unused points back any moment: keep looking until our time is up.
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise ShopifyBusy(
                    f"{self.store.domain} has no API points left for {op.name} yet",
                    retry_after=wait,
                )
            self._sleep(min(wait, _BUCKET_POLL_SECONDS, remaining))

    def _post(self, op: Operation, variables: dict[str, Any]) -> httpx.Response:
        if not self._token:
            self._token = self._fetch_token()
        if self._http is None:
            timeout = float(settings.SHOPIFY_HTTP_TIMEOUT)
            self._http = http_client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))
        self.requests_sent += 1
        return self._http.post(
            self.endpoint,
            json={"query": op.document, "variables": variables, "operationName": op.name},
            headers={
                "X-Shopify-Access-Token": self._token,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )

    def _fetch_token(self) -> str:
        return self._tokens.access_token(self.store)

    # ------------------------------------------------------------------ responses

    def _handle(
        self,
        op: Operation,
        shape: str,
        reserved: float,
        response: httpx.Response,
        deadline: float,
        state: dict[str, bool],
    ) -> Any:
        status = response.status_code
        if status != 200:
            self._bucket.settle(reserved=reserved, cost=None)
            return self._handle_status(op, response, deadline, state)
        try:
            body = response.json()
        except ValueError:
            self._bucket.settle(reserved=reserved, cost=None)
            raise self._retry_or_give_up("unreadable body", _backoff(state), deadline) from None
        cost = QueryCost.from_extensions(body.get("extensions") if isinstance(body, dict) else None)
        self._record_cost(shape, reserved, cost)
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            return self._handle_errors(op, body, errors, cost, deadline, state)
        if not isinstance(body, dict) or "data" not in body:
            raise ShopifyGraphQLError(f"{op.name}: response without data")
        return body["data"]

    def _record_cost(self, shape: str, reserved: float, cost: QueryCost | None) -> None:
        self._bucket.settle(reserved=reserved, cost=cost)
        self.last_cost = cost
        if cost is not None:
            self._costs.remember(shape, cost.requested)
            self.points_used += cost.actual or 0.0

    def _handle_status(
        self, op: Operation, response: httpx.Response, deadline: float, state: dict[str, bool]
    ) -> Any:
        status = response.status_code
        if status == 401 and not state["refreshed"]:
            state["refreshed"] = True
            self._token = self._refresh_token()
            raise _Retry("401, token refreshed", 0.0)
        if status in (401, 403):
            self._flag_needs_reauth(status)
            raise ReauthorizationRequired(
                f"Shopify refused our credentials for {self.store.domain} ({status})"
            )
        if status == 429 or status >= 500:
            delay = max(_backoff(state), _retry_after(response))
            raise self._retry_or_give_up(f"HTTP {status}", delay, deadline)
        raise ShopifyGraphQLError(f"{op.name}: HTTP {status}", code=f"HTTP_{status}")

    def _handle_errors(
        self,
        op: Operation,
        body: dict[str, Any],
        errors: Any,
        cost: QueryCost | None,
        deadline: float,
        state: dict[str, bool],
    ) -> Any:
        codes = _error_codes(errors)
        if "THROTTLED" in codes or _error_message(errors).strip().lower() == "throttled":
            delay = cost.wait_seconds() if cost else 1.0
            logger.info(
                "shopify throttled shop=%s op=%s wait=%.2f", self.store.domain, op.name, delay
            )
            raise self._retry_or_give_up("THROTTLED", delay, deadline)
        if codes & _TRANSIENT_CODES:
            raise self._retry_or_give_up(f"errors {sorted(codes)}", _backoff(state), deadline)
        message = _error_message(errors)
        if "MAX_COST_EXCEEDED" in codes:
            raise QueryTooExpensive(f"{op.name}: {message}", code="MAX_COST_EXCEEDED")
        if codes == {"ACCESS_DENIED"} and body.get("data") is not None:
            # Fields we may not read (e.g. protected data not yet approved) come back null;
            # the rest of the answer is still good.
            logger.warning("shopify partial access shop=%s op=%s", self.store.domain, op.name)
            return body["data"]
        code = sorted(codes)[0] if codes else ""
        raise ShopifyGraphQLError(f"{op.name}: {message}", code=code)

    def _retry_or_give_up(self, reason: str, delay: float, deadline: float) -> Exception:
        if self._clock() + delay > deadline:
            return ShopifyBusy(
                f"Shopify is busy for {self.store.domain} ({reason})", retry_after=delay
            )
        return _Retry(reason, delay)

    def _refresh_token(self) -> str:
        return self._tokens.refreshed_after_unauthorized(self.store, self._token)

    def _flag_needs_reauth(self, status: int) -> None:
        Store.objects.filter(pk=self.store.pk).update(needs_reauth=True, updated_at=timezone.now())
        self.store.needs_reauth = True
        logger.warning(
            "shopify refused credentials shop=%s store_id=%s status=%s",
            self.store.domain,
            self.store.pk,
            status,
        )


def _shape(op: Operation, variables: dict[str, Any]) -> str:
    """Operation name plus the sizes that change its cost (first:, lineItems:)."""
    sizes = sorted((k, v) for k, v in variables.items() if isinstance(v, int) and k != "after")
    return op.name + "".join(f":{k}={v}" for k, v in sizes)


def _backoff(state: dict[str, Any]) -> float:
    tries = int(state.get("tries", 0)) + 1
    state["tries"] = tries
    return min(8.0, 0.5 * 2 ** (tries - 1)) + random.uniform(0, 0.25)  # noqa: S311


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0


def _error_codes(errors: Any) -> set[str]:
    codes: set[str] = set()
    for error in errors if isinstance(errors, list) else []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and extensions.get("code"):
            codes.add(str(extensions["code"]))
    return codes


def _error_message(errors: Any) -> str:
    if not isinstance(errors, list):
        return str(errors)[:300]
    return "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))[:300]
